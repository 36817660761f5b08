//! UVCI: `URN:UVCI:01:VN:<opaque id>#<Luhn mod 38 check character>` (spec/format.md §UVCI,
//! eHealth Network "Guidelines on verifiable vaccination certificates", Annex 2).
//!
//! The check character is Luhn mod N (N = 38) over the charset
//! `ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:`, computed over everything before the `#`,
//! including the `URN:UVCI:` prefix.
//!
//! ```
//! use wallet_format::uvci::Uvci;
//! let uvci = Uvci::new("VN", "01HX7Y2ABC").unwrap();
//! assert!(uvci.as_str().starts_with("URN:UVCI:01:VN:01HX7Y2ABC#"));
//! assert_eq!(Uvci::parse(uvci.as_str()).unwrap(), uvci);
//! ```

/// The Luhn mod 38 alphabet; a character's index is its code point.
pub const CHARSET: &[u8; 38] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:";

/// The fixed prefix including the schema version `01`.
pub const PREFIX: &str = "URN:UVCI:01:";

/// Upper bound on a UVCI (the DCC schema's `ci` has `maxLength: 80`).
pub const MAX_LEN: usize = 80;

/// Why a UVCI was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UvciError {
    /// Not `URN:UVCI:01:CC:...`.
    #[error("the uvci does not start with URN:UVCI:01:<country>:")]
    Prefix,
    /// Longer than [`MAX_LEN`].
    #[error("the uvci is longer than 80 characters")]
    TooLong,
    /// A character outside the Luhn mod 38 alphabet, or an empty opaque part.
    #[error("the uvci contains a character outside A-Z 0-9 / :")]
    Charset,
    /// The `#` check character is missing.
    #[error("the uvci has no check character")]
    CheckMissing,
    /// The check character does not match.
    #[error("the uvci check character does not match")]
    CheckMismatch,
}

impl UvciError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            UvciError::Prefix => "UVCI_PREFIX_INVALID",
            UvciError::TooLong => "UVCI_TOO_LONG",
            UvciError::Charset => "UVCI_CHARSET_INVALID",
            UvciError::CheckMissing => "UVCI_CHECK_MISSING",
            UvciError::CheckMismatch => "UVCI_CHECK_MISMATCH",
        }
    }
}

/// A syntactically valid UVCI whose check character matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uvci(String);

fn code_point(c: u8) -> Option<usize> {
    CHARSET.iter().position(|&x| x == c)
}

/// Luhn mod 38 check character over `input` (every byte must be in [`CHARSET`]).
pub fn check_char(input: &str) -> Result<char, UvciError> {
    const N: usize = 38;
    let mut factor = 2;
    let mut sum = 0usize;
    for &b in input.as_bytes().iter().rev() {
        let cp = code_point(b).ok_or(UvciError::Charset)?;
        let addend = factor * cp;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / N + addend % N;
    }
    let check = (N - sum % N) % N;
    // safe: check < 38 = CHARSET.len()
    Ok(CHARSET[check] as char)
}

impl Uvci {
    /// Builds `URN:UVCI:01:<country>:<opaque>#<check>`. `country` is two letters A-Z,
    /// `opaque` is non-empty over `A-Z 0-9 /` (`:` is reserved as a separator).
    pub fn new(country: &str, opaque: &str) -> Result<Self, UvciError> {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(UvciError::Prefix);
        }
        if opaque.is_empty()
            || !opaque
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'/')
        {
            return Err(UvciError::Charset);
        }
        let body = format!("{PREFIX}{country}:{opaque}");
        if body.len() + 2 > MAX_LEN {
            return Err(UvciError::TooLong);
        }
        let check = check_char(&body)?;
        Ok(Uvci(format!("{body}#{check}")))
    }

    /// Parses and checks a UVCI. Tolerant: lowercase letters are accepted and upper-cased
    /// (the check character is defined over the upper-case alphabet).
    pub fn parse(text: &str) -> Result<Self, UvciError> {
        if text.len() > MAX_LEN {
            return Err(UvciError::TooLong);
        }
        let upper = text.to_ascii_uppercase();
        let rest = upper.strip_prefix(PREFIX).ok_or(UvciError::Prefix)?;
        let country = rest.get(..2).ok_or(UvciError::Prefix)?;
        if !country.bytes().all(|b| b.is_ascii_uppercase()) || rest.get(2..3) != Some(":") {
            return Err(UvciError::Prefix);
        }
        let (body, check) = upper.rsplit_once('#').ok_or(UvciError::CheckMissing)?;
        let opaque = body.get(PREFIX.len() + 3..).unwrap_or("");
        if opaque.is_empty() {
            return Err(UvciError::Charset);
        }
        let mut chars = check.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return Err(UvciError::CheckMissing);
        };
        if check_char(body)? != c {
            return Err(UvciError::CheckMismatch);
        }
        Ok(Uvci(upper))
    }

    /// The full text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter issuing country.
    pub fn country(&self) -> &str {
        self.0.get(PREFIX.len()..PREFIX.len() + 2).unwrap_or("")
    }

    /// The opaque identifier between the country and the `#`.
    pub fn opaque(&self) -> &str {
        let end = self.0.rfind('#').unwrap_or(self.0.len());
        self.0.get(PREFIX.len() + 3..end).unwrap_or("")
    }
}

