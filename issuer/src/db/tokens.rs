//! SQL of `tokens`: registered API tokens (the JWT logic is `crate::tokens`).
//! Written once for both backends: [`Tokens`] is implemented for `SqliteConnection` and
//! `PgConnection` by one macro (`$numbered`: PostgreSQL placeholders in multi-row statements).

use super::rows::{RowExt, TokenRow};
use crate::error::Result;
use std::future::Future;

/// The statements on `tokens`.
pub trait Tokens: Send {
    /// Register a minted token.
    fn token_insert(&mut self, t: &TokenRow, now: i64) -> impl Future<Output = Result<()>> + Send;
    /// A token by id.
    fn token_get(&mut self, id: &str) -> impl Future<Output = Result<Option<TokenRow>>> + Send;
    /// Revoke a token; `false` when unknown.
    fn token_revoke(&mut self, id: &str, now: i64) -> impl Future<Output = Result<bool>> + Send;
}

macro_rules! impl_tokens {
    ($conn:ty, $numbered:expr) => {
        impl Tokens for $conn {
            async fn token_insert(&mut self, t: &TokenRow, now: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO tokens (id, role, facility_id, issued_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&t.id)
                .bind(&t.role)
                .bind(&t.facility_id)
                .bind(now)
                .bind(t.expires_at)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn token_get(&mut self, id: &str) -> Result<Option<TokenRow>> {
                let row = sqlx::query(
                    "SELECT id, role, facility_id, expires_at, revoked_at FROM tokens WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
                match row {
                    Some(r) => Ok(Some(TokenRow {
                        id: r.s("id")?,
                        role: r.s("role")?,
                        facility_id: r.os("facility_id")?,
                        expires_at: r.i("expires_at")?,
                        revoked_at: r.oi("revoked_at")?,
                    })),
                    None => Ok(None),
                }
            }
            async fn token_revoke(&mut self, id: &str, now: i64) -> Result<bool> {
                let r = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

impl_tokens!(sqlx::SqliteConnection, false);
impl_tokens!(sqlx::PgConnection, true);
