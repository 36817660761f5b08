//! Text from a pass or a file, made safe to show to a person (spec/verifier.md §Output): every
//! control, bidirectional-formatting, zero-width, line-separator and tag character becomes a
//! visible `\u{…}` escape, so a name like `"\r\x1b[2KBLUE VALID"` cannot rewrite the verdict
//! line of a terminal or a gate display. The character set is
//! [`wallet_format::text::is_unsafe_char`], the same the issuer refuses in names.
//!
//! Use it on every field of human output; machine output (JSON) keeps the data exact, since
//! its encoder already escapes control characters and a JSON reader renders nothing.
//!
//! ```
//! use verifier::display::safe_text;
//! assert_eq!(safe_text("\r\x1b[2KBLUE VALID"), r"\u{d}\u{1b}[2KBLUE VALID");
//! assert_eq!(safe_text("A\u{202e}B"), r"A\u{202e}B");
//! assert_eq!(safe_text("Nguyễn Thị Ánh"), "Nguyễn Thị Ánh");
//! ```

use std::borrow::Cow;

pub use wallet_format::text::is_unsafe_char;

/// `text` with every [`is_unsafe_char`] written as `\u{…}`; borrowed when nothing changes.
pub fn safe_text(text: &str) -> Cow<'_, str> {
    wallet_format::text::escape_unsafe(text)
}

/// [`safe_text`] applied to each line of `text`, keeping its `\n` line breaks: for a
/// multi-line report that this program formatted itself (fields inside it must already have
/// been escaped when a field could hold a newline).
pub fn safe_lines(text: &str) -> String {
    text.split('\n')
        .map(safe_text)
        .collect::<Vec<_>>()
        .join("\n")
}
