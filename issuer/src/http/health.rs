//! `/healthz` (process alive), `/readyz` (database reachable, a signing key available),
//! `/metrics` (Prometheus text).

use super::AppState;
use crate::error::{Error, Result};
use std::time::Duration;

/// How long `/readyz` waits for the database and the key store.
pub const READY_WITHIN: Duration = Duration::from_secs(2);
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use std::sync::atomic::Ordering;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
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

async fn metrics(
    State(s): State<AppState>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let m = &s.metrics;
    let mut out = String::new();
    for (name, help, v) in [
        (
            "vaxcert_certificates_issued_total",
            "certificates issued",
            &m.issued,
        ),
        (
            "vaxcert_submissions_replayed_total",
            "idempotent retries answered",
            &m.replayed,
        ),
        (
            "vaxcert_submissions_rejected_total",
            "submissions rejected (4xx)",
            &m.rejected,
        ),
        (
            "vaxcert_certificates_revoked_total",
            "revocation calls",
            &m.revoked,
        ),
        (
            "vaxcert_internal_errors_total",
            "internal errors",
            &m.errors,
        ),
    ] {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
            v.load(Ordering::Relaxed)
        ));
    }
    let g = s.issuer.group_commit_stats();
    for (name, help, v) in [
        (
            "vaxcert_group_commits_total",
            "transactions committed by the single-issuance group commit",
            g.groups,
        ),
        (
            "vaxcert_group_commit_issuances_total",
            "single issuances written through group commits",
            g.jobs,
        ),
    ] {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n"
        ));
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
}
