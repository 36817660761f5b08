//! Harness of the fault tests (`fault_crash`, `fault_postgres`, `fault_disk`, `backup_restore`):
//! the real `vaxcert-issuer` binary run as an operator runs it (CLI for facilities and tokens,
//! `serve` on 127.0.0.1:0), a small blocking HTTP/1.1 client over `TcpStream` (no client crate
//! needed), concurrent submission load, checks of what the database holds after a fault, and
//! the verifier crate checking certificates against the lists the restarted server publishes.
//!
//! Nothing here sleeps for correctness: every wait is a poll with a deadline.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code
)]

use issuer::db::Db;
use issuer::with_db;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_vaxcert-issuer");

/// Environment variables of the binary that a developer's shell could set; the tests pass
/// flags instead.
const CLEARED_ENV: &[&str] = &[
    "VAXCERT_DATA_DIR",
    "VAXCERT_DATABASE_URL",
    "VAXCERT_KEYS_DIR",
    "VAXCERT_CONFIG",
    "VAXCERT_LISTEN",
];

/// One issuer installation: a data directory (keys, default SQLite file) and, optionally, a
/// database URL given with `--database`.
pub struct Site {
    pub data: PathBuf,
    pub database: Option<String>,
}

impl Site {
    pub fn new(data: PathBuf, database: Option<String>) -> Site {
        Site { data, database }
    }

