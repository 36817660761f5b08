//! Parsing and validating a submitted dose (spec/issuer.md §POST /v1/vaccinations).
//! Field-level reasons are collected so a `422` lists every problem at once.

use crate::domain::DocumentKind;
use crate::error::{Error, FieldError, Result};
use crate::ident::normalize_national_id;
use crate::identity::document::{self, Document};
use crate::valuesets::{self, COVID19};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use wallet_format::text::is_unsafe_char;
use wallet_format::transliterate;

/// Limits on submitted fields.
pub const MAX_RECORD_ID: usize = 128;
/// Longest name (the DCC schema's maxLength for `fn`/`gn`).
pub const MAX_NAME: usize = 80;
/// Longest national id.
pub const MAX_NATIONAL_ID: usize = 32;
/// Longest lot number.
pub const MAX_LOT: usize = 64;

/// The person part of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonInput {
    /// The identity document, number normalised (never logged, never stored in clear).
    #[serde(flatten)]
    pub document: Document,
    /// Family name(s) as written.
    pub family_name: String,
    /// Given name(s) as written (may be absent).
    pub given_name: Option<String>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub date_of_birth: String,
}

/// The dose part of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DoseFields {
    /// Disease targeted (`tg`).
    pub target: String,
    /// Vaccine type (`vp`).
    pub vaccine_type: String,
    /// Product (`mp`).
    pub product: String,
    /// Manufacturer (`ma`).
    pub manufacturer: String,
    /// Dose number (`dn`).
    pub dose_number: i64,
    /// Doses in the series (`sd`).
    pub series_total: i64,
    /// Date of vaccination (`dt`).
    pub date: String,
    /// Country of vaccination (`co`).
    pub country: String,
    /// Lot number (kept, not in the certificate).
    pub lot: Option<String>,
}

/// One validated submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoseInput {
    /// The submitting facility.
    pub facility_id: String,
    /// The facility's own record id (idempotency key).
    pub facility_record_id: String,
    /// The person.
    pub person: PersonInput,
    /// The dose.
    pub dose: DoseFields,
}

impl DoseInput {
    /// SHA-256 of the canonical JSON of the normalised submission (idempotency check).
    pub fn content_hash(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&json).to_vec()
    }
}

struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: &'static str,
    errors: &'a mut Vec<FieldError>,
}

impl Fields<'_> {
    fn path(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    fn opt_str(&mut self, name: &str, max: usize) -> Option<String> {
        match self.obj.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let t = s.trim();
                if t.is_empty() {
                    None
                } else if t.chars().count() > max {
                    let p = self.path(name);
                    self.errors
                        .push(FieldError::new(p, format!("longer than {max} characters")));
                    None
                } else if t.chars().any(char::is_control) {
                    let p = self.path(name);
                    self.errors
                        .push(FieldError::new(p, "contains control characters"));
                    None
                } else {
                    Some(t.to_string())
                }
            }
            Some(_) => {
                let p = self.path(name);
                self.errors.push(FieldError::new(p, "must be a string"));
                None
            }
        }
    }

    fn req_str(&mut self, name: &str, max: usize) -> String {
        let present = matches!(self.obj.get(name), Some(Value::String(_)));
        let v = self.opt_str(name, max);
        if v.is_none()
            && (!present
                || self
                    .obj
                    .get(name)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.trim().is_empty()))
        {
            let p = self.path(name);
            if !self.errors.iter().any(|e| e.field == p) {
                self.errors.push(FieldError::new(p, "is required"));
            }
        }
        v.unwrap_or_default()
    }

    fn req_int(&mut self, name: &str, min: i64, max: i64) -> i64 {
        match self.obj.get(name) {
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => i,
                _ => {
                    let p = self.path(name);
                    self.errors.push(FieldError::new(
                        p,
                        format!("must be an integer from {min} to {max}"),
                    ));
                    0
                }
            },
            None | Some(Value::Null) => {
                let p = self.path(name);
                self.errors.push(FieldError::new(p, "is required"));
                0
            }
            Some(_) => {
                let p = self.path(name);
                self.errors.push(FieldError::new(p, "must be an integer"));
                0
            }
        }
    }

    /// Whether the field, as submitted (before trimming), holds a character that would change
    /// how a screen shows the text — control, bidi override or isolate, zero-width, BOM, line or
    /// paragraph separator, tag (`wallet_format::text::is_unsafe_char`, the set every verifier
    /// escapes; spec/threat-model.md §Hostile text). Pushes the field error when it does.
    fn refuse_hidden_chars(&mut self, name: &str) -> bool {
        let hidden = self
            .obj
            .get(name)
            .and_then(Value::as_str)
            .is_some_and(|s| s.chars().any(is_unsafe_char));
        if hidden {
            self.push(
                name,
                "contains control, direction-changing, zero-width or tag characters",
            );
        }
        hidden
    }

    fn push(&mut self, name: &str, reason: &str) {
        let p = self.path(name);
        self.errors.push(FieldError::new(p, reason));
    }
}

