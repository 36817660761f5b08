//! Signed CertLogic rule sets for verifiers: `GET /v1/rules/{name}` (`application/cose`,
//! spec/rules.md §Signed distribution). Public: no token needed. The shipped `vn-venue` and
//! `vn-travel` sets are signed on first request; an unknown name is `404 NOT_FOUND`.

use super::AppState;
use crate::error::{Error, Result};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/rules/{name}", get(rule_set))
}

async fn rule_set(State(s): State<AppState>, Path(name): Path<String>) -> Result<Response> {
    let set = s
        .issuer
        .published_rule_set(&name, s.now())
        .await?
        .ok_or(Error::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/cose".to_string()),
            (
                header::HeaderName::from_static("x-rule-set-sequence"),
                set.sequence.to_string(),
            ),
        ],
        set.signed,
    )
        .into_response())
}
