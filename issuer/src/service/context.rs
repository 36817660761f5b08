//! The transaction context: what every write inside one transaction shares — the settings,
//! the signer, who acts, when, and the audit chain head — and the steps those writes are made
//! of (store a certificate, revoke one, replace one with a newly signed one, audit).

use super::sign::{self, Signed};
use super::Settings;
use crate::audit;
use crate::db::rows::{CertRow, DoseRow};
use crate::db::Store;
use crate::domain::{AuditAction, CertState, RevokeReason};
use crate::error::{Error, Result};
use crate::input::PersonInput;
use wallet_format::Signer;

/// One transaction's shared state.
pub struct TxCtx<'a> {
    /// Certificate settings.
    pub settings: &'a Settings,
    /// The current DSC's signer (`None` for writes that sign nothing, such as a revocation,
    /// which must work even when no DSC can sign).
    pub signer: Option<&'a dyn Signer>,
    /// Who acts (audit actor: `role:token-id`, `cli`, `system`).
    pub actor: &'a str,
    /// Now (unix seconds).
    pub now: i64,
    /// The audit chain head, read once per transaction.
    pub chain: audit::Chain,
}

impl<'a> TxCtx<'a> {
    /// A context with a fresh chain.
    pub fn new(
        settings: &'a Settings,
        signer: &'a dyn Signer,
        actor: &'a str,
        now: i64,
    ) -> TxCtx<'a> {
        TxCtx {
            settings,
            signer: Some(signer),
            actor,
            now,
            chain: audit::Chain::default(),
        }
    }

    /// A context for writes that sign nothing.
    pub fn unsigned(settings: &'a Settings, actor: &'a str, now: i64) -> TxCtx<'a> {
        TxCtx {
            settings,
            signer: None,
            actor,
            now,
            chain: audit::Chain::default(),
        }
    }

    /// Sign a certificate for `dose` of `person` (pure CPU).
    pub fn sign(&self, person: &PersonInput, dose: &DoseRow) -> Result<Signed> {
        sign::sign(
            self.settings,
            self.signer.ok_or(Error::NoSigningKey)?,
            person,
            &sign::dose_fields(dose),
            self.now,
        )
    }

    /// Append an audit entry.
    pub async fn audit<C: Store>(
        &mut self,
        tx: &mut C,
        action: AuditAction,
        subject: &str,
        detail: &str,
    ) -> Result<()> {
        self.chain
            .append(tx, self.now, self.actor, action.as_str(), subject, detail)
            .await
    }

    /// Store a signed certificate for `dose` of `person_id` as current.
    pub async fn store_cert<C: Store>(
        &self,
        tx: &mut C,
        person_id: &str,
        dose: &DoseRow,
        signed: Signed,
    ) -> Result<CertRow> {
        let row = cert_row(person_id, dose, signed);
        tx.cert_insert(&row).await?;
        Ok(row)
    }

    /// Revoke `cert` (state and revocation list), pointing at its replacement if any.
    pub async fn revoke<C: Store>(
        &self,
        tx: &mut C,
        cert: &CertRow,
        reason: RevokeReason,
        replaced_by: Option<&str>,
    ) -> Result<()> {
        tx.serialize_appends().await?;
        tx.cert_set_state(
            &cert.uvci,
            CertState::Revoked,
            self.now,
            Some(reason),
            replaced_by,
        )
        .await?;
        tx.revocation_insert(&cert.uvci, &cert.kid, reason, self.now)
            .await
    }

    /// Sign a new certificate for `dose` of `person` and revoke every certificate of `old`
    /// as replaced by it, for `reason`. The one sign → store → revoke-old step of corrections
    /// and key compromise.
    pub async fn replace<C: Store>(
        &self,
        tx: &mut C,
        person_id: &str,
        person: &PersonInput,
        dose: &DoseRow,
        old: &[CertRow],
        reason: RevokeReason,
    ) -> Result<CertRow> {
        let signed = self.sign(person, dose)?;
        let row = self.store_cert(tx, person_id, dose, signed).await?;
        for o in old {
            self.revoke(tx, o, reason, Some(&row.uvci)).await?;
        }
        Ok(row)
    }

    /// [`TxCtx::replace`] when `reason` is given; else the old certificates are superseded
    /// (not revoked: they were right, the person has progressed).
    pub async fn replace_or_supersede<C: Store>(
        &self,
        tx: &mut C,
        person_id: &str,
        person: &PersonInput,
        dose: &DoseRow,
        old: &[CertRow],
        reason: Option<RevokeReason>,
    ) -> Result<CertRow> {
        if let Some(reason) = reason {
            return self.replace(tx, person_id, person, dose, old, reason).await;
        }
        let signed = self.sign(person, dose)?;
        let row = self.store_cert(tx, person_id, dose, signed).await?;
        for o in old {
            tx.cert_set_state(
                &o.uvci,
                CertState::Superseded,
                self.now,
                None,
                Some(&row.uvci),
            )
            .await?;
        }
        Ok(row)
    }

    /// After a person's doses changed by a mend (merge, move, void, undo): when the one
    /// current certificate is still for the best active dose, nothing changes; else every
    /// current certificate is revoked as `correction` and, when the person has an active
    /// dose, one new certificate is issued for the best. The new certificate, if any.
    pub async fn reissue_person<C: Store>(
        &self,
        tx: &mut C,
        person: &crate::db::rows::PersonRow,
    ) -> Result<Option<CertRow>> {
        let doses = tx.doses_of_person(&person.id).await?;
        let current = tx.certs_current_of_person(&person.id).await?;
        match crate::domain::best_dose(&doses) {
            Some(best) if matches!(current.as_slice(), [only] if only.dose_id == best.id) => {
                Ok(None)
            }
            Some(best) => {
                let signing = super::sign::person_input(person);
                let row = self
                    .replace(
                        tx,
                        &person.id,
                        &signing,
                        best,
                        &current,
                        RevokeReason::Correction,
                    )
                    .await?;
                Ok(Some(row))
            }
            None => {
                for c in &current {
                    self.revoke(tx, c, RevokeReason::Correction, None).await?;
                }
                Ok(None)
            }
        }
    }
}

/// The certificate row for `dose` of `person_id` (state current).
pub fn cert_row(person_id: &str, dose: &DoseRow, s: Signed) -> CertRow {
    CertRow {
        uvci: s.uvci,
        person_id: person_id.to_string(),
        dose_id: dose.id.clone(),
        facility_id: dose.facility_id.clone(),
        kid: s.kid,
        hc1: s.hc1,
        dn: s.dn,
        sd: s.sd,
        status: s.status,
        issued_at: s.issued_at,
        expires_at: s.expires_at,
        state: CertState::Current,
        state_at: None,
        revoke_reason: None,
        replaced_by: None,
    }
}
