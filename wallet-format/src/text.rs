//! Characters that make a terminal, a log line or a rendered page show something other than
//! the data (spec/threat-model.md §Hostile text): the one definition the issuer refuses in
//! names and every human output of the verifier escapes.
//!
//! ```
//! use wallet_format::text::{escape_unsafe, is_unsafe_char};
//! assert!(is_unsafe_char('\u{1b}') && is_unsafe_char('\u{202e}'));
//! assert!(!is_unsafe_char('ễ'));
//! assert_eq!(escape_unsafe("\r\u{1b}[2KVALID"), "\\u{d}\\u{1b}[2KVALID");
//! assert_eq!(escape_unsafe("Nguyễn Thị Ánh"), "Nguyễn Thị Ánh");
//! ```

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` is one of:
/// - a control character: C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F) — carriage
///   return, escape sequences, CSI (U+009B), newline;
/// - a bidirectional formatting character: embeddings and overrides (U+202A–U+202E), isolates
///   (U+2066–U+2069), the marks LRM/RLM (U+200E, U+200F) and ALM (U+061C);
/// - a zero-width or invisible character: U+200B–U+200D, word joiner and invisible operators
///   (U+2060–U+2064), the byte-order mark / ZWNBSP (U+FEFF);
/// - a line or paragraph separator (U+2028, U+2029);
/// - a tag character (U+E0000–U+E007F).
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}'
        | '\u{e0000}'..='\u{e007f}')
}

/// `text` with every [`is_unsafe_char`] written as a Rust-style escape `\u{…}` (lowercase hex),
/// everything else unchanged; borrowed when nothing needs escaping. A backslash is left as it
/// is: the escape only has to keep the terminal showing the data, not be reversible.
pub fn escape_unsafe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_char(c) {
            // Writing into a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_listed_class_and_keeps_letters_with_diacritics() {
        for c in [
            '\0',
            '\n',
            '\r',
            '\t',
            '\x1b',
            '\x7f',
            '\u{80}',
            '\u{9b}',
            '\u{9f}',
            '\u{61c}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{2028}',
            '\u{2029}',
            '\u{202a}',
            '\u{202e}',
            '\u{2060}',
            '\u{2066}',
            '\u{2069}',
            '\u{feff}',
            '\u{e0000}',
            '\u{e0041}',
            '\u{e007f}',
        ] {
            assert!(is_unsafe_char(c), "{c:?}");
            assert_eq!(
                escape_unsafe(&c.to_string()),
                format!("\\u{{{:x}}}", c as u32)
            );
        }
        for ok in [
            "Nguyễn Thị Ánh",
            "Đặng Văn Ơn",
            "Müller-Lüdenscheidt",
            "O'Brien",
            "محمد",
            "李",
        ] {
            assert!(matches!(escape_unsafe(ok), Cow::Borrowed(_)), "{ok}");
        }
        assert!(!is_unsafe_char(' ') && !is_unsafe_char('\u{a0}') && !is_unsafe_char('\u{202f}'));
    }
}
