//! SQL of `audit_log`: the hash-chained audit entries (the chain logic is `crate::audit`).
//! Written once for both backends: [`AuditLog`] is implemented for `SqliteConnection` and
//! `PgConnection` by one macro (`$numbered`: PostgreSQL placeholders in multi-row statements).

use super::rows::{audit, chunk_rows, values_list, AuditRow, RowExt};
use crate::error::Result;
use std::future::Future;

/// The statements on `audit_log`.
pub trait AuditLog: Send {
    /// The last entry's (seq, hash).
    fn audit_last(&mut self) -> impl Future<Output = Result<Option<(i64, Vec<u8>)>>> + Send;
    /// Append one entry (the caller holds the append lock).
    fn audit_insert(&mut self, row: &AuditRow) -> impl Future<Output = Result<()>> + Send;
    /// Up to `limit` entries from `from` on, in order.
    fn audit_range(
        &mut self,
        from: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<AuditRow>>> + Send;
    /// Multi-row insert of audit entries (the caller holds the append lock).
    fn audit_insert_many(&mut self, rows: &[AuditRow]) -> impl Future<Output = Result<()>> + Send;
}

macro_rules! impl_audit_log {
    ($conn:ty, $numbered:expr) => {
        impl AuditLog for $conn {
            async fn audit_last(&mut self) -> Result<Option<(i64, Vec<u8>)>> {
                let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *self)
                    .await?;
                match row {
                    Some(r) => Ok(Some((r.i("seq")?, r.b("hash")?))),
                    None => Ok(None),
                }
            }
            async fn audit_insert(&mut self, a: &AuditRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(a.seq)
                .bind(a.at)
                .bind(&a.actor)
                .bind(&a.action)
                .bind(&a.subject)
                .bind(&a.detail)
                .bind(&a.prev_hash)
                .bind(&a.hash)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn audit_range(&mut self, from: i64, limit: i64) -> Result<Vec<AuditRow>> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
                     WHERE seq >= $1 ORDER BY seq LIMIT $2",
                )
                .bind(from)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(audit).collect()
            }
            async fn audit_insert_many(&mut self, rows: &[AuditRow]) -> Result<()> {
                for chunk in rows.chunks(chunk_rows(8)) {
                    let sql = format!(
                        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, \
                         hash) VALUES {}",
                        values_list(chunk.len(), 8, $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for a in chunk {
                        q = q
                            .bind(a.seq)
                            .bind(a.at)
                            .bind(&a.actor)
                            .bind(&a.action)
                            .bind(&a.subject)
                            .bind(&a.detail)
                            .bind(&a.prev_hash)
                            .bind(&a.hash);
                    }
                    q.execute(&mut *self).await?;
                }
                Ok(())
            }
        }
    };
}

impl_audit_log!(sqlx::SqliteConnection, false);
impl_audit_log!(sqlx::PgConnection, true);
