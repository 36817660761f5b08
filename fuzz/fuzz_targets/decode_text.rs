//! `HC1:` text decoding (prefix, base45, zlib, COSE, CWT, payload) on arbitrary input. The
//! bytes are tried three ways: as (lossy UTF-8) text, as `HC1:` + base45(bytes) (reaches zlib),
//! and as `HC1:` + base45(zlib(bytes)) (reaches COSE/CWT parsing directly).
//! Body: `vaxcert_fuzz::dcc_inputs::decode_text` (src/dcc_inputs.rs), which tests/replay.rs
//! also replays on the seeds and regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vaxcert_fuzz::dcc_inputs::decode_text(data));
