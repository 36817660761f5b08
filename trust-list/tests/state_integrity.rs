//! The rollback state (spec/trust-list.md §State file) cannot be poisoned or bypassed
//! (issue #12, findings 1 and 2): a refused list never changes it, a delta that does not
//! advance past its base or carries an absurd sequence is refused, and a *different* list
//! under an already-seen sequence is refused (`*_SEQUENCE_REUSED`) while the same content
//! re-signed to extend its expiry is accepted. Old state files without digests stay readable.
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
use trust_list::list::{verify_trust_list, TrustList, TrustListEntry};
use trust_list::pki::{self, CertSpec};
use trust_list::revocation::{
    verify_revocation, verify_revocation_full, verify_revocation_update, RevocationDelta,
};
use trust_list::rules::{verify_rule_set, SignedRuleSet};
use trust_list::{HashType, ListKind, RevocationList, TrustState};
use wallet_format::{Algorithm, CertificateType, Kid};

/// The delta `GET /v1/revocations?since=9223372036854775807` returned (issue #12, finding 1).
fn poisoned_delta(p: &Pki) -> Vec<u8> {
    RevocationDelta {
        base_sequence: i64::MAX as u64,
        sequence: i64::MAX as u64,
        issued_at: NOW,
        valid_until: NOW + DAY,
        ..Default::default()
    }
    .sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
    .unwrap()
}

fn signed_revocation(p: &Pki, list: &RevocationList) -> Vec<u8> {
    list.sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
        .unwrap()
}

fn signed_rules(p: &Pki, name: &str, sequence: u64, issued_at: i64, rules: &str) -> Vec<u8> {
    SignedRuleSet {
        name: name.into(),
        sequence,
        issued_at,
        valid_until: issued_at + 7 * DAY,
        rules_json: rules.into(),
    }
    .sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
    .unwrap()
}

/// A trust list of `n` DSCs (the fixture DSC first, then fresh ones).
fn list_of(p: &Pki, extra: &[pki::CertifiedKey], n: usize, sequence: u64, at: i64) -> TrustList {
    let mut entries = vec![TrustListEntry::from_dsc(&p.dsc.cert().unwrap(), "VN")];
    entries.extend(
        extra
            .iter()
            .map(|d| TrustListEntry::from_dsc(&d.cert().unwrap(), "VN")),
    );
    entries.truncate(n);
    TrustList {
        sequence,
        issued_at: at,
        valid_until: at + 7 * DAY,
        entries,
        ..Default::default()
    }
}

