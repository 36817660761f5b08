//! Issue one dose (`POST /v1/vaccinations`, spec/issuer.md §Flows "Issue"): idempotent on
//! (facility, facility record id); the certificate is signed before the transaction (short
//! lock hold) and concurrent single issuances share one transaction (group commit), each in
//! its own savepoint.

use super::context::TxCtx;
use super::identify::{duplicate_shot, identify, write_hold, Checks, HoldCase, Identified};
use super::sign::{self, Signed};
use super::views::IssueOutcome;
use super::Issuer;
use crate::audit;
use crate::db::prelude::*;
use crate::db::rows::{CertRow, DoseRow, PersonRow};
use crate::domain::{best_dose, AuditAction, CertState, DoseState, ReviewKind};
use crate::error::{Error, Result};
use crate::identity::{Lookup, Mismatch};
use crate::input::DoseInput;
use crate::with_db;
use std::sync::Arc;
use wallet_format::Signer;

/// One single issuance, signed and ready to write (the unit of a group commit).
#[derive(Clone)]
pub struct PendingIssue {
    input: DoseInput,
    lookup: Lookup,
    hash: Vec<u8>,
    id_hash: Vec<u8>,
    signed: Signed,
    signer: Arc<dyn Signer>,
    actor: String,
    now: i64,
}

/// A submission ready to write inside a transaction: its content hash, the hash of its
/// national id and its speculatively signed certificate.
pub struct Ready<'a> {
    /// The submission.
    pub input: &'a DoseInput,
    /// Its content hash (idempotency).
    pub hash: &'a [u8],
    /// HMAC of its national id.
    pub id_hash: &'a [u8],
    /// The certificate signed for it before the transaction.
    pub signed: Signed,
    /// What the population register says about its document.
    pub lookup: &'a Lookup,
    /// The checks it goes through.
    pub checks: Checks,
}

impl Issuer {
    /// Issue one dose submitted by facility `input.facility_id` (the caller has been checked).
    /// Idempotent on (facility, facility record id).
    pub async fn issue_dose(
        &self,
        input: &DoseInput,
        actor: &str,
        now: i64,
    ) -> Result<IssueOutcome> {
        let hash = input.content_hash();
        if let Some(r) = self.replay_by_record(input, &hash).await? {
            return r;
        }
        let id_hash = self
            .ident
            .document_hash(&input.person.document, &input.facility_id);
        let lookup = self.look_up(input, &id_hash).await?;
        let signer = self.keys.current_signer(&self.db).await?;
        // Signed speculatively before the transaction (short lock hold); discarded if the dose
        // turns out not to be the person's best.
        let signed = sign::sign(&self.settings, &*signer, &input.person, &input.dose, now)?;
        let pending = PendingIssue {
            input: input.clone(),
            lookup,
            id_hash,
            hash,
            signed,
            signer,
            actor: actor.to_string(),
            now,
        };
        let written = if self.settings.group_commit {
            match self
                .group
                .submit(pending.clone(), |group| self.write_group(group))
                .await
            {
                Some(r) => r,
                // The leader carrying this issuance was cancelled: write it alone.
                None => self.write_one(&pending).await,
            }
        } else {
            self.write_one(&pending).await
        };
        match written? {
            Some(out) => Ok(out),
            // Lost a race with a concurrent identical submission: answer as a retry.
            None => self
                .replay_by_record(input, &pending.hash)
                .await?
                .unwrap_or(Err(Error::NotFound)),
        }
    }

