//! Policies as data (spec/verifier.md §Policies): `none`, or DCC schema plus a CertLogic rule
//! set — the shipped Vietnamese `venue` (default) and `travel` sets, or any rule-set file,
//! including a foreign one in the EU gateway shape.

use std::fmt;
use std::path::Path;

use certlogic::{CertLogicError, RuleSet};
use serde_json::Value;
use wallet_format::schema::SchemaValidator;

/// The verifying country given to rules as `external.countryCode`.
pub const COUNTRY_CODE: &str = "VN";

/// Largest policy file read from disk, in bytes.
pub const MAX_POLICY_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What a verification checks beyond signature, trust, key usage, time and revocation.
#[derive(Debug)]
pub enum Policy {
    /// No schema, no rules.
    None,
    /// DCC schema, then the rule set.
    Rules(RulePolicy),
}

/// A schema check plus a CertLogic rule set, with the external parameters the rules see.
pub struct RulePolicy {
    name: String,
    rules: RuleSet,
    schema: SchemaValidator,
    value_sets: Value,
    country_code: String,
}

impl fmt::Debug for RulePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RulePolicy")
            .field("name", &self.name)
            .field("rules", &self.rules.rules().count())
            .finish()
    }
}

impl RulePolicy {
    /// A policy from a loaded rule set; value sets are certlogic's built-in EU value sets,
    /// `external.countryCode` is [`COUNTRY_CODE`].
    pub fn new(name: impl Into<String>, rules: RuleSet) -> Self {
        RulePolicy {
            name: name.into(),
            rules,
            schema: SchemaValidator::new(),
            value_sets: certlogic::builtin_value_sets(),
            country_code: COUNTRY_CODE.to_string(),
        }
    }

    /// The policy's name (`venue`, `travel` or the file path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The schema validator.
    pub fn schema(&self) -> &SchemaValidator {
        &self.schema
    }

    /// `external.valueSets`.
    pub fn value_sets(&self) -> &Value {
        &self.value_sets
    }

    /// `external.countryCode`.
    pub fn country_code(&self) -> &str {
        &self.country_code
    }
}

/// A policy could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy file could not be read (`POLICY_UNREADABLE`).
    #[error("the policy file could not be read")]
    Unreadable,
    /// The policy file is larger than [`MAX_POLICY_FILE_BYTES`] (`POLICY_TOO_LARGE`).
    #[error("the policy file is larger than {MAX_POLICY_FILE_BYTES} bytes")]
    TooLarge,
    /// The rule set was refused by the CertLogic loader (its code, e.g. `CERTLOGIC_...`).
    #[error("the rule set is not valid: {0}")]
    Rules(CertLogicError),
}

impl PolicyError {
    /// Stable machine code.
    pub fn code(&self) -> String {
        match self {
            PolicyError::Unreadable => "POLICY_UNREADABLE".into(),
            PolicyError::TooLarge => "POLICY_TOO_LARGE".into(),
            PolicyError::Rules(e) => e.code().to_string(),
        }
    }
}

impl Policy {
    /// `none`: signature, trust, key usage, time and revocation only.
    pub fn none() -> Policy {
        Policy::None
    }

    /// `venue` (the default): the shipped `vn-venue.json` rule set.
    pub fn venue() -> Result<Policy, PolicyError> {
        let rules = RuleSet::builtin_vn_venue().map_err(PolicyError::Rules)?;
        Ok(Policy::Rules(RulePolicy::new("venue", rules)))
    }

    /// `travel`: the shipped `vn-travel.json` rule set.
    pub fn travel() -> Result<Policy, PolicyError> {
        let rules = RuleSet::builtin_vn_travel().map_err(PolicyError::Rules)?;
        Ok(Policy::Rules(RulePolicy::new("travel", rules)))
    }

    /// Any rule set JSON (a bare array of EU-gateway-shaped rules, or `{"rules": [...]}`).
    pub fn from_rule_set_json(name: &str, text: &str) -> Result<Policy, PolicyError> {
        let rules = RuleSet::from_json(text).map_err(PolicyError::Rules)?;
        Ok(Policy::Rules(RulePolicy::new(name, rules)))
    }

    /// Reads a rule set file.
    pub fn from_file(path: &Path) -> Result<Policy, PolicyError> {
        let meta = std::fs::metadata(path).map_err(|_| PolicyError::Unreadable)?;
        if meta.len() > MAX_POLICY_FILE_BYTES {
            return Err(PolicyError::TooLarge);
        }
        let text = std::fs::read_to_string(path).map_err(|_| PolicyError::Unreadable)?;
        Policy::from_rule_set_json(&path.display().to_string(), &text)
    }

    /// The CLI's `--policy` value: `none`, `venue`, `travel`, or a file path.
    pub fn from_cli(value: &str) -> Result<Policy, PolicyError> {
        match value {
            "none" => Ok(Policy::none()),
            "venue" => Policy::venue(),
            "travel" => Policy::travel(),
            path => Policy::from_file(Path::new(path)),
        }
    }

    /// `none`, `venue`, `travel` or the file path.
    pub fn name(&self) -> &str {
        match self {
            Policy::None => "none",
            Policy::Rules(r) => r.name(),
        }
    }
}
