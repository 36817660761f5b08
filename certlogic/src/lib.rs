//! CertLogic 1.3.3 (EU DCC business rules): a bounded evaluator, an up-front validator, the EU
//! gateway rule format with version selection, and the shipped Vietnamese rule sets.
//!
//! ```
//! use serde_json::json;
//!
//! // A bare expression: is the holder a minor at the validation clock?
//! let expr = json!({"after": [
//!     {"dccDateOfBirth": [{"var": "payload.dob"}]},
//!     {"plusTime": [{"var": "external.validationClock"}, -18, "year"]}
//! ]});
//! let data = json!({"payload": {"dob": "2010-04"},
//!                   "external": {"validationClock": "2024-01-01T00:00:00Z"}});
//! assert_eq!(certlogic::evaluate(&expr, &data).unwrap(), json!(true));
//!
//! // A shipped rule set over a DCC payload.
//! let rules = certlogic::RuleSet::builtin_vn_venue().unwrap();
//! let clock = "2024-03-10T12:00:00Z".parse().unwrap();
//! let external = certlogic::ExternalParameters::new(clock);
//! let payload = json!({"ver": "1.3.0", "dob": "1990-01-01",
//!     "nam": {"fnt": "NGUYEN", "gnt": "AN"},
//!     "v": [{"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
//!            "dn": 2, "sd": 2, "dt": "2024-01-05", "co": "VN", "is": "MOH",
//!            "ci": "URN:UVCI:01:VN:ABC123"}]});
//! let report = rules.evaluate_payload(&payload, &external);
//! assert!(report.passed(), "{report:?}");
//! ```
//!
//! Design notes, supported operations, limits and error codes: `spec/certlogic.md`.
//! The VN rule sets: `spec/rules.md`.
#![warn(missing_docs, unreachable_pub, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod datetime;
mod error;
mod eval;
mod json;
mod limits;
mod rule;
mod validate;
mod value;
mod valuesets;

pub use error::{CertLogicError, EvalErrorKind, LimitKind, RuleErrorKind};
pub use eval::{evaluate, evaluate_with_limits};
pub use json::parse_json;
pub use limits::Limits;
pub use rule::{
    CertificateType, Description, ExternalParameters, FailedRule, Rule, RuleReport, RuleSet,
    RuleType,
};
pub use validate::{
    validate, validate_with_limits, ValidationError, ValidationErrorKind, OPERATORS,
};
pub use value::{is_falsy, is_truthy};
pub use valuesets::{builtin_value_sets, value_sets_from_json, BUILTIN_VALUE_SET_FILES};
