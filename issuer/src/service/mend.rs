//! The ministry's repairs of records that went wrong (spec/issuer.md §Identity "Mending
//! records"): merge two persons recorded for one, move a dose to the person it belongs to,
//! void a dose entered in error, confirm a temporary identity — and undo a merge, move or
//! void while nothing has changed since. Each is one transaction: the doses change, the
//! certificates of every person touched are re-issued where their best dose changed (the
//! replaced ones revoked as `correction`, so verifiers learn of them), the mend is recorded
//! with what it changed, and one audit entry names the reason code.

use super::context::TxCtx;
use super::Issuer;
use crate::db::mends::MendRow;
use crate::db::prelude::*;
use crate::db::rows::{DoseRow, PersonRow};
use crate::domain::{AuditAction, DoseState, IdentityState, MendKind, MendReason, MendState};
use crate::error::{Error, Result};
use crate::with_db;
use serde::Serialize;

/// What a mend did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MendOutcome {
    /// The mend's id (for an undo).
    pub mend_id: String,
    /// Merge, move or void.
    pub kind: MendKind,
    /// The doses it changed.
    pub record_ids: Vec<String>,
    /// UVCIs of the certificates issued by it.
    pub issued: Vec<String>,
}

/// A person that can take part in a mend: stored and not merged into another.
async fn live_person<C: Store>(tx: &mut C, id: &str, now: i64) -> Result<PersonRow> {
    let p = tx.person_by_id(id).await?.ok_or(Error::NotFound)?;
    if p.identity == IdentityState::Merged {
        return Err(Error::StateConflict("the person was merged into another"));
    }
    tx.person_lock(&p.id, now).await?;
    Ok(p)
}

/// Re-issue the certificates of `persons` after their doses changed; the new UVCIs.
async fn reissue<C: Store>(tx: &mut C, ctx: &TxCtx<'_>, persons: &[&str]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for id in persons {
        let p = tx.person_by_id(id).await?.ok_or(Error::NotFound)?;
        if let Some(c) = ctx.reissue_person(tx, &p).await? {
            out.push(c.uvci);
        }
    }
    Ok(out)
}

