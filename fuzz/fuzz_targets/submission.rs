//! Issuer input: see `vaxcert_fuzz::issuer_inputs::submission` (fuzz/src/issuer_inputs.rs), which
//! `issuer/tests/fuzz_corpus.rs` also replays on the seeds and regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vaxcert_fuzz::issuer_inputs::submission(data));
