//! `inspect FILE [--anchor FILE]`: show a signed trust list, revocation list or rule set.

use crate::args::InspectArgs;
use crate::load::{read_limited, MAX_TRUST_FILE_BYTES};
use crate::{now, EXIT_USAGE};

pub(crate) fn run_inspect(a: &InspectArgs) -> u8 {
    let bytes = match read_limited(&a.file, MAX_TRUST_FILE_BYTES, "list") {
        Ok(b) => b,
        Err(m) => {
            say_err!("error: {m}");
            return EXIT_USAGE;
        }
    };
    let anchor = match &a.anchor {
        Some(p) => match read_limited(p, MAX_TRUST_FILE_BYTES, "anchor") {
            Ok(b) => Some(b),
            Err(m) => {
                say_err!("error: {m}");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let clock = a.at.unwrap_or_else(now).unix_timestamp();
    let report = trust_list::inspect::inspect(&bytes, anchor.as_deref(), clock, a.grace);
    // The report quotes certificate subjects and list fields: escaped line by line.
    println!("{}", verifier::display::safe_lines(&report.to_string()));
    let failed = report.error.is_some()
        || matches!(
            report.signature,
            trust_list::inspect::SignatureVerdict::Failed(_)
        )
        || matches!(report.freshness, Some(Err(_)));
    u8::from(failed)
}
