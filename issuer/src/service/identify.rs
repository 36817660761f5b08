//! Who a submission is about (spec/issuer.md §Identity): the stored person of its document,
//! checked against the identity stored for it; or a new person, checked against the
//! population register; or nobody yet — the submission is held for review. Also the duplicate
//! shot check and the writing of a held case.
//!
//! Runs inside the submission's transaction; the register look-up it needs
//! ([`Issuer::look_up`]) runs before, outside it.

use super::context::TxCtx;
use super::views::IssueOutcome;
use super::Issuer;
use crate::db::prelude::*;
use crate::db::review_cases::ReviewRow;
use crate::db::rows::{DoseRow, NewPerson, PersonRow};
use crate::domain::{AuditAction, DocumentKind, DoseState, IdentityState, ReviewKind, ReviewState};
use crate::error::{Error, Result};
use crate::identity::register::Query;
use crate::identity::{compare, Claimed, Document, Lookup, Mismatch};
use crate::input::{DoseFields, DoseInput};
use serde::{Deserialize, Serialize};

/// How many merges a document's person is followed through.
const MAX_MERGE_HOPS: usize = 8;

/// Which checks a submission goes through (a review approval skips the one it decided).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Compare the submitted identity with the stored person or the register.
    pub identity: bool,
    /// Hold a second dose with the same number and date.
    pub duplicate: bool,
}

impl Checks {
    /// Every check (a submission).
    pub const ALL: Checks = Checks {
        identity: true,
        duplicate: true,
    };
    /// No check (an approved review case).
    pub const NONE: Checks = Checks {
        identity: false,
        duplicate: false,
    };
}

/// The outcome of identifying a submission.
#[derive(Debug)]
pub enum Identified {
    /// The person it is about; `created` when this transaction created them.
    Person {
        /// The stored person.
        person: PersonRow,
        /// Created by this transaction.
        created: bool,
    },
    /// Nobody yet: hold it.
    Hold(HoldCase),
}

/// Why a submission is held.
#[derive(Debug, Clone)]
pub struct HoldCase {
    /// The kind of review.
    pub kind: ReviewKind,
    /// The reasons.
    pub reasons: Vec<Mismatch>,
    /// The stored person the submission named, if any.
    pub person_id: Option<String>,
}

/// A held submission as stored in its review case: everything needed to record it on
/// approval except the document number, which is never stored (the case keeps its hash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldSubmission {
    /// The kind of document.
    pub document_type: DocumentKind,
    /// Family name as submitted.
    pub family_name: String,
    /// Given name as submitted.
    pub given_name: Option<String>,
    /// Date of birth as submitted.
    pub date_of_birth: String,
    /// The dose.
    pub dose: DoseFields,
}

impl HeldSubmission {
    /// The stored form of `input`.
    pub fn of(input: &DoseInput) -> HeldSubmission {
        HeldSubmission {
            document_type: input.person.document.kind,
            family_name: input.person.family_name.clone(),
            given_name: input.person.given_name.clone(),
            date_of_birth: input.person.date_of_birth.clone(),
            dose: input.dose.clone(),
        }
    }

    /// The submission again, for the case's facility and record (document number empty).
    pub fn to_input(&self, case: &ReviewRow) -> DoseInput {
        DoseInput {
            facility_id: case.facility_id.clone(),
            facility_record_id: case.facility_record_id.clone(),
            person: crate::input::PersonInput {
                document: Document {
                    kind: self.document_type,
                    number: String::new(),
                    country: None,
                },
                family_name: self.family_name.clone(),
                given_name: self.given_name.clone(),
                date_of_birth: self.date_of_birth.clone(),
            },
            dose: self.dose.clone(),
        }
    }
}

impl Issuer {
    /// What the population register says about the document of `input` (before the
    /// transaction; a remote register is never called while a transaction is open).
    pub async fn look_up(&self, input: &DoseInput, id_hash: &[u8]) -> Result<Lookup> {
        let q = [Query {
            document: &input.person.document,
            id_hash,
        }];
        match self.register.lookup_many(&q).await {
            Ok(mut out) => out
                .pop()
                .ok_or(Error::Internal("the register gave no answer".into())),
            // Known people keep being served while an external register is down.
            Err(Error::Unavailable(_)) => Ok(Lookup::Unreachable),
            Err(e) => Err(e),
        }
    }
}

/// The claims of a submission.
pub fn claims(input: &DoseInput) -> Claimed<'_> {
    Claimed {
        family_name: &input.person.family_name,
        date_of_birth: &input.person.date_of_birth,
    }
}

/// The claims stored for a person.
fn stored(p: &PersonRow) -> Claimed<'_> {
    Claimed {
        family_name: p.family_name.as_deref().unwrap_or(""),
        date_of_birth: &p.dob,
    }
}

