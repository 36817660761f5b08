//! COSE_Sign1 + CWT + DCC payload parsing on arbitrary bytes (the raw, uncompressed transport).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wallet_format::{decode_cose, Limits};

fuzz_target!(|data: &[u8]| {
    if let Ok(decoded) = decode_cose(data, &Limits::DEFAULT) {
        let _ = decoded.dcc_json();
        let _ = decoded.cose.to_be_signed();
        // A signature check with a real key must fail cleanly, never panic.
        let _ = decoded.verify_signature(&vaxcert_fuzz::fixtures().dsc_public);
    }
});
