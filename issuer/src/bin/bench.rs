//! Issuance benchmark (`cargo run --release -p issuer --bin vaxcert-issuer-bench`).
//!
//! Measures, in one run, with the baseline first:
//! 1. bare ES256 signing rate on every core, and sign+encode (HC1) rate — the ceiling;
//! 2. bulk issuance (the import path: `Issuer::issue_batch`, 1000-row transactions, signing
//!    included) into SQLite and, when `VAXCERT_TEST_DATABASE_URL` is set, into PostgreSQL;
//! 3. HTTP issuance: the real axum server on 127.0.0.1 and a tokio load generator
//!    (keep-alive HTTP/1.1 connections) reporting requests/s and p50/p99 latency.
//!
//! Each rate is printed with its ratio to the signing baseline. Sizes: `BENCH_ROWS`
//! (default 20000), `BENCH_HTTP` (default 5000 requests), `BENCH_CONNS` (default 32).

use issuer::db::Db;
use issuer::input::parse_submission;
use issuer::issue::{Issuer, Settings};
use issuer::tokens::Role;
use issuer::with_db;
use rayon::prelude::*;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wallet_format::{Algorithm, Claims, Dcc, Kid, Name, SoftwareKey, Vaccination};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn submission(i: usize, tag: &str) -> serde_json::Value {
    json!({
        "facility_id": "BENCH", "facility_record_id": format!("{tag}-{i}"),
        "person": {"national_id": format!("{tag}{i}"), "family_name": "Nguyễn",
                   "given_name": "Văn An", "date_of_birth": "1985-03-04"},
        "vaccine_type": "J07BX03", "product": "EU/1/20/1528", "manufacturer": "ORG-100030215",
        "dose_number": 2, "series_total": 2, "date": "2021-09-01", "country": "VN", "lot": "AB1234"
    })
}

fn baseline(n: usize) -> (f64, f64) {
    let key = SoftwareKey::generate(Algorithm::Es256).expect("key");
    let signer = key.into_signer(Kid([1; 8]));
    let msg = [7u8; 300];
    let t = Instant::now();
    (0..n).into_par_iter().for_each(|_| {
        let _ = wallet_format::Signer::sign(&signer, &msg);
    });
    let sign_rate = n as f64 / t.elapsed().as_secs_f64();
    let claims = Claims {
        iss: Some("VN".into()),
        iat: Some(now()),
        exp: Some(now() + 365 * 86_400),
        dcc: Dcc {
            ver: "1.3.0".into(),
            nam: Name {
                family: Some("Nguyễn".into()),
                given: Some("Văn An".into()),
                family_t: Some("NGUYEN".into()),
                given_t: Some("VAN<AN".into()),
            },
            dob: "1985-03-04".into(),
            v: Some(vec![Vaccination {
                tg: "840539006".into(),
                vp: "J07BX03".into(),
                mp: "EU/1/20/1528".into(),
                ma: "ORG-100030215".into(),
                dn: 2,
                sd: 2,
                dt: "2021-09-01".into(),
                co: "VN".into(),
                issuer: "MoH Viet Nam".into(),
                ci: "URN:UVCI:01:VN:ABCDEFGHIJKL#X".into(),
            }]),
            ..Dcc::default()
        },
    };
    let t = Instant::now();
    (0..n).into_par_iter().for_each(|_| {
        let _ = wallet_format::encode(&claims, &signer);
    });
    (sign_rate, n as f64 / t.elapsed().as_secs_f64())
}

async fn issuer_for(url: &str, dir: &std::path::Path) -> Arc<Issuer> {
    let keys_dir = dir.join("keys");
    if !issuer::keys::exists(&keys_dir) {
        issuer::keys::generate_dev(&keys_dir, "VN", now()).expect("keys");
    }
    let db = Db::connect(url).await.expect("db");
    let keys = Arc::new(issuer::keys::Keys::load(&keys_dir).expect("load keys"));
    keys.sync(&db, now()).await.expect("sync");
    Arc::new(Issuer::new(db, keys, Settings::default()))
}

async fn bulk(issuer: &Issuer, rows: usize, tag: &str) -> f64 {
    let inputs: Vec<_> = (0..rows)
        .map(|i| parse_submission(&submission(i, tag), now()).expect("valid"))
        .collect();
    let t = Instant::now();
    for chunk in inputs.chunks(issuer::import::BATCH) {
        let r = issuer
            .issue_batch(chunk, "bench", now())
            .await
            .expect("batch");
        assert!(r.iter().all(|x| x.is_ok()));
    }
    rows as f64 / t.elapsed().as_secs_f64()
}

