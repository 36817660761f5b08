//! The structured verdict one verification returns (spec/verifier.md §Verdict).

use std::fmt;

use time::OffsetDateTime;
use wallet_format::schema::SchemaErrors;
use wallet_format::{Algorithm, CertificateType, Kid};

use crate::status::{Colour, Status};

/// The three answers a verifier gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Every check passed.
    Valid,
    /// A check failed; [`Verdict::reason`] names the first one.
    Invalid,
    /// The trust data needed to decide is missing or stale beyond its grace.
    CannotCheck,
}

impl Outcome {
    /// `VALID`, `INVALID` or `CANNOT_CHECK`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Valid => "VALID",
            Outcome::Invalid => "INVALID",
            Outcome::CannotCheck => "CANNOT_CHECK",
        }
    }

    /// The process exit code this outcome asks for: 0, 1 or 2 (the worst of a run wins).
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Valid => 0,
            Outcome::Invalid => 1,
            Outcome::CannotCheck => 2,
        }
    }
}

/// The checks, in the order they run (spec/verifier.md §Check order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    /// Reading the input: image → QR, prefix, base45, zlib, COSE, CWT, payload.
    Decode,
    /// Finding the DSCs with the pass's kid.
    Trust,
    /// The COSE signature under one of those DSCs.
    Signature,
    /// The DSC's DCC key-usage OIDs against the certificate type.
    KeyUsage,
    /// `DSC.notBefore ≤ iat ≤ clock ≤ exp ≤ DSC.notAfter`.
    Time,
    /// The revocation list, every hash type listed for the kid.
    Revocation,
    /// The DCC JSON schema (every policy but `none`).
    Schema,
    /// The policy's business rules (every policy but `none`).
    Rules,
}

impl Check {
    /// Lowercase name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Check::Decode => "decode",
            Check::Trust => "trust",
            Check::Signature => "signature",
            Check::KeyUsage => "key usage",
            Check::Time => "time",
            Check::Revocation => "revocation",
            Check::Schema => "schema",
            Check::Rules => "rules",
        }
    }
}

/// Why a verdict is not VALID. Each variant maps to a stable machine code ([`Reason::code`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Reason {
    /// The input could not be read or decoded (wallet-format codes: `PREFIX_INVALID`,
    /// `BASE45_INVALID`, `QR_NOT_FOUND`, ...).
    Format(wallet_format::Error),
    /// No DSC in the trust data has the pass's kid (`KEY_NOT_IN_TRUST_LIST`).
    KeyNotInTrustList,
    /// DSCs with the kid exist but none verifies the signature (`SIGNATURE_INVALID`, or
    /// `ALGORITHM_KEY_MISMATCH` when no candidate key fits the algorithm at all).
    Signature(wallet_format::Error),
    /// Key usage or time failed (trust-list codes `KEY_USAGE_MISMATCH`, `CERT_EXPIRED`,
    /// `CERT_NOT_YET_VALID`, `DSC_NOT_YET_VALID`, `DSC_EXPIRED`, `CERT_TIME_MISSING`).
    Trust(trust_list::Error),
    /// The revocation list holds one of the pass's hashes (`REVOKED`); the hash type that hit.
    Revoked(trust_list::HashType),
    /// The payload does not match the DCC schema (`SCHEMA_INVALID`).
    Schema(SchemaErrors),
    /// One or more business rules failed (`RULES_FAILED`); see [`Verdict::failed_rules`].
    RulesFailed,
    /// The policy has no rule in force for this certificate type at the clock
    /// (`RULES_NOT_APPLICABLE`; fail closed).
    RulesNotApplicable,
    /// No trust source was loaded (`TRUST_LIST_MISSING`; CANNOT_CHECK).
    TrustListMissing,
    /// The trust list could not be used: expired beyond grace, bad signature, rollback, ...
    /// (trust-list codes `TRUST_LIST_*`; CANNOT_CHECK).
    TrustListUnusable(trust_list::Error),
    /// The revocation list could not be used (trust-list codes `REVOCATION_LIST_*`;
    /// CANNOT_CHECK).
    RevocationListUnusable(trust_list::Error),
}

