//! The shipped VN rule sets over generated DCC payloads, at the edges of every window, plus
//! rule-set loading and version selection. (The rule-author command is tested through the
//! binary that has it: `verifier/tests/cli.rs`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use certlogic::{CertificateType, ExternalParameters, RuleReport, RuleSet};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

const COVID: &str = "840539006";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn person(entries: Value) -> Value {
    let mut p = json!({"ver": "1.3.0", "dob": "1990-05-17",
        "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"}});
    for (k, v) in entries.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

fn vacc(dn: i64, sd: i64, dt: &str, mp: &str) -> Value {
    person(
        json!({"v": [{"tg": COVID, "vp": "J07BX03", "mp": mp, "ma": "ORG-100030215",
        "dn": dn, "sd": sd, "dt": dt, "co": "VN", "is": "Bộ Y tế", "ci": "URN:UVCI:01:VN:V123#X"}]}),
    )
}

fn test(tt: &str, sc: &str, tr: &str) -> Value {
    person(
        json!({"t": [{"tg": COVID, "tt": tt, "sc": sc, "tr": tr, "tc": "Bệnh viện Bạch Mai",
        "co": "VN", "is": "Bộ Y tế", "ci": "URN:UVCI:01:VN:T123#X"}]}),
    )
}

fn recovery(df: &str, du: &str) -> Value {
    person(
        json!({"r": [{"tg": COVID, "fr": "2024-02-20", "df": df, "du": du, "co": "VN",
        "is": "Bộ Y tế", "ci": "URN:UVCI:01:VN:R123#X"}]}),
    )
}

fn venue() -> RuleSet {
    RuleSet::builtin_vn_venue().unwrap()
}

fn travel() -> RuleSet {
    RuleSet::builtin_vn_travel().unwrap()
}

fn run(set: &RuleSet, payload: &Value, clock: DateTime<Utc>) -> RuleReport {
    set.evaluate_payload(payload, &ExternalParameters::new(clock))
}

fn failed_ids(r: &RuleReport) -> Vec<&str> {
    r.failed.iter().map(|f| f.identifier.as_str()).collect()
}

#[track_caller]
fn assert_pass(set: &RuleSet, payload: &Value, clock: &str) {
    let r = run(set, payload, t(clock));
    assert!(
        r.passed(),
        "expected pass at {clock}, failed: {:?}",
        failed_ids(&r)
    );
}

#[track_caller]
fn assert_fail(set: &RuleSet, payload: &Value, clock: &str, rule: &str) {
    let r = run(set, payload, t(clock));
    assert!(
        failed_ids(&r) == [rule],
        "expected exactly {rule} to fail at {clock}, failed: {:?}",
        failed_ids(&r)
    );
}

// ---------------------------------------------------------------- shipped files

#[test]
fn accepts_builtin_rule_sets_with_vi_and_en_descriptions() {
    for set in [venue(), travel()] {
        let mut n = 0;
        for rule in set.rules() {
            n += 1;
            assert_eq!(rule.country, "VN");
            assert!(rule.identifier.contains("-VN-"), "{}", rule.identifier);
            for lang in ["vi", "en"] {
                assert!(
                    rule.description
                        .iter()
                        .any(|d| d.lang == lang && !d.desc.is_empty()),
                    "{} lacks {lang}",
                    rule.identifier
                );
            }
        }
        assert!(n >= 13);
        // Round trip through the bytes a signed envelope wraps.
        let again = RuleSet::from_bytes(&set.to_bytes()).unwrap();
        assert_eq!(again.to_bytes(), set.to_bytes());
    }
}

#[test]
fn accepts_builtin_value_sets_for_every_vendored_file() {
    let vs = certlogic::builtin_value_sets();
    assert_eq!(
        vs.as_object().unwrap().len(),
        certlogic::BUILTIN_VALUE_SET_FILES.len()
    );
    let names = vs["vaccines-covid-19-names"].as_array().unwrap();
    assert!(names.contains(&json!("EU/1/20/1528")));
    assert!(vs["covid-19-lab-test-type"]
        .as_array()
        .unwrap()
        .contains(&json!("LP217198-3")));
}

