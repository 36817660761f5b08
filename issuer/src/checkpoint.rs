//! Signed checkpoints of the audit log (spec/issuer.md §Audit log): the sequence of an audit
//! entry and that entry's chain hash, signed with the list signer as a tagged COSE_Sign1 (the
//! envelope of the trust and revocation lists, `trust_list::envelope`) with its own content
//! type, so a list can never pass for a checkpoint. Someone who keeps a checkpoint can later
//! tell whether the log was cut below it (truncation) or changed up to it (an edit with every
//! hash recomputed), which the hash chain alone cannot show.
//!
//! Payload (CBOR map): `kind` = `"vaxcert-audit-checkpoint"`, `version` = 1, `sequence`
//! (the audit entry, 0 for an empty log), `head_hash` (32 bytes: that entry's hash, zeros for
//! an empty log), `issued_at` (unix seconds).

use crate::db::rows::AuditRow;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use trust_list::envelope::{self, Bytes};
use trust_list::{Dsc, Limits, ListKind};
use wallet_format::Signer;

/// Content type in the protected header of every checkpoint.
pub const CONTENT_TYPE: &str = "application/vnd.vaxcert.audit-checkpoint+cbor";
/// The `kind` of the payload.
const KIND: &str = "vaxcert-audit-checkpoint";
/// The envelope's error kind (only used inside; errors are mapped to [`CheckpointError`]).
const ENVELOPE_KIND: ListKind = ListKind::RuleSet;
/// A checkpoint is a few hundred bytes plus the signer certificate.
const MAX_BYTES: usize = 16 * 1024;

/// One checkpoint: the audit log had `sequence` entries, the last with hash `head_hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The audit entry covered (0: the log was empty).
    pub sequence: i64,
    /// That entry's chain hash (32 zero bytes for an empty log).
    pub head_hash: Vec<u8>,
    /// When it was signed (unix seconds).
    pub issued_at: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    kind: String,
    version: u32,
    sequence: u64,
    head_hash: Bytes,
    issued_at: i64,
}

/// Why a checkpoint, or the log against it, is refused. Each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Not a checkpoint, or not signed by a list signer of our anchor (or the anchor itself).
    #[error("the checkpoint is not valid: {0}")]
    Invalid(&'static str),
    /// The log ends before the checkpoint's sequence: entries were removed from the tail.
    #[error("the audit log has {entries} entries but a checkpoint covers {sequence}: entries were removed")]
    Truncated {
        /// Entries in the log.
        entries: i64,
        /// The checkpoint's sequence.
        sequence: i64,
    },
    /// The entry at the checkpoint's sequence has another hash: the log up to it was changed
    /// (and its hashes recomputed).
    #[error(
        "the audit log up to entry {sequence} differs from the checkpoint: entries were rewritten"
    )]
    Rewritten {
        /// The checkpoint's sequence.
        sequence: i64,
    },
}

impl CheckpointError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CheckpointError::Invalid(_) => "AUDIT_CHECKPOINT_INVALID",
            CheckpointError::Truncated { .. } => "AUDIT_LOG_TRUNCATED",
            CheckpointError::Rewritten { .. } => "AUDIT_LOG_REWRITTEN",
        }
    }
}

impl Checkpoint {
    /// Sign with the list signer (`chain[0]` is its certificate).
    pub fn sign(&self, signer: &dyn Signer, chain: &[Vec<u8>]) -> Result<Vec<u8>> {
        let wire = Wire {
            kind: KIND.to_string(),
            version: 1,
            sequence: u64::try_from(self.sequence)
                .map_err(|_| Error::Internal("negative audit sequence".into()))?,
            head_hash: Bytes(self.head_hash.clone()),
            issued_at: self.issued_at,
        };
        let mut payload = Vec::new();
        ciborium::into_writer(&wire, &mut payload)
            .map_err(|_| Error::Internal("cannot encode an audit checkpoint".into()))?;
        Ok(envelope::sign(
            payload,
            signer,
            chain,
            CONTENT_TYPE,
            ENVELOPE_KIND,
        )?)
    }

    /// Open `bytes` and check its signature: the signer certificate is `anchor` itself or
    /// issued by it with the list-signer key usage, valid when the checkpoint was signed.
    pub fn verify(bytes: &[u8], anchor: &Dsc) -> Result<Checkpoint, CheckpointError> {
        let limits = Limits::default();
        let opened = envelope::open(bytes, ENVELOPE_KIND, MAX_BYTES, &limits)
            .map_err(|_| CheckpointError::Invalid("not a cose_sign1 checkpoint"))?;
        if opened.content_type.as_deref() != Some(CONTENT_TYPE) {
            return Err(CheckpointError::Invalid("not an audit checkpoint"));
        }
        let info = envelope::verify_signature(&opened, std::slice::from_ref(anchor), ENVELOPE_KIND)
            .map_err(|_| {
                CheckpointError::Invalid("not signed by the list signer of this issuer's anchor")
            })?;
        let wire: Wire =
            ciborium::de::from_reader_with_recursion_limit(opened.payload(), limits.max_cbor_depth)
                .map_err(|_| CheckpointError::Invalid("the payload is not a checkpoint"))?;
        if wire.kind != KIND || wire.version != 1 || wire.head_hash.0.len() != 32 {
            return Err(CheckpointError::Invalid("the payload is not a checkpoint"));
        }
        envelope::check_signer_time(&info, wire.issued_at, ENVELOPE_KIND).map_err(|_| {
            CheckpointError::Invalid("the signer certificate was not valid when it was signed")
        })?;
        let sequence = i64::try_from(wire.sequence)
            .map_err(|_| CheckpointError::Invalid("the sequence is out of range"))?;
        Ok(Checkpoint {
            sequence,
            head_hash: wire.head_hash.0,
            issued_at: wire.issued_at,
        })
    }

    /// Compare with the log: `entry` is the log's entry at [`Checkpoint::sequence`] (`None`
    /// when the log is shorter), `entries` the log's length.
    pub fn check(&self, entry: Option<&AuditRow>, entries: i64) -> Result<(), CheckpointError> {
        if self.sequence == 0 {
            return Ok(());
        }
        match entry {
            None => Err(CheckpointError::Truncated {
                entries,
                sequence: self.sequence,
            }),
            Some(e) if e.seq != self.sequence || e.hash != self.head_hash => {
                Err(CheckpointError::Rewritten {
                    sequence: self.sequence,
                })
            }
            Some(_) => Ok(()),
        }
    }
}