async fn request(
    stream: &mut tokio::net::TcpStream,
    buf: &mut Vec<u8>,
    host: &str,
    token: &str,
    body: &str,
) -> std::io::Result<u16> {
    let req = format!(
        "POST /v1/vaccinations HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await?;
    buf.clear();
    let mut tmp = [0u8; 8192];
    loop {
        let n = stream.read(&mut tmp).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut tmp).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            return Ok(status);
        }
    }
}

async fn http_load(
    issuer: Arc<Issuer>,
    total: usize,
    conns: usize,
    tag: &str,
) -> (f64, f64, f64, usize) {
    with_db!(&issuer.db, |p| {
        let mut c = p.acquire().await.expect("conn");
        issuer::db::store::Store::facility_insert(&mut *c, "BENCH", "bench", now())
            .await
            .expect("facility");
    });
    let token = with_db!(&issuer.db, |p| {
        let mut c = p.acquire().await.expect("conn");
        issuer::tokens::mint(
            &mut *c,
            &issuer.keys.token_secret,
            Role::Facility,
            Some("BENCH"),
            3600,
            now(),
        )
        .await
        .expect("token")
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let app = issuer::http::router(issuer::server::state(issuer));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (next, addr, token, tag) = (next.clone(), addr.clone(), token.clone(), tag.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut stream = tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect");
            stream.set_nodelay(true).ok();
            let mut buf = Vec::with_capacity(8192);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let body = submission(i, &tag).to_string();
                let s = Instant::now();
                match request(&mut stream, &mut buf, &addr, &token, &body).await {
                    Ok(200) => lat.push(s.elapsed()),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("task");
        lat.extend(l);
        errors += e;
    }
    let secs = t.elapsed().as_secs_f64();
    server.abort();
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    (lat.len() as f64 / secs, pct(0.50), pct(0.99), errors)
}

#[tokio::main]
async fn main() {
    let rows = env_usize("BENCH_ROWS", 20_000);
    let http_n = env_usize("BENCH_HTTP", 5_000);
    let conns = env_usize("BENCH_CONNS", 32);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!("vaxcert issuer benchmark: {cores} cores, {rows} bulk rows, {http_n} HTTP requests over {conns} connections");
    let (sign, encode) = baseline(rows);
    println!("baseline  ES256 sign, all cores            {sign:>10.0} /s");
    println!(
        "baseline  ES256 claims->HC1, all cores     {encode:>10.0} /s  ({:.2} of sign)",
        encode / sign
    );

    let dir = std::env::temp_dir().join(format!("vaxcert-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let sqlite = issuer_for(&url, &dir).await;
    let r = bulk(&sqlite, rows, "s").await;
    println!("bulk      SQLite (WAL, NORMAL), signed     {r:>10.0} records/s  ({:.2} of sign, {:.2} of encode)", r / sign, r / encode);
    let (rps, p50, p99, errors) = http_load(sqlite.clone(), http_n, conns, "hs").await;
    println!("http      SQLite  POST /v1/vaccinations    {rps:>10.0} req/s  p50 {p50:.1} ms  p99 {p99:.1} ms  errors {errors}  ({:.2} of sign)", rps / sign);

    match std::env::var("VAXCERT_TEST_DATABASE_URL") {
        Ok(base) => {
            let name = format!("vaxcert_bench_{}", uuid::Uuid::new_v4().simple());
            let admin = sqlx::PgPool::connect(&base)
                .await
                .expect("postgres unreachable");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create db");
            let pg_url = format!(
                "{}/{name}",
                base.rsplit_once('/').map(|x| x.0).unwrap_or(&base)
            );
            let pg = issuer_for(&pg_url, &dir).await;
            let r = bulk(&pg, rows, "p").await;
            println!(
                "bulk      PostgreSQL, signed               {r:>10.0} records/s  ({:.2} of sign)",
                r / sign
            );
            let (rps, p50, p99, errors) = http_load(pg.clone(), http_n, conns, "hp").await;
            println!("http      PostgreSQL POST /v1/vaccinations {rps:>10.0} req/s  p50 {p50:.1} ms  p99 {p99:.1} ms  errors {errors}  ({:.2} of sign)", rps / sign);
            pg.db.close().await;
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin)
                .await;
        }
        Err(_) => println!("bulk/http PostgreSQL: skipped (set VAXCERT_TEST_DATABASE_URL)"),
    }
    sqlite.db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
