//! `inspect` reports for trust lists and revocation lists.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs,
    unreachable_pub
)]

mod common;

use common::*;
use trust_list::inspect::{inspect, SignatureVerdict};
use trust_list::{HashType, RevocationList};
use wallet_format::{Algorithm, Kid};

#[test]
fn shows_a_verified_trust_list_with_entries_and_signer() {
    let p = Pki::new(Algorithm::Es256);
    let bytes = p.signed(&p.list(7, NOW, NOW + 7 * DAY));
    let r = inspect(&bytes, Some(&p.csca.cert_der), NOW, DAY);
    assert!(r.verifies());
    let text = r.to_string();
    assert!(text.contains("kind: trust list"), "{text}");
    assert!(text.contains("sequence: 7"));
    assert!(text.contains("VN Trust List Signer"));
    assert!(text.contains(&p.dsc.cert().unwrap().kid().to_base64()));
    assert!(text.contains("types=v"));
    assert!(text.contains("verifies: yes"));
}

#[test]
fn reports_wrong_anchor_staleness_and_unchecked_signature() {
    let p = Pki::new(Algorithm::Es256);
    let other = Pki::new(Algorithm::Es256);
    let bytes = p.signed(&p.list(1, NOW, NOW + DAY));
    let r = inspect(&bytes, Some(other.csca.cert_pem().as_bytes()), NOW, DAY);
    assert!(
        matches!(&r.signature, SignatureVerdict::Failed(e) if e.code() == "TRUST_LIST_UNKNOWN_SIGNER")
    );
    assert!(!r.verifies());
    let r = inspect(&bytes, None, NOW + DAY + 60, DAY);
    let text = r.to_string();
    assert!(text.contains("not checked"), "{text}");
    assert!(text.contains("STALE for 60 s"), "{text}");
    assert!(text.contains("verifies: no"));
    let r = inspect(&bytes, Some(&p.csca.cert_der), NOW + 5 * DAY, DAY);
    assert!(r.to_string().contains("TRUST_LIST_EXPIRED"));
}

#[test]
fn shows_a_revocation_list_and_garbage() {
    let p = Pki::new(Algorithm::Es256);
    let mut l = RevocationList::new(3, NOW, NOW + DAY);
    l.add(
        Kid([5; 8]),
        HashType::Signature,
        NOW + YEAR,
        vec![[1; 16], [2; 16]],
    );
    let bytes = l
        .sign(&p.signer.signer().unwrap(), &[p.signer.cert_der.clone()])
        .unwrap();
    let r = inspect(&bytes, Some(&p.csca.cert_der), NOW, DAY);
    let text = r.to_string();
    assert!(r.verifies(), "{text}");
    assert!(text.contains("kind: revocation list"));
    assert!(text.contains("SIGNATURE entries=2"));
    let r = inspect(b"garbage", None, NOW, DAY);
    assert!(r.to_string().contains("unreadable: TRUST_LIST_MALFORMED"));
}
