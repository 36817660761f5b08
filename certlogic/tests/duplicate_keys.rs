//! JSON with a key twice in one object is refused (`CERTLOGIC_INVALID_JSON`), for expressions,
//! rules, rule sets and data alike (issue #12, "strict where two readers could disagree"): one
//! reader keeps the first value, another the last, so a signed rule set could mean two things.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use certlogic::{parse_json, Limits, RuleSet};

#[test]
fn refuses_a_duplicate_key_at_any_depth() {
    for text in [
        r#"{"a": 1, "a": 2}"#,
        r#"{"if": [true, 1, 2], "if": [false, 1, 2]}"#,
        r#"{"payload": {"v": [{"dn": 1, "sd": 2, "dn": 2}]}}"#,
        r#"[{"x": {"y": {"z": 0, "z": 0}}}]"#,
    ] {
        let err = parse_json(text, &Limits::DEFAULT).unwrap_err();
        assert_eq!(err.code(), "CERTLOGIC_INVALID_JSON", "{text}");
    }
    // The same key in sibling objects is fine.
    parse_json(r#"[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]"#, &Limits::DEFAULT).unwrap();
}

#[test]
fn refuses_a_rule_set_whose_rule_holds_a_key_twice() {
    let rule = r#"[{"Identifier": "VR-VN-0001", "Type": "Acceptance", "Country": "VN",
        "Version": "1.0.0", "SchemaVersion": "1.3.0", "Engine": "CERTLOGIC",
        "EngineVersion": "0.7.5", "CertificateType": "Vaccination",
        "Description": [{"lang": "en", "desc": "d"}],
        "ValidFrom": "2021-01-01T00:00:00Z", "ValidTo": "2030-01-01T00:00:00Z",
        "AffectedFields": ["v.0.dn"],
        "Logic": {"===": [1, 1]}, "Logic": {"===": [1, 2]}}]"#;
    let err = RuleSet::from_json(rule).unwrap_err();
    assert_eq!(err.code(), "CERTLOGIC_INVALID_JSON", "{err}");
}