impl Reason {
    /// The stable machine code (SCREAMING_SNAKE).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Format(e) | Reason::Signature(e) => e.code(),
            Reason::KeyNotInTrustList => "KEY_NOT_IN_TRUST_LIST",
            Reason::Trust(e) | Reason::TrustListUnusable(e) | Reason::RevocationListUnusable(e) => {
                e.code()
            }
            Reason::Revoked(_) => "REVOKED",
            Reason::Schema(e) => e.code(),
            Reason::RulesFailed => "RULES_FAILED",
            Reason::RulesNotApplicable => "RULES_NOT_APPLICABLE",
            Reason::TrustListMissing => "TRUST_LIST_MISSING",
        }
    }

    /// The outcome this reason gives.
    pub fn outcome(&self) -> Outcome {
        match self {
            Reason::TrustListMissing
            | Reason::TrustListUnusable(_)
            | Reason::RevocationListUnusable(_) => Outcome::CannotCheck,
            _ => Outcome::Invalid,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Format(e) | Reason::Signature(e) => write!(f, "{e}"),
            Reason::KeyNotInTrustList => f.write_str("no trusted signing certificate has this kid"),
            Reason::Trust(e) => write!(f, "{e}"),
            Reason::Revoked(t) => write!(f, "the certificate is revoked ({} hash)", t.name()),
            Reason::Schema(e) => match e.violations.first() {
                Some(v) if !v.path.is_empty() => write!(f, "{e}; first at {}", v.path),
                _ => write!(f, "{e}"),
            },
            Reason::RulesFailed => f.write_str("business rules failed"),
            Reason::RulesNotApplicable => {
                f.write_str("the policy has no rule in force for this certificate at the clock")
            }
            Reason::TrustListMissing => f.write_str("no trust list or signing certificate loaded"),
            Reason::TrustListUnusable(e) => write!(f, "trust data unusable: {e}"),
            Reason::RevocationListUnusable(e) => write!(f, "revocation data unusable: {e}"),
        }
    }
}

/// The holder view: only what staff need to match the pass to a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    /// `nam.fn`.
    pub family_name: Option<String>,
    /// `nam.gn`.
    pub given_name: Option<String>,
    /// `nam.fnt` (ICAO 9303).
    pub family_name_t: Option<String>,
    /// `nam.gnt` (ICAO 9303).
    pub given_name_t: Option<String>,
    /// `dob` as written in the payload.
    pub dob: String,
}

/// Dose `n` of `of` (vaccination only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dose {
    /// `dn`.
    pub n: u32,
    /// `sd`.
    pub of: u32,
}

/// One failed business rule, with its descriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRule {
    /// The rule's `Identifier`, e.g. `VR-VN-0012`.
    pub id: String,
    /// Description in Vietnamese (falls back to English, then the first one given).
    pub description_vi: Option<String>,
    /// Description in English (falls back to the first one given).
    pub description_en: Option<String>,
}

/// The result of verifying one pass.
#[derive(Debug)]
pub struct Verdict {
    /// VALID, INVALID or CANNOT_CHECK.
    pub outcome: Outcome,
    /// Why it is not VALID (`None` exactly when VALID).
    pub reason: Option<Reason>,
    /// Which check gave the reason.
    pub failed_check: Option<Check>,
    /// Whether a trusted DSC verified the signature (names are shown only then).
    pub signature_verified: bool,
    /// The kid the pass names.
    pub kid: Option<Kid>,
    /// The algorithm of the protected header.
    pub algorithm: Option<Algorithm>,
    /// CWT `iss`.
    pub issuer: Option<String>,
    /// CWT `iat`.
    pub issued_at: Option<OffsetDateTime>,
    /// CWT `exp`.
    pub expires_at: Option<OffsetDateTime>,
    /// Vaccination, test or recovery.
    pub certificate_type: Option<CertificateType>,
    /// Dose n of m (vaccination).
    pub dose: Option<Dose>,
    /// The event date: `v.dt`, `t.sc` or `r.fr`, as written.
    pub event_date: Option<String>,
    /// Recovery `df`/`du`, as written.
    pub valid_from: Option<String>,
    /// Recovery `du`, as written.
    pub valid_until: Option<String>,
    /// The entry's UVCI (`ci`).
    pub uvci: Option<String>,
    /// The entry's country (`co`).
    pub country: Option<String>,
    /// The holder, once the payload decoded.
    pub holder: Option<Holder>,
    /// The table status (VALID verdicts only).
    pub status: Option<Status>,
    /// Every failed business rule (empty unless rules ran).
    pub failed_rules: Vec<FailedRule>,
}

impl Verdict {
    /// A verdict that failed before anything was decoded.
    pub fn undecoded(reason: Reason) -> Self {
        Verdict {
            outcome: reason.outcome(),
            reason: Some(reason),
            failed_check: Some(Check::Decode),
            signature_verified: false,
            kid: None,
            algorithm: None,
            issuer: None,
            issued_at: None,
            expires_at: None,
            certificate_type: None,
            dose: None,
            event_date: None,
            valid_from: None,
            valid_until: None,
            uvci: None,
            country: None,
            holder: None,
            status: None,
            failed_rules: Vec::new(),
        }
    }

    /// `true` only for VALID.
    pub fn is_valid(&self) -> bool {
        self.outcome == Outcome::Valid
    }

    /// `OK` or the reason's code.
    pub fn code(&self) -> &'static str {
        self.reason.as_ref().map_or("OK", Reason::code)
    }

    /// A lowercase human message (never personal data).
    pub fn message(&self) -> String {
        match &self.reason {
            None => "the certificate is valid".to_string(),
            Some(r) => r.to_string(),
        }
    }

    /// Red unless VALID; a VALID verdict takes its status colour (red when no row applies).
    pub fn colour(&self) -> Colour {
        match (self.outcome, self.status) {
            (Outcome::Valid, Some(s)) => s.colour(),
            _ => Colour::Red,
        }
    }
}
