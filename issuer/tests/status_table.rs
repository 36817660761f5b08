//! One status rule (spec/format.md §Vaccination status): for every product of the vendored value
//! set and every product the shipped travel rules accept, and each (dn, sd) row the issuer
//! accepts for it, a dose is submitted over HTTP; the status word of the issuer's answer and the
//! verifier's verdict of the very certificate in that answer (checked against the trust list the
//! issuer publishes) must be the same word, and the expected one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use verifier::Outcome;

/// The rows for a product whose primary series has `n` doses (`None`: unknown schedule, the
/// fallback reading), with the word both sides must show. Written out, not computed.
fn rows(n: Option<u32>) -> &'static [(i64, i64, &'static str)] {
    match n {
        Some(1) => &[(1, 1, "complete"), (2, 2, "booster"), (3, 3, "booster")],
        Some(2) => &[
            (1, 2, "partial"),
            (1, 1, "complete"), // one dose after recovery
            (2, 2, "complete"),
            (3, 3, "booster"),
        ],
        Some(3) => &[
            (1, 3, "partial"),
            (2, 3, "partial"),
            (1, 1, "complete"),
            (3, 3, "complete"),
            (4, 4, "booster"),
        ],
        None => &[
            (1, 2, "partial"),
            (1, 1, "complete"),
            (2, 2, "complete"),
            (3, 3, "booster"),
            (2, 1, "booster"),
        ],
        Some(other) => panic!("no rows for a {other}-dose primary series"),
    }
}

/// Every code of the vendored `vaccines-covid-19-names` (certlogic/data/valuesets) and every product of the
/// shipped travel rule `VR-VN-0010`.
fn products() -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../certlogic/data/valuesets/vaccine-medicinal-product.json");
    let vs: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut all: BTreeSet<String> = vs["valueSetValues"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let travel = certlogic::RuleSet::builtin_vn_travel().unwrap();
    let accepted = travel
        .rules()
        .find(|r| r.identifier == "VR-VN-0010")
        .unwrap();
    for p in accepted.logic["in"][1].as_array().unwrap() {
        all.insert(p.as_str().unwrap().to_string());
    }
    assert!(all.len() >= 39, "{all:?}");
    all
}

#[tokio::test]
async fn issuer_answer_and_verifier_verdict_show_the_same_status_for_every_product_and_row() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let t = h.facility("HN-001").await;
    let mut person = 0u32;
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for mp in products() {
        let n = wallet_format::status::primary_series(&mp);
        for &(dn, sd, want) in rows(n) {
            person += 1;
            let mut body = dose(
                "HN-001",
                &format!("st-{person}"),
                &format!("0792{person:08}"),
                dn,
                sd,
                "2021-06-01",
            );
            body["product"] = json!(mp);
            let (s, answer) = h
                .call("POST", "/v1/vaccinations", Some(&t), Some(body))
                .await;
            assert_eq!(s, StatusCode::OK, "{mp} {dn}/{sd}: {answer}");
            let cert = &answer["certificate"];
            let issuer_word = cert["status"].as_str().unwrap().to_string();
            let verdict = h.verify(cert["hc1"].as_str().unwrap()).await;
            assert_eq!(
                verdict.outcome,
                Outcome::Valid,
                "{mp} {dn}/{sd}: {:?}",
                verdict.reason
            );
            let verifier_word = verdict.status.map(|s| s.name()).unwrap_or("-");
            if issuer_word != want || verifier_word != want {
                disagreements.push(format!(
                    "{mp} {dn}/{sd}: want {want}, issuer {issuer_word}, verifier {verifier_word}"
                ));
            }
            checked += 1;
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(checked > 150, "{checked} rows");
    h.cleanup().await;
}