fn extra_dscs(p: &Pki, n: usize) -> Vec<pki::CertifiedKey> {
    (0..n)
        .map(|i| {
            let spec = CertSpec::new("VN", &format!("VN DSC {i}"), NOW - DAY, NOW + YEAR);
            pki::generate_dsc(
                &p.csca,
                Algorithm::Es256,
                &spec,
                &[CertificateType::Vaccination],
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn refuses_the_delta_whose_sequence_does_not_pass_its_base_and_keeps_the_state() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    let genuine = signed_revocation(&p, &RevocationList::new(100, NOW, NOW + DAY));
    let err = verify_revocation(&poisoned_delta(&p), &p.anchor(), &mut state, &opts(NOW))
        .expect_err("a delta from 2^63-1 to 2^63-1 advances nothing");
    assert_eq!(err.code(), "REVOCATION_LIST_MALFORMED");
    assert_eq!(
        state,
        TrustState::default(),
        "a refused list changed the state"
    );
    // Every genuine list afterwards is still accepted.
    verify_revocation(&genuine, &p.anchor(), &mut state, &opts(NOW)).unwrap();
}

#[test]
fn a_delta_verified_but_not_applied_does_not_raise_the_revocation_sequence() {
    // A well-formed delta (5 → 10^12) is verified on its own: nothing was applied, so nothing
    // is recorded; the genuine full list at 100 must still be accepted afterwards.
    let p = Pki::new(Algorithm::Es256);
    let delta = RevocationDelta {
        base_sequence: 5,
        sequence: 1_000_000_000_000,
        issued_at: NOW,
        valid_until: NOW + DAY,
        ..Default::default()
    }
    .sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
    .unwrap();
    let mut state = TrustState::default();
    verify_revocation(&delta, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    assert_eq!(state, TrustState::default());
    let genuine = signed_revocation(&p, &RevocationList::new(100, NOW, NOW + DAY));
    verify_revocation(&genuine, &p.anchor(), &mut state, &opts(NOW)).unwrap();
}

#[test]
fn refuses_a_sequence_beyond_two_to_the_53_for_every_list_kind() {
    let p = Pki::new(Algorithm::Es256);
    let huge = 1u64 << 53;
    let mut state = TrustState::default();
    let rl = signed_revocation(&p, &RevocationList::new(huge, NOW, NOW + DAY));
    let err = verify_revocation(&rl, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_MALFORMED");
    let tl = p.signed(&p.list(huge, NOW, NOW + DAY));
    let err = verify_trust_list(&tl, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_MALFORMED");
    let rs = signed_rules(&p, "vn-venue", huge, NOW, &vn_venue_json());
    let err = verify_rule_set(&rs, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "RULE_SET_MALFORMED");
    assert_eq!(state, TrustState::default());
    // 2^53 - 1 itself is still a sequence.
    let tl = p.signed(&p.list(huge - 1, NOW, NOW + DAY));
    verify_trust_list(&tl, &p.anchor(), &mut state, &opts(NOW)).unwrap();
}

#[test]
fn refused_lists_of_every_kind_leave_the_state_unchanged() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    verify_trust_list(
        &p.signed(&p.list(10, NOW, NOW + DAY)),
        &p.anchor(),
        &mut state,
        &opts(NOW),
    )
    .unwrap();
    let rl = signed_revocation(&p, &RevocationList::new(10, NOW, NOW + DAY));
    verify_revocation(&rl, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let before = state.clone();
    let attacker = Pki::new(Algorithm::Es256);
    let far = NOW + 30 * DAY;
    // Expired (stage 4), forged (stage 2), rolled back (stage 3), for each kind.
    let refused: Vec<(Vec<u8>, ListKind)> = vec![
        (
            p.signed(&p.list(20, NOW - 20 * DAY, NOW - 19 * DAY)),
            ListKind::TrustList,
        ),
        (
            attacker.signed(&attacker.list(21, NOW, far)),
            ListKind::TrustList,
        ),
        (p.signed(&p.list(9, NOW, far)), ListKind::TrustList),
        (
            signed_revocation(&p, &RevocationList::new(20, NOW - 20 * DAY, NOW - 19 * DAY)),
            ListKind::RevocationList,
        ),
        (
            signed_revocation(&attacker, &RevocationList::new(21, NOW, far)),
            ListKind::RevocationList,
        ),
        (
            signed_revocation(&p, &RevocationList::new(9, NOW, far)),
            ListKind::RevocationList,
        ),
        (
            signed_rules(&p, "vn-venue", 20, NOW - 20 * DAY, &vn_venue_json()),
            ListKind::RuleSet,
        ),
        (
            signed_rules(&attacker, "vn-venue", 21, NOW, &vn_venue_json()),
            ListKind::RuleSet,
        ),
    ];
    for (bytes, kind) in refused {
        let r = match kind {
            ListKind::TrustList => {
                verify_trust_list(&bytes, &p.anchor(), &mut state, &opts(NOW)).map(|_| ())
            }
            ListKind::RevocationList => {
                verify_revocation(&bytes, &p.anchor(), &mut state, &opts(NOW)).map(|_| ())
            }
            _ => verify_rule_set(&bytes, &p.anchor(), &mut state, &opts(NOW)).map(|_| ()),
        };
        assert!(r.is_err(), "{kind:?} accepted");
        assert_eq!(state, before, "a refused {kind:?} changed the state");
    }
}

#[test]
fn refuses_a_different_trust_list_under_an_already_seen_sequence() {
    // Issue #12 finding 2: within one second list A (4 DSCs) and list B (3 DSCs, after a
    // compromise) carry the same sequence. Verifying B then A must not trust the 4th key again.
    let p = Pki::new(Algorithm::Es256);
    let extra = extra_dscs(&p, 3);
    let a = p.signed(&list_of(&p, &extra, 4, 42, NOW));
    let b = p.signed(&list_of(&p, &extra, 3, 42, NOW));
    let mut state = TrustState::default();
    verify_trust_list(&b, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let held = state.clone();
    let err = verify_trust_list(&a, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_SEQUENCE_REUSED");
    assert_eq!(state, held);
    // B fetched again, and B re-signed later with a later expiry (same content): accepted.
    verify_trust_list(&b, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let b_later = p.signed(&list_of(&p, &extra, 3, 42, NOW + 3600));
    verify_trust_list(&b_later, &p.anchor(), &mut state, &opts(NOW + 3600)).unwrap();
    // The digest survives a reload of the state file.
    let dir = tempfile::tempdir().unwrap();
    state.save(dir.path()).unwrap();
    let mut reloaded = TrustState::load(dir.path()).unwrap();
    let a_later = p.signed(&list_of(&p, &extra, 4, 42, NOW + 3600));
    let err =
        verify_trust_list(&a_later, &p.anchor(), &mut reloaded, &opts(NOW + 3600)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_SEQUENCE_REUSED");
}

#[test]
fn refuses_a_different_revocation_list_or_rule_set_under_an_already_seen_sequence() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    let mut with_entry = RevocationList::new(7, NOW, NOW + DAY);
    with_entry.add(Kid([1; 8]), HashType::Uci, NOW + YEAR, vec![[9; 16]]);
    let without = RevocationList::new(7, NOW, NOW + DAY);
    verify_revocation(
        &signed_revocation(&p, &with_entry),
        &p.anchor(),
        &mut state,
        &opts(NOW),
    )
    .unwrap();
    let err = verify_revocation(
        &signed_revocation(&p, &without),
        &p.anchor(),
        &mut state,
        &opts(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_SEQUENCE_REUSED");
    let mut resigned = with_entry.clone();
    resigned.issued_at = NOW + 60;
    resigned.valid_until = NOW + 2 * DAY;
    verify_revocation(
        &signed_revocation(&p, &resigned),
        &p.anchor(),
        &mut state,
        &opts(NOW + 60),
    )
    .unwrap();

    let venue = vn_venue_json();
    let rs = signed_rules(&p, "vn-venue", 3, NOW, &venue);
    verify_rule_set(&rs, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let other = signed_rules(&p, "vn-venue", 3, NOW, "[]");
    let err = verify_rule_set(&other, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "RULE_SET_SEQUENCE_REUSED");
    let again = signed_rules(&p, "vn-venue", 3, NOW + 60, &venue);
    verify_rule_set(&again, &p.anchor(), &mut state, &opts(NOW + 60)).unwrap();
}

#[test]
fn reads_a_state_file_written_before_digests_and_pins_the_next_list_seen() {
    let p = Pki::new(Algorithm::Es256);
    let extra = extra_dscs(&p, 3);
    let dir = tempfile::tempdir().unwrap();
    // The state format as released before digests existed.
    std::fs::write(
        dir.path().join(trust_list::state::STATE_FILE),
        format!(
            r#"{{"version": 1,
                "lists": {{"trust-list": {{"sequence": 42, "issued_at": {NOW}}},
                          "revocation-list": {{"sequence": 11, "issued_at": {NOW}}}}},
                "announced_anchors": [], "retired_anchors": []}}"#
        ),
    )
    .unwrap();
    let mut state = TrustState::load(dir.path()).unwrap();
    assert_eq!(state.seen(ListKind::TrustList).unwrap().sequence, 42);
    // No digest held: the first list seen under 42 is accepted and pins the content.
    let b = p.signed(&list_of(&p, &extra, 3, 42, NOW));
    verify_trust_list(&b, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let a = p.signed(&list_of(&p, &extra, 4, 42, NOW));
    let err = verify_trust_list(&a, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_SEQUENCE_REUSED");
    // Older sequences are still rollbacks.
    let old = p.signed(&list_of(&p, &extra, 3, 41, NOW));
    let err = verify_trust_list(&old, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_ROLLBACK");
}

#[test]
fn verify_revocation_full_refuses_a_delta_before_touching_the_state() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    let delta = RevocationDelta {
        base_sequence: 5,
        sequence: 1_000_000_000_000,
        issued_at: NOW,
        valid_until: NOW + DAY,
        ..Default::default()
    }
    .sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
    .unwrap();
    for bad in [delta, poisoned_delta(&p)] {
        let err = verify_revocation_full(&bad, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
        assert_eq!(err.code(), "REVOCATION_LIST_MALFORMED");
        assert_eq!(state, TrustState::default());
    }
    let genuine = signed_revocation(&p, &RevocationList::new(100, NOW, NOW + DAY));
    let v = verify_revocation_full(&genuine, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    assert_eq!(v.list.sequence, 100);
    assert_eq!(state.seen(ListKind::RevocationList).unwrap().sequence, 100);
}

#[test]
fn verify_revocation_update_records_a_delta_only_once_applied() {
    let p = Pki::new(Algorithm::Es256);
    let kid = Kid([1; 8]);
    let mut state = TrustState::default();
    let mut full = RevocationList::new(10, NOW, NOW + DAY);
    full.add(kid, HashType::Uci, NOW + YEAR, vec![[1; 16]]);
    let held = verify_revocation_update(
        &signed_revocation(&p, &full),
        None,
        &p.anchor(),
        &mut state,
        &opts(NOW),
    )
    .unwrap()
    .list;
    let delta = |base: u64, sequence: u64| {
        RevocationDelta {
            base_sequence: base,
            sequence,
            issued_at: NOW + 60,
            valid_until: NOW + DAY,
            added: vec![trust_list::revocation::RevocationGroup {
                kid,
                hash_type: HashType::Uci,
                expires: NOW + YEAR,
                hashes: trust_list::revocation::HashSetSorted::from_vec(vec![[2; 16]]),
            }],
            removed: vec![],
        }
        .sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
        .unwrap()
    };
    let before = state.clone();
    // Wrong base, and no held list: refused, state untouched.
    let wrong = delta(9, 11);
    let err = verify_revocation_update(&wrong, Some(&held), &p.anchor(), &mut state, &opts(NOW))
        .unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_DELTA_BASE_MISMATCH");
    let err = verify_revocation_update(&delta(10, 11), None, &p.anchor(), &mut state, &opts(NOW))
        .unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_DELTA_BASE_MISMATCH");
    assert_eq!(state, before);
    // The right one: applied, then recorded with the digest of the resulting list.
    let v = verify_revocation_update(
        &delta(10, 11),
        Some(&held),
        &p.anchor(),
        &mut state,
        &opts(NOW),
    )
    .unwrap();
    assert_eq!(v.list.sequence, 11);
    assert_eq!(held.sequence, 10, "the held list is not modified");
    assert!(v
        .list
        .is_revoked(&kid, &[(HashType::Uci, [2; 16])])
        .is_some());
    let seen = state.seen(ListKind::RevocationList).unwrap();
    assert_eq!(seen.sequence, 11);
    assert_eq!(seen.digest, Some(v.list.content_digest().unwrap()));
    // The issuer's full list at 11 (same content) is the same list; a different one is not.
    let mut same = v.list.clone();
    same.issued_at = NOW + 120;
    verify_revocation_update(
        &signed_revocation(&p, &same),
        None,
        &p.anchor(),
        &mut state,
        &opts(NOW),
    )
    .unwrap();
    let other = signed_revocation(&p, &RevocationList::new(11, NOW + 120, NOW + DAY));
    let err =
        verify_revocation_update(&other, None, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_SEQUENCE_REUSED");
}
