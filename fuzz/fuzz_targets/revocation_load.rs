//! Signed revocation lists and deltas on arbitrary bytes: `verify_revocation` against a real
//! anchor, the payload decoder (`RevocationPayload::from_cbor`), lookups, pruning and delta
//! application. A payload that decodes is also signed with the fixture list signer and
//! verified, so the stages after the signature are reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trust_list::list::VerifyOptions;
use trust_list::revocation::{verify_revocation, RevocationPayload, CONTENT_TYPE};
use trust_list::{envelope, HashType, Limits, ListKind, RevocationList, TrustState};
use wallet_format::Kid;

fn exercise(payload: &RevocationPayload) {
    match payload {
        RevocationPayload::Full(list) => {
            let mut list = list.clone();
            for g in list.groups().cloned().collect::<Vec<_>>() {
                if let Some(h) = g.hashes.as_slice().first() {
                    assert_eq!(
                        list.is_revoked(&g.kid, &[(g.hash_type, *h)]),
                        Some(g.hash_type)
                    );
                }
            }
            let _ = list.is_revoked(&Kid([0; 8]), &[(HashType::Uci, [0; 16])]);
            let _ = list.heap_bytes();
            let _ = list.to_cbor();
            list.prune_expired(vaxcert_fuzz::CLOCK);
        }
        RevocationPayload::Delta(delta) => {
            let mut base = RevocationList::new(delta.base_sequence, 0, 0);
            for g in &delta.removed {
                base.add(g.kid, g.hash_type, g.expires, g.hashes.as_slice().to_vec());
            }
            let _ = base.apply_delta(delta);
            let _ = delta.to_cbor();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let f = vaxcert_fuzz::fixtures();
    let limits = Limits::DEFAULT;
    let opts = VerifyOptions::new(vaxcert_fuzz::CLOCK, 86_400);

    let _ = verify_revocation(data, &f.anchor, &mut TrustState::default(), &opts);

    if let Ok(payload) = RevocationPayload::from_cbor(data, &limits) {
        exercise(&payload);
        let (_, issued_at, _) = payload.header();
        if let Ok(signed) = envelope::sign(
            data.to_vec(),
            &f.list_signer_key,
            &vaxcert_fuzz::list_chain(),
            CONTENT_TYPE,
            ListKind::RevocationList,
        ) {
            let opts = VerifyOptions::new(issued_at, 86_400);
            let result = verify_revocation(&signed, &f.anchor, &mut TrustState::default(), &opts);
            if vaxcert_fuzz::debug() {
                eprintln!(
                    "signed revocation: {:?}",
                    result.map(|_| ()).map_err(|e| e.code())
                );
            }
        }
    }
});
