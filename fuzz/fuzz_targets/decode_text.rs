//! `HC1:` text decoding (prefix, base45, zlib, COSE, CWT, payload) on arbitrary input. The
//! bytes are tried three ways: as (lossy UTF-8) text, as `HC1:` + base45(bytes) (reaches zlib),
//! and as `HC1:` + base45(zlib(bytes)) (reaches COSE/CWT parsing directly).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wallet_format::{decode, Limits};

fn check(path: &str, text: &str) {
    let result = decode(text, &Limits::DEFAULT);
    if vaxcert_fuzz::debug() {
        eprintln!(
            "{path}: {:?}",
            result.as_ref().map(|_| ()).map_err(|e| e.code())
        );
    }
    if let Ok(decoded) = result {
        // The lazy views of a decoded pass must not panic either.
        let _ = decoded.dcc_json();
        let _ = decoded.claims.dcc.certificate_type();
        let _ = decoded.claims.dcc.uvci();
        let _ = decoded.kid().to_base64();
    }
}

fuzz_target!(|data: &[u8]| {
    check("text", &String::from_utf8_lossy(data));
    check("hc1(bytes)", &vaxcert_fuzz::hc1(data));
    check(
        "hc1(zlib(bytes))",
        &vaxcert_fuzz::hc1(&vaxcert_fuzz::zlib(data)),
    );
});
