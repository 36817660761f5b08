//! The issuing service (spec/issuer.md §Flows): one module per use case, each an `impl`
//! block of [`Issuer`]. Every write is one database transaction that also appends to the
//! audit log, run through a [`context::TxCtx`] (signer, audit chain, actor, clock). The HTTP
//! handlers, the CLI and the bulk importer call [`Issuer`]'s methods; none of them runs SQL.
//!
//! | module | use case |
//! |---|---|
//! | [`single`] | issue one dose (`POST /v1/vaccinations`), with group commit |
//! | [`batch`] | issue many doses in one transaction (import) |
//! | [`identify`] | who a submission is about: stored person, register, or held for review |
//! | [`correct`] | correct a dose or the person behind a record |
//! | [`review`] | the review queue: list, read, approve, reject held submissions |
//! | [`mend`] | ministry repairs: merge persons, move or void a dose, undo, confirm |
//! | [`retrieval_code`] | a new retrieval code for a record's person |
//! | [`person_view`] | a person and their records, for the ministry |
//! | [`population`] | loading the population register table |
//! | [`revoke`] | revoke a certificate; revoke everything of a compromised DSC |
//! | [`holder`] | certificate reads and holder retrieval |
//! | [`admin`] | tokens, facilities, key rotation, audit verification |
//! | [`lists`] | trust list and revocation list publications (stored, sequenced) |
//! | [`checkpoint`] | signed audit-log checkpoints |
//! | [`publish`] | gateway JSON, rule sets, anchor, export |
//! | [`sign`] | certificate signing (pure CPU) and UVCI generation |
//! | [`stats`] | data counts and list expiries for `/metrics` |

pub mod admin;
pub mod batch;
pub mod checkpoint;
pub mod context;
pub mod correct;
pub mod guard;
pub mod holder;
pub mod identify;
pub mod lists;
pub mod mend;
pub mod person_view;
pub mod population;
pub mod portal;
pub mod publish;
pub mod retrieval_code;
pub mod review;
pub mod revoke;
pub mod sign;
pub mod single;
pub mod stats;
pub mod views;

use crate::db::Db;
use crate::error::Result;
use crate::group_commit::{GroupCommit, GroupStats};
use crate::ident::Ident;
use crate::identity::register::{DbRegister, PopulationRegister};
use crate::keys::Keys;
use std::sync::Arc;

pub use batch::PreparedBatch;
pub use views::{CertView, IssueOutcome};

/// Issuer settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Issuing country (UVCI and `co` default), `VN`.
    pub country: String,
    /// The `is` field of the certificate.
    pub issuer_name: String,
    /// Certificate validity from issuance, in days.
    pub validity_days: i64,
    /// Concurrent single issuances share one transaction (group commit); off: one
    /// transaction (and one fsync) per issuance.
    pub group_commit: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            country: "VN".into(),
            issuer_name: wallet_format::profile::ISSUER_TEXT.into(),
            validity_days: 365,
            group_commit: true,
        }
    }
}

/// The issuing service.
pub struct Issuer {
    db: Db,
    keys: Arc<Keys>,
    ident: Ident,
    settings: Settings,
    /// Where reference identities come from.
    register: Arc<dyn PopulationRegister>,
    /// Single issuances waiting to share a transaction.
    group: GroupCommit<single::PendingIssue, Result<Option<IssueOutcome>>>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("db", &self.db.backend())
            .finish()
    }
}

impl Issuer {
    /// Build from parts; reference identities come from the `population` table of `db`
    /// ([`Issuer::with_register`] changes that).
    pub fn new(db: Db, keys: Arc<Keys>, settings: Settings) -> Issuer {
        let ident = Ident::new(&keys.person_secret);
        Issuer {
            register: Arc::new(DbRegister::new(db.clone())),
            db,
            keys,
            ident,
            settings,
            group: GroupCommit::default(),
        }
    }

    /// The same issuer consulting `register` for reference identities.
    pub fn with_register(mut self, register: Arc<dyn PopulationRegister>) -> Issuer {
        self.register = register;
        self
    }

    /// The hash persons and the population table are keyed by, for a document submitted by
    /// `facility_id` (`population import` uses it).
    pub fn document_hash(&self, doc: &crate::identity::Document, facility_id: &str) -> Vec<u8> {
        self.ident.document_hash(doc, facility_id)
    }

    /// The database (operations tooling and tests read it directly).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The loaded keys.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Group-commit counters of the single-issuance path (metrics: average group size).
    pub fn group_commit_stats(&self) -> GroupStats {
        self.group.stats()
    }

    /// Readiness: the database answers and a signing key is available.
    pub async fn ready(&self) -> Result<()> {
        self.db.ping().await?;
        self.keys.current_signer(&self.db).await?;
        Ok(())
    }

    /// Close the database pool (graceful shutdown).
    pub async fn close(&self) {
        self.db.close().await;
    }
}
