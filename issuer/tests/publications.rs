//! Published list sequences (issue #12 item 2, spec/issuer.md §Publication), on both backends:
//! a list's sequence changes only with its content, as `max(previous + 1, unix ms)`; each
//! publication is stored, so GETs (on any replica) serve the same bytes; the same content is
//! re-signed under its sequence only to extend its expiry; two changes within one second get
//! two sequences (the same-second replay: a verifier shown the list before a key compromise
//! after the list that drops the key must refuse it); revocation deltas stay consistent with
//! the full lists.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{dose, enc, Backend, Harness, T0};
use issuer::tokens::Role;
use serde_json::json;
use trust_list::list::{verify_trust_list, VerifyOptions};
use trust_list::revocation::{verify_revocation_update, RevocationList, RevocationPayload};
use trust_list::{Dsc, TrustState};
use wallet_format::Algorithm;

both!(same_content_keeps_its_sequence_and_bytes_across_gets_and_replicas);
both!(every_content_change_gets_a_strictly_larger_sequence);
both!(a_list_from_before_a_compromise_in_the_same_second_is_refused_after_the_new_one);
both!(the_same_content_is_re_signed_under_its_sequence_only_to_extend_expiry);
both!(revocation_deltas_lead_to_the_full_list_of_their_sequence);
both!(replicas_racing_to_publish_store_one_list_per_sequence);

async fn anchor(h: &Harness) -> Dsc {
    let (s, pem) = h.raw("GET", "/v1/anchor.pem", None, &[], vec![]).await;
    assert_eq!(s, StatusCode::OK);
    Dsc::from_pem(std::str::from_utf8(&pem).unwrap()).unwrap()
}

async fn get(h: &Harness, path: &str) -> Vec<u8> {
    let (s, body) = h.raw("GET", path, None, &[], vec![]).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&body)
    );
    body
}

fn now(h: &Harness) -> i64 {
    h.clock.0.load(std::sync::atomic::Ordering::SeqCst)
}

fn opts(h: &Harness) -> VerifyOptions {
    VerifyOptions::new(now(h), 0)
}

/// (sequence, issued_at, valid_until, entries) of a signed trust list.
async fn trust(h: &Harness, bytes: &[u8]) -> (u64, i64, i64, usize) {
    let mut state = TrustState::default();
    let v = verify_trust_list(bytes, &anchor(h).await, &mut state, &opts(h)).unwrap();
    (
        v.list.sequence,
        v.list.issued_at,
        v.list.valid_until,
        v.list.entries.len(),
    )
}

/// The full revocation list in `bytes`.
async fn revocations(h: &Harness, bytes: &[u8]) -> RevocationList {
    let mut state = TrustState::default();
    verify_revocation_update(bytes, None, &anchor(h).await, &mut state, &opts(h))
        .unwrap()
        .list
}

