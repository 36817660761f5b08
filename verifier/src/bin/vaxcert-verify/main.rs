//! `vaxcert-verify` (spec/verifier.md §CLI): a thin shell over the `verifier` library. The
//! command line, file loading, input classification, batch mode and output formats live here,
//! with clap and rayon, so the library a phone or gate app links has neither.
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

/// `eprintln!` with every control, bidi and zero-width character of the formatted message
/// escaped ([`verifier::display::safe_text`]): messages quote paths and list contents.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", verifier::display::safe_text(&format!($($arg)*)))
    };
}

mod args;
mod author;
mod batch;
mod input;
mod inspect;
mod load;
mod output;

use std::ffi::OsString;

use clap::Parser;
use time::OffsetDateTime;

use args::{CertLogicArgs, InspectArgs, VerifyArgs};

/// Exit code of a usage or configuration error (and of any CANNOT_CHECK).
pub(crate) const EXIT_USAGE: u8 = 2;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(run(std::env::args_os().collect()))
}

/// Parse `args` (program name first), run, return the process exit code.
fn run(args: Vec<OsString>) -> u8 {
    let first = args.get(1).and_then(|a| a.to_str());
    match first {
        Some("inspect") => {
            let rest = std::iter::once(OsString::from("vaxcert-verify inspect"))
                .chain(args.into_iter().skip(2));
            match InspectArgs::try_parse_from(rest) {
                Ok(a) => inspect::run_inspect(&a),
                Err(e) => clap_exit(e),
            }
        }
        Some("certlogic") => {
            let rest = std::iter::once(OsString::from("vaxcert-verify certlogic"))
                .chain(args.into_iter().skip(2));
            match CertLogicArgs::try_parse_from(rest) {
                Ok(a) => author::run_certlogic(&a),
                Err(e) => clap_exit(e),
            }
        }
        _ => match VerifyArgs::try_parse_from(args) {
            Ok(a) => batch::run_verify(&a),
            Err(e) => clap_exit(e),
        },
    }
}

fn clap_exit(e: clap::Error) -> u8 {
    let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
    let _ = e.print();
    code
}

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
