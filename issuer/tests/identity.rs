//! Identity (issue #11, spec/issuer.md §Identity): each attack of the issue reproduced on
//! SQLite and PostgreSQL — now held or refused, with the citizen's data and certificates
//! unchanged — and the ministry's review queue, mends and retrieval codes.
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
use issuer::db::population::PopulationRow;
use issuer::domain::DocumentKind;
use issuer::identity::Document;
use issuer::tokens::Role;
use serde_json::{json, Value};

const NID: &str = "001099001234";

/// Put one national-id entry in the register table.
async fn register(h: &Harness, nid: &str, family: &str, dob: &str) {
    let row = PopulationRow {
        id_hash: h.issuer.document_hash(&Document::national_id(nid), ""),
        doc_type: DocumentKind::NationalId,
        family_name: family.into(),
        given_name: Some("Thị Đào".into()),
        dob: dob.into(),
    };
    h.issuer.load_population(&[row], T0).await.unwrap();
}

fn named(mut v: Value, family: &str, dob: &str) -> Value {
    v["person"]["family_name"] = json!(family);
    v["person"]["date_of_birth"] = json!(dob);
    v
}

async fn cert_of(h: &Harness, token: &str, uvci: &str) -> Value {
    let (s, v) = h
        .call(
            "GET",
            &format!("/v1/certificates/{}", enc(uvci)),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn no_personal_data(v: &Value) {
    let text = v.to_string();
    for leak in ["hc1", "certificate", "Nguy", "1990", "retrieval_code", NID] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

mod scenarios {
    use super::*;

    /// Site B submits a dose for a national id site A registered, with a made-up name: held,
    /// and the answer carries nothing of the citizen; A's certificate is untouched.
    pub async fn foreign_name_is_held_and_discloses_nothing(h: &Harness) {
        let a = h.facility("site-a").await;
        let b = h.facility("site-b").await;
        let (s, first) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&a),
                Some(dose("site-a", "a1", NID, 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{first}");
        assert!(first.get("retrieval_code").is_none());
        let hc1 = first["certificate"]["hc1"].as_str().unwrap().to_string();
        let attack = named(
            dose("site-b", "b1", NID, 2, 2, "2021-08-01"),
            "Kẻ Mạo Danh",
            "1990-01-02",
        );
        let (s, held) = h
            .call("POST", "/v1/vaccinations", Some(&b), Some(attack.clone()))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{held}");
        assert_eq!(held["state"], "held");
        let review = held["review_id"].as_str().unwrap().to_string();
        no_personal_data(&held);
        // A retry answers the same, and stores nothing new.
        let (s, again) = h
            .call("POST", "/v1/vaccinations", Some(&b), Some(attack))
            .await;
        assert_eq!(
            (s, &again["review_id"]),
            (StatusCode::ACCEPTED, &json!(review))
        );
        // A's certificate is current and valid; B cannot read it.
        let uvci = first["certificate"]["uvci"].as_str().unwrap();
        assert_eq!(cert_of(h, &a, uvci).await["state"], "current");
        h.assert_valid(&hc1).await;
        let (s, _) = h
            .call(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                Some(&b),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The ministry sees the case, with both identities side by side.
        let m = h.token(Role::Ministry, None).await;
        let (s, list) = h.call("GET", "/v1/reviews", Some(&m), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["reviews"][0]["id"], json!(review));
        assert_eq!(list["reviews"][0]["kind"], "identity_conflict");
        assert_eq!(list["reviews"][0]["reasons"], json!(["family_name"]));
        let (_, detail) = h
            .call("GET", &format!("/v1/reviews/{review}"), Some(&m), None)
            .await;
        assert_eq!(detail["submitted"]["family_name"], "Kẻ Mạo Danh");
        assert_eq!(detail["stored"]["family_name"], "Nguyễn");
        assert!(!detail.to_string().contains(NID));
        // Facilities cannot see the queue.
        let (s, _) = h.call("GET", "/v1/reviews", Some(&b), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(h.audit_actions().await.contains(&"hold".to_string()));
    }

    /// Site B may not change the identity behind its own record; the citizen's certificates
    /// and retrieval stay as they were.
    pub async fn facility_cannot_correct_the_person(h: &Harness) {
        let a = h.facility("site-a").await;
        let b = h.facility("site-b").await;
        let (_, first) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&a),
                Some(dose("site-a", "a1", NID, 1, 2, "2021-06-01")),
            )
            .await;
        let (s, bv) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&b),
                Some(dose("site-b", "b1", NID, 2, 2, "2021-08-01")),
            )
            .await;
        assert_eq!(
            (s, &bv["state"]),
            (StatusCode::OK, &json!("issued")),
            "{bv}"
        );
        let code = h.retrieval_code(&a, &first["record_id"]).await;
        let b_record = bv["record_id"].as_str().unwrap();
        let change = json!({"national_id": "999999999999", "family_name": "Khác",
                            "date_of_birth": "1980-01-01", "reason": "data_entry_error"});
        let (s, v) = h
            .call(
                "PUT",
                &format!("/v1/vaccinations/{b_record}/person"),
                Some(&b),
                Some(change),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        let (s, mine) = h.holder_lookup(NID, "1990-01-02", &code).await;
        assert_eq!(s, StatusCode::OK, "{mine}");
        assert_eq!(mine["certificates"][0]["uvci"], bv["certificate"]["uvci"]);
        h.assert_valid(bv["certificate"]["hc1"].as_str().unwrap())
            .await;
    }

    /// Site B records a lower dose for a person whose current certificate is site A's, then
    /// corrects it: A's certificate is neither shown to B nor revoked.
    pub async fn lower_dose_correction_keeps_the_other_sites_certificate(h: &Harness) {
        let a = h.facility("site-a").await;
        let b = h.facility("site-b").await;
        let (_, two) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&a),
                Some(dose("site-a", "a2", NID, 2, 2, "2021-08-01")),
            )
            .await;
        let (s, one) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&b),
                Some(dose("site-b", "b1", NID, 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(one["state"], "recorded");
        assert!(one.get("certificate").is_none(), "{one}");
        let fix = json!({"vaccine_type": "J07BX03", "product": "EU/1/20/1528",
                         "manufacturer": "ORG-100030215", "dose_number": 1, "series_total": 2,
                         "date": "2021-06-02", "country": "VN", "lot": "FIXED"});
        let rec = one["record_id"].as_str().unwrap();
        let (s, v) = h
            .call(
                "PUT",
                &format!("/v1/vaccinations/{rec}"),
                Some(&b),
                Some(fix),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v.get("certificate").is_none(), "{v}");
        let uvci = two["certificate"]["uvci"].as_str().unwrap();
        assert_eq!(cert_of(h, &a, uvci).await["state"], "current");
        h.assert_valid(two["certificate"]["hc1"].as_str().unwrap())
            .await;
    }

    /// A site that submits first under an unused national id with another name does not own
    /// the identity when the register knows it: it is held, and the citizen's own doses are
    /// issued under their real name. With no register entry, the first submission sets the
    /// identity and a later disagreeing one is held.
    pub async fn squatting_is_held(h: &Harness) {
        register(h, NID, "NGUYEN", "1990-01-02").await;
        let a = h.facility("site-a").await;
        let squat = named(
            dose("site-a", "s1", NID, 1, 2, "2021-06-01"),
            "Mạo Danh",
            "1985-05-05",
        );
        let (s, v) = h
            .call("POST", "/v1/vaccinations", Some(&a), Some(squat))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        let (s, real) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&a),
                Some(dose("site-a", "r1", NID, 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(
            (s, &real["state"]),
            (StatusCode::OK, &json!("issued")),
            "{real}"
        );
        let verdict = h.verify(real["certificate"]["hc1"].as_str().unwrap()).await;
        assert_eq!(verdict.outcome, verifier::Outcome::Valid);
        // Not in the register (which covers national ids): held, not created.
        let (s, v) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&a),
                Some(dose("site-a", "x1", "123456789012", 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        let m = h.token(Role::Ministry, None).await;
        let (_, d) = h
            .call(
                "GET",
                &format!("/v1/reviews/{}", v["review_id"].as_str().unwrap()),
                Some(&m),
                None,
            )
            .await;
        assert_eq!(d["reasons"], json!(["not_in_register"]));
        // A passport is not covered: the first submission sets the identity …
        let mut p1 = dose("site-a", "p1", "", 1, 2, "2021-06-01");
        p1["person"].as_object_mut().unwrap().remove("national_id");
        p1["person"]["document"] =
            json!({"type": "passport", "number": "C1234567", "country": "USA"});
        let (s, v) = h
            .call("POST", "/v1/vaccinations", Some(&a), Some(p1.clone()))
            .await;
        assert_eq!((s, &v["state"]), (StatusCode::OK, &json!("issued")), "{v}");
        // … and a later one that disagrees with it is held.
        let mut p2 = named(p1, "Smith", "1990-01-02");
        p2["facility_record_id"] = json!("p2");
        p2["dose_number"] = json!(2);
        let (s, _) = h.call("POST", "/v1/vaccinations", Some(&a), Some(p2)).await;
        assert_eq!(s, StatusCode::ACCEPTED);
    }

    /// Answers for a new and a known person have the same shape; no retrieval code in either.
    pub async fn answers_do_not_tell_new_from_known(h: &Harness) {
        let a = h.facility("site-a").await;
        let (_, new) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&a),
                Some(dose("site-a", "a1", NID, 1, 2, "2021-06-01")),
            )
            .await;
        let (_, known) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&a),
                Some(dose("site-a", "a2", NID, 2, 2, "2021-08-01")),
            )
            .await;
        let keys = |v: &Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&new), keys(&known));
        assert_eq!(keys(&new["certificate"]), keys(&known["certificate"]));
        assert!(!new.to_string().contains("retrieval"));
    }

    /// Two facilities record doses 1 and 2 of one verified person: one person, a complete
    /// certificate, each facility sees only its own records.
    pub async fn two_sites_one_person(h: &Harness) {
        register(h, NID, "Nguyen", "1990").await;
        let a = h.facility("site-a").await;
        let b = h.facility("site-b").await;
        let (_, one) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&a),
                Some(dose("site-a", "a1", NID, 1, 2, "2021-06-01")),
            )
            .await;
        let (s, two) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&b),
                Some(dose("site-b", "b2", NID, 2, 2, "2021-08-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{two}");
        assert_eq!(two["certificate"]["status"], "complete");
        h.assert_valid(two["certificate"]["hc1"].as_str().unwrap())
            .await;
        let m = h.token(Role::Ministry, None).await;
        let (s, person) = h
            .call(
                "POST",
                "/v1/persons/search",
                Some(&m),
                Some(json!({"national_id": NID})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{person}");
        assert_eq!(person["records"].as_array().unwrap().len(), 2);
        assert_eq!(person["identity_state"], "registered");
        assert_eq!(person["certificates"].as_array().unwrap().len(), 1);
        let (a_rec, b_rec) = (
            one["record_id"].as_str().unwrap(),
            two["record_id"].as_str().unwrap(),
        );
        let (s, mine) = h
            .call("GET", &format!("/v1/vaccinations/{a_rec}"), Some(&a), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(mine["record"]["facility_id"], "site-a");
        assert!(
            mine["certificate"].is_null(),
            "A's certificate was superseded: {mine}"
        );
        let (s, _) = h
            .call("GET", &format!("/v1/vaccinations/{b_rec}"), Some(&a), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let uvci = two["certificate"]["uvci"].as_str().unwrap();
        let (s, _) = h
            .call(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                Some(&a),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Neither site may void the other's dose.
        let (s, _) = h
            .call(
                "POST",
                &format!("/v1/vaccinations/{b_rec}/void"),
                Some(&a),
                Some(json!({"reason": "entered_in_error"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

both!(foreign_name_is_held_and_discloses_nothing);
both!(facility_cannot_correct_the_person);
both!(lower_dose_correction_keeps_the_other_sites_certificate);
both!(squatting_is_held);
both!(answers_do_not_tell_new_from_known);
both!(two_sites_one_person);
