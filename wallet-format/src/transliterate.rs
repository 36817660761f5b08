//! ICAO 9303 transliteration of names for `fnt`/`gnt` (spec/format.md §Names).
//! Owned by the issuer engineer; implemented in a later commit.