fn parse_ymd(s: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() != 10 {
        return None;
    }
    time::Date::parse(s, &fmt).ok()
}

/// Whether `s` is a birth date we accept: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, from 1900, not
/// after `today`.
pub fn valid_dob(s: &str, today: time::Date) -> bool {
    let (y, rest) = match s.get(..4).map(|y| (y, s.get(4..).unwrap_or(""))) {
        Some(x) => x,
        None => return false,
    };
    let Ok(year) = y.parse::<i32>() else {
        return false;
    };
    if !(1900..=today.year()).contains(&year) || !y.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match rest.len() {
        0 => true,
        3 => {
            rest.starts_with('-')
                && rest
                    .get(1..)
                    .and_then(|m| m.parse::<u8>().ok())
                    .is_some_and(|m| (1..=12).contains(&m))
        }
        6 => parse_ymd(s).is_some_and(|d| d <= today),
        _ => false,
    }
}

/// The earliest vaccination date we accept (first COVID-19 authorisations).
pub const EARLIEST_DOSE: &str = "2020-12-01";

/// The identity document: `national_id` (a string) or `document` (`{"type", "number",
/// "country"}`, country required for a passport), not both.
fn document_from(f: &mut Fields<'_>) -> Document {
    let doc = match (f.obj.get("national_id"), f.obj.get("document")) {
        (Some(_), Some(_)) => {
            f.push("document", "give national_id or document, not both");
            return Document::national_id("");
        }
        (_, Some(Value::Object(d))) => {
            let mut g = Fields {
                obj: d,
                prefix: "person.document.",
                errors: &mut *f.errors,
            };
            let kind = match g.req_str("type", 16).parse::<DocumentKind>() {
                Ok(k) => k,
                Err(_) => {
                    g.push("type", "must be national_id, passport or temporary");
                    DocumentKind::NationalId
                }
            };
            let number = normalize_national_id(&g.req_str("number", MAX_NATIONAL_ID));
            let country = g.opt_str("country", document::MAX_COUNTRY);
            match (kind, &country) {
                (DocumentKind::Passport, None) => g.push("country", "is required for a passport"),
                (DocumentKind::Passport, Some(c)) if !c.bytes().all(|b| b.is_ascii_uppercase()) => {
                    g.push("country", "must be an upper-case ISO 3166-1 code")
                }
                (DocumentKind::NationalId | DocumentKind::Temporary, Some(_)) => {
                    g.push("country", "is only for a passport")
                }
                _ => {}
            }
            Document {
                kind,
                number,
                country: country.filter(|_| kind == DocumentKind::Passport),
            }
        }
        (_, Some(_)) => {
            f.push("document", "must be an object");
            return Document::national_id("");
        }
        (_, None) => Document::national_id(&f.req_str("national_id", MAX_NATIONAL_ID)),
    };
    if !doc.number.is_empty() && !doc.number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        let field = if doc.kind == DocumentKind::NationalId && f.obj.contains_key("national_id") {
            "national_id"
        } else {
            "document.number"
        };
        f.push(field, "must be letters and digits");
    }
    doc
}

fn person_from(
    obj: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
    today: time::Date,
) -> PersonInput {
    let mut f = Fields {
        obj,
        prefix: "person.",
        errors,
    };
    let document = document_from(&mut f);
    let family_name = if f.refuse_hidden_chars("family_name") {
        String::new()
    } else {
        f.req_str("family_name", MAX_NAME)
    };
    if !family_name.is_empty() && transliterate::icao(&family_name).is_empty() {
        f.push("family_name", "has no letters that transliterate to a-z");
    }
    let given_name = if f.refuse_hidden_chars("given_name") {
        None
    } else {
        f.opt_str("given_name", MAX_NAME)
    };
    let date_of_birth = f.req_str("date_of_birth", 10);
    if !date_of_birth.is_empty() && !valid_dob(&date_of_birth, today) {
        f.push(
            "date_of_birth",
            "must be yyyy-mm-dd, yyyy-mm or yyyy, not in the future",
        );
    }
    PersonInput {
        document,
        family_name,
        given_name,
        date_of_birth,
    }
}

