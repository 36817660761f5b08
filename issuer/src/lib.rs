//! vaxcert issuing service: immunization records in, signed EU DCC certificates out
//! (spec/issuer.md, spec/openapi.yaml).
//!
//! Layout — a request flows down this list:
//! - [`http`]: the axum API, one module per resource; handlers parse input and call the
//!   service, and [`http::error`] maps every [`Error`] to a status and a stable code;
//! - [`web`]: server-rendered pages (askama templates);
//! - [`cli`]: the `vaxcert-issuer` binary, one module per subcommand;
//! - [`input`]: submission parsing and validation; [`import`]: the bulk loader;
//!   [`strict_json`]: JSON from outside, refusing duplicate keys;
//! - [`service`]: the use cases ([`Issuer`]), one module each, every write one transaction
//!   with its audit entry;
//! - [`domain`]: states and rules as types; [`audit`]: the hash chain; [`tokens`]: API tokens;
//!   [`keys`]: key custody; [`ident`]: person identifiers and retrieval codes;
//!   [`identity`]: identity documents, matching and the population register;
//! - [`db`]: the SQL, one module per table, for SQLite and PostgreSQL alike.

#![warn(missing_docs, unreachable_pub, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod audit;
pub mod checkpoint;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod group_commit;
pub mod http;
pub mod ident;
pub mod identity;
pub mod import;
pub mod input;
pub mod keys;
pub mod private_fs;
pub mod server;
pub mod service;
pub mod strict_json;
pub mod tokens;
pub mod valuesets;
pub mod web;

pub use error::{Error, Result};
pub use service::{Issuer, Settings};

use std::sync::Arc;

/// Open everything a subcommand needs: data dir, keys (development keys are generated with a
/// loud warning when none are configured and none exist), database with migrations, DSC sync.
pub async fn open(cfg: &config::Config, now: i64) -> Result<Issuer> {
    private_fs::create_dir(&cfg.data_dir)?;
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
    let sqlite_file = db::sqlite_path(&cfg.database);
    if let Some(path) = &sqlite_file {
        private_fs::touch(path)?;
    }
    let keys = Arc::new(keys::Keys::load(&cfg.keys_dir)?);
    let private = keys.private_files()?;
    let private: Vec<&std::path::Path> = private.iter().map(|p| p.as_path()).collect();
    let mut data = vec![cfg.data_dir.as_path(), cfg.keys_dir.as_path()];
    data.extend(sqlite_file.as_deref());
    private_fs::check(&private, &data)?;
    let db = db::Db::connect(&cfg.database).await?;
    keys.sync(&db, now).await?;
    let issuer = Issuer::new(db, keys, cfg.settings.clone());
    Ok(match &cfg.register {
        Some(r) => {
            let http =
                identity::http_register::HttpRegister::new(&r.url, r.covers.clone(), r.timeout)?;
            issuer.with_register(Arc::new(http))
        }
        None => issuer,
    })
}
