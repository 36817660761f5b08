//! What `/metrics` says about data and publications (spec/issuer.md §Metrics, #12 item 13).
//! Counts are read from the database at scrape time, so every replica of one database reports
//! the same numbers (in-process counters would each see only their own share). The expiry of
//! each published list is read through the publishing functions themselves, so it is the
//! expiry of what a `GET` publishes now, however publication is stored.

use super::Issuer;
use crate::db::stats::{Stats, ISSUE_KINDS};
use crate::db::Db;
use crate::db::{AuditLog, RuleSets};
use crate::domain::CertState;
use crate::error::Result;
use crate::with_db;

/// Counts of data, from one consistent snapshot of the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataCounts {
    /// Certificates stored, per state (every state, zero included).
    pub certificates: Vec<(CertState, i64)>,
    /// Certificates issued, per how: `single` (`POST /v1/vaccinations`), `import` (the bulk
    /// importer), `other` (any other caller of the batch path), each from its `issue` audit
    /// entry; `reissue`: every other certificate (corrections and key compromise replace a
    /// certificate without an `issue` entry).
    pub issued: Vec<(&'static str, i64)>,
    /// Persons known.
    pub persons: i64,
    /// Certificates revoked (each once, however often it was revoked).
    pub revoked: i64,
    /// Holder guards currently delaying attempts (`service::guard`).
    pub delayed_guards: i64,
}

/// Audit entries counted per statement while a replica catches up (about 0.1 s on
/// PostgreSQL, 0.4 s on SQLite, on the shared 2-core machine).
pub const TALLY_CHUNK: i64 = 200_000;

/// One replica's running count of `issue` audit entries: a cursor into the append-only audit
/// log, so that a scrape reads only the entries appended since the last one. Safe because
/// entries become visible in `seq` order (appends hold the append lock until commit). A
/// database whose log ends before the cursor (a restore) is counted again from the start.
#[derive(Debug, Default)]
pub struct IssueTally(tokio::sync::Mutex<TallyState>);

#[derive(Debug, Default)]
struct TallyState {
    through: i64,
    counts: [i64; ISSUE_KINDS.len()],
}

/// Expiry (unix seconds) of what is published now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListExpiries {
    /// The signed trust list.
    pub trust_list: i64,
    /// The signed full revocation list.
    pub revocation_list: i64,
    /// The latest stored publication of each rule set: (name, expiry).
    pub rule_sets: Vec<(String, i64)>,
}

/// The statement that opens a read snapshot: SQLite's deferred transaction is one snapshot
/// in WAL mode; PostgreSQL needs `REPEATABLE READ` (its default gives each statement its own).
fn begin_snapshot(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "BEGIN",
        Db::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    }
}

impl Issuer {
    /// Count the data (one read-only snapshot; see `db::stats` for each statement's cost).
    pub async fn data_counts(&self, tally: &IssueTally, now: i64) -> Result<DataCounts> {
        let mut t = tally.0.lock().await;
        let begin = begin_snapshot(&self.db);
        let (by_state, persons, revoked, delayed_guards) = with_db!(&self.db, |p| {
            let mut tx = p.begin_with(begin).await?;
            let head = tx.audit_last().await?.map_or(0, |(seq, _)| seq);
            if head < t.through {
                *t = TallyState::default();
            }
            // In chunks, each kept as soon as it is counted: a replica's first scrape of a
            // long log may run out of time, and the next one goes on from there.
            while t.through < head {
                let upto = head.min(t.through.saturating_add(TALLY_CHUNK));
                for (kind, n) in tx.count_issues_between(t.through, upto).await? {
                    if let Some(i) = ISSUE_KINDS.iter().position(|k| *k == kind) {
                        t.counts[i] += n;
                    }
                }
                t.through = upto;
            }
            let counts = (
                tx.count_certificates_by_state().await?,
                tx.count_persons().await?,
                tx.count_revocations().await?,
                tx.count_delayed_guards(now).await?,
            );
            tx.rollback().await?;
            counts
        });
        let mut certificates: Vec<(CertState, i64)> =
            CertState::ALL.iter().map(|s| (*s, 0)).collect();
        for (state, n) in by_state {
            let state: CertState = state.parse()?;
            if let Some(slot) = certificates.iter_mut().find(|(s, _)| *s == state) {
                slot.1 = n;
            }
        }
        let total: i64 = certificates.iter().map(|(_, n)| n).sum();
        let mut issued: Vec<(&'static str, i64)> =
            ISSUE_KINDS.iter().copied().zip(t.counts).collect();
        issued.push(("reissue", total - t.counts.iter().sum::<i64>()));
        Ok(DataCounts {
            certificates,
            issued,
            persons,
            revoked,
            delayed_guards,
        })
    }

    /// The expiry of the trust list and the full revocation list a `GET` serves at `now`
    /// (the stored publications, `service::lists`; a scrape publishes only when a `GET`
    /// would, so the first scrape after a change costs one signing), and of the latest stored
    /// publication of each rule set.
    pub async fn published_expiries(&self, now: i64) -> Result<ListExpiries> {
        let trust_list = self.published_trust_list(now * 1000).await?.valid_until;
        let revocation_list = self
            .published_revocation_list(now * 1000)
            .await?
            .valid_until;
        let rule_sets = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let mut out = Vec::new();
            for name in c.rule_set_names().await? {
                if let Some(row) = c.rule_set_latest(&name).await? {
                    out.push((name, row.valid_until));
                }
            }
            out
        });
        Ok(ListExpiries {
            trust_list,
            revocation_list,
            rule_sets,
        })
    }
}