impl Issuer {
    /// Merge person `from` into `into`: its doses move, its certificates are revoked, it
    /// stays as `merged` (its document then leads to `into`, whose retrieval code is the one
    /// that works).
    pub async fn merge_persons(
        &self,
        into: &str,
        from: &str,
        reason: MendReason,
        actor: &str,
        now: i64,
    ) -> Result<MendOutcome> {
        if into == from {
            return Err(Error::field("from", "must be another person"));
        }
        let signer = self.keys.current_signer(&self.db).await?;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            live_person(&mut *tx, into, now).await?;
            live_person(&mut *tx, from, now).await?;
            let doses = tx.doses_of_person(from).await?;
            for d in &doses {
                tx.dose_set_person(&d.id, into, now).await?;
            }
            tx.person_set_identity(from, IdentityState::Merged, Some(into), now)
                .await?;
            let issued = reissue(&mut *tx, &ctx, &[from, into]).await?;
            let m = mend_row(
                MendKind::Merge,
                reason,
                Some(from),
                Some(into),
                &doses,
                &ctx,
            );
            tx.mend_insert(&m).await?;
            let detail = format!(
                "reason={reason} from={from} into={into} doses={}",
                doses.len()
            );
            ctx.audit(&mut *tx, AuditAction::MergePersons, &m.id, &detail)
                .await?;
            tx.commit().await?;
            Ok(outcome(m, issued))
        })
    }

    /// Move the dose `record_id` to person `to`.
    pub async fn move_dose(
        &self,
        record_id: &str,
        to: &str,
        reason: MendReason,
        actor: &str,
        now: i64,
    ) -> Result<MendOutcome> {
        let signer = self.keys.current_signer(&self.db).await?;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            let dose = tx.dose_by_id(record_id).await?.ok_or(Error::NotFound)?;
            if dose.person_id == to {
                return Err(Error::field(
                    "to_person",
                    "the record is this person's already",
                ));
            }
            live_person(&mut *tx, &dose.person_id, now).await?;
            live_person(&mut *tx, to, now).await?;
            tx.dose_set_person(record_id, to, now).await?;
            let issued = reissue(&mut *tx, &ctx, &[&dose.person_id, to]).await?;
            let from = dose.person_id.clone();
            let doses = [dose];
            let m = mend_row(MendKind::Move, reason, Some(&from), Some(to), &doses, &ctx);
            tx.mend_insert(&m).await?;
            let detail = format!("reason={reason} record={record_id} from={from} to={to}");
            ctx.audit(&mut *tx, AuditAction::MoveDose, &m.id, &detail)
                .await?;
            tx.commit().await?;
            Ok(outcome(m, issued))
        })
    }

    /// Void the dose `record_id` as entered in error (`facility` = `Some`: only its own).
    pub async fn void_dose(
        &self,
        record_id: &str,
        facility: Option<&str>,
        reason: MendReason,
        actor: &str,
        now: i64,
    ) -> Result<MendOutcome> {
        let signer = self.keys.current_signer(&self.db).await?;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            let dose = tx.dose_by_id(record_id).await?.ok_or(Error::NotFound)?;
            if facility.is_some_and(|f| f != dose.facility_id) {
                return Err(Error::Forbidden("the record belongs to another facility"));
            }
            if dose.state != DoseState::Active {
                return Err(Error::StateConflict("the record was voided already"));
            }
            live_person(&mut *tx, &dose.person_id, now).await?;
            tx.dose_set_state(record_id, DoseState::Voided, now).await?;
            let issued = reissue(&mut *tx, &ctx, &[&dose.person_id]).await?;
            let person = dose.person_id.clone();
            let m = mend_row(MendKind::Void, reason, Some(&person), None, &[dose], &ctx);
            tx.mend_insert(&m).await?;
            let detail = format!("reason={reason} record={record_id}");
            ctx.audit(&mut *tx, AuditAction::VoidDose, &m.id, &detail)
                .await?;
            tx.commit().await?;
            Ok(outcome(m, issued))
        })
    }

    /// Undo a mend while what it changed is as it left it (else `STATE_CONFLICT`).
    pub async fn undo_mend(&self, id: &str, actor: &str, now: i64) -> Result<MendOutcome> {
        let signer = self.keys.current_signer(&self.db).await?;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            let m = tx.mend_get(id).await?.ok_or(Error::NotFound)?;
            if m.state != MendState::Done || !tx.mend_undo(id, now).await? {
                return Err(Error::StateConflict("the mend was undone already"));
            }
            let (from, to) = (
                m.from_person.clone().unwrap_or_default(),
                m.to_person.clone(),
            );
            for d in m.doses() {
                let dose = tx.dose_by_id(d).await?.ok_or(Error::NotFound)?;
                let unchanged = match (&m.kind, &to) {
                    (MendKind::Void, _) => dose.state == DoseState::Voided,
                    (_, Some(to)) => dose.person_id == *to && dose.state == DoseState::Active,
                    (_, None) => false,
                };
                if !unchanged {
                    return Err(Error::StateConflict(
                        "a record changed since the mend; it cannot be undone safely",
                    ));
                }
                match m.kind {
                    MendKind::Void => tx.dose_set_state(d, DoseState::Active, now).await?,
                    _ => tx.dose_set_person(d, &from, now).await?,
                }
            }
            if m.kind == MendKind::Merge {
                live_person(&mut *tx, to.as_deref().unwrap_or_default(), now).await?;
                tx.person_set_identity(&from, IdentityState::Confirmed, None, now)
                    .await?;
            }
            let touched: Vec<&str> = [Some(from.as_str()), to.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            let issued = reissue(&mut *tx, &ctx, &touched).await?;
            let detail = format!("mend={} kind={}", m.id, m.kind);
            ctx.audit(&mut *tx, AuditAction::UndoMend, &m.id, &detail)
                .await?;
            tx.commit().await?;
            Ok(MendOutcome {
                mend_id: m.id.clone(),
                kind: m.kind,
                record_ids: m.doses().into_iter().map(String::from).collect(),
                issued,
            })
        })
    }

    /// Confirm a person's identity checked by hand (a temporary id, or one the register
    /// does not cover).
    pub async fn confirm_identity(
        &self,
        person_id: &str,
        reason: MendReason,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            live_person(&mut *tx, person_id, now).await?;
            tx.person_set_identity(person_id, IdentityState::Confirmed, None, now)
                .await?;
            let detail = format!("reason={reason}");
            ctx.audit(&mut *tx, AuditAction::ConfirmIdentity, person_id, &detail)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

fn mend_row(
    kind: MendKind,
    reason: MendReason,
    from: Option<&str>,
    to: Option<&str>,
    doses: &[DoseRow],
    ctx: &TxCtx<'_>,
) -> MendRow {
    MendRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind,
        state: MendState::Done,
        reason: reason.as_str().to_string(),
        from_person: from.map(String::from),
        to_person: to.map(String::from),
        dose_ids: doses
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>()
            .join(","),
        created_at: ctx.now,
        created_by: ctx.actor.to_string(),
    }
}

fn outcome(m: MendRow, issued: Vec<String>) -> MendOutcome {
    MendOutcome {
        record_ids: m.doses().into_iter().map(String::from).collect(),
        mend_id: m.id,
        kind: m.kind,
        issued,
    }
}
