//! The crate's one error type. Every variant maps to a stable machine code (`code()`); messages
//! are lowercase and never carry attacker-supplied strings.

use std::fmt;

/// Which signed list an error is about (the code's prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// The signed trust list (`TRUST_LIST_*`).
    TrustList,
    /// The signed revocation list or a delta of it (`REVOCATION_LIST_*`).
    RevocationList,
    /// A signed CertLogic rule set (`RULE_SET_*`); the state keeps one sequence per rule-set
    /// name (spec/trust-list.md §Rule-set list kind).
    RuleSet,
}

impl ListKind {
    /// `"trust-list"` / `"revocation-list"`: the key used in the state file.
    pub fn name(self) -> &'static str {
        match self {
            ListKind::TrustList => "trust-list",
            ListKind::RevocationList => "revocation-list",
            ListKind::RuleSet => "rule-set",
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ListKind::TrustList => "trust list",
            ListKind::RevocationList => "revocation list",
            ListKind::RuleSet => "rule set",
        })
    }
}

/// Which inequality of the time rule
/// `DSC.notBefore ≤ iat ≤ clock ≤ exp ≤ DSC.notAfter` failed (spec/trust-list.md §Time rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFailure {
    /// `iat < DSC.notBefore`: the pass claims to be issued before its signer existed
    /// (`DSC_NOT_YET_VALID`).
    IssuedBeforeDsc,
    /// `clock < iat`: the pass is not valid yet (`CERT_NOT_YET_VALID`).
    NotYetValid,
    /// `exp < clock`: the pass has expired (`CERT_EXPIRED`).
    Expired,
    /// `DSC.notAfter < exp`: the pass outlives its signing certificate (`DSC_EXPIRED`).
    OutlivesDsc,
    /// The pass has no `iat` or no `exp` (`CERT_TIME_MISSING`).
    Missing,
}

impl TimeFailure {
    /// Stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            TimeFailure::IssuedBeforeDsc => "DSC_NOT_YET_VALID",
            TimeFailure::NotYetValid => "CERT_NOT_YET_VALID",
            TimeFailure::Expired => "CERT_EXPIRED",
            TimeFailure::OutlivesDsc => "DSC_EXPIRED",
            TimeFailure::Missing => "CERT_TIME_MISSING",
        }
    }
}

impl fmt::Display for TimeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeFailure::IssuedBeforeDsc => {
                "pass issued before its signing certificate's notBefore"
            }
            TimeFailure::NotYetValid => "pass not valid yet (clock before iat)",
            TimeFailure::Expired => "pass expired (clock after exp)",
            TimeFailure::OutlivesDsc => "pass expires after its signing certificate's notAfter",
            TimeFailure::Missing => "pass has no iat or no exp",
        })
    }
}

