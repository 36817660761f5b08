//! `GET /v1/audit/checkpoint`: the signed checkpoint of the audit log's head (public: it
//! holds a sequence number, a hash and a time, no personal data, so that anyone can keep
//! checkpoints and later check the log has not been cut or rewritten below them).

use super::AppState;
use crate::error::Result;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/audit/checkpoint", get(checkpoint))
}

async fn checkpoint(State(s): State<AppState>) -> Result<Response> {
    let cp = s.issuer.audit_checkpoint(s.now()).await?;
    Ok(([(header::CONTENT_TYPE, "application/cose")], cp.signed).into_response())
}
