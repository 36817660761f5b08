//! `/metrics` tells the truth (#12 item 13), on SQLite and PostgreSQL: data figures come from
//! the database, so two replicas of one database report the same exact counts after known
//! activity (a certificate revoked twice counts once); request latency is labelled by route
//! template, never by a path holding a UVCI; RETRIEVAL_LOCKED and RATE_LIMITED answers are
//! counted; the list expiry gauges equal what the list endpoints publish.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{dose, enc, Backend, Harness};
use issuer::http::AppState;
use issuer::tokens::Role;
use serde_json::Value;
use tower::ServiceExt;

both!(two_replicas_report_the_same_exact_data_counts);
both!(latency_is_labelled_by_route_template_never_by_the_raw_path);
both!(holder_refusals_and_delayed_guards_are_counted);
both!(list_expiry_gauges_equal_the_published_lists);
both!(a_scrape_without_the_database_says_so_and_still_answers);

/// `GET /metrics` through `state`'s router.
async fn scrape(state: &AppState) -> String {
    let req = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap();
    let resp = issuer::http::router(state.clone())
        .oneshot(req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The value of the sample `series` (name and labels exactly as exposed).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
}

/// Every data sample (the figures read from the database), sorted (a family's samples come
/// in no fixed order).
fn data_lines(text: &str) -> Vec<&str> {
    let data = [
        "vaxcert_certificates",
        "vaxcert_persons",
        "vaxcert_holder_guards",
    ];
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|l| data.iter().any(|p| l.starts_with(p)))
        .collect();
    lines.sort_unstable();
    lines
}

mod scenarios {
    use super::*;