fn dose_from(
    obj: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
    today: time::Date,
) -> DoseFields {
    let vs = valuesets::get();
    let mut f = Fields {
        obj,
        prefix: "",
        errors,
    };
    let target = f
        .opt_str("target", 32)
        .unwrap_or_else(|| COVID19.to_string());
    if !vs.diseases.contains(&target) {
        f.push("target", "not in the disease-agent-targeted value set");
    }
    let vaccine_type = f.req_str("vaccine_type", 32);
    if !vaccine_type.is_empty() && !vs.prophylaxis.contains(&vaccine_type) {
        f.push("vaccine_type", "not in the vaccine-prophylaxis value set");
    }
    let product = f.req_str("product", 64);
    if !product.is_empty() && !vs.products.contains(&product) {
        f.push("product", "not in the vaccine-medicinal-product value set");
    }
    let manufacturer = f.req_str("manufacturer", 64);
    if !manufacturer.is_empty() && !vs.manufacturers.contains(&manufacturer) {
        f.push("manufacturer", "not in the vaccine-mah-manf value set");
    }
    let dose_number = f.req_int("dose_number", 1, 9);
    let series_total = f.req_int("series_total", 1, 9);
    if dose_number > 0 && series_total > 0 {
        // The product's schedule (wallet_format::status, spec/format.md §Vaccination status).
        // One dose recorded 1/1 completes any series: the single dose after recovery that EU
        // rules allow.
        let after_recovery = dose_number == 1 && series_total == 1;
        match wallet_format::status::primary_series(&product).map(i64::from) {
            Some(n) if dose_number <= n && series_total != n && !after_recovery => f.push(
                "series_total",
                "does not match the product's primary series",
            ),
            Some(n) if dose_number > n && series_total != dose_number => f.push(
                "series_total",
                "a booster is recorded as n/n (series_total = dose_number)",
            ),
            None if dose_number < series_total && series_total > 9 => {
                f.push("series_total", "out of range")
            }
            _ => {}
        }
    }
    let date = f.req_str("date", 10);
    if !date.is_empty() {
        match parse_ymd(&date) {
            Some(d) if d > today => f.push("date", "is in the future"),
            Some(d) if parse_ymd(EARLIEST_DOSE).is_some_and(|e| d < e) => {
                f.push("date", "is before 2020-12-01")
            }
            Some(_) => {}
            None => f.push("date", "must be yyyy-mm-dd"),
        }
    }
    let country = f.opt_str("country", 2).unwrap_or_else(|| "VN".to_string());
    if !vs.countries.contains(&country) {
        f.push("country", "not in the country-2-codes value set");
    }
    let lot = f.opt_str("lot", MAX_LOT);
    DoseFields {
        target,
        vaccine_type,
        product,
        manufacturer,
        dose_number,
        series_total,
        date,
        country,
        lot,
    }
}

/// The UTC date of unix time `now`.
pub fn today(now: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(now)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

/// Parse a full submission (`POST /v1/vaccinations`, one import row).
pub fn parse_submission(v: &Value, now: i64) -> Result<DoseInput> {
    let obj = v.as_object().ok_or(Error::MalformedJson)?;
    let today = today(now);
    let mut errors = Vec::new();
    let mut f = Fields {
        obj,
        prefix: "",
        errors: &mut errors,
    };
    let facility_id = f.req_str("facility_id", 64);
    let facility_record_id = f.req_str("facility_record_id", MAX_RECORD_ID);
    let person = match obj.get("person") {
        Some(Value::Object(p)) => person_from(p, &mut errors, today),
        _ => {
            errors.push(FieldError::new("person", "is required (an object)"));
            PersonInput {
                document: Document::national_id(""),
                family_name: String::new(),
                given_name: None,
                date_of_birth: String::new(),
            }
        }
    };
    let dose = dose_from(obj, &mut errors, today);
    if errors.is_empty() {
        Ok(DoseInput {
            facility_id,
            facility_record_id,
            person,
            dose,
        })
    } else {
        Err(Error::Validation(errors))
    }
}

/// Parse a dose correction (`PUT /v1/vaccinations/{record_id}`): dose fields only.
pub fn parse_dose_correction(v: &Value, now: i64) -> Result<DoseFields> {
    let obj = v.as_object().ok_or(Error::MalformedJson)?;
    let mut errors = Vec::new();
    let d = dose_from(obj, &mut errors, today(now));
    if errors.is_empty() {
        Ok(d)
    } else {
        Err(Error::Validation(errors))
    }
}

/// Parse a person correction (`PUT /v1/vaccinations/{record_id}/person`).
pub fn parse_person_correction(v: &Value, now: i64) -> Result<PersonInput> {
    let obj = v.as_object().ok_or(Error::MalformedJson)?;
    let mut errors = Vec::new();
    let p = person_from(obj, &mut errors, today(now));
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(Error::Validation(errors))
    }
}

