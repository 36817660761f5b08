//! Test harness: a real issuer (real keys, real database: a SQLite file in a temp dir, or a
//! fresh PostgreSQL database per test) driven in memory through the axum router, and the
//! verifier crate checking what it issues against the trust list it publishes.
#![allow(
    unreachable_pub,
    dead_code,
    unused_macros,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use issuer::clock::FixedClock;
use issuer::db::Db;
use issuer::http::AppState;
use issuer::service::{Issuer, Settings};
use issuer::tokens::Role;
use issuer::with_db;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;
use trust_list::list::{verify_trust_list, VerifyOptions};
use trust_list::revocation::{verify_revocation, RevocationPayload};
use trust_list::{Dsc, TrustState, TrustStore};
use verifier::{Outcome, Policy, RevocationData, TrustContext, Verdict};

/// 2025-06-01T00:00:00Z.
pub const T0: i64 = 1_748_736_000;

pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub issuer: Arc<Issuer>,
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    pub pg_cleanup: Option<(String, String)>,
    pub url: String,
}

/// `None` (with a printed notice) when PostgreSQL tests should be skipped.
pub async fn fresh_pg_url() -> Option<(String, String, String)> {
    let Ok(base) = std::env::var("VAXCERT_TEST_DATABASE_URL") else {
        eprintln!("NOTICE: VAXCERT_TEST_DATABASE_URL is not set; skipping the PostgreSQL test");
        return None;
    };
    let name = format!("vaxcert_test_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("VAXCERT_TEST_DATABASE_URL is set but unreachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some((format!("{prefix}/{name}"), base, name))
}

impl Harness {
    pub async fn new(backend: Backend) -> Option<Harness> {
        Self::with_settings(backend, Settings::default()).await
    }

    pub async fn with_settings(backend: Backend, settings: Settings) -> Option<Harness> {
        let dir = tempfile::tempdir().unwrap();
        let keys_dir = dir.path().join("keys");
        issuer::keys::generate_dev(&keys_dir, "VN", T0).unwrap();
        let (url, pg_cleanup) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("issuer.db").display()),
                None,
            ),
            Backend::Postgres => {
                let (url, base, name) = fresh_pg_url().await?;
                (url, Some((base, name)))
            }
        };
        let db = Db::connect(&url).await.unwrap();
        let url2 = url.clone();
        let keys = Arc::new(issuer::keys::Keys::load(&keys_dir).unwrap());
        keys.sync(&db, T0).await.unwrap();
        let issuer = Arc::new(Issuer::new(db, keys, settings));
        let clock = Arc::new(FixedClock::new(T0));
        let state = AppState::new(issuer.clone(), clock.clone(), Default::default());
        Some(Harness {
            dir,
            issuer,
            state,
            clock,
            pg_cleanup,
            url: url2,
        })
    }

    /// A second replica: its own pool on the same database and the same keys directory.
    pub async fn replica(&self) -> Arc<Issuer> {
        let db = Db::connect(&self.url).await.unwrap();
        let keys = Arc::new(issuer::keys::Keys::load(&self.dir.path().join("keys")).unwrap());
        Arc::new(Issuer::new(db, keys, Settings::default()))
    }

    pub async fn cleanup(self) {
        self.issuer.db().close().await;
        if let Some((base, name)) = &self.pg_cleanup {
            let pool = sqlx::PgPool::connect(base).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&pool)
                .await;
        }
    }

    pub async fn facility(&self, id: &str) -> String {
        with_db!(&self.issuer.db(), |p| {
            let mut c = p.acquire().await.unwrap();
            issuer::db::Facilities::facility_insert(&mut *c, id, id, T0)
                .await
                .unwrap();
        });
        self.token(Role::Facility, Some(id)).await
    }

    pub async fn token(&self, role: Role, facility: Option<&str>) -> String {
        let now = self.clock.0.load(std::sync::atomic::Ordering::SeqCst);
        self.issuer
            .mint_token(role, facility, 86_400, "test", now)
            .await
            .unwrap()
            .token
    }

    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let resp = issuer::http::router(self.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
            .await
            .unwrap();
        (status, bytes.to_vec())
    }

    /// Like [`Harness::raw`], with the response headers.
    pub async fn raw_with_headers(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let resp = issuer::http::router(self.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
            .await
            .unwrap();
        (status, headers, bytes.to_vec())
    }

    /// A request as sent through a trusted proxy for `client` (`X-Forwarded-For`).
    pub async fn raw_with_headers_from(
        &self,
        method: &str,
        path: &str,
        client: &str,
        body: Vec<u8>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        self.send(method, path, &[("x-forwarded-for", client)], body)
            .await
    }

    /// `GET path` with `X-Retrieval-Code: code`, through a trusted proxy for `client`.
    pub async fn raw_with_headers_from_code(
        &self,
        path: &str,
        client: &str,
        code: &str,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        self.send(
            "GET",
            path,
            &[("x-forwarded-for", client), ("x-retrieval-code", code)],
            vec![],
        )
        .await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        // In-process requests come from loopback, trusted as a proxy here.
        let mut state = self.state.clone();
        state.limits.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        let resp = issuer::http::router(state).oneshot(req).await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
            .await
            .unwrap();
        (status, headers, bytes.to_vec())
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let b = body
            .map(|v| serde_json::to_vec(&v).unwrap())
            .unwrap_or_default();
        let (s, bytes) = self.raw(method, path, token, &[], b).await;
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (s, v)
    }

    /// Every audit action, in order.
    pub async fn audit_actions(&self) -> Vec<String> {
        with_db!(&self.issuer.db(), |p| {
            let mut c = p.acquire().await.unwrap();
            issuer::db::AuditLog::audit_range(&mut *c, 1, i64::MAX)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.action)
                .collect()
        })
    }

    /// A holder's look-up by national id, birth date and retrieval code.
    pub async fn holder_lookup(&self, nid: &str, dob: &str, code: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/v1/holder/certificates",
            None,
            Some(json!({"national_id": nid, "date_of_birth": dob, "retrieval_code": code})),
        )
        .await
    }

    /// A new retrieval code for the person behind `record_id` (as a site asks for its
    /// printed handout).
    pub async fn retrieval_code(&self, token: &str, record_id: &Value) -> String {
        let (s, v) = self
            .call(
                "POST",
                "/v1/persons/retrieval-code",
                Some(token),
                Some(json!({ "record_id": record_id })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["retrieval_code"].as_str().unwrap().to_string()
    }

    /// Fetch the published trust list and revocation list over the router and verify `hc1`
    /// with the verifier crate.
    pub async fn verify(&self, hc1: &str) -> Verdict {
        let now = self.clock.0.load(std::sync::atomic::Ordering::SeqCst);
        let (s, anchor_pem) = self.raw("GET", "/v1/anchor.pem", None, &[], vec![]).await;
        assert_eq!(s, StatusCode::OK);
        let anchor = Dsc::from_pem(std::str::from_utf8(&anchor_pem).unwrap()).unwrap();
        let (s, tl) = self.raw("GET", "/v1/trust-list", None, &[], vec![]).await;
        assert_eq!(s, StatusCode::OK);
        let mut state = TrustState::default();
        let opts = VerifyOptions::new(now, 0);
        let verified = verify_trust_list(&tl, &anchor, &mut state, &opts).unwrap();
        let mut store = TrustStore::new();
        store.add_signed_list(&verified);
        let (s, rl) = self.raw("GET", "/v1/revocations", None, &[], vec![]).await;
        assert_eq!(s, StatusCode::OK);
        let rev = verify_revocation(&rl, &anchor, &mut state, &opts).unwrap();
        let RevocationPayload::Full(list) = rev.payload else {
            panic!("expected a full list")
        };
        let mut ctx = TrustContext::new(store);
        ctx.revocation = RevocationData::Loaded(list);
        let clock = time::OffsetDateTime::from_unix_timestamp(now + 1).unwrap();
        verifier::verify(hc1, &ctx, &Policy::none(), clock)
    }

    pub async fn assert_valid(&self, hc1: &str) {
        let v = self.verify(hc1).await;
        assert_eq!(v.outcome, Outcome::Valid, "{:?}", v.reason);
    }

    pub async fn assert_revoked(&self, hc1: &str) {
        let v = self.verify(hc1).await;
        assert_eq!(v.outcome, Outcome::Invalid, "{:?}", v.reason);
        assert_eq!(
            v.reason.map(|r| r.code().to_string()),
            Some("REVOKED".to_string())
        );
    }
}

pub fn dose(facility: &str, record: &str, nid: &str, dn: i64, sd: i64, date: &str) -> Value {
    json!({
        "facility_id": facility, "facility_record_id": record,
        "person": {"national_id": nid, "family_name": "Nguyễn", "given_name": "Thị Đào",
                   "date_of_birth": "1990-01-02"},
        "vaccine_type": "J07BX03", "product": "EU/1/20/1528", "manufacturer": "ORG-100030215",
        "dose_number": dn, "series_total": sd, "date": date, "country": "VN", "lot": "FK1234"
    })
}

pub fn enc(uvci: &str) -> String {
    percent_encoding::utf8_percent_encode(uvci, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `both!(name)`: run `scenarios::name(&Harness)` as two tests, `sqlite` and `postgres` (the
/// latter skipped with a notice when `VAXCERT_TEST_DATABASE_URL` is unset).
macro_rules! both {
    ($name:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let h = Harness::new(Backend::Sqlite).await.unwrap();
                super::scenarios::$name(&h).await;
                h.cleanup().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(h) = Harness::new(Backend::Postgres).await else {
                    return;
                };
                super::scenarios::$name(&h).await;
                h.cleanup().await;
            }
        }
    };
}
