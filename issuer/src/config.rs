//! Configuration (spec/issuer.md §Configuration): command-line flags beat environment
//! variables (`VAXCERT_*`, handled by clap) beat the JSON config file
//! (`--config`, default `<data-dir>/config.json` when present) beat defaults.

use crate::error::{Error, Result};
use crate::service::Settings;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Options every subcommand takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CommonArgs {
    /// Data directory (SQLite file, development keys).
    #[arg(long, env = "VAXCERT_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "VAXCERT_DATABASE_URL", global = true)]
    pub database: Option<String>,
    /// JSON config file.
    #[arg(long, env = "VAXCERT_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Keys directory shared by every replica (production). When set, keys are never
    /// generated.
    #[arg(long, env = "VAXCERT_KEYS_DIR", global = true)]
    pub keys_dir: Option<PathBuf>,
}

/// The config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database: Option<String>,
    pub keys_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub country: Option<String>,
    pub issuer_name: Option<String>,
    pub validity_days: Option<i64>,
    /// Share one transaction among concurrent single issuances (default true).
    pub group_commit: Option<bool>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database: String,
    pub keys_dir: PathBuf,
    /// Keys were configured explicitly: never generate them.
    pub production_keys: bool,
    pub listen: String,
    pub settings: Settings,
}

/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./vaxcert-data";
/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

impl Config {
    /// Resolve `args` (flags/env) over the config file over defaults.
    pub fn resolve(args: &CommonArgs, listen_flag: Option<&str>) -> Result<Config> {
        let data_dir = args
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let file_path = args.config.clone().or_else(|| {
            let p = data_dir.join("config.json");
            p.exists().then_some(p)
        });
        let file = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| Error::Config(format!("cannot read {}: {e}", p.display())))?;
                serde_json::from_str::<FileConfig>(&text)
                    .map_err(|e| Error::Config(format!("{}: {e}", p.display())))?
            }
            None => FileConfig::default(),
        };
        let database = args
            .database
            .clone()
            .or(file.database)
            .unwrap_or_else(|| sqlite_url(&data_dir.join("issuer.db")));
        let explicit_keys = args.keys_dir.clone().or(file.keys_dir);
        let production_keys = explicit_keys.is_some();
        let keys_dir = explicit_keys.unwrap_or_else(|| data_dir.join("keys"));
        let defaults = Settings::default();
        let validity_days = file.validity_days.unwrap_or(defaults.validity_days);
        if !(1..=3650).contains(&validity_days) {
            return Err(Error::Config("validity_days must be 1..=3650".into()));
        }
        Ok(Config {
            data_dir,
            database,
            keys_dir,
            production_keys,
            listen: listen_flag
                .map(str::to_string)
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            settings: Settings {
                country: file.country.unwrap_or(defaults.country),
                issuer_name: file.issuer_name.unwrap_or(defaults.issuer_name),
                validity_days,
                group_commit: file.group_commit.unwrap_or(defaults.group_commit),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn flags_beat_file_beat_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"database": "postgres://file/db", "listen": "0.0.0.0:1", "validity_days": 30}"#,
        )
        .unwrap();
        let mut args = CommonArgs {
            data_dir: Some(dir.path().into()),
            ..Default::default()
        };
        let c = Config::resolve(&args, None).unwrap();
        assert_eq!(c.database, "postgres://file/db");
        assert_eq!(c.listen, "0.0.0.0:1");
        assert_eq!(c.settings.validity_days, 30);
        assert!(!c.production_keys);
        args.database = Some("sqlite://x.db".into());
        let c = Config::resolve(&args, Some("127.0.0.1:0")).unwrap();
        assert_eq!(c.database, "sqlite://x.db");
        assert_eq!(c.listen, "127.0.0.1:0");
    }

    #[test]
    fn defaults_to_sqlite_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let args = CommonArgs {
            data_dir: Some(dir.path().into()),
            ..Default::default()
        };
        let c = Config::resolve(&args, None).unwrap();
        assert!(c.database.starts_with("sqlite://"));
        assert!(c.database.ends_with("issuer.db"));
        assert_eq!(c.listen, DEFAULT_LISTEN);
    }

    #[test]
    fn rejects_unknown_config_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), r#"{"databse": "x"}"#).unwrap();
        let args = CommonArgs {
            data_dir: Some(dir.path().into()),
            ..Default::default()
        };
        assert!(matches!(
            Config::resolve(&args, None),
            Err(Error::Config(_))
        ));
    }
}
