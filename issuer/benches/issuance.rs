//! Issuance benchmark (issue 5, spec/issuer.md §Benchmarks): a bench binary (`harness = false`)
//! that measures, in one run,
//!
//! 1. the baseline: bare ES256 signing (`SoftwareKey::sign` over a 300-byte message) on one
//!    core and on every core, and the full HC1 pipeline (`wallet_format::encode` of a
//!    realistic vaccination certificate) the same way;
//! 2. bulk issuance through the library's import path (`issuer::import::run`: NDJSON file →
//!    validation → `Issuer::issue_batch` → parallel signing + one transaction per batch) into a
//!    SQLite file and into a fresh PostgreSQL database (skipped with a notice when unreachable);
//! 3. HTTP issuance: the real axum router served on a tokio `TcpListener` at 127.0.0.1:0 (own
//!    runtime), driven by a keep-alive HTTP/1.1 load generator on loopback (`POST
//!    /v1/vaccinations`, bounded request count, concurrency and time), reporting requests/s and
//!    p50/p99/max latency, against SQLite and PostgreSQL.
//!
//! Every result is printed as a ratio to the signing rates measured in the same run. Sizes
//! can be changed with `VAXCERT_BENCH_BULK`, `VAXCERT_BENCH_HTTP` and
//! `VAXCERT_BENCH_CONCURRENCY`; PostgreSQL comes from `VAXCERT_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), a database is created for each run and dropped
//! after. Run: `cargo bench -p issuer --bench issuance`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use anyhow::{anyhow, bail, Context, Result};
use issuer::db::Db;
use issuer::service::{Issuer, Settings};
use issuer::tokens::Role;
use issuer::with_db;
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wallet_format::{Algorithm, Claims, Dcc, Kid, Name, SoftwareKey, Vaccination};

/// Default bulk records per backend.
const BULK_RECORDS: usize = 20_000;
/// Default HTTP requests per backend.
const HTTP_REQUESTS: usize = 8_000;
/// Default concurrent HTTP connections.
const HTTP_CONCURRENCY: usize = 64;
/// Hard time limit of one HTTP load run (the generator stops issuing new requests after it).
const HTTP_TIME_LIMIT: Duration = Duration::from_secs(25);
/// Facilities the HTTP load is spread over (one token each).
const FACILITIES: usize = 8;
/// Length of each baseline measurement.
const BASELINE_TIME: Duration = Duration::from_millis(1500);
const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

// ---------------------------------------------------------------------------------------------
// Baseline

/// Ops/s of `op` run on `threads` threads for `BASELINE_TIME` (after a short warm-up), summed.
fn rate<F>(threads: usize, op: F) -> f64
where
    F: Fn(u64) + Sync,
{
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let warm = Instant::now();
                    let mut i = 0u64;
                    while warm.elapsed() < Duration::from_millis(200) {
                        op(i);
                        i += 1;
                    }
                    let t = Instant::now();
                    let mut n = 0u64;
                    while t.elapsed() < BASELINE_TIME {
                        for _ in 0..16 {
                            op(n);
                            n += 1;
                        }
                    }
                    n as f64 / t.elapsed().as_secs_f64()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map(|r| r as u64).unwrap_or(0))
            .sum()
    });
    total as f64
}

fn sample_claims(i: u64, now: i64) -> Claims {
    let uvci = format!("URN:UVCI:01:VN:{:012}", i % 1_000_000_000_000);
    Claims {
        iss: Some("VN".into()),
        iat: Some(now),
        exp: Some(now + 365 * 86_400),
        dcc: Dcc {
            ver: "1.3.0".into(),
            nam: Name {
                family: Some("Nguyễn".into()),
                given: Some("Văn An".into()),
                family_t: Some("NGUYEN".into()),
                given_t: Some("VAN<AN".into()),
            },
            dob: "1980-04-12".into(),
            v: Some(vec![Vaccination {
                tg: "840539006".into(),
                vp: "J07BX03".into(),
                mp: "EU/1/20/1528".into(),
                ma: "ORG-100030215".into(),
                dn: 2,
                sd: 2,
                dt: "2021-08-01".into(),
                co: "VN".into(),
                issuer: wallet_format::profile::ISSUER_TEXT.into(),
                ci: uvci,
            }]),
            ..Dcc::default()
        },
    }
}