/// Errors of the trust-list crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate could not be parsed (`DSC_INVALID`).
    #[error("certificate invalid: {0}")]
    DscInvalid(&'static str),
    /// A certificate's signature does not verify under its claimed issuer, or the chain is
    /// broken (`CERT_CHAIN_INVALID`).
    #[error("certificate chain invalid: {0}")]
    ChainInvalid(&'static str),
    /// The time rule failed (codes per [`TimeFailure::code`]).
    #[error("{0}")]
    Time(TimeFailure),
    /// The certificate's DCC key-usage OIDs exclude the pass's type (`KEY_USAGE_MISMATCH`).
    #[error("signing certificate's key usage does not allow this certificate type")]
    KeyUsageMismatch,
    /// Bytes do not form a well-shaped list (`*_MALFORMED`).
    #[error("{0} malformed: {1}")]
    Malformed(ListKind, &'static str),
    /// A size limit was exceeded before or while parsing (`*_TOO_LARGE`).
    #[error("{0} exceeds a size limit: {1}")]
    TooLarge(ListKind, &'static str),
    /// The list's signature does not verify (`*_SIGNATURE_INVALID`).
    #[error("{0} signature invalid")]
    SignatureInvalid(ListKind),
    /// The list is signed by a certificate that does not chain to an accepted anchor
    /// (`*_UNKNOWN_SIGNER`).
    #[error("{0} signed by an unknown key: {1}")]
    UnknownSigner(ListKind, &'static str),
    /// The list is older than one already seen (`*_ROLLBACK`).
    #[error("{kind} rollback: holding sequence {held} issued at {held_issued_at}, got sequence {got} issued at {got_issued_at}")]
    Rollback {
        /// Which list.
        kind: ListKind,
        /// Highest sequence seen.
        held: u64,
        /// Latest issued_at seen.
        held_issued_at: i64,
        /// Sequence of the refused list.
        got: u64,
        /// issued_at of the refused list.
        got_issued_at: i64,
    },
    /// A list different from the one accepted under the same sequence (`*_SEQUENCE_REUSED`):
    /// its content digest (spec/trust-list.md §State file) differs from the one held.
    #[error("{kind} sequence {sequence} already seen with different content")]
    SequenceReused {
        /// Which list.
        kind: ListKind,
        /// The reused sequence.
        sequence: u64,
    },
    /// The list's valid_until plus the grace period lies before the clock (`*_EXPIRED`).
    #[error("{kind} expired: valid until {valid_until}, grace {grace} s, clock {clock}")]
    Expired {
        /// Which list.
        kind: ListKind,
        /// The list's valid_until (unix seconds).
        valid_until: i64,
        /// The configured grace (seconds).
        grace: i64,
        /// The clock used.
        clock: i64,
    },
    /// A revocation delta does not apply to the held list (`REVOCATION_LIST_DELTA_BASE_MISMATCH`).
    #[error("revocation delta is based on sequence {delta_base}, held list has sequence {held}")]
    DeltaBaseMismatch {
        /// Sequence the delta starts from.
        delta_base: u64,
        /// Sequence of the held list.
        held: u64,
    },
    /// EU-gateway JSON could not be read (`GATEWAY_LIST_MALFORMED`).
    #[error("gateway list malformed: {0}")]
    GatewayMalformed(&'static str),
    /// Certificate generation failed (`PKI_FAILED`).
    #[error("certificate generation failed: {0}")]
    Pki(String),
    /// The state file could not be read or written (`TRUST_STATE_IO`).
    #[error("trust state file: {0}")]
    StateIo(String),
    /// The state file exists but is not ours (`TRUST_STATE_MALFORMED`).
    #[error("trust state file malformed")]
    StateMalformed,
    /// A wallet-format error (keys, signatures); its code passes through.
    #[error(transparent)]
    Format(#[from] wallet_format::Error),
}

impl Error {
    /// Stable machine code (SCREAMING_SNAKE), `&'static str` as in every vaxcert library.
    pub fn code(&self) -> &'static str {
        use ListKind::{RevocationList as R, RuleSet as S, TrustList as T};
        match self {
            Error::DscInvalid(_) => "DSC_INVALID",
            Error::ChainInvalid(_) => "CERT_CHAIN_INVALID",
            Error::Time(t) => t.code(),
            Error::KeyUsageMismatch => "KEY_USAGE_MISMATCH",
            Error::Malformed(k, _) => match k {
                T => "TRUST_LIST_MALFORMED",
                R => "REVOCATION_LIST_MALFORMED",
                S => "RULE_SET_MALFORMED",
            },
            Error::TooLarge(k, _) => match k {
                T => "TRUST_LIST_TOO_LARGE",
                R => "REVOCATION_LIST_TOO_LARGE",
                S => "RULE_SET_TOO_LARGE",
            },
            Error::SignatureInvalid(k) => match k {
                T => "TRUST_LIST_SIGNATURE_INVALID",
                R => "REVOCATION_LIST_SIGNATURE_INVALID",
                S => "RULE_SET_SIGNATURE_INVALID",
            },
            Error::UnknownSigner(k, _) => match k {
                T => "TRUST_LIST_UNKNOWN_SIGNER",
                R => "REVOCATION_LIST_UNKNOWN_SIGNER",
                S => "RULE_SET_UNKNOWN_SIGNER",
            },
            Error::Rollback { kind, .. } => match kind {
                T => "TRUST_LIST_ROLLBACK",
                R => "REVOCATION_LIST_ROLLBACK",
                S => "RULE_SET_ROLLBACK",
            },
            Error::SequenceReused { kind, .. } => match kind {
                T => "TRUST_LIST_SEQUENCE_REUSED",
                R => "REVOCATION_LIST_SEQUENCE_REUSED",
                S => "RULE_SET_SEQUENCE_REUSED",
            },
            Error::Expired { kind, .. } => match kind {
                T => "TRUST_LIST_EXPIRED",
                R => "REVOCATION_LIST_EXPIRED",
                S => "RULE_SET_EXPIRED",
            },
            Error::DeltaBaseMismatch { .. } => "REVOCATION_LIST_DELTA_BASE_MISMATCH",
            Error::GatewayMalformed(_) => "GATEWAY_LIST_MALFORMED",
            Error::Pki(_) => "PKI_FAILED",
            Error::StateIo(_) => "TRUST_STATE_IO",
            Error::StateMalformed => "TRUST_STATE_MALFORMED",
            Error::Format(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_codes_carry_the_kinds_prefix() {
        for (kind, prefix) in [
            (ListKind::TrustList, "TRUST_LIST_"),
            (ListKind::RevocationList, "REVOCATION_LIST_"),
            (ListKind::RuleSet, "RULE_SET_"),
        ] {
            for e in [
                Error::Malformed(kind, "x"),
                Error::TooLarge(kind, "x"),
                Error::SignatureInvalid(kind),
                Error::UnknownSigner(kind, "x"),
                Error::Rollback {
                    kind,
                    held: 2,
                    held_issued_at: 0,
                    got: 1,
                    got_issued_at: 0,
                },
                Error::SequenceReused { kind, sequence: 1 },
                Error::Expired {
                    kind,
                    valid_until: 0,
                    grace: 0,
                    clock: 1,
                },
            ] {
                assert!(e.code().starts_with(prefix), "{e:?}: {}", e.code());
                assert_eq!(e.clone(), e);
            }
        }
    }
}
