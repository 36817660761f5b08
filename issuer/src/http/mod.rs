//! The HTTP API (spec/openapi.yaml). One module per resource, each with `router()`; errors
//! map to status + stable code in [`error`].

pub mod access;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod client;
pub mod error;
pub mod health;
pub mod holder;
pub mod keys;
pub mod metrics;
pub mod persons;
pub mod reviews;
pub mod rules;
pub mod surface;
pub mod trust;
pub mod vaccinations;

use crate::clock::Clock;
use crate::config::HttpLimits;
use crate::error::{Error, Result};
use crate::service::Issuer;
use axum::body::Bytes;
use axum::Router;
pub use metrics::Metrics;
use std::sync::Arc;

/// Largest accepted request body.
pub const MAX_BODY: usize = 64 * 1024;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The issuance core.
    pub issuer: Arc<Issuer>,
    /// The clock (injected so tests can move time).
    pub clock: Arc<dyn Clock>,
    /// This replica's traffic figures (`/metrics`).
    pub metrics: Arc<Metrics>,
    /// Timeouts, trusted proxies, per-client budgets.
    pub limits: HttpLimits,
    /// Per-client budget of holder look-ups.
    pub holder_limiter: Arc<client::ClientLimiter>,
}

impl AppState {
    /// State for `issuer` with `limits` (a fresh per-client limiter).
    pub fn new(issuer: Arc<Issuer>, clock: Arc<dyn Clock>, limits: HttpLimits) -> AppState {
        AppState {
            issuer,
            clock,
            metrics: Arc::new(Metrics::default()),
            holder_limiter: Arc::new(client::ClientLimiter::per_minute(
                limits.holder_requests_per_minute,
            )),
            limits,
        }
    }

    /// Now, unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Now, unix milliseconds (list sequences).
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// The whole service: the API, the pages, and around them the request timeout, the
/// [`surface`] layer (typed errors, security headers) and, outermost, the [`access`] layer
/// (access log line, latency by route template).
pub fn router(state: AppState) -> Router {
    let timeout = state.limits.request_timeout;
    Router::new()
        .merge(health::router())
        .merge(metrics::router())
        .merge(audit::router())
        .merge(vaccinations::router())
        .merge(certificates::router())
        .merge(holder::router())
        .merge(trust::router())
        .merge(keys::router())
        .merge(persons::router())
        .merge(reviews::router())
        .merge(rules::router())
        .merge(crate::web::router())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(surface::layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access::layer,
        ))
        .with_state(state)
}

/// Parse a JSON body: syntax errors, an object holding one key twice (at any depth,
/// [`crate::strict_json`]) and non-objects are `400 MALFORMED_JSON`.
pub fn json_body(body: &Bytes) -> Result<serde_json::Value> {
    let v = crate::strict_json::parse(body)?;
    if !v.is_object() {
        return Err(Error::MalformedJson);
    }
    Ok(v)
}
