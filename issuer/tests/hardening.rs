//! Regression tests of the outside review's findings (issue #12) on the issuer's side, each
//! on SQLite and PostgreSQL: what the HTTP surface answers whatever produced the error, the
//! security headers, the revocation `since` bound, the token row's expiry, the key-compromise
//! transaction, and the server's timeouts on a real socket.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{dose, enc, Backend, Harness};
use issuer::tokens::Role;
use serde_json::Value;

both!(framework_errors_under_v1_answer_the_typed_json_body);
both!(pages_get_html_errors_and_security_headers);
both!(revocations_since_beyond_the_latest_sequence_is_refused);
both!(a_token_stops_working_when_its_row_expires_even_if_the_jwt_has_not);
both!(compromise_without_the_csca_key_changes_nothing_and_says_why);
both!(nobody_can_lock_a_citizen_out_and_unknown_people_look_like_known_ones);
both!(a_malformed_rotation_request_changes_no_key);

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

mod scenarios {
    use super::*;

    /// A holder look-up from `client` (through a trusted proxy): status, code, Retry-After.
    pub(super) async fn look_up(
        h: &Harness,
        client: &str,
        nid: &str,
        dob: &str,
        code: &str,
    ) -> (StatusCode, Value, Option<String>) {
        let body =
            serde_json::json!({"national_id": nid, "date_of_birth": dob, "retrieval_code": code});
        let (s, headers, bytes) = h
            .raw_with_headers_from(
                "POST",
                "/v1/holder/certificates",
                client,
                serde_json::to_vec(&body).unwrap(),
            )
            .await;
        let retry = headers
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        (s, json(&bytes), retry)
    }

