//! Names that would rewrite a verifier's screen are refused at the door (issue #12, terminal
//! injection): control characters, bidi overrides and isolates, zero-width characters, the
//! byte-order mark, line and paragraph separators and tag characters in `family_name` or
//! `given_name` are a `VALIDATION_FAILED` field error, on submission and on person correction;
//! Vietnamese names with every diacritic still pass. Name validation does not touch the
//! database, so SQLite alone is enough.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use axum::http::StatusCode;
use common::{dose, Backend, Harness};
use serde_json::{json, Value};

/// One hostile character of each class, inside an otherwise ordinary name.
const HOSTILE: &[(&str, &str)] = &[
    ("carriage return + escape", "Nguy\r\x1b[2Ken"),
    ("C1 CSI", "Nguy\u{9b}en"),
    ("DEL", "Nguy\u{7f}en"),
    ("right-to-left override", "Nguy\u{202e}en"),
    ("left-to-right embedding", "Nguy\u{202a}en"),
    ("first strong isolate", "Nguy\u{2068}en"),
    ("right-to-left mark", "Nguy\u{200f}en"),
    ("arabic letter mark", "Nguy\u{61c}en"),
    ("zero-width space", "Nguy\u{200b}en"),
    ("zero-width joiner", "Nguy\u{200d}en"),
    ("word joiner", "Nguy\u{2060}en"),
    ("byte-order mark", "\u{feff}Nguyen"),
    ("line separator", "Nguyen\u{2028}"),
    ("paragraph separator", "Nguy\u{2029}en"),
    ("tag character", "Nguy\u{e0041}en"),
];

fn field_errors(v: &Value) -> Vec<String> {
    v["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_hostile_characters_in_names_and_accepts_vietnamese_diacritics() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let t = h.facility("HN-001").await;
    for (i, (what, name)) in HOSTILE.iter().enumerate() {
        for field in ["family_name", "given_name"] {
            let mut body = dose("HN-001", &format!("r{i}{field}"), "7", 1, 2, "2021-06-01");
            body["person"][field] = json!(name);
            let (s, v) = h
                .call("POST", "/v1/vaccinations", Some(&t), Some(body))
                .await;
            assert_eq!(
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what} in {field}: {v}"
            );
            assert_eq!(v["code"], "VALIDATION_FAILED", "{what} in {field}: {v}");
            assert!(
                field_errors(&v).contains(&format!("person.{field}")),
                "{what} in {field}: {v}"
            );
        }
    }
    // Vietnamese letters with diacritics, as written.
    let mut body = dose("HN-001", "vi", "8", 1, 2, "2021-06-01");
    body["person"]["family_name"] = json!("Nguyễn");
    body["person"]["given_name"] = json!("Thị Ánh");
    let (s, v) = h
        .call("POST", "/v1/vaccinations", Some(&t), Some(body))
        .await;
    assert!(s.is_success(), "{v}");
    let record = v["record_id"].as_str().unwrap().to_string();

    // The person correction route applies the same rule.
    let hostile = json!({"national_id": "8", "family_name": "Trần\u{202e}",
                         "given_name": "Văn Bình", "date_of_birth": "1990-01-02",
                         "reason": "data_entry_error"});
    let path = format!("/v1/vaccinations/{record}/person");
    // Person corrections are the ministry's (issue #11).
    let m = h.token(issuer::tokens::Role::Ministry, None).await;
    let (s, v) = h.call("PUT", &path, Some(&m), Some(hostile)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        field_errors(&v).contains(&"person.family_name".to_string()),
        "{v}"
    );
    let fine = json!({"national_id": "8", "family_name": "Đặng", "given_name": "Ơn Ưng Ỷ",
                      "date_of_birth": "1990-01-02", "reason": "data_entry_error"});
    let (s, v) = h.call("PUT", &path, Some(&m), Some(fine)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    h.cleanup().await;
}
