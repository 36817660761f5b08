//! Signed rule sets: the same envelope and stages as the trust list (signature chaining to the
//! pinned anchor through a list signer, rollback per rule-set name, expiry with grace), with
//! the shipped VN venue rule set as the payload.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs,
    unreachable_pub
)]

mod common;

use common::*;
use test_support::rules::vn_venue_json;
use trust_list::inspect::{inspect, SignatureVerdict};
use trust_list::list::VerifyOptions;
use trust_list::pki::{self, CertSpec};
use trust_list::rules::{self, looks_like_envelope, verify_rule_set, SignedRuleSet};
use trust_list::state::rule_set_key;
use trust_list::{Freshness, TrustState};
use wallet_format::Algorithm;

fn rule_set(name: &str, sequence: u64, issued_at: i64, valid_until: i64) -> SignedRuleSet {
    SignedRuleSet {
        name: name.into(),
        sequence,
        issued_at,
        valid_until,
        rules_json: vn_venue_json(),
    }
}

fn signed(p: &Pki, rs: &SignedRuleSet) -> Vec<u8> {
    rules::sign(
        rs,
        &p.signer.signer().unwrap(),
        &[p.signer.cert_der.clone()],
    )
    .unwrap()
}

#[test]
fn accepts_the_signed_vn_venue_rule_set_and_keeps_its_json_byte_exact() {
    let p = Pki::new(Algorithm::Es256);
    let rs = rule_set("vn-venue", 3, NOW, NOW + 7 * DAY);
    let bytes = signed(&p, &rs);
    assert!(looks_like_envelope(&bytes));
    let mut state = TrustState::default();
    let v = verify_rule_set(&bytes, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    assert_eq!(v.rule_set, rs);
    assert_eq!(v.rule_set.rules_json, vn_venue_json());
    assert_eq!(v.freshness, Freshness::Fresh);
    assert_eq!(v.signer.subject(), p.signer.cert().unwrap().subject());
    let seen = state.seen_key(&rule_set_key("vn-venue")).unwrap();
    assert_eq!((seen.sequence, seen.issued_at), (3, NOW));
    assert!(state.seen(trust_list::ListKind::TrustList).is_none());
}

#[test]
fn rejects_a_tampered_rule_set() {
    let p = Pki::new(Algorithm::Es256);
    let bytes = signed(&p, &rule_set("vn-venue", 1, NOW, NOW + DAY));
    // Change one character inside the rules JSON (a description), leaving the CBOR well-formed.
    let needle = b"exactly one";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut tampered = bytes.clone();
    tampered[at] = b'E';
    let err = verify_rule_set(
        &tampered,
        &p.anchor(),
        &mut TrustState::default(),
        &opts(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_SIGNATURE_INVALID");
}

#[test]
fn rejects_a_rule_set_signed_under_a_foreign_anchor() {
    let p = Pki::new(Algorithm::Es256);
    let foreign = Pki::new(Algorithm::Es256);
    let bytes = signed(&foreign, &rule_set("vn-venue", 1, NOW, NOW + DAY));
    let mut state = TrustState::default();
    let err = verify_rule_set(&bytes, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "RULE_SET_UNKNOWN_SIGNER");
    assert!(state.seen_key(&rule_set_key("vn-venue")).is_none());
}

#[test]
fn rejects_a_rule_set_signed_by_a_dsc_without_the_list_signer_key_usage() {
    let p = Pki::new(Algorithm::Es256);
    let rs = rule_set("vn-venue", 1, NOW, NOW + DAY);
    let bytes = rules::sign(&rs, &p.dsc.signer().unwrap(), &[p.dsc.cert_der.clone()]).unwrap();
    let err =
        verify_rule_set(&bytes, &p.anchor(), &mut TrustState::default(), &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "RULE_SET_UNKNOWN_SIGNER");
}

#[test]
fn rejects_rollback_per_name_and_keeps_names_apart() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    let v5 = signed(&p, &rule_set("vn-venue", 5, NOW, NOW + DAY));
    let v4 = signed(&p, &rule_set("vn-venue", 4, NOW + 60, NOW + DAY));
    let travel2 = signed(&p, &rule_set("vn-travel", 2, NOW, NOW + DAY));
    verify_rule_set(&v5, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let err = verify_rule_set(&v4, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "RULE_SET_ROLLBACK");
    // Another name has its own sequence: 2 < 5 is not a rollback of vn-travel.
    verify_rule_set(&travel2, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    // The same set fetched again is accepted.
    verify_rule_set(&v5, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    // And the state survives a save/load round trip.
    let dir = tempfile::tempdir().unwrap();
    state.save(dir.path()).unwrap();
    let mut loaded = TrustState::load(dir.path()).unwrap();
    assert_eq!(loaded, state);
    let err = verify_rule_set(&v4, &p.anchor(), &mut loaded, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "RULE_SET_ROLLBACK");
}

#[test]
fn accepts_a_newer_sequence_after_an_older_one() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    let v1 = signed(&p, &rule_set("vn-venue", 1, NOW, NOW + DAY));
    let mut newer = rule_set("vn-venue", 2, NOW + 3600, NOW + 2 * DAY);
    newer.rules_json = "[]".into();
    let v2 = signed(&p, &newer);
    verify_rule_set(&v1, &p.anchor(), &mut state, &opts(NOW + 7200)).unwrap();
    let got = verify_rule_set(&v2, &p.anchor(), &mut state, &opts(NOW + 7200)).unwrap();
    assert_eq!(got.rule_set.rules_json, "[]");
    assert_eq!(
        state.seen_key(&rule_set_key("vn-venue")).unwrap().sequence,
        2
    );
}

#[test]
fn reports_staleness_within_grace_and_rejects_beyond_it() {
    let p = Pki::new(Algorithm::Es256);
    let bytes = signed(&p, &rule_set("vn-venue", 1, NOW, NOW + DAY));
    let within = verify_rule_set(
        &bytes,
        &p.anchor(),
        &mut TrustState::default(),
        &VerifyOptions::new(NOW + DAY + 600, 3600),
    )
    .unwrap();
    assert_eq!(
        within.freshness,
        Freshness::StaleWithinGrace { stale_for: 600 }
    );
    let mut state = TrustState::default();
    let err = verify_rule_set(
        &bytes,
        &p.anchor(),
        &mut state,
        &VerifyOptions::new(NOW + DAY + 3601, 3600),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_EXPIRED");
    // A refused set does not raise the held sequence.
    assert!(state.seen_key(&rule_set_key("vn-venue")).is_none());
    // Without grace one second past valid_until is already too late.
    let err = verify_rule_set(
        &bytes,
        &p.anchor(),
        &mut TrustState::default(),
        &VerifyOptions::new(NOW + DAY + 1, 0),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_EXPIRED");
}

#[test]
fn rejects_a_trust_list_offered_as_a_rule_set() {
    let p = Pki::new(Algorithm::Es256);
    let list = p.signed(&p.list(1, NOW, NOW + DAY));
    let err =
        verify_rule_set(&list, &p.anchor(), &mut TrustState::default(), &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "RULE_SET_MALFORMED");
}

#[test]
fn rejects_garbage_oversize_and_bad_names() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    for junk in [&b""[..], b"\xD2\x84", b"[1,2,3]", b"\xff\xff\xff"] {
        let err = verify_rule_set(junk, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
        assert_eq!(err.code(), "RULE_SET_MALFORMED", "{junk:?}");
    }
    let mut small = opts(NOW);
    small.limits.max_rule_set_bytes = 100;
    let bytes = signed(&p, &rule_set("vn-venue", 1, NOW, NOW + DAY));
    let err = verify_rule_set(&bytes, &p.anchor(), &mut state, &small).unwrap_err();
    assert_eq!(err.code(), "RULE_SET_TOO_LARGE");
    for bad in ["", "vn venue", "../etc", &"x".repeat(65)] {
        let rs = rule_set(bad, 1, NOW, NOW + DAY);
        let err = rules::sign(
            &rs,
            &p.signer.signer().unwrap(),
            &[p.signer.cert_der.clone()],
        )
        .unwrap_err();
        assert_eq!(err.code(), "RULE_SET_MALFORMED", "{bad:?}");
    }
}

#[test]
fn rejects_a_rule_set_signed_before_its_signer_was_valid() {
    let p = Pki::new(Algorithm::Es256);
    let late = pki::generate_list_signer(
        &p.csca,
        Algorithm::Es256,
        &CertSpec::new("VN", "VN Rules Signer", NOW + DAY, NOW + YEAR),
    )
    .unwrap();
    let rs = rule_set("vn-venue", 1, NOW, NOW + 7 * DAY);
    let bytes = rs
        .sign(&late.signer().unwrap(), &[late.cert_der.clone()])
        .unwrap();
    let err = verify_rule_set(
        &bytes,
        &p.anchor(),
        &mut TrustState::default(),
        &opts(NOW + 2 * DAY),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_UNKNOWN_SIGNER");
}

#[test]
fn detects_envelopes_and_json_by_content() {
    let p = Pki::new(Algorithm::Es256);
    assert!(looks_like_envelope(&signed(
        &p,
        &rule_set("vn-venue", 1, NOW, NOW + DAY)
    )));
    assert!(!looks_like_envelope(vn_venue_json().as_bytes()));
    assert!(!looks_like_envelope(b"\xEF\xBB\xBF  {\"rules\": []}"));
    assert!(!looks_like_envelope(b""));
}

#[test]
fn inspect_shows_a_signed_rule_set_with_its_rules() {
    let p = Pki::new(Algorithm::Es256);
    let bytes = signed(&p, &rule_set("vn-venue", 9, NOW, NOW + DAY));
    let r = inspect(&bytes, Some(&p.csca.cert_der), NOW, 0);
    assert!(r.verifies());
    let text = r.to_string();
    assert!(text.contains("kind: rule set"), "{text}");
    assert!(text.contains("name: vn-venue"), "{text}");
    assert!(text.contains("sequence: 9"), "{text}");
    assert!(
        text.contains("GR-VN-0000 1.0.0 Acceptance General"),
        "{text}"
    );
    assert!(text.contains("verifies: yes"), "{text}");
    let foreign = Pki::new(Algorithm::Es256);
    let r = inspect(&bytes, Some(&foreign.csca.cert_der), NOW, 0);
    assert!(
        matches!(&r.signature, SignatureVerdict::Failed(e) if e.code() == "RULE_SET_UNKNOWN_SIGNER"),
        "{r}"
    );
}
