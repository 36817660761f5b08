//! SQL of `portal_sessions`: signed-in citizen portal browsers (spec/portal.md §Session).
//! Written once for both backends: [`PortalSessions`] is implemented for `SqliteConnection`
//! and `PgConnection` by one macro. The table holds the SHA-256 of the cookie's token, never
//! the token, and no national id.

use super::rows::RowExt;
use crate::error::Result;
use std::future::Future;

/// A session row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSessionRow {
    /// SHA-256 of the session token.
    pub token_hash: Vec<u8>,
    /// The signed-in person.
    pub person_id: String,
    /// The token every form of the session carries (`csrf_token`).
    pub csrf_token: String,
    /// When made (unix seconds).
    pub created_at: i64,
    /// When it ends (unix seconds).
    pub expires_at: i64,
}

/// The statements on `portal_sessions`.
pub trait PortalSessions: Send {
    /// Store a new session.
    fn portal_session_insert(
        &mut self,
        s: &PortalSessionRow,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The session of `token_hash` if it has not ended at `now`.
    fn portal_session_get(
        &mut self,
        token_hash: &[u8],
        now: i64,
    ) -> impl Future<Output = Result<Option<PortalSessionRow>>> + Send;
    /// End a session; `false` when there was none.
    fn portal_session_delete(
        &mut self,
        token_hash: &[u8],
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Delete sessions that ended before `now`; how many.
    fn portal_sessions_purge(&mut self, now: i64) -> impl Future<Output = Result<u64>> + Send;
}

macro_rules! impl_portal_sessions {
    ($conn:ty) => {
        impl PortalSessions for $conn {
            async fn portal_session_insert(&mut self, s: &PortalSessionRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO portal_sessions \
                     (token_hash, person_id, csrf_token, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&s.token_hash)
                .bind(&s.person_id)
                .bind(&s.csrf_token)
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn portal_session_get(
                &mut self,
                token_hash: &[u8],
                now: i64,
            ) -> Result<Option<PortalSessionRow>> {
                let row = sqlx::query(
                    "SELECT token_hash, person_id, csrf_token, created_at, expires_at \
                     FROM portal_sessions WHERE token_hash = $1 AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *self)
                .await?;
                match row {
                    Some(r) => Ok(Some(PortalSessionRow {
                        token_hash: r.b("token_hash")?,
                        person_id: r.s("person_id")?,
                        csrf_token: r.s("csrf_token")?,
                        created_at: r.i("created_at")?,
                        expires_at: r.i("expires_at")?,
                    })),
                    None => Ok(None),
                }
            }
            async fn portal_session_delete(&mut self, token_hash: &[u8]) -> Result<bool> {
                let r = sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *self)
                    .await?;
                Ok(r.rows_affected() == 1)
            }
            async fn portal_sessions_purge(&mut self, now: i64) -> Result<u64> {
                let r = sqlx::query("DELETE FROM portal_sessions WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&mut *self)
                    .await?;
                Ok(r.rows_affected())
            }
        }
    };
}

impl_portal_sessions!(sqlx::SqliteConnection);
impl_portal_sessions!(sqlx::PgConnection);
