//! The `vaxcert-verify` command line (spec/verifier.md §CLI). `main.rs` only calls [`run`].
//!
//! ```text
//! vaxcert-verify [--trust-list FILE --anchor FILE] [--dccg FILE] [--dsc FILE]... [--revocations FILE]
//!                [--state-dir DIR] [--grace DURATION] [--at TIME] [--policy none|venue|travel|FILE]
//!                [--json] [--image-timeout DURATION] INPUT...
//! vaxcert-verify inspect FILE [--anchor FILE] [--at TIME] [--grace DURATION]
//! vaxcert-verify certlogic EXPR_OR_RULE.json DATA.json
//! ```
//!
//! The subcommands are recognised only as the first argument, so any pass text (`HC1:...`)
//! stays an INPUT.

use std::ffi::OsString;
use std::io::{self, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use clap::Parser;
use rayon::prelude::*;
use time::OffsetDateTime;
use trust_list::list::{verify_trust_list, VerifyOptions};
use trust_list::revocation::{verify_revocation, RevocationPayload};
use trust_list::{Dsc, ListKind, TrustState, TrustStore};
use wallet_format::Limits;

use crate::input::{looks_like_image, read_bounded_line, InputSource, Line};
use crate::output::{human_lines, json_line};
use crate::policy::{Policy, SignedPolicyContext};
use crate::revocation::RevocationData;
use crate::verdict::{Outcome, Reason, Verdict};
use crate::verify::{verify, verify_image_texts, TrustContext, TrustData};

/// Exit code of a usage or configuration error (and of any CANNOT_CHECK).
pub const EXIT_USAGE: u8 = 2;

/// Lines verified together in batch mode (in parallel, printed in input order).
pub const BATCH_CHUNK: usize = 512;

/// Largest trust, revocation, anchor or DSC file read, in bytes.
pub const MAX_TRUST_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The verify command's arguments.
#[derive(Debug, Parser)]
#[command(
    name = "vaxcert-verify",
    version,
    about = "Verify EU DCC / HCERT passes offline",
    after_help = "Subcommands (first argument only):\n  inspect FILE [--anchor FILE]         show a signed trust list, revocation list or rule set\n  certlogic EXPR_OR_RULE.json DATA.json evaluate a CertLogic expression or rule"
)]
pub struct VerifyArgs {
    /// A signed trust list (needs --anchor).
    #[arg(long, value_name = "FILE", requires = "anchor")]
    pub trust_list: Option<PathBuf>,
    /// The pinned trust anchor (CSCA certificate: PEM, DER or base64 DER).
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
    /// An EU-gateway-shaped JSON list of DSCs (repeatable).
    #[arg(long, value_name = "FILE")]
    pub dccg: Vec<PathBuf>,
    /// Trust one signing certificate (PEM, DER or base64 DER; repeatable).
    #[arg(long, value_name = "FILE")]
    pub dsc: Vec<PathBuf>,
    /// A signed revocation list (needs --anchor).
    #[arg(long, value_name = "FILE", requires = "anchor")]
    pub revocations: Option<PathBuf>,
    /// Keep the highest list sequence seen here (rollback protection across runs).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// How long a signed list stays usable after its valid_until (e.g. 12h, 2d, 90m, 3600).
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_duration)]
    pub grace: i64,
    /// The verification clock: RFC 3339, ISO 8601 without zone (UTC), +hhmm offsets, or a
    /// bare date. Default: now.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub at: Option<OffsetDateTime>,
    /// none, venue, travel, or a rule-set file: plain rule JSON, or a signed rule set
    /// (verified against --anchor, with --state-dir and --grace).
    #[arg(long, value_name = "POLICY", default_value = "venue")]
    pub policy: String,
    /// JSON Lines output, one object per pass.
    #[arg(long)]
    pub json: bool,
    /// Longest time spent finding QR codes in one image; past it the image is
    /// `IMAGE_INVALID` (crafted images can keep the QR detector busy for minutes).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub image_timeout: i64,
    /// Pass text, an image or text file, or `-` for text lines on stdin.
    #[arg(required = true, value_name = "INPUT", allow_hyphen_values = true)]
    pub inputs: Vec<String>,
}

