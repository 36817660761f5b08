//! CertLogic on arbitrary input: the bytes are split at the first NUL into (rule JSON, data
//! JSON) (no NUL: data `{}`). Covered: what the rule-author command does (bare expression or
//! rule document, validated then evaluated), `validate`, and loading the text as a rule set and
//! evaluating it over the data as a DCC payload. Must not panic or recurse unboundedly.
//! Body: `vaxcert_fuzz::dcc_inputs::certlogic_eval` (src/dcc_inputs.rs), which tests/replay.rs
//! also replays on the seeds and regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vaxcert_fuzz::dcc_inputs::certlogic_eval(data));
