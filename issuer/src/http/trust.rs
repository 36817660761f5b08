//! Publication for verifiers: `GET /v1/trust-list` (signed, `application/cose`),
//! `GET /v1/trust-list/dccg` (EU gateway JSON), `GET /v1/revocations[?since=SEQ]` (signed,
//! full or delta), `GET /v1/anchor.pem`. Public: no token needed.

use super::AppState;
use crate::error::{Error, Result};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/trust-list", get(trust_list))
        .route("/v1/trust-list/dccg", get(dccg))
        .route("/v1/revocations", get(revocations))
        .route("/v1/anchor.pem", get(anchor))
}

async fn trust_list(State(s): State<AppState>) -> Result<Response> {
    let bytes = s.issuer.published_trust_list(s.now_ms()).await?.signed;
    Ok(([(header::CONTENT_TYPE, "application/cose")], bytes).into_response())
}

async fn dccg(State(s): State<AppState>) -> Result<Response> {
    let json = s.issuer.gateway_json(s.now()).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

#[derive(Deserialize)]
struct Since {
    since: Option<String>,
}

async fn revocations(State(s): State<AppState>, Query(q): Query<Since>) -> Result<Response> {
    let since = match q.since {
        None => None,
        Some(t) => Some(
            t.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| Error::field("since", "must be a non-negative integer"))?,
        ),
    };
    let bytes = s.issuer.published_revocations(since, s.now_ms()).await?;
    Ok(([(header::CONTENT_TYPE, "application/cose")], bytes).into_response())
}

async fn anchor(State(s): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        s.issuer.anchor_pem(),
    )
        .into_response()
}
