//! The ministry mends records (issue #11, spec/issuer.md §Identity): merge, move, void and
//! their undo — certificates re-issued, superseded ones revoked and in the published
//! revocation list, audit entries present, retrieval working with the surviving code — and
//! the review queue's approve and reject, and retrieval codes.
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
use issuer::tokens::Role;
use serde_json::{json, Value};

const NID: &str = "001099001234";

async fn submit(h: &Harness, token: &str, body: Value) -> Value {
    let (s, v) = h
        .call("POST", "/v1/vaccinations", Some(token), Some(body))
        .await;
    assert!(s.is_success(), "{s} {v}");
    v
}

fn temporary(facility: &str, record: &str, number: &str, dn: i64, date: &str) -> Value {
    let mut v = dose(facility, record, "", dn, 2, date);
    v["person"].as_object_mut().unwrap().remove("national_id");
    v["person"]["document"] = json!({"type": "temporary", "number": number});
    v
}

async fn person(h: &Harness, m: &str, id: &str) -> Value {
    let (s, v) = h
        .call("GET", &format!("/v1/persons/{id}"), Some(m), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn search(h: &Harness, m: &str, body: Value) -> Value {
    let (s, v) = h
        .call("POST", "/v1/persons/search", Some(m), Some(body))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

mod scenarios {
    use super::*;

    /// A child recorded under a temporary id (dose 1) and later under their national id
    /// (dose 2): the ministry merges the temporary person into the national one, undoes it,
    /// and merges again.
    pub async fn merge_and_undo(h: &Harness) {
        let a = h.facility("site-a").await;
        let m = h.token(Role::Ministry, None).await;
        let t = submit(
            h,
            &a,
            temporary("site-a", "t1", "TMP-0001", 1, "2021-06-01"),
        )
        .await;
        let n = submit(h, &a, dose("site-a", "n2", NID, 2, 2, "2021-08-01")).await;
        let t_hc1 = t["certificate"]["hc1"].as_str().unwrap().to_string();
        let n_hc1 = n["certificate"]["hc1"].as_str().unwrap().to_string();
        let survivor = search(h, &m, json!({"national_id": NID})).await;
        let merged = search(
            h,
            &m,
            json!({"document": {"type": "temporary", "number": "TMP-0001"},
                                           "facility_id": "site-a"}),
        )
        .await;
        assert_eq!(merged["identity_state"], "temporary");
        let (sid, mid) = (
            survivor["id"].as_str().unwrap(),
            merged["id"].as_str().unwrap(),
        );
        let (code_s, code_v) = h
            .call(
                "POST",
                "/v1/persons/retrieval-code",
                Some(&a),
                Some(json!({"record_id": n["record_id"]})),
            )
            .await;
        assert_eq!(code_s, StatusCode::OK);
        let code = code_v["retrieval_code"].as_str().unwrap().to_string();
        let (s, out) = h
            .call(
                "POST",
                &format!("/v1/persons/{sid}/merge"),
                Some(&m),
                Some(json!({"from": mid, "reason": "duplicate_person"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{out}");
        assert_eq!(out["kind"], "merge");
        // The temporary person's certificate is revoked and published as such; the survivor
        // keeps dose 2's certificate (still the best) and now holds both records.
        h.assert_revoked(&t_hc1).await;
        h.assert_valid(&n_hc1).await;
        let after = person(h, &m, sid).await;
        assert_eq!(after["records"].as_array().unwrap().len(), 2);
        let gone = person(h, &m, mid).await;
        assert_eq!(gone["identity_state"], "merged");
        assert_eq!(gone["merged_into"], json!(sid));
        // The temporary document now leads to the survivor; retrieval works with its code.
        let via_temp = search(
            h,
            &m,
            json!({"document": {"type": "temporary", "number": "TMP-0001"},
                                             "facility_id": "site-a"}),
        )
        .await;
        assert_eq!(via_temp["id"], json!(sid));
        let (s, mine) = h.holder_lookup(NID, "1990-01-02", &code).await;
        assert_eq!(s, StatusCode::OK, "{mine}");
        assert_eq!(mine["certificates"].as_array().unwrap().len(), 1);
        // Undo: the temporary person has its dose back, with a new certificate.
        let mend = out["mend_id"].as_str().unwrap();
        let (s, undone) = h
            .call("POST", &format!("/v1/mends/{mend}/undo"), Some(&m), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{undone}");
        let back = person(h, &m, mid).await;
        assert_eq!(back["identity_state"], "confirmed");
        assert_eq!(back["records"].as_array().unwrap().len(), 1);
        let new_hc1 = back["certificates"][0]["hc1"].as_str().unwrap().to_string();
        h.assert_valid(&new_hc1).await;
        let (s, _) = h
            .call("POST", &format!("/v1/mends/{mend}/undo"), Some(&m), None)
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let actions = h.audit_actions().await;
        for a in ["merge_persons", "undo_mend", "new_retrieval_code"] {
            assert!(
                actions.iter().any(|x| x == a),
                "{a} missing from {actions:?}"
            );
        }
        assert!(matches!(
            h.issuer.verify_audit_log().await.unwrap(),
            issuer::audit::Verdict::Intact { .. }
        ));
    }

    /// A dose recorded under the wrong person moves to the right one; a dose entered in
    /// error is voided; both re-issue what changed and can be undone.
    pub async fn move_and_void(h: &Harness) {
        let a = h.facility("site-a").await;
        let m = h.token(Role::Ministry, None).await;
        let one = submit(h, &a, dose("site-a", "a1", NID, 1, 2, "2021-06-01")).await;
        let two = submit(h, &a, dose("site-a", "a2", NID, 2, 2, "2021-08-01")).await;
        let other = submit(
            h,
            &a,
            dose("site-a", "o1", "002200003333", 1, 2, "2021-06-05"),
        )
        .await;
        let complete = two["certificate"]["hc1"].as_str().unwrap().to_string();
        // Void dose 2: back to a partial certificate; the complete one is revoked.
        let rec2 = two["record_id"].as_str().unwrap();
        let (s, v) = h
            .call(
                "POST",
                &format!("/v1/vaccinations/{rec2}/void"),
                Some(&m),
                Some(json!({"reason": "entered_in_error"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        h.assert_revoked(&complete).await;
        let p = search(h, &m, json!({"national_id": NID})).await;
        assert_eq!(p["certificates"][0]["status"], "partial");
        assert_eq!(p["records"][1]["state"], "voided");
        let (s, _) = h
            .call(
                "POST",
                &format!("/v1/vaccinations/{rec2}/void"),
                Some(&m),
                Some(json!({"reason": "entered_in_error"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // A bad reason code is refused and changes nothing.
        let rec1 = one["record_id"].as_str().unwrap();
        let (s, _) = h
            .call(
                "POST",
                &format!("/v1/vaccinations/{rec1}/void"),
                Some(&m),
                Some(json!({"reason": "because"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Undo the void: complete again, under a new certificate.
        let (s, u) = h
            .call(
                "POST",
                &format!("/v1/mends/{}/undo", v["mend_id"].as_str().unwrap()),
                Some(&m),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{u}");
        let p = search(h, &m, json!({"national_id": NID})).await;
        assert_eq!(p["certificates"][0]["status"], "complete");
        // Move dose 1 to the other person: the other person now has two doses.
        let to = search(h, &m, json!({"national_id": "002200003333"})).await;
        let (s, mv) = h
            .call(
                "POST",
                &format!("/v1/vaccinations/{rec1}/move"),
                Some(&m),
                Some(json!({"to_person": to["id"], "reason": "wrong_person"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{mv}");
        let to_after = search(h, &m, json!({"national_id": "002200003333"})).await;
        assert_eq!(to_after["records"].as_array().unwrap().len(), 2);
        h.assert_valid(other["certificate"]["hc1"].as_str().unwrap())
            .await;
        // A facility cannot move doses.
        let (s, _) = h
            .call(
                "POST",
                &format!("/v1/vaccinations/{rec1}/move"),
                Some(&a),
                Some(json!({"to_person": p["id"], "reason": "wrong_person"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let actions = h.audit_actions().await;
        for a in ["void_dose", "move_dose", "undo_mend"] {
            assert!(actions.iter().any(|x| x == a), "{a} missing");
        }
    }

    /// The same shot uploaded by a second site is held as a suspected duplicate; the ministry
    /// rejects it (the record id is free again) or approves a genuine one.
    pub async fn duplicate_shots_and_review_decisions(h: &Harness) {
        let a = h.facility("site-a").await;
        let b = h.facility("site-b").await;
        let m = h.token(Role::Ministry, None).await;
        submit(h, &a, dose("site-a", "a1", NID, 1, 2, "2021-06-01")).await;
        let (s, dup) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&b),
                Some(dose("site-b", "b1", NID, 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{dup}");
        let id = dup["review_id"].as_str().unwrap();
        let (_, d) = h
            .call("GET", &format!("/v1/reviews/{id}"), Some(&m), None)
            .await;
        assert_eq!(d["kind"], "duplicate_dose");
        let (s, _) = h
            .call(
                "POST",
                &format!("/v1/reviews/{id}/reject"),
                Some(&m),
                Some(json!({"reason": "duplicate_upload"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = h
            .call(
                "POST",
                &format!("/v1/reviews/{id}/approve"),
                Some(&m),
                Some(json!({"reason": "verified"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // The record id is free: B submits its (corrected) record again — dose 2 this time.
        let fixed = dose("site-b", "b1", NID, 2, 2, "2021-08-01");
        let (s, v) = h
            .call("POST", "/v1/vaccinations", Some(&b), Some(fixed))
            .await;
        assert_eq!((s, &v["state"]), (StatusCode::OK, &json!("issued")), "{v}");
        // A held identity conflict, approved: recorded for the stored person.
        let mut odd = dose("site-b", "b3", NID, 3, 3, "2022-01-01");
        odd["person"]["family_name"] = json!("Nguyen Thi");
        let (s, held) = h
            .call("POST", "/v1/vaccinations", Some(&b), Some(odd))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED);
        let id = held["review_id"].as_str().unwrap();
        let (s, ok) = h
            .call(
                "POST",
                &format!("/v1/reviews/{id}/approve"),
                Some(&m),
                Some(json!({"reason": "data_entry_error"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{ok}");
        assert_eq!(ok["certificate"]["status"], "booster");
        h.assert_valid(ok["certificate"]["hc1"].as_str().unwrap())
            .await;
        let p = search(h, &m, json!({"national_id": NID})).await;
        assert_eq!(p["family_name"], "Nguyễn", "the stored identity stays");
        assert_eq!(p["records"].as_array().unwrap().len(), 3);
        let actions = h.audit_actions().await;
        assert!(actions.iter().any(|x| x == "review_reject"));
        assert!(actions.iter().any(|x| x == "review_approve"));
    }

    /// A new retrieval code replaces the old one; only the record's facility or the ministry
    /// may ask; codes never appear in submission answers.
    pub async fn retrieval_codes(h: &Harness) {
        let a = h.facility("site-a").await;
        let b = h.facility("site-b").await;
        let v = submit(h, &a, dose("site-a", "a1", NID, 1, 2, "2021-06-01")).await;
        assert!(!v.to_string().contains("retrieval"));
        let rec = v["record_id"].clone();
        let (s, first) = h
            .call(
                "POST",
                "/v1/persons/retrieval-code",
                Some(&a),
                Some(json!({"record_id": rec})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let first = first["retrieval_code"].as_str().unwrap().to_string();
        assert_eq!(
            h.holder_lookup(NID, "1990-01-02", &first).await.0,
            StatusCode::OK
        );
        let (s, _) = h
            .call(
                "POST",
                "/v1/persons/retrieval-code",
                Some(&b),
                Some(json!({"record_id": rec})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let m = h.token(Role::Ministry, None).await;
        let (s, second) = h
            .call(
                "POST",
                "/v1/persons/retrieval-code",
                Some(&m),
                Some(json!({"record_id": rec})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let second = second["retrieval_code"].as_str().unwrap().to_string();
        assert_ne!(first, second);
        assert_eq!(
            h.holder_lookup(NID, "1990-01-02", &first).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            h.holder_lookup(NID, "1990-01-02", &second).await.0,
            StatusCode::OK
        );
        let (s, _) = h
            .call(
                "POST",
                "/v1/persons/retrieval-code",
                Some(&a),
                Some(json!({"record_id": "nope"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

both!(merge_and_undo);
both!(move_and_void);
both!(duplicate_shots_and_review_decisions);
both!(retrieval_codes);
