//! The `vaxcert-issuer` command line: one module per subcommand, each a thin shell over the
//! service ([`crate::service::Issuer`]). `main.rs` parses and calls [`run`].

mod audit;
mod facility;
mod import;
mod keys;
mod population;
mod rules;
mod token;

use crate::clock::{Clock, SystemClock};
use crate::config::{CommonArgs, Config};
use crate::error::Result;
use clap::{Parser, Subcommand};
use std::sync::Arc;

/// The audit actor of every CLI operation.
const ACTOR: &str = "cli";

/// vaxcert issuing service and admin tool.
#[derive(Debug, Parser)]
#[command(name = "vaxcert-issuer", version)]
pub struct Cli {
    /// Options every subcommand takes.
    #[command(flatten)]
    pub common: CommonArgs,
    /// The subcommand.
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
    /// Mint an API token (its id is printed first; the bare token is the last line of stdout).
    Token(token::MintArgs),
    /// Revoke an API token by id.
    RevokeToken {
        /// The token id (printed by `token`).
        id: String,
    },
    /// Facility registry.
    Facility {
        /// What to do.
        #[command(subcommand)]
        action: facility::FacilityCmd,
    },
    /// Document signer keys.
    Keys {
        /// What to do.
        #[command(subcommand)]
        action: keys::KeysCmd,
    },
    /// Bulk import (CSV or NDJSON).
    Import(import::ImportArgs),
    /// The national population register table (spec/issuer.md §Identity).
    Population {
        /// What to do.
        #[command(subcommand)]
        action: population::PopulationCmd,
    },
    /// Signed CertLogic rule sets (spec/issuer.md §Rule sets).
    Rules {
        /// What to do.
        #[command(subcommand)]
        action: rules::RulesCmd,
    },
    /// Audit log.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: audit::AuditCmd,
    },
}

/// Run the CLI; returns the process exit code.
pub async fn run(cli: Cli) -> Result<i32> {
    let now = SystemClock.now();
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let cfg = Config::resolve(&cli.common, listen.as_deref())?;
    let issuer = Arc::new(crate::open(&cfg, now).await?);
    let code = match cli.command {
        Command::Serve { .. } => {
            crate::server::serve(issuer.clone(), &cfg.listen, cfg.limits.clone()).await?;
            0
        }
        Command::Token(args) => token::mint(&issuer, &args, now).await?,
        Command::RevokeToken { id } => token::revoke(&issuer, &id, now).await?,
        Command::Facility { action } => facility::run(&issuer, &action, now).await?,
        Command::Keys { action } => keys::run(&issuer, action, now).await?,
        Command::Import(args) => import::run(&issuer, args, now).await?,
        Command::Population { action } => population::run(&issuer, action, now).await?,
        Command::Rules { action } => rules::run(&issuer, action, now).await?,
        Command::Audit { action } => audit::run(&issuer, &action, now).await?,
    };
    issuer.close().await;
    Ok(code)
}
