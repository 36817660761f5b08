//! EU-gateway JSON trust lists on arbitrary bytes: `gateway::import`, adding the result to a
//! trust store, and exporting the accepted certificates again.
//! Body: `vaxcert_fuzz::dcc_inputs::gateway_import` (src/dcc_inputs.rs), which tests/replay.rs
//! also replays on the seeds and regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vaxcert_fuzz::dcc_inputs::gateway_import(data));