/// The person stored for a document hash, followed through merges to the survivor.
pub async fn person_of_document<C: Store>(tx: &mut C, id_hash: &[u8]) -> Result<Option<PersonRow>> {
    let Some(mut p) = tx.person_by_hash(id_hash).await? else {
        return Ok(None);
    };
    for _ in 0..MAX_MERGE_HOPS {
        match p.merged_into.clone() {
            Some(into) => p = tx.person_by_id(&into).await?.ok_or(Error::NotFound)?,
            None => return Ok(Some(p)),
        }
    }
    Err(Error::Internal(
        "a chain of merged persons is too long".into(),
    ))
}

/// Identify the person `input` is about (see the module comment). A new person is created
/// only when the register agrees or does not cover the document.
pub async fn identify<C: Store>(
    tx: &mut C,
    ctx: &TxCtx<'_>,
    input: &DoseInput,
    id_hash: &[u8],
    lookup: &Lookup,
    checks: Checks,
) -> Result<Identified> {
    if let Some(p) = person_of_document(tx, id_hash).await? {
        return Ok(against_stored(p, input, checks));
    }
    let identity = match lookup {
        _ if !checks.identity => IdentityState::Confirmed,
        Lookup::Found(e) => {
            let reference = Claimed {
                family_name: &e.family_name,
                date_of_birth: &e.date_of_birth,
            };
            let reasons = compare(claims(input), reference);
            if !reasons.is_empty() {
                return Ok(hold(ReviewKind::RegisterMismatch, reasons, None));
            }
            IdentityState::Registered
        }
        Lookup::Absent => {
            return Ok(hold(
                ReviewKind::RegisterMismatch,
                vec![Mismatch::NotInRegister],
                None,
            ))
        }
        Lookup::Unreachable => {
            return Err(Error::Unavailable("the population register did not answer"))
        }
        Lookup::NotCovered if input.person.document.kind == DocumentKind::Temporary => {
            IdentityState::Temporary
        }
        Lookup::NotCovered => IdentityState::FirstSubmission,
    };
    let new_id = uuid::Uuid::now_v7().to_string();
    tx.person_insert_if_absent(
        &NewPerson {
            id: new_id.clone(),
            id_hash,
            family_name: &input.person.family_name,
            given_name: input.person.given_name.as_deref(),
            dob: &input.person.date_of_birth,
            doc_type: input.person.document.kind,
            identity,
        },
        ctx.now,
    )
    .await?;
    let p = person_of_document(tx, id_hash)
        .await?
        .ok_or(Error::NotFound)?;
    if p.id == new_id {
        return Ok(Identified::Person {
            person: p,
            created: true,
        });
    }
    // Another transaction created the person first: this submission must agree with it.
    Ok(against_stored(p, input, checks))
}

fn against_stored(p: PersonRow, input: &DoseInput, checks: Checks) -> Identified {
    let reasons = compare(claims(input), stored(&p));
    if checks.identity && !reasons.is_empty() {
        return hold(ReviewKind::IdentityConflict, reasons, Some(p.id));
    }
    Identified::Person {
        person: p,
        created: false,
    }
}

fn hold(kind: ReviewKind, reasons: Vec<Mismatch>, person_id: Option<String>) -> Identified {
    Identified::Hold(HoldCase {
        kind,
        reasons,
        person_id,
    })
}

/// The person's active dose with the submitted dose number and date under another record:
/// a suspected second upload of the same shot.
pub fn duplicate_shot<'d>(doses: &'d [DoseRow], input: &DoseInput) -> Option<&'d DoseRow> {
    doses.iter().find(|d| {
        d.state == DoseState::Active
            && d.dn == input.dose.dose_number
            && d.dt == input.dose.date
            && (d.facility_id != input.facility_id
                || d.facility_record_id != input.facility_record_id)
    })
}

/// Write a held case for `input` and its audit entry. `None` when an open case for the same
/// record exists already (a concurrent retry; the caller answers it as a retry).
pub async fn write_hold<C: Store>(
    tx: &mut C,
    ctx: &mut TxCtx<'_>,
    input: &DoseInput,
    content_hash: &[u8],
    id_hash: &[u8],
    case: HoldCase,
) -> Result<Option<IssueOutcome>> {
    let reasons: Vec<&str> = case.reasons.iter().map(|r| r.as_str()).collect();
    let row = ReviewRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind: case.kind,
        state: ReviewState::Open,
        reasons: reasons.join(","),
        facility_id: input.facility_id.clone(),
        facility_record_id: input.facility_record_id.clone(),
        content_hash: content_hash.to_vec(),
        id_hash: id_hash.to_vec(),
        document_hint: input.person.document.hint(),
        person_id: case.person_id,
        submission: serde_json::to_string(&HeldSubmission::of(input))
            .map_err(|e| Error::Internal(format!("held submission: {e}")))?,
        created_at: ctx.now,
        decided_at: None,
        decided_by: None,
        decision_reason: None,
        dose_id: None,
    };
    if !tx.review_insert(&row).await? {
        return Ok(None);
    }
    let detail = format!("kind={} reasons={}", row.kind, row.reasons);
    ctx.audit(tx, AuditAction::Hold, &row.id, &detail).await?;
    Ok(Some(IssueOutcome::held(&row.id, false)))
}
