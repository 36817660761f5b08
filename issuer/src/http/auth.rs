//! `Authorization: Bearer <jwt>` → [`Caller`], and role checks.

use super::AppState;
use crate::error::{Error, Result};
use crate::tokens::{Caller, Role};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// An optional caller (holder endpoints accept no token).
pub struct MaybeCaller(pub Option<Caller>);

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn authenticate(state: &AppState, token: &str) -> Result<Caller> {
    state.issuer.authenticate(token, state.now()).await
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller> {
        let token = bearer(parts).ok_or(Error::Unauthenticated)?;
        authenticate(state, token).await
    }
}

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<MaybeCaller> {
        match bearer(parts) {
            Some(t) => Ok(MaybeCaller(Some(authenticate(state, t).await?))),
            None => Ok(MaybeCaller(None)),
        }
    }
}

/// Require one of `roles`.
pub fn require(caller: &Caller, roles: &[Role]) -> Result<()> {
    if roles.contains(&caller.role) {
        Ok(())
    } else {
        Err(Error::Forbidden("this role may not do this"))
    }
}
