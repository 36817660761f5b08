//! `population import FILE`: load the national population register table (spec/issuer.md
//! §Identity). Prints counts and the line numbers of refused rows with a reason code — never
//! a row's content.

use crate::error::Result;
use crate::identity::population_file;
use crate::service::Issuer;
use std::path::PathBuf;

/// Population register subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PopulationCmd {
    /// Load (or reload) entries from a CSV or NDJSON file.
    Import {
        /// CSV (with a header) or NDJSON file.
        file: PathBuf,
    },
}

/// Most refused lines printed one by one.
const SHOW_REFUSED: usize = 20;

/// Run one population subcommand; exit code 1 when a row was refused.
pub(super) async fn run(issuer: &Issuer, action: PopulationCmd, now: i64) -> Result<i32> {
    let PopulationCmd::Import { file } = action;
    let s = population_file::load(issuer, &file, now).await?;
    println!(
        "rows {}  loaded {}  refused {}",
        s.rows,
        s.loaded,
        s.refused.len()
    );
    for (line, code) in s.refused.iter().take(SHOW_REFUSED) {
        eprintln!("line {line}: {code} missing or invalid");
    }
    if s.refused.len() > SHOW_REFUSED {
        eprintln!("… and {} more", s.refused.len() - SHOW_REFUSED);
    }
    Ok(i32::from(!s.refused.is_empty()))
}
