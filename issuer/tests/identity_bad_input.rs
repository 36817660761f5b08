//! Garbage at every route and file reader added for identity (issue #11): each answers a typed
//! error (status and stable code), never a 5xx or a panic, and changes nothing stored.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::*;
use issuer::identity::population_file;
use issuer::tokens::Role;
use serde_json::json;

/// Rows in the tables identity writes.
async fn stored(h: &Harness) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "persons",
        "doses",
        "review_cases",
        "mends",
        "population",
        "certificates",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {t}");
        let n: i64 = issuer::with_db!(&h.issuer.db(), |p| sqlx::query_scalar(&sql)
            .fetch_one(p)
            .await
            .unwrap());
        out.push(n);
    }
    out
}

mod scenarios {
    use super::*;

    pub async fn every_new_route_refuses_garbage_with_a_typed_error(h: &Harness) {
        let a = h.facility("site-a").await;
        let m = h.token(Role::Ministry, None).await;
        let before = stored(h).await;
        let garbage: [&[u8]; 5] = [
            b"",
            b"not json",
            b"[]",
            b"{\"reason\": 7}",
            &[0xff, 0xfe, 0x00],
        ];
        let routes = [
            ("POST", "/v1/persons/retrieval-code"),
            ("POST", "/v1/persons/search"),
            ("POST", "/v1/persons/p/merge"),
            ("POST", "/v1/persons/p/confirm"),
            ("POST", "/v1/reviews/r/approve"),
            ("POST", "/v1/reviews/r/reject"),
            ("POST", "/v1/vaccinations/x/void"),
            ("POST", "/v1/vaccinations/x/move"),
            ("PUT", "/v1/vaccinations/x/person"),
        ];
        for (method, path) in routes {
            for body in garbage {
                let (s, _, bytes) = h
                    .raw_with_headers(method, path, Some(&m), body.to_vec())
                    .await;
                let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert!(s.is_client_error(), "{method} {path} {body:?}: {s} {v}");
                assert!(v["code"].is_string(), "{method} {path}: {v}");
            }
        }
        // Well-formed but wrong: unknown ids, bad reason codes, bad documents, bad queries.
        let cases = [
            (
                "POST",
                "/v1/persons/search",
                json!({"document": {"type": "passport", "number": "X1"}}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/v1/persons/search",
                json!({"national_id": "12-34 ü"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/v1/persons/search",
                json!({"national_id": "1", "document": {"type": "temporary", "number": "1"}}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/v1/persons/search",
                json!({"national_id": "999"}),
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                "/v1/persons/retrieval-code",
                json!({"record_id": 5}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/v1/persons/p/merge",
                json!({"from": "q", "reason": "because"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/v1/persons/p/merge",
                json!({"from": "q", "reason": "duplicate_person"}),
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                "/v1/persons/p/merge",
                json!({"from": "p", "reason": "duplicate_person"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                "/v1/reviews/r/approve",
                json!({"reason": "verified"}),
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                "/v1/reviews/r/reject",
                json!({"reason": "verified"}),
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                "/v1/mends/nope/undo",
                json!({}),
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                "/v1/vaccinations/x/move",
                json!({"reason": "wrong_person"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "GET",
                "/v1/reviews?state=maybe",
                json!(null),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "GET",
                "/v1/reviews?limit=lots",
                json!(null),
                StatusCode::BAD_REQUEST,
            ),
            (
                "GET",
                "/v1/persons/nobody",
                json!(null),
                StatusCode::NOT_FOUND,
            ),
            (
                "GET",
                "/v1/reviews/nobody",
                json!(null),
                StatusCode::NOT_FOUND,
            ),
        ];
        for (method, path, body, want) in cases {
            let body = (!body.is_null()).then_some(body);
            let (s, v) = h.call(method, path, Some(&m), body).await;
            assert_eq!(s, want, "{method} {path}: {v}");
            assert!(v["code"].is_string(), "{method} {path}: {v}");
        }
        // A submission with a malformed document is a 422 naming the field.
        let mut d = dose("site-a", "bad", "", 1, 2, "2021-06-01");
        d["person"].as_object_mut().unwrap().remove("national_id");
        d["person"]["document"] = json!({"type": "visa", "number": "C1", "country": "usa"});
        let (s, v) = h.call("POST", "/v1/vaccinations", Some(&a), Some(d)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("person.document.type"), "{v}");
        assert_eq!(stored(h).await, before, "a refused input changes nothing");
    }

    pub async fn a_garbage_register_file_loads_the_good_rows_only(h: &Harness) {
        let path = h.dir.path().join("population.ndjson");
        let mut bytes =
            b"{\"national_id\": \"001\", \"family_name\": \"Le\", \"date_of_birth\": \"1990\"}\n"
                .to_vec();
        bytes.extend_from_slice(b"not json at all\n\xff\xfe\x00\n[1, 2]\n{\"national_id\": {}}\n");
        bytes.extend_from_slice(&vec![b'x'; 20_000]);
        bytes.extend_from_slice(
            "\n{\"national_id\": \"002\", \"family_name\": \"Lý\", \"date_of_birth\": \"1991-02\"}\n"
                .as_bytes(),
        );
        std::fs::write(&path, bytes).unwrap();
        let s = population_file::load(&h.issuer, &path, T0).await.unwrap();
        assert_eq!((s.rows, s.loaded), (7, 2));
        let lines: Vec<u64> = s.refused.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6]);
        // A file that is not a register at all is a typed error, not a panic.
        let wrong = h.dir.path().join("population.txt");
        std::fs::write(&wrong, "x").unwrap();
        let e = population_file::load(&h.issuer, &wrong, T0)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "CONFIG_INVALID");
    }
}

both!(every_new_route_refuses_garbage_with_a_typed_error);
both!(a_garbage_register_file_loads_the_good_rows_only);
