//! SQL of `mends`: the ministry's repairs of records (merge, move, void) with what each
//! changed, so that it can be undone (spec/issuer.md §Identity "Mending records").

use super::rows::RowExt;
use crate::domain::{MendKind, MendState};
use crate::error::Result;
use std::future::Future;

/// One mend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MendRow {
    /// Mend id (UUIDv7).
    pub id: String,
    /// Merge, move or void.
    pub kind: MendKind,
    /// Done or undone.
    pub state: MendState,
    /// The reason code given.
    pub reason: String,
    /// The person doses left (merge, move) or the dose's person (void).
    pub from_person: Option<String>,
    /// The person doses went to (merge, move).
    pub to_person: Option<String>,
    /// The doses it changed, comma-separated.
    pub dose_ids: String,
    /// When (unix seconds).
    pub created_at: i64,
    /// Who (`role:token-id`).
    pub created_by: String,
}

impl MendRow {
    /// The dose ids it changed.
    pub fn doses(&self) -> Vec<&str> {
        self.dose_ids.split(',').filter(|s| !s.is_empty()).collect()
    }
}

fn row(r: &impl RowExt) -> Result<MendRow> {
    Ok(MendRow {
        id: r.s("id")?,
        kind: r.s("kind")?.parse()?,
        state: r.s("state")?.parse()?,
        reason: r.s("reason")?,
        from_person: r.os("from_person")?,
        to_person: r.os("to_person")?,
        dose_ids: r.s("dose_ids")?,
        created_at: r.i("created_at")?,
        created_by: r.s("created_by")?,
    })
}

/// The statements on `mends`.
pub trait Mends: Send {
    /// Record a mend.
    fn mend_insert(&mut self, m: &MendRow) -> impl Future<Output = Result<()>> + Send;
    /// A mend by id.
    fn mend_get(&mut self, id: &str) -> impl Future<Output = Result<Option<MendRow>>> + Send;
    /// Mark a mend undone; `false` when it was undone already.
    fn mend_undo(&mut self, id: &str, now: i64) -> impl Future<Output = Result<bool>> + Send;
}

macro_rules! impl_mends {
    ($conn:ty) => {
        impl Mends for $conn {
            async fn mend_insert(&mut self, m: &MendRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO mends (id, kind, state, reason, from_person, to_person, dose_ids, \
                     created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&m.id)
                .bind(m.kind.as_str())
                .bind(m.state.as_str())
                .bind(&m.reason)
                .bind(&m.from_person)
                .bind(&m.to_person)
                .bind(&m.dose_ids)
                .bind(m.created_at)
                .bind(&m.created_by)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn mend_get(&mut self, id: &str) -> Result<Option<MendRow>> {
                let r = sqlx::query(
                    "SELECT id, kind, state, reason, from_person, to_person, dose_ids, created_at, \
                     created_by FROM mends WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
                r.as_ref().map(row).transpose()
            }
            async fn mend_undo(&mut self, id: &str, now: i64) -> Result<bool> {
                let r = sqlx::query(
                    "UPDATE mends SET state = 'undone', undone_at = $1 WHERE id = $2 AND state = 'done'",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *self)
                .await?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

impl_mends!(sqlx::SqliteConnection);
impl_mends!(sqlx::PgConnection);
