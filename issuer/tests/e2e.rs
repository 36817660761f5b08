//! End-to-end issuer tests, each run against SQLite and against PostgreSQL
//! (`VAXCERT_TEST_DATABASE_URL`; skipped with a notice when unset, failing when set and
//! unreachable). Every issued certificate is checked by the verifier crate against the trust
//! list and revocation list the issuer publishes.
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
use serde_json::json;

both!(issues_verifiable_certificate_and_retry_returns_same_answer);
both!(rejects_same_record_id_with_different_content_as_conflict);
both!(status_moves_partial_complete_booster_and_late_lower_dose_never_downgrades);
both!(dose_correction_revokes_old_uvci_and_new_one_verifies);
both!(person_correction_reissues_every_current_certificate);
both!(ministry_revocation_shows_in_published_list);
both!(key_rotation_keeps_old_certificates_valid_and_signs_with_new_dsc);
both!(revoke_all_of_a_compromised_dsc_in_one_call);
both!(holder_retrieval_works_and_slows_wrong_codes_down);
both!(rejects_role_violations_and_cross_facility_submissions);
both!(rejects_malformed_json_with_400_and_invalid_fields_with_422);
both!(audit_log_chains_every_operation);
both!(concurrent_replicas_keep_one_audit_chain_and_one_dose_per_record);
both!(group_commit_answers_each_submission_as_if_alone);

/// Stored doses and the audit chain's verdict.
async fn doses_and_audit(h: &Harness) -> (i64, issuer::audit::Verdict) {
    issuer::with_db!(&h.issuer.db(), |p| {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM doses")
            .fetch_one(p)
            .await
            .unwrap();
        let mut c = p.acquire().await.unwrap();
        (n, issuer::audit::verify(&mut *c).await.unwrap())
    })
}

mod scenarios {
    use super::*;