/// `inspect FILE [--anchor FILE] [--at TIME] [--grace DURATION]`.
#[derive(Debug, Parser)]
#[command(
    name = "vaxcert-verify inspect",
    about = "Show a signed trust list, revocation list or rule set"
)]
pub struct InspectArgs {
    /// The signed list.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Check the signature against this anchor.
    #[arg(long, value_name = "FILE")]
    pub anchor: Option<PathBuf>,
    /// The clock for staleness (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub at: Option<OffsetDateTime>,
    /// Grace after valid_until.
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_duration)]
    pub grace: i64,
}

/// `certlogic EXPR_OR_RULE.json DATA.json`.
#[derive(Debug, Parser)]
#[command(
    name = "vaxcert-verify certlogic",
    about = "Evaluate a CertLogic expression, or a rule file's Logic, over DATA"
)]
pub struct CertLogicArgs {
    /// A bare CertLogic expression, or a rule (an object with `Logic`).
    #[arg(value_name = "EXPR_OR_RULE.json")]
    pub expression: PathBuf,
    /// `{"payload": ..., "external": ...}`.
    #[arg(value_name = "DATA.json")]
    pub data: PathBuf,
}

/// Parse `--at`.
pub fn parse_at(s: &str) -> Result<OffsetDateTime, String> {
    wallet_format::time_parse::parse_lenient(s).ok_or_else(|| {
        "expected RFC 3339 (2024-03-10T12:00:00Z), ISO 8601 without zone, +hhmm offset, or a date"
            .to_string()
    })
}

