//! Signed trust lists and signed rule sets on arbitrary bytes: the whole staged verification
//! (`verify_trust_list`, `verify_rule_set`) against a real anchor, the payload decoders
//! (`TrustList::from_cbor` + `to_keys`, `SignedRuleSet::from_cbor`), the certificate reader
//! (`Dsc::from_any`) and `inspect`. A payload that decodes is also signed with the fixture
//! list signer and verified, so the stages after the signature (signer time, rollback,
//! expiry, next_anchor, entry keys, trust store) are reached.
//! Body: `vaxcert_fuzz::dcc_inputs::trust_list_load` (src/dcc_inputs.rs), which tests/replay.rs
//! also replays on the seeds and regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vaxcert_fuzz::dcc_inputs::trust_list_load(data));
