//! SQLite on a full disk (issue #12 item 10). The database lives on a 4 MiB tmpfs mounted by
//! the test (root only; elsewhere the test prints a notice and passes without running); the
//! keys stay outside. The real binary serves; a filler file takes every free byte, then:
//! - submissions are refused with a typed 5xx JSON error (no panic, no hang, the process stays
//!   up and `/healthz` answers), never a 200 that is not stored;
//! - when the filler is deleted, the refused submissions succeed on retry without a restart;
//! - afterwards `PRAGMA integrity_check` is `ok`, every acknowledged issuance is stored once as
//!   answered, nothing is half-written and `audit verify` says intact.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod fault_common;

use fault_common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmpfs mount, unmounted on drop (even when the test fails).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!(
                "NOTICE: cannot mount a tmpfs here ({}); skipping the full-disk test",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            // Still in use (a server not yet reaped): detach it now, freed when released.
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// Write zeros to `path` until the file system is full; the bytes written.
fn fill(path: &Path) -> u64 {
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 16 * 1024];
    let mut written = 0u64;
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    // Partial last blocks: one byte at a time until nothing fits.
    while let Ok(1) = f.write(&[0]) {
        written += 1;
    }
    let _ = f.sync_all();
    written
}

/// The `source` of each internal error the server logged, with counts.
fn log_sources(log: &str) -> String {
    let mut by: std::collections::BTreeMap<String, usize> = Default::default();
    for line in log.lines() {
        // Without terminal colour codes.
        let mut plain = String::new();
        let mut in_escape = false;
        for c in line.chars() {
            match (in_escape, c) {
                (false, '\x1b') => in_escape = true,
                (true, 'm') => in_escape = false,
                (false, c) => plain.push(c),
                _ => {}
            }
        }
        if let Some((_, rest)) = plain.split_once("source") {
            let v = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
            *by.entry(v.trim().trim_end_matches('"').to_string())
                .or_default() += 1;
        }
    }
    format!("{by:?}")
}

#[test]
fn sqlite_on_a_full_disk_answers_typed_errors_and_works_again_after_a_restart() {
    full_disk(true);
}

/// Was ignored as a finding: after `SQLITE_FULL` SQLite rolled the transaction back by itself,
/// sqlx's own `ROLLBACK` then failed and left the pooled connection counted inside a
/// transaction, so every later `BEGIN IMMEDIATE` on it failed until a restart. Fixed by the
/// pool's `after_release` check (`db::sqlite_reusable`), which closes such a connection.
#[test]
fn sqlite_on_a_full_disk_works_again_when_space_returns_without_a_restart() {
    full_disk(false);
}

fn full_disk(restart_to_recover: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&dir.path().join("disk"), "4m") else {
        return;
    };
    let db_path = disk.0.join("issuer.db");
    let site = Site::new(
        dir.path().join("data"),
        Some(format!("sqlite://{}", db_path.display())),
    );
    let facilities = vec![("HN-001".to_string(), site.facility("HN-001"))];
    let jobs = jobs(&facilities, "disk", 600);
    let mut server = site.serve();
    let addr = server.addr.clone();
    let send = |job: &Job| {
        http(
            &addr,
            "POST",
            "/v1/vaccinations",
            Some(&job.token),
            &job.body,
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("{}: no answer: {e}", job.record))
    };

    let mut acked = Vec::new();
    for job in &jobs[..20] {
        let r = send(job);
        assert_eq!(r.status, 200, "{}", r.text());
        acked.push(Ack::from(job, &r));
    }

    let filler = disk.0.join("filler");
    let filled = fill(&filler);
    eprintln!("filler took {filled} bytes");
    // Keep submitting until the disk refuses (SQLite may first reuse WAL space it holds).
    let mut refused = Vec::new();
    let mut next = 20;
    while refused.len() < 5 {
        assert!(
            next < jobs.len(),
            "{} submissions on a full disk, none refused",
            next - 20
        );
        let job = &jobs[next];
        let t = Instant::now();
        let r = send(job);
        let took = t.elapsed();
        if r.status == 200 {
            // Stored, as every 200 must be: checked at the end.
            acked.push(Ack::from(job, &r));
        } else {
            eprintln!("{}: {} {} in {took:?}", job.record, r.status, r.text());
            assert!(r.status >= 500, "{} {}", r.status, r.text());
            r.assert_typed_error();
            assert!(took < Duration::from_secs(30), "refusal took {took:?}");
            refused.push(next);
        }
        next += 1;
    }
    eprintln!(
        "{} accepted after filling, then refused {:?}",
        acked.len() - 20,
        refused
    );
    assert!(server.alive(), "the server survives a full disk");
    assert_eq!(server.get("/healthz", None).status, 200);

    std::fs::remove_file(&filler).unwrap();
    if restart_to_recover {
        let status = server.terminate();
        assert!(
            status.success(),
            "graceful shutdown on a full disk: {status:?}"
        );
        eprintln!("errors logged while full: {}", log_sources(&server.log()));
        server = site.serve();
        server.wait_ready(true, Duration::from_secs(10));
    }
    let addr = server.addr.clone();
    let send = |job: &Job| {
        http(
            &addr,
            "POST",
            "/v1/vaccinations",
            Some(&job.token),
            &job.body,
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("{}: no answer: {e}", job.record))
    };
    // Space is back: each refused submission, retried, goes through within a bound; then new
    // ones too. Measured on the shared 2-core machine: with the pool's `after_release` check
    // the whole test takes about 0.8 s (27 runs, all passed); without it the server logged
    // `database: begin inside a transaction` for every retry and recovery took 3 to 17 s, so
    // this bound fails without the fix (2 of 3 runs) and holds with it.
    let t = Instant::now();
    let again: Vec<usize> = refused.iter().copied().chain(next..next + 10).collect();
    for i in again {
        let job = &jobs[i];
        loop {
            let r = send(job);
            if r.status == 200 {
                acked.push(Ack::from(job, &r));
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "{} still refused {:?} after space returned: {} {}; errors logged: {}",
                job.record,
                t.elapsed(),
                r.status,
                r.text(),
                log_sources(&server.log())
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    eprintln!("all accepted {:?} after space returned", t.elapsed());
    let lists = published(&server);
    for a in &acked {
        if let Some(hc1) = &a.hc1 {
            lists.assert_valid(hc1);
        }
    }
    let status = server.terminate();
    assert!(status.success(), "graceful shutdown: {status:?}");
    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");

    let rt = rt();
    let db = rt.block_on(open_db(&site.url()));
    let issuer::db::Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let check: Vec<(String,)> = rt
        .block_on(sqlx::query_as("PRAGMA integrity_check").fetch_all(pool))
        .unwrap();
    assert_eq!(check, vec![("ok".to_string(),)], "integrity_check");
    let state = rt.block_on(stored(&db));
    state.assert_consistent();
    state.assert_holds(&acked);
    assert_eq!(state.doses.len(), acked.len());
    rt.block_on(db.close());
    site.assert_audit_intact();
}
