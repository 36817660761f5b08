//! DCC 1.3.x schema validation, reported separately from decoding (spec/format.md §Schema).
//!
//! A certificate can decode and carry a good signature and still not match the schema; a verifier
//! shows that as its own finding ("payload not schema-valid"), so this module is not part of
//! [`crate::decode`].
//!
//! The schema is the EU DCC JSON schema 1.3.3 (`data/schema/`, embedded at compile time). Which
//! rules apply depends on the payload's `ver`:
//!
//! - `1.3.x`, later versions, and payloads without a usable `ver`: the 1.3.3 schema as is.
//! - `1.0.x`–`1.2.x` ([`SchemaProfile::Legacy`]): the same schema after a documented
//!   normalisation of what those versions allowed — `null` members are dropped (absent groups and
//!   optional fields were written as `null`), and date fields (`dob`, `v/dt`, `r/fr`, `r/df`,
//!   `r/du`) holding a date-time are reduced to their date part. `t/dr` (removed in 1.3.0) is
//!   allowed because the schema does not forbid additional members.
//!
//! Formats are asserted with our own checks: `date` is a calendar date `YYYY-MM-DD`; `date-time`
//! is an ISO 8601 date-time in any form the schema's test cases allow (`Z`, `±hh`, `±hhmm`,
//! `±hh:mm`, fractions) — see [`crate::time_parse`].

use crate::time_parse;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The schema version embedded in this crate.
pub const SCHEMA_VERSION: &str = "1.3.3";

/// The embedded schema text (EU DCC combined schema 1.3.3).
pub const SCHEMA_JSON: &str = include_str!("../data/schema/DCC.combined-schema.json");

/// At most this many violations are reported for one payload (the rest are counted, not listed).
pub const MAX_REPORTED_VIOLATIONS: usize = 32;

/// One schema rule a payload breaks. Messages name the rule, never the offending value
/// (payloads carry personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer to the offending member, e.g. `/v/0/dn` (empty for the root).
    pub path: String,
    /// What is wrong, lowercase, without the value.
    pub message: String,
}

/// The payload does not match the DCC schema (machine code `SCHEMA_INVALID`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payload does not match the dcc schema: {} violation(s)", .total)]
pub struct SchemaErrors {
    /// The violations found (at most [`MAX_REPORTED_VIOLATIONS`]).
    pub violations: Vec<SchemaViolation>,
    /// How many violations there were in all.
    pub total: usize,
    /// Which rule set was applied.
    pub profile: SchemaProfile,
}

impl SchemaErrors {
    /// The stable machine code.
    pub const CODE: &'static str = "SCHEMA_INVALID";

    /// The stable machine code, `SCHEMA_INVALID`.
    pub fn code(&self) -> &'static str {
        Self::CODE
    }
}

/// Which rule set a payload is validated with (chosen from its `ver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaProfile {
    /// The 1.3.3 schema as is (`ver` 1.3.x or later, or no usable `ver`).
    Current,
    /// `ver` 1.0.x–1.2.x: the 1.3.3 schema after the legacy normalisation (module docs).
    Legacy,
}

impl SchemaProfile {
    /// The profile for a payload's `ver` text.
    pub fn for_version(ver: Option<&str>) -> Self {
        let Some(ver) = ver else {
            return SchemaProfile::Current;
        };
        let mut parts = ver.trim().split('.');
        let major = parts.next().and_then(|p| p.parse::<u32>().ok());
        let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
        match (major, minor) {
            (Some(1), Some(minor)) if minor < 3 => SchemaProfile::Legacy,
            _ => SchemaProfile::Current,
        }
    }

    /// `current` or `legacy` (for reports).
    pub fn name(self) -> &'static str {
        match self {
            SchemaProfile::Current => "current",
            SchemaProfile::Legacy => "legacy",
        }
    }
}

/// A compiled DCC schema. Compiling takes about a millisecond; keep one (or use
/// [`SchemaValidator::shared`]) rather than compiling per payload.
pub struct SchemaValidator {
    inner: Result<jsonschema::Validator, String>,
}

