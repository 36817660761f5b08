//! `audit verify [--checkpoint FILE]…` and `audit checkpoint [--out FILE]`.

use crate::audit::Verdict;
use crate::error::{Error, Result};
use crate::service::Issuer;
use std::path::PathBuf;

/// Audit subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCmd {
    /// Check the hash chain, the latest stored checkpoint, and each checkpoint given.
    Verify {
        /// A checkpoint kept elsewhere (`audit checkpoint --out`, `GET /v1/audit/checkpoint`):
        /// the log must still hold its entry with its hash. May be repeated.
        #[arg(long)]
        checkpoint: Vec<PathBuf>,
    },
    /// Sign a checkpoint of the log's head (stored; printed; written to `--out`).
    Checkpoint {
        /// Write the signed checkpoint (COSE_Sign1) to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Run one audit subcommand; exit 1 when the chain is broken or a checkpoint is refused.
pub(super) async fn run(issuer: &Issuer, action: &AuditCmd, now: i64) -> Result<i32> {
    match action {
        AuditCmd::Verify { checkpoint } => verify(issuer, checkpoint).await,
        AuditCmd::Checkpoint { out } => {
            let cp = issuer.audit_checkpoint(now).await?;
            if let Some(out) = out {
                std::fs::write(out, &cp.signed)
                    .map_err(|e| Error::Config(format!("cannot write {}: {e}", out.display())))?;
            }
            println!(
                "audit checkpoint: entry {} hash {} signed at {}",
                cp.seq,
                hex::encode(&cp.head_hash),
                cp.issued_at
            );
            Ok(0)
        }
    }
}

async fn verify(issuer: &Issuer, files: &[PathBuf]) -> Result<i32> {
    let entries = match issuer.verify_audit_log().await? {
        Verdict::Intact { entries } => entries,
        Verdict::Broken { seq, reason } => {
            println!("audit log BROKEN at entry {seq} [AUDIT_LOG_BROKEN]: {reason}");
            return Ok(1);
        }
    };
    let mut checks = Vec::new();
    if let Some(stored) = issuer.stored_audit_checkpoint().await? {
        checks.push(("the latest stored checkpoint".to_string(), stored.signed));
    }
    for f in files {
        let bytes = std::fs::read(f)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", f.display())))?;
        checks.push((f.display().to_string(), bytes));
    }
    let mut failed = false;
    for (name, bytes) in checks {
        match issuer.verify_audit_checkpoint(&bytes).await? {
            Ok(cp) => println!("checkpoint {name}: holds (entry {})", cp.sequence),
            Err(e) => {
                println!("checkpoint {name}: REFUSED [{}]: {e}", e.code());
                failed = true;
            }
        }
    }
    if failed {
        return Ok(1);
    }
    println!("audit log intact: {entries} entries");
    Ok(0)
}
