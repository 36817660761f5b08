//! The database layer: one enum over a SQLite pool and a PostgreSQL pool, with the same SQL
//! text for both (placeholders `$1..$n` work in both; types are TEXT, BIGINT and bytes only).
//! [`crate::with_db!`] runs one block of code against whichever pool is configured.
//!
//! Every SQL statement of the issuer lives in this module, one file per table, each a trait
//! implemented for `SqliteConnection` and `PgConnection`; [`Store`] is all of them together,
//! which is what the service code inside a transaction is generic over. Row types and their
//! typed states are in [`rows`].
//!
//! Migrations live in `issuer/migrations/{sqlite,postgres}` and are kept equivalent
//! (spec/issuer.md §Data model). New migrations are named by UTC timestamp
//! (`20261202120000_name.sql`) so that parallel work never collides on a number.

pub mod attempt_guards;
pub mod audit_checkpoints;
pub mod audit_log;
pub mod certificates;
pub mod doses;
pub mod dscs;
pub mod facilities;
pub mod mends;
pub mod persons;
pub mod population;
pub mod portal_sessions;
pub mod publications;
pub mod review_cases;
pub mod revocations;
pub mod rows;
pub mod rule_sets;
pub mod stats;
pub mod tokens;

pub use attempt_guards::AttemptGuards;
pub use audit_checkpoints::AuditCheckpoints;
pub use audit_log::AuditLog;
pub use certificates::Certificates;
pub use doses::Doses;
pub use dscs::Dscs;
pub use facilities::Facilities;
pub use mends::Mends;
pub use persons::Persons;
pub use population::Population;
pub use portal_sessions::PortalSessions;
pub use publications::Publications;
pub use review_cases::ReviewCases;
pub use revocations::{RevocationHead, Revocations};
pub use rule_sets::RuleSets;
pub use stats::Stats;
pub use tokens::Tokens;

use crate::error::{Error, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// SQLite pool size: one writer at a time plus readers beside it.
pub const SQLITE_CONNECTIONS: u32 = 4;

/// The configured database.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite file (development, single node). A few connections: WAL lets reads
    /// (token checks, idempotency look-ups) run while a group commit writes. Every write
    /// transaction starts with `BEGIN IMMEDIATE` (`BeginWrite`), so no read transaction is
    /// ever upgraded (the busy-upgrade failure); writers queue on `busy_timeout`.
    Sqlite(SqlitePool),
    /// PostgreSQL (production, several replicas).
    Postgres(PgPool),
}

/// Run `$body` with `$pool` bound to the concrete pool of `$db` (same SQL for both).
#[macro_export]
macro_rules! with_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// Connect to `url` (`sqlite:PATH` / `sqlite://PATH` or `postgres://…`) and run migrations.
    pub async fn connect(url: &str) -> Result<Db> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Db::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: an acknowledged issuance survives a power loss, not only a process crash
                // (WAL + NORMAL may lose the last commits). Batched writes (import) pay one fsync
                // per 1 000-row transaction, so the cost there is small.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            let pool = SqlitePoolOptions::new()
                .max_connections(SQLITE_CONNECTIONS)
                .acquire_timeout(Duration::from_secs(60))
                .after_release(|conn, _| Box::pin(sqlite_reusable(conn)))
                .connect_with(opts)
                .await?;
            Db::Sqlite(pool)
        } else {
            return Err(Error::Config(
                "database url must start with sqlite: or postgres://".into(),
            ));
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Apply the migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A cheap round trip (readiness).
    pub async fn ping(&self) -> Result<()> {
        with_db!(self, |p| {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    /// Close the pool (graceful shutdown).
    pub async fn close(&self) {
        with_db!(self, |p| p.close().await)
    }
}

/// Whether a SQLite connection coming back to the pool may serve again: not when sqlx still
/// counts it inside a transaction. After `SQLITE_FULL` (a full disk) or an I/O error SQLite may
/// roll a transaction back by itself; the `ROLLBACK` sqlx then sends on the dropped
/// transaction fails ("no transaction is active"), its transaction depth stays at 1, and every
/// later `BEGIN IMMEDIATE` on that connection is refused (`InvalidSavePointStatement`) — so
/// writes kept failing after space returned until a restart (`issuer/tests/fault_disk.rs`).
/// Such a connection is closed instead and the pool opens a fresh one. The ping first lets the
/// connection's worker finish the rollback queued by the dropped transaction.
async fn sqlite_reusable(
    conn: &mut sqlx::SqliteConnection,
) -> std::result::Result<bool, sqlx::Error> {
    use sqlx::Connection;
    conn.ping().await?;
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!(
            "closing a SQLite connection left inside a transaction (after a failed rollback)"
        );
    }
    Ok(clean)
}

/// The file of a `sqlite:` URL (`sqlite://PATH`, `sqlite:PATH`, options after `?` dropped);
/// `None` for PostgreSQL and in-memory databases.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Whether an error is a unique-constraint violation (used for retry on concurrent appends).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.is_unique_violation(),
        _ => false,
    }
}

