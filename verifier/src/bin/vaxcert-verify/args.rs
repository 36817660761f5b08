//! The command line's words (spec/verifier.md §CLI): the verify command, `inspect` and
//! `certlogic`, and the parsers of `--at` and durations.

use std::path::PathBuf;

use clap::Parser;
use time::OffsetDateTime;

/// The verify command's arguments.
#[derive(Debug, Parser)]
#[command(
    name = "vaxcert-verify",
    version,
    about = "Verify EU DCC / HCERT passes offline",
    after_help = "Subcommands (first argument only):\n  inspect FILE [--anchor FILE]         show a signed trust list, revocation list or rule set\n  certlogic EXPR_OR_RULE.json DATA.json evaluate a CertLogic expression or rule"
)]
pub(crate) struct VerifyArgs {
    /// A signed trust list (needs --anchor).
    #[arg(long, value_name = "FILE", requires = "anchor")]
    pub(crate) trust_list: Option<PathBuf>,
    /// The pinned trust anchor (CSCA certificate: PEM, DER or base64 DER).
    #[arg(long, value_name = "FILE")]
    pub(crate) anchor: Option<PathBuf>,
    /// An EU-gateway-shaped JSON list of DSCs (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) dccg: Vec<PathBuf>,
    /// Trust one signing certificate (PEM, DER or base64 DER; repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) dsc: Vec<PathBuf>,
    /// A signed revocation list (needs --anchor).
    #[arg(long, value_name = "FILE", requires = "anchor")]
    pub(crate) revocations: Option<PathBuf>,
    /// Keep the highest list sequence seen here (rollback protection across runs).
    #[arg(long, value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,
    /// How long a signed list stays usable after its valid_until (e.g. 12h, 2d, 90m, 3600).
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_duration)]
    pub(crate) grace: i64,
    /// The verification clock: RFC 3339, ISO 8601 without zone (UTC), +hhmm offsets, or a
    /// bare date. Default: now.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub(crate) at: Option<OffsetDateTime>,
    /// none, venue, travel, or a rule-set file: plain rule JSON, or a signed rule set
    /// (verified against --anchor, with --state-dir and --grace).
    #[arg(long, value_name = "POLICY", default_value = "venue")]
    pub(crate) policy: String,
    /// JSON Lines output, one object per pass.
    #[arg(long)]
    pub(crate) json: bool,
    /// Longest time spent finding QR codes in one image; past it the image is
    /// `IMAGE_INVALID` (crafted images can keep the QR detector busy for minutes).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub(crate) image_timeout: i64,
    /// Pass text, an image or text file, or `-` for text lines on stdin.
    #[arg(required = true, value_name = "INPUT", allow_hyphen_values = true)]
    pub(crate) inputs: Vec<String>,
}

/// `inspect FILE [--anchor FILE] [--at TIME] [--grace DURATION]`.
#[derive(Debug, Parser)]
#[command(
    name = "vaxcert-verify inspect",
    about = "Show a signed trust list, revocation list or rule set"
)]
pub(crate) struct InspectArgs {
    /// The signed list.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Check the signature against this anchor.
    #[arg(long, value_name = "FILE")]
    pub(crate) anchor: Option<PathBuf>,
    /// The clock for staleness (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub(crate) at: Option<OffsetDateTime>,
    /// Grace after valid_until.
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_duration)]
    pub(crate) grace: i64,
}

/// `certlogic EXPR_OR_RULE.json DATA.json`.
#[derive(Debug, Parser)]
#[command(
    name = "vaxcert-verify certlogic",
    about = "Evaluate a CertLogic expression, or a rule file's Logic, over DATA"
)]
pub(crate) struct CertLogicArgs {
    /// A bare CertLogic expression, or a rule (an object with `Logic`).
    #[arg(value_name = "EXPR_OR_RULE.json")]
    pub(crate) expression: PathBuf,
    /// `{"payload": ..., "external": ...}`.
    #[arg(value_name = "DATA.json")]
    pub(crate) data: PathBuf,
}

/// Parse `--at`.
pub(crate) fn parse_at(s: &str) -> Result<OffsetDateTime, String> {
    wallet_format::time_parse::parse_lenient(s).ok_or_else(|| {
        "expected RFC 3339 (2024-03-10T12:00:00Z), ISO 8601 without zone, +hhmm offset, or a date"
            .to_string()
    })
}

/// Parse a duration: bare seconds, or number+unit groups (`s`, `m`, `h`, `d`), e.g. `1d12h`.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
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
