//! Loading the population register from a file (`vaxcert-issuer population import FILE`,
//! spec/issuer.md §Identity "Population register"): CSV with a header, or NDJSON, one person
//! per row with `document_type` (`national_id` when absent; `passport` needs
//! `document_country`), `document_number` (or `national_id`), `family_name`, `given_name`
//! (optional) and `date_of_birth`. Streamed and written in chunks; a reload replaces the
//! entries it names. A bad row is counted and reported by line number and reason code only
//! (no personal data on the terminal or in logs); every good row around it is loaded.

use crate::db::population::PopulationRow;
use crate::domain::DocumentKind;
use crate::error::{Error, Result};
use crate::identity::Document;
use crate::import::{Format, MAX_LINE};
use crate::input::{today, valid_dob};
use crate::service::Issuer;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Rows per write.
const CHUNK: usize = 5000;
/// Longest name accepted.
const MAX_NAME: usize = 80;

/// What a load did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadSummary {
    /// Rows read.
    pub rows: u64,
    /// Entries written (new or replaced).
    pub loaded: u64,
    /// Rows refused: (line, reason code).
    pub refused: Vec<(u64, &'static str)>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// One row as a register entry keyed by `issuer`'s document hash, or the reason code it is
/// refused for.
fn entry(
    issuer: &Issuer,
    v: &Value,
    today: time::Date,
) -> std::result::Result<PopulationRow, &'static str> {
    let kind = match text(v, "document_type") {
        None => DocumentKind::NationalId,
        Some(t) => t.parse().map_err(|_| "document_type")?,
    };
    if kind == DocumentKind::Temporary {
        return Err("document_type");
    }
    let number = text(v, "document_number")
        .or_else(|| text(v, "national_id"))
        .ok_or("document_number")?;
    let country = text(v, "document_country").map(String::from);
    if kind == DocumentKind::Passport && country.is_none() {
        return Err("document_country");
    }
    let doc = Document {
        kind,
        number: crate::ident::normalize_national_id(number),
        country,
    };
    if doc.number.is_empty()
        || doc.number.len() > 32
        || !doc.number.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err("document_number");
    }
    let family_name = text(v, "family_name")
        .filter(|n| n.chars().count() <= MAX_NAME)
        .ok_or("family_name")?;
    let given_name = text(v, "given_name").map(String::from);
    if given_name
        .as_ref()
        .is_some_and(|g| g.chars().count() > MAX_NAME)
    {
        return Err("given_name");
    }
    let dob = text(v, "date_of_birth")
        .filter(|d| valid_dob(d, today))
        .ok_or("date_of_birth")?;
    Ok(PopulationRow {
        id_hash: issuer.document_hash(&doc, ""),
        doc_type: kind,
        family_name: family_name.to_string(),
        given_name,
        dob: dob.to_string(),
    })
}

/// Rows gathered into chunks and written as they fill.
struct Loader<'a> {
    issuer: &'a Issuer,
    today: time::Date,
    now: i64,
    /// The chunk being gathered, by document hash: the last row for a document wins (a
    /// reload corrects an entry).
    chunk: HashMap<Vec<u8>, PopulationRow>,
    summary: LoadSummary,
}

impl Loader<'_> {
    async fn take(&mut self, line: u64, v: Option<Value>) -> Result<()> {
        self.summary.rows += 1;
        match v
            .ok_or("malformed")
            .and_then(|v| entry(self.issuer, &v, self.today))
        {
            Ok(row) => {
                self.chunk.insert(row.id_hash.clone(), row);
            }
            Err(code) => self.summary.refused.push((line, code)),
        }
        if self.chunk.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        let rows: Vec<PopulationRow> = std::mem::take(&mut self.chunk).into_values().collect();
        if !rows.is_empty() {
            self.summary.loaded += self.issuer.load_population(&rows, self.now).await?;
        }
        Ok(())
    }
}

/// Load `file` into the register of `issuer`'s database.
pub async fn load(issuer: &Issuer, file: &Path, now: i64) -> Result<LoadSummary> {
    let format = Format::from_path(file).ok_or_else(|| {
        Error::Config("the register file must end in .csv, .ndjson or .jsonl".into())
    })?;
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(file)?);
    let mut l = Loader {
        issuer,
        today: today(now),
        now,
        chunk: HashMap::new(),
        summary: LoadSummary::default(),
    };
    match format {
        Format::Ndjson => {
            for (n, line) in reader.split(b'\n').enumerate() {
                let line = line?;
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let v = (line.len() <= MAX_LINE)
                    .then(|| serde_json::from_slice::<Value>(&line).ok())
                    .flatten();
                l.take(n as u64 + 1, v).await?;
            }
        }
        Format::Csv => {
            let mut r = csv::ReaderBuilder::new().from_reader(reader);
            let headers: Vec<String> = r
                .headers()
                .map_err(|_| Error::Config("the register file has no readable header".into()))?
                .iter()
                .map(String::from)
                .collect();
            for (n, rec) in r.records().enumerate() {
                let v = rec.ok().map(|rec| {
                    let pairs = headers.iter().cloned().zip(rec.iter().map(Value::from));
                    Value::Object(pairs.collect())
                });
                l.take(n as u64 + 2, v).await?;
            }
        }
    }
    l.flush().await?;
    Ok(l.summary)
}