    /// The answer to a retry when the record is stored already (`None` when it is not).
    async fn replay_by_record(
        &self,
        input: &DoseInput,
        hash: &[u8],
    ) -> Result<Option<Result<IssueOutcome>>> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            if let Some(d) = c
                .dose_by_record(&input.facility_id, &input.facility_record_id)
                .await?
            {
                return Ok(Some(self.replay(&mut *c, &d, hash).await));
            }
            let case = c
                .review_open_by_record(&input.facility_id, &input.facility_record_id)
                .await?;
            Ok(case.map(|case| match case.content_hash == hash {
                true => Ok(IssueOutcome::held(&case.id, true)),
                false => Err(Error::IdempotencyConflict),
            }))
        })
    }

    /// Answer a retry of the stored dose `existing` (or `IDEMPOTENCY_CONFLICT`).
    pub(super) async fn replay<C: Store>(
        &self,
        conn: &mut C,
        existing: &DoseRow,
        hash: &[u8],
    ) -> Result<IssueOutcome> {
        if existing.content_hash != hash {
            return Err(Error::IdempotencyConflict);
        }
        let uvci = existing.response_uvci.as_deref().ok_or(Error::NotFound)?;
        let cert = conn.cert_get(uvci).await?.ok_or(Error::NotFound)?;
        Ok(IssueOutcome::recorded(&existing.id, &cert, true))
    }

    /// [`Issuer::issue_in_tx`] for a pending single issuance, continuing `chain`.
    async fn issue_pending<C: Store>(
        &self,
        tx: &mut C,
        j: &PendingIssue,
        chain: &mut audit::Chain,
    ) -> Result<Option<IssueOutcome>> {
        let mut ctx = TxCtx::new(&self.settings, &*j.signer, &j.actor, j.now);
        ctx.chain = std::mem::take(chain);
        let ready = Ready {
            input: &j.input,
            hash: &j.hash,
            id_hash: &j.id_hash,
            signed: j.signed.clone(),
            lookup: &j.lookup,
            checks: Checks::ALL,
        };
        let r = self.issue_in_tx(tx, &mut ctx, ready).await;
        *chain = ctx.chain;
        r
    }

    /// One issuance in its own transaction. `None`: its record id was stored concurrently
    /// (nothing written; the caller answers as a retry).
    async fn write_one(&self, j: &PendingIssue) -> Result<Option<IssueOutcome>> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let r = self
                .issue_pending(&mut *tx, j, &mut audit::Chain::default())
                .await;
            match r {
                Ok(Some(out)) => {
                    tx.commit().await?;
                    Ok(Some(out))
                }
                Ok(None) => {
                    tx.rollback().await?;
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        })
    }

    /// A group of single issuances in one transaction, each inside its own savepoint so that
    /// one failing issuance (or one that lost a race) leaves the others intact. If the group
    /// transaction itself fails, every issuance is retried alone, so one poisoned issuance
    /// never fails its neighbours. One result per issuance, in order.
    async fn write_group(&self, group: Vec<PendingIssue>) -> Vec<Result<Option<IssueOutcome>>> {
        if let [one] = group.as_slice() {
            return vec![self.write_one(one).await];
        }
        let together: Result<Vec<Result<Option<IssueOutcome>>>> = with_db!(&self.db, |p| async {
            let mut tx = p.begin_write().await?;
            let mut chain = audit::Chain::default();
            let mut out = Vec::with_capacity(group.len());
            for j in &group {
                sqlx::query("SAVEPOINT single_issue")
                    .execute(&mut *tx)
                    .await?;
                let before = chain.clone();
                let r = self.issue_pending(&mut *tx, j, &mut chain).await;
                if !matches!(r, Ok(Some(_))) {
                    sqlx::query("ROLLBACK TO SAVEPOINT single_issue")
                        .execute(&mut *tx)
                        .await?;
                    chain = before;
                }
                sqlx::query("RELEASE SAVEPOINT single_issue")
                    .execute(&mut *tx)
                    .await?;
                out.push(r);
            }
            tx.commit().await?;
            Ok(out)
        }
        .await);
        match together {
            Ok(out) => out,
            // The database is unreachable: retrying each issuance alone would only wait out
            // the pool's timeout once per issuance. Every one fails at once, retryable (503).
            Err(Error::Database(e)) if crate::error::connection_lost(&e) => group
                .iter()
                .map(|_| Err(Error::Unavailable("the database is unreachable")))
                .collect(),
            Err(_) => {
                let mut out = Vec::with_capacity(group.len());
                for j in &group {
                    out.push(self.write_one(j).await);
                }
                out
            }
        }
    }

    /// Record one dose inside `tx` and give its person the right certificate: the first dose
    /// creates the person (when the register agrees); a better dose supersedes the current
    /// certificate; a late lower dose is recorded without a new certificate; an identity that
    /// disagrees or a suspected duplicate shot is held for review. `None` when the record id
    /// was stored (or held) concurrently (nothing written).
    pub(super) async fn issue_in_tx<C: Store>(
        &self,
        tx: &mut C,
        ctx: &mut TxCtx<'_>,
        ready: Ready<'_>,
    ) -> Result<Option<IssueOutcome>> {
        let input = ready.input;
        let (person, created) =
            match identify(tx, ctx, input, ready.id_hash, ready.lookup, ready.checks).await? {
                Identified::Person { person, created } => (person, created),
                Identified::Hold(case) => {
                    return write_hold(tx, ctx, input, ready.hash, ready.id_hash, case).await
                }
            };
        // A person created by this transaction has no doses or certificates yet, and its
        // uncommitted row already excludes every other writer: skip the lock and the reads.
        let (doses, current) = if created {
            (Vec::new(), Vec::new())
        } else {
            tx.person_lock(&person.id, ctx.now).await?;
            (
                tx.doses_of_person(&person.id).await?,
                tx.certs_current_of_person(&person.id).await?,
            )
        };
        if ready.checks.duplicate && duplicate_shot(&doses, input).is_some() {
            let case = HoldCase {
                kind: ReviewKind::DuplicateDose,
                reasons: vec![Mismatch::SameDoseRecorded],
                person_id: Some(person.id.clone()),
            };
            return write_hold(tx, ctx, input, ready.hash, ready.id_hash, case).await;
        }
        let mut dose = new_dose_row(input, ready.hash, &person.id, ctx.now);
        dose.first_issue = created;
        let mut all = doses;
        all.push(dose.clone());
        let best = best_dose(&all).ok_or(Error::NotFound)?.clone();
        let fresh = if best.id == dose.id || current.is_empty() {
            let signed = if best.id == dose.id && !sign::person_differs(&person, &input.person) {
                ready.signed
            } else {
                // The stored person data is authoritative (corrections are explicit).
                ctx.sign(&sign::person_input(&person), &best)?
            };
            dose.response_uvci = Some(signed.uvci.clone());
            Some(signed)
        } else {
            dose.response_uvci = current.last().map(|c| c.uvci.clone());
            None
        };
        if !tx.dose_insert(&dose, ctx.now).await? {
            return Ok(None);
        }
        let cert = match fresh {
            Some(signed) => supersede(tx, ctx, &person, &best, &current, signed).await?,
            None => {
                let note = "no change to current certificate";
                ctx.audit(tx, AuditAction::Record, &dose.id, note).await?;
                current.last().cloned().ok_or(Error::NotFound)?
            }
        };
        let mut out = IssueOutcome::recorded(&dose.id, &cert, false);
        out.created_person = created.then(|| person.id.clone());
        Ok(Some(out))
    }
}

