//! The append-only, hash-chained audit log (spec/issuer.md §Audit log).
//!
//! `hash = SHA-256(prev_hash ‖ seq ‖ at ‖ actor ‖ action ‖ subject ‖ detail)` with every text
//! field length-prefixed (u32 BE) and integers as i64 BE; the first entry's `prev_hash` is 32
//! zero bytes. Appends from several replicas are serialised inside the writing transaction
//! (PostgreSQL advisory transaction lock; SQLite's single writer), and `seq` is the primary
//! key, so two appends can never share a predecessor. Details never hold personal data.

use crate::db::rows::AuditRow;
use crate::db::Store;
use crate::error::Result;
use sha2::{Digest, Sha256};

fn chain_hash(prev: &[u8], seq: i64, at: i64, fields: [&str; 4]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.to_be_bytes());
    for f in fields {
        h.update((f.len() as u32).to_be_bytes());
        h.update(f.as_bytes());
    }
    h.finalize().to_vec()
}

/// One entry of [`Chain::append_many`].
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// What (an [`crate::domain::AuditAction`] name).
    pub action: &'a str,
    /// On what.
    pub subject: String,
    /// Detail without personal data.
    pub detail: String,
}

/// Appends within one transaction that hold the chain head in memory after the first read
/// (the append lock is held until commit, so nobody else can move the head meanwhile).
#[derive(Debug, Default, Clone)]
pub struct Chain {
    head: Option<(i64, Vec<u8>)>,
}

impl Chain {
    /// The next (seq, prev_hash); the first call takes the lock and reads the head.
    async fn next<C: Store>(&mut self, conn: &mut C) -> Result<(i64, Vec<u8>)> {
        Ok(match self.head.take() {
            Some((s, h)) => (s + 1, h),
            None => {
                conn.serialize_appends().await?;
                match conn.audit_last().await? {
                    Some((s, h)) => (s + 1, h),
                    None => (1, vec![0u8; 32]),
                }
            }
        })
    }

    /// Append one entry (the first call takes the lock and reads the head).
    pub async fn append<C: Store>(
        &mut self,
        conn: &mut C,
        at: i64,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<()> {
        let (seq, prev) = self.next(conn).await?;
        let hash = chain_hash(&prev, seq, at, [actor, action, subject, detail]);
        let row = AuditRow {
            seq,
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            detail: detail.to_string(),
            prev_hash: prev,
            hash: hash.clone(),
        };
        conn.audit_insert(&row).await?;
        self.head = Some((seq, hash));
        Ok(())
    }

    /// Append several entries, chained in order, with multi-row inserts: the same entries and
    /// hashes as calling [`Chain::append`] for each, in fewer statements.
    pub async fn append_many<C: Store>(
        &mut self,
        conn: &mut C,
        at: i64,
        actor: &str,
        entries: &[Entry<'_>],
    ) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (mut seq, mut prev) = self.next(conn).await?;
        let mut rows = Vec::with_capacity(entries.len());
        for e in entries {
            let hash = chain_hash(&prev, seq, at, [actor, e.action, &e.subject, &e.detail]);
            rows.push(AuditRow {
                seq,
                at,
                actor: actor.to_string(),
                action: e.action.to_string(),
                subject: e.subject.clone(),
                detail: e.detail.clone(),
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            });
            seq += 1;
        }
        conn.audit_insert_many(&rows).await?;
        self.head = Some((seq - 1, prev));
        Ok(())
    }
}

/// Result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry chains.
    Intact {
        /// Entries checked.
        entries: u64,
    },
    /// The first entry whose hash or link is wrong, or a gap in `seq`.
    Broken {
        /// The first bad entry.
        seq: i64,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Walk the whole log and check every link.
pub async fn verify<C: Store>(conn: &mut C) -> Result<Verdict> {
    let mut prev = vec![0u8; 32];
    let mut expected = 1i64;
    let mut count = 0u64;
    loop {
        let rows = conn.audit_range(expected, 1000).await?;
        if rows.is_empty() {
            return Ok(Verdict::Intact { entries: count });
        }
        for r in rows {
            if r.seq != expected {
                return Ok(Verdict::Broken {
                    seq: expected,
                    reason: "missing entry",
                });
            }
            if r.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    reason: "link to previous entry broken",
                });
            }
            let h = chain_hash(
                &prev,
                r.seq,
                r.at,
                [&r.actor, &r.action, &r.subject, &r.detail],
            );
            if h != r.hash {
                return Ok(Verdict::Broken {
                    seq: r.seq,
                    reason: "entry content altered",
                });
            }
            prev = r.hash;
            expected += 1;
            count += 1;
        }
    }
}
