//! Signed revocation lists: hash types, refusals of revoked passes, deltas, rollback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs,
    unreachable_pub
)]

mod common;

use common::*;
use sha2::{Digest, Sha256};
use trust_list::revocation::{
    revocation_hashes, verify_revocation, HashSetSorted, RevocationDelta, RevocationGroup,
    RevocationPayload,
};
use trust_list::{HashType, RevocationList, TrustState};
use wallet_format::{Algorithm, CertificateType, Claims, Kid};

const UVCI: &str = "URN:UVCI:01:VN:ABCDEF123456#X";

fn sha16(b: &[u8]) -> [u8; 16] {
    Sha256::digest(b)[..16].try_into().unwrap()
}

#[test]
fn computes_the_eu_hash_types_with_the_es256_r_half_rule() {
    let sig: Vec<u8> = (0u8..64).collect();
    let es = revocation_hashes(Some(UVCI), Some("VN"), Algorithm::Es256, &sig);
    assert_eq!(es[0], (HashType::Uci, sha16(UVCI.as_bytes())));
    assert_eq!(
        es[1],
        (
            HashType::CountryCodeUci,
            sha16(format!("VN{UVCI}").as_bytes())
        )
    );
    assert_eq!(es[2], (HashType::Signature, sha16(&sig[..32])));
    let ed = revocation_hashes(Some(UVCI), None, Algorithm::EdDsa, &sig);
    assert_eq!(ed.len(), 2); // no iss: no COUNTRYCODEUCI
    assert_eq!(ed[1], (HashType::Signature, sha16(&sig)));
    let ps = revocation_hashes(None, None, Algorithm::Ps256, &[1; 256]);
    assert_eq!(ps, vec![(HashType::Signature, sha16(&[1; 256]))]);
}

/// A real pass signed by the fixture DSC, and its revocation hashes.
fn real_pass(p: &Pki) -> (Kid, Vec<(HashType, [u8; 16])>) {
    let dcc = wallet_format::Dcc {
        ver: "1.3.0".into(),
        dob: "1990-01-01".into(),
        v: Some(vec![wallet_format::Vaccination {
            ci: UVCI.into(),
            co: "VN".into(),
            dn: 2,
            sd: 2,
            ..Default::default()
        }]),
        ..Default::default()
    };
    assert_eq!(dcc.certificate_type(), Some(CertificateType::Vaccination));
    let claims = Claims {
        iss: Some("VN".into()),
        iat: Some(NOW),
        exp: Some(NOW + 30 * DAY),
        dcc,
    };
    let text = wallet_format::encode(&claims, &p.dsc.signer().unwrap()).unwrap();
    let d = wallet_format::decode(&text, &wallet_format::Limits::DEFAULT).unwrap();
    let hashes = revocation_hashes(Some(UVCI), Some("VN"), d.algorithm(), d.signature());
    (d.kid(), hashes)
}

fn signed_full(p: &Pki, list: &RevocationList) -> Vec<u8> {
    list.sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
        .unwrap()
}

#[test]
fn refuses_revoked_uvci_signature_and_countrycode_uvci() {
    let p = Pki::new(Algorithm::Es256);
    let (kid, hashes) = real_pass(&p);
    for (i, ty) in [HashType::Uci, HashType::CountryCodeUci, HashType::Signature]
        .into_iter()
        .enumerate()
    {
        let mut list = RevocationList::new(1, NOW, NOW + DAY);
        list.add(kid, ty, NOW + YEAR, vec![hashes[i].1, [0xAB; 16]]);
        let bytes = signed_full(&p, &list);
        let mut state = TrustState::default();
        let v = verify_revocation(&bytes, &p.anchor(), &mut state, &opts(NOW)).unwrap();
        let RevocationPayload::Full(held) = v.payload else {
            panic!("not a full list")
        };
        assert_eq!(held.is_revoked(&kid, &hashes), Some(ty));
        // Same hash under another kid does not revoke.
        assert_eq!(held.is_revoked(&Kid([0; 8]), &hashes), None);
    }
    // A list that revokes other passes leaves this one valid.
    let mut list = RevocationList::new(1, NOW, NOW + DAY);
    list.add(
        kid,
        HashType::Uci,
        NOW + YEAR,
        vec![sha16(b"URN:UVCI:01:VN:OTHER")],
    );
    assert_eq!(list.is_revoked(&kid, &hashes), None);
}

