//! Bulk import through the real binary: 100 000 generated NDJSON rows with 1% bad rows; the
//! first run is killed (SIGKILL) mid-way, the second run resumes; afterwards exactly the good
//! rows are issued once and every bad row is in the rejects file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROWS: usize = 100_000;

fn row(i: usize) -> String {
    let person = i / 2;
    let dn = i % 2 + 1;
    if i % 100 == 37 {
        // 1% bad rows, of several kinds.
        return match (i / 100) % 4 {
            0 => "{\"facility_id\": \"HN-001\", broken json".to_string(),
            1 => format!(
                r#"{{"facility_id":"HN-001","facility_record_id":"r{i}","person":{{"national_id":"{person}","family_name":"Phạm","date_of_birth":"1970-01-01"}},"vaccine_type":"J07BX03","product":"NOPE","manufacturer":"ORG-100030215","dose_number":{dn},"series_total":2,"date":"2021-06-01"}}"#
            ),
            2 => format!(
                r#"{{"facility_id":"HN-001","facility_record_id":"r{i}","person":{{"national_id":"{person}","family_name":"Phạm","date_of_birth":"1970-01-01"}},"vaccine_type":"J07BX03","product":"EU/1/20/1528","manufacturer":"ORG-100030215","dose_number":{dn},"series_total":2,"date":"2031-06-01"}}"#
            ),
            _ => format!(
                r#"{{"facility_id":"HN-001","facility_record_id":"r{i}","person":{{"national_id":"{person}","date_of_birth":"1970-01-01"}},"vaccine_type":"J07BX03","product":"EU/1/20/1528","manufacturer":"ORG-100030215","dose_number":{dn},"series_total":2,"date":"2021-06-01"}}"#
            ),
        };
    }
    format!(
        r#"{{"facility_id":"HN-{f:03}","facility_record_id":"r{i}","person":{{"national_id":"{person}","family_name":"Phạm","given_name":"Minh Đức","date_of_birth":"1970-01-01"}},"vaccine_type":"J07BX03","product":"EU/1/20/1528","manufacturer":"ORG-100030215","dose_number":{dn},"series_total":2,"date":"2021-0{m}-01","lot":"L{i}"}}"#,
        f = i % 7,
        m = dn + 5
    )
}

fn count_lines(p: &Path) -> usize {
    std::fs::read_to_string(p)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn import_is_resumable_after_kill_and_rejects_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("history.ndjson");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    let bad = (0..ROWS).filter(|i| i % 100 == 37).count();
    for i in 0..ROWS {
        writeln!(w, "{}", row(i)).unwrap();
    }
    drop(w);
    let rejects = dir.path().join("rejects.ndjson");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_vaxcert-issuer"))
            .arg("--data-dir")
            .arg(&data)
            .env_remove("VAXCERT_DATABASE_URL")
            .args(["import", "--quiet", "--rejects"])
            .arg(&rejects)
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // First run: kill once a good part (but not all) has been committed.
    let mut child = run();
    let start = Instant::now();
    while count_lines(&rejects) < bad / 5 {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "import made no progress"
        );
        if child.try_wait().unwrap().is_some() {
            panic!("import finished before it could be interrupted; raise ROWS");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = count_lines(&rejects);
    assert!(
        killed_at < bad,
        "killed mid-way ({killed_at} of {bad} rejects)"
    );

    // Second run resumes (re-reads everything; committed rows are idempotent replays).
    let out = run().wait_with_output().unwrap();
    assert!(out.status.success());
    let summary = String::from_utf8(out.stdout).unwrap();
    eprintln!("{summary}");
    assert!(summary.contains(&format!("rows {ROWS} ")), "{summary}");
    assert!(summary.contains(&format!("rejected {bad} ")), "{summary}");

    // Every bad row is in the rejects file, each with a code and its line number.
    let text = std::fs::read_to_string(&rejects).unwrap();
    let mut lines: Vec<u64> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert!(v["code"].is_string() && v["reason"].is_string());
            v["line"].as_u64().unwrap()
        })
        .collect();
    lines.sort_unstable();
    let want: Vec<u64> = (0..ROWS)
        .filter(|i| i % 100 == 37)
        .map(|i| i as u64 + 1)
        .collect();
    assert_eq!(lines, want);

    // Exactly the good rows were issued, once each.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", data.join("issuer.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let doses: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM doses")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(doses as usize, ROWS - bad);
        let distinct: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT facility_id || '/' || facility_record_id) FROM doses",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(distinct, doses);
        let bad_present: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM doses WHERE facility_record_id IN ('r37', 'r137', 'r237')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(bad_present, 0);
        let current: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE state = 'current'")
                .fetch_one(&pool)
                .await
                .unwrap();
        let persons: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM persons")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(current, persons, "one current certificate per person");
    });
}
