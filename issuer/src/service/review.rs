//! The review queue (spec/issuer.md §Identity "Review queue"): submissions held because
//! their identity disagreed with the stored person or the register, and suspected duplicate
//! shots. The ministry lists and reads cases and approves (the held dose is recorded, for
//! the person its document names — created as `confirmed` when there is none) or rejects
//! (nothing is recorded; the site may submit the record again). Each decision carries a
//! reason code and is audited.

use super::context::TxCtx;
use super::identify::{Checks, HeldSubmission};
use super::single::Ready;
use super::views::{rfc3339, IssueOutcome};
use super::{sign, Issuer};
use crate::db::prelude::*;
use crate::db::review_cases::ReviewRow;
use crate::domain::{AuditAction, MendReason, ReviewKind, ReviewState};
use crate::error::{Error, Result};
use crate::identity::Lookup;
use crate::with_db;
use serde::Serialize;

/// Most cases in one page of `GET /v1/reviews`.
pub const MAX_PAGE: i64 = 200;

/// One case as the ministry sees it in the list (no personal data).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReviewSummary {
    /// Case id.
    pub id: String,
    /// What it is about.
    pub kind: ReviewKind,
    /// Where it stands.
    pub state: ReviewState,
    /// Reason codes.
    pub reasons: Vec<String>,
    /// The submitting facility.
    pub facility_id: String,
    /// The facility's record id.
    pub facility_record_id: String,
    /// Kind and last characters of the document.
    pub document_hint: String,
    /// Held since (RFC 3339).
    pub created_at: String,
}

/// The identity claims on one side of a case.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IdentityView {
    /// Family name.
    pub family_name: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Date of birth.
    pub date_of_birth: String,
}

/// One case in full: what was submitted beside what is stored for the person it names.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReviewDetail {
    /// The summary.
    #[serde(flatten)]
    pub summary: ReviewSummary,
    /// The stored person the submission named.
    pub person_id: Option<String>,
    /// The identity submitted.
    pub submitted: IdentityView,
    /// The identity stored for the person it named, if any.
    pub stored: Option<IdentityView>,
    /// The dose submitted.
    pub dose: crate::input::DoseFields,
    /// Decided (RFC 3339).
    pub decided_at: Option<String>,
    /// The decision's reason code.
    pub decision_reason: Option<String>,
    /// The dose recorded on approval.
    pub record_id: Option<String>,
}

fn summary(c: &ReviewRow) -> ReviewSummary {
    ReviewSummary {
        id: c.id.clone(),
        kind: c.kind,
        state: c.state,
        reasons: c
            .reasons
            .split(',')
            .filter(|r| !r.is_empty())
            .map(String::from)
            .collect(),
        facility_id: c.facility_id.clone(),
        facility_record_id: c.facility_record_id.clone(),
        document_hint: c.document_hint.clone(),
        created_at: rfc3339(c.created_at),
    }
}

fn held(c: &ReviewRow) -> Result<HeldSubmission> {
    serde_json::from_str(&c.submission)
        .map_err(|_| Error::Internal("a review case holds an unreadable submission".into()))
}

impl Issuer {
    /// Cases in `state`, oldest first, `limit` (≤ [`MAX_PAGE`]) after case `after`.
    pub async fn reviews(
        &self,
        state: ReviewState,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ReviewSummary>> {
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.reviews_list(state, after, limit).await
        })?;
        Ok(rows.iter().map(summary).collect())
    }

    /// One case in full.
    pub async fn review(&self, id: &str) -> Result<ReviewDetail> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let case = c.review_get(id).await?.ok_or(Error::NotFound)?;
            let stored = match &case.person_id {
                Some(pid) => c.person_by_id(pid).await?,
                None => None,
            };
            let h = held(&case)?;
            Ok(ReviewDetail {
                summary: summary(&case),
                person_id: case.person_id.clone(),
                submitted: IdentityView {
                    family_name: h.family_name,
                    given_name: h.given_name,
                    date_of_birth: h.date_of_birth,
                },
                stored: stored.map(|p| IdentityView {
                    family_name: p.family_name.unwrap_or_default(),
                    given_name: p.given_name,
                    date_of_birth: p.dob,
                }),
                dose: h.dose,
                decided_at: case.decided_at.map(rfc3339),
                decision_reason: case.decision_reason.clone(),
                record_id: case.dose_id.clone(),
            })
        })
    }

    /// Approve an open case: its dose is recorded for the person its document names (no
    /// identity or duplicate check: that is what the ministry decided).
    pub async fn approve_review(
        &self,
        id: &str,
        reason: MendReason,
        actor: &str,
        now: i64,
    ) -> Result<IssueOutcome> {
        let case = self.open_case(id).await?;
        let input = held(&case)?.to_input(&case);
        let signer = self.keys.current_signer(&self.db).await?;
        let signed = sign::sign(&self.settings, &*signer, &input.person, &input.dose, now)?;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            let ready = Ready {
                input: &input,
                hash: &case.content_hash,
                id_hash: &case.id_hash,
                signed,
                lookup: &Lookup::NotCovered,
                checks: Checks::NONE,
            };
            let out =
                self.issue_in_tx(&mut *tx, &mut ctx, ready)
                    .await?
                    .ok_or(Error::StateConflict(
                        "the facility's record id was stored meanwhile; reject the case",
                    ))?;
            let record = out.record_id.clone().unwrap_or_default();
            let by = ctx.actor.to_string();
            if !tx
                .review_decide(
                    id,
                    ReviewState::Approved,
                    &by,
                    reason.as_str(),
                    Some(&record),
                    now,
                )
                .await?
            {
                return Err(Error::StateConflict("the case was decided meanwhile"));
            }
            let detail = format!("reason={reason} record={record}");
            ctx.audit(&mut *tx, AuditAction::ReviewApprove, id, &detail)
                .await?;
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Reject an open case: nothing is recorded and the record id is free again.
    pub async fn reject_review(
        &self,
        id: &str,
        reason: MendReason,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            if !tx
                .review_decide(id, ReviewState::Rejected, actor, reason.as_str(), None, now)
                .await?
            {
                return Err(match tx.review_get(id).await? {
                    Some(_) => Error::StateConflict("the case was decided already"),
                    None => Error::NotFound,
                });
            }
            let detail = format!("reason={reason}");
            ctx.audit(&mut *tx, AuditAction::ReviewReject, id, &detail)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    async fn open_case(&self, id: &str) -> Result<ReviewRow> {
        let case = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.review_get(id).await
        })?
        .ok_or(Error::NotFound)?;
        match case.state {
            ReviewState::Open => Ok(case),
            _ => Err(Error::StateConflict("the case was decided already")),
        }
    }
}
