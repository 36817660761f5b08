//! Comparing a submitted identity with a reference (the register's entry or the identity
//! stored for the document). Tolerant where real data is: family names compare without case,
//! Vietnamese diacritics or spacing (both sides through the ICAO transliteration, separators
//! dropped); a partial birth date (`YYYY`, `YYYY-MM`) agrees with a full one inside it.
//! Strict otherwise: a full birth date against a full one must be equal, and document
//! numbers are matched exactly by their hash before any comparison happens.

use serde::Serialize;
use wallet_format::transliterate;

/// The identity claims compared: family name and date of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claimed<'a> {
    /// Family name as written.
    pub family_name: &'a str,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date_of_birth: &'a str,
}

/// Why a submission was held; the reason codes of a review case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mismatch {
    /// The family name differs.
    FamilyName,
    /// The date of birth differs.
    DateOfBirth,
    /// The register covers this kind of document but does not know this one.
    NotInRegister,
    /// The person already has this dose number on this date under another record.
    SameDoseRecorded,
}

impl Mismatch {
    /// The reason code.
    pub fn as_str(self) -> &'static str {
        match self {
            Mismatch::FamilyName => "family_name",
            Mismatch::DateOfBirth => "date_of_birth",
            Mismatch::NotInRegister => "not_in_register",
            Mismatch::SameDoseRecorded => "same_dose_recorded",
        }
    }
}

/// A family name reduced to what is compared: ICAO transliteration (upper case, diacritics
/// gone, `Đ` → `D`) with the separators removed, so `Nguyễn Văn`, `NGUYEN VAN` and `nguyenvan`
/// agree.
pub fn name_key(name: &str) -> String {
    transliterate::icao(name).replace('<', "")
}

/// Whether two birth dates agree: equal when both are full dates, else the shorter is a
/// prefix of the longer at a date boundary (`1990` agrees with `1990-05-01`, `1990-05` with
/// `1990-05-01`, `1990-05` with `1990`).
pub fn dob_agrees(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() == long.len() {
        return short == long;
    }
    long.starts_with(short) && long.as_bytes().get(short.len()) == Some(&b'-')
}

/// Every way `submitted` disagrees with `reference` (empty: they agree).
pub fn compare(submitted: Claimed<'_>, reference: Claimed<'_>) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if name_key(submitted.family_name) != name_key(reference.family_name) {
        out.push(Mismatch::FamilyName);
    }
    if !dob_agrees(submitted.date_of_birth, reference.date_of_birth) {
        out.push(Mismatch::DateOfBirth);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c<'a>(f: &'a str, d: &'a str) -> Claimed<'a> {
        Claimed {
            family_name: f,
            date_of_birth: d,
        }
    }

    #[test]
    fn names_agree_without_case_diacritics_or_spacing() {
        for other in ["NGUYEN", "nguyễn", "Nguyen", " Nguyễn  ", "NGUYỄN"] {
            assert!(
                compare(c(other, "1990"), c("Nguyễn", "1990")).is_empty(),
                "{other}"
            );
        }
        assert!(compare(c("Trần Thị", "1990"), c("TRANTHI", "1990")).is_empty());
        assert!(compare(c("Đặng", "1990"), c("DANG", "1990")).is_empty());
        assert_eq!(
            compare(c("Nguyen", "1990"), c("Tran", "1990")),
            vec![Mismatch::FamilyName]
        );
    }

    #[test]
    fn partial_birth_dates_agree_with_full_ones_inside_them() {
        assert!(dob_agrees("1990", "1990-05-01"));
        assert!(dob_agrees("1990-05-01", "1990-05"));
        assert!(dob_agrees("1990-05", "1990"));
        assert!(!dob_agrees("1990-06", "1990-05-01"));
        assert!(!dob_agrees("1991", "1990-05-01"));
        assert!(!dob_agrees("199", "1990"));
    }

    #[test]
    fn full_birth_dates_are_compared_exactly() {
        assert!(dob_agrees("1990-05-01", "1990-05-01"));
        assert!(!dob_agrees("1990-05-01", "1990-05-02"));
        assert_eq!(
            compare(c("A", "1990-05-01"), c("B", "1990-05-02")),
            vec![Mismatch::FamilyName, Mismatch::DateOfBirth]
        );
    }
}
