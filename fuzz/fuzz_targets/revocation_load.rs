//! Signed revocation lists and deltas on arbitrary bytes: `verify_revocation` against a real
//! anchor, the payload decoder (`RevocationPayload::from_cbor`), lookups, pruning and delta
//! application. A payload that decodes is also signed with the fixture list signer and
//! verified, so the stages after the signature are reached.
//! Body: `vaxcert_fuzz::dcc_inputs::revocation_load` (src/dcc_inputs.rs), which tests/replay.rs
//! also replays on the seeds and regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vaxcert_fuzz::dcc_inputs::revocation_load(data));
