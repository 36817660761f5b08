//! Policies as data (spec/verifier.md §Policies): `none`, or DCC schema plus a CertLogic rule
//! set — the shipped Vietnamese `venue` (default) and `travel` sets, or any rule-set file,
//! including a foreign one in the EU gateway shape. A rule-set file is either plain rule JSON
//! or a signed rule set (trust-list's COSE envelope, spec/rules.md §Signed distribution),
//! told apart by content; a signed one is verified against the pinned anchor with rollback
//! protection and staleness before its rules are used.

use std::fmt;
use std::path::Path;

use certlogic::{CertLogicError, RuleSet};
use serde_json::Value;
use trust_list::list::VerifyOptions;
use trust_list::rules::{looks_like_envelope, verify_rule_set};
use trust_list::{Dsc, Freshness, TrustState};
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

/// Where a signed rule set came from: what its envelope said, and whether it is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOrigin {
    /// The rule set's name (`vn-venue`).
    pub name: String,
    /// Its sequence.
    pub sequence: u64,
    /// When it was signed (unix seconds).
    pub issued_at: i64,
    /// When it becomes stale (unix seconds).
    pub valid_until: i64,
    /// Fresh, or stale within the grace period (must be reported).
    pub freshness: Freshness,
    /// Subject of the list-signer certificate.
    pub signer: String,
}

/// What the caller needs to accept a signed rule set: the pinned anchor (if any), the trust
/// state (rollback protection; updated in memory when a signed set is accepted — the caller
/// saves it), and the clock, grace and limits.
#[derive(Debug)]
pub struct SignedPolicyContext<'a> {
    /// The pinned trust anchor; a signed rule set without it is refused
    /// (`POLICY_ANCHOR_REQUIRED`).
    pub anchor: Option<&'a Dsc>,
    /// The verifier's trust state.
    pub state: &'a mut TrustState,
    /// Clock, grace, limits.
    pub opts: VerifyOptions,
}

/// A schema check plus a CertLogic rule set, with the external parameters the rules see.
pub struct RulePolicy {
    name: String,
    signed: Option<Box<SignedOrigin>>,
    rules: RuleSet,
    schema: SchemaValidator,
    value_sets: Value,
    country_code: String,
}

impl fmt::Debug for RulePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RulePolicy")
            .field("name", &self.name)
            .field("signed", &self.signed)
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
            signed: None,
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

    /// For a signed rule set: its name, sequence, validity, signer and freshness.
    pub fn signed(&self) -> Option<&SignedOrigin> {
        self.signed.as_deref()
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
    /// The file is a signed rule set but no trust anchor was given to check it against
    /// (`POLICY_ANCHOR_REQUIRED`).
    #[error("the policy file is a signed rule set: give the trust anchor (--anchor) to verify it")]
    AnchorRequired,
    /// The signed rule set was refused (its code: `RULE_SET_SIGNATURE_INVALID`,
    /// `RULE_SET_UNKNOWN_SIGNER`, `RULE_SET_ROLLBACK`, `RULE_SET_EXPIRED`,
    /// `RULE_SET_MALFORMED`, `RULE_SET_TOO_LARGE`).
    #[error("the signed rule set was refused: {0}")]
    Signed(trust_list::Error),
}

