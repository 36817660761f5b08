//! `/healthz` (process alive), `/readyz` (database reachable, a signing key available).
//! `/metrics` is [`super::metrics`].

use super::AppState;
use crate::error::{Error, Result};
use std::time::Duration;

/// How long `/readyz` waits for the database and the key store.
pub const READY_WITHIN: Duration = Duration::from_secs(2);
use axum::extract::State;
use axum::routing::get;
use axum::Router;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(s): State<AppState>) -> Result<&'static str> {
    // A probe must get an answer quickly: a database that does not answer in time is
    // unready now, not after the pool's acquire timeout.
    tokio::time::timeout(READY_WITHIN, s.issuer.ready())
        .await
        .map_err(|_| Error::Unavailable("the database did not answer in time"))??;
    Ok("ready\n")
}
