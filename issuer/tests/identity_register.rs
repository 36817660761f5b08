//! An external population register over HTTP (spec/issuer.md §Identity "External register"),
//! tested against a small local register server: a match is issued, a mismatch and an
//! unknown document are held, a kind it does not cover is not sent, and while the register
//! fails a new person's submission is a retryable 503 that stores nothing, and people already
//! stored are still served.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[macro_use]
mod common;

use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use common::*;
use issuer::domain::DocumentKind;
use issuer::http::AppState;
use issuer::identity::http_register::HttpRegister;
use issuer::service::{Issuer, Settings};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The register server's state: whether it fails, and how many look-ups it answered.
#[derive(Default)]
struct Register {
    failing: AtomicBool,
    asked: AtomicUsize,
}

async fn answer(
    axum::extract::State(r): axum::extract::State<Arc<Register>>,
    Json(q): Json<Value>,
) -> Result<Json<Value>, StatusCode> {
    r.asked.fetch_add(1, Ordering::SeqCst);
    if r.failing.load(Ordering::SeqCst) {
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(
        q["document_type"], "national_id",
        "only covered kinds are sent"
    );
    Ok(Json(match q["document_number"].as_str() {
        Some("001099001234") => json!({"found": true, "family_name": "NGUYEN",
                                       "given_name": "THI DAO", "source": "extra field a register may add", "date_of_birth": "1990-01-02"}),
        _ => json!({"found": false}),
    }))
}

async fn start_register() -> (String, Arc<Register>) {
    let reg = Arc::new(Register::default());
    let app = Router::new()
        .route("/lookup", post(answer))
        .with_state(reg.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/lookup"), reg)
}

/// The harness's issuer, consulting the register at `url` instead of the table.
async fn with_http_register(mut h: Harness, url: &str) -> Harness {
    let db = issuer::db::Db::connect(&h.url).await.unwrap();
    let keys = Arc::new(issuer::keys::Keys::load(&h.dir.path().join("keys")).unwrap());
    let http =
        HttpRegister::new(url, vec![DocumentKind::NationalId], Duration::from_secs(2)).unwrap();
    let issuer = Issuer::new(db, keys, Settings::default()).with_register(Arc::new(http));
    h.issuer = Arc::new(issuer);
    h.state = AppState::new(h.issuer.clone(), h.clock.clone(), Default::default());
    h
}

async fn scenario(h: Harness) {
    let (url, reg) = start_register().await;
    let h = with_http_register(h, &url).await;
    let a = h.facility("site-a").await;
    let post = |body: Value| {
        let (h, a) = (&h, &a);
        async move {
            h.call("POST", "/v1/vaccinations", Some(a), Some(body))
                .await
        }
    };
    // Matches the register (case and diacritics aside): issued.
    let (s, v) = post(dose("site-a", "r1", "001099001234", 1, 2, "2021-06-01")).await;
    assert_eq!((s, &v["state"]), (StatusCode::OK, &json!("issued")), "{v}");
    // Disagrees: held.
    let mut bad = dose("site-a", "r2", "001099001235", 1, 2, "2021-06-01");
    bad["person"]["family_name"] = json!("Trần");
    let (s, v) = post(bad).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    // A passport is not covered: never sent, the first submission sets the identity.
    let asked = reg.asked.load(Ordering::SeqCst);
    let mut p = dose("site-a", "p1", "", 1, 2, "2021-06-01");
    p["person"].as_object_mut().unwrap().remove("national_id");
    p["person"]["document"] = json!({"type": "passport", "number": "X99", "country": "FRA"});
    let (s, v) = post(p).await;
    assert_eq!((s, &v["state"]), (StatusCode::OK, &json!("issued")), "{v}");
    assert_eq!(reg.asked.load(Ordering::SeqCst), asked);
    // The register fails: a new person cannot be created (503, retryable, nothing stored) …
    reg.failing.store(true, Ordering::SeqCst);
    let new = dose("site-a", "r4", "001099009999", 1, 2, "2021-06-01");
    let (s, v) = post(new.clone()).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["code"], "UNAVAILABLE");
    // … while a person already stored is served, checked against the stored identity.
    let (s, v) = post(dose("site-a", "r3", "001099001234", 2, 2, "2021-08-01")).await;
    assert_eq!(
        (s, &v["certificate"]["status"]),
        (StatusCode::OK, &json!("complete")),
        "{v}"
    );
    let mut wrong = dose("site-a", "r5", "001099001234", 3, 3, "2022-01-01");
    wrong["person"]["date_of_birth"] = json!("1991-01-02");
    assert_eq!(post(wrong).await.0, StatusCode::ACCEPTED);
    // Back up: the new person's retry is answered (the register does not know them: held).
    reg.failing.store(false, Ordering::SeqCst);
    let (s, v) = post(new).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    h.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_register_sqlite() {
    scenario(Harness::new(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_register_postgres() {
    if let Some(h) = Harness::new(Backend::Postgres).await {
        scenario(h).await;
    }
}
