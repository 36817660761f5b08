//! `audit verify`.

use crate::audit::Verdict;
use crate::error::Result;
use crate::service::Issuer;

/// Audit subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCmd {
    /// Check the hash chain.
    Verify,
}

/// Run one audit subcommand; exit 1 when the chain is broken.
pub(super) async fn run(issuer: &Issuer, action: &AuditCmd) -> Result<i32> {
    let AuditCmd::Verify = action;
    match issuer.verify_audit_log().await? {
        Verdict::Intact { entries } => {
            println!("audit log intact: {entries} entries");
            Ok(0)
        }
        Verdict::Broken { seq, reason } => {
            println!("audit log BROKEN at entry {seq}: {reason}");
            Ok(1)
        }
    }
}
