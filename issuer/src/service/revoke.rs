//! Revoke one certificate (ministry), and key compromise: every certificate a DSC signed is
//! revoked and the current ones re-issued with a new DSC (spec/issuer.md §Flows "Revoke",
//! §Keys "Compromise").

use super::context::TxCtx;
use super::sign;
use super::views::CertView;
use super::Issuer;
use crate::db::prelude::*;
use crate::domain::{AuditAction, CertState, DscState, RevokeReason};
use crate::error::{Error, Result};
use crate::with_db;

impl Issuer {
    /// Revoke one certificate (ministry). Revoking a revoked certificate changes nothing.
    pub async fn revoke(
        &self,
        uvci: &str,
        reason: RevokeReason,
        actor: &str,
        now: i64,
    ) -> Result<CertView> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            let cert = tx.cert_get(uvci).await?.ok_or(Error::NotFound)?;
            if cert.state == CertState::Revoked {
                return Ok(CertView::from(&cert));
            }
            ctx.revoke(&mut *tx, &cert, reason, None).await?;
            ctx.audit(&mut *tx, AuditAction::Revoke, uvci, reason.as_str())
                .await?;
            let cert = tx.cert_get(uvci).await?.ok_or(Error::NotFound)?;
            tx.commit().await?;
            Ok(CertView::from(&cert))
        })
    }

    /// Key compromise: mark the DSC compromised (dropped from the trust list), rotate if it
    /// was signing, revoke every certificate it signed, and re-issue the current ones with the
    /// new DSC. Returns (revoked, re-issued).
    pub async fn revoke_all_of_dsc(
        &self,
        kid: &str,
        actor: &str,
        now: i64,
    ) -> Result<(usize, usize)> {
        let dscs = self.keys.list(&self.db).await?;
        let dsc = dscs.iter().find(|d| d.kid == kid).ok_or(Error::NotFound)?;
        let was_current = dsc.state == DscState::Current;
        let alg = wallet_format::Algorithm::from_name(&dsc.algorithm).unwrap_or_default();
        self.keys.mark_compromised(&self.db, kid, now).await?;
        if was_current {
            self.keys
                .rotate(&self.db, alg, &self.settings.country, now)
                .await?;
        }
        let signer = self.keys.current_signer(&self.db).await?;
        if signer.kid().to_base64() == kid {
            return Err(Error::NoSigningKey);
        }
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            let certs = tx.certs_current_of_kid(kid).await?;
            let mut reissued = 0;
            for c in &certs {
                if c.state != CertState::Current {
                    ctx.revoke(&mut *tx, c, RevokeReason::KeyCompromise, None)
                        .await?;
                    continue;
                }
                let person = tx
                    .person_by_id(&c.person_id)
                    .await?
                    .ok_or(Error::NotFound)?;
                let d = tx.dose_by_id(&c.dose_id).await?.ok_or(Error::NotFound)?;
                let signing = sign::person_input(&person, "");
                let old = std::slice::from_ref(c);
                ctx.replace(
                    &mut *tx,
                    &person.id,
                    &signing,
                    &d,
                    old,
                    RevokeReason::KeyCompromise,
                )
                .await?;
                reissued += 1;
            }
            let detail = format!("revoked={} reissued={reissued}", certs.len());
            ctx.audit(&mut *tx, AuditAction::RevokeDsc, kid, &detail)
                .await?;
            tx.commit().await?;
            Ok((certs.len(), reissued))
        })
    }
}
