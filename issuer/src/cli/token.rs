//! `token` (mint an API token) and `revoke-token`.

use super::ACTOR;
use crate::error::{Error, Result};
use crate::service::Issuer;
use crate::tokens::{self, Role};

/// `token` arguments.
#[derive(Debug, clap::Args)]
pub struct MintArgs {
    /// facility, ministry or auditor.
    #[arg(long)]
    role: String,
    /// The facility id (role facility).
    #[arg(long)]
    facility: Option<String>,
    /// Lifetime (s, m, h, d suffix).
    #[arg(long, default_value = "24h")]
    ttl: String,
}

/// Mint: prints the role and expiry, the token id (for `revoke-token`), then the token alone
/// on the last line.
pub(super) async fn mint(issuer: &Issuer, args: &MintArgs, now: i64) -> Result<i32> {
    let role = Role::from_name(&args.role)
        .ok_or_else(|| Error::Config("role must be facility, ministry or auditor".into()))?;
    let ttl = tokens::parse_ttl(&args.ttl).ok_or_else(|| Error::Config("bad --ttl".into()))?;
    let minted = issuer
        .mint_token(role, args.facility.as_deref(), ttl, ACTOR, now)
        .await?;
    println!("role: {}  expires in {ttl}s", role.name());
    println!("id: {}", minted.id);
    println!("{}", minted.token);
    Ok(0)
}

/// Revoke by id; exit 1 when there is no such token.
pub(super) async fn revoke(issuer: &Issuer, id: &str, now: i64) -> Result<i32> {
    let ok = issuer.revoke_token(id, ACTOR, now).await?;
    println!("{}", if ok { "revoked" } else { "no such token" });
    Ok(i32::from(!ok))
}
