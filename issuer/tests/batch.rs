//! The set-based batch path (`Issuer::issue_batch`, used by bulk import) gives the same answers
//! and leaves the same database as issuing the same rows one by one with `issue_dose`: new
//! persons with several doses in one batch (late lower dose, booster, a later row spelling the
//! name differently), rows for a person already stored, retries and conflicts of stored record
//! ids, a record id used twice in the batch. Run against SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use common::{dose, Backend, Harness, T0};
use issuer::error::Result;
use issuer::service::IssueOutcome;
use issuer::with_db;
use serde_json::Value;

fn input(v: &Value) -> issuer::input::DoseInput {
    issuer::input::parse_submission(v, T0).unwrap()
}

/// What must match between the two paths (UVCIs and ids are random, so not them).
fn shape(r: &Result<IssueOutcome>) -> String {
    match r {
        Ok(o) => format!(
            "ok {:?} cert={:?} created={} replayed={}",
            o.state,
            o.certificate
                .as_ref()
                .map(|c| (c.status, c.dose_number, c.series_total, c.state)),
            o.created_person.is_some(),
            o.replayed
        ),
        Err(e) => format!("err {}", e.code()),
    }
}

/// Rows per table and certificate state, audit actions, and the audit verdict.
async fn db_shape(h: &Harness) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM persons",
        "SELECT COUNT(*) FROM doses",
        "SELECT COUNT(*) FROM certificates WHERE state = 'current'",
        "SELECT COUNT(*) FROM certificates WHERE state = 'superseded' AND replaced_by IS NOT NULL",
        "SELECT COUNT(*) FROM certificates WHERE state = 'revoked'",
        "SELECT COUNT(*) FROM audit_log WHERE action = 'issue'",
        "SELECT COUNT(*) FROM audit_log WHERE action = 'record'",
        "SELECT COUNT(*) FROM doses WHERE response_uvci IS NULL",
    ] {
        let n: i64 = with_db!(&h.issuer.db(), |p| sqlx::query_scalar(sql)
            .fetch_one(p)
            .await
            .unwrap());
        out.push(format!("{sql} = {n}"));
    }
    let verdict = with_db!(&h.issuer.db(), |p| {
        let mut c = p.acquire().await.unwrap();
        issuer::audit::verify(&mut *c).await.unwrap()
    });
    out.push(format!("{verdict:?}"));
    out
}

fn rows() -> Vec<Value> {
    let mut renamed = dose("HN-001", "n2-2", "200", 2, 2, "2021-08-01");
    renamed["person"]["given_name"] = Value::from("Thi Dao");
    let mut conflicting = dose("HN-001", "seed-1", "100", 1, 2, "2021-06-01");
    conflicting["lot"] = Value::from("OTHER");
    vec![
        // A new person whose dose 2 arrives before dose 1 (late lower dose).
        dose("HN-001", "n1-2", "101", 2, 2, "2021-08-01"),
        dose("HN-001", "n1-1", "101", 1, 2, "2021-06-01"),
        // A new person: dose 1, dose 2 with another spelling of the name, a booster.
        dose("HN-001", "n2-1", "200", 1, 2, "2021-06-01"),
        renamed,
        dose("HN-001", "n2-3", "200", 3, 3, "2021-12-01"),
        // A person stored before the batch.
        dose("HN-001", "seed-2", "100", 2, 2, "2021-08-01"),
        // Retry of a stored record, then the same id with different content.
        dose("HN-001", "seed-1", "100", 1, 2, "2021-06-01"),
        conflicting,
        // One record id twice in the batch: first issued, then a conflict.
        dose("HN-002", "dup", "300", 1, 2, "2021-06-01"),
        dose("HN-002", "dup", "301", 1, 2, "2021-06-01"),
        // A lone new person.
        dose("HN-002", "solo", "400", 2, 2, "2021-08-01"),
    ]
}

async fn batch_matches_single_path(batch: &Harness, single: &Harness) {
    let seed = input(&dose("HN-001", "seed-1", "100", 1, 2, "2021-06-01"));
    for h in [batch, single] {
        h.issuer.issue_dose(&seed, "test", T0).await.unwrap();
    }
    let inputs: Vec<_> = rows().iter().map(input).collect();
    let got = batch.issuer.issue_batch(&inputs, "test", T0).await.unwrap();
    let mut want = Vec::new();
    for i in &inputs {
        want.push(single.issuer.issue_dose(i, "test", T0).await);
    }
    let got_shapes: Vec<_> = got.iter().map(shape).collect();
    let want_shapes: Vec<_> = want.iter().map(shape).collect();
    assert_eq!(got_shapes, want_shapes);
    assert_eq!(db_shape(batch).await, db_shape(single).await);

    // The renamed row was signed with the stored name, as on the single path.
    let renamed = got.get(3).unwrap().as_ref().unwrap();
    let hc1 = &renamed.certificate.as_ref().unwrap().hc1;
    let decoded = wallet_format::decode(hc1, &wallet_format::Limits::DEFAULT).unwrap();
    assert_eq!(decoded.claims.dcc.nam.given.as_deref(), Some("Thị Đào"));
    // The late lower dose is recorded; the certificate stays dose 2's and is not shown.
    let (n1_2, n1_1) = (got.first().unwrap(), got.get(1).unwrap());
    assert_eq!(
        n1_1.as_ref().unwrap().state,
        issuer::service::views::SubmissionState::Recorded
    );
    assert!(n1_1.as_ref().unwrap().certificate.is_none());
    assert!(n1_2.as_ref().unwrap().certificate.is_some());
    // The retry of seed-1 after seed-2 (same batch) sees its certificate superseded.
    let retry = got.get(6).unwrap().as_ref().unwrap();
    assert!(retry.replayed);
    assert_eq!(
        retry.certificate.as_ref().unwrap().state,
        issuer::domain::CertState::Superseded
    );
    for o in got.iter().flatten() {
        if let Some(c) = &o.certificate {
            batch.assert_valid(&c.hc1).await;
        }
    }

    // Running the batch again (a resumed import) answers every row as a retry, with the
    // record ids and certificates of the first answers.
    let before_retry = db_shape(batch).await;
    let again = batch.issuer.issue_batch(&inputs, "test", T0).await.unwrap();
    for (first, second) in got.iter().zip(&again) {
        match (first, second) {
            (Ok(a), Ok(b)) => {
                assert!(b.replayed);
                assert_eq!(a.record_id, b.record_id);
                assert_eq!(a.state, b.state);
                assert_eq!(
                    a.certificate.as_ref().map(|c| &c.uvci),
                    b.certificate.as_ref().map(|c| &c.uvci)
                );
            }
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code()),
            (a, b) => panic!("{} then {}", shape(a), shape(b)),
        }
    }
    assert_eq!(
        db_shape(batch).await,
        before_retry,
        "a retried batch writes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_path_gives_the_same_answers_and_rows_as_single_issuance_sqlite() {
    let a = Harness::new(Backend::Sqlite).await.unwrap();
    let b = Harness::new(Backend::Sqlite).await.unwrap();
    batch_matches_single_path(&a, &b).await;
    a.cleanup().await;
    b.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_path_gives_the_same_answers_and_rows_as_single_issuance_postgres() {
    let Some(a) = Harness::new(Backend::Postgres).await else {
        return;
    };
    let b = Harness::new(Backend::Postgres).await.unwrap();
    batch_matches_single_path(&a, &b).await;
    a.cleanup().await;
    b.cleanup().await;
}
