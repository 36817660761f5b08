//! `rules sign` (spec/issuer.md §Rule sets).

use super::ACTOR;
use crate::error::{Error, Result};
use crate::service::Issuer;
use crate::tokens;
use std::path::{Path, PathBuf};

/// Rule-set subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RulesCmd {
    /// Check a CertLogic rule set (EU gateway JSON) and sign it with the list signer as the
    /// next sequence of NAME; `serve` publishes it at /v1/rules/NAME.
    Sign {
        /// The rule set JSON (a bare array of rules, or `{"rules": [...]}`).
        file: PathBuf,
        /// The rule set's name, e.g. vn-venue.
        #[arg(long)]
        name: String,
        /// Also write the signed rule set (COSE) to this file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// How long verifiers accept it (s, m, h, d suffix).
        #[arg(long, default_value = "30d")]
        valid_for: String,
    },
}

/// Run one rule-set subcommand.
pub(super) async fn run(issuer: &Issuer, action: RulesCmd, now: i64) -> Result<i32> {
    let RulesCmd::Sign {
        file,
        name,
        out,
        valid_for,
    } = action;
    let valid_for = tokens::parse_ttl(&valid_for)
        .ok_or_else(|| Error::Config("bad --valid-for (e.g. 30d, 12h)".into()))?;
    let text = read_rule_file(&file)?;
    let set = issuer
        .sign_rule_set(&name, &text, valid_for, ACTOR, now)
        .await?;
    if let Some(out) = &out {
        std::fs::write(out, &set.signed)?;
        println!("wrote {}", out.display());
    }
    println!(
        "signed rule set {} sequence {} valid until {} ({} bytes)",
        set.name,
        set.sequence,
        set.valid_until,
        set.signed.len()
    );
    Ok(0)
}

/// Read a rule-set file for signing: bounded in size, UTF-8 (a leading byte-order mark is
/// dropped).
fn read_rule_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let limit = trust_list::Limits::default().max_rule_set_bytes;
    let file = std::fs::File::open(path)
        .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(Error::Config(format!(
            "{} is larger than {limit} bytes",
            path.display()
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::Config(format!("{} is not utf-8 text", path.display())))
}