#[test]
fn rejects_value_set_documents_of_the_wrong_shape() {
    let e = certlogic::value_sets_from_json([r#"{"valueSetId": 3}"#]).unwrap_err();
    assert_eq!(e.code(), "CERTLOGIC_INVALID_RULE");
    let e = certlogic::value_sets_from_json(["{"]).unwrap_err();
    assert_eq!(e.code(), "CERTLOGIC_INVALID_JSON");
}

// ---------------------------------------------------------------- general rules

#[test]
fn rejects_payload_with_two_kinds_of_entry() {
    let mut p = vacc(2, 2, "2024-01-10", "EU/1/20/1528");
    p["t"] = test("LP6464-4", "2024-03-01T08:00:00Z", "260415000")["t"].clone();
    assert_eq!(CertificateType::of_payload(&p), CertificateType::General);
    let r = run(&venue(), &p, t("2024-03-01T10:00:00Z"));
    assert!(!r.passed());
    assert_eq!(failed_ids(&r), ["GR-VN-0000"]);
}

#[test]
fn rejects_payload_without_any_entry() {
    let r = run(&venue(), &person(json!({})), t("2024-03-01T10:00:00Z"));
    assert!(!r.passed());
    assert_eq!(failed_ids(&r), ["GR-VN-0000", "GR-VN-0001"]);
}

#[test]
fn rejects_other_disease_with_bilingual_description() {
    let mut p = vacc(2, 2, "2024-01-10", "EU/1/20/1528");
    p["v"][0]["tg"] = json!("12345");
    let r = run(&venue(), &p, t("2024-03-01T10:00:00Z"));
    assert_eq!(failed_ids(&r), ["GR-VN-0001"]);
    let f = &r.failed[0];
    assert_eq!(f.description("vi"), Some("Bệnh mục tiêu phải là COVID-19."));
    assert_eq!(
        f.description("en"),
        Some("The targeted disease must be COVID-19.")
    );
    assert_eq!(f.description("fr"), f.description("en"));
    assert!(f.error.is_none());
}

#[test]
fn rejects_two_vaccination_entries() {
    let mut p = vacc(2, 2, "2024-01-10", "EU/1/20/1528");
    let first = p["v"][0].clone();
    p["v"].as_array_mut().unwrap().push(first);
    assert_fail(&venue(), &p, "2024-03-01T10:00:00Z", "VR-VN-0000");
}

#[test]
fn rejects_malformed_dose_number_with_reported_error() {
    let mut p = vacc(2, 2, "2024-01-10", "EU/1/20/1528");
    p["v"][0]["dn"] = json!("2");
    let r = run(&travel(), &p, t("2024-03-01T10:00:00Z"));
    let f = r
        .failed
        .iter()
        .find(|f| f.identifier == "VR-VN-0001")
        .unwrap();
    assert_eq!(
        f.error.as_ref().unwrap().code(),
        "CERTLOGIC_EVALUATION_ERROR"
    );
    // The report serialises for the CLI with the stable code.
    let j = serde_json::to_value(&r).unwrap();
    assert!(j.to_string().contains("CERTLOGIC_EVALUATION_ERROR"));
}

// ---------------------------------------------------------------- venue: vaccination

#[test]
fn accepts_venue_partial_complete_and_booster() {
    for (dn, sd) in [(1, 2), (2, 2), (3, 3), (1, 1), (4, 2)] {
        let p = vacc(dn, sd, "2024-01-10", "BBIBP-CorV");
        assert_pass(&venue(), &p, "2024-01-11T08:00:00Z");
    }
}

#[test]
fn accepts_venue_vaccination_from_the_day_of_the_dose() {
    let p = vacc(1, 2, "2024-01-10", "EU/1/20/1528");
    assert_fail(&venue(), &p, "2024-01-09T23:59:59Z", "VR-VN-0002"); // day before
    assert_pass(&venue(), &p, "2024-01-10T00:00:00Z"); // day of
    assert_pass(&venue(), &p, "2024-01-11T00:00:00Z"); // day after
}

#[test]
fn rejects_venue_unknown_vaccine_product() {
    let p = vacc(2, 2, "2024-01-10", "NOT-A-VACCINE");
    assert_fail(&venue(), &p, "2024-03-01T10:00:00Z", "VR-VN-0003");
}

#[test]
fn rejects_venue_zero_dose_number() {
    let p = vacc(0, 2, "2024-01-10", "EU/1/20/1528");
    assert_fail(&venue(), &p, "2024-03-01T10:00:00Z", "VR-VN-0001");
}

// ---------------------------------------------------------------- travel: vaccination

#[test]
fn rejects_travel_partial_vaccination() {
    let p = vacc(1, 2, "2024-01-10", "EU/1/20/1528");
    assert_fail(&travel(), &p, "2024-03-01T10:00:00Z", "VR-VN-0011");
}

#[test]
fn accepts_travel_complete_from_day_14() {
    let p = vacc(2, 2, "2024-01-10", "EU/1/20/1528");
    assert_fail(&travel(), &p, "2024-01-23T23:59:59.999Z", "VR-VN-0012"); // day 13
    assert_pass(&travel(), &p, "2024-01-24T00:00:00Z"); // day 14
    assert_pass(&travel(), &p, "2024-01-25T12:00:00Z"); // day 15
}

#[test]
fn rejects_travel_complete_primary_after_day_270() {
    // 2024-01-10 + 270 days = 2024-10-06 (2024 is a leap year).
    let p = vacc(2, 2, "2024-01-10", "EU/1/20/1507");
    assert_pass(&travel(), &p, "2024-10-05T12:00:00Z"); // day 269
    assert_pass(&travel(), &p, "2024-10-06T23:59:59.999Z"); // day 270
    assert_fail(&travel(), &p, "2024-10-07T00:00:00Z", "VR-VN-0013"); // day 271
    let single = vacc(1, 1, "2024-01-10", "EU/1/20/1525");
    assert_fail(&travel(), &single, "2024-10-07T00:00:00Z", "VR-VN-0013");
}

/// VR-VN-0013 alone over a payload: `true` when the primary-series limit passes.
fn primary_series_limit(payload: &Value, clock: &str) -> Value {
    let rule = travel()
        .rules()
        .find(|r| r.identifier == "VR-VN-0013")
        .unwrap()
        .clone();
    assert_eq!(rule.version, "1.1.0", "the product-aware version");
    let data = json!({"payload": payload,
        "external": ExternalParameters::new(t(clock)).to_json()});
    certlogic::evaluate(&rule.logic, &data).unwrap()
}

#[test]
fn rejects_travel_primary_series_by_the_products_schedule_after_day_270() {
    // Day 271 after 2024-01-10. Complete primary series (limited): Jcovden 1/1, Convidecia 1/1,
    // two-dose products 1/1 (after recovery) and 2/2, unknown products 2/2, Abdala 3/3.
    for (dn, mp) in [
        (1, "EU/1/20/1525"),
        (1, "Convidecia"),
        (1, "EU/1/20/1528"),
        (2, "EU/1/20/1528"),
        (2, "Covishield"),
        (2, "EU/1/22/1709"),
        (3, "Abdala"),
    ] {
        let p = vacc(dn, dn, "2024-01-10", mp);
        assert_eq!(
            primary_series_limit(&p, "2024-10-06T23:59:59Z"),
            json!(true),
            "{mp} {dn}/{dn}"
        );
        assert_eq!(
            primary_series_limit(&p, "2024-10-07T00:00:00Z"),
            json!(false),
            "{mp} {dn}/{dn}"
        );
    }
}

#[test]
fn accepts_travel_booster_by_the_products_schedule_without_limit() {
    // Boosters: Jcovden 2/2, Convidecia 2/2, two-dose 3/3, Abdala 4/4, unknown 3/3, any dn > sd.
    for (dn, sd, mp) in [
        (2, 2, "EU/1/20/1525"),
        (2, 2, "Convidecia"),
        (3, 3, "EU/1/21/1618"),
        (4, 4, "Abdala"),
        (3, 3, "EU/1/22/1709"),
        (2, 1, "EU/1/20/1525"),
    ] {
        let p = vacc(dn, sd, "2024-01-10", mp);
        assert_eq!(
            primary_series_limit(&p, "2025-06-01T00:00:00Z"),
            json!(true),
            "{mp} {dn}/{sd}"
        );
    }
    // Through the whole set: a Jcovden 2/2 travels after day 270.
    let p = vacc(2, 2, "2024-01-10", "EU/1/20/1525");
    assert_pass(&travel(), &p, "2025-06-01T00:00:00Z");
}

#[test]
fn accepts_travel_booster_without_270_day_limit() {
    for (dn, sd) in [(3, 3), (3, 2), (2, 1), (4, 4)] {
        let p = vacc(dn, sd, "2024-01-10", "EU/1/20/1528");
        assert_fail(&travel(), &p, "2024-01-23T12:00:00Z", "VR-VN-0012"); // day 13
        assert_pass(&travel(), &p, "2024-01-24T00:00:00Z"); // day 14
        assert_pass(&travel(), &p, "2025-06-01T00:00:00Z"); // > 500 days
    }
}

#[test]
fn accepts_travel_eu_and_who_eul_products_only() {
    for mp in [
        "EU/1/20/1528",
        "EU/1/22/1709",
        "Covishield",
        "CoronaVac",
        "BBIBP-CorV",
        "Covaxin",
    ] {
        assert_pass(
            &travel(),
            &vacc(2, 2, "2024-01-10", mp),
            "2024-03-01T10:00:00Z",
        );
    }
    for mp in ["Sputnik-V", "R-COVI", "EpiVacCorona", "NVX-CoV2373"] {
        assert_fail(
            &travel(),
            &vacc(2, 2, "2024-01-10", mp),
            "2024-03-01T10:00:00Z",
            "VR-VN-0010",
        );
    }
}

// ---------------------------------------------------------------- tests (both sets)

fn shift(clock: &str, d: Duration) -> String {
    (t(clock) + d).to_rfc3339()
}

#[test]
fn accepts_rat_within_48_hours_inclusive() {
    let sc = "2024-03-01T08:00:00+07:00";
    let p = test("LP217198-3", sc, "260415000");
    for set in [venue(), travel()] {
        assert_fail(&set, &p, &shift(sc, Duration::seconds(-1)), "TR-VN-0003"); // future sample
        assert_pass(&set, &p, &shift(sc, Duration::zero()));
        assert_pass(&set, &p, &shift(sc, Duration::hours(24)));
        assert_pass(&set, &p, &shift(sc, Duration::hours(48))); // exactly 48 h
        assert_fail(
            &set,
            &p,
            &shift(sc, Duration::hours(48) + Duration::milliseconds(1)),
            "TR-VN-0003",
        );
        assert_fail(&set, &p, &shift(sc, Duration::hours(60)), "TR-VN-0003"); // inside NAAT window
    }
}

#[test]
fn accepts_naat_within_72_hours_inclusive() {
    let sc = "2024-03-01T08:00:00Z";
    let p = test("LP6464-4", sc, "260415000");
    for set in [venue(), travel()] {
        assert_fail(&set, &p, &shift(sc, Duration::minutes(-1)), "TR-VN-0004");
        assert_pass(&set, &p, &shift(sc, Duration::hours(60)));
        assert_pass(&set, &p, &shift(sc, Duration::hours(72)));
        assert_fail(
            &set,
            &p,
            &shift(sc, Duration::hours(72) + Duration::seconds(1)),
            "TR-VN-0004",
        );
    }
}

#[test]
fn rejects_positive_or_unknown_test_type() {
    let clock = "2024-03-01T10:00:00Z";
    let positive = test("LP6464-4", "2024-03-01T08:00:00Z", "260373001");
    assert_fail(&venue(), &positive, clock, "TR-VN-0001");
    let other = test("LP0000-0", "2024-03-01T08:00:00Z", "260415000");
    assert_fail(&travel(), &other, clock, "TR-VN-0002");
}

// ---------------------------------------------------------------- recovery (both sets)

#[test]
fn accepts_recovery_from_df_to_end_of_du() {
    let p = recovery("2024-03-01", "2024-08-27");
    for set in [venue(), travel()] {
        assert_fail(&set, &p, "2024-02-29T23:59:59Z", "RR-VN-0001"); // day before df
        assert_pass(&set, &p, "2024-03-01T00:00:00Z"); // day of df
        assert_pass(&set, &p, "2024-05-01T12:00:00Z");
        assert_pass(&set, &p, "2024-08-27T23:59:59.999Z"); // day of du
        assert_fail(&set, &p, "2024-08-28T00:00:00Z", "RR-VN-0001"); // day after du
    }
}

// ---------------------------------------------------------------- versions and loading

fn rule(version: &str, from: &str, to: &str, days: i64) -> Value {
    json!({"Identifier": "VR-VN-0012", "Type": "Acceptance", "Country": "VN",
        "Version": version, "SchemaVersion": "1.3.0", "Engine": "CERTLOGIC",
        "EngineVersion": "1.3.3", "CertificateType": "Vaccination",
        "Description": [{"lang": "vi", "desc": "Chờ đủ ngày"}, {"lang": "en", "desc": "Wait"}],
        "ValidFrom": from, "ValidTo": to, "AffectedFields": ["v.0.dt"],
        "Logic": {"not-before": [{"plusTime": [{"var": "external.validationClock"}, 0, "day"]},
                                 {"plusTime": [{"var": "payload.v.0.dt"}, days, "day"]}]}})
}

fn versioned_set() -> RuleSet {
    RuleSet::from_json(
        &json!([
            rule("1.0.0", "2024-01-01T00:00:00Z", "2030-01-01T00:00:00Z", 14),
            // Newer version, valid from 2024-06-01: 7 days suffice.
            rule("1.1.0", "2024-06-01T00:00:00Z", "2030-01-01T00:00:00Z", 7),
            // Even newer, but not yet valid.
            rule(
                "2.0.0",
                "2099-01-01T00:00:00Z",
                "2100-01-01T00:00:00Z",
                10_000
            ),
            // Highest minor of 1.x but expired before 2024-05.
            rule("1.0.9", "2024-01-01T00:00:00Z", "2024-04-30T00:00:00Z", 0),
        ])
        .to_string(),
    )
    .unwrap()
}

#[test]
fn accepts_newer_version_once_valid() {
    let set = versioned_set();
    let version_at = |clock: &str| {
        set.select(CertificateType::Vaccination, t(clock))
            .iter()
            .map(|r| r.version.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(version_at("2024-03-01T00:00:00Z"), ["1.0.9"]);
    assert_eq!(version_at("2024-05-31T23:59:59Z"), ["1.0.0"]);
    assert_eq!(version_at("2024-06-01T00:00:00Z"), ["1.1.0"]);
    assert_eq!(version_at("2029-12-31T23:59:59Z"), ["1.1.0"]); // 2.0.0 not yet valid
    assert!(version_at("2098-12-31T23:59:59Z").is_empty()); // 1.x expired, 2.0.0 not yet
    assert_eq!(version_at("2099-06-01T00:00:00Z"), ["2.0.0"]);
    assert!(version_at("2023-06-01T00:00:00Z").is_empty());
    assert!(set
        .select(CertificateType::Test, t("2024-06-01T00:00:00Z"))
        .is_empty());

    // The selected version decides: dose 10 days before the clock.
    let before = vacc(2, 2, "2024-05-20", "EU/1/20/1528");
    let r = run(&set, &before, t("2024-05-30T00:00:00Z"));
    assert_eq!(failed_ids(&r), ["VR-VN-0012"]);
    assert_eq!(r.failed[0].version, "1.0.0");
    let after = vacc(2, 2, "2024-05-25", "EU/1/20/1528");
    assert!(run(&set, &after, t("2024-06-04T00:00:00Z")).passed());
}

#[test]
fn rejects_report_with_no_applicable_rule() {
    let r = run(
        &versioned_set(),
        &vacc(2, 2, "2020-01-01", "x"),
        t("2023-01-01T00:00:00Z"),
    );
    assert!(r.evaluated.is_empty());
    assert!(!r.passed());
}

#[test]
fn accepts_rule_set_wrapped_in_an_object() {
    let doc = json!({"rules": [rule("1.0.0", "2024-01-01T00:00:00Z", "2030-01-01T00:00:00Z", 14)],
                     "name": "demo"});
    let set = RuleSet::from_json(&doc.to_string()).unwrap();
    assert_eq!(set.rules().count(), 1);
    let via_serde: RuleSet = serde_json::from_value(doc).unwrap();
    assert_eq!(via_serde.to_bytes(), set.to_bytes());
}

#[test]
fn rejects_invalid_rule_documents_with_typed_errors() {
    let ok = rule("1.0.0", "2024-01-01T00:00:00Z", "2030-01-01T00:00:00Z", 14);
    let kind = |doc: Value| match RuleSet::from_json(&doc.to_string()).unwrap_err() {
        certlogic::CertLogicError::InvalidRule { kind, .. } => kind,
        other => panic!("unexpected {other:?}"),
    };
    use certlogic::RuleErrorKind as K;
    let mut r = ok.clone();
    r["Engine"] = json!("JSONLOGIC");
    assert_eq!(kind(json!([r])), K::UnsupportedEngine);
    let mut r = ok.clone();
    r["Version"] = json!("1.0");
    assert_eq!(kind(json!([r])), K::InvalidVersion);
    let mut r = ok.clone();
    r["ValidFrom"] = json!("2031-01-01T00:00:00Z");
    assert_eq!(kind(json!([r])), K::InvalidValidity);
    let mut r = ok.clone();
    r["Logic"] = json!({"all": [1]});
    assert_eq!(kind(json!([r])), K::InvalidLogic);
    assert_eq!(kind(json!([ok.clone(), ok.clone()])), K::DuplicateVersion);
    assert_eq!(kind(json!({"Identifier": "x"})), K::Shape);
    let e = RuleSet::from_bytes(&[0xff, 0xfe]).unwrap_err();
    assert_eq!(e.code(), "CERTLOGIC_INVALID_JSON");
}
