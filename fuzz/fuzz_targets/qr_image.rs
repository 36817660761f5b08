//! QR image decoding on arbitrary bytes: `qr::decode_image` (PNG/JPEG sniffing, size checks,
//! image decoding, every rqrr attempt), and `qr::decode_gray` on the bytes read as a raw
//! greyscale bitmap (first byte + 1 = width, the rest the pixels, row by row), which reaches
//! rqrr's detector directly: PNG chunks carry CRCs that random mutations rarely keep valid.
//!
//! `decode_image` contains panics of the third-party QR decoder (rqrr) with `catch_unwind`;
//! libfuzzer-sys's panic hook aborts on *any* panic, caught or not, so this target installs a
//! hook that stays quiet for panics raised inside rqrr (they are contained by design) and
//! aborts on every other one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Once;

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_rqrr = info.location().is_some_and(|l| l.file().contains("/rqrr-"));
            if !in_rqrr {
                fuzzer_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    install_hook();
    vaxcert_fuzz::dcc_inputs::qr_image(data);
});
