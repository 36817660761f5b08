//! The ES256 precomputed-table path (src/p256_verify.rs) must decide exactly as aws-lc does:
//! Wycheproof's ECDSA P-256/SHA-256 (P1363) vectors, random keys with valid and tampered
//! signatures, and the switch from the aws-lc path to the table path after
//! `TABLE_AFTER_USES` verifications.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use wallet_format::signing::TABLE_AFTER_USES;
use wallet_format::{Algorithm, Error, PublicKey, SoftwareKey};
use wycheproof::ecdsa::{TestName, TestSet};
use wycheproof::TestResult;

/// A key whose table is built (hot) and a twin that stays on aws-lc (cold: fewer uses than
/// the threshold, so each check goes through aws-lc).
fn hot_and_cold(spki: &[u8]) -> Option<(PublicKey, PublicKey)> {
    let hot = PublicKey::from_spki_der(Algorithm::Es256, spki).ok()?;
    hot.precompute();
    let cold = PublicKey::from_spki_der(Algorithm::Es256, spki).ok()?;
    Some((hot, cold))
}

#[test]
fn wycheproof_p256_sha256_p1363_vectors_are_decided_like_aws_lc() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let (mut valid, mut invalid, mut with_table) = (0, 0, 0);
    for group in &set.test_groups {
        let Some((hot, _)) = hot_and_cold(&group.der) else {
            // A key aws-lc refuses has no vectors that could verify.
            assert!(group.tests.iter().all(|t| t.result != TestResult::Valid));
            continue;
        };
        if hot.has_table() {
            with_table += 1;
        }
        for t in &group.tests {
            let ours = hot.verify(Algorithm::Es256, &t.msg, &t.sig);
            // A fresh key per test keeps the reference on the aws-lc path.
            let (_, cold) = hot_and_cold(&group.der).unwrap();
            let reference = cold.verify(Algorithm::Es256, &t.msg, &t.sig);
            assert_eq!(ours, reference, "tcId {} ({:?})", t.tc_id, t.flags);
            match t.result {
                TestResult::Valid => {
                    assert_eq!(ours, Ok(()), "tcId {} must verify", t.tc_id);
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert_eq!(ours, Err(Error::SignatureInvalid), "tcId {}", t.tc_id);
                    invalid += 1;
                }
                TestResult::Acceptable => {}
            }
        }
    }
    println!("wycheproof ES256: {valid} valid, {invalid} invalid vectors reproduced; {with_table} keys on the table path");
    assert!(
        valid >= 150 && invalid >= 80,
        "{valid} valid, {invalid} invalid"
    );
    assert!(with_table >= 10);
}

#[test]
fn random_keys_valid_and_tampered_signatures_agree_with_aws_lc() {
    let mut checked = 0;
    for k in 0..6u8 {
        let key = SoftwareKey::generate(Algorithm::Es256).unwrap();
        let spki = key.public_key_spki_der().unwrap();
        let (hot, _) = hot_and_cold(&spki).unwrap();
        assert!(hot.has_table());
        for m in 0..12u8 {
            let message: Vec<u8> = (0..(40 + usize::from(m) * 7))
                .map(|i| (i as u8) ^ k.wrapping_mul(31) ^ m)
                .collect();
            let signature = key.sign(&message).unwrap();
            assert_eq!(hot.verify(Algorithm::Es256, &message, &signature), Ok(()));
            // Flip one bit of the signature, then of the message.
            let mut bad_sig = signature.clone();
            bad_sig[usize::from(m * 5 + k) % 64] ^= 1 << (m % 8);
            let mut bad_msg = message.clone();
            bad_msg[usize::from(m) % message.len()] ^= 0x80;
            for (msg, sig) in [(&message, &bad_sig), (&bad_msg, &signature)] {
                let (_, cold) = hot_and_cold(&spki).unwrap();
                let ours = hot.verify(Algorithm::Es256, msg, sig);
                assert_eq!(ours, cold.verify(Algorithm::Es256, msg, sig));
                assert_eq!(ours, Err(Error::SignatureInvalid));
            }
            checked += 3;
        }
        // Another key's signature never verifies.
        let other = SoftwareKey::generate(Algorithm::Es256).unwrap();
        let sig = other.sign(b"x").unwrap();
        assert_eq!(
            hot.verify(Algorithm::Es256, b"x", &sig),
            Err(Error::SignatureInvalid)
        );
    }
    assert_eq!(checked, 6 * 12 * 3);
}

#[test]
fn out_of_range_and_malformed_signatures_are_refused_on_both_paths() {
    let key = SoftwareKey::generate(Algorithm::Es256).unwrap();
    let spki = key.public_key_spki_der().unwrap();
    let (hot, cold) = hot_and_cold(&spki).unwrap();
    let message = b"HC1 Sig_structure";
    let good = key.sign(message).unwrap();
    let n =
        hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").unwrap();
    let mut cases: Vec<Vec<u8>> = vec![Vec::new(), good[..63].to_vec(), [&good[..], &[0]].concat()];
    // r = 0, s = 0, r = n, s = n, r = s = 2^256 − 1
    let mut r_zero = good.clone();
    r_zero[..32].fill(0);
    let mut s_zero = good.clone();
    s_zero[32..].fill(0);
    let mut r_n = good.clone();
    r_n[..32].copy_from_slice(&n);
    let mut s_n = good.clone();
    s_n[32..].copy_from_slice(&n);
    cases.extend([r_zero, s_zero, r_n, s_n, vec![0xff; 64]]);
    for sig in &cases {
        assert_eq!(
            hot.verify(Algorithm::Es256, message, sig),
            Err(Error::SignatureInvalid)
        );
        assert_eq!(
            cold.verify(Algorithm::Es256, message, sig),
            Err(Error::SignatureInvalid)
        );
    }
    // The claimed algorithm is still bound to the key.
    assert_eq!(
        hot.verify(Algorithm::Ps256, message, &good),
        Err(Error::AlgorithmKeyMismatch)
    );
}

#[test]
fn a_key_moves_to_the_table_path_after_the_threshold() {
    let key = SoftwareKey::generate(Algorithm::Es256).unwrap();
    let public = key.public_key().unwrap();
    let message = b"venue gate";
    let signature = key.sign(message).unwrap();
    for i in 0..TABLE_AFTER_USES {
        assert!(!public.has_table(), "table built after only {i} uses");
        assert_eq!(public.verify(Algorithm::Es256, message, &signature), Ok(()));
    }
    assert!(public.has_table());
    // Clones share the table.
    let clone = public.clone();
    assert!(clone.has_table());
    assert_eq!(clone.verify(Algorithm::Es256, message, &signature), Ok(()));
    // Other algorithms have no table and precompute is a no-op for them.
    let ed = SoftwareKey::generate(Algorithm::EdDsa)
        .unwrap()
        .public_key()
        .unwrap();
    ed.precompute();
    assert!(!ed.has_table());
}
