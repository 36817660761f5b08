//! What the issuer reads from outside is read one way only (#12 items 7 and 8, on SQLite and
//! PostgreSQL): a submission or import row holding one key twice is refused and stores
//! nothing, a CSV header naming a column twice is refused, and a bearer token whose JOSE
//! header has `crit` (or a key twice) is refused even though its signature is genuine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[macro_use]
mod common;

use axum::http::StatusCode;
use base64::Engine;
use common::{dose, Backend, Harness};
use issuer::tokens::TokenClaims;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::Value;

both!(a_submission_with_a_key_twice_is_refused_and_stores_nothing);
both!(an_import_row_with_a_key_twice_is_rejected_and_stores_nothing);
both!(a_token_with_a_crit_header_or_a_header_key_twice_is_refused);

/// Rows in the tables a submission writes.
async fn stored(h: &Harness) -> (i64, i64, i64) {
    issuer::with_db!(h.issuer.db(), |p| {
        let mut n = [0i64; 3];
        for (i, t) in ["persons", "doses", "certificates"].iter().enumerate() {
            n[i] = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(p)
                .await
                .unwrap();
        }
        (n[0], n[1], n[2])
    })
}

/// `body` as JSON text with `"key": value` inserted again right after the first `"key": …`
/// member of the object it is in (serde_json would keep the last value).
fn with_key_twice(body: &Value, key: &str, again: &str) -> String {
    let text = serde_json::to_string(body).unwrap();
    let at = text.find(&format!("\"{key}\":")).unwrap();
    format!("{}\"{key}\":{again},{}", &text[..at], &text[at..])
}

mod scenarios {
    use super::*;

    pub async fn a_submission_with_a_key_twice_is_refused_and_stores_nothing(h: &Harness) {
        let t = h.facility("HN-001").await;
        let body = dose("HN-001", "r-1", "079000000001", 1, 2, "2021-06-01");
        for (key, again) in [
            ("national_id", "\"079999999999\""), // nested, in "person"
            ("dose_number", "2"),
            ("facility_record_id", "\"r-1\""), // even the same value twice
        ] {
            let text = with_key_twice(&body, key, again);
            let (s, bytes) = h
                .raw("POST", "/v1/vaccinations", Some(&t), &[], text.into_bytes())
                .await;
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(s, StatusCode::BAD_REQUEST, "{key}: {v}");
            assert_eq!(v["code"], "MALFORMED_JSON", "{key}");
            assert_eq!(stored(h).await, (0, 0, 0), "{key}");
        }
        // The same submission with each key once is issued.
        let (s, v) = h
            .call("POST", "/v1/vaccinations", Some(&t), Some(body))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(stored(h).await, (1, 1, 1));
        // Holder look-ups read their body the same way.
        let text = r#"{"national_id":"079000000001","national_id":"079000000002",
                       "date_of_birth":"1990-01-02","retrieval_code":"X"}"#;
        let (s, bytes) = h
            .raw("POST", "/v1/holder/certificates", None, &[], text.into())
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap()["code"],
            "MALFORMED_JSON"
        );
    }

    pub async fn an_import_row_with_a_key_twice_is_rejected_and_stores_nothing(h: &Harness) {
        h.facility("HN-001").await;
        let good = dose("HN-001", "r-1", "079000000001", 1, 2, "2021-06-01");
        let twice = with_key_twice(
            &dose("HN-001", "r-2", "079000000002", 1, 2, "2021-06-01"),
            "national_id",
            "\"079000000003\"",
        );
        let file = h.dir.path().join("rows.ndjson");
        std::fs::write(&file, format!("{good}\n{twice}\n")).unwrap();
        let mut opts = issuer::import::Options::for_file(&file);
        opts.progress = false;
        let summary = issuer::import::run(&h.issuer, &file, &opts, common::T0)
            .await
            .unwrap();
        assert_eq!((summary.rows, summary.issued, summary.rejected), (2, 1, 1));
        let rejects = std::fs::read_to_string(&opts.rejects).unwrap();
        let reject: Value = serde_json::from_str(rejects.trim()).unwrap();
        assert_eq!(reject["code"], "MALFORMED_JSON", "{rejects}");
        assert_eq!(reject["line"], 2, "{rejects}");
        assert_eq!(stored(h).await, (1, 1, 1));

        // CSV: a column named twice is refused at the header, before any row.
        let csv = h.dir.path().join("rows.csv");
        std::fs::write(
            &csv,
            "facility_id,facility_record_id,national_id,national_id,date_of_birth\n\
             HN-001,r-9,079000000009,079000000008,1990-01-02\n",
        )
        .unwrap();
        let mut opts = issuer::import::Options::for_file(&csv);
        opts.progress = false;
        let err = issuer::import::run(&h.issuer, &csv, &opts, common::T0)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
        assert_eq!(stored(h).await, (1, 1, 1));
    }

    pub async fn a_token_with_a_crit_header_or_a_header_key_twice_is_refused(h: &Harness) {
        let genuine = h.facility("HN-001").await;
        let secret = h.issuer.keys().token_secret.clone();
        let mut v = Validation::new(Algorithm::HS256);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        let claims =
            jsonwebtoken::decode::<TokenClaims>(&genuine, &DecodingKey::from_secret(&secret), &v)
                .unwrap()
                .claims;
        let key = EncodingKey::from_secret(&secret);
        let read = |token: String| async move {
            let (s, bytes) = h
                .raw("GET", "/v1/certificates/none", Some(&token), &[], vec![])
                .await;
            (s, serde_json::from_slice::<Value>(&bytes).unwrap())
        };
        // The same claims under a plain header, re-signed here: accepted (the certificate
        // is unknown, so 404 after authentication), which shows the refusals below are the
        // header's doing.
        let plain = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        assert_eq!(read(plain).await.0, StatusCode::NOT_FOUND);

        let mut crit = Header::new(Algorithm::HS256);
        crit.crit = Some(vec!["exp".into()]);
        let token = jsonwebtoken::encode(&crit, &claims, &key).unwrap();
        let (s, v) = read(token).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("UNAUTHENTICATED"))
        );

        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(r#"{"alg":"HS256","typ":"JWT","typ":"JWT"}"#);
        let payload = b64.encode(serde_json::to_vec(&claims).unwrap());
        let message = format!("{header}.{payload}");
        let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        let (s, v) = read(format!("{message}.{sig}")).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("UNAUTHENTICATED"))
        );
    }
}
