//! SQL of `revocations`: the revoked UVCIs the signed revocation list publishes.
//! Written once for both backends: [`Revocations`] is implemented for `SqliteConnection` and
//! `PgConnection` by one macro (`$numbered`: PostgreSQL placeholders in multi-row statements).

use super::rows::{RevocationRow, RowExt};
use crate::domain::RevokeReason;
use crate::error::Result;
use std::future::Future;

/// The statements on `revocations`.
pub trait Revocations: Send {
    /// Record a revocation (once per UVCI); its sequence comes from the table.
    fn revocation_insert(
        &mut self,
        uvci: &str,
        kid: &str,
        reason: RevokeReason,
        at: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Revocations with a sequence above `since`, in order.
    fn revocations_since(
        &mut self,
        since: i64,
    ) -> impl Future<Output = Result<Vec<RevocationRow>>> + Send;
}

/// The highest revocation sequence (0 when none).
pub trait RevocationHead: Send {
    /// `MAX(seq)` or 0.
    fn revocation_head(&mut self) -> impl Future<Output = Result<i64>> + Send;
}

macro_rules! impl_revocation_head {
    ($conn:ty) => {
        impl RevocationHead for $conn {
            async fn revocation_head(&mut self) -> Result<i64> {
                let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM revocations")
                    .fetch_one(&mut *self)
                    .await?;
                Ok(head.unwrap_or(0))
            }
        }
    };
}

impl_revocation_head!(sqlx::SqliteConnection);
impl_revocation_head!(sqlx::PgConnection);

macro_rules! impl_revocations {
    ($conn:ty, $numbered:expr) => {
        impl Revocations for $conn {
            async fn revocation_insert(&mut self, uvci: &str, kid: &str, reason: RevokeReason, at: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO revocations (uvci, kid, reason, revoked_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (uvci) DO NOTHING",
                )
                .bind(uvci)
                .bind(kid)
                .bind(reason.as_str())
                .bind(at)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn revocations_since(&mut self, since: i64) -> Result<Vec<RevocationRow>> {
                let rows = sqlx::query(
                    "SELECT seq, uvci, kid, reason, revoked_at FROM revocations WHERE seq > $1 ORDER BY seq",
                )
                .bind(since)
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(RevocationRow {
                            seq: r.i("seq")?,
                            uvci: r.s("uvci")?,
                            kid: r.s("kid")?,
                            reason: r.s("reason")?.parse()?,
                            revoked_at: r.i("revoked_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

impl_revocations!(sqlx::SqliteConnection, false);
impl_revocations!(sqlx::PgConnection, true);
