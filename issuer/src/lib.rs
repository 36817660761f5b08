//! vaxcert issuing service: immunization records in, signed EU DCC certificates out
//! (spec/issuer.md, spec/openapi.yaml).
//!
//! Layout: [`input`] parses submissions, [`issue::Issuer`] is the core (issue, correct,
//! revoke, holder retrieval) over [`db`] (SQLite or PostgreSQL, same SQL), [`keys`] holds key
//! custody, [`publish`] signs trust and revocation lists, [`audit`] keeps the hash chain,
//! [`http`] is the axum API, [`import`] the bulk loader, [`cli`] the `vaxcert-issuer` binary.

pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod group_commit;
pub mod http;
pub mod ident;
pub mod import;
pub mod input;
pub mod issue;
pub mod keys;
pub mod publish;
pub mod server;
pub mod tokens;
pub mod valuesets;

pub use error::{Error, Result};
pub use issue::Issuer;

use std::sync::Arc;

/// Open everything a subcommand needs: data dir, keys (development keys are generated with a
/// loud warning when none are configured and none exist), database with migrations, DSC sync.
pub async fn open(cfg: &config::Config, now: i64) -> Result<Issuer> {
    std::fs::create_dir_all(&cfg.data_dir)?;
    if !keys::exists(&cfg.keys_dir) {
        if cfg.production_keys {
            return Err(Error::Config(format!(
                "keys directory {} has no csca.crt.pem (keys are never generated when configured)",
                cfg.keys_dir.display()
            )));
        }
        eprintln!(
            "WARNING: ************************************************************\n\
             WARNING: no keys configured: generating DEVELOPMENT keys in {}\n\
             WARNING: certificates signed with them are NOT for production use.\n\
             WARNING: ************************************************************",
            cfg.keys_dir.display()
        );
        keys::generate_dev(&cfg.keys_dir, &cfg.settings.country, now)?;
    }
    let db = db::Db::connect(&cfg.database).await?;
    let keys = Arc::new(keys::Keys::load(&cfg.keys_dir)?);
    keys.sync(&db, now).await?;
    Ok(Issuer::new(db, keys, cfg.settings.clone()))
}
