//! Operations of the ministry and the operators (spec/issuer.md §Roles and tokens, §Keys):
//! API tokens, facilities, DSC rotation and the audit log's verification. Each change is one
//! transaction with its audit entry.

use super::context::TxCtx;
use super::Issuer;
use crate::audit;
use crate::db::prelude::*;
use crate::db::rows::DscRow;
use crate::domain::AuditAction;
use crate::error::Result;
use crate::tokens::{self, Caller, Role};
use crate::with_db;
use wallet_format::Algorithm;

/// What a facility operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacilityChange {
    /// The facility was added / revoked.
    Done,
    /// Nothing changed (it existed already / it is unknown).
    Unchanged,
}

impl Issuer {
    /// Mint an API token (audited: role, facility and token id, never the token).
    pub async fn mint_token(
        &self,
        role: Role,
        facility: Option<&str>,
        ttl: i64,
        actor: &str,
        now: i64,
    ) -> Result<tokens::Minted> {
        let secret = &self.keys.token_secret;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            let minted = tokens::mint(&mut *tx, secret, role, facility, ttl, now).await?;
            let detail = format!("role={} facility={}", role.name(), facility.unwrap_or("-"));
            ctx.audit(&mut *tx, AuditAction::MintToken, &minted.id, &detail)
                .await?;
            tx.commit().await?;
            Ok(minted)
        })
    }

    /// Revoke an API token by id; `false` (and no audit entry) when no such token exists.
    pub async fn revoke_token(&self, id: &str, actor: &str, now: i64) -> Result<bool> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            let ok = tx.token_revoke(id, now).await?;
            if ok {
                ctx.audit(&mut *tx, AuditAction::RevokeToken, id, "")
                    .await?;
            }
            tx.commit().await?;
            Ok(ok)
        })
    }

    /// Check a bearer token: signature, expiry, registered, not revoked, facility not revoked.
    pub async fn authenticate(&self, token: &str, now: i64) -> Result<Caller> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            tokens::authenticate(&mut *c, &self.keys.token_secret, token, now).await
        })
    }

    /// Add a facility (audited when added).
    pub async fn add_facility(
        &self,
        id: &str,
        name: &str,
        actor: &str,
        now: i64,
    ) -> Result<FacilityChange> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            let added = tx.facility_insert(id, name, now).await?;
            if added {
                ctx.audit(&mut *tx, AuditAction::FacilityAdd, id, "")
                    .await?;
            }
            tx.commit().await?;
            Ok(change(added))
        })
    }

    /// Revoke a facility: its tokens stop working at once (audited when it existed).
    pub async fn revoke_facility(&self, id: &str, actor: &str, now: i64) -> Result<FacilityChange> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            let revoked = tx.facility_revoke(id, now).await?;
            if revoked {
                ctx.audit(&mut *tx, AuditAction::FacilityRevoke, id, "")
                    .await?;
            }
            tx.commit().await?;
            Ok(change(revoked))
        })
    }

    /// Every DSC the database knows.
    pub async fn list_keys(&self) -> Result<Vec<DscRow>> {
        self.keys.list(&self.db).await
    }

    /// Rotate the signing DSC to a new key of `alg` (needs the CSCA key on this host);
    /// audited. Returns the new kid.
    pub async fn rotate_key(&self, alg: Algorithm, actor: &str, now: i64) -> Result<String> {
        let kid = self
            .keys
            .rotate(&self.db, alg, &self.settings.country, now)
            .await?;
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            ctx.audit(&mut *tx, AuditAction::Rotate, &kid, alg.name())
                .await?;
            tx.commit().await?;
            Ok::<(), crate::error::Error>(())
        })?;
        Ok(kid)
    }

    /// Walk the audit log and check every link.
    pub async fn verify_audit_log(&self) -> Result<audit::Verdict> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            audit::verify(&mut *c).await
        })
    }
}

fn change(done: bool) -> FacilityChange {
    if done {
        FacilityChange::Done
    } else {
        FacilityChange::Unchanged
    }
}