    /// The database URL the binary uses.
    pub fn url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data.join("issuer.db").display()))
    }

    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        for v in CLEARED_ENV {
            c.env_remove(v);
        }
        c.arg("--data-dir").arg(&self.data);
        if let Some(db) = &self.database {
            c.arg("--database").arg(db);
        }
        c
    }

    /// Run a CLI subcommand; its output whatever the exit status.
    pub fn cli_output(&self, args: &[&str]) -> Output {
        let mut c = self.command();
        c.args(args).output().unwrap()
    }

    /// Run a CLI subcommand that must succeed; its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = self.cli_output(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Register facility `id` and mint a facility token for it.
    pub fn facility(&self, id: &str) -> String {
        self.cli(&["facility", "add", id, "--name", id]);
        self.token(&["--role", "facility", "--facility", id])
    }

    /// Mint a ministry token.
    pub fn ministry(&self) -> String {
        self.token(&["--role", "ministry"])
    }

    fn token(&self, role: &[&str]) -> String {
        let mut args = vec!["token"];
        args.extend_from_slice(role);
        args.extend_from_slice(&["--ttl", "2h"]);
        let out = self.cli(&args);
        out.lines().last().unwrap().trim().to_string()
    }

    /// `audit verify` says the chain is intact.
    pub fn assert_audit_intact(&self) {
        let out = self.cli_output(&["audit", "verify"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("intact"),
            "audit verify: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `serve --listen 127.0.0.1:0`; returns once it printed its address.
    pub fn serve(&self) -> Server {
        let log = self.data.with_file_name(format!(
            "serve-{}.log",
            SERVE_COUNT.fetch_add(1, Ordering::SeqCst)
        ));
        let err = std::fs::File::create(&log).unwrap();
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let Some(addr) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "serve did not start (stdout {line:?}): {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let addr = addr.to_string();
        // Keep draining stdout: a closed pipe would turn a later print into a panic.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        Server { child, addr, log }
    }
}

static SERVE_COUNT: AtomicUsize = AtomicUsize::new(0);

/// A running `serve`; killed (SIGKILL) on drop if still running.
pub struct Server {
    child: Child,
    pub addr: String,
    log: PathBuf,
}

impl Server {
    /// SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM (graceful shutdown) and wait, at most 30 s.
    pub fn terminate(&mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not exit within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// What the server wrote on stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        http(&self.addr, "GET", path, token, b"", Duration::from_secs(60)).unwrap()
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &[u8]) -> Resp {
        http(
            &self.addr,
            "POST",
            path,
            token,
            body,
            Duration::from_secs(60),
        )
        .unwrap()
    }

    /// Poll `/readyz` until it answers `want` (200 or not), at most `within`; the time it took.
    pub fn wait_ready(&self, want_ready: bool, within: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let ready = http(
                &self.addr,
                "GET",
                "/readyz",
                None,
                b"",
                Duration::from_secs(30),
            )
            .map(|r| r.status == 200)
            .unwrap_or(false);
            if ready == want_ready {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < within,
                "/readyz did not become {} within {within:?}",
                if want_ready { "ready" } else { "unready" }
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP answer.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A typed error body: `{"code": <one of issuer::error::HTTP_CODES>, "message": …}`.
    pub fn assert_typed_error(&self) {
        let v = self.json();
        let code = v["code"].as_str().unwrap_or("");
        assert!(
            issuer::error::HTTP_CODES.contains(&code) && v["message"].is_string(),
            "not a typed error body: {} {}",
            self.status,
            self.text()
        );
    }
}

/// One HTTP/1.1 request (`Connection: close`), every socket operation bounded by `timeout`.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<Resp> {
    let sock = addr
        .parse()
        .map_err(|_| std::io::Error::other("bad address"))?;
    let mut s = TcpStream::connect_timeout(&sock, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    parse_response(&raw).ok_or_else(|| std::io::Error::other("truncated or malformed response"))
}

fn parse_response(raw: &[u8]) -> Option<Resp> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let rest = &raw[split + 4..];
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut body = Vec::new();
        let mut at = rest;
        loop {
            let eol = at.windows(2).position(|w| w == b"\r\n")?;
            let size_text = std::str::from_utf8(&at[..eol]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = &at[eol + 2..];
            if size == 0 {
                break;
            }
            body.extend_from_slice(at.get(..size)?);
            at = at.get(size + 2..)?;
        }
        body
    } else if let Some(len) = header("content-length") {
        rest.get(..len.parse::<usize>().ok()?)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(Resp { status, body })
}

/// Submission `i` of facility `facility`: person `i / 2` of run `tag`, dose `i % 2 + 1` of a
/// two-dose Comirnaty series, so that both doses of one person are in flight together (from
/// two facilities when jobs are spread round-robin).
pub fn submission(facility: &str, tag: &str, i: usize) -> Vec<u8> {
    let person = i / 2;
    let dn = i % 2 + 1;
    format!(
        r#"{{"facility_id":"{facility}","facility_record_id":"{tag}-{i}","person":{{"national_id":"{tag}-{person}","family_name":"Trần","given_name":"Văn Bình","date_of_birth":"1985-03-04"}},"vaccine_type":"J07BX03","product":"EU/1/20/1528","manufacturer":"ORG-100030215","dose_number":{dn},"series_total":2,"date":"2021-0{m}-01","country":"VN","lot":"L{i}"}}"#,
        m = dn + 5
    )
    .into_bytes()
}

/// What one submission got.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Never answered: not sent, connection refused or reset (the server died or hung up).
    Unanswered(String),
    /// An HTTP answer.
    Answered(Resp),
}

/// What became of one job of a load run: `None` when it was never tried, else the outcome and
/// how long it took.
pub type Tried = Option<(Outcome, Duration)>;

/// One submission of a load run.
#[derive(Clone, Debug)]
pub struct Job {
    pub facility: String,
    pub token: String,
    pub record: String,
    pub body: Vec<u8>,
}

/// Jobs `0..n` spread over `facilities` (id, token) round-robin.
pub fn jobs(facilities: &[(String, String)], tag: &str, n: usize) -> Vec<Job> {
    (0..n)
        .map(|i| {
            let (facility, token) = &facilities[i % facilities.len()];
            Job {
                facility: facility.clone(),
                token: token.clone(),
                record: format!("{tag}-{i}"),
                body: submission(facility, tag, i),
            }
        })
        .collect()
}

/// Concurrent submission load: `workers` threads take jobs in order until every job was tried
/// or `stop` is set.
pub struct Load {
    pub outcomes: Arc<Mutex<Vec<Tried>>>,
    pub acked: Arc<AtomicUsize>,
    pub stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    pub fn start(addr: &str, jobs: Arc<Vec<Job>>, workers: usize, timeout: Duration) -> Load {
        let outcomes = Arc::new(Mutex::new(vec![None; jobs.len()]));
        let next = Arc::new(AtomicUsize::new(0));
        let acked = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..workers)
            .map(|_| {
                let (jobs, outcomes, next, acked, stop) = (
                    jobs.clone(),
                    outcomes.clone(),
                    next.clone(),
                    acked.clone(),
                    stop.clone(),
                );
                let addr = addr.to_string();
                std::thread::spawn(move || loop {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { return };
                    let start = Instant::now();
                    let r = http(
                        &addr,
                        "POST",
                        "/v1/vaccinations",
                        Some(&job.token),
                        &job.body,
                        timeout,
                    );
                    let o = match r {
                        Ok(resp) => {
                            if resp.status == 200 {
                                acked.fetch_add(1, Ordering::SeqCst);
                            }
                            Outcome::Answered(resp)
                        }
                        Err(e) => Outcome::Unanswered(e.to_string()),
                    };
                    outcomes.lock().unwrap()[i] = Some((o, start.elapsed()));
                })
            })
            .collect();
        Load {
            outcomes,
            acked,
            stop,
            threads,
        }
    }

    /// Wait until `n` submissions were answered 200, at most `within`.
    pub fn wait_acked(&self, n: usize, within: Duration) {
        let start = Instant::now();
        while self.acked.load(Ordering::SeqCst) < n {
            assert!(
                start.elapsed() < within,
                "only {} of {n} submissions answered 200 within {within:?}",
                self.acked.load(Ordering::SeqCst)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stop taking new jobs (requests in flight go on).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Stop taking new jobs, wait for the threads; every outcome (None = never tried).
    pub fn finish(self) -> Vec<Tried> {
        self.stop();
        self.join()
    }

    /// Wait until every job was tried (or [`Load::stop`]); every outcome (None = never tried).
    pub fn join(self) -> Vec<Tried> {
        for t in self.threads {
            t.join().unwrap();
        }
        Arc::try_unwrap(self.outcomes)
            .unwrap()
            .into_inner()
            .unwrap()
    }
}

/// Run every job once more, concurrently, to completion; the answers in job order.
pub fn resubmit_all(addr: &str, jobs: Arc<Vec<Job>>, workers: usize) -> Vec<Resp> {
    let load = Load::start(addr, jobs, workers, Duration::from_secs(60));
    load.join()
        .into_iter()
        .enumerate()
        .map(|(i, o)| match o {
            Some((Outcome::Answered(r), _)) => r,
            other => panic!("resubmission {i} was not answered: {other:?}"),
        })
        .collect()
}

/// An acknowledged (200) submission: what the client was told. A dose recorded under a
/// better certificate (a late lower dose: dose 1 committed after dose 2) carries none.
#[derive(Clone, Debug, PartialEq)]
pub struct Ack {
    pub facility: String,
    pub record: String,
    pub record_id: String,
    pub uvci: Option<String>,
    pub hc1: Option<String>,
}

impl Ack {
    pub fn from(job: &Job, resp: &Resp) -> Ack {
        let v = resp.json();
        Ack {
            facility: job.facility.clone(),
            record: job.record.clone(),
            record_id: v["record_id"].as_str().unwrap().to_string(),
            uvci: v["certificate"]["uvci"].as_str().map(String::from),
            hc1: v["certificate"]["hc1"].as_str().map(String::from),
        }
    }
}

/// The acknowledged issuances of a load run.
pub fn acks(jobs: &[Job], outcomes: &[Tried]) -> Vec<Ack> {
    jobs.iter()
        .zip(outcomes)
        .filter_map(|(job, o)| match o {
            Some((Outcome::Answered(r), _)) if r.status == 200 => Some(Ack::from(job, r)),
            _ => None,
        })
        .collect()
}

/// Open the site's database directly (no migrations: the service ran them).
pub async fn open_db(url: &str) -> Db {
    if url.starts_with("postgres") {
        Db::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(2)
                .connect(url)
                .await
                .unwrap(),
        )
    } else {
        Db::Sqlite(
            sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .unwrap(),
        )
    }
}

/// What the database holds, read after a fault.
#[derive(Debug)]
pub struct Stored {
    /// (facility, facility record id) → (dose id, answered uvci).
    pub doses: HashMap<(String, String), (String, Option<String>)>,
    /// uvci → (dose id, hc1, state).
    pub certificates: HashMap<String, (String, String, String)>,
    /// Subjects of `issue` / `record` audit entries.
    pub audited: HashMap<String, usize>,
    pub persons: usize,
}

pub async fn stored(db: &Db) -> Stored {
    with_db!(db, |p| {
        let doses: Vec<(String, String, String, Option<String>)> =
            sqlx::query_as("SELECT id, facility_id, facility_record_id, response_uvci FROM doses")
                .fetch_all(p)
                .await
                .unwrap();
        let certs: Vec<(String, String, String, String)> =
            sqlx::query_as("SELECT uvci, dose_id, hc1, state FROM certificates")
                .fetch_all(p)
                .await
                .unwrap();
        let audit: Vec<(String,)> =
            sqlx::query_as("SELECT subject FROM audit_log WHERE action IN ('issue', 'record')")
                .fetch_all(p)
                .await
                .unwrap();
        let persons: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM persons")
            .fetch_one(p)
            .await
            .unwrap();
        let n_doses = doses.len();
        let doses: HashMap<_, _> = doses
            .into_iter()
            .map(|(id, f, r, u)| ((f, r), (id, u)))
            .collect();
        assert_eq!(
            doses.len(),
            n_doses,
            "a (facility, record id) is stored twice"
        );
        let mut audited = HashMap::new();
        for (s,) in audit {
            *audited.entry(s).or_insert(0) += 1;
        }
        Stored {
            doses,
            certificates: certs
                .into_iter()
                .map(|(u, d, h, s)| (u, (d, h, s)))
                .collect(),
            audited,
            persons: usize::try_from(persons.0).unwrap(),
        }
    })
}

impl Stored {
    /// Nothing half-written: every dose answered a stored certificate and has its one audit
    /// entry; every certificate belongs to a stored dose.
    pub fn assert_consistent(&self) {
        let dose_ids: HashMap<&str, ()> = self
            .doses
            .values()
            .map(|(id, _)| (id.as_str(), ()))
            .collect();
        for ((f, r), (id, uvci)) in &self.doses {
            let uvci = uvci
                .as_deref()
                .unwrap_or_else(|| panic!("dose {f}/{r} has no answered certificate"));
            assert!(
                self.certificates.contains_key(uvci),
                "dose {f}/{r} answered {uvci}, which is not stored"
            );
            assert_eq!(
                self.audited.get(id).copied(),
                Some(1),
                "dose {f}/{r} ({id}) should have exactly one issue/record audit entry"
            );
        }
        for (uvci, (dose, _, _)) in &self.certificates {
            assert!(
                dose_ids.contains_key(dose.as_str()),
                "certificate {uvci} of dose {dose}, which is not stored"
            );
        }
    }

    /// Every acknowledged issuance is stored once, as it was answered.
    pub fn assert_holds(&self, acks: &[Ack]) {
        for a in acks {
            let key = (a.facility.clone(), a.record.clone());
            let (id, uvci) = self
                .doses
                .get(&key)
                .unwrap_or_else(|| panic!("acknowledged {key:?} was lost"));
            assert_eq!(id, &a.record_id, "{key:?} stored under another record id");
            assert!(
                uvci.is_some(),
                "{key:?} stored without its answered certificate"
            );
            // A dose answered with a certificate is stored with that one, exactly.
            if let (Some(answered), Some(hc1)) = (&a.uvci, &a.hc1) {
                assert_eq!(uvci.as_deref(), Some(answered.as_str()), "{key:?}");
                let (_, stored, _) = &self.certificates[answered];
                assert_eq!(stored, hc1, "{key:?}: stored certificate differs");
            }
        }
    }
}

/// The lists a server publishes, verified against its anchor, ready to check certificates.
pub struct Published {
    pub trust_sequence: u64,
    pub revocation_sequence: u64,
    ctx: verifier::TrustContext,
}

pub fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// Fetch anchor, trust list and full revocation list from `server` and verify them.
pub fn published(server: &Server) -> Published {
    use trust_list::list::{verify_trust_list, VerifyOptions};
    use trust_list::revocation::{verify_revocation, RevocationPayload};
    let anchor = server.get("/v1/anchor.pem", None);
    assert_eq!(anchor.status, 200);
    let anchor = trust_list::Dsc::from_pem(&anchor.text()).unwrap();
    let mut state = trust_list::TrustState::default();
    let opts = VerifyOptions::new(now(), 60);
    let tl = server.get("/v1/trust-list", None);
    assert_eq!(tl.status, 200);
    let verified = verify_trust_list(&tl.body, &anchor, &mut state, &opts).unwrap();
    let trust_sequence = verified.list.sequence;
    let mut store = trust_list::TrustStore::new();
    store.add_signed_list(&verified);
    let rl = server.get("/v1/revocations", None);
    assert_eq!(rl.status, 200);
    let rev = verify_revocation(&rl.body, &anchor, &mut state, &opts).unwrap();
    let RevocationPayload::Full(list) = rev.payload else {
        panic!("expected a full revocation list")
    };
    let revocation_sequence = list.sequence;
    let mut ctx = verifier::TrustContext::new(store);
    ctx.revocation = verifier::RevocationData::Loaded(list);
    Published {
        trust_sequence,
        revocation_sequence,
        ctx,
    }
}

impl Published {
    pub fn verify(&self, hc1: &str) -> verifier::Verdict {
        let clock = time::OffsetDateTime::from_unix_timestamp(now() + 1).unwrap();
        verifier::verify(hc1, &self.ctx, &verifier::Policy::none(), clock)
    }

    pub fn assert_valid(&self, hc1: &str) {
        let v = self.verify(hc1);
        assert_eq!(v.outcome, verifier::Outcome::Valid, "{:?}", v.reason);
    }

    pub fn assert_revoked(&self, hc1: &str) {
        let v = self.verify(hc1);
        assert_eq!(v.outcome, verifier::Outcome::Invalid, "{:?}", v.reason);
        assert_eq!(
            v.reason.map(|r| r.code().to_string()).as_deref(),
            Some("REVOKED")
        );
    }
}

/// A fresh database on the shared PostgreSQL server (`VAXCERT_TEST_DATABASE_URL`), dropped by
/// [`PgDatabase::drop_now`]; `None` (with a notice) when the variable is unset.
pub struct PgDatabase {
    pub url: String,
    base: String,
    name: String,
}

impl PgDatabase {
    pub async fn create() -> Option<PgDatabase> {
        let Ok(base) = std::env::var("VAXCERT_TEST_DATABASE_URL") else {
            eprintln!("NOTICE: VAXCERT_TEST_DATABASE_URL is not set; skipping the PostgreSQL test");
            return None;
        };
        let name = format!("vaxcert_test_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("VAXCERT_TEST_DATABASE_URL is set but unreachable: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let (prefix, _) = base.rsplit_once('/').unwrap();
        Some(PgDatabase {
            url: format!("{prefix}/{name}"),
            base,
            name,
        })
    }

    /// Another empty database on the same server (a restore target), dropped with this one.
    pub async fn sibling(&self, suffix: &str) -> PgDatabase {
        let name = format!("{}_{suffix}", self.name);
        let pool = sqlx::PgPool::connect(&self.base).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let (prefix, _) = self.base.rsplit_once('/').unwrap();
        PgDatabase {
            url: format!("{prefix}/{name}"),
            base: self.base.clone(),
            name,
        }
    }

    /// Drop the sibling database `suffix` (see [`PgDatabase::sibling`]) if it exists.
    pub async fn sibling_drop(&self, suffix: &str) {
        let pool = sqlx::PgPool::connect(&self.base).await.unwrap();
        let _ = sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {}_{suffix} WITH (FORCE)",
            self.name
        ))
        .execute(&pool)
        .await;
        pool.close().await;
    }

    pub async fn drop_now(&self) {
        let pool = sqlx::PgPool::connect(&self.base).await.unwrap();
        let _ = sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&pool)
        .await;
        pool.close().await;
    }
}

/// A tokio runtime for the database checks of the (blocking) tests.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A directory beside the temp dir's data directory.
pub fn path_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