/// Parse an identity document alone (`{"national_id": …}` or `{"document": {…}}`, as in a
/// submission's `person`): the ministry's person search.
pub fn parse_document(v: &Value) -> Result<Document> {
    let obj = v.as_object().ok_or(Error::MalformedJson)?;
    let mut errors = Vec::new();
    let mut f = Fields {
        obj,
        prefix: "",
        errors: &mut errors,
    };
    let d = document_from(&mut f);
    if errors.is_empty() {
        Ok(d)
    } else {
        Err(Error::Validation(errors))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_750_000_000;

    fn good() -> Value {
        json!({
            "facility_id": "HN-001", "facility_record_id": "r1",
            "person": {"national_id": "001099001234", "family_name": "Nguyễn",
                       "given_name": "Văn An", "date_of_birth": "1990-01-02"},
            "vaccine_type": "J07BX03", "product": "EU/1/20/1528", "manufacturer": "ORG-100030215",
            "dose_number": 1, "series_total": 2, "date": "2021-06-01", "country": "VN", "lot": "A1"
        })
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Validation(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn accepts_a_complete_submission() {
        let d = parse_submission(&good(), NOW).unwrap();
        assert_eq!(d.dose.target, COVID19);
        assert_eq!(d.person.family_name, "Nguyễn");
    }

    #[test]
    fn rejects_with_every_field_named() {
        let mut v = good();
        v["person"]["date_of_birth"] = json!("1990-13-01");
        v["product"] = json!("NOPE");
        v["dose_number"] = json!("one");
        v["date"] = json!("2099-01-01");
        let f = fields(parse_submission(&v, NOW).unwrap_err());
        for want in ["person.date_of_birth", "product", "dose_number", "date"] {
            assert!(f.contains(&want.to_string()), "{want} missing in {f:?}");
        }
    }

    #[test]
    fn rejects_series_total_that_contradicts_the_product() {
        let mut v = good();
        v["series_total"] = json!(3);
        assert_eq!(
            fields(parse_submission(&v, NOW).unwrap_err()),
            vec!["series_total"]
        );
        v["dose_number"] = json!(3);
        assert!(parse_submission(&v, NOW).is_ok(), "3/3 booster");
        v["dose_number"] = json!(2);
        v["series_total"] = json!(1);
        assert_eq!(
            fields(parse_submission(&v, NOW).unwrap_err()),
            vec!["series_total"],
            "2/1 of a two-dose product"
        );
    }

    #[test]
    fn accepts_one_dose_after_recovery_of_a_two_dose_product() {
        let mut v = good();
        v["series_total"] = json!(1);
        assert!(parse_submission(&v, NOW).is_ok(), "1/1 Comirnaty");
    }

    #[test]
    fn accepts_the_three_dose_primary_series_of_abdala() {
        let mut v = good();
        v["product"] = json!("Abdala");
        v["manufacturer"] = json!("CIGB");
        for (dn, sd, ok) in [(2, 3, true), (3, 3, true), (4, 4, true), (2, 2, false)] {
            v["dose_number"] = json!(dn);
            v["series_total"] = json!(sd);
            assert_eq!(parse_submission(&v, NOW).is_ok(), ok, "Abdala {dn}/{sd}");
        }
    }

    #[test]
    fn content_hash_ignores_national_id_formatting() {
        let a = parse_submission(&good(), NOW).unwrap();
        let mut v = good();
        v["person"]["national_id"] = json!("0010-9900-1234");
        let b = parse_submission(&v, NOW).unwrap();
        assert_eq!(a.content_hash(), b.content_hash());
        v["lot"] = json!("A2");
        assert_ne!(
            a.content_hash(),
            parse_submission(&v, NOW).unwrap().content_hash()
        );
    }

    #[test]
    fn rejects_non_objects_as_malformed() {
        assert!(matches!(
            parse_submission(&json!([1]), NOW),
            Err(Error::MalformedJson)
        ));
    }
}
