//! The DCC payload (schema 1.3.x) as typed data (spec/format.md §Payload).
//!
//! Reading is lenient (older 1.0.x–1.2.x payloads: date-times in date fields, `dr`, nulls
//! for absent groups); what we emit follows 1.3.x exactly.

use serde::{Deserialize, Serialize};

/// The schema version we emit.
pub const EMITTED_SCHEMA_VERSION: &str = "1.3.0";

/// One EU Digital COVID Certificate payload (claim -260 / 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Dcc {
    /// Schema version, e.g. `1.3.0`.
    pub ver: String,
    /// Holder name.
    pub nam: Name,
    /// Date of birth: `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or empty (older payloads: a date-time).
    pub dob: String,
    /// Vaccination group (exactly one entry when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<Vec<Vaccination>>,
    /// Test group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<Vec<Test>>,
    /// Recovery group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<Vec<Recovery>>,
}

/// Holder name and its ICAO 9303 transliteration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Name {
    /// Family name(s).
    #[serde(rename = "fn", default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given name(s).
    #[serde(rename = "gn", default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// Family name, ICAO 9303 transliterated (`^[A-Z<]*$`).
    #[serde(rename = "fnt", default, skip_serializing_if = "Option::is_none")]
    pub family_t: Option<String>,
    /// Given name, ICAO 9303 transliterated.
    #[serde(rename = "gnt", default, skip_serializing_if = "Option::is_none")]
    pub given_t: Option<String>,
}

/// A vaccination entry (`v[0]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Vaccination {
    /// Disease targeted (`840539006` = COVID-19).
    pub tg: String,
    /// Vaccine or prophylaxis type.
    pub vp: String,
    /// Medicinal product.
    pub mp: String,
    /// Marketing authorisation holder or manufacturer.
    pub ma: String,
    /// Dose number.
    pub dn: u32,
    /// Total doses in the series.
    pub sd: u32,
    /// Date of vaccination (`YYYY-MM-DD`; older payloads: a date-time).
    pub dt: String,
    /// Country of vaccination.
    pub co: String,
    /// Certificate issuer.
    #[serde(rename = "is")]
    pub issuer: String,
    /// Unique certificate identifier (UVCI).
    pub ci: String,
}

/// A test entry (`t[0]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Test {
    /// Disease targeted.
    pub tg: String,
    /// Test type (`LP6464-4` NAAT, `LP217198-3` RAT).
    pub tt: String,
    /// NAA test name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nm: Option<String>,
    /// RAT device identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ma: Option<String>,
    /// Sample collection date-time.
    pub sc: String,
    /// Result date-time (schema < 1.3.0 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dr: Option<String>,
    /// Test result (`260415000` not detected, `260373001` detected).
    pub tr: String,
    /// Testing centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tc: Option<String>,
    /// Country of test.
    pub co: String,
    /// Certificate issuer.
    #[serde(rename = "is")]
    pub issuer: String,
    /// UVCI.
    pub ci: String,
}

/// A recovery entry (`r[0]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Recovery {
    /// Disease targeted.
    pub tg: String,
    /// Date of the first positive NAA test.
    pub fr: String,
    /// Country of test.
    pub co: String,
    /// Certificate issuer.
    #[serde(rename = "is")]
    pub issuer: String,
    /// Valid from.
    pub df: String,
    /// Valid until.
    pub du: String,
    /// UVCI.
    pub ci: String,
}

/// The kind of certificate: which one of `v`, `t`, `r` it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateType {
    /// A vaccination certificate (`v`).
    Vaccination,
    /// A test certificate (`t`).
    Test,
    /// A recovery certificate (`r`).
    Recovery,
}

impl CertificateType {
    /// `vaccination`, `test` or `recovery`.
    pub fn name(self) -> &'static str {
        match self {
            CertificateType::Vaccination => "vaccination",
            CertificateType::Test => "test",
            CertificateType::Recovery => "recovery",
        }
    }
}

impl Dcc {
    /// The certificate type, if exactly one non-empty group is present.
    pub fn certificate_type(&self) -> Option<CertificateType> {
        let v = self.v.as_ref().is_some_and(|g| !g.is_empty());
        let t = self.t.as_ref().is_some_and(|g| !g.is_empty());
        let r = self.r.as_ref().is_some_and(|g| !g.is_empty());
        match (v, t, r) {
            (true, false, false) => Some(CertificateType::Vaccination),
            (false, true, false) => Some(CertificateType::Test),
            (false, false, true) => Some(CertificateType::Recovery),
            _ => None,
        }
    }

    /// The first vaccination entry, if any.
    pub fn vaccination(&self) -> Option<&Vaccination> {
        self.v.as_ref().and_then(|g| g.first())
    }
    /// The first test entry, if any.
    pub fn test(&self) -> Option<&Test> {
        self.t.as_ref().and_then(|g| g.first())
    }
    /// The first recovery entry, if any.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.r.as_ref().and_then(|g| g.first())
    }

    /// The UVCI of the (first) entry.
    pub fn uvci(&self) -> Option<&str> {
        self.vaccination()
            .map(|v| v.ci.as_str())
            .or_else(|| self.test().map(|t| t.ci.as_str()))
            .or_else(|| self.recovery().map(|r| r.ci.as_str()))
    }
}

/// The date part (`YYYY-MM-DD`) of a date or date-time field, as read from older payloads
/// that put a date-time where 1.3.x has a date. `None` if it is neither.
pub fn date_part(value: &str) -> Option<time::Date> {
    let value = value.trim();
    let head = value.get(..10)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(head, &format).ok()
}

/// Parse a date-time field: RFC 3339, `+hh`, `+hhmm` offsets, fractional seconds, or no zone
/// (taken as UTC); a bare date is taken as midnight UTC.
pub fn parse_date_time(value: &str) -> Option<time::OffsetDateTime> {
    crate::time_parse::parse_lenient(value)
}
