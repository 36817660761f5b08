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

    /// Key compromise, in one transaction that completes or changes nothing: mark the DSC
    /// compromised (dropped from the trust list); if it was signing, a new DSC (made before
    /// the transaction, from the CSCA key on this host) becomes current; every certificate the
    /// DSC signed is revoked and the current ones re-issued with the signing DSC. When the
    /// compromised DSC is the signing one and no DSC can be made here, nothing changes and
    /// the answer says why (spec/issuer.md §Keys "Compromise"). Returns (revoked, re-issued).
    pub async fn revoke_all_of_dsc(
        &self,
        kid: &str,
        actor: &str,
        now: i64,
    ) -> Result<(usize, usize)> {
        let dscs = self.keys.list(&self.db).await?;
        let dsc = dscs.iter().find(|d| d.kid == kid).ok_or(Error::NotFound)?;
        let replacement = if dsc.state == DscState::Current {
            if !self.keys.can_issue_dsc() {
                return Err(Error::StateConflict(
                    "the compromised DSC is the signing one and no new DSC can be made on this \
                     host (the CSCA key is offline): nothing was changed; follow the \
                     compromise procedure in spec/issuer.md",
                ));
            }
            let alg = wallet_format::Algorithm::from_name(&dsc.algorithm).unwrap_or_default();
            Some((self.keys.create_dsc(alg, &self.settings.country, now)?, alg))
        } else {
            None
        };
        let signer = match &replacement {
            Some(((new_kid, _), _)) => self.keys.signer_for(new_kid)?,
            None => self.keys.current_signer(&self.db).await?,
        };
        let out = with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::new(&self.settings, &*signer, actor, now);
            if let Some(((new_kid, der), alg)) = &replacement {
                tx.dsc_register(new_kid, alg.name(), der, now).await?;
                tx.dsc_make_current(new_kid, now).await?;
                ctx.audit(&mut *tx, AuditAction::Rotate, new_kid, alg.name())
                    .await?;
            }
            tx.dsc_set_state(kid, DscState::Compromised, now).await?;
            let (revoked, reissued) = revoke_and_reissue(&mut *tx, &ctx, kid).await?;
            let detail = format!("revoked={revoked} reissued={reissued}");
            ctx.audit(&mut *tx, AuditAction::RevokeDsc, kid, &detail)
                .await?;
            tx.commit().await?;
            Ok::<_, Error>((revoked, reissued))
        });
        self.keys.invalidate();
        out
    }
}

/// Revoke every certificate `kid` signed; re-issue the current ones with the context's
/// signer. Returns (revoked, re-issued).
async fn revoke_and_reissue<C: Store>(
    tx: &mut C,
    ctx: &TxCtx<'_>,
    kid: &str,
) -> Result<(usize, usize)> {
    let certs = tx.certs_current_of_kid(kid).await?;
    let mut reissued = 0;
    for c in &certs {
        if c.state != CertState::Current {
            ctx.revoke(tx, c, RevokeReason::KeyCompromise, None).await?;
            continue;
        }
        let person = tx
            .person_by_id(&c.person_id)
            .await?
            .ok_or(Error::NotFound)?;
        let d = tx.dose_by_id(&c.dose_id).await?.ok_or(Error::NotFound)?;
        let signing = sign::person_input(&person);
        let old = std::slice::from_ref(c);
        ctx.replace(
            tx,
            &person.id,
            &signing,
            &d,
            old,
            RevokeReason::KeyCompromise,
        )
        .await?;
        reissued += 1;
    }
    Ok((certs.len(), reissued))
}