impl std::fmt::Debug for SchemaValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaValidator")
            .field("version", &SCHEMA_VERSION)
            .field("compiled", &self.inner.is_ok())
            .finish()
    }
}

impl Default for SchemaValidator {
    fn default() -> Self {
        Self::new()
    }
}

fn is_date(s: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    s.len() == 10 && time::Date::parse(s, &format).is_ok()
}

fn is_date_time(s: &str) -> bool {
    // A time part is required: a bare date is not a date-time.
    s.len() > 10 && time_parse::parse_lenient(s).is_some()
}

impl SchemaValidator {
    /// Compile the embedded schema.
    pub fn new() -> Self {
        let inner = serde_json::from_str::<Value>(SCHEMA_JSON)
            .map_err(|e| e.to_string())
            .and_then(|schema| {
                jsonschema::options()
                    .should_validate_formats(true)
                    .with_format("date", is_date)
                    .with_format("date-time", is_date_time)
                    .build(&schema)
                    .map_err(|e| e.masked().to_string())
            });
        SchemaValidator { inner }
    }

    /// A process-wide validator, compiled on first use.
    pub fn shared() -> &'static SchemaValidator {
        static SHARED: OnceLock<SchemaValidator> = OnceLock::new();
        SHARED.get_or_init(SchemaValidator::new)
    }

    /// Whether the embedded schema compiled (it always does; a unit test proves it).
    pub fn is_ready(&self) -> bool {
        self.inner.is_ok()
    }

    /// Validate a DCC payload (as in [`crate::Decoded::dcc_json`]).
    pub fn validate(&self, dcc_json: &Value) -> Result<(), SchemaErrors> {
        let ver = dcc_json.get("ver").and_then(Value::as_str);
        let profile = SchemaProfile::for_version(ver);
        let validator = match &self.inner {
            Ok(v) => v,
            Err(message) => {
                return Err(SchemaErrors {
                    violations: vec![SchemaViolation {
                        path: String::new(),
                        message: format!("the embedded schema does not compile: {message}"),
                    }],
                    total: 1,
                    profile,
                })
            }
        };
        let normalised;
        let instance = match profile {
            SchemaProfile::Current => dcc_json,
            SchemaProfile::Legacy => {
                normalised = normalise_legacy(dcc_json);
                &normalised
            }
        };
        let mut violations = Vec::new();
        let mut total = 0usize;
        for error in validator.iter_errors(instance) {
            total += 1;
            if violations.len() < MAX_REPORTED_VIOLATIONS {
                violations.push(SchemaViolation {
                    path: error.instance_path().to_string(),
                    message: error.masked().to_string(),
                });
            }
        }
        if total == 0 {
            Ok(())
        } else {
            Err(SchemaErrors {
                violations,
                total,
                profile,
            })
        }
    }
}

/// Validate a DCC payload with the shared validator (see [`SchemaValidator::validate`]).
pub fn validate(dcc_json: &Value) -> Result<(), SchemaErrors> {
    SchemaValidator::shared().validate(dcc_json)
}

/// The legacy normalisation (1.0.x–1.2.x): drop `null` members at the payload, `nam` and entry
/// level, and reduce date-times in date fields to their date part.
pub fn normalise_legacy(dcc_json: &Value) -> Value {
    let Some(root) = dcc_json.as_object() else {
        return dcc_json.clone();
    };
    let mut out = Map::with_capacity(root.len());
    for (key, value) in root {
        if value.is_null() {
            continue;
        }
        let value = match (key.as_str(), value) {
            ("dob", Value::String(s)) => Value::String(date_of(s)),
            ("nam", Value::Object(m)) => Value::Object(drop_nulls(m, &[])),
            ("v", Value::Array(entries)) => entries_normalised(entries, &["dt"]),
            ("t", Value::Array(entries)) => entries_normalised(entries, &[]),
            ("r", Value::Array(entries)) => entries_normalised(entries, &["fr", "df", "du"]),
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

fn entries_normalised(entries: &[Value], date_fields: &[&str]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|e| match e {
                Value::Object(m) => Value::Object(drop_nulls(m, date_fields)),
                other => other.clone(),
            })
            .collect(),
    )
}

fn drop_nulls(map: &Map<String, Value>, date_fields: &[&str]) -> Map<String, Value> {
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) if date_fields.contains(&k.as_str()) => {
                (k.clone(), Value::String(date_of(s)))
            }
            _ => (k.clone(), v.clone()),
        })
        .collect()
}

