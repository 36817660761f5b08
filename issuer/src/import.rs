//! Bulk import of historical records (`vaxcert-issuer import FILE`, spec/issuer.md §Bulk
//! import): CSV or NDJSON, streamed, validated row by row, issued in transactions of
//! [`BATCH`] rows with parallel signing, pipelined (one batch is signed while the one before
//! it is written). Resumable: re-running the same file answers rows
//! already imported as idempotent retries, so a crash or Ctrl-C never duplicates anything.
//! Every rejected row goes to the rejects file (NDJSON: line, record id, code, reason), and so
//! does every row held for review (code `HELD`, with its review id). With `--codes FILE`, the
//! retrieval codes of the people the import created go to FILE (CSV: record id, code; created
//! 0600; never logged) for the sites' printed handouts.

use crate::error::{Error, Result};
use crate::input::parse_submission;
use crate::input::DoseInput;
use crate::service::views::SubmissionState;
use crate::service::{IssueOutcome, Issuer, PreparedBatch};
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Rows per transaction.
pub const BATCH: usize = 1000;
/// Longest accepted line (bytes); longer rows are rejected, not loaded.
pub const MAX_LINE: usize = 16 * 1024;

/// CSV columns, in this order in the header (any order is accepted; unknown columns are
/// rejected at the header).
pub const CSV_COLUMNS: &[&str] = &[
    "facility_id",
    "facility_record_id",
    "national_id",
    "document_type",
    "document_number",
    "document_country",
    "family_name",
    "given_name",
    "date_of_birth",
    "target",
    "vaccine_type",
    "product",
    "manufacturer",
    "dose_number",
    "series_total",
    "date",
    "country",
    "lot",
];

/// Input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated with a header row.
    Csv,
    /// One JSON object per line, same shape as `POST /v1/vaccinations`.
    Ndjson,
}

impl Format {
    /// From the file extension (`.csv`; `.ndjson`/`.jsonl`).
    pub fn from_path(p: &Path) -> Option<Format> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            _ => None,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows read.
    pub rows: u64,
    /// Newly issued (or recorded) in this run.
    pub issued: u64,
    /// Already present from an earlier run (idempotent replay).
    pub already_present: u64,
    /// Rejected (written to the rejects file).
    pub rejected: u64,
    /// Held for review (written to the rejects file as `HELD`).
    pub held: u64,
    /// Retrieval codes written to the codes file.
    pub codes: u64,
}

/// Options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where rejected rows go (default `FILE.rejects.ndjson`).
    pub rejects: PathBuf,
    /// Show a progress bar.
    pub progress: bool,
    /// Rows per transaction.
    pub batch: usize,
    /// Where the retrieval codes of the people the import created go (none: not written).
    pub codes: Option<PathBuf>,
}

impl Options {
    /// Defaults for `file`.
    pub fn for_file(file: &Path) -> Options {
        let mut r = file.as_os_str().to_owned();
        r.push(".rejects.ndjson");
        Options {
            rejects: PathBuf::from(r),
            progress: true,
            batch: BATCH,
            codes: None,
        }
    }
}

fn csv_row_to_json(headers: &[String], rec: &csv::StringRecord) -> Value {
    let mut top = Map::new();
    let mut person = Map::new();
    for (h, v) in headers.iter().zip(rec.iter()) {
        if v.is_empty() {
            continue;
        }
        let val = match h.as_str() {
            "dose_number" | "series_total" => v
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(v)),
            _ => Value::from(v),
        };
        match h.as_str() {
            "national_id" | "family_name" | "given_name" | "date_of_birth" => {
                person.insert(h.clone(), val);
            }
            "document_type" | "document_number" | "document_country" => {
                let doc = person
                    .entry("document")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(d) = doc {
                    d.insert(h.trim_start_matches("document_").to_string(), val);
                }
            }
            _ => {
                top.insert(h.clone(), val);
            }
        }
    }
    top.insert("person".into(), Value::Object(person));
    Value::Object(top)
}

struct Rejects {
    out: BufWriter<std::fs::File>,
    count: u64,
    held: u64,
    /// The codes file and how many codes it holds.
    codes: Option<(BufWriter<std::fs::File>, u64)>,
}