    pub async fn issues_verifiable_certificate_and_retry_returns_same_answer(h: &Harness) {
        let t = h.facility("HN-001").await;
        let body = dose("HN-001", "r-1", "001099001234", 1, 2, "2021-06-01");
        let (s, first) = h
            .call("POST", "/v1/vaccinations", Some(&t), Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::OK, "{first}");
        let cert = &first["certificate"];
        assert!(cert["uvci"]
            .as_str()
            .unwrap()
            .starts_with("URN:UVCI:01:VN:"));
        assert!(wallet_format::uvci::Uvci::parse(cert["uvci"].as_str().unwrap()).is_ok());
        assert_eq!(cert["status"], "partial");
        assert!(
            first.get("retrieval_code").is_none(),
            "never in a submission answer"
        );
        assert_eq!(h.retrieval_code(&t, &first["record_id"]).await.len(), 10);
        h.assert_valid(cert["hc1"].as_str().unwrap()).await;
        // Names transliterated.
        let decoded = wallet_format::decode(
            cert["hc1"].as_str().unwrap(),
            &wallet_format::Limits::DEFAULT,
        )
        .unwrap();
        assert_eq!(decoded.claims.dcc.nam.family_t.as_deref(), Some("NGUYEN"));
        assert_eq!(decoded.claims.dcc.nam.given_t.as_deref(), Some("THI<DAO"));
        assert_eq!(decoded.claims.exp, Some(common::T0 + 365 * 86_400));
        // Retry: identical answer, nothing new issued.
        let (s, again) = h
            .call("POST", "/v1/vaccinations", Some(&t), Some(body))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(again, first);
        // GET by the issuing facility.
        let uvci = cert["uvci"].as_str().unwrap();
        let (s, got) = h
            .call(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                Some(&t),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{got}");
        assert_eq!(got["hc1"], cert["hc1"]);
        // QR renders decode back to the same text.
        let (s, png) = h
            .raw(
                "GET",
                &format!("/v1/certificates/{}/qr.png", enc(uvci)),
                Some(&t),
                &[],
                vec![],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let texts = wallet_format::qr::decode_image(&png, &wallet_format::Limits::DEFAULT).unwrap();
        assert_eq!(texts, vec![cert["hc1"].as_str().unwrap().to_string()]);
        let (s, page) = h
            .raw(
                "GET",
                &format!("/v1/certificates/{}/page", enc(uvci)),
                Some(&t),
                &[],
                vec![],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let page = String::from_utf8(page).unwrap();
        assert!(
            page.contains("class=\"band partial\"")
                && page.contains("Partially vaccinated")
                && page.contains("<svg")
        );
    }

    pub async fn rejects_same_record_id_with_different_content_as_conflict(h: &Harness) {
        let t = h.facility("HN-001").await;
        let (s, _) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r-1", "1", 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r-1", "1", 1, 2, "2021-06-02")),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(v["code"], "IDEMPOTENCY_CONFLICT");
        // Another facility may reuse the same record id.
        let t2 = h.facility("HCM-002").await;
        let (s, _) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t2),
                Some(dose("HCM-002", "r-1", "2", 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }

    pub async fn status_moves_partial_complete_booster_and_late_lower_dose_never_downgrades(
        h: &Harness,
    ) {
        let t = h.facility("HN-001").await;
        let nid = "079200000001";
        let (_, d2) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "b", nid, 2, 2, "2021-08-01")),
            )
            .await;
        assert_eq!(d2["certificate"]["status"], "complete");
        // Late upload of dose 1: recorded, but the person keeps 2/2.
        let (s, d1) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "a", nid, 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d1["state"], "recorded");
        assert!(d1.get("certificate").is_none(), "{d1}");
        let (_, d3) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "c", nid, 3, 3, "2022-01-10")),
            )
            .await;
        assert_eq!(d3["certificate"]["status"], "booster");
        assert_eq!(d3["certificate"]["dose_number"], 3);
        h.assert_valid(d3["certificate"]["hc1"].as_str().unwrap())
            .await;
        // The 2/2 certificate is superseded (not revoked: it was true when issued).
        let m = h.token(Role::Ministry, None).await;
        let (_, old) = h
            .call(
                "GET",
                &format!(
                    "/v1/certificates/{}",
                    enc(d2["certificate"]["uvci"].as_str().unwrap())
                ),
                Some(&m),
                None,
            )
            .await;
        assert_eq!(old["state"], "superseded");
        assert_eq!(old["replaced_by"], d3["certificate"]["uvci"]);
    }

    pub async fn dose_correction_revokes_old_uvci_and_new_one_verifies(h: &Harness) {
        let t = h.facility("HN-001").await;
        let (_, first) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r", "5", 1, 2, "2021-06-01")),
            )
            .await;
        let record = first["record_id"].as_str().unwrap();
        let mut fix = dose("HN-001", "r", "5", 2, 2, "2021-06-01");
        fix.as_object_mut().unwrap().remove("person");
        let (s, corrected) = h
            .call(
                "PUT",
                &format!("/v1/vaccinations/{record}"),
                Some(&t),
                Some(fix),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{corrected}");
        assert_ne!(
            corrected["certificate"]["uvci"],
            first["certificate"]["uvci"]
        );
        assert_eq!(corrected["certificate"]["status"], "complete");
        h.assert_valid(corrected["certificate"]["hc1"].as_str().unwrap())
            .await;
        h.assert_revoked(first["certificate"]["hc1"].as_str().unwrap())
            .await;
        // Another facility cannot correct it.
        let t2 = h.facility("HCM-002").await;
        let mut fix = dose("HN-001", "r", "5", 2, 2, "2021-06-01");
        fix.as_object_mut().unwrap().remove("person");
        let (s, _) = h
            .call(
                "PUT",
                &format!("/v1/vaccinations/{record}"),
                Some(&t2),
                Some(fix),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }

    pub async fn person_correction_reissues_every_current_certificate(h: &Harness) {
        let t = h.facility("HN-001").await;
        let (_, first) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r", "7", 2, 2, "2021-06-01")),
            )
            .await;
        let record = first["record_id"].as_str().unwrap();
        let person = json!({"national_id": "7", "family_name": "Trần", "given_name": "Văn Bình",
                            "date_of_birth": "1991-02-03", "reason": "data_entry_error"});
        let path = format!("/v1/vaccinations/{record}/person");
        // A person's identity is the ministry's to change, not a site's (issue #11).
        let (s, _) = h.call("PUT", &path, Some(&t), Some(person.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let m = h.token(issuer::tokens::Role::Ministry, None).await;
        let (s, v) = h.call("PUT", &path, Some(&m), Some(person)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let certs = v["certificates"].as_array().unwrap();
        assert_eq!(certs.len(), 1);
        let hc1 = certs[0]["hc1"].as_str().unwrap();
        h.assert_valid(hc1).await;
        let d = wallet_format::decode(hc1, &wallet_format::Limits::DEFAULT).unwrap();
        assert_eq!(d.claims.dcc.nam.family_t.as_deref(), Some("TRAN"));
        assert_eq!(d.claims.dcc.dob, "1991-02-03");
        h.assert_revoked(first["certificate"]["hc1"].as_str().unwrap())
            .await;
    }

    pub async fn ministry_revocation_shows_in_published_list(h: &Harness) {
        let t = h.facility("HN-001").await;
        let (_, first) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "r", "9", 1, 2, "2021-06-01")),
            )
            .await;
        let uvci = first["certificate"]["uvci"].as_str().unwrap();
        let m = h.token(Role::Ministry, None).await;
        let (s, _) = h
            .call(
                "POST",
                &format!("/v1/certificates/{}/revoke", enc(uvci)),
                Some(&t),
                Some(json!({"reason": "fraud"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "facilities cannot revoke");
        let (s, v) = h
            .call(
                "POST",
                &format!("/v1/certificates/{}/revoke", enc(uvci)),
                Some(&m),
                Some(json!({"reason": "bogus"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["fields"][0]["field"], "reason");
        let (s, v) = h
            .call(
                "POST",
                &format!("/v1/certificates/{}/revoke", enc(uvci)),
                Some(&m),
                Some(json!({"reason": "fraud"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["state"], "revoked");
        h.assert_revoked(first["certificate"]["hc1"].as_str().unwrap())
            .await;
        // Delta since 0 carries it; since the top sequence carries nothing new.
        let (s, _) = h
            .raw("GET", "/v1/revocations?since=0", None, &[], vec![])
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = h
            .raw("GET", "/v1/revocations?since=-1", None, &[], vec![])
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }

    pub async fn key_rotation_keeps_old_certificates_valid_and_signs_with_new_dsc(h: &Harness) {
        let t = h.facility("HN-001").await;
        let m = h.token(Role::Ministry, None).await;
        let (_, old) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "a", "11", 1, 2, "2021-06-01")),
            )
            .await;
        let (s, rot) = h
            .call(
                "POST",
                "/v1/keys/rotate",
                Some(&m),
                Some(json!({"algorithm": "ES256"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{rot}");
        let (s, _) = h.call("POST", "/v1/keys/rotate", Some(&t), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, new) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "b", "12", 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(new["certificate"]["kid"], rot["kid"]);
        assert_ne!(new["certificate"]["kid"], old["certificate"]["kid"]);
        h.assert_valid(old["certificate"]["hc1"].as_str().unwrap())
            .await;
        h.assert_valid(new["certificate"]["hc1"].as_str().unwrap())
            .await;
        // PS256 and EdDSA DSCs sign verifiable certificates, too.
        for alg in ["PS256", "EdDSA"] {
            let (s, rot) = h
                .call(
                    "POST",
                    "/v1/keys/rotate",
                    Some(&m),
                    Some(json!({"algorithm": alg})),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
            let (_, c) = h
                .call(
                    "POST",
                    "/v1/vaccinations",
                    Some(&t),
                    Some(dose("HN-001", alg, alg, 1, 2, "2021-06-01")),
                )
                .await;
            assert_eq!(c["certificate"]["kid"], rot["kid"]);
            h.assert_valid(c["certificate"]["hc1"].as_str().unwrap())
                .await;
        }
    }

    pub async fn revoke_all_of_a_compromised_dsc_in_one_call(h: &Harness) {
        let t = h.facility("HN-001").await;
        let m = h.token(Role::Ministry, None).await;
        let (_, a) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "a", "21", 1, 2, "2021-06-01")),
            )
            .await;
        let (_, b) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "b", "22", 2, 2, "2021-06-01")),
            )
            .await;
        let kid = a["certificate"]["kid"].as_str().unwrap();
        let (s, v) = h
            .call(
                "POST",
                &format!("/v1/keys/{}/revoke-certificates", enc(kid)),
                Some(&m),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["revoked"], 2);
        assert_eq!(v["reissued"], 2);
        // Old passes no longer verify (DSC dropped from the trust list); holders got new ones.
        for old in [&a, &b] {
            let verdict = h.verify(old["certificate"]["hc1"].as_str().unwrap()).await;
            assert_ne!(verdict.outcome, verifier::Outcome::Valid);
        }
        let (_, c) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "c", "23", 1, 2, "2021-06-01")),
            )
            .await;
        assert_ne!(c["certificate"]["kid"].as_str().unwrap(), kid);
        h.assert_valid(c["certificate"]["hc1"].as_str().unwrap())
            .await;
    }

    pub async fn holder_retrieval_works_and_slows_wrong_codes_down(h: &Harness) {
        let t = h.facility("HN-001").await;
        let (_, first) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HN-001", "a", "0790-0000-0031", 1, 2, "2021-06-01")),
            )
            .await;
        let code = h.retrieval_code(&t, &first["record_id"]).await;
        let ask = |c: &str| json!({"national_id": "079000000031", "date_of_birth": "1990-01-02", "retrieval_code": c});
        let (s, v) = h
            .call("POST", "/v1/holder/certificates", None, Some(ask(&code)))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["certificates"][0]["uvci"], first["certificate"]["uvci"]);
        // Holder reads a certificate with the code header.
        let uvci = first["certificate"]["uvci"].as_str().unwrap();
        let (s, _) = h
            .raw(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                None,
                &[("x-retrieval-code", &code)],
                vec![],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        // The first free failures cost nothing; after them each one makes the next attempt
        // from this client wait (issuer::service::guard).
        for _ in 0..issuer::service::guard::FREE_FAILURES {
            let (s, v) = h
                .call(
                    "POST",
                    "/v1/holder/certificates",
                    None,
                    Some(ask("WRONGWRONG")),
                )
                .await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
            assert_eq!(v["code"], "RETRIEVAL_FAILED");
        }
        let (s, v) = h
            .call(
                "POST",
                "/v1/holder/certificates",
                None,
                Some(ask("WRONGWRONG")),
            )
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(v["code"], "RETRIEVAL_LOCKED");
        // Inside the wait even the right code from this client is refused unchecked ...
        let (s, _) = h
            .call("POST", "/v1/holder/certificates", None, Some(ask(&code)))
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        // ... and the wait is short and capped: after it, the right code works.
        h.clock.advance(issuer::service::guard::MAX_DELAY);
        let (s, _) = h
            .call("POST", "/v1/holder/certificates", None, Some(ask(&code)))
            .await;
        assert_eq!(s, StatusCode::OK);
        // Unknown person looks like a wrong code.
        let (s, _) = h.call("POST", "/v1/holder/certificates", None, Some(json!({"national_id": "999", "date_of_birth": "1990-01-02", "retrieval_code": code}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }

    pub async fn rejects_role_violations_and_cross_facility_submissions(h: &Harness) {
        let t = h.facility("HN-001").await;
        let m = h.token(Role::Ministry, None).await;
        let a = h.token(Role::Auditor, None).await;
        let body = dose("HN-001", "r", "31", 1, 2, "2021-06-01");
        let (s, v) = h
            .call("POST", "/v1/vaccinations", Some(&m), Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(v["code"], "FORBIDDEN");
        let (s, _) = h
            .call("POST", "/v1/vaccinations", Some(&a), Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = h
            .call("POST", "/v1/vaccinations", None, Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some("not.a.jwt"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = h
            .call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose("HCM-002", "r", "31", 1, 2, "2021-06-01")),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, issued) = h
            .call("POST", "/v1/vaccinations", Some(&t), Some(body))
            .await;
        assert_eq!(s, StatusCode::OK);
        let uvci = issued["certificate"]["uvci"].as_str().unwrap();
        let t2 = h.facility("HCM-002").await;
        let (s, _) = h
            .call(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                Some(&t2),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = h
            .call(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                Some(&a),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = h
            .call(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                Some(&m),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        // A revoked facility's token stops working.
        with_db(h, "HN-001").await;
        let (s, _) = h
            .call(
                "GET",
                &format!("/v1/certificates/{}", enc(uvci)),
                Some(&t),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }

    async fn with_db(h: &Harness, facility: &str) {
        issuer::with_db!(&h.issuer.db(), |p| {
            let mut c = p.acquire().await.unwrap();
            issuer::db::Facilities::facility_revoke(&mut *c, facility, common::T0)
                .await
                .unwrap();
        });
    }

    pub async fn rejects_malformed_json_with_400_and_invalid_fields_with_422(h: &Harness) {
        let t = h.facility("HN-001").await;
        let (s, body) = h
            .raw(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                &[],
                b"{\"facility_id\": ".to_vec(),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "MALFORMED_JSON");
        assert!(v["message"].is_string());
        let (s, _) = h
            .raw("POST", "/v1/vaccinations", Some(&t), &[], b"[1,2]".to_vec())
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let mut bad = dose("HN-001", "r", "41", 1, 2, "2021-06-01");
        bad["manufacturer"] = json!("ORG-NOPE");
        bad["person"]["date_of_birth"] = json!("31/12/1990");
        bad["dose_number"] = json!(12);
        let (s, v) = h
            .call("POST", "/v1/vaccinations", Some(&t), Some(bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["code"], "VALIDATION_FAILED");
        let fields: Vec<&str> = v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        for f in ["manufacturer", "person.date_of_birth", "dose_number"] {
            assert!(fields.contains(&f), "{f} not in {fields:?}");
        }
        let (s, v) = h
            .call(
                "GET",
                "/v1/certificates/URN%3AUVCI%3A01%3AVN%3ANOPE%23A",
                Some(&t),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(v["code"], "NOT_FOUND");
    }

    pub async fn audit_log_chains_every_operation(h: &Harness) {
        let t = h.facility("HN-001").await;
        let a = h.token(Role::Auditor, None).await;
        for i in 0..3 {
            h.call(
                "POST",
                "/v1/vaccinations",
                Some(&t),
                Some(dose(
                    "HN-001",
                    &format!("r{i}"),
                    &format!("5{i}"),
                    1,
                    2,
                    "2021-06-01",
                )),
            )
            .await;
        }
        let (s, v) = h.call("GET", "/v1/audit/verify", Some(&a), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["intact"], true);
        // Two token mints (audited since the restructuring) and three issuances.
        assert_eq!(v["entries"], 5);
        let actions: Vec<String> = issuer::with_db!(&h.issuer.db(), |p| {
            sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq")
                .fetch_all(p)
                .await
                .unwrap()
        });
        assert_eq!(
            actions,
            ["mint_token", "mint_token", "issue", "issue", "issue"]
        );
        // Tamper with an entry: detected.
        issuer::with_db!(&h.issuer.db(), |p| {
            sqlx::query("UPDATE audit_log SET detail = 'x' WHERE seq = 2")
                .execute(p)
                .await
                .unwrap();
        });
        let (_, v) = h.call("GET", "/v1/audit/verify", Some(&a), None).await;
        assert_eq!(v["intact"], false);
        assert_eq!(v["seq"], 2);
    }

    pub async fn concurrent_replicas_keep_one_audit_chain_and_one_dose_per_record(h: &Harness) {
        let replicas = [h.issuer.clone(), h.replica().await];
        let mut tasks = Vec::new();
        for (r, issuer) in replicas.iter().enumerate() {
            for i in 0..20 {
                let issuer = issuer.clone();
                tasks.push(tokio::spawn(async move {
                    // Records 0..10 are submitted by both replicas at once; 10..20 by one each.
                    let record = if i < 10 {
                        format!("same-{i}")
                    } else {
                        format!("own-{r}-{i}")
                    };
                    // A distinct date per shot: the same person, dose number and date under
                    // two records would be held as a suspected duplicate upload.
                    let day = if i < 10 { i + 1 } else { i + 1 + 10 * r };
                    let v = dose(
                        "HN-001",
                        &record,
                        &format!("p{}", i % 7),
                        1 + (i % 2) as i64,
                        2,
                        &format!("2021-06-{day:02}"),
                    );
                    let input = issuer::input::parse_submission(&v, common::T0).unwrap();
                    (
                        record,
                        issuer.issue_dose(&input, "test", common::T0).await.unwrap(),
                    )
                }));
            }
        }
        let mut answers = std::collections::HashMap::new();
        for t in tasks {
            let (record, out) = t.await.unwrap();
            if let Some(prev) = answers.insert(record.clone(), out.record_id.clone()) {
                assert_eq!(
                    prev, out.record_id,
                    "both replicas answer the same record for {record}"
                );
            }
        }
        assert_eq!(answers.len(), 30);
        let (doses, verdict) = doses_and_audit(h).await;
        assert_eq!(doses, 30);
        assert_eq!(verdict, issuer::audit::Verdict::Intact { entries: 30 });
        replicas[1].db().close().await;
    }

    /// 60 concurrent submissions to one issuer, grouped into shared transactions: per record,
    /// two identical submissions and one with other content. Each gets the answer it would get
    /// alone (same record for identical content, 409 for the other content whichever came
    /// first), one dose per record is stored, and the audit chain stays intact.
    pub async fn group_commit_answers_each_submission_as_if_alone(h: &Harness) {
        let before = h.issuer.group_commit_stats();
        let mut tasks = Vec::new();
        for i in 0..20 {
            for variant in ["2021-06-01", "2021-06-01", "2021-06-03"] {
                let issuer = h.issuer.clone();
                tasks.push(tokio::spawn(async move {
                    let record = format!("g-{i}");
                    let v = dose("HN-001", &record, &format!("gp{i}"), 1, 2, variant);
                    let input = issuer::input::parse_submission(&v, common::T0).unwrap();
                    let r = issuer.issue_dose(&input, "test", common::T0).await;
                    (record, variant, r)
                }));
            }
        }
        let mut by_record: std::collections::HashMap<String, Vec<_>> = Default::default();
        for t in tasks {
            let (record, variant, r) = t.await.unwrap();
            by_record.entry(record).or_default().push((variant, r));
        }
        assert_eq!(by_record.len(), 20);
        for (record, answers) in &by_record {
            let ok: Vec<_> = answers
                .iter()
                .filter_map(|(v, r)| r.as_ref().ok().map(|o| (*v, o)))
                .collect();
            assert!(!ok.is_empty(), "{record}: nobody got an answer");
            // Every success carries the same stored record and the same content.
            assert!(ok.iter().all(|(v, o)| *v == ok[0].0
                && o.record_id == ok[0].1.record_id
                && o.certificate.as_ref().map(|c| &c.uvci)
                    == ok[0].1.certificate.as_ref().map(|c| &c.uvci)));
            // Every failure is the idempotency conflict of the other content.
            for (v, r) in answers {
                if let Err(e) = r {
                    assert!(
                        matches!(e, issuer::error::Error::IdempotencyConflict),
                        "{record}: {e:?}"
                    );
                    assert_ne!(*v, ok[0].0);
                }
            }
            let expected_ok = if ok[0].0 == "2021-06-01" { 2 } else { 1 };
            assert_eq!(ok.len(), expected_ok, "{record}");
        }
        let (doses, verdict) = doses_and_audit(h).await;
        assert_eq!(doses, 20);
        assert!(matches!(verdict, issuer::audit::Verdict::Intact { .. }));
        let after = h.issuer.group_commit_stats();
        let jobs = after.jobs - before.jobs;
        let groups = after.groups - before.groups;
        // Every submission that reached the write went through a group; some shared one.
        assert!(jobs >= 20, "{jobs} grouped issuances");
        assert!(
            groups < jobs,
            "{groups} groups for {jobs} issuances: nothing was grouped"
        );
    }
}