#[test]
fn applies_a_delta_and_refuses_one_with_a_wrong_base() {
    let p = Pki::new(Algorithm::EdDsa);
    let kid = Kid([1; 8]);
    let mut state = TrustState::default();
    let mut full = RevocationList::new(10, NOW, NOW + DAY);
    full.add(kid, HashType::Uci, NOW + YEAR, vec![[1; 16], [2; 16]]);
    let v =
        verify_revocation(&signed_full(&p, &full), &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let RevocationPayload::Full(mut held) = v.payload else {
        panic!()
    };

    let group = |hashes: Vec<[u8; 16]>| RevocationGroup {
        kid,
        hash_type: HashType::Uci,
        expires: NOW + YEAR,
        hashes: HashSetSorted::from_vec(hashes),
    };
    let delta = RevocationDelta {
        base_sequence: 10,
        sequence: 11,
        issued_at: NOW + 3600,
        valid_until: NOW + DAY + 3600,
        added: vec![group(vec![[3; 16]])],
        removed: vec![group(vec![[1; 16]])],
    };
    let bytes = delta
        .sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
        .unwrap();
    let v = verify_revocation(&bytes, &p.anchor(), &mut state, &opts(NOW + 3600)).unwrap();
    let RevocationPayload::Delta(d) = v.payload else {
        panic!("not a delta")
    };
    // A copy of the held list at sequence 10 for the wrong-base case below.
    let mut other = held.clone();
    held.apply_delta(&d).unwrap();
    assert_eq!(held.sequence, 11);
    let look = |l: &RevocationList, h: [u8; 16]| l.is_revoked(&kid, &[(HashType::Uci, h)]);
    assert_eq!(look(&held, [1; 16]), None); // lifted
    assert_eq!(look(&held, [2; 16]), Some(HashType::Uci));
    assert_eq!(look(&held, [3; 16]), Some(HashType::Uci));

    // Applying the same delta twice: its base (10) no longer matches (11).
    let err = held.apply_delta(&d).unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_DELTA_BASE_MISMATCH");
    // A delta from 12 to 13 cannot apply to a list at 10.
    let mut skip = d.clone();
    skip.base_sequence = 12;
    skip.sequence = 13;
    assert_eq!(
        other.apply_delta(&skip).unwrap_err().code(),
        "REVOCATION_LIST_DELTA_BASE_MISMATCH"
    );
}

#[test]
fn rejects_revocation_rollback_forgery_and_expiry() {
    let p = Pki::new(Algorithm::Es256);
    let mut state = TrustState::default();
    let newer = signed_full(&p, &RevocationList::new(5, NOW, NOW + DAY));
    let older = signed_full(&p, &RevocationList::new(4, NOW - DAY, NOW));
    verify_revocation(&newer, &p.anchor(), &mut state, &opts(NOW)).unwrap();
    let err = verify_revocation(&older, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_ROLLBACK");
    // Trust-list and revocation sequences are tracked separately.
    assert!(state.seen(trust_list::ListKind::TrustList).is_none());

    let attacker = Pki::new(Algorithm::Es256);
    let forged = signed_full(&attacker, &RevocationList::new(6, NOW, NOW + DAY));
    let err = verify_revocation(&forged, &p.anchor(), &mut state, &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_UNKNOWN_SIGNER");

    let err = verify_revocation(
        &newer,
        &p.anchor(),
        &mut TrustState::default(),
        &opts(NOW + 4 * DAY),
    )
    .unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_EXPIRED");

    // A trust list is not a revocation list.
    let tl = p.signed(&p.list(1, NOW, NOW + DAY));
    let err =
        verify_revocation(&tl, &p.anchor(), &mut TrustState::default(), &opts(NOW)).unwrap_err();
    assert_eq!(err.code(), "REVOCATION_LIST_MALFORMED");
}

#[test]
fn looks_up_correctly_in_an_indexed_group() {
    // Above INDEX_THRESHOLD the prefix index is used; check hits and misses against a HashSet.
    let n = 200_000u32;
    let hashes: Vec<[u8; 16]> = (0..n).map(|i| sha16(&i.to_le_bytes())).collect();
    let set = HashSetSorted::from_vec(hashes.clone());
    assert_eq!(set.len(), n as usize);
    assert!(hashes.iter().all(|h| set.contains(h)));
    let misses = (n..n + 50_000).map(|i| sha16(&i.to_le_bytes()));
    assert!(misses.into_iter().all(|h| !set.contains(&h)));
    assert!(set.contains(&hashes[0]) && !set.contains(&[0; 16]) && !set.contains(&[0xff; 16]));
}

#[test]
fn prunes_expired_groups() {
    let mut list = RevocationList::new(1, NOW, NOW + DAY);
    list.add(Kid([1; 8]), HashType::Uci, NOW - 1, vec![[1; 16]]);
    list.add(Kid([2; 8]), HashType::Uci, NOW + 1, vec![[2; 16]]);
    list.prune_expired(NOW);
    assert_eq!(list.len(), 1);
}
