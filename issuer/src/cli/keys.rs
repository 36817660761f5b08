//! `keys create|rotate|list|export|compromise`.

use super::ACTOR;
use crate::error::{Error, Result};
use crate::service::Issuer;
use std::path::PathBuf;
use wallet_format::Algorithm;

/// Key subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCmd {
    /// Create a DSC and make it current (same as rotate).
    Create {
        /// ES256, PS256 or EdDSA.
        #[arg(long, default_value = "ES256")]
        algorithm: String,
    },
    /// Rotate: new DSC becomes current; older ones stay trusted.
    Rotate {
        /// ES256, PS256 or EdDSA.
        #[arg(long, default_value = "ES256")]
        algorithm: String,
    },
    /// List DSCs.
    List,
    /// Write anchor.pem, trust-list.cose, trust-list-dccg.json, revocations.cose,
    /// list-signer.pem, rules-vn-venue.cose and rules-vn-travel.cose into DIR.
    Export {
        /// Output directory.
        dir: PathBuf,
    },
    /// Key compromise: revoke everything the DSC signed, re-issue current certificates.
    Compromise {
        /// Base64 kid.
        kid: String,
    },
}

fn alg(name: &str) -> Result<Algorithm> {
    Algorithm::from_name(name).ok_or_else(|| Error::Config(format!("unknown algorithm {name}")))
}

/// Run one key subcommand.
pub(super) async fn run(issuer: &Issuer, action: KeysCmd, now: i64) -> Result<i32> {
    match action {
        KeysCmd::Create { algorithm } | KeysCmd::Rotate { algorithm } => {
            let a = alg(&algorithm)?;
            let kid = issuer.rotate_key(a, ACTOR, now).await?;
            println!("current DSC: {kid} ({})", a.name());
        }
        KeysCmd::List => {
            for d in issuer.list_keys().await? {
                println!(
                    "{}  {:6}  {:11}  created {}",
                    d.kid,
                    d.algorithm,
                    d.state.as_str(),
                    d.created_at
                );
            }
        }
        KeysCmd::Export { dir } => {
            // Milliseconds of the system clock: list sequences are allocated from them.
            let now_ms = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
            for name in issuer.export(&dir, now_ms).await? {
                println!("{}", dir.join(name).display());
            }
        }
        KeysCmd::Compromise { kid } => {
            let (revoked, reissued) = issuer.revoke_all_of_dsc(&kid, ACTOR, now).await?;
            println!("revoked {revoked} certificates, re-issued {reissued}");
        }
    }
    Ok(0)
}
