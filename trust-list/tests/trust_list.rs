//! Signed trust list: acceptance and every refusal (forged, wrong signer, rollback, expiry),
//! staleness within grace, anchor rotation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs,
    unreachable_pub
)]

mod common;

use common::*;
use coset::{CoseSign1, TaggedCborSerializable};
use trust_list::list::verify_trust_list;
use trust_list::pki::{self, CertSpec};
use trust_list::{Freshness, TrustState, TrustStore};
use wallet_format::{Algorithm, CertificateType};

#[test]
fn accepts_signed_list_and_exposes_keys_by_kid() {
    let p = Pki::new(Algorithm::Es256);
    let bytes = p.signed(&p.list(1, NOW, NOW + 7 * DAY));
    let mut state = TrustState::default();
    let v = verify_trust_list(&bytes, &p.anchor(), &mut state, &opts(NOW + DAY)).unwrap();
    assert_eq!(v.freshness, Freshness::Fresh);
    assert!(v.rejected.is_empty());
    let mut store = TrustStore::new();
    store.add_signed_list(&v);
    let kid = p.dsc.cert().unwrap().kid();
    let c = store.candidates(&kid);
    assert_eq!(c.len(), 1);
    assert!(c[0].allowed.contains(CertificateType::Vaccination));
    assert!(!c[0].allowed.contains(CertificateType::Test));
    assert_eq!(c[0].source.name(), "signed-list");
    assert_eq!(
        state
            .seen(trust_list::ListKind::TrustList)
            .unwrap()
            .sequence,
        1
    );
}

