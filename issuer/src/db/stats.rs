//! SQL of the metrics read at scrape time (spec/issuer.md §Metrics): counts of data, never
//! rows. Each statement's cost is noted; none takes a lock a writer waits for (SQLite WAL
//! readers and PostgreSQL MVCC reads do not block writers). Written once for both backends.

use crate::error::Result;
use std::future::Future;

/// How an issued certificate was asked for, told by its `issue` audit entry's actor.
pub const ISSUE_KINDS: [&str; 3] = ["single", "import", "other"];

/// The statements behind `/metrics`.
pub trait Stats: Send {
    /// Certificates per stored state: `(state, count)`. One scan of `certificates`
    /// (O(certificates)).
    fn count_certificates_by_state(
        &mut self,
    ) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send;
    /// Persons. One scan of the `persons` primary-key index (O(persons)).
    fn count_persons(&mut self) -> impl Future<Output = Result<i64>> + Send;
    /// Revoked certificates: rows of `revocations`, one per UVCI however often it was revoked
    /// (`uvci` is unique). O(revocations).
    fn count_revocations(&mut self) -> impl Future<Output = Result<i64>> + Send;
    /// Guards whose next attempt lies after `now` (holders being slowed). O(guards).
    fn count_delayed_guards(&mut self, now: i64) -> impl Future<Output = Result<i64>> + Send;
    /// `issue` audit entries with `after < seq <= through`, per kind of [`ISSUE_KINDS`] (by
    /// actor: `facility:…` is the API's single path, `import:…` the bulk importer). A range
    /// scan of the `audit_log` primary key: O(entries in the range), so a caller that keeps
    /// a cursor pays only for what was appended since its last read.
    fn count_issues_between(
        &mut self,
        after: i64,
        through: i64,
    ) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send;
    /// The names that have a stored rule-set publication. O(rule-set rows).
    fn rule_set_names(&mut self) -> impl Future<Output = Result<Vec<String>>> + Send;
}

macro_rules! impl_stats {
    ($conn:ty) => {
        impl Stats for $conn {
            async fn count_certificates_by_state(&mut self) -> Result<Vec<(String, i64)>> {
                Ok(
                    sqlx::query_as("SELECT state, COUNT(*) FROM certificates GROUP BY state")
                        .fetch_all(&mut *self)
                        .await?,
                )
            }
            async fn count_persons(&mut self) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM persons")
                    .fetch_one(&mut *self)
                    .await?)
            }
            async fn count_revocations(&mut self) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM revocations")
                    .fetch_one(&mut *self)
                    .await?)
            }
            async fn count_delayed_guards(&mut self, now: i64) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM attempt_guards WHERE next_allowed > $1",
                )
                .bind(now)
                .fetch_one(&mut *self)
                .await?)
            }
            async fn count_issues_between(
                &mut self,
                after: i64,
                through: i64,
            ) -> Result<Vec<(String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT CASE WHEN actor LIKE 'facility:%' THEN 'single' \
                     WHEN actor LIKE 'import:%' THEN 'import' ELSE 'other' END AS kind, \
                     COUNT(*) FROM audit_log WHERE seq > $1 AND seq <= $2 AND action = $3 \
                     GROUP BY kind",
                )
                .bind(after)
                .bind(through)
                .bind(crate::domain::AuditAction::Issue.as_str())
                .fetch_all(&mut *self)
                .await?)
            }
            async fn rule_set_names(&mut self) -> Result<Vec<String>> {
                Ok(
                    sqlx::query_scalar("SELECT DISTINCT name FROM rule_sets ORDER BY name")
                        .fetch_all(&mut *self)
                        .await?,
                )
            }
        }
    };
}

impl_stats!(sqlx::SqliteConnection);
impl_stats!(sqlx::PgConnection);