impl std::fmt::Display for Uvci {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Uvci {
    type Err = UvciError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uvci::parse(s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn matches_the_ehn_guideline_vector() {
        assert_eq!(check_char("URN:UVCI:01:NL:187/37512422923").unwrap(), 'Z');
        assert!(Uvci::parse("URN:UVCI:01:NL:187/37512422923#Z").is_ok());
    }

    #[test]
    fn generated_uvci_round_trips() {
        let u = Uvci::new("VN", "01J8ZK3M4N5P6Q7R8S9T").unwrap();
        assert_eq!(u.country(), "VN");
        assert_eq!(u.opaque(), "01J8ZK3M4N5P6Q7R8S9T");
        assert_eq!(Uvci::parse(u.as_str()).unwrap(), u);
    }

    #[test]
    fn rejects_every_single_character_substitution() {
        let u = Uvci::new("VN", "ABC123").unwrap();
        let text = u.as_str();
        let body_len = text.rfind('#').unwrap();
        for i in PREFIX.len() + 3..body_len {
            for &c in CHARSET.iter() {
                let mut bytes = text.as_bytes().to_vec();
                if bytes[i] == c || c == b':' {
                    continue;
                }
                bytes[i] = c;
                let changed = String::from_utf8(bytes).unwrap();
                assert_eq!(
                    Uvci::parse(&changed),
                    Err(UvciError::CheckMismatch),
                    "{changed}"
                );
            }
        }
    }

    #[test]
    fn rejects_adjacent_transposition() {
        let u = Uvci::new("VN", "AB12").unwrap();
        let swapped = u.as_str().replace("AB12", "BA12");
        assert_eq!(Uvci::parse(&swapped), Err(UvciError::CheckMismatch));
    }

    #[test]
    fn accepts_lowercase_input_tolerantly() {
        let u = Uvci::new("VN", "ABC123").unwrap();
        assert_eq!(Uvci::parse(&u.as_str().to_lowercase()).unwrap(), u);
    }

    #[test]
    fn rejects_malformed_uvcis() {
        assert_eq!(Uvci::parse("URN:UVCI:02:VN:ABC#A"), Err(UvciError::Prefix));
        assert_eq!(
            Uvci::parse("URN:UVCI:01:VN:ABC"),
            Err(UvciError::CheckMissing)
        );
        assert_eq!(Uvci::parse("URN:UVCI:01:VN:#A"), Err(UvciError::Charset));
        assert_eq!(Uvci::parse("URN:UVCI:01:VN:A B#A"), Err(UvciError::Charset));
        assert_eq!(
            Uvci::parse("URN:UVCI:01:VN:ABC#AB"),
            Err(UvciError::CheckMissing)
        );
        assert_eq!(Uvci::parse(&"X".repeat(81)), Err(UvciError::TooLong));
        assert_eq!(Uvci::parse("URN:UVCI:01:V"), Err(UvciError::Prefix));
        assert_eq!(Uvci::parse("URN:UVCI:01:VNé"), Err(UvciError::Prefix));
        assert_eq!(Uvci::new("vn", "A"), Err(UvciError::Prefix));
        assert_eq!(Uvci::new("VN", "A:B"), Err(UvciError::Charset));
        assert_eq!(Uvci::new("VN", &"A".repeat(70)), Err(UvciError::TooLong));
    }
}
