//! SQL of `audit_checkpoints`: the signed checkpoints of the audit log (the format is
//! `crate::checkpoint`). Written once for both backends by one macro.

use super::rows::{CheckpointRow, RowExt};
use crate::error::Result;
use std::future::Future;

/// The statements on `audit_checkpoints`.
pub trait AuditCheckpoints: Send {
    /// The checkpoint of the highest audit sequence.
    fn checkpoint_latest(&mut self) -> impl Future<Output = Result<Option<CheckpointRow>>> + Send;
    /// Store a checkpoint (a unique violation means one for this sequence exists).
    fn checkpoint_insert(&mut self, row: &CheckpointRow)
        -> impl Future<Output = Result<()>> + Send;
}

macro_rules! impl_audit_checkpoints {
    ($conn:ty) => {
        impl AuditCheckpoints for $conn {
            async fn checkpoint_latest(&mut self) -> Result<Option<CheckpointRow>> {
                let r = sqlx::query(
                    "SELECT seq, head_hash, issued_at, signed FROM audit_checkpoints \
                     ORDER BY seq DESC LIMIT 1",
                )
                .fetch_optional(&mut *self)
                .await?;
                r.map(|r| {
                    Ok(CheckpointRow {
                        seq: r.i("seq")?,
                        head_hash: r.b("head_hash")?,
                        issued_at: r.i("issued_at")?,
                        signed: r.b("signed")?,
                    })
                })
                .transpose()
            }
            async fn checkpoint_insert(&mut self, c: &CheckpointRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_checkpoints (seq, head_hash, issued_at, signed) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(c.seq)
                .bind(&c.head_hash)
                .bind(c.issued_at)
                .bind(&c.signed)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
        }
    };
}

impl_audit_checkpoints!(sqlx::SqliteConnection);
impl_audit_checkpoints!(sqlx::PgConnection);
