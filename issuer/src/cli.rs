//! The `vaxcert-issuer` command line (thin: every subcommand calls the library).

use crate::clock::{Clock, SystemClock};
use crate::config::{CommonArgs, Config};
use crate::error::{Error, Result};
use crate::tokens::{self, Role};
use crate::{audit, import, with_db};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use wallet_format::Algorithm;

/// vaxcert issuing service and admin tool.
#[derive(Debug, Parser)]
#[command(name = "vaxcert-issuer", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service.
    Serve {
        /// Listen address (port 0 picks a free port; the bound address is printed).
        #[arg(long, env = "VAXCERT_LISTEN")]
        listen: Option<String>,
    },
    /// Mint an API token (the bare token is the last line of stdout).
    Token {
        #[arg(long)]
        role: String,
        #[arg(long)]
        facility: Option<String>,
        #[arg(long, default_value = "24h")]
        ttl: String,
    },
    /// Revoke an API token by id.
    RevokeToken { id: String },
    /// Facility registry.
    Facility {
        #[command(subcommand)]
        action: FacilityCmd,
    },
    /// Document signer keys.
    Keys {
        #[command(subcommand)]
        action: KeysCmd,
    },
    /// Bulk import (CSV or NDJSON).
    Import {
        file: PathBuf,
        /// Rejects file (default FILE.rejects.ndjson).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Rows per transaction.
        #[arg(long, default_value_t = import::BATCH)]
        batch: usize,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Signed CertLogic rule sets (spec/issuer.md §Rule sets).
    Rules {
        #[command(subcommand)]
        action: RulesCmd,
    },
    /// Audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCmd,
    },
}

#[derive(Debug, Subcommand)]
pub enum FacilityCmd {
    /// Register a facility.
    Add {
        id: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Revoke a facility (its tokens stop working).
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Create a DSC and make it current (same as rotate).
    Create {
        #[arg(long, default_value = "ES256")]
        algorithm: String,
    },
    /// Rotate: new DSC becomes current; older ones stay trusted.
    Rotate {
        #[arg(long, default_value = "ES256")]
        algorithm: String,
    },
    /// List DSCs.
    List,
    /// Write anchor.pem, trust-list.cose, trust-list-dccg.json, revocations.cose,
    /// list-signer.pem, rules-vn-venue.cose and rules-vn-travel.cose into DIR.
    Export { dir: PathBuf },
    /// Key compromise: revoke everything the DSC signed, re-issue current certificates.
    Compromise { kid: String },
}

#[derive(Debug, Subcommand)]
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

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the hash chain.
    Verify,
}

fn alg(name: &str) -> Result<Algorithm> {
    Algorithm::from_name(name).ok_or_else(|| Error::Config(format!("unknown algorithm {name}")))
}

