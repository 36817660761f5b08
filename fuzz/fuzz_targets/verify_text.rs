//! The whole offline verification (`verifier::verify`) on arbitrary text, with a trust context
//! holding one real DSC and the shipped `venue` policy, then the JSON and human output. Text
//! that decodes is also re-signed with the fixture DSC and verified again: with its CWT payload
//! bytes as received, at a clock taken from its `iat` (key usage, time, schema), and with
//! `iat`/`exp` moved around a 2024 clock inside the VN rules' validity (CertLogic rules). The
//! verdict must never panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verifier::verify;

// The binary's output module (JSON Lines and human lines), compiled into this target: the
// verifier library no longer exports its command line (spec/verifier.md, "Layout").
#[allow(dead_code)]
#[path = "../../verifier/src/bin/vaxcert-verify/output.rs"]
mod output;
use wallet_format::{cose, Encoder, Limits};

fuzz_target!(|data: &[u8]| {
    let f = vaxcert_fuzz::fixtures();
    let text = String::from_utf8_lossy(data);
    vaxcert_fuzz::with_venue_policy(|policy| {
        let clock = time::OffsetDateTime::from_unix_timestamp(vaxcert_fuzz::CLOCK)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let verdict = verify(&text, &f.ctx, policy, clock);
        let _ = output::json_line(&verdict);

        // Re-sign what decoded, so the payload reaches the checks behind the signature: once
        // as received (clock from its iat: key usage, time, schema), once with iat/exp moved
        // around the fixed clock (inside the rules' validity: CertLogic evaluation).
        let Ok(decoded) = wallet_format::decode(&text, &Limits::DEFAULT) else {
            return;
        };
        let payload = decoded.cose.payload();
        let at_clock = vaxcert_fuzz::with_times(
            payload,
            vaxcert_fuzz::CLOCK - 3_600,
            vaxcert_fuzz::CLOCK + 30 * 86_400,
        );
        let runs = [
            (
                Some(payload.to_vec()),
                vaxcert_fuzz::clock_for(decoded.claims.iat, decoded.claims.exp),
            ),
            (at_clock, clock),
        ];
        for (payload, clock) in runs {
            let Some(payload) = payload else { continue };
            let Ok(signed) = cose::sign(payload, &f.dsc_signer) else {
                continue;
            };
            let Ok(resigned) = Encoder::new().wrap(&signed) else {
                continue;
            };
            let verdict = verify(&resigned, &f.ctx, policy, clock);
            let line = output::json_line(&verdict);
            if vaxcert_fuzz::debug() {
                eprintln!("re-signed: {line}");
            }
            let _ = output::human_lines(&verdict, false);
        }
    });
});