impl Rejects {
    fn reject(&mut self, line: u64, record: Option<&str>, e: &Error) -> Result<()> {
        let fields = match e {
            Error::Validation(f) => serde_json::to_value(f).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let row = json!({"line": line, "facility_record_id": record, "code": e.code(),
                         "reason": e.to_string(), "fields": fields});
        writeln!(self.out, "{row}")?;
        self.count += 1;
        Ok(())
    }

    fn hold(&mut self, line: u64, record: &str, review_id: Option<&str>) -> Result<()> {
        let row = json!({"line": line, "facility_record_id": record, "code": "HELD",
                         "reason": "held for review: the identity disagrees with the register or \
                                    the stored person, or the same shot is recorded already",
                         "review_id": review_id});
        writeln!(self.out, "{row}")?;
        self.held += 1;
        Ok(())
    }

    fn code(&mut self, record_id: &str, code: &str) -> Result<()> {
        if let Some((out, n)) = self.codes.as_mut() {
            writeln!(out, "{record_id},{code}")?;
            *n += 1;
        }
        Ok(())
    }
}

/// Import `file` into `issuer`.
pub async fn run(issuer: &Issuer, file: &Path, opts: &Options, now: i64) -> Result<Summary> {
    let format = Format::from_path(file)
        .ok_or_else(|| Error::Config("import file must end in .csv, .ndjson or .jsonl".into()))?;
    let f = std::fs::File::open(file)?;
    let bar = progress_bar(opts.progress, f.metadata()?.len());
    let reader = BufReader::with_capacity(1 << 20, bar.wrap_read(f));
    let actor = format!(
        "import:{}",
        file.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    );
    let mut session = Session {
        pipeline: Pipeline {
            issuer,
            actor: &actor,
            now,
            signed: None,
        },
        pending: Vec::with_capacity(opts.batch),
        batch: opts.batch,
        summary: Summary::default(),
        rejects: Rejects {
            out: BufWriter::new(crate::private_fs::create(&opts.rejects)?),
            count: 0,
            held: 0,
            codes: match &opts.codes {
                Some(path) => {
                    let mut w = BufWriter::new(crate::private_fs::create(path)?);
                    writeln!(w, "record_id,retrieval_code")?;
                    Some((w, 0))
                }
                None => None,
            },
        },
        now,
    };
    match format {
        Format::Ndjson => session.ndjson(reader).await?,
        Format::Csv => session.csv(reader).await?,
    }
    let summary = session.finish().await?;
    bar.finish_and_clear();
    Ok(summary)
}

/// A progress bar over `total` bytes, or a hidden one.
fn progress_bar(show: bool, total: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta} {msg}",
    ) {
        b.set_style(style);
    }
    b
}

/// One import run: rows parsed into batches, batches through the pipeline, refusals to the
/// rejects file.
struct Session<'a> {
    pipeline: Pipeline<'a>,
    pending: Vec<(u64, DoseInput)>,
    batch: usize,
    summary: Summary,
    rejects: Rejects,
    now: i64,
}

impl Session<'_> {
    /// Take one row (line `line` of the file): parsed into the next batch, or rejected.
    fn take(&mut self, line: u64, v: std::result::Result<Value, Error>) -> Result<()> {
        let record = v
            .as_ref()
            .ok()
            .and_then(|v| v.get("facility_record_id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match v.and_then(|v| parse_submission(&v, self.now)) {
            Ok(input) => self.pending.push((line, input)),
            Err(e) => self.rejects.reject(line, record.as_deref(), &e)?,
        }
        Ok(())
    }

    /// Hand a full batch to the pipeline.
    async fn flush_if_full(&mut self) -> Result<()> {
        if self.pending.len() >= self.batch {
            self.pipeline
                .push(&mut self.pending, &mut self.summary, &mut self.rejects)
                .await?;
        }
        Ok(())
    }

    /// Read NDJSON: one submission per line; blank lines are skipped.
    async fn ndjson(&mut self, reader: impl BufRead) -> Result<()> {
        let mut n = 0u64;
        for l in reader.lines() {
            n += 1;
            let v = match l {
                Ok(t) if t.len() > MAX_LINE => Err(Error::MalformedJson),
                Ok(t) if t.trim().is_empty() => continue,
                Ok(t) => crate::strict_json::parse(t.as_bytes()),
                Err(_) => Err(Error::MalformedJson),
            };
            self.summary.rows += 1;
            self.take(n, v)?;
            self.flush_if_full().await?;
        }
        Ok(())
    }

    /// Read CSV with a header of [`CSV_COLUMNS`] names, each at most once.
    async fn csv(&mut self, reader: impl BufRead) -> Result<()> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::Config(format!("csv header: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if let Some(bad) = headers.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
            return Err(Error::Config(format!("unknown csv column {bad:?}")));
        }
        // A column named twice is the CSV form of a duplicate JSON key: refused, not "last wins".
        if let Some((i, twice)) = headers
            .iter()
            .enumerate()
            .find(|(i, h)| headers[..*i].contains(h))
        {
            return Err(Error::Config(format!(
                "csv column {twice:?} appears twice (column {})",
                i + 1
            )));
        }
        let mut rec = csv::StringRecord::new();
        let mut n = 1u64;
        loop {
            n += 1;
            match rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) if rec.len() != headers.len() => {
                    self.summary.rows += 1;
                    let reason = format!("has {} fields, header has {}", rec.len(), headers.len());
                    let e = Error::Validation(vec![crate::error::FieldError::new("row", reason)]);
                    self.take(n, Err(e))?;
                }
                Ok(true) => {
                    self.summary.rows += 1;
                    self.take(n, Ok(csv_row_to_json(&headers, &rec)))?;
                }
                Err(_) => {
                    self.summary.rows += 1;
                    self.rejects.reject(n, None, &Error::MalformedJson)?;
                }
            }
            self.flush_if_full().await?;
        }
        Ok(())
    }

    /// Write what is left and close the rejects file.
    async fn finish(mut self) -> Result<Summary> {
        self.pipeline
            .push(&mut self.pending, &mut self.summary, &mut self.rejects)
            .await?;
        self.pipeline
            .finish(&mut self.summary, &mut self.rejects)
            .await?;
        self.rejects.out.flush()?;
        self.summary.rejected = self.rejects.count;
        self.summary.held = self.rejects.held;
        if let Some((out, n)) = self.rejects.codes.as_mut() {
            out.flush()?;
            out.get_ref().sync_all()?;
            self.summary.codes = *n;
        }
        Ok(self.summary)
    }
}