struct Baseline {
    sign_1: f64,
    sign_all: f64,
    encode_1: f64,
    encode_all: f64,
}

fn baseline() -> Result<Baseline> {
    let key = SoftwareKey::generate(Algorithm::Es256)?;
    let msg = [0x5au8; 300];
    let sign = |i: u64| {
        let mut m = msg;
        m[..8].copy_from_slice(&i.to_be_bytes());
        let _ = black_box(key.sign(black_box(&m)));
    };
    let sign_1 = rate(1, sign);
    let sign_all = rate(cores(), sign);
    let signer = SoftwareKey::generate(Algorithm::Es256)?.into_signer(Kid([7; 8]));
    let now = unix_now();
    let encode = |i: u64| {
        let _ = black_box(wallet_format::encode(&sample_claims(i, now), &signer));
    };
    let encode_1 = rate(1, encode);
    let encode_all = rate(cores(), encode);
    Ok(Baseline {
        sign_1,
        sign_all,
        encode_1,
        encode_all,
    })
}

impl Baseline {
    fn ratios(&self, per_s: f64) -> String {
        format!(
            "= {:.3}x sign(1 core), {:.3}x sign({} cores), {:.3}x encode({} cores)",
            per_s / self.sign_1,
            per_s / self.sign_all,
            cores(),
            per_s / self.encode_all,
            cores()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Issuer setup

/// One submission, shaped like `POST /v1/vaccinations` (and like an NDJSON import row).
/// Person `i / 2` gets dose `i % 2 + 1` of 2 (the second dose supersedes the first
/// certificate), spread over the facilities `HN-000`..`HN-{FACILITIES-1}`.
fn submission(i: usize, facility: usize) -> String {
    let person = i / 2;
    let dn = i % 2 + 1;
    format!(
        r#"{{"facility_id":"HN-{facility:03}","facility_record_id":"r{i}","person":{{"national_id":"0790{person:08}","family_name":"Phạm","given_name":"Minh Đức","date_of_birth":"1970-01-01"}},"vaccine_type":"J07BX03","product":"EU/1/20/1528","manufacturer":"ORG-100030215","dose_number":{dn},"series_total":2,"date":"2021-0{m}-01","lot":"L{i}"}}"#,
        m = dn + 5
    )
}

/// A real issuer: development keys generated in `dir`, database at `url` (migrated).
async fn open_issuer(dir: &Path, url: &str, group_commit: bool) -> Result<Issuer> {
    let keys_dir = dir.join("keys");
    let now = unix_now();
    if !issuer::keys::exists(&keys_dir) {
        issuer::keys::generate_dev(&keys_dir, "VN", now)?;
    }
    let db = Db::connect(url).await?;
    let keys = Arc::new(issuer::keys::Keys::load(&keys_dir)?);
    keys.sync(&db, now).await?;
    let settings = Settings {
        group_commit,
        ..Settings::default()
    };
    Ok(Issuer::new(db, keys, settings))
}

async fn count_rows(db: &Db, table: &str) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let n: i64 = with_db!(db, |p| sqlx::query_scalar(&sql).fetch_one(p).await?);
    Ok(n)
}

/// A fresh PostgreSQL database for this run: (url, admin url, name), or `None` with a notice.
async fn fresh_pg() -> Option<(String, String, String)> {
    let base = std::env::var("VAXCERT_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG.into());
    let name = format!("vaxcert_bench_{}", uuid::Uuid::new_v4().simple());
    let connect = tokio::time::timeout(Duration::from_secs(5), sqlx::PgPool::connect(&base));
    let pool = match connect.await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            println!("PostgreSQL at {base} unreachable ({e}); PostgreSQL rows skipped");
            return None;
        }
        Err(_) => {
            println!("PostgreSQL at {base} did not answer in 5 s; PostgreSQL rows skipped");
            return None;
        }
    };
    let created = sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await;
    pool.close().await;
    if let Err(e) = created {
        println!("cannot create a PostgreSQL database ({e}); PostgreSQL rows skipped");
        return None;
    }
    let (prefix, _) = base.rsplit_once('/')?;
    Some((format!("{prefix}/{name}"), base, name))
}

async fn drop_pg(admin: &str, name: &str) {
    if let Ok(pool) = sqlx::PgPool::connect(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
        pool.close().await;
    }
}

/// Where one backend lives for one measurement.
enum Backend {
    Sqlite,
    Postgres,
}

struct Target {
    _dir: tempfile::TempDir,
    issuer: Arc<Issuer>,
    pg: Option<(String, String)>,
}

impl Target {
    async fn open(backend: &Backend, group_commit: bool) -> Result<Option<Target>> {
        let dir = tempfile::tempdir()?;
        let (url, pg) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("issuer.db").display()),
                None,
            ),
            Backend::Postgres => match fresh_pg().await {
                Some((url, admin, name)) => (url, Some((admin, name))),
                None => return Ok(None),
            },
        };
        let issuer = match open_issuer(dir.path(), &url, group_commit).await {
            Ok(i) => Arc::new(i),
            Err(e) => {
                if let Some((admin, name)) = &pg {
                    drop_pg(admin, name).await;
                }
                return Err(e);
            }
        };
        Ok(Some(Target {
            _dir: dir,
            issuer,
            pg,
        }))
    }

    fn path(&self) -> &Path {
        self._dir.path()
    }

    async fn close(self) {
        self.issuer.db().close().await;
        if let Some((admin, name)) = &self.pg {
            drop_pg(admin, name).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bulk import

struct BulkResult {
    records: usize,
    secs: f64,
}

async fn bulk(t: &Target, records: usize) -> Result<BulkResult> {
    use std::io::Write;
    let file = t.path().join("history.ndjson");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file)?);
        for i in 0..records {
            writeln!(w, "{}", submission(i, i % FACILITIES))?;
        }
        w.flush()?;
    }
    let mut opts = issuer::import::Options::for_file(&file);
    opts.progress = false;
    let now = unix_now();
    let start = Instant::now();
    let summary = issuer::import::run(&t.issuer, &file, &opts, now).await?;
    let secs = start.elapsed().as_secs_f64();
    if summary.issued != records as u64 || summary.rejected != 0 {
        bail!("import summary {summary:?}, expected {records} issued and none rejected");
    }
    let doses = count_rows(t.issuer.db(), "doses").await?;
    let certs = count_rows(t.issuer.db(), "certificates").await?;
    if doses != records as i64 || certs != records as i64 {
        bail!("after import: {doses} doses, {certs} certificates; expected {records} of each");
    }
    Ok(BulkResult { records, secs })
}

