//! Key operations (ministry): `GET /v1/keys`, `POST /v1/keys/rotate`,
//! `POST /v1/keys/{kid}/revoke-certificates` (key compromise: one call revokes everything the
//! DSC signed); and `GET /v1/audit/verify` (auditor, ministry).

use super::auth::require;
use super::{json_body, AppState};
use crate::audit;
use crate::error::{Error, Result};
use crate::tokens::{Caller, Role};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use wallet_format::Algorithm;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/keys", get(list))
        .route("/v1/keys/rotate", post(rotate))
        .route("/v1/keys/{kid}/revoke-certificates", post(compromise))
        .route("/v1/audit/verify", get(audit_verify))
}

async fn list(State(s): State<AppState>, caller: Caller) -> Result<Json<Value>> {
    require(&caller, &[Role::Ministry, Role::Auditor])?;
    let keys: Vec<Value> = s
        .issuer
        .list_keys()
        .await?
        .into_iter()
        .map(|d| json!({"kid": d.kid, "algorithm": d.algorithm, "state": d.state, "created_at": d.created_at}))
        .collect();
    Ok(Json(json!({ "keys": keys })))
}

async fn rotate(State(s): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>> {
    require(&caller, &[Role::Ministry])?;
    let alg = if body.is_empty() {
        Algorithm::Es256
    } else {
        let v = json_body(&body)?;
        // Only an absent field means the default: a malformed one must not rotate the key.
        match v.get("algorithm") {
            None => Algorithm::Es256,
            Some(a) => a
                .as_str()
                .and_then(Algorithm::from_name)
                .ok_or_else(|| Error::field("algorithm", "must be ES256, PS256 or EdDSA"))?,
        }
    };
    let kid = s.issuer.rotate_key(alg, &caller.actor(), s.now()).await?;
    Ok(Json(json!({ "kid": kid, "algorithm": alg.name() })))
}

async fn compromise(
    State(s): State<AppState>,
    caller: Caller,
    Path(kid): Path<String>,
) -> Result<Json<Value>> {
    require(&caller, &[Role::Ministry])?;
    let (revoked, reissued) = s
        .issuer
        .revoke_all_of_dsc(&kid, &caller.actor(), s.now())
        .await?;
    Ok(Json(
        json!({ "kid": kid, "revoked": revoked, "reissued": reissued }),
    ))
}

async fn audit_verify(State(s): State<AppState>, caller: Caller) -> Result<Json<Value>> {
    require(&caller, &[Role::Ministry, Role::Auditor])?;
    let v = s.issuer.verify_audit_log().await?;
    Ok(Json(match v {
        audit::Verdict::Intact { entries } => json!({"intact": true, "entries": entries}),
        audit::Verdict::Broken { seq, reason } => {
            json!({"intact": false, "seq": seq, "reason": reason})
        }
    }))
}
