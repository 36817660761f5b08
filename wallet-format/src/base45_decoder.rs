//! Base45 decoding (RFC 9285) for the verify hot path.
//!
//! Why by hand: the `base45` crate (kept for encoding) decodes a 600-character pass in about
//! 3.8 µs, a tenth of a whole table-path ES256 verification; this table-driven loop does
//! the same in a fraction of that (verifier bench, `profile` numbers in spec/verifier.md).
//! It is checked against the crate on random inputs and on every invalid shape.

use crate::error::Error;

/// Value of each byte in the base45 alphabet, or 0xFF.
const VALUES: [u8; 256] = {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < alphabet.len() {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

fn value(byte: u8) -> Result<u32, Error> {
    match VALUES[usize::from(byte)] {
        0xFF => Err(Error::Base45Invalid),
        v => Ok(u32::from(v)),
    }
}

/// Decode base45 text: groups of three characters give two bytes (value ≤ 65535), a final
/// pair gives one byte (value ≤ 255); a single trailing character, a character outside the
/// alphabet or an out-of-range group is `BASE45_INVALID`.
pub fn decode(text: &str) -> Result<Vec<u8>, Error> {
    let bytes = text.as_bytes();
    if bytes.len() % 3 == 1 {
        return Err(Error::Base45Invalid);
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let n = value(c[0])? + value(c[1])? * 45 + value(c[2])? * 45 * 45;
        if n > 0xFFFF {
            return Err(Error::Base45Invalid);
        }
        out.extend_from_slice(&[(n >> 8) as u8, n as u8]);
    }
    if let [a, b] = chunks.remainder() {
        let n = value(*a)? + value(*b)? * 45;
        if n > 0xFF {
            return Err(Error::Base45Invalid);
        }
        out.push(n as u8);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_9285_examples() {
        assert_eq!(decode("BB8").unwrap(), b"AB");
        assert_eq!(decode("%69 VD92EX0").unwrap(), b"Hello!!");
        assert_eq!(decode("UJCLQE7W581").unwrap(), b"base-45");
        assert_eq!(decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(decode("").unwrap(), b"");
    }

    #[test]
    fn invalid_shapes_are_refused() {
        for bad in [
            "A", "ABCD", "GGW", "GGWGGW", ":::", "aBC", "AB\u{e9}", "AB\n",
        ] {
            assert_eq!(decode(bad), Err(Error::Base45Invalid), "{bad:?}");
            assert!(base45::decode(bad).is_err(), "the crate agrees on {bad:?}");
        }
        // A final pair above 255 cannot come from any encoder (RFC 9285 §4): refused here,
        // where the crate silently keeps the low byte ("AA" = 460 → 204).
        for bad in ["AA", "ZZ", "BB8AA"] {
            assert_eq!(decode(bad), Err(Error::Base45Invalid), "{bad:?}");
        }
        assert_eq!(base45::decode("AA").unwrap(), [204]);
        // 65535 = "FGW" is the largest triple, 255 = "U5" the largest pair.
        assert_eq!(decode("FGW").unwrap(), [0xFF, 0xFF]);
        assert_eq!(decode("U5").unwrap(), [0xFF]);
    }

    proptest! {
        #[test]
        fn agrees_with_the_base45_crate(data in proptest::collection::vec(any::<u8>(), 0..700)) {
            let text = base45::encode(&data);
            prop_assert_eq!(decode(&text).unwrap(), data);
        }

        #[test]
        fn arbitrary_text_decodes_like_the_crate(text in "[0-9A-Z $%*+./:a-z-]{0,40}") {
            match (decode(&text).ok(), base45::decode(&text).ok()) {
                (Some(ours), theirs) => prop_assert_eq!(Some(ours), theirs),
                (None, None) => {}
                (None, Some(_)) => {
                    // Only the crate's truncated final pair differs.
                    let tail = &text.as_bytes()[text.len() - 2..];
                    let v = u32::from(VALUES[usize::from(tail[0])])
                        + u32::from(VALUES[usize::from(tail[1])]) * 45;
                    prop_assert!(text.len() % 3 == 2 && v > 255, "{:?}", text);
                }
            }
        }
    }
}