// ---------------------------------------------------------------------------------------------
// HTTP load

/// A keep-alive HTTP/1.1 connection (one request in flight).
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn connect(addr: std::net::SocketAddr) -> Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Send one POST and read the whole response; returns the status code.
    async fn post(&mut self, path: &str, token: &str, body: &str) -> Result<u16> {
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(req.as_bytes()).await?;
        self.buf.clear();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(p) = find(&self.buf, b"\r\n\r\n") {
                break p + 4;
            }
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                bail!("connection closed before the response head");
            }
            self.buf
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
        };
        let head = std::str::from_utf8(self.buf.get(..head_end).unwrap_or_default())?;
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("bad status line"))?;
        let len: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .ok_or_else(|| anyhow!("response without content-length"))?;
        while self.buf.len() < head_end + len {
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                bail!("connection closed inside the response body");
            }
            self.buf
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
        Ok(status)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

struct HttpResult {
    ok: usize,
    failed: Vec<(u16, usize)>,
    errors: usize,
    secs: f64,
    latencies_us: Vec<u64>,
    durable: i64,
}

impl HttpResult {
    fn pct(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let idx = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us
            .get(idx.min(self.latencies_us.len() - 1))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    }
}

/// Serve the real router on 127.0.0.1:0 on its own runtime (`cores()` workers) and drive it
/// from a single-threaded load generator with `concurrency` keep-alive connections.
fn http_load(t: &Target, requests: usize, concurrency: usize) -> Result<HttpResult> {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores())
        .thread_name("server")
        .enable_all()
        .build()?;
    let issuer = t.issuer.clone();
    let now = unix_now();
    // Facilities and their tokens (as `facility add` + `token --role facility` do).
    let facility_tokens: Vec<String> = server_rt.block_on(async {
        let mut out = Vec::new();
        for f in 0..FACILITIES {
            let id = format!("HN-{f:03}");
            issuer.add_facility(&id, &id, "bench", now).await?;
            let tok = issuer
                .mint_token(Role::Facility, Some(&id), 3600, "bench", now)
                .await?
                .token;
            out.push(tok);
        }
        Ok::<_, anyhow::Error>(out)
    })?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let listener = server_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let app = issuer::http::router(issuer::server::state(issuer.clone(), Default::default()));
    let server = server_rt.spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let facility_tokens = Arc::new(facility_tokens);
    let result = client_rt.block_on(async {
        // Warm-up: one request per facility (connection setup, caches, prepared statements).
        let mut warm = Conn::connect(addr).await?;
        for (f, tok) in facility_tokens.iter().enumerate() {
            let i = requests + f * 2; // outside the measured id range
            let s = warm
                .post("/v1/vaccinations", tok, &submission(i, f))
                .await?;
            if s != 200 {
                bail!("warm-up request answered {s}");
            }
        }
        drop(warm);
        let next = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let deadline = start + HTTP_TIME_LIMIT;
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let next = next.clone();
            let facility_tokens = facility_tokens.clone();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut statuses: Vec<u16> = Vec::new();
                let mut errors = 0usize;
                let mut conn = Conn::connect(addr).await?;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests || Instant::now() >= deadline {
                        break;
                    }
                    // Both doses of a person come from the same facility.
                    let f = (i / 2) % FACILITIES;
                    let body = submission(i, f);
                    let tok = facility_tokens
                        .get(f)
                        .map(String::as_str)
                        .unwrap_or_default();
                    let t0 = Instant::now();
                    match conn.post("/v1/vaccinations", tok, &body).await {
                        Ok(s) => {
                            lat.push(t0.elapsed().as_micros() as u64);
                            statuses.push(s);
                        }
                        Err(_) => {
                            errors += 1;
                            conn = Conn::connect(addr).await?;
                        }
                    }
                }
                Ok::<_, anyhow::Error>((lat, statuses, errors))
            }));
        }
        let mut latencies_us = Vec::with_capacity(requests);
        let mut ok = 0;
        let mut failed: std::collections::BTreeMap<u16, usize> = Default::default();
        let mut errors = 0;
        for task in tasks {
            let (lat, statuses, e) = task.await??;
            errors += e;
            for (l, s) in lat.into_iter().zip(statuses) {
                if s == 200 {
                    ok += 1;
                    latencies_us.push(l);
                } else {
                    *failed.entry(s).or_default() += 1;
                }
            }
        }
        let secs = start.elapsed().as_secs_f64();
        latencies_us.sort_unstable();
        Ok::<_, anyhow::Error>(HttpResult {
            ok,
            failed: failed.into_iter().collect(),
            errors,
            secs,
            latencies_us,
            durable: 0,
        })
    });
    let _ = stop_tx.send(());
    server_rt.block_on(async {
        match tokio::time::timeout(Duration::from_secs(10), server).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(anyhow!("server: {e}")),
            Ok(Err(e)) => Err(anyhow!("server task: {e}")),
            Err(_) => Err(anyhow!("server did not shut down in 10 s")),
        }
    })?;
    let mut result = result?;
    // Acknowledged means committed: every 200 (plus the warm-up) is a dose row.
    result.durable = server_rt.block_on(count_rows(t.issuer.db(), "doses"))? - FACILITIES as i64;
    Ok(result)
}

