//! The real `vaxcert-issuer` binary: `serve --listen 127.0.0.1:0` in a temp data dir prints its
//! address, answers real HTTP (a minimal HTTP/1.1 client over TcpStream), issues a certificate
//! with a token minted by the CLI, `keys export` writes the documented files, and SIGTERM shuts
//! it down cleanly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

fn cli(data: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vaxcert-issuer"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("VAXCERT_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split(' ').nth(1).unwrap().parse().unwrap();
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_on_port_zero_answers_real_http_and_shuts_down_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli(&data, &["facility", "add", "HN-001", "--name", "Hanoi 1"]);
    let token_out = cli(
        &data,
        &[
            "token",
            "--role",
            "facility",
            "--facility",
            "HN-001",
            "--ttl",
            "1h",
        ],
    );
    let token = token_out.lines().last().unwrap().trim().to_string();
    assert!(
        data.join("keys/csca.crt.pem").exists(),
        "development keys generated"
    );

    // Its stderr goes to a file: not a terminal, so JSON lines.
    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vaxcert-issuer"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env_remove("VAXCERT_DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    assert!(!addr.ends_with(":0"));

    let (s, body) = http(&addr, "GET", "/healthz", None, "");
    assert_eq!((s, body.as_str()), (200, "ok\n"));
    let (s, _) = http(&addr, "GET", "/readyz", None, "");
    assert_eq!(s, 200);
    let submission = r#"{"facility_id":"HN-001","facility_record_id":"x1","person":{"national_id":"079123456789","family_name":"Lê","date_of_birth":"1980"},"vaccine_type":"J07BX03","product":"EU/1/20/1525","manufacturer":"ORG-100001417","dose_number":1,"series_total":1,"date":"2021-07-01"}"#;
    let (s, body) = http(&addr, "POST", "/v1/vaccinations", Some(&token), submission);
    assert_eq!(s, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["certificate"]["status"], "complete");
    let (s, _) = http(&addr, "POST", "/v1/vaccinations", None, submission);
    assert_eq!(s, 401);
    let uvci = v["certificate"]["uvci"].as_str().unwrap().to_string();
    let encoded = uvci
        .replace('/', "%2F")
        .replace(':', "%3A")
        .replace('#', "%23");
    let (s, _) = http(
        &addr,
        "GET",
        &format!("/v1/certificates/{encoded}?national_id=079123456789"),
        None,
        "",
    );
    assert_eq!(s, 401);
    let (s, metrics) = http(&addr, "GET", "/metrics", None, "");
    assert_eq!(s, 200);
    assert!(
        metrics.contains(r#"vaxcert_certificates_issued_total{how="single"} 1"#),
        "{metrics}"
    );
    for secret in [uvci.as_str(), encoded.as_str(), "079123456789"] {
        assert!(!metrics.contains(secret), "{secret} in /metrics");
    }

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );

    access_log_is_json_with_route_templates_and_no_personal_data(&log, &uvci, &encoded);

    let export = dir.path().join("export");
    let out = cli(&data, &["keys", "export", export.to_str().unwrap()]);
    for f in [
        "anchor.pem",
        "trust-list.cose",
        "trust-list-dccg.json",
        "revocations.cose",
        "list-signer.pem",
    ] {
        assert!(export.join(f).exists(), "{f} missing; printed {out}");
    }
    let audit = cli(&data, &["audit", "verify"]);
    assert!(audit.contains("intact"), "{audit}");
}

/// The server's stderr: JSON lines, the start-up line, one access line per request naming the
/// route template, and nowhere the UVCI, its encoding or the national id.
fn access_log_is_json_with_route_templates_and_no_personal_data(
    log: &Path,
    uvci: &str,
    encoded: &str,
) {
    let text = std::fs::read_to_string(log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!text.contains('\u{1b}'), "ANSI codes in a log file");
    let started = lines.iter().find(|l| l["fields"]["message"] == "starting");
    let started = started.unwrap_or_else(|| panic!("no start-up line: {text}"));
    assert_eq!(started["fields"]["database"], "sqlite");
    let access: Vec<(String, String, u64)> = lines
        .iter()
        .filter(|l| l["target"] == "vaxcert::access")
        .map(|l| {
            let f = &l["fields"];
            assert!(f["duration_ms"].as_f64().is_some(), "{l}");
            (
                f["method"].as_str().unwrap().to_string(),
                f["route"].as_str().unwrap().to_string(),
                f["status"].as_u64().unwrap(),
            )
        })
        .collect();
    for want in [
        ("GET", "/healthz", 200),
        ("POST", "/v1/vaccinations", 200),
        ("POST", "/v1/vaccinations", 401),
        ("GET", "/v1/certificates/{uvci}", 401),
        ("GET", "/metrics", 200),
    ] {
        let want = (want.0.to_string(), want.1.to_string(), want.2);
        assert!(access.contains(&want), "no access line {want:?}: {text}");
    }
    for secret in [uvci, encoded, "079123456789", "national_id"] {
        assert!(!text.contains(secret), "{secret} in the log: {text}");
    }
}

/// `audit checkpoint --out FILE` writes a signed checkpoint; `audit verify --checkpoint FILE`
/// passes on the untouched log and, once the log's tail is cut (the chain alone still
/// verifies), exits 1 naming `AUDIT_LOG_TRUNCATED`.
#[test]
fn audit_verify_with_a_kept_checkpoint_exits_nonzero_on_a_cut_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for _ in 0..4 {
        cli(&data, &["token", "--role", "auditor"]);
    }
    let kept = dir.path().join("checkpoint.cose");
    let out = cli(
        &data,
        &["audit", "checkpoint", "--out", kept.to_str().unwrap()],
    );
    assert!(out.contains("entry 4"), "{out}");
    let out = cli(
        &data,
        &["audit", "verify", "--checkpoint", kept.to_str().unwrap()],
    );
    assert!(out.contains("intact: 4 entries"), "{out}");

    let db = data.join("issuer.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        // Cut the tail and drop the stored checkpoints: only the kept file remembers.
        for sql in [
            "DELETE FROM audit_log WHERE seq > 2",
            "DELETE FROM audit_checkpoints",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    });
    let plain = cli(&data, &["audit", "verify"]);
    assert!(
        plain.contains("intact: 2 entries"),
        "the chain alone: {plain}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_vaxcert-issuer"))
        .arg("--data-dir")
        .arg(&data)
        .args(["audit", "verify", "--checkpoint"])
        .arg(&kept)
        .env_remove("VAXCERT_DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("AUDIT_LOG_TRUNCATED"), "{text}");
}
