//! The revocation step (spec/verifier.md §Check order, step 6; list format in
//! spec/revocation.md): every hash type the list holds for the pass's kid is computed and
//! looked up.

use trust_list::revocation::revocation_hashes;
use trust_list::{ListKind, RevocationList};
use wallet_format::Decoded;

use crate::verdict::Reason;

/// The revocation part of a [`crate::TrustContext`].
#[derive(Debug, Default)]
pub enum RevocationData {
    /// No revocation list configured: the step is skipped (documented; a deployment that
    /// requires revocation passes `--revocations`).
    #[default]
    NotConfigured,
    /// A list was given but could not be used: every pass that reaches this step is
    /// CANNOT_CHECK with its code (`REVOCATION_LIST_*`).
    Unusable(trust_list::Error),
    /// A verified list.
    Loaded(RevocationList),
}

impl RevocationData {
    /// `Ok` when not revoked (or not configured). Stale beyond `grace` at `clock` →
    /// CANNOT_CHECK `REVOCATION_LIST_EXPIRED`; a hit → INVALID `REVOKED`.
    pub fn check(&self, decoded: &Decoded, clock: i64, grace: i64) -> Result<(), Reason> {
        let list = match self {
            RevocationData::NotConfigured => return Ok(()),
            RevocationData::Unusable(e) => return Err(Reason::RevocationListUnusable(e.clone())),
            RevocationData::Loaded(list) => list,
        };
        trust_list::envelope::check_expiry(
            list.valid_until,
            clock,
            grace,
            ListKind::RevocationList,
        )
        .map_err(Reason::RevocationListUnusable)?;
        let hashes = revocation_hashes(
            decoded.claims.dcc.uvci(),
            decoded.claims.iss.as_deref(),
            decoded.algorithm(),
            decoded.signature(),
        );
        match list.is_revoked(&decoded.kid(), &hashes) {
            Some(t) => Err(Reason::Revoked(t)),
            None => Ok(()),
        }
    }
}
