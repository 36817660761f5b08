//! SQL of `attempt_guards`: failed attempts per guarded key (subject + client network), each
//! statement a single-row write outside the global append lock. Written once for both
//! backends by one macro.

use crate::error::Result;
use std::future::Future;

/// One guard's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardRow {
    /// Failures in the current window.
    pub failures: i64,
    /// When the window began (unix seconds).
    pub window_start: i64,
    /// No attempt is checked before this time (unix seconds).
    pub next_allowed: i64,
}

/// The statements on `attempt_guards`.
pub trait AttemptGuards: Send {
    /// The guard of `key`, if any.
    fn guard_get(&mut self, key: &[u8]) -> impl Future<Output = Result<Option<GuardRow>>> + Send;
    /// Count one failure atomically: a window older than `window_floor` starts again at
    /// `now`. Returns the failures in the window after this one.
    fn guard_fail(
        &mut self,
        key: &[u8],
        now: i64,
        window_floor: i64,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Set when the next attempt may be checked.
    fn guard_delay(
        &mut self,
        key: &[u8],
        next_allowed: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Forget the guard (after a success).
    fn guard_clear(&mut self, key: &[u8]) -> impl Future<Output = Result<()>> + Send;
}

macro_rules! impl_attempt_guards {
    ($conn:ty) => {
        impl AttemptGuards for $conn {
            async fn guard_get(&mut self, key: &[u8]) -> Result<Option<GuardRow>> {
                let row: Option<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT failures, window_start, next_allowed FROM attempt_guards \
                     WHERE key = $1",
                )
                .bind(key)
                .fetch_optional(&mut *self)
                .await?;
                Ok(row.map(|(failures, window_start, next_allowed)| GuardRow {
                    failures,
                    window_start,
                    next_allowed,
                }))
            }
            async fn guard_fail(&mut self, key: &[u8], now: i64, window_floor: i64) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO attempt_guards (key, failures, window_start, next_allowed) \
                     VALUES ($1, 1, $2, 0) ON CONFLICT (key) DO UPDATE SET \
                     failures = CASE WHEN attempt_guards.window_start < $3 THEN 1 \
                                ELSE attempt_guards.failures + 1 END, \
                     window_start = CASE WHEN attempt_guards.window_start < $3 THEN $2 \
                                    ELSE attempt_guards.window_start END \
                     RETURNING failures",
                )
                .bind(key)
                .bind(now)
                .bind(window_floor)
                .fetch_one(&mut *self)
                .await?)
            }
            async fn guard_delay(&mut self, key: &[u8], next_allowed: i64) -> Result<()> {
                sqlx::query("UPDATE attempt_guards SET next_allowed = $1 WHERE key = $2")
                    .bind(next_allowed)
                    .bind(key)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn guard_clear(&mut self, key: &[u8]) -> Result<()> {
                sqlx::query("DELETE FROM attempt_guards WHERE key = $1")
                    .bind(key)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
        }
    };
}

impl_attempt_guards!(sqlx::SqliteConnection);
impl_attempt_guards!(sqlx::PgConnection);
