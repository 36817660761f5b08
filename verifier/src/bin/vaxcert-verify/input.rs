//! What an INPUT argument is (spec/verifier.md §CLI): an existing file (an image, else text
//! lines), `-` (text lines from stdin, batch mode), or the pass text itself. Plus a bounded line
//! reader so a hostile stream cannot make us buffer without limit.

use std::io::{self, BufRead};
use std::path::Path;

/// One INPUT argument, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InputSource<'a> {
    /// `-`: text lines from standard input.
    Stdin,
    /// A path naming an existing file.
    File(&'a Path),
    /// The pass text itself.
    Text(&'a str),
}

impl<'a> InputSource<'a> {
    /// `-` is stdin; a path that names an existing file is that file; anything else is text
    /// (so `HC2:...` or a mistyped path gives `PREFIX_INVALID`, not "file not found").
    pub(crate) fn classify(arg: &'a str) -> InputSource<'a> {
        if arg == "-" {
            return InputSource::Stdin;
        }
        let path = Path::new(arg);
        // A pass text is never a path to a file, and `is_file` does not fail on odd text.
        if !arg.starts_with("HC1:") && path.is_file() {
            InputSource::File(path)
        } else {
            InputSource::Text(arg)
        }
    }
}

/// Whether bytes start like a PNG or JPEG file.
pub(crate) fn looks_like_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// One line read by [`read_bounded_line`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line {
    /// A line (without its line ending).
    Text(String),
    /// A line longer than the bound; its bytes were skipped, not stored.
    TooLong(usize),
}

/// Read one line of at most `max` bytes (not UTF-8 → replacement characters), without storing more than `max` bytes of an overlong
/// line. `Ok(None)` at end of input. Trailing `\r` is dropped.
pub(crate) fn read_bounded_line<R: BufRead>(
    reader: &mut R,
    max: usize,
) -> io::Result<Option<Line>> {
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0usize;
    let mut saw_any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        saw_any = true;
        let (part, found_newline) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (chunk.get(..i).unwrap_or_default(), true),
            None => (chunk, false),
        };
        let used = part.len() + usize::from(found_newline);
        total += part.len();
        if total <= max {
            buf.extend_from_slice(part);
        } else {
            buf = Vec::new();
        }
        reader.consume(used);
        if found_newline {
            break;
        }
    }
    if !saw_any {
        return Ok(None);
    }
    if total > max {
        return Ok(Some(Line::TooLong(total)));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    // Bytes that are not UTF-8 become U+FFFD, which no decoder step accepts.
    Ok(Some(Line::Text(String::from_utf8_lossy(&buf).into_owned())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_bounds_overlong_ones() {
        let data = b"short\r\nthis line is far too long\nlast";
        let mut r = io::BufReader::with_capacity(4, &data[..]);
        assert_eq!(
            read_bounded_line(&mut r, 10).unwrap(),
            Some(Line::Text("short".into()))
        );
        assert_eq!(
            read_bounded_line(&mut r, 10).unwrap(),
            Some(Line::TooLong(25))
        );
        assert_eq!(
            read_bounded_line(&mut r, 10).unwrap(),
            Some(Line::Text("last".into()))
        );
        assert_eq!(read_bounded_line(&mut r, 10).unwrap(), None);
    }

    #[test]
    fn classifies_dash_text_and_files() {
        assert_eq!(InputSource::classify("-"), InputSource::Stdin);
        assert_eq!(
            InputSource::classify("HC2:ABC"),
            InputSource::Text("HC2:ABC")
        );
        let file = std::env::current_exe().unwrap();
        let s = file.to_str().unwrap();
        assert_eq!(InputSource::classify(s), InputSource::File(&file));
    }
}