/// Begin a write transaction. SQLite: `BEGIN IMMEDIATE`, so a transaction that reads before it
/// writes takes the write lock up front and waits (busy timeout) instead of failing when another
/// process (a second replica, an import next to `serve`) wrote in between. PostgreSQL: `BEGIN`.
pub trait BeginWrite {
    /// The database.
    type Database: sqlx::Database;
    /// Begin.
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Database>>> + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    /// Takes the append lock first (as SQLite's `BEGIN IMMEDIATE` takes the write lock): a
    /// writer that held it while waiting for another writer's uncommitted row, which in turn
    /// waits for the lock, would deadlock (two replicas group-committing the same record ids).
    /// With every writer queueing here first, no lock holder ever waits for a row of a
    /// transaction that does not hold it.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.begin().await?;
        sqlx::query(PG_APPEND_LOCK).execute(&mut *tx).await?;
        Ok(tx)
    }
}

/// One advisory lock serialises writers and audit/revocation appends across replicas (held
/// to commit; taken first by `BeginWrite` for PostgreSQL).
pub const PG_APPEND_LOCK: &str = "SELECT pg_advisory_xact_lock(738201)";

/// The global append lock inside a transaction: audit entries, revocations and list sequences
/// are appended in one order across replicas. PostgreSQL: the advisory lock (a no-op when
/// `BeginWrite` took it already); SQLite: nothing, `BEGIN IMMEDIATE` holds the write lock.
pub trait AppendLock: Send {
    /// Take the lock (held until the transaction ends).
    fn serialize_appends(&mut self) -> impl std::future::Future<Output = Result<()>> + Send;
}

impl AppendLock for sqlx::SqliteConnection {
    async fn serialize_appends(&mut self) -> Result<()> {
        Ok(())
    }
}

impl AppendLock for sqlx::PgConnection {
    async fn serialize_appends(&mut self) -> Result<()> {
        sqlx::query(PG_APPEND_LOCK).execute(&mut *self).await?;
        Ok(())
    }
}

/// Every table's statements on one connection: what the service code running inside a
/// transaction is generic over.
pub trait Store:
    AppendLock
    + AttemptGuards
    + AuditCheckpoints
    + AuditLog
    + Certificates
    + Doses
    + Dscs
    + Facilities
    + Mends
    + Persons
    + Population
    + ReviewCases
    + Publications
    + RevocationHead
    + Revocations
    + RuleSets
    + Tokens
{
}

impl<T> Store for T where
    T: AppendLock
        + AttemptGuards
        + AuditCheckpoints
        + AuditLog
        + Certificates
        + Doses
        + Dscs
        + Facilities
        + Mends
        + Persons
        + Population
        + ReviewCases
        + Publications
        + RevocationHead
        + Revocations
        + RuleSets
        + Tokens
{
}

/// Every statement trait, for code that calls them on a concrete connection or transaction
/// (`use crate::db::prelude::*`).
pub mod prelude {
    pub use super::{
        AppendLock, AttemptGuards, AuditCheckpoints, AuditLog, BeginWrite, Certificates, Doses,
        Dscs, Facilities, Mends, Persons, Population, Publications, ReviewCases, RevocationHead,
        Revocations, RuleSets, Store, Tokens,
    };
}
