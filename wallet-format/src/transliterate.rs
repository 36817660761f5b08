//! ICAO 9303 (Part 3, §6 "transliteration") machine-readable names for `fnt`/`gnt`
//! (spec/format.md §Names).
//!
//! Rules: Unicode NFD decomposition with combining marks dropped (so Vietnamese tones and
//! vowel marks go: `Nguyễn` → `NGUYEN`), `Đ`/`đ` → `D`, a few ICAO multi-letter mappings
//! (`Æ`→`AE`, `Ø`/`Œ`→`OE`, `ß`→`SS`, `Þ`→`TH`, `Ł`→`L`), upper case, spaces and hyphens → `<`
//! (runs collapsed, none at either end), every other character outside `A-Z` dropped, and the
//! result cut to 80 characters (the DCC schema's `maxLength`).
//!
//! ```
//! assert_eq!(wallet_format::transliterate::icao("Nguyễn Thị Đào"), "NGUYEN<THI<DAO");
//! ```

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Maximum length of `fnt`/`gnt`.
pub const MAX_LEN: usize = 80;

/// Transliterates a name to the ICAO 9303 machine-readable form.
pub fn icao(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_separator = false;
    for c in name.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let mapped: &str = match c {
            'Đ' | 'đ' | 'Ð' | 'ð' => "D",
            'Æ' | 'æ' => "AE",
            'Ø' | 'ø' | 'Œ' | 'œ' => "OE",
            'ß' => "SS",
            'Þ' | 'þ' => "TH",
            'Ł' | 'ł' => "L",
            ' ' | '-' | '\u{a0}' | '\t' => {
                pending_separator = true;
                continue;
            }
            c if c.is_ascii_alphabetic() => {
                if pending_separator && !out.is_empty() {
                    out.push('<');
                }
                pending_separator = false;
                out.push(c.to_ascii_uppercase());
                continue;
            }
            _ => continue,
        };
        if pending_separator && !out.is_empty() {
            out.push('<');
        }
        pending_separator = false;
        out.push_str(mapped);
    }
    // Every pushed char is ASCII, so byte truncation is on a char boundary.
    out.truncate(MAX_LEN);
    while out.ends_with('<') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_vietnamese_diacritics_and_maps_d_stroke() {
        assert_eq!(icao("Nguyễn"), "NGUYEN");
        assert_eq!(icao("Trần Thị Hồng Đào"), "TRAN<THI<HONG<DAO");
        assert_eq!(icao("đặng"), "DANG");
        assert_eq!(icao("Phạm Ngọc Ánh"), "PHAM<NGOC<ANH");
        assert_eq!(icao("Lê Văn Lưu"), "LE<VAN<LUU");
    }

    #[test]
    fn maps_hyphens_and_spaces_to_filler_and_collapses_runs() {
        assert_eq!(icao("Jean-Pierre"), "JEAN<PIERRE");
        assert_eq!(icao("  van  der - Berg "), "VAN<DER<BERG");
    }

    #[test]
    fn drops_other_characters() {
        assert_eq!(icao("O'Brien"), "OBRIEN");
        assert_eq!(icao("Smith2 (Jr.)"), "SMITH<JR");
        assert_eq!(icao("李"), "");
    }

    #[test]
    fn applies_icao_multi_letter_mappings() {
        assert_eq!(icao("Groß"), "GROSS");
        assert_eq!(icao("Ærø"), "AEROE");
        assert_eq!(icao("Müller"), "MULLER");
    }

    #[test]
    fn caps_length_at_80() {
        let long = "Nguyễn ".repeat(30);
        let t = icao(&long);
        assert!(t.len() <= MAX_LEN);
        assert!(!t.ends_with('<'));
        assert!(t.bytes().all(|b| b.is_ascii_uppercase() || b == b'<'));
    }
}