/// Issue one certificate; its (uvci, hc1).
async fn issue(h: &Harness, t: &str, record: &str) -> (String, String) {
    let (s, v) = h
        .call(
            "POST",
            "/v1/vaccinations",
            Some(t),
            Some(dose(
                "HN-001",
                record,
                &format!("9{record}"),
                1,
                2,
                "2021-06-01",
            )),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = &v["certificate"];
    (
        c["uvci"].as_str().unwrap().to_string(),
        c["hc1"].as_str().unwrap().to_string(),
    )
}

async fn revoke(h: &Harness, m: &str, uvci: &str) {
    let (s, v) = h
        .call(
            "POST",
            &format!("/v1/certificates/{}/revoke", enc(uvci)),
            Some(m),
            Some(json!({"reason": "error"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn publication_rows(h: &Harness, kind: &str) -> i64 {
    issuer::with_db!(h.issuer.db(), |p| {
        sqlx::query_scalar("SELECT COUNT(*) FROM publications WHERE kind = $1")
            .bind(kind)
            .fetch_one(p)
            .await
            .unwrap()
    })
}

mod scenarios {
    use super::*;

    pub async fn same_content_keeps_its_sequence_and_bytes_across_gets_and_replicas(h: &Harness) {
        let t1 = get(h, "/v1/trust-list").await;
        let r1 = get(h, "/v1/revocations").await;
        h.clock.advance(3600);
        assert_eq!(
            get(h, "/v1/trust-list").await,
            t1,
            "an hour later, same bytes"
        );
        assert_eq!(get(h, "/v1/revocations").await, r1);
        let replica = h.replica().await;
        let ms = now(h) * 1000;
        assert_eq!(replica.published_trust_list(ms).await.unwrap().signed, t1);
        assert_eq!(
            replica.published_revocations(None, ms).await.unwrap(),
            r1,
            "a second replica on the same database serves the same bytes"
        );
        let (seq, issued_at, _, entries) = trust(h, &t1).await;
        assert_eq!(entries, 1);
        assert_eq!(issued_at, T0);
        assert_eq!(
            seq,
            u64::try_from(T0 * 1000).unwrap(),
            "unix ms of the first publication"
        );
        assert_eq!(publication_rows(h, "trust-list").await, 1);
        assert_eq!(publication_rows(h, "revocations").await, 1);
        replica.close().await;
    }

    pub async fn every_content_change_gets_a_strictly_larger_sequence(h: &Harness) {
        let t = h.facility("HN-001").await;
        let m = h.token(Role::Ministry, None).await;
        let (uvci, hc1) = issue(h, &t, "a").await;
        let (_, hc1_b) = issue(h, &t, "b").await;
        let (s0, ..) = trust(h, &get(h, "/v1/trust-list").await).await;
        let r0 = revocations(h, &get(h, "/v1/revocations").await).await;

        // A new DSC: the trust list changes, the revocation list does not.
        let old_kid = h.issuer.list_keys().await.unwrap()[0].kid.clone(); // the only one
        h.issuer
            .rotate_key(Algorithm::Es256, "test", now(h))
            .await
            .unwrap();
        let (s1, _, _, n1) = trust(h, &get(h, "/v1/trust-list").await).await;
        assert!(s1 > s0, "{s1} > {s0}");
        assert_eq!(n1, 2);
        let r = revocations(h, &get(h, "/v1/revocations").await).await;
        assert_eq!(
            r.sequence, r0.sequence,
            "unchanged content, unchanged sequence"
        );

        // A revocation: the revocation list changes, the trust list does not.
        revoke(h, &m, &uvci).await;
        let r1 = revocations(h, &get(h, "/v1/revocations").await).await;
        assert!(r1.sequence > r0.sequence);
        assert_eq!(r1.len(), 1);
        h.assert_revoked(&hc1).await;
        assert_eq!(trust(h, &get(h, "/v1/trust-list").await).await.0, s1);

        // A compromise: both change.
        h.issuer
            .revoke_all_of_dsc(&old_kid, "test", now(h))
            .await
            .unwrap();
        let (s2, _, _, n2) = trust(h, &get(h, "/v1/trust-list").await).await;
        assert!(s2 > s1, "{s2} > {s1}");
        assert_eq!(n2, 1, "the compromised DSC is gone");
        let r2 = revocations(h, &get(h, "/v1/revocations").await).await;
        assert!(
            r2.sequence > r1.sequence,
            "the compromise revoked certificate b"
        );
        let v = h.verify(&hc1_b).await;
        assert_eq!(v.outcome, verifier::Outcome::Invalid, "{:?}", v.reason);
        assert_eq!(publication_rows(h, "trust-list").await, 3);
    }

    pub async fn a_list_from_before_a_compromise_in_the_same_second_is_refused_after_the_new_one(
        h: &Harness,
    ) {
        for _ in 0..3 {
            h.issuer
                .rotate_key(Algorithm::Es256, "test", now(h))
                .await
                .unwrap();
        }
        // A retired DSC (compromising the current one would also rotate to a new one).
        let compromised = h
            .issuer
            .list_keys()
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.state == issuer::domain::DscState::Retired)
            .unwrap()
            .kid;
        let a = get(h, "/v1/trust-list").await;
        // The clock does not move: list B is published within the same second as list A.
        h.issuer
            .revoke_all_of_dsc(&compromised, "test", now(h))
            .await
            .unwrap();
        let b = get(h, "/v1/trust-list").await;
        let (sa, ia, _, na) = trust(h, &a).await;
        let (sb, ib, _, nb) = trust(h, &b).await;
        assert_eq!((na, nb), (4, 3));
        assert_eq!(ia, ib, "same second");
        assert!(
            sb > sa,
            "list B ({sb}) must not share list A's sequence ({sa})"
        );

        // A verifier given B, then A (a replay), keeps B: the compromised key stays out.
        let anchor = anchor(h).await;
        let mut state = TrustState::default();
        verify_trust_list(&b, &anchor, &mut state, &opts(h)).unwrap();
        let err = verify_trust_list(&a, &anchor, &mut state, &opts(h)).unwrap_err();
        assert_eq!(err.code(), "TRUST_LIST_ROLLBACK", "{err}");
        // And given A then B, it moves on to B.
        let mut state = TrustState::default();
        verify_trust_list(&a, &anchor, &mut state, &opts(h)).unwrap();
        let v = verify_trust_list(&b, &anchor, &mut state, &opts(h)).unwrap();
        assert!(v
            .list
            .entries
            .iter()
            .all(|e| e.kid.to_base64() != compromised));
    }

    pub async fn the_same_content_is_re_signed_under_its_sequence_only_to_extend_expiry(
        h: &Harness,
    ) {
        let anchor = anchor(h).await;
        let a = get(h, "/v1/trust-list").await;
        let ra = get(h, "/v1/revocations").await;
        let (sa, ia, va, _) = trust(h, &a).await;
        // Past half the trust list's validity (3.5 days), and past the revocation list's.
        h.clock.advance(4 * 86_400);
        let b = get(h, "/v1/trust-list").await;
        let rb = get(h, "/v1/revocations").await;
        assert_ne!(a, b);
        assert_ne!(ra, rb);
        let (sb, ib, vb, _) = trust(h, &b).await;
        assert_eq!(sb, sa, "same content, same sequence");
        assert!(ib > ia && vb > va, "later issue and expiry");
        assert_eq!(get(h, "/v1/trust-list").await, b, "stored: served as it is");
        assert_eq!(publication_rows(h, "trust-list").await, 1);
        // A verifier that held A takes B (same sequence, same content, later).
        let mut state = TrustState::default();
        let early = VerifyOptions::new(T0, 0);
        verify_trust_list(&a, &anchor, &mut state, &early).unwrap();
        verify_trust_list(&b, &anchor, &mut state, &opts(h)).unwrap();
        let held = verify_revocation_update(&ra, None, &anchor, &mut state, &early)
            .unwrap()
            .list;
        let next = verify_revocation_update(&rb, Some(&held), &anchor, &mut state, &opts(h))
            .unwrap()
            .list;
        assert_eq!(next.sequence, held.sequence);
    }

    pub async fn revocation_deltas_lead_to_the_full_list_of_their_sequence(h: &Harness) {
        let t = h.facility("HN-001").await;
        let m = h.token(Role::Ministry, None).await;
        let mut certs = Vec::new();
        for r in ["a", "b", "c"] {
            certs.push(issue(h, &t, r).await);
        }
        revoke(h, &m, &certs[0].0).await;
        let f1_bytes = get(h, "/v1/revocations").await;
        let f1 = revocations(h, &f1_bytes).await;
        revoke(h, &m, &certs[1].0).await;
        revoke(h, &m, &certs[2].0).await;
        let f2_bytes = get(h, "/v1/revocations").await;
        let f2 = revocations(h, &f2_bytes).await;
        assert!(f2.sequence > f1.sequence);

        // A verifier holding F1 applies the delta since F1 and arrives at F2's content:
        // afterwards F2 itself is accepted (no SEQUENCE_REUSED).
        let anchor = anchor(h).await;
        let mut state = TrustState::default();
        let held = verify_revocation_update(&f1_bytes, None, &anchor, &mut state, &opts(h))
            .unwrap()
            .list;
        let delta = get(h, &format!("/v1/revocations?since={}", f1.sequence)).await;
        let mut scratch = TrustState::default();
        let probe =
            trust_list::revocation::verify_revocation(&delta, &anchor, &mut scratch, &opts(h))
                .unwrap();
        let RevocationPayload::Delta(d) = probe.payload else {
            panic!("expected a delta")
        };
        assert_eq!((d.base_sequence, d.sequence), (f1.sequence, f2.sequence));
        let updated = verify_revocation_update(&delta, Some(&held), &anchor, &mut state, &opts(h))
            .unwrap()
            .list;
        assert_eq!(updated, f2);
        verify_revocation_update(&f2_bytes, Some(&updated), &anchor, &mut state, &opts(h)).unwrap();

        // Since the latest: fine; beyond it: refused; a sequence never published (an old
        // second-based one, or one lost in a restore): the full list.
        get(h, &format!("/v1/revocations?since={}", f2.sequence)).await;
        let (s, v) = h
            .call(
                "GET",
                &format!("/v1/revocations?since={}", f2.sequence + 1),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["fields"][0]["field"], "since");
        for never in [5, f1.sequence - 1] {
            let unknown = get(h, &format!("/v1/revocations?since={never}")).await;
            assert!(unknown == f2_bytes, "since={never}: the full list");
        }
    }

    pub async fn replicas_racing_to_publish_store_one_list_per_sequence(h: &Harness) {
        get(h, "/v1/trust-list").await;
        h.issuer
            .rotate_key(Algorithm::Es256, "test", now(h))
            .await
            .unwrap();
        let replicas = [h.issuer.clone(), h.replica().await];
        let ms = now(h) * 1000;
        let mut tasks = Vec::new();
        for i in 0..8 {
            let issuer = replicas[i % 2].clone();
            tasks.push(tokio::spawn(async move {
                issuer.published_trust_list(ms).await.unwrap()
            }));
        }
        let mut seen = Vec::new();
        for t in tasks {
            let p = t.await.unwrap();
            seen.push((p.sequence, p.signed));
        }
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "one list, one sequence"
        );
        assert_eq!(publication_rows(h, "trust-list").await, 2);
        replicas[1].close().await;
    }
}
