//! COSE_Sign1 + CWT + DCC payload parsing on arbitrary bytes (the raw, uncompressed transport).
//! Body: `vaxcert_fuzz::dcc_inputs::decode_cose` (src/dcc_inputs.rs), which tests/replay.rs
//! also replays on the seeds and regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vaxcert_fuzz::dcc_inputs::decode_cose(data));