    pub async fn nobody_can_lock_a_citizen_out_and_unknown_people_look_like_known_ones(
        h: &Harness,
    ) {
        let t = h.facility("HN-001").await;
        let (_, first) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "a", "079000000031", 1, 2, "2021-06-01")),
            )
            .await;
        let code = h.retrieval_code(&t, &first["record_id"]).await;
        let uvci = first["certificate"]["uvci"].as_str().unwrap().to_string();
        // An attacker on one network: wrong birth dates, wrong codes, bad codes on the UVCI.
        for i in 0..30 {
            let dob = if i % 2 == 0 {
                "1991-01-01"
            } else {
                "1990-01-02"
            };
            let (s, _, _) = look_up(h, "198.51.100.66", "079000000031", dob, "WRONGWRONG").await;
            assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS);
            let (s, _, _) = h
                .raw_with_headers_from_code(
                    &format!("/v1/certificates/{}", enc(&uvci)),
                    "198.51.100.66",
                    "WRONGWRONG",
                )
                .await;
            assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS);
        }
        let (s, v, retry) = look_up(h, "198.51.100.66", "079000000031", "1990-01-02", &code).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
        assert_eq!(v["code"], "RETRIEVAL_LOCKED");
        let retry: i64 = retry.unwrap().parse().unwrap();
        assert!((1..=issuer::service::guard::MAX_DELAY).contains(&retry));
        // The citizen, from their own network, is not slowed at all.
        let (s, v, _) = look_up(h, "203.0.113.5", "079000000031", "1990-01-02", &code).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["certificates"][0]["uvci"], uvci.as_str());
        let (s, _, _) = h
            .raw_with_headers_from_code(
                &format!("/v1/certificates/{}", enc(&uvci)),
                "203.0.113.5",
                &code,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        // Unknown and known people get the same answer, byte for byte, with the same headers.
        let known = look_up(h, "192.0.2.10", "079000000031", "1990-01-02", "WRONGWRONG").await;
        let unknown = look_up(h, "192.0.2.11", "079999999999", "1990-01-02", "WRONGWRONG").await;
        assert_eq!(known, unknown);
        assert_eq!(known.0, StatusCode::UNAUTHORIZED);
        // The guard table holds no national id, code or address.
        let keys: Vec<Vec<u8>> = issuer::with_db!(h.issuer.db(), |p| {
            sqlx::query_scalar("SELECT key FROM attempt_guards")
                .fetch_all(p)
                .await
                .unwrap()
        });
        assert!(!keys.is_empty());
        for k in keys {
            let text = String::from_utf8_lossy(&k);
            assert!(!text.contains("0790") && !text.contains("198.51"));
        }
    }

    pub async fn a_malformed_rotation_request_changes_no_key(h: &Harness) {
        let m = h.token(Role::Ministry, None).await;
        let (_, before) = h.call("GET", "/v1/keys", Some(&m), None).await;
        for body in [
            serde_json::json!({"algorithm": {}}),
            serde_json::json!({"algorithm": 256}),
            serde_json::json!({"algorithm": null}),
            serde_json::json!({"algorithm": "ES512"}),
        ] {
            let (s, v) = h
                .call("POST", "/v1/keys/rotate", Some(&m), Some(body.clone()))
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
            assert_eq!(v["fields"][0]["field"], "algorithm");
        }
        let (_, after) = h.call("GET", "/v1/keys", Some(&m), None).await;
        assert_eq!(before, after, "a refused request changed the keys");
    }

    pub async fn framework_errors_under_v1_answer_the_typed_json_body(h: &Harness) {
        let t = h.facility("HN-001").await;
        let cases: Vec<(&str, String, Vec<u8>, StatusCode, &str)> = vec![
            (
                "GET",
                "/v1/nope".into(),
                vec![],
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
            ),
            (
                "DELETE",
                "/v1/vaccinations".into(),
                vec![],
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
            ),
            (
                "POST",
                "/v1/vaccinations".into(),
                vec![b' '; 200 * 1024],
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
            ),
            (
                "GET",
                format!("/v1/trust-list?x={}", "a".repeat(9 * 1024)),
                vec![],
                StatusCode::URI_TOO_LONG,
                "URI_TOO_LONG",
            ),
            (
                "GET",
                "/v1/revocations?since=1&since=2".into(),
                vec![],
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
            ),
        ];
        for (method, path, body, status, code) in cases {
            let (s, headers, bytes) = h.raw_with_headers(method, &path, Some(&t), body).await;
            assert_eq!(s, status, "{method} {}", &path[..path.len().min(60)]);
            assert_eq!(
                headers["content-type"], "application/json",
                "{method} {path:.60}"
            );
            let v = json(&bytes);
            assert_eq!(v["code"], code, "{method} {path:.60}: {v}");
            assert!(v["message"].is_string());
            assert!(issuer::error::HTTP_CODES.contains(&code));
            assert_eq!(headers["x-content-type-options"], "nosniff");
        }
    }

    pub async fn pages_get_html_errors_and_security_headers(h: &Harness) {
        let (s, headers, body) = h
            .raw_with_headers("GET", "/no-such-page", None, vec![])
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let page = String::from_utf8(body).unwrap();
        assert!(page.contains("Không tìm thấy trang") && page.contains("Page not found"));
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));

        // The printable page: personal data, so no-store, and a strict CSP (no inline style).
        let t = h.facility("HN-001").await;
        let (s, v) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r-1", "079090001234", 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let uvci = v["certificate"]["uvci"].as_str().unwrap();
        let path = format!("/v1/certificates/{}/page", enc(uvci));
        let (s, headers, body) = h.raw_with_headers("GET", &path, Some(&t), vec![]).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["x-frame-options"], "DENY");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"));
        let page = String::from_utf8(body).unwrap();
        assert!(!page.contains("<style") && page.contains("/static/vaxcert.css"));
        let (s, headers, css) = h
            .raw_with_headers("GET", "/static/vaxcert.css", None, vec![])
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css"));
        assert!(String::from_utf8(css).unwrap().contains(".band.partial"));
        // JSON with personal data is not cached either.
        let (_, headers, _) = h
            .raw_with_headers(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                Some(&t),
                vec![],
            )
            .await;
        assert_eq!(headers["cache-control"], "no-store");
    }

    pub async fn revocations_since_beyond_the_latest_sequence_is_refused(h: &Harness) {
        let (s, v) = h
            .call(
                "GET",
                "/v1/revocations?since=9223372036854775807",
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["fields"][0]["field"], "since");
        // Up to the latest sequence (0 with nothing revoked) is a valid delta.
        let (s, _) = h
            .raw("GET", "/v1/revocations?since=0", None, &[], vec![])
            .await;
        assert_eq!(s, StatusCode::OK);
    }

    pub async fn a_token_stops_working_when_its_row_expires_even_if_the_jwt_has_not(h: &Harness) {
        let t = h.token(Role::Ministry, None).await;
        let (s, _) = h.call("GET", "/v1/keys", Some(&t), None).await;
        assert_eq!(s, StatusCode::OK);
        issuer::with_db!(h.issuer.db(), |p| {
            sqlx::query("UPDATE tokens SET expires_at = $1")
                .bind(common::T0 - 1)
                .execute(p)
                .await
                .unwrap();
        });
        let (s, v) = h.call("GET", "/v1/keys", Some(&t), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(v["code"], "UNAUTHENTICATED");
    }

    pub async fn compromise_without_the_csca_key_changes_nothing_and_says_why(h: &Harness) {
        let t = h.facility("HN-001").await;
        let m = h.token(Role::Ministry, None).await;
        let (s, v) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r-1", "079090001234", 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let hc1 = v["certificate"]["hc1"].as_str().unwrap().to_string();
        let kid = v["certificate"]["kid"].as_str().unwrap().to_string();
        // The CSCA key is offline, as the spec advises for production.
        std::fs::remove_file(h.issuer.keys().dir().join("csca.key.pem")).unwrap();
        let (s, v) = h
            .call(
                "POST",
                &format!("/v1/keys/{}/revoke-certificates", enc(&kid)),
                Some(&m),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["code"], "STATE_CONFLICT");
        assert!(v["message"].as_str().unwrap().contains("CSCA"));
        // Nothing changed: the key is still current, nothing revoked, issuance goes on.
        let (_, keys) = h.call("GET", "/v1/keys", Some(&m), None).await;
        let state = keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .map(|k| k["state"].clone());
        assert_eq!(state, Some(Value::from("current")));
        h.assert_valid(&hc1).await;
        let (s, _) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r-2", "079090001234", 2, 2, "2021-08-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, audit) = h.call("GET", "/v1/audit/verify", Some(&m), None).await;
        assert_eq!(audit["intact"], true);
    }
}

