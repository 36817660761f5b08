//! CertLogic on arbitrary input: the bytes are split at the first NUL into (rule JSON, data
//! JSON) (no NUL: data `{}`). Covered: what the rule-author command does (bare expression or
//! rule document, validated then evaluated), `validate`, and loading the text as a rule set and
//! evaluating it over the data as a DCC payload. Must not panic or recurse unboundedly.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (rule, payload) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{}"[..]),
    };
    let rule = String::from_utf8_lossy(rule);
    let payload = String::from_utf8_lossy(payload);

    // What `vaxcert-verify certlogic` does: bounded parse, take a rule's Logic, evaluate.
    let limits = certlogic::Limits::DEFAULT;
    if let (Ok(expr), Ok(data)) = (
        certlogic::parse_json(&rule, &limits),
        certlogic::parse_json(&payload, &limits),
    ) {
        let logic = expr.get("Logic").unwrap_or(&expr);
        let _ = certlogic::evaluate_with_limits(logic, &data, &limits);
    }
    if let Ok(expr) = serde_json::from_str::<serde_json::Value>(&rule) {
        let _ = certlogic::validate(&expr);
    }
    if let Ok(rules) = certlogic::RuleSet::from_json(&rule) {
        let _ = rules.to_bytes();
        if let Ok(payload) = serde_json::from_str::<serde_json::Value>(&payload) {
            let clock =
                chrono::DateTime::from_timestamp(vaxcert_fuzz::CLOCK, 0).unwrap_or_default();
            let external = certlogic::ExternalParameters::new(clock);
            let _ = rules.evaluate_payload(&payload, &external);
        }
    }
});
