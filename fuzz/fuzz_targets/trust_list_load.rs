//! Signed trust lists and signed rule sets on arbitrary bytes: the whole staged verification
//! (`verify_trust_list`, `verify_rule_set`) against a real anchor, the payload decoders
//! (`TrustList::from_cbor` + `to_keys`, `SignedRuleSet::from_cbor`), the certificate reader
//! (`Dsc::from_any`) and `inspect`. A payload that decodes is also signed with the fixture
//! list signer and verified, so the stages after the signature (signer time, rollback,
//! expiry, next_anchor, entry keys, trust store) are reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trust_list::list::{verify_trust_list, TrustList, VerifyOptions};
use trust_list::rules::{verify_rule_set, SignedRuleSet};
use trust_list::{envelope, inspect, Dsc, Limits, ListKind, TrustState, TrustStore};

fuzz_target!(|data: &[u8]| {
    let f = vaxcert_fuzz::fixtures();
    let limits = Limits::DEFAULT;
    let opts = VerifyOptions::new(vaxcert_fuzz::CLOCK, 86_400);

    // As a whole signed file.
    let _ = verify_trust_list(data, &f.anchor, &mut TrustState::default(), &opts);
    let _ = verify_rule_set(data, &f.anchor, &mut TrustState::default(), &opts);
    let _ = inspect::inspect(data, Some(f.anchor.der()), vaxcert_fuzz::CLOCK, 86_400);
    let _ = Dsc::from_any(data);

    // As a payload, then signed with the fixture list signer.
    if let Ok(list) = TrustList::from_cbor(data, &limits) {
        let _ = list.to_keys();
        if let Ok(signed) = envelope::sign(
            data.to_vec(),
            &f.list_signer_key,
            &vaxcert_fuzz::list_chain(),
            trust_list::list::CONTENT_TYPE,
            ListKind::TrustList,
        ) {
            let opts = VerifyOptions::new(list.issued_at, 86_400);
            let result = verify_trust_list(&signed, &f.anchor, &mut TrustState::default(), &opts);
            if vaxcert_fuzz::debug() {
                eprintln!(
                    "signed list: {:?}",
                    result.as_ref().map(|v| v.keys.len()).map_err(|e| e.code())
                );
            }
            if let Ok(verified) = result {
                let mut store = TrustStore::new();
                store.add_signed_list(&verified);
                for e in &verified.list.entries {
                    let _ = store.candidates(&e.kid);
                }
            }
            let _ = inspect::inspect(&signed, Some(f.anchor.der()), list.issued_at, 86_400);
        }
    }
    if let Ok(rules) = SignedRuleSet::from_cbor(data, &limits) {
        if let Ok(signed) = envelope::sign(
            data.to_vec(),
            &f.list_signer_key,
            &vaxcert_fuzz::list_chain(),
            trust_list::rules::CONTENT_TYPE,
            ListKind::RuleSet,
        ) {
            let opts = VerifyOptions::new(rules.issued_at, 86_400);
            let result = verify_rule_set(&signed, &f.anchor, &mut TrustState::default(), &opts);
            if vaxcert_fuzz::debug() {
                eprintln!(
                    "signed rule set: {:?}",
                    result.map(|_| ()).map_err(|e| e.code())
                );
            }
        }
    }
});
