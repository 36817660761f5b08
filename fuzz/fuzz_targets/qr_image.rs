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
use wallet_format::{qr, Limits};

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
    let _ = qr::decode_image(data, &Limits::DEFAULT);
    if let Some((w, pixels)) = data.split_first() {
        let w = u32::from(*w) + 1;
        let h = u32::try_from(pixels.len()).unwrap_or(u32::MAX) / w;
        let used = usize::try_from(w * h).unwrap_or(0);
        if h > 0 {
            if let Some(gray) = image::GrayImage::from_raw(w, h, pixels[..used].to_vec()) {
                let _ = qr::decode_gray(&gray);
            }
        }
    }
});