/// The date part of a date-time (`1964-08-12T00:00:00` → `1964-08-12`); other text unchanged.
fn date_of(s: &str) -> String {
    match s.get(..10) {
        Some(head) if s.len() > 10 && is_date(head) && time_parse::parse_lenient(s).is_some() => {
            head.to_string()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid_vaccination() -> Value {
        json!({
            "ver": "1.3.0",
            "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"},
            "dob": "1990-01-31",
            "v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528",
                   "ma": "ORG-100030215", "dn": 2, "sd": 2, "dt": "2021-09-01", "co": "VN",
                   "is": "Ministry of Health Viet Nam", "ci": "URN:UVCI:01:VN:ABC123#K"}]
        })
    }

    #[test]
    fn embedded_schema_compiles() {
        assert!(SchemaValidator::new().is_ready());
    }

    #[test]
    fn accepts_a_valid_vaccination() {
        assert_eq!(validate(&valid_vaccination()), Ok(()));
    }

    #[test]
    fn rejects_a_dob_out_of_range_and_reports_the_rule_without_the_value() {
        let mut dcc = valid_vaccination();
        dcc["dob"] = json!("1815-01-01");
        let err = validate(&dcc).unwrap_err();
        assert_eq!(err.code(), "SCHEMA_INVALID");
        assert!(err.violations.iter().any(|v| v.path == "/dob"));
        assert!(err.violations.iter().all(|v| !v.message.contains("1815")));
    }

    #[test]
    fn rejects_a_date_time_in_a_1_3_date_field() {
        let mut dcc = valid_vaccination();
        dcc["v"][0]["dt"] = json!("2021-09-01T00:00:00");
        let err = validate(&dcc).unwrap_err();
        assert!(err.violations.iter().any(|v| v.path == "/v/0/dt"));
    }

    #[test]
    fn accepts_legacy_date_times_and_nulls() {
        let mut dcc = valid_vaccination();
        dcc["ver"] = json!("1.0.0");
        dcc["dob"] = json!("1990-01-31T00:00:00");
        dcc["v"][0]["dt"] = json!("2021-09-01T00:00:00Z");
        dcc["t"] = Value::Null;
        dcc["r"] = Value::Null;
        assert_eq!(validate(&dcc), Ok(()));
        assert_eq!(
            SchemaProfile::for_version(Some("1.2.1")),
            SchemaProfile::Legacy
        );
        assert_eq!(
            SchemaProfile::for_version(Some("1.3.2")),
            SchemaProfile::Current
        );
    }

    #[test]
    fn accepts_every_sc_form_of_the_schema_tests() {
        for sc in [
            "2021-08-01T10:00:00Z",
            "2021-08-01T10:00:00+02",
            "2021-08-01T10:00:00+0200",
            "2021-08-01T10:00:00+02:00",
            "2021-08-01T10:00:00.123Z",
        ] {
            let dcc = json!({"ver": "1.3.0", "nam": {"fnt": "A"}, "dob": "1990",
                "t": [{"tg": "840539006", "tt": "LP6464-4", "sc": sc, "tr": "260415000",
                       "co": "VN", "is": "MoH", "ci": "URN:UVCI:01:VN:X"}]});
            assert_eq!(validate(&dcc), Ok(()), "{sc}");
        }
    }
}
