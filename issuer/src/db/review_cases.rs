//! SQL of `review_cases`: the review queue (held submissions, suspected duplicate shots;
//! spec/issuer.md §Identity "Review queue").

use super::rows::RowExt;
use crate::domain::{ReviewKind, ReviewState};
use crate::error::Result;
use std::future::Future;

/// One review case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    /// Case id (UUIDv7).
    pub id: String,
    /// What it is about.
    pub kind: ReviewKind,
    /// Where it stands.
    pub state: ReviewState,
    /// Reason codes, comma-separated (`family_name,date_of_birth`).
    pub reasons: String,
    /// The submitting facility.
    pub facility_id: String,
    /// The facility's record id.
    pub facility_record_id: String,
    /// Content hash of the submission (idempotency).
    pub content_hash: Vec<u8>,
    /// HMAC of the submitted document.
    pub id_hash: Vec<u8>,
    /// Kind and last characters of the document (`national_id:•••234`).
    pub document_hint: String,
    /// The stored person the submission named, if any.
    pub person_id: Option<String>,
    /// The submission as JSON, document number removed.
    pub submission: String,
    /// Created (unix seconds).
    pub created_at: i64,
    /// Decided (unix seconds).
    pub decided_at: Option<i64>,
    /// Who decided (`role:token-id`).
    pub decided_by: Option<String>,
    /// The decision's reason code.
    pub decision_reason: Option<String>,
    /// The dose recorded on approval.
    pub dose_id: Option<String>,
}

const COLS: &str = "id, kind, state, reasons, facility_id, facility_record_id, content_hash, \
    id_hash, document_hint, person_id, submission, created_at, decided_at, decided_by, \
    decision_reason, dose_id";

fn row(r: &impl RowExt) -> Result<ReviewRow> {
    Ok(ReviewRow {
        id: r.s("id")?,
        kind: r.s("kind")?.parse()?,
        state: r.s("state")?.parse()?,
        reasons: r.s("reasons")?,
        facility_id: r.s("facility_id")?,
        facility_record_id: r.s("facility_record_id")?,
        content_hash: r.b("content_hash")?,
        id_hash: r.b("id_hash")?,
        document_hint: r.s("document_hint")?,
        person_id: r.os("person_id")?,
        submission: r.s("submission")?,
        created_at: r.i("created_at")?,
        decided_at: r.oi("decided_at")?,
        decided_by: r.os("decided_by")?,
        decision_reason: r.os("decision_reason")?,
        dose_id: r.os("dose_id")?,
    })
}

/// The statements on `review_cases`.
pub trait ReviewCases: Send {
    /// Insert an open case; `false` when an open case for the same record exists already.
    fn review_insert(&mut self, c: &ReviewRow) -> impl Future<Output = Result<bool>> + Send;
    /// A case by id.
    fn review_get(&mut self, id: &str) -> impl Future<Output = Result<Option<ReviewRow>>> + Send;
    /// The open case of a submitted record, if any.
    fn review_open_by_record(
        &mut self,
        facility_id: &str,
        record_id: &str,
    ) -> impl Future<Output = Result<Option<ReviewRow>>> + Send;
    /// Cases in `state` (oldest first), at most `limit`, after case id `after` (paging).
    fn reviews_list(
        &mut self,
        state: ReviewState,
        after: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<ReviewRow>>> + Send;
    /// Decide an open case; `false` when it was not open (decided concurrently).
    fn review_decide(
        &mut self,
        id: &str,
        state: ReviewState,
        by: &str,
        reason: &str,
        dose_id: Option<&str>,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
}

macro_rules! impl_review_cases {
    ($conn:ty) => {
        impl ReviewCases for $conn {
            async fn review_insert(&mut self, c: &ReviewRow) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO review_cases (id, kind, state, reasons, facility_id, \
                     facility_record_id, content_hash, id_hash, document_hint, person_id, \
                     submission, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                     ON CONFLICT (facility_id, facility_record_id) WHERE state = 'open' DO NOTHING",
                )
                .bind(&c.id)
                .bind(c.kind.as_str())
                .bind(c.state.as_str())
                .bind(&c.reasons)
                .bind(&c.facility_id)
                .bind(&c.facility_record_id)
                .bind(&c.content_hash)
                .bind(&c.id_hash)
                .bind(&c.document_hint)
                .bind(&c.person_id)
                .bind(&c.submission)
                .bind(c.created_at)
                .execute(&mut *self)
                .await?;
                Ok(r.rows_affected() == 1)
            }
            async fn review_get(&mut self, id: &str) -> Result<Option<ReviewRow>> {
                let sql = format!("SELECT {COLS} FROM review_cases WHERE id = $1");
                let r = sqlx::query(&sql).bind(id).fetch_optional(&mut *self).await?;
                r.as_ref().map(row).transpose()
            }
            async fn review_open_by_record(
                &mut self,
                facility_id: &str,
                record_id: &str,
            ) -> Result<Option<ReviewRow>> {
                let sql = format!(
                    "SELECT {COLS} FROM review_cases WHERE facility_id = $1 \
                     AND facility_record_id = $2 AND state = 'open'"
                );
                let r = sqlx::query(&sql)
                    .bind(facility_id)
                    .bind(record_id)
                    .fetch_optional(&mut *self)
                    .await?;
                r.as_ref().map(row).transpose()
            }
            async fn reviews_list(
                &mut self,
                state: ReviewState,
                after: Option<&str>,
                limit: i64,
            ) -> Result<Vec<ReviewRow>> {
                let sql = format!(
                    "SELECT {COLS} FROM review_cases WHERE state = $1 AND id > $2 \
                     ORDER BY id LIMIT $3"
                );
                let rows = sqlx::query(&sql)
                    .bind(state.as_str())
                    .bind(after.unwrap_or(""))
                    .bind(limit)
                    .fetch_all(&mut *self)
                    .await?;
                rows.iter().map(row).collect()
            }
            async fn review_decide(
                &mut self,
                id: &str,
                state: ReviewState,
                by: &str,
                reason: &str,
                dose_id: Option<&str>,
                now: i64,
            ) -> Result<bool> {
                let r = sqlx::query(
                    "UPDATE review_cases SET state = $1, decided_at = $2, decided_by = $3, \
                     decision_reason = $4, dose_id = $5 WHERE id = $6 AND state = 'open'",
                )
                .bind(state.as_str())
                .bind(now)
                .bind(by)
                .bind(reason)
                .bind(dose_id)
                .bind(id)
                .execute(&mut *self)
                .await?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

impl_review_cases!(sqlx::SqliteConnection);
impl_review_cases!(sqlx::PgConnection);
