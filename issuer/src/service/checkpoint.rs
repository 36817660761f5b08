//! Signed audit-log checkpoints (spec/issuer.md §Audit log): the head of the log (sequence,
//! hash) signed with the list signer and stored (`audit_checkpoints`). One is made with every
//! list publication (so at least once per revocation-list re-signature, about daily) and on
//! demand (`audit checkpoint`, `GET /v1/audit/checkpoint`), only when the log moved since the
//! last one. `audit verify --checkpoint FILE` checks the log against a kept one.

use super::Issuer;
use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::db::prelude::*;
use crate::db::rows::CheckpointRow;
use crate::error::Result;
use crate::with_db;
use trust_list::Dsc;

impl Issuer {
    /// The checkpoint of the audit log's current head: the stored one when the log has not
    /// moved since, else a new one, signed and stored.
    pub async fn audit_checkpoint(&self, now: i64) -> Result<CheckpointRow> {
        let (head, latest) = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            (c.audit_last().await?, c.checkpoint_latest().await?)
        });
        let head = head.map_or(0, |(seq, _)| seq);
        if let Some(cp) = latest.filter(|cp| cp.seq >= head) {
            return Ok(cp);
        }
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            tx.serialize_appends().await?;
            let row = self.checkpoint_in(&mut *tx, now).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Inside a write transaction that holds the append lock: the checkpoint of the head,
    /// signed and stored when no stored one covers it. A stored checkpoint above the head
    /// (the log was cut) is returned as it is: the log is never re-certified shorter.
    pub(crate) async fn checkpoint_in<C: Store>(
        &self,
        tx: &mut C,
        now: i64,
    ) -> Result<CheckpointRow> {
        let (seq, head_hash) = tx.audit_last().await?.unwrap_or((0, vec![0u8; 32]));
        if let Some(cp) = tx.checkpoint_latest().await?.filter(|cp| cp.seq >= seq) {
            return Ok(cp);
        }
        let cp = Checkpoint {
            sequence: seq,
            head_hash: head_hash.clone(),
            issued_at: now,
        };
        let signer = self.keys.list_signer.signer()?;
        let signed = cp.sign(
            &signer,
            std::slice::from_ref(&self.keys.list_signer.cert_der),
        )?;
        let row = CheckpointRow {
            seq,
            head_hash,
            issued_at: now,
            signed,
        };
        tx.checkpoint_insert(&row).await?;
        Ok(row)
    }

    /// The latest stored checkpoint, if any.
    pub async fn stored_audit_checkpoint(&self) -> Result<Option<CheckpointRow>> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.checkpoint_latest().await
        })
    }

    /// Check a checkpoint (COSE bytes): signed by the list signer of our anchor, then the log
    /// holds its entry with its hash. The outer error is a database failure; the inner one
    /// says what is wrong with the checkpoint or the log ([`CheckpointError::code`]).
    pub async fn verify_audit_checkpoint(
        &self,
        bytes: &[u8],
    ) -> Result<Result<Checkpoint, CheckpointError>> {
        let anchor = Dsc::from_der(&self.keys.csca_der)?;
        let cp = match Checkpoint::verify(bytes, &anchor) {
            Ok(cp) => cp,
            Err(e) => return Ok(Err(e)),
        };
        let (entry, entries) = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let entry = c
                .audit_range(cp.sequence.max(1), 1)
                .await?
                .into_iter()
                .next();
            (entry, c.audit_last().await?.map_or(0, |(seq, _)| seq))
        });
        let entry = entry.filter(|e| e.seq <= entries && cp.sequence <= entries);
        Ok(cp.check(entry.as_ref(), entries).map(|()| cp))
    }
}