#[test]
fn accepts_lists_signed_with_ps256_and_eddsa_hierarchies() {
    for alg in [Algorithm::Ps256, Algorithm::EdDsa] {
        let p = Pki::new(alg);
        let bytes = p.signed(&p.list(1, NOW, NOW + 7 * DAY));
        let mut state = TrustState::default();
        verify_trust_list(&bytes, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    }
}

#[test]
fn rejects_forged_list_with_tampered_payload() {
    let p = Pki::new(Algorithm::Es256);
    let bytes = p.signed(&p.list(1, NOW, NOW + 7 * DAY));
    let mut cose = CoseSign1::from_tagged_slice(&bytes).unwrap();
    // The attacker raises the sequence and extends validity, keeping the old signature.
    cose.payload = Some(p.list(99, NOW, NOW + 365 * DAY).to_cbor().unwrap());
    let forged = cose.to_tagged_vec().unwrap();
    let err = verify_trust_list(&forged, &p.anchor(), &mut TrustState::default(), &opts(NOW))
        .unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_SIGNATURE_INVALID");
}

#[test]
fn rejects_list_with_flipped_signature_byte() {
    let p = Pki::new(Algorithm::EdDsa);
    let mut bytes = p.signed(&p.list(1, NOW, NOW + 7 * DAY));
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let err =
        verify_trust_list(&bytes, &p.anchor(), &mut TrustState::default(), &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_SIGNATURE_INVALID");
}

#[test]
fn rejects_list_signed_by_a_key_not_chaining_to_the_anchor() {
    let ours = Pki::new(Algorithm::Es256);
    let attacker = Pki::new(Algorithm::Es256); // own CSCA + list signer, same names
    let bytes = attacker.signed(&attacker.list(1, NOW, NOW + 7 * DAY));
    let err = verify_trust_list(
        &bytes,
        &ours.anchor(),
        &mut TrustState::default(),
        &opts(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_UNKNOWN_SIGNER");
}

#[test]
fn rejects_list_signed_by_a_dsc_of_the_anchor() {
    // A stolen DSC chains to the CSCA, but lacks the list-signer key usage.
    let p = Pki::new(Algorithm::Es256);
    let list = p.list(1, NOW, NOW + 7 * DAY);
    let bytes = list
        .sign(&p.dsc.signer().unwrap(), &[p.dsc.cert_der.clone()])
        .unwrap();
    let err =
        verify_trust_list(&bytes, &p.anchor(), &mut TrustState::default(), &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_UNKNOWN_SIGNER");
}

#[test]
fn rejects_list_whose_x5chain_names_another_certificate_than_the_signing_key() {
    let p = Pki::new(Algorithm::Es256);
    let other = pki::generate_list_signer(
        &p.csca,
        Algorithm::Es256,
        &CertSpec::new("VN", "other signer", NOW - DAY, NOW + YEAR),
    )
    .unwrap();
    // Signed with `other`'s key but claims p.signer's certificate.
    let bytes = p
        .list(1, NOW, NOW + 7 * DAY)
        .sign(&other.signer().unwrap(), &[p.signer.cert_der.clone()])
        .unwrap();
    let err =
        verify_trust_list(&bytes, &p.anchor(), &mut TrustState::default(), &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_SIGNATURE_INVALID");
}

#[test]
fn rejects_list_issued_outside_the_signer_certificate_validity() {
    let p = Pki::new(Algorithm::Es256);
    // issued_at two years after the signer certificate's notAfter.
    let late = NOW + 2 * YEAR;
    let bytes = p.signed(&p.list(1, late, late + 7 * DAY));
    let err = verify_trust_list(&bytes, &p.anchor(), &mut TrustState::default(), &opts(late))
        .unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_UNKNOWN_SIGNER");
}

#[test]
fn rejects_rollback_to_an_older_sequence_across_state_file_reload() {
    let p = Pki::new(Algorithm::Es256);
    let dir = tempfile::tempdir().unwrap();
    let newer = p.signed(&p.list(5, NOW, NOW + 7 * DAY));
    let older = p.signed(&p.list(4, NOW - DAY, NOW + 6 * DAY));

    let mut state = TrustState::load(dir.path()).unwrap();
    verify_trust_list(&newer, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    state.save(dir.path()).unwrap();

    // A new process: load the state from disk, then an attacker replays the older list.
    let mut state = TrustState::load(dir.path()).unwrap();
    let err = verify_trust_list(&older, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_ROLLBACK");
    // The same list again is fine (re-download).
    verify_trust_list(&newer, &p.anchor(), &mut state, &opts(NOW)).unwrap();
}

#[test]
fn rejects_same_sequence_with_an_older_issued_at() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    let a = p.signed(&p.list(5, NOW, NOW + 7 * DAY));
    let b = p.signed(&p.list(5, NOW - 10, NOW + 7 * DAY));
    verify_trust_list(&a, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let err = verify_trust_list(&b, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_ROLLBACK");
}

#[test]
fn reports_stale_list_within_grace_and_refuses_it_beyond_grace() {
    let p = Pki::new(Algorithm::Es256);
    let bytes = p.signed(&p.list(1, NOW, NOW + 7 * DAY));
    // One day past valid_until, grace two days: usable, stale.
    let v = verify_trust_list(
        &bytes,
        &p.anchor(),
        &mut TrustState::default(),
        &opts(NOW + 8 * DAY),
    )
    .unwrap();
    assert_eq!(v.freshness, Freshness::StaleWithinGrace { stale_for: DAY });
    let mut store = TrustStore::new();
    store.add_signed_list(&v);
    assert!(store.any_stale());
    // Three days past: beyond grace.
    let err = verify_trust_list(
        &bytes,
        &p.anchor(),
        &mut TrustState::default(),
        &opts(NOW + 10 * DAY),
    )
    .unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_EXPIRED");
    // No grace at all: one second late is refused.
    let mut o = opts(NOW + 7 * DAY + 1);
    o.grace = 0;
    let err = verify_trust_list(&bytes, &p.anchor(), &mut TrustState::default(), &o).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_EXPIRED");
}

#[test]
fn refused_list_does_not_change_the_state() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    let expired = p.signed(&p.list(9, NOW, NOW + DAY));
    assert!(verify_trust_list(&expired, &p.anchor(), &mut state, &opts(NOW + 30 * DAY)).is_err());
    assert_eq!(state, TrustState::default());
}

#[test]
fn rejects_garbage_and_oversized_input_with_typed_errors() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    for bad in [&b""[..], b"\xd2\x84", b"not cbor at all", &[0xff; 64]] {
        let err = verify_trust_list(bad, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
        assert_eq!(err.code(), "TRUST_LIST_MALFORMED");
    }
    let bytes = p.signed(&p.list(1, NOW, NOW + 7 * DAY));
    let mut o = opts(NOW);
    o.limits.max_trust_list_bytes = bytes.len() - 1;
    let err = verify_trust_list(&bytes, &p.anchor(), &mut state, &o).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_TOO_LARGE");
}

#[test]
fn rotates_anchor_announced_by_a_verified_list() {
    let old = Pki::new(Algorithm::Es256);
    let new = Pki::new(Algorithm::Es256);
    let dir = tempfile::tempdir().unwrap();
    let pinned = old.anchor(); // the verifier was installed with the old anchor only

    // A list signed under the new anchor before any announcement is refused.
    let early = new.signed(&new.list(2, NOW + DAY, NOW + 8 * DAY));
    let mut state = TrustState::default();
    let err = verify_trust_list(&early, &pinned, &mut state, &opts(NOW + DAY)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_UNKNOWN_SIGNER");

    // List 1, signed under the old anchor, announces the new one.
    let mut l1 = old.list(1, NOW, NOW + 7 * DAY);
    l1.next_anchor = Some(new.csca.cert_der.clone());
    let v1 = verify_trust_list(&old.signed(&l1), &pinned, &mut state, &opts(NOW)).unwrap();
    assert!(v1.announced_anchor.is_some());
    assert!(!v1.rotated);
    state.save(dir.path()).unwrap();

    // List 2, signed under the new anchor, is accepted by a verifier that pinned only the old.
    let mut state = TrustState::load(dir.path()).unwrap();
    let v2 = verify_trust_list(&early, &pinned, &mut state, &opts(NOW + DAY)).unwrap();
    assert!(v2.rotated);
    assert_eq!(v2.anchor, new.anchor());
    state.save(dir.path()).unwrap();

    // From now on the old anchor is retired: a newer list signed under it is refused.
    let mut state = TrustState::load(dir.path()).unwrap();
    let stale_root = old.signed(&old.list(3, NOW + 2 * DAY, NOW + 9 * DAY));
    let err =
        verify_trust_list(&stale_root, &pinned, &mut state, &opts(NOW + 2 * DAY)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_UNKNOWN_SIGNER");
    // And the new one keeps working.
    let l4 = new.signed(&new.list(4, NOW + 3 * DAY, NOW + 10 * DAY));
    verify_trust_list(&l4, &pinned, &mut state, &opts(NOW + 3 * DAY)).unwrap();
}

#[test]
fn rejects_next_anchor_that_is_not_a_self_signed_ca() {
    let p = Pki::new(Algorithm::Es256);
    let mut l = p.list(1, NOW, NOW + 7 * DAY);
    l.next_anchor = Some(p.dsc.cert_der.clone());
    let mut state = TrustState::default();
    let err = verify_trust_list(&p.signed(&l), &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "TRUST_LIST_MALFORMED");
    assert!(state.announced_anchors.is_empty());
}

#[test]
fn accepts_list_signed_directly_by_the_anchor() {
    let p = Pki::new(Algorithm::Es256);
    let bytes = p
        .list(1, NOW, NOW + 7 * DAY)
        .sign(&p.csca.signer().unwrap(), &[p.csca.cert_der.clone()])
        .unwrap();
    verify_trust_list(&bytes, &p.anchor(), &mut TrustState::default(), &opts(NOW)).unwrap();
}

#[test]
fn reports_entries_whose_kid_does_not_match_their_certificate() {
    let p = Pki::new(Algorithm::Es256);
    let mut l = p.list(1, NOW, NOW + 7 * DAY);
    let mut bad = l.entries[0].clone();
    bad.kid = wallet_format::Kid([0; 8]);
    l.entries.push(bad);
    let v = verify_trust_list(
        &p.signed(&l),
        &p.anchor(),
        &mut TrustState::default(),
        &opts(NOW),
    )
    .unwrap();
    assert_eq!(v.keys.len(), 1);
    assert_eq!(v.rejected.len(), 1);
    assert_eq!(v.rejected[0].index, 1);
    assert_eq!(v.rejected[0].reason.code(), "DSC_INVALID");
}

#[test]
fn accepts_bare_public_key_entries_for_non_x509_issuers() {
    let p = Pki::new(Algorithm::Es256);
    let key = wallet_format::SoftwareKey::generate(Algorithm::EdDsa).unwrap();
    let mut l = p.list(1, NOW, NOW + 7 * DAY);
    l.entries.push(trust_list::TrustListEntry {
        kid: wallet_format::Kid([7; 8]),
        country: "XX".into(),
        key: trust_list::list::EntryKey::Spki(key.public_key_spki_der().unwrap()),
        types: trust_list::TypeSet::ALL,
        not_before: NOW - DAY,
        not_after: NOW + YEAR,
    });
    let v = verify_trust_list(
        &p.signed(&l),
        &p.anchor(),
        &mut TrustState::default(),
        &opts(NOW),
    )
    .unwrap();
    let mut store = TrustStore::new();
    store.add_signed_list(&v);
    let c = store.candidates(&wallet_format::Kid([7; 8]));
    assert_eq!(c.len(), 1);
    assert!(c[0].dsc.is_none());
    let msg = b"hello";
    c[0].public_key
        .verify(Algorithm::EdDsa, msg, &key.sign(msg).unwrap())
        .unwrap();
}

#[test]
fn state_file_is_written_atomically_and_rejects_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = TrustState::default();
    s.record(trust_list::ListKind::TrustList, 3, NOW);
    s.save(dir.path()).unwrap();
    assert!(!dir.path().join("vaxcert-trust-state.json.tmp").exists());
    assert_eq!(TrustState::load(dir.path()).unwrap(), s);
    std::fs::write(dir.path().join(trust_list::state::STATE_FILE), b"{not json").unwrap();
    assert_eq!(
        TrustState::load(dir.path()).unwrap_err().code(),
        "TRUST_STATE_MALFORMED"
    );
}
