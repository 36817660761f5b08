//! `import FILE` (bulk CSV/NDJSON, spec/issuer.md §Bulk import).

use crate::error::Result;
use crate::import;
use crate::service::Issuer;
use std::path::PathBuf;

/// `import` arguments.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// CSV or NDJSON file.
    file: PathBuf,
    /// Rejects file (default FILE.rejects.ndjson).
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Rows per transaction.
    #[arg(long, default_value_t = import::BATCH)]
    batch: usize,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Write the retrieval codes of the people this import creates to FILE (CSV: record id,
    /// code; created 0600).
    #[arg(long, value_name = "FILE")]
    codes: Option<PathBuf>,
}

/// Import and print the summary line.
pub(super) async fn run(issuer: &Issuer, args: ImportArgs, now: i64) -> Result<i32> {
    let mut opts = import::Options::for_file(&args.file);
    if let Some(r) = args.rejects {
        opts.rejects = r;
    }
    opts.batch = args.batch.max(1);
    opts.progress = !args.quiet;
    opts.codes = args.codes;
    let start = std::time::Instant::now();
    let s = import::run(issuer, &args.file, &opts, now).await?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "rows {}  issued {}  already present {}  held {}  rejected {} (see {})  codes {}  {:.0} rows/s",
        s.rows,
        s.issued,
        s.already_present,
        s.held,
        s.rejected,
        opts.rejects.display(),
        s.codes,
        s.rows as f64 / secs.max(1e-9)
    );
    Ok(0)
}
