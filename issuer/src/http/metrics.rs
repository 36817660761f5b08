//! `GET /metrics` (spec/issuer.md §Metrics): Prometheus exposition in the OpenMetrics text
//! format, built with `prometheus-client`. Two kinds of figure:
//!
//! - **data** — certificates by state and by how they were issued, revocations, persons,
//!   delayed holder guards — read from the database at scrape time
//!   ([`crate::service::stats`]), so every replica of one database says the same; plus the
//!   expiry of each published list. Read within [`SCRAPE_WITHIN`]; when the database does not
//!   answer in time they are left out and `vaxcert_metrics_database_up` is 0.
//! - **this replica's traffic** — request latency per route template and status class, error
//!   answers per code (`RETRIEVAL_LOCKED`, `RATE_LIMITED`, …), idempotent replays, group
//!   commits — counted in memory by [`super::access`] and the handlers.
//!
//! Labels never carry a raw path, query or any value from a request: routes are templates
//! (`/v1/certificates/{uvci}`), codes come from the closed list, rule-set names are validated.

use super::AppState;
use crate::service::stats::{DataCounts, IssueTally, ListExpiries};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Duration;

/// How long a scrape waits for the data figures.
pub const SCRAPE_WITHIN: Duration = Duration::from_secs(5);

/// The OpenMetrics text content type.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Labels of a request: method, route template, status class.
type RequestLabels = [(&'static str, String); 3];
/// Label of an error answer: its code.
type CodeLabel = [(&'static str, &'static str); 1];

fn latency_histogram() -> Histogram {
    // 1 ms … 8.2 s, doubling.
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

/// This replica's traffic figures, and its cursor into the audit log.
#[derive(Debug)]
pub struct Metrics {
    requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    errors: Family<CodeLabel, Counter>,
    replayed: Counter,
    tally: IssueTally,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Family::new_with_constructor(latency_histogram),
            errors: Family::default(),
            replayed: Counter::default(),
            tally: IssueTally::default(),
        }
    }
}

impl Metrics {
    /// Record one answered request under its route template.
    pub fn observe(&self, method: &'static str, route: &str, status: StatusCode, secs: f64) {
        let labels = [
            ("method", method.to_string()),
            ("route", route.to_string()),
            ("status", status_class(status).to_string()),
        ];
        self.requests.get_or_create(&labels).observe(secs);
    }

    /// Count one error answer with `code` (a code of the closed list).
    pub fn count_error(&self, code: &'static str) {
        self.errors.get_or_create(&[("code", code)]).inc();
    }

    /// Count one submission answered as an idempotent replay.
    pub fn count_replay(&self) {
        self.replayed.inc();
    }
}

/// `2xx`, `4xx`, …
pub fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

async fn scrape(State(s): State<AppState>) -> Response {
    let now = s.now();
    let mut reg = Registry::default();
    register_traffic(&mut reg, &s);
    let data = tokio::time::timeout(SCRAPE_WITHIN, async {
        let counts = s.issuer.data_counts(&s.metrics.tally, now).await?;
        let expiries = s.issuer.published_expiries(now).await?;
        Ok::<_, crate::Error>((counts, expiries))
    })
    .await;
    let up = Gauge::<i64>::default();
    match data {
        Ok(Ok((counts, expiries))) => {
            up.set(1);
            register_data(&mut reg, &counts);
            register_expiries(&mut reg, &expiries);
        }
        Ok(Err(e)) => {
            tracing::warn!(code = e.code(), source = %e.log_source(), "metrics: data not read")
        }
        Err(_) => tracing::warn!("metrics: the database did not answer in time"),
    }
    reg.register(
        "vaxcert_metrics_database_up",
        "1 when this scrape read the data figures from the database",
        up,
    );
    let mut out = String::new();
    if encode(&mut out, &reg).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], out).into_response()
}

fn counter(v: i64) -> Counter {
    let c = Counter::default();
    c.inc_by(u64::try_from(v).unwrap_or(0));
    c
}

fn gauge(v: i64) -> Gauge {
    let g = Gauge::default();
    g.set(v);
    g
}

fn register_traffic(reg: &mut Registry, s: &AppState) {
    let m = &s.metrics;
    reg.register(
        "vaxcert_http_request_duration_seconds",
        "time to answer a request, by method, route template and status class (this replica)",
        m.requests.clone(),
    );
    reg.register(
        "vaxcert_http_errors",
        "error answers by code, e.g. RETRIEVAL_LOCKED, RATE_LIMITED (this replica)",
        m.errors.clone(),
    );
    reg.register(
        "vaxcert_submissions_replayed",
        "submissions answered as idempotent retries (this replica)",
        m.replayed.clone(),
    );
    let g = s.issuer.group_commit_stats();
    reg.register(
        "vaxcert_group_commits",
        "transactions committed by the single-issuance group commit (this replica)",
        counter(i64::try_from(g.groups).unwrap_or(i64::MAX)),
    );
    reg.register(
        "vaxcert_group_commit_issuances",
        "single issuances written through group commits (this replica)",
        counter(i64::try_from(g.jobs).unwrap_or(i64::MAX)),
    );
}

fn register_data(reg: &mut Registry, d: &DataCounts) {
    let by_state = Family::<CodeLabel, Gauge>::default();
    for (state, n) in &d.certificates {
        by_state.get_or_create(&[("state", state.as_str())]).set(*n);
    }
    reg.register(
        "vaxcert_certificates",
        "certificates stored, by state (database)",
        by_state,
    );
    let issued = Family::<CodeLabel, Counter>::default();
    for (how, n) in &d.issued {
        issued
            .get_or_create(&[("how", *how)])
            .inc_by(u64::try_from(*n).unwrap_or(0));
    }
    reg.register(
        "vaxcert_certificates_issued",
        "certificates issued, by how: single, import, other, reissue (database)",
        issued,
    );
    reg.register(
        "vaxcert_certificates_revoked",
        "certificates revoked, each once (database)",
        counter(d.revoked),
    );
    reg.register(
        "vaxcert_persons",
        "persons known (database)",
        gauge(d.persons),
    );
    reg.register(
        "vaxcert_holder_guards_delayed",
        "holder guards now delaying attempts (database)",
        gauge(d.delayed_guards),
    );
}

fn register_expiries(reg: &mut Registry, e: &ListExpiries) {
    reg.register(
        "vaxcert_trust_list_expiry_timestamp_seconds",
        "when the trust list published now expires (unix seconds)",
        gauge(e.trust_list),
    );
    reg.register(
        "vaxcert_revocation_list_expiry_timestamp_seconds",
        "when the revocation list published now expires (unix seconds)",
        gauge(e.revocation_list),
    );
    let rules = Family::<[(&'static str, String); 1], Gauge>::default();
    for (name, until) in &e.rule_sets {
        rules.get_or_create(&[("name", name.clone())]).set(*until);
    }
    reg.register(
        "vaxcert_rule_set_expiry_timestamp_seconds",
        "when the latest publication of each rule set expires (unix seconds)",
        rules,
    );
}