/// Store the certificate for the person's new best dose and mark the current ones superseded.
async fn supersede<C: Store>(
    tx: &mut C,
    ctx: &mut TxCtx<'_>,
    person: &PersonRow,
    best: &DoseRow,
    current: &[CertRow],
    signed: Signed,
) -> Result<CertRow> {
    let row = ctx.store_cert(tx, &person.id, best, signed).await?;
    for old in current {
        tx.cert_set_state(
            &old.uvci,
            CertState::Superseded,
            ctx.now,
            None,
            Some(&row.uvci),
        )
        .await?;
    }
    let detail = format!("uvci={} kid={}", row.uvci, row.kid);
    ctx.audit(tx, AuditAction::Issue, &best.id, &detail).await?;
    Ok(row)
}

/// The dose row of a submission (a new record id; not yet the person's first or answered).
pub(super) fn new_dose_row(input: &DoseInput, hash: &[u8], person_id: &str, now: i64) -> DoseRow {
    DoseRow {
        id: uuid::Uuid::now_v7().to_string(),
        facility_id: input.facility_id.clone(),
        facility_record_id: input.facility_record_id.clone(),
        content_hash: hash.to_vec(),
        person_id: person_id.to_string(),
        tg: input.dose.target.clone(),
        vp: input.dose.vaccine_type.clone(),
        mp: input.dose.product.clone(),
        ma: input.dose.manufacturer.clone(),
        dn: input.dose.dose_number,
        sd: input.dose.series_total,
        dt: input.dose.date.clone(),
        co: input.dose.country.clone(),
        lot: input.dose.lot.clone(),
        state: DoseState::Active,
        response_uvci: None,
        first_issue: false,
        created_at: now,
    }
}