    pub async fn two_replicas_report_the_same_exact_data_counts(h: &Harness) {
        let t = h.facility("HN-001").await;
        let m = h.token(Role::Ministry, None).await;
        let mut uvcis = Vec::new();
        for (rec, nid, dn) in [
            ("r-1", "079000000001", 1),
            ("r-2", "079000000001", 2), // supersedes r-1's certificate
            ("r-3", "079000000002", 1),
            ("r-4", "079000000003", 1),
            ("r-1", "079000000001", 1), // a retry: nothing new
        ] {
            let (s, v) = h
                .call(
                    "POST",
                    "/v1/vaccinations",
                    Some(&t),
                    Some(dose("HN-001", rec, nid, dn, 2, "2021-06-01")),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            uvcis.push((
                v["record_id"].as_str().unwrap().to_string(),
                v["certificate"]["uvci"].as_str().unwrap().to_string(),
            ));
        }
        // r-4's certificate revoked twice: the second call changes nothing.
        for _ in 0..2 {
            let (s, v) = h
                .call(
                    "POST",
                    &format!("/v1/certificates/{}/revoke", enc(&uvcis[3].1)),
                    Some(&m),
                    Some(serde_json::json!({"reason": "error"})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        // r-3 corrected: its certificate is revoked and replaced (a re-issue).
        let mut fix = dose("HN-001", "r-3", "079000000002", 2, 2, "2021-06-01");
        fix.as_object_mut().unwrap().remove("person");
        let (s, v) = h
            .call(
                "PUT",
                &format!("/v1/vaccinations/{}", uvcis[2].0),
                Some(&t),
                Some(fix),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // One row through the bulk importer.
        let file = h.dir.path().join("rows.ndjson");
        let row = dose("HN-001", "r-5", "079000000004", 1, 2, "2021-06-01");
        std::fs::write(&file, format!("{row}\n")).unwrap();
        let mut opts = issuer::import::Options::for_file(&file);
        opts.progress = false;
        let summary = issuer::import::run(&h.issuer, &file, &opts, common::T0)
            .await
            .unwrap();
        assert_eq!(summary.issued, 1);

        let a = scrape(&h.state).await;
        for (series, want) in [
            (r#"vaxcert_certificates{state="current"}"#, 3.0), // r-2, corrected r-3, r-5
            (r#"vaxcert_certificates{state="superseded"}"#, 1.0), // r-1
            (r#"vaxcert_certificates{state="revoked"}"#, 2.0), // r-4 (twice), old r-3
            (r#"vaxcert_certificates_issued_total{how="single"}"#, 4.0),
            (r#"vaxcert_certificates_issued_total{how="import"}"#, 1.0),
            (r#"vaxcert_certificates_issued_total{how="other"}"#, 0.0),
            (r#"vaxcert_certificates_issued_total{how="reissue"}"#, 1.0),
            ("vaxcert_certificates_revoked_total", 2.0),
            ("vaxcert_persons", 4.0),
            ("vaxcert_holder_guards_delayed", 0.0),
            ("vaxcert_metrics_database_up", 1.0),
            ("vaxcert_submissions_replayed_total", 1.0),
        ] {
            assert_eq!(value(&a, series), want, "{series}");
        }
        // A second replica (its own pool, its own in-memory figures, nothing served yet)
        // reports the same data: nothing it says about data is per-process.
        let replica = AppState::new(h.replica().await, h.clock.clone(), Default::default());
        let b = scrape(&replica).await;
        assert_eq!(data_lines(&a), data_lines(&b));
        assert_eq!(value(&b, "vaxcert_submissions_replayed_total"), 0.0);
        // Scraped again after one more issuance (through the first), both see it.
        let (s, _) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r-6", "079000000005", 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (a, b) = (scrape(&h.state).await, scrape(&replica).await);
        assert_eq!(data_lines(&a), data_lines(&b));
        let single = r#"vaxcert_certificates_issued_total{how="single"}"#;
        assert_eq!(value(&b, single), 5.0);
    }

    pub async fn latency_is_labelled_by_route_template_never_by_the_raw_path(h: &Harness) {
        let t = h.facility("HN-001").await;
        let (_, v) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r-1", "079123456789", 1, 2, "2021-06-01")),
            )
            .await;
        let uvci = v["certificate"]["uvci"].as_str().unwrap().to_string();
        let path = format!("/v1/certificates/{}", enc(&uvci));
        let (s, _, _) = h
            .raw_with_headers_from_code(&path, "203.0.113.1", "WRONGWRONG")
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = h.raw("GET", "/v1/no/079123456789", None, &[], vec![]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let text = scrape(&h.state).await;
        let count = |route: &str, status: &str| {
            value(
                &text,
                &format!(
                    "vaxcert_http_request_duration_seconds_count{{method=\"GET\",route=\"{route}\",status=\"{status}\"}}"
                ),
            )
        };
        assert_eq!(count("/v1/certificates/{uvci}", "4xx"), 1.0);
        assert_eq!(count("unmatched", "4xx"), 1.0);
        assert!(text.contains(
            r#"vaxcert_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/v1/vaccinations",status="2xx"} 1"#
        ) || text.contains(
            r#"vaxcert_http_request_duration_seconds_bucket{method="POST",route="/v1/vaccinations",status="2xx",le="+Inf"} 1"#
        ), "{text}");
        assert_eq!(
            value(
                &text,
                r#"vaxcert_http_errors_total{code="RETRIEVAL_FAILED"}"#
            ),
            1.0
        );
        for secret in [
            uvci.as_str(),
            &enc(&uvci),
            "079123456789",
            "WRONGWRONG",
            "203.0.113.1",
        ] {
            assert!(!text.contains(secret), "{secret} in /metrics:\n{text}");
        }
    }

    pub async fn holder_refusals_and_delayed_guards_are_counted(h: &Harness) {
        let body = serde_json::json!({"national_id": "079000000077",
            "date_of_birth": "1990-01-02", "retrieval_code": "WRONGWRONG"});
        let look_up = |state: AppState| {
            let body = body.clone();
            async move {
                let req = Request::builder()
                    .method("POST")
                    .uri("/v1/holder/certificates")
                    .header("content-type", "application/json")
                    .body(Body::from(serde_json::to_vec(&body).unwrap()))
                    .unwrap();
                let resp = issuer::http::router(state).oneshot(req).await.unwrap();
                let status = resp.status();
                let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
                    .await
                    .unwrap();
                let v: Value = serde_json::from_slice(&bytes).unwrap();
                (status, v["code"].as_str().unwrap_or_default().to_string())
            }
        };
        // Free failures, then the guard delays the next attempt: RETRIEVAL_LOCKED.
        let free = issuer::service::guard::FREE_FAILURES;
        for _ in 0..free {
            assert_eq!(look_up(h.state.clone()).await.1, "RETRIEVAL_FAILED");
        }
        let text = scrape(&h.state).await;
        assert_eq!(value(&text, "vaxcert_holder_guards_delayed"), 1.0);
        assert!(!text.contains(r#"code="RETRIEVAL_LOCKED""#), "{text}");
        assert_eq!(look_up(h.state.clone()).await.1, "RETRIEVAL_LOCKED");
        assert_eq!(look_up(h.state.clone()).await.1, "RETRIEVAL_LOCKED");
        let text = scrape(&h.state).await;
        assert_eq!(
            value(
                &text,
                r#"vaxcert_http_errors_total{code="RETRIEVAL_LOCKED"}"#
            ),
            2.0
        );
        let failed = r#"vaxcert_http_errors_total{code="RETRIEVAL_FAILED"}"#;
        assert_eq!(value(&text, failed), free as f64);
        // The per-client budget: the 3rd look-up of a minute is RATE_LIMITED.
        let limits = issuer::config::HttpLimits {
            holder_requests_per_minute: 2,
            ..Default::default()
        };
        let tight = AppState::new(h.issuer.clone(), h.clock.clone(), limits);
        for _ in 0..2 {
            assert_eq!(look_up(tight.clone()).await.1, "RETRIEVAL_LOCKED");
        }
        assert_eq!(look_up(tight.clone()).await.1, "RATE_LIMITED");
        let text = scrape(&tight).await;
        assert_eq!(
            value(&text, r#"vaxcert_http_errors_total{code="RATE_LIMITED"}"#),
            1.0
        );
    }

    pub async fn list_expiry_gauges_equal_the_published_lists(h: &Harness) {
        let anchor = h.issuer.keys().csca_der.clone();
        let expiry = |bytes: &[u8]| {
            use trust_list::inspect::{inspect, Content};
            use trust_list::revocation::RevocationPayload;
            match inspect(bytes, Some(&anchor), common::T0, 0)
                .content
                .unwrap()
            {
                Content::TrustList(l) => l.valid_until,
                Content::Revocation(RevocationPayload::Full(l)) => l.valid_until,
                Content::RuleSet(r) => r.valid_until,
                other => panic!("{other:?}"),
            }
        };
        let (s, rules) = h.raw("GET", "/v1/rules/vn-venue", None, &[], vec![]).await;
        assert_eq!(s, StatusCode::OK);
        let (_, tl) = h.raw("GET", "/v1/trust-list", None, &[], vec![]).await;
        let (_, rl) = h.raw("GET", "/v1/revocations", None, &[], vec![]).await;
        let text = scrape(&h.state).await;
        let gauge = |series: &str| value(&text, series) as i64;
        assert_eq!(
            gauge("vaxcert_trust_list_expiry_timestamp_seconds"),
            expiry(&tl)
        );
        assert_eq!(
            gauge("vaxcert_revocation_list_expiry_timestamp_seconds"),
            expiry(&rl)
        );
        assert_eq!(
            gauge(r#"vaxcert_rule_set_expiry_timestamp_seconds{name="vn-venue"}"#),
            expiry(&rules)
        );
        assert!(expiry(&tl) > common::T0 && expiry(&rl) > common::T0);
        // A set never published has no gauge (a scrape signs nothing).
        assert!(!text.contains(r#"name="vn-travel""#), "{text}");
    }

    pub async fn a_scrape_without_the_database_says_so_and_still_answers(h: &Harness) {
        let text = scrape(&h.state).await;
        assert_eq!(value(&text, "vaxcert_metrics_database_up"), 1.0);
        h.issuer.db().close().await;
        let text = scrape(&h.state).await;
        assert_eq!(value(&text, "vaxcert_metrics_database_up"), 0.0);
        assert!(data_lines(&text).is_empty(), "{text}");
        assert!(!text.contains("expiry_timestamp"), "{text}");
        // This replica's traffic figures are still there.
        assert!(
            text.contains("vaxcert_http_request_duration_seconds_count{"),
            "{text}"
        );
    }
}
