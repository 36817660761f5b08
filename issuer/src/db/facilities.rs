//! SQL of `facilities`: vaccination sites allowed to submit.
//! Written once for both backends: [`Facilities`] is implemented for `SqliteConnection` and
//! `PgConnection` by one macro (`$numbered`: PostgreSQL placeholders in multi-row statements).

use super::rows::RowExt;
use crate::error::Result;
use std::future::Future;

/// The statements on `facilities`.
pub trait Facilities: Send {
    /// Register a facility; `false` when it exists.
    fn facility_insert(
        &mut self,
        id: &str,
        name: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Revoke a facility; `false` when unknown.
    fn facility_revoke(&mut self, id: &str, now: i64) -> impl Future<Output = Result<bool>> + Send;
    /// `Some(revoked_at)` if the facility exists.
    fn facility_get(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Option<i64>>>> + Send;
}

macro_rules! impl_facilities {
    ($conn:ty, $numbered:expr) => {
        impl Facilities for $conn {
            async fn facility_insert(&mut self, id: &str, name: &str, now: i64) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO facilities (id, name, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(name)
                .bind(now)
                .execute(&mut *self)
                .await?;
                Ok(r.rows_affected() == 1)
            }
            async fn facility_revoke(&mut self, id: &str, now: i64) -> Result<bool> {
                let r = sqlx::query("UPDATE facilities SET revoked_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(r.rows_affected() == 1)
            }
            async fn facility_get(&mut self, id: &str) -> Result<Option<Option<i64>>> {
                let row = sqlx::query("SELECT revoked_at FROM facilities WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self)
                    .await?;
                match row {
                    Some(r) => Ok(Some(r.oi("revoked_at")?)),
                    None => Ok(None),
                }
            }
        }
    };
}

impl_facilities!(sqlx::SqliteConnection, false);
impl_facilities!(sqlx::PgConnection, true);
