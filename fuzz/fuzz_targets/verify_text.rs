//! The whole offline verification (`verifier::verify`) on arbitrary text, with a trust context
//! holding one real DSC and the shipped `venue` policy, then the JSON and human output. Text
//! that decodes is also re-signed with the fixture DSC and verified again: with its CWT payload
//! bytes as received, at a clock taken from its `iat` (key usage, time, schema), and with
//! `iat`/`exp` moved around a 2024 clock inside the VN rules' validity (CertLogic rules). The
//! verdict must never panic, whatever the input.
//! Body: `vaxcert_fuzz::dcc_inputs::verify_text` (src/dcc_inputs.rs), which tests/replay.rs
//! also replays on the seeds and regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vaxcert_fuzz::dcc_inputs::verify_text(data));
