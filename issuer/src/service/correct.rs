//! Correct a dose (`PUT /v1/vaccinations/{record_id}`) or the person behind a record
//! (`PUT /v1/vaccinations/{record_id}/person`); spec/issuer.md §Flows "Correct". The person's
//! certificates are re-issued and the old ones revoked as `correction`, in one transaction
//! with its audit entry.

use super::context::TxCtx;
use super::sign;
use super::views::{CertView, IssueOutcome};
use super::Issuer;
use crate::db::prelude::*;
use crate::db::rows::{CertRow, DoseRow, PersonRow};
use crate::domain::{best_dose, AuditAction, DoseState, IdentityState, MendReason, RevokeReason};
use crate::error::{Error, Result};
use crate::input::{DoseFields, PersonInput};
use crate::with_db;
use sha2::{Digest, Sha256};

impl Issuer {
    /// Correct a dose. `facility` = `Some` restricts to that facility's records.
    pub async fn correct_dose(
        &self,
        record_id: &str,
        facility: Option<&str>,
        fields: &DoseFields,
        actor: &str,
        now: i64,
    ) -> Result<IssueOutcome> {
        let signer = self.keys.current_signer(&self.db).await?;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            let (mut dose, person) = record_and_person(&mut *tx, record_id, facility, now).await?;
            if dose.state != DoseState::Active {
                return Err(Error::StateConflict("the record was voided"));
            }
            apply_correction(&mut dose, fields);
            tx.dose_correct(&dose, now).await?;
            let cert = after_dose_change(&mut *tx, &ctx, &person, &dose.id).await?;
            let detail = format!("uvci={}", cert.uvci);
            ctx.audit(&mut *tx, AuditAction::CorrectDose, record_id, &detail)
                .await?;
            tx.commit().await?;
            Ok(IssueOutcome::recorded(&dose.id, &cert, false))
        })
    }

    /// Correct the person behind a record (names, date of birth, identity document): a
    /// ministry operation (no facility may change a person's identity). Every current
    /// certificate is re-issued and the old ones revoked; the identity counts as confirmed.
    pub async fn correct_person(
        &self,
        record_id: &str,
        person_in: &PersonInput,
        reason: MendReason,
        actor: &str,
        now: i64,
    ) -> Result<Vec<CertView>> {
        let signer = self.keys.current_signer(&self.db).await?;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            let (dose, person) = record_and_person(&mut *tx, record_id, None, now).await?;
            let new_hash = self
                .ident
                .document_hash(&person_in.document, &dose.facility_id);
            if let Some(other) = tx.person_by_hash(&new_hash).await? {
                if other.id != person.id {
                    return Err(Error::StateConflict(
                        "another person has this identity document (merge them instead)",
                    ));
                }
            }
            tx.person_update(
                &person.id,
                &new_hash,
                Some(&person_in.family_name),
                person_in.given_name.as_deref(),
                &person_in.date_of_birth,
                now,
            )
            .await?;
            tx.person_set_identity(&person.id, IdentityState::Confirmed, None, now)
                .await?;
            let updated = tx.person_by_id(&person.id).await?.ok_or(Error::NotFound)?;
            let signing = sign::person_input(&updated);
            let mut out = Vec::new();
            for old in tx.certs_current_of_person(&person.id).await? {
                let d = tx.dose_by_id(&old.dose_id).await?.ok_or(Error::NotFound)?;
                let row = ctx
                    .replace(
                        &mut *tx,
                        &person.id,
                        &signing,
                        &d,
                        std::slice::from_ref(&old),
                        RevokeReason::Correction,
                    )
                    .await?;
                out.push(CertView::from(&row));
            }
            let detail = format!("reason={} reissued={}", reason, out.len());
            ctx.audit(&mut *tx, AuditAction::CorrectPerson, &person.id, &detail)
                .await?;
            tx.commit().await?;
            Ok(out)
        })
    }
}

/// The record `record_id` (of `facility`, when given) and its person, locked for this
/// transaction.
async fn record_and_person<C: Store>(
    tx: &mut C,
    record_id: &str,
    facility: Option<&str>,
    now: i64,
) -> Result<(DoseRow, PersonRow)> {
    let dose = tx.dose_by_id(record_id).await?.ok_or(Error::NotFound)?;
    if facility.is_some_and(|f| f != dose.facility_id) {
        return Err(Error::Forbidden("the record belongs to another facility"));
    }
    let person = tx
        .person_by_id(&dose.person_id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.person_lock(&person.id, now).await?;
    Ok((dose, person))
}

/// Overwrite the dose's fields; a retry of the original submission is a conflict from now on
/// (its content hash changes).
fn apply_correction(dose: &mut DoseRow, fields: &DoseFields) {
    dose.tg = fields.target.clone();
    dose.vp = fields.vaccine_type.clone();
    dose.mp = fields.product.clone();
    dose.ma = fields.manufacturer.clone();
    dose.dn = fields.dose_number;
    dose.sd = fields.series_total;
    dose.dt = fields.date.clone();
    dose.co = fields.country.clone();
    dose.lot = fields.lot.clone();
    let mut h = dose.content_hash.clone();
    h.extend_from_slice(b"corrected");
    dose.content_hash = Sha256::digest(&h).to_vec();
}

/// The person's certificate after one of their doses (`changed`) was corrected: re-issued
/// and the old one revoked as `correction` when it was this dose's (it showed wrong data);
/// superseding the current one when the corrected dose became the best (progress, as a new
/// submission would); else unchanged — a facility's correction of its own dose never
/// revokes a certificate issued for another facility's dose.
async fn after_dose_change<C: Store>(
    tx: &mut C,
    ctx: &TxCtx<'_>,
    person: &PersonRow,
    changed: &str,
) -> Result<CertRow> {
    let doses = tx.doses_of_person(&person.id).await?;
    let best = best_dose(&doses).cloned().ok_or(Error::NotFound)?;
    let current = tx.certs_current_of_person(&person.id).await?;
    let own = current.iter().any(|c| c.dose_id == changed);
    if !own && best.id != changed {
        if let Some(c) = current.last() {
            return Ok(c.clone());
        }
    }
    let reason = match own {
        true => Some(RevokeReason::Correction),
        false => None,
    };
    let signing = sign::person_input(person);
    ctx.replace_or_supersede(tx, &person.id, &signing, &best, &current, reason)
        .await
}
