//! Configuration (spec/issuer.md §Configuration): command-line flags beat environment
//! variables (`VAXCERT_*`, handled by clap) beat the JSON config file
//! (`--config`, default `<data-dir>/config.json` when present) beat defaults.

use crate::error::{Error, Result};
use crate::service::Settings;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// Database URL.
    pub database: Option<String>,
    /// Keys directory (production: set, and keys are never generated).
    pub keys_dir: Option<PathBuf>,
    /// Listen address of `serve`.
    pub listen: Option<String>,
    /// Issuing country (default `VN`).
    pub country: Option<String>,
    /// The certificate's `is` field.
    pub issuer_name: Option<String>,
    /// Certificate validity in days (1..=3650).
    pub validity_days: Option<i64>,
    /// Share one transaction among concurrent single issuances (default true).
    pub group_commit: Option<bool>,
    /// HTTP limits (`"limits": {…}`).
    pub limits: Option<LimitsFile>,
    /// Where reference identities come from (`"identity": {…}`; default: the `population`
    /// table).
    pub identity: Option<IdentityFile>,
}

/// The `identity` section of the config file: an external population register
/// (spec/issuer.md §Identity "External register").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityFile {
    /// `https://…` of the register's look-up endpoint.
    pub register_url: String,
    /// The document kinds it covers (default `["national_id"]`).
    pub register_covers: Option<Vec<String>>,
    /// Time one look-up may take, in milliseconds (default 3 000).
    pub register_timeout_ms: Option<u64>,
}

/// An external population register, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRegister {
    /// Its URL.
    pub url: String,
    /// The kinds it covers.
    pub covers: Vec<crate::domain::DocumentKind>,
    /// Per look-up timeout.
    pub timeout: Duration,
}

impl ExternalRegister {
    fn from_file(f: IdentityFile) -> Result<ExternalRegister> {
        let covers = f
            .register_covers
            .unwrap_or_else(|| vec!["national_id".into()])
            .iter()
            .map(|k| {
                k.parse().map_err(|_| {
                    Error::Config(format!("identity.register_covers: unknown kind {k:?}"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let ms = f.register_timeout_ms.unwrap_or(3000);
        if !(1..=60_000).contains(&ms) {
            return Err(Error::Config(
                "identity.register_timeout_ms must be 1..=60000".into(),
            ));
        }
        Ok(ExternalRegister {
            url: f.register_url,
            covers,
            timeout: Duration::from_millis(ms),
        })
    }
}

/// The `limits` section of the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// Time a client has to send a request's headers, in milliseconds (default 10 000).
    pub header_read_timeout_ms: Option<u64>,
    /// Time a request may take end to end, in milliseconds (default 30 000).
    pub request_timeout_ms: Option<u64>,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR networks; default none).
    pub trusted_proxies: Option<Vec<String>>,
    /// Holder look-ups per client network per minute (default 120: loose enough for
    /// carrier-grade NAT).
    pub holder_requests_per_minute: Option<u32>,
    /// Mark the portal's cookies `Secure` (default false: set it true behind HTTPS, which every
    /// deployment but a developer's machine is; spec/portal.md §Session).
    pub secure_cookies: Option<bool>,
}

/// HTTP limits of `serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// Time a client has to send a request's headers (slow-loris defence).
    pub header_read_timeout: Duration,
    /// Time a request may take end to end (`408 REQUEST_TIMEOUT` after it).
    pub request_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Holder look-ups per client network per minute.
    pub holder_requests_per_minute: u32,
    /// The portal's session and CSRF cookies carry `Secure`.
    pub secure_cookies: bool,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            holder_requests_per_minute: 120,
            secure_cookies: false,
        }
    }
}

/// `10.0.0.0/8`, `192.0.2.7` (one address) or an IPv6 network.
fn parse_network(text: &str) -> Result<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            Error::Config(format!(
                "limits.trusted_proxies: {text:?} is not an address or network"
            ))
        })
}

impl HttpLimits {
    fn from_file(f: Option<LimitsFile>) -> Result<HttpLimits> {
        let f = f.unwrap_or_default();
        let d = HttpLimits::default();
        let ms = |v: Option<u64>, default: Duration, name: &str| match v {
            None => Ok(default),
            Some(n) if (1..=600_000).contains(&n) => Ok(Duration::from_millis(n)),
            Some(_) => Err(Error::Config(format!("limits.{name} must be 1..=600000"))),
        };
        Ok(HttpLimits {
            header_read_timeout: ms(
                f.header_read_timeout_ms,
                d.header_read_timeout,
                "header_read_timeout_ms",
            )?,
            request_timeout: ms(
                f.request_timeout_ms,
                d.request_timeout,
                "request_timeout_ms",
            )?,
            trusted_proxies: f
                .trusted_proxies
                .unwrap_or_default()
                .iter()
                .map(|p| parse_network(p))
                .collect::<Result<_>>()?,
            holder_requests_per_minute: match f.holder_requests_per_minute {
                None => d.holder_requests_per_minute,
                Some(n) if (1..=1_000_000).contains(&n) => n,
                Some(_) => {
                    return Err(Error::Config(
                        "limits.holder_requests_per_minute must be 1..=1000000".into(),
                    ))
                }
            },
            secure_cookies: f.secure_cookies.unwrap_or(d.secure_cookies),
        })
    }
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL.
    pub database: String,
    /// Keys directory.
    pub keys_dir: PathBuf,
    /// Keys were configured explicitly: never generate them.
    pub production_keys: bool,
    /// Listen address of `serve`.
    pub listen: String,
    /// Certificate settings.
    pub settings: Settings,
    /// HTTP limits.
    pub limits: HttpLimits,
    /// An external population register (none: the `population` table).
    pub register: Option<ExternalRegister>,
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
        let limits = HttpLimits::from_file(file.limits)?;
        let register = file.identity.map(ExternalRegister::from_file).transpose()?;
        Ok(Config {
            limits,
            register,
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
    fn the_limits_section_is_read_and_as_strict_as_the_top_level() {
        let dir = tempfile::tempdir().unwrap();
        let args = CommonArgs {
            data_dir: Some(dir.path().into()),
            ..Default::default()
        };
        let write = |text: &str| std::fs::write(dir.path().join("config.json"), text).unwrap();
        write(r#"{"limits": {"header_read_timeout_ms": 500}}"#);
        let c = Config::resolve(&args, None).unwrap();
        assert_eq!(c.limits.header_read_timeout, Duration::from_millis(500));
        assert_eq!(
            c.limits.request_timeout,
            HttpLimits::default().request_timeout
        );
        write(r#"{"limits": {"header_timeout": 500}}"#);
        assert!(Config::resolve(&args, None).is_err());
        write(r#"{"limits": {"request_timeout_ms": 0}}"#);
        assert!(Config::resolve(&args, None).is_err());
        write(r#"{"limits": {"trusted_proxies": ["10.0.0.0/8", "192.0.2.7"]}}"#);
        let c = Config::resolve(&args, None).unwrap();
        assert_eq!(c.limits.trusted_proxies.len(), 2);
        write(r#"{"limits": {"trusted_proxies": ["everyone"]}}"#);
        assert!(Config::resolve(&args, None).is_err());
    }

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