/// Read a rule-set file for signing: bounded in size, UTF-8 (a leading byte-order mark is
/// dropped).
fn read_rule_file(path: &std::path::Path) -> Result<String> {
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

/// Run the CLI; returns the process exit code.
pub async fn run(cli: Cli) -> Result<i32> {
    let now = SystemClock.now();
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let cfg = Config::resolve(&cli.common, listen.as_deref())?;
    let issuer = crate::open(&cfg, now).await?;
    let db = issuer.db.clone();
    let code = match cli.command {
        Command::Serve { .. } => {
            crate::server::serve(Arc::new(issuer), &cfg.listen).await?;
            0
        }
        Command::Token {
            role,
            facility,
            ttl,
        } => {
            let role = Role::from_name(&role).ok_or_else(|| {
                Error::Config("role must be facility, ministry or auditor".into())
            })?;
            let ttl = tokens::parse_ttl(&ttl).ok_or_else(|| Error::Config("bad --ttl".into()))?;
            let t = with_db!(&db, |p| {
                let mut c = p.acquire().await?;
                tokens::mint(
                    &mut *c,
                    &issuer.keys.token_secret,
                    role,
                    facility.as_deref(),
                    ttl,
                    now,
                )
                .await?
            });
            println!("role: {}  expires in {ttl}s", role.name());
            println!("{t}");
            0
        }
        Command::RevokeToken { id } => {
            let ok = with_db!(&db, |p| {
                let mut tx = crate::db::BeginWrite::begin_write(p).await?;
                let ok = crate::db::store::Store::token_revoke(&mut *tx, &id, now).await?;
                audit::append(&mut *tx, now, "cli", "revoke_token", &id, "").await?;
                tx.commit().await?;
                ok
            });
            println!("{}", if ok { "revoked" } else { "no such token" });
            i32::from(!ok)
        }
        Command::Facility { action } => {
            let (id, ok, verb) = with_db!(&db, |p| {
                let mut tx = crate::db::BeginWrite::begin_write(p).await?;
                let r = match &action {
                    FacilityCmd::Add { id, name } => {
                        let ok = crate::db::store::Store::facility_insert(
                            &mut *tx,
                            id,
                            name.as_deref().unwrap_or(id),
                            now,
                        )
                        .await?;
                        audit::append(&mut *tx, now, "cli", "facility_add", id, "").await?;
                        (id.clone(), ok, "added")
                    }
                    FacilityCmd::Revoke { id } => {
                        let ok =
                            crate::db::store::Store::facility_revoke(&mut *tx, id, now).await?;
                        audit::append(&mut *tx, now, "cli", "facility_revoke", id, "").await?;
                        (id.clone(), ok, "revoked")
                    }
                };
                tx.commit().await?;
                r
            });
            println!(
                "facility {id}: {}",
                if ok {
                    verb
                } else {
                    "unchanged (exists or unknown)"
                }
            );
            0
        }
        Command::Keys { action } => match action {
            KeysCmd::Create { algorithm } | KeysCmd::Rotate { algorithm } => {
                let a = alg(&algorithm)?;
                let kid = issuer
                    .keys
                    .rotate(&db, a, &issuer.settings.country, now)
                    .await?;
                with_db!(&db, |p| {
                    let mut tx = crate::db::BeginWrite::begin_write(p).await?;
                    audit::append(&mut *tx, now, "cli", "rotate", &kid, a.name()).await?;
                    tx.commit().await?;
                });
                println!("current DSC: {kid} ({})", a.name());
                0
            }
            KeysCmd::List => {
                for d in issuer.keys.list(&db).await? {
                    println!(
                        "{}  {:6}  {:11}  created {}",
                        d.kid, d.algorithm, d.state, d.created_at
                    );
                }
                0
            }
            KeysCmd::Export { dir } => {
                for name in issuer.export(&dir, now).await? {
                    println!("{}", dir.join(name).display());
                }
                0
            }
            KeysCmd::Compromise { kid } => {
                let (revoked, reissued) = issuer.revoke_all_of_dsc(&kid, "cli", now).await?;
                println!("revoked {revoked} certificates, re-issued {reissued}");
                0
            }
        },
        Command::Import {
            file,
            rejects,
            batch,
            quiet,
        } => {
            let mut opts = import::Options::for_file(&file);
            if let Some(r) = rejects {
                opts.rejects = r;
            }
            opts.batch = batch.max(1);
            opts.progress = !quiet;
            let start = std::time::Instant::now();
            let s = import::run(&issuer, &file, &opts, now).await?;
            let secs = start.elapsed().as_secs_f64();
            println!(
                "rows {}  issued {}  already present {}  rejected {} (see {})  {:.0} rows/s",
                s.rows,
                s.issued,
                s.already_present,
                s.rejected,
                opts.rejects.display(),
                s.rows as f64 / secs.max(1e-9)
            );
            0
        }
        Command::Rules {
            action:
                RulesCmd::Sign {
                    file,
                    name,
                    out,
                    valid_for,
                },
        } => {
            let valid_for = tokens::parse_ttl(&valid_for)
                .ok_or_else(|| Error::Config("bad --valid-for (e.g. 30d, 12h)".into()))?;
            let text = read_rule_file(&file)?;
            let set = issuer
                .sign_rule_set(&name, &text, valid_for, "cli", now)
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
            0
        }
        Command::Audit {
            action: AuditCmd::Verify,
        } => {
            let v = with_db!(&db, |p| {
                let mut c = p.acquire().await?;
                audit::verify(&mut *c).await?
            });
            match v {
                audit::Verdict::Intact { entries } => {
                    println!("audit log intact: {entries} entries");
                    0
                }
                audit::Verdict::Broken { seq, reason } => {
                    println!("audit log BROKEN at entry {seq}: {reason}");
                    1
                }
            }
        }
    };
    db.close().await;
    Ok(code)
}