/// Parse a duration: bare seconds, or number+unit groups (`s`, `m`, `h`, `d`), e.g. `1d12h`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("invalid duration {s:?}: use e.g. 3600, 90m, 12h, 7d, 1d12h");
    let s = s.trim();
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = s.parse::<i64>() {
        return if secs >= 0 { Ok(secs) } else { Err(bad()) };
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

fn read_limited(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{what} {} is larger than {max} bytes",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Entry point: parse `args` (program name first), run, return the process exit code.
pub fn run(args: Vec<OsString>) -> u8 {
    let first = args.get(1).and_then(|a| a.to_str());
    match first {
        Some("inspect") => {
            let rest = std::iter::once(OsString::from("vaxcert-verify inspect"))
                .chain(args.into_iter().skip(2));
            match InspectArgs::try_parse_from(rest) {
                Ok(a) => run_inspect(&a),
                Err(e) => clap_exit(e),
            }
        }
        Some("certlogic") => {
            let rest = std::iter::once(OsString::from("vaxcert-verify certlogic"))
                .chain(args.into_iter().skip(2));
            match CertLogicArgs::try_parse_from(rest) {
                Ok(a) => run_certlogic(&a),
                Err(e) => clap_exit(e),
            }
        }
        _ => match VerifyArgs::try_parse_from(args) {
            Ok(a) => run_verify(&a),
            Err(e) => clap_exit(e),
        },
    }
}

fn clap_exit(e: clap::Error) -> u8 {
    let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
    let _ = e.print();
    code
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn run_certlogic(a: &CertLogicArgs) -> u8 {
    let read = |p: &Path, what: &str| -> Result<String, String> {
        let bytes = read_limited(p, certlogic::Limits::DEFAULT.max_input_bytes as u64, what)?;
        String::from_utf8(bytes).map_err(|_| format!("{what} {} is not UTF-8", p.display()))
    };
    let (expr, data) = match (read(&a.expression, "expression"), read(&a.data, "data")) {
        (Ok(e), Ok(d)) => (e, d),
        (Err(m), _) | (_, Err(m)) => {
            eprintln!("error: {m}");
            return EXIT_USAGE;
        }
    };
    match certlogic::run_author_command(&expr, &data) {
        Ok(value) => {
            println!("{value}");
            0
        }
        Err(e) => {
            eprintln!("error: {}: {e}", e.code());
            EXIT_USAGE
        }
    }
}

fn run_inspect(a: &InspectArgs) -> u8 {
    let bytes = match read_limited(&a.file, MAX_TRUST_FILE_BYTES, "list") {
        Ok(b) => b,
        Err(m) => {
            eprintln!("error: {m}");
            return EXIT_USAGE;
        }
    };
    let anchor = match &a.anchor {
        Some(p) => match read_limited(p, MAX_TRUST_FILE_BYTES, "anchor") {
            Ok(b) => Some(b),
            Err(m) => {
                eprintln!("error: {m}");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let clock = a.at.unwrap_or_else(now).unix_timestamp();
    let report = trust_list::inspect::inspect(&bytes, anchor.as_deref(), clock, a.grace);
    println!("{report}");
    let failed = report.error.is_some()
        || matches!(
            report.signature,
            trust_list::inspect::SignatureVerdict::Failed(_)
        )
        || matches!(report.freshness, Some(Err(_)));
    u8::from(failed)
}

/// Loads every trust source the arguments name. I/O problems are usage errors (`Err`);
/// content problems make the trust data unusable (every pass CANNOT_CHECK with the code).
/// Load the trust data and the policy named by `--policy`. A signed rule-set file is verified
/// after the trust list (so an anchor the list announces is already known), with the same
/// anchor, state and grace; the state is saved once at the end.
pub fn load_trust_and_policy(a: &VerifyArgs, clock: i64) -> Result<(TrustContext, Policy), String> {
    let anchor = match &a.anchor {
        Some(p) => {
            let bytes = read_limited(p, MAX_TRUST_FILE_BYTES, "anchor")?;
            Some(Dsc::from_any(&bytes).map_err(|e| format!("anchor {}: {e}", p.display()))?)
        }
        None => None,
    };
    let mut state = match &a.state_dir {
        Some(dir) => TrustState::load(dir).map_err(|e| format!("state dir: {e}"))?,
        None => TrustState::default(),
    };
    let opts = VerifyOptions::new(clock, a.grace);
    let mut store = TrustStore::new();
    let mut unusable: Option<trust_list::Error> = None;
    let mut any_source = false;

    if let (Some(path), Some(anchor)) = (&a.trust_list, &anchor) {
        any_source = true;
        let bytes = read_limited(path, MAX_TRUST_FILE_BYTES, "trust list")?;
        match verify_trust_list(&bytes, anchor, &mut state, &opts) {
            Ok(v) => {
                if v.freshness.is_stale() {
                    eprintln!("warning: the trust list is stale (within grace)");
                }
                if !v.rejected.is_empty() {
                    eprintln!(
                        "warning: {} trust list entries could not be used",
                        v.rejected.len()
                    );
                }
                store.add_signed_list(&v);
            }
            Err(e) => {
                eprintln!("error: trust list {}: {}: {e}", path.display(), e.code());
                unusable.get_or_insert(e);
            }
        }
    }
    for path in &a.dccg {
        any_source = true;
        let bytes = read_limited(path, MAX_TRUST_FILE_BYTES, "gateway list")?;
        match trust_list::gateway::import(&bytes, &trust_list::Limits::DEFAULT) {
            Ok(import) => {
                if !import.rejected.is_empty() {
                    eprintln!("warning: {}: {}", path.display(), import.summary());
                }
                store.add_gateway(&import);
            }
            Err(e) => {
                eprintln!("error: gateway list {}: {}: {e}", path.display(), e.code());
                unusable.get_or_insert(e);
            }
        }
    }
    for path in &a.dsc {
        any_source = true;
        let bytes = read_limited(path, MAX_TRUST_FILE_BYTES, "certificate")?;
        match Dsc::from_any(&bytes) {
            Ok(d) => store.add_dsc(d),
            Err(e) => {
                eprintln!("error: certificate {}: {}: {e}", path.display(), e.code());
                unusable.get_or_insert(e);
            }
        }
    }
    let revocation = match (&a.revocations, &anchor) {
        (Some(path), Some(anchor)) => {
            let bytes = read_limited(path, MAX_TRUST_FILE_BYTES, "revocation list")?;
            match verify_revocation(&bytes, anchor, &mut state, &opts) {
                Ok(v) => match v.payload {
                    RevocationPayload::Full(list) => {
                        if v.freshness.is_stale() {
                            eprintln!("warning: the revocation list is stale (within grace)");
                        }
                        RevocationData::Loaded(list)
                    }
                    RevocationPayload::Delta(_) => {
                        RevocationData::Unusable(trust_list::Error::Malformed(
                            ListKind::RevocationList,
                            "a delta was given where a full list is needed",
                        ))
                    }
                },
                Err(e) => {
                    eprintln!(
                        "error: revocation list {}: {}: {e}",
                        path.display(),
                        e.code()
                    );
                    RevocationData::Unusable(e)
                }
            }
        }
        _ => RevocationData::NotConfigured,
    };
    let policy = Policy::from_cli_with(
        &a.policy,
        Some(SignedPolicyContext {
            anchor: anchor.as_ref(),
            state: &mut state,
            opts,
        }),
    )
    .map_err(|e| format!("policy {}: {}: {e}", a.policy, e.code()))?;
    if let Some(origin) = policy.signed() {
        if origin.freshness.is_stale() {
            eprintln!(
                "warning: the rule set {} (sequence {}) is stale (within grace)",
                origin.name, origin.sequence
            );
        }
    }
    if let Some(dir) = &a.state_dir {
        if let Err(e) = state.save(dir) {
            eprintln!("warning: could not save the trust state: {e}");
        }
    }
    let trust = match (unusable, any_source) {
        (Some(e), _) => TrustData::Unusable(e),
        (None, false) => TrustData::Missing,
        (None, true) => TrustData::Loaded(store),
    };
    let ctx = TrustContext {
        trust,
        revocation,
        grace: a.grace,
        limits: Limits::DEFAULT,
    };
    Ok((ctx, policy))
}

/// Where verdicts go: JSON Lines or human lines, tracking the worst outcome.
pub(crate) struct Sink<W: Write> {
    out: W,
    json: bool,
    ansi: bool,
    worst: Outcome,
    broken: bool,
}

impl<W: Write> Sink<W> {
    fn emit(&mut self, v: &Verdict) {
        self.worst = self.worst.max(v.outcome);
        if self.broken {
            return;
        }
        let line = if self.json {
            json_line(v)
        } else {
            human_lines(v, self.ansi)
        };
        if writeln!(self.out, "{line}").is_err() {
            self.broken = true;
        }
    }

    fn flush(&mut self) {
        if !self.broken && self.out.flush().is_err() {
            self.broken = true;
        }
    }
}

fn run_verify(a: &VerifyArgs) -> u8 {
    let clock = a.at.unwrap_or_else(now);
    let (ctx, policy) = match load_trust_and_policy(a, clock.unix_timestamp()) {
        Ok(c) => c,
        Err(m) => {
            eprintln!("error: {m}");
            return EXIT_USAGE;
        }
    };
    let stdout = io::stdout();
    let ansi = !a.json && stdout.is_terminal();
    let mut sink = Sink {
        out: io::BufWriter::new(stdout.lock()),
        json: a.json,
        ansi,
        worst: Outcome::Valid,
        broken: false,
    };
    let mut usage_error = false;
    for arg in &a.inputs {
        match InputSource::classify(arg) {
            InputSource::Text(text) => sink.emit(&verify(text, &ctx, &policy, clock)),
            InputSource::Stdin => {
                if let Err(e) = verify_lines(io::stdin(), &ctx, &policy, clock, &mut sink) {
                    eprintln!("error: reading standard input: {e}");
                    usage_error = true;
                }
            }
            InputSource::File(path) => {
                let timeout = std::time::Duration::from_secs(a.image_timeout.max(1).unsigned_abs());
                if let Err(m) = verify_file(path, &ctx, &policy, clock, timeout, &mut sink) {
                    eprintln!("error: {m}");
                    usage_error = true;
                }
            }
        }
        sink.flush();
    }
    sink.flush();
    if usage_error {
        EXIT_USAGE
    } else {
        sink.worst.exit_code()
    }
}

/// QR codes of an image, found on a worker thread that is abandoned after `timeout`
/// (the decoder cannot be interrupted; an abandoned thread ends with the process).
fn image_texts_bounded(
    bytes: Vec<u8>,
    limits: wallet_format::Limits,
    timeout: std::time::Duration,
) -> Result<Vec<String>, wallet_format::Error> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("qr-decode".into())
        .spawn(move || {
            // The receiver is gone only when the caller stopped waiting.
            let _ = tx.send(wallet_format::qr::decode_image(&bytes, &limits));
        });
    if spawned.is_err() {
        return Err(wallet_format::Error::ImageInvalid);
    }
    rx.recv_timeout(timeout)
        .unwrap_or(Err(wallet_format::Error::ImageInvalid))
}

fn verify_file<W: Write>(
    path: &Path,
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
    image_timeout: std::time::Duration,
    sink: &mut Sink<W>,
) -> Result<(), String> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read input {}: {e}", path.display()))?;
    let mut head = [0u8; 8];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(head.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) => return Err(format!("cannot read input {}: {e}", path.display())),
        }
    }
    let head = head.get(..filled).unwrap_or_default();
    if looks_like_image(head) {
        let max = ctx.limits.max_image_bytes as u64;
        let bytes = read_limited(path, max, "image").map_err(|m| m.to_string());
        let verdicts = match bytes {
            Ok(b) => verify_image_texts(
                image_texts_bounded(b, ctx.limits, image_timeout),
                ctx,
                policy,
                clock,
            ),
            Err(_) => vec![Verdict::undecoded(Reason::Format(
                wallet_format::Error::InputTooLarge {
                    actual: usize::try_from(std::fs::metadata(path).map_or(0, |m| m.len()))
                        .unwrap_or(usize::MAX),
                    limit: ctx.limits.max_image_bytes,
                },
            ))],
        };
        for v in &verdicts {
            sink.emit(v);
        }
        Ok(())
    } else {
        let reader = io::Cursor::new(head.to_vec()).chain(file);
        verify_lines(reader, ctx, policy, clock, sink)
            .map_err(|e| format!("cannot read input {}: {e}", path.display()))
    }
}

/// Batch mode: text lines from `reader`, verified in chunks on every core, printed in input
/// order. A reader thread feeds a bounded channel, so memory stays constant however long the
/// stream; a chunk is verified as soon as the lines already available are taken (a gate that
/// sends one line at a time gets its answer at once). Blank lines are skipped.
pub(crate) fn verify_lines<R: Read + Send + 'static, W: Write>(
    reader: R,
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
    sink: &mut Sink<W>,
) -> io::Result<()> {
    let max_line = ctx.limits.max_text_len;
    let (tx, rx) = mpsc::sync_channel::<io::Result<Line>>(BATCH_CHUNK * 4);
    let producer = std::thread::spawn(move || {
        let mut r = BufReader::with_capacity(64 * 1024, reader);
        loop {
            match read_bounded_line(&mut r, max_line) {
                Ok(Some(line)) => {
                    if tx.send(Ok(line)).is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
    });
    let mut chunk: Vec<Line> = Vec::with_capacity(BATCH_CHUNK);
    let mut result = Ok(());
    'outer: loop {
        // Block for the first line of a chunk, then take whatever else is ready.
        match rx.recv() {
            Ok(Ok(line)) => chunk.push(line),
            Ok(Err(e)) => {
                result = Err(e);
                break;
            }
            Err(_) => break,
        }
        while chunk.len() < BATCH_CHUNK {
            match rx.try_recv() {
                Ok(Ok(line)) => chunk.push(line),
                Ok(Err(e)) => {
                    result = Err(e);
                    flush_chunk(&mut chunk, ctx, policy, clock, sink);
                    break 'outer;
                }
                Err(_) => break,
            }
        }
        flush_chunk(&mut chunk, ctx, policy, clock, sink);
        if sink.broken {
            break;
        }
    }
    drop(rx);
    let _ = producer.join();
    result
}

fn verify_line(line: &Line, ctx: &TrustContext, policy: &Policy, clock: OffsetDateTime) -> Verdict {
    match line {
        Line::Text(t) => verify(t, ctx, policy, clock),
        Line::TooLong(n) => {
            Verdict::undecoded(Reason::Format(wallet_format::Error::InputTooLarge {
                actual: *n,
                limit: ctx.limits.max_text_len,
            }))
        }
    }
}

fn flush_chunk<W: Write>(
    chunk: &mut Vec<Line>,
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
    sink: &mut Sink<W>,
) {
    chunk.retain(|l| !matches!(l, Line::Text(t) if t.trim().is_empty()));
    let verdicts: Vec<Verdict> = chunk
        .par_iter()
        .map(|l| verify_line(l, ctx, policy, clock))
        .collect();
    for v in &verdicts {
        sink.emit(v);
    }
    sink.flush();
    chunk.clear();
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("3600"), Ok(3600));
        assert_eq!(parse_duration("90m"), Ok(5400));
        assert_eq!(parse_duration("1d12h"), Ok(129_600));
        assert!(parse_duration("12x").is_err());
        assert!(parse_duration("-5").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn parses_every_clock_form() {
        let want = parse_at("2024-03-10T12:00:00Z").unwrap();
        for s in [
            "2024-03-10T12:00:00",
            "2024-03-10T19:00:00+0700",
            "2024-03-10T19:00:00+07:00",
        ] {
            assert_eq!(parse_at(s).unwrap(), want, "{s}");
        }
        assert!(parse_at("tomorrow").is_err());
    }
}