/// A real server on a socket with short limits.
async fn real_server(header_ms: u64, request_ms: u64) -> (Harness, std::net::SocketAddr) {
    let mut h = Harness::new(Backend::Sqlite).await.unwrap();
    h.state.limits = issuer::config::HttpLimits {
        header_read_timeout: std::time::Duration::from_millis(header_ms),
        request_timeout: std::time::Duration::from_millis(request_ms),
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = issuer::http::router(h.state.clone());
    let limits = h.state.limits.clone();
    tokio::spawn(async move {
        issuer::server::serve_on(listener, app, &limits, std::future::pending()).await
    });
    (h, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_headers_too_slowly_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (h, addr) = real_server(300, 30_000).await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Never finish the headers: the server must close the connection by itself.
    let mut buf = Vec::new();
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was still open after 5 s");
    h.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_body_never_arrives_times_out_with_the_typed_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (h, addr) = real_server(10_000, 400).await;
    let t = h.facility("HN-001").await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/vaccinations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut buf))
        .await
        .expect("no answer within 5 s")
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("REQUEST_TIMEOUT"), "{text}");
    h.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_lookup_budget_is_told_when_to_come_back() {
    let mut h = Harness::new(Backend::Sqlite).await.unwrap();
    // A budget of 3 a minute: one request back every 20 s, so the 4th of a quick burst is
    // refused however slow the machine is.
    let limits = issuer::config::HttpLimits {
        holder_requests_per_minute: 3,
        ..Default::default()
    };
    h.state = issuer::http::AppState::new(h.issuer.clone(), h.clock.clone(), limits);
    for i in 0..3 {
        let (s, v, _) = scenarios::look_up(
            &h,
            "198.51.100.77",
            &format!("0790{i:08}"),
            "1990-01-02",
            "X",
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }
    let (s, v, retry) =
        scenarios::look_up(&h, "198.51.100.77", "079000000009", "1990-01-02", "X").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v["code"], "RATE_LIMITED");
    let retry: i64 = retry.unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    // Another client is not affected.
    let (s, _, _) =
        scenarios::look_up(&h, "198.51.100.78", "079000000001", "1990-01-02", "X").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    h.cleanup().await;
}