// ---------------------------------------------------------------------------------------------

fn print_bulk(name: &str, r: &BulkResult, b: &Baseline) {
    let per_s = r.records as f64 / r.secs;
    println!(
        "bulk import  {name:<10} {:>6} records in {:>6.2} s = {:>8.0} records/s  {}",
        r.records,
        r.secs,
        per_s,
        b.ratios(per_s)
    );
}

fn print_http(name: &str, r: &HttpResult, b: &Baseline, concurrency: usize) {
    let per_s = r.ok as f64 / r.secs;
    println!(
        "http issue   {name:<10} {:>6} ok in {:>6.2} s = {:>8.0} req/s  p50 {:.1} ms  p99 {:.1} ms  \
         max {:.1} ms  (concurrency {concurrency}, non-200 {:?}, transport errors {}, \
         committed doses {})  {}",
        r.ok,
        r.secs,
        per_s,
        r.pct(0.50),
        r.pct(0.99),
        r.pct(1.0),
        r.failed,
        r.errors,
        r.durable,
        b.ratios(per_s)
    );
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; with a filter argument other than ours, do nothing.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"issuance".contains(a.as_str()))
    {
        return Ok(());
    }
    let bulk_n = env_usize("VAXCERT_BENCH_BULK", BULK_RECORDS);
    let http_n = env_usize("VAXCERT_BENCH_HTTP", HTTP_REQUESTS);
    let conc = env_usize("VAXCERT_BENCH_CONCURRENCY", HTTP_CONCURRENCY);
    let run_start = Instant::now();
    println!(
        "issuer issuance benchmark: {} cores, {bulk_n} bulk records and {http_n} HTTP requests \
         per backend, HTTP concurrency {conc}",
        cores()
    );

    let b = baseline().context("baseline")?;
    println!(
        "baseline     ES256 sign (300 B)       1 core {:>8.0}/s   {} cores {:>8.0}/s",
        b.sign_1,
        cores(),
        b.sign_all
    );
    println!(
        "baseline     HC1 encode (sign+CBOR+zlib+base45) 1 core {:>8.0}/s   {} cores {:>8.0}/s",
        b.encode_1,
        cores(),
        b.encode_all
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    for (name, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
        let Some(t) = rt.block_on(Target::open(&backend, true))? else {
            continue;
        };
        let r = rt.block_on(bulk(&t, bulk_n));
        rt.block_on(t.close());
        print_bulk(name, &r.with_context(|| format!("bulk {name}"))?, &b);
    }
    // Each backend without and with group commit (Settings::group_commit), same run.
    for (name, backend, group) in [
        ("sqlite", Backend::Sqlite, false),
        ("sqlite+gc", Backend::Sqlite, true),
        ("pg", Backend::Postgres, false),
        ("pg+gc", Backend::Postgres, true),
    ] {
        let Some(t) = rt.block_on(Target::open(&backend, group))? else {
            continue;
        };
        let r = http_load(&t, http_n, conc);
        let stats = t.issuer.group_commit_stats();
        rt.block_on(t.close());
        print_http(name, &r.with_context(|| format!("http {name}"))?, &b, conc);
        if group && stats.groups > 0 {
            println!(
                "             {name}: {} issuances in {} transactions ({:.1} per group)",
                stats.jobs,
                stats.groups,
                stats.jobs as f64 / stats.groups as f64
            );
        }
    }
    println!(
        "targets (issue 5): bulk >= 20000 records/s into SQLite; HTTP >= 3000 durable \
         issuances/s at p99 < 50 ms. Total run {:.1} s.",
        run_start.elapsed().as_secs_f64()
    );
    Ok(())
}