impl PolicyError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Unreadable => "POLICY_UNREADABLE",
            PolicyError::TooLarge => "POLICY_TOO_LARGE",
            PolicyError::Rules(e) => e.code(),
            PolicyError::AnchorRequired => "POLICY_ANCHOR_REQUIRED",
            PolicyError::Signed(e) => e.code(),
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

    /// A signed rule set (trust-list's envelope): verified against `anchor` with rollback
    /// protection from `state` (per rule-set name) and staleness at `opts.clock` with
    /// `opts.grace`, then parsed with CertLogic. The state is updated in memory only when the
    /// rules also load, so a set that cannot be used does not raise the held sequence.
    pub fn from_signed_rule_set(
        name: &str,
        bytes: &[u8],
        anchor: &Dsc,
        state: &mut TrustState,
        opts: &VerifyOptions,
    ) -> Result<Policy, PolicyError> {
        let mut next = state.clone();
        let verified =
            verify_rule_set(bytes, anchor, &mut next, opts).map_err(PolicyError::Signed)?;
        let rules =
            RuleSet::from_json(&verified.rule_set.rules_json).map_err(PolicyError::Rules)?;
        *state = next;
        let rs = verified.rule_set;
        let mut policy = RulePolicy::new(name, rules);
        policy.signed = Some(Box::new(SignedOrigin {
            name: rs.name,
            sequence: rs.sequence,
            issued_at: rs.issued_at,
            valid_until: rs.valid_until,
            freshness: verified.freshness,
            signer: verified.signer.subject().to_string(),
        }));
        Ok(Policy::Rules(policy))
    }

    /// A rule-set file's bytes, told apart by content (not by file extension): a COSE envelope
    /// (first byte `0xD2` or `0x84`) is a signed rule set and needs `signed.anchor`; anything
    /// else is read as plain rule JSON (`signed` is then unused).
    pub fn from_bytes(
        name: &str,
        bytes: &[u8],
        signed: Option<SignedPolicyContext<'_>>,
    ) -> Result<Policy, PolicyError> {
        if looks_like_envelope(bytes) {
            let ctx = signed.ok_or(PolicyError::AnchorRequired)?;
            let anchor = ctx.anchor.ok_or(PolicyError::AnchorRequired)?;
            return Policy::from_signed_rule_set(name, bytes, anchor, ctx.state, &ctx.opts);
        }
        // Tolerated on read: a UTF-8 byte-order mark before plain JSON (editors add one).
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes)
            .map_err(|_| PolicyError::Rules(CertLogicError::InvalidJson { line: 0, column: 0 }))?;
        Policy::from_rule_set_json(name, text)
    }

    /// Reads a rule set file: plain rule JSON; a signed rule set is refused with
    /// `POLICY_ANCHOR_REQUIRED` (use [`Policy::from_file_with`]).
    pub fn from_file(path: &Path) -> Result<Policy, PolicyError> {
        Policy::from_file_with(path, None)
    }

    /// Reads a rule set file, plain or signed (see [`Policy::from_bytes`]).
    pub fn from_file_with(
        path: &Path,
        signed: Option<SignedPolicyContext<'_>>,
    ) -> Result<Policy, PolicyError> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|_| PolicyError::Unreadable)?;
        let mut bytes = Vec::new();
        file.take(MAX_POLICY_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| PolicyError::Unreadable)?;
        if bytes.len() as u64 > MAX_POLICY_FILE_BYTES {
            return Err(PolicyError::TooLarge);
        }
        Policy::from_bytes(&path.display().to_string(), &bytes, signed)
    }

    /// The CLI's `--policy` value: `none`, `venue`, `travel`, or a plain rule-set file.
    pub fn from_cli(value: &str) -> Result<Policy, PolicyError> {
        Policy::from_cli_with(value, None)
    }

    /// The CLI's `--policy` value: `none`, `venue`, `travel`, or a file path holding plain rule
    /// JSON or a signed rule set (checked with `signed`).
    pub fn from_cli_with(
        value: &str,
        signed: Option<SignedPolicyContext<'_>>,
    ) -> Result<Policy, PolicyError> {
        match value {
            "none" => Ok(Policy::none()),
            "venue" => Policy::venue(),
            "travel" => Policy::travel(),
            path => Policy::from_file_with(Path::new(path), signed),
        }
    }

    /// `none`, `venue`, `travel` or the file path.
    pub fn name(&self) -> &str {
        match self {
            Policy::None => "none",
            Policy::Rules(r) => r.name(),
        }
    }

    /// For a policy loaded from a signed rule set: its origin.
    pub fn signed(&self) -> Option<&SignedOrigin> {
        match self {
            Policy::None => None,
            Policy::Rules(r) => r.signed(),
        }
    }
}