/// Two batches in flight: while one is signed (every core, off the async runtime), the one
/// signed before it is written in its transaction. A crash loses at most these two batches,
/// which were never committed: resuming redoes them, idempotently.
struct Pipeline<'a> {
    issuer: &'a Issuer,
    actor: &'a str,
    now: i64,
    /// Signed, not yet written: (file lines, batch).
    signed: Option<(Vec<u64>, PreparedBatch)>,
}

impl Pipeline<'_> {
    /// Start signing `pending` and write the batch signed before it meanwhile.
    async fn push(
        &mut self,
        pending: &mut Vec<(u64, DoseInput)>,
        summary: &mut Summary,
        rejects: &mut Rejects,
    ) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let (lines, inputs): (Vec<u64>, Vec<DoseInput>) = pending.drain(..).unzip();
        let previous = self.signed.take();
        let (issuer, actor, now) = (self.issuer, self.actor, self.now);
        let write = async move {
            match previous {
                Some((lines, batch)) => {
                    let results = issuer.write_batch(&batch, actor, now).await?;
                    Ok::<_, Error>(Some((lines, batch, results)))
                }
                None => Ok(None),
            }
        };
        let (signed, written) = tokio::join!(issuer.prepare_batch(inputs, now), write);
        if let Some((lines, batch, results)) = written? {
            record(issuer, &lines, &batch, results, summary, rejects)?;
        }
        self.signed = Some((lines, signed?));
        Ok(())
    }

    /// Write the last signed batch.
    async fn finish(&mut self, summary: &mut Summary, rejects: &mut Rejects) -> Result<()> {
        if let Some((lines, batch)) = self.signed.take() {
            let results = self
                .issuer
                .write_batch(&batch, self.actor, self.now)
                .await?;
            record(self.issuer, &lines, &batch, results, summary, rejects)?;
        }
        Ok(())
    }
}

/// Count a written batch, send its refused and held rows to the rejects file and the codes
/// of the people it created to the codes file.
fn record(
    issuer: &Issuer,
    lines: &[u64],
    batch: &PreparedBatch,
    results: Vec<Result<IssueOutcome>>,
    summary: &mut Summary,
    rejects: &mut Rejects,
) -> Result<()> {
    for ((line, input), r) in lines.iter().zip(batch.inputs()).zip(results) {
        match r {
            Ok(o) if o.state == SubmissionState::Held => {
                rejects.hold(*line, &input.facility_record_id, o.review_id.as_deref())?
            }
            Ok(o) if o.replayed => summary.already_present += 1,
            Ok(o) => {
                summary.issued += 1;
                if let (Some(person), Some(record)) = (&o.created_person, &o.record_id) {
                    rejects.code(record, &issuer.first_retrieval_code(person))?;
                }
            }
            Err(e) => rejects.reject(*line, Some(&input.facility_record_id), &e)?,
        }
    }
    rejects.out.flush()?;
    Ok(())
}
