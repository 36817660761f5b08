//! `facility add|revoke`.

use super::ACTOR;
use crate::error::Result;
use crate::service::admin::FacilityChange;
use crate::service::Issuer;

/// Facility subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum FacilityCmd {
    /// Register a facility.
    Add {
        /// Facility id (what its tokens and submissions carry).
        id: String,
        /// Display name (default: the id).
        #[arg(long)]
        name: Option<String>,
    },
    /// Revoke a facility (its tokens stop working).
    Revoke {
        /// Facility id.
        id: String,
    },
}

/// Run one facility subcommand.
pub(super) async fn run(issuer: &Issuer, action: &FacilityCmd, now: i64) -> Result<i32> {
    let (id, change, verb) = match action {
        FacilityCmd::Add { id, name } => {
            let name = name.as_deref().unwrap_or(id);
            (
                id,
                issuer.add_facility(id, name, ACTOR, now).await?,
                "added",
            )
        }
        FacilityCmd::Revoke { id } => {
            (id, issuer.revoke_facility(id, ACTOR, now).await?, "revoked")
        }
    };
    let said = match change {
        FacilityChange::Done => verb,
        FacilityChange::Unchanged => "unchanged (exists or unknown)",
    };
    println!("facility {id}: {said}");
    Ok(0)
}
