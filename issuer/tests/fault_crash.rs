//! kill -9 during a burst of concurrent HTTP issuance, group commit on (the default), on SQLite
//! and on a fresh PostgreSQL database (issue #12 item 10). The real binary serves; 32 clients
//! submit 480 doses (two per person, both doses of a person in flight together, three
//! facilities); once 80 were answered 200 the process is killed with SIGKILL. After a restart
//! on the same data:
//! - every submission answered 200 is stored exactly once, under the record id and with the
//!   certificate it was answered, and that certificate verifies against the published lists;
//! - nothing is half-written: every stored dose has its answered certificate and exactly one
//!   issue/record audit entry, every certificate has its dose, `audit verify` says intact;
//! - resubmitting every submission (answered, cut off, or never sent) answers 200, the
//!   answered ones with the same body; afterwards every submission is stored exactly once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod fault_common;

use fault_common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SUBMISSIONS: usize = 480;
const CLIENTS: usize = 32;
const KILL_AFTER_ACKS: usize = 80;

fn metric(server: &Server, name: &str) -> u64 {
    let text = server.get("/metrics", None).text();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("metric {name} missing: {text}"))
}

fn kill_mid_burst_then_restart(site: &Site) {
    let start = Instant::now();
    let facilities: Vec<(String, String)> = ["HN-001", "HN-002", "HCM-01"]
        .iter()
        .map(|f| (f.to_string(), site.facility(f)))
        .collect();
    let jobs = Arc::new(jobs(&facilities, "burst", SUBMISSIONS));

    let mut server = site.serve();
    let load = Load::start(&server.addr, jobs.clone(), CLIENTS, Duration::from_secs(60));
    load.wait_acked(KILL_AFTER_ACKS, Duration::from_secs(90));
    let groups = metric(&server, "vaxcert_group_commits_total");
    let grouped = metric(&server, "vaxcert_group_commit_issuances_total");
    load.stop();
    server.kill9();
    let outcomes = load.join();
    let acked = acks(&jobs, &outcomes);
    let cut_off = outcomes
        .iter()
        .filter(|o| matches!(o, Some((Outcome::Unanswered(_), _))))
        .count();
    eprintln!(
        "killed after {} acknowledged, {cut_off} cut off or refused, {} never sent; \
         group commit before the kill: {grouped} issuances in {groups} groups",
        acked.len(),
        outcomes.iter().filter(|o| o.is_none()).count(),
    );
    assert!(
        grouped > groups,
        "group commit on: some group carried more than one issuance ({grouped} in {groups})"
    );
    for (i, o) in outcomes.iter().enumerate() {
        if let Some((Outcome::Answered(r), _)) = o {
            assert_eq!(
                r.status,
                200,
                "submission {i} before the kill: {}",
                r.text()
            );
        }
    }
    assert!(acked.len() >= KILL_AFTER_ACKS);
    assert!(
        acked.len() < SUBMISSIONS,
        "the kill came after the burst; nothing was in flight"
    );

    let server = site.serve();
    server.wait_ready(true, Duration::from_secs(30));
    let rt = rt();
    let db = rt.block_on(open_db(&site.url()));
    let after_crash = rt.block_on(stored(&db));
    after_crash.assert_consistent();
    after_crash.assert_holds(&acked);
    let cut_off_stored = jobs
        .iter()
        .zip(&outcomes)
        .filter(|(j, o)| {
            matches!(o, Some((Outcome::Unanswered(_), _)))
                && after_crash
                    .doses
                    .contains_key(&(j.facility.clone(), j.record.clone()))
        })
        .count();
    eprintln!("of the {cut_off} cut off, {cut_off_stored} were committed before the kill");
    site.assert_audit_intact();
    let lists = published(&server);
    for a in &acked {
        if let Some(hc1) = &a.hc1 {
            lists.assert_valid(hc1);
        }
    }

    let again = resubmit_all(&server.addr, jobs.clone(), CLIENTS);
    let by_record: std::collections::HashMap<_, _> = acked
        .iter()
        .map(|a| ((a.facility.clone(), a.record.clone()), a))
        .collect();
    for (job, r) in jobs.iter().zip(&again) {
        assert_eq!(r.status, 200, "resubmitting {}: {}", job.record, r.text());
        let now = Ack::from(job, r);
        if let Some(first) = by_record.get(&(job.facility.clone(), job.record.clone())) {
            assert_eq!(
                &&now, first,
                "a retry answers what the first submission got"
            );
        } else if let Some((id, _)) = after_crash
            .doses
            .get(&(job.facility.clone(), job.record.clone()))
        {
            assert_eq!(
                &now.record_id, id,
                "cut off but stored: the retry answers it"
            );
        }
    }
    let after_retry = rt.block_on(stored(&db));
    after_retry.assert_consistent();
    after_retry.assert_holds(&acked);
    assert_eq!(after_retry.doses.len(), SUBMISSIONS);
    assert_eq!(after_retry.persons, SUBMISSIONS / 2);
    let lists = published(&server);
    for (job, r) in jobs.iter().zip(&again) {
        if let Some(hc1) = &Ack::from(job, r).hc1 {
            lists.assert_valid(hc1);
        }
    }
    rt.block_on(db.close());
    drop(server);
    site.assert_audit_intact();
    eprintln!("done in {:?}", start.elapsed());
}

#[test]
fn sqlite_kill9_mid_burst_loses_no_acknowledged_issuance_and_writes_nothing_half() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::new(dir.path().join("data"), None);
    kill_mid_burst_then_restart(&site);
}

#[test]
fn postgres_kill9_mid_burst_loses_no_acknowledged_issuance_and_writes_nothing_half() {
    let rt = rt();
    let Some(pg) = rt.block_on(PgDatabase::create()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = Site::new(dir.path().join("data"), Some(pg.url.clone()));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        kill_mid_burst_then_restart(&site)
    }));
    rt.block_on(pg.drop_now());
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
