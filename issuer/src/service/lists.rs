//! Publication of the signed trust list and revocation list (spec/issuer.md §Publication).
//!
//! Each publication is stored (`publications`), so a GET is a plain read of the latest one.
//! A list gets a new sequence only when its content changes (the SHA-256 of its payload with
//! sequence, `issued_at` and `valid_until` left out): `max(previous + 1, unix milliseconds)`,
//! unique per kind. It therefore stays above the second-based sequences of earlier versions
//! and above anything published before a database restore, and two changes within one second
//! still get two sequences. The same content is re-signed under the same sequence only to
//! extend its expiry, once half its validity has passed. Every publication is written in one
//! transaction holding the append lock, with an audit entry (`list_publish`) and a signed audit
//! checkpoint of the log's new head (`crate::checkpoint`).
//!
//! The content is read inside that transaction, so a replica with a stale view can never
//! publish old content under a new sequence. Revocations are append-only, so a revocation
//! publication records the highest `revocations.seq` it holds (`covers`): the GET compares
//! that with the table's head instead of re-reading every revocation.

use super::context::TxCtx;
use super::Issuer;
use crate::db::prelude::*;
use crate::db::rows::{PublicationRow, RevocationRow};
use crate::domain::{AuditAction, DscState, ListKind};
use crate::error::{Error, Result};
use crate::with_db;
use sha2::{Digest, Sha256};
use trust_list::list::{TrustList, TrustListEntry};
use trust_list::revocation::{revocation_hashes, RevocationDelta, RevocationList};
use trust_list::{Dsc, HashType};
use wallet_format::{Algorithm, Kid};

/// A signed trust list is valid for this long (verifiers refresh daily).
pub const TRUST_LIST_VALIDITY: i64 = 7 * 86_400;
/// A signed revocation list is valid for this long.
pub const REVOCATION_VALIDITY: i64 = 2 * 86_400;
/// How often a publication is retried when another replica took the same sequence.
const PUBLISH_ATTEMPTS: usize = 5;

/// A list's content, before it gets a sequence and times.
enum Content {
    /// The trust list (sequence and times 0).
    Trust(TrustList),
    /// The full revocation list (sequence and times 0) and the highest revocation it holds.
    Revocations(RevocationList, i64),
}

impl Content {
    fn kind(&self) -> ListKind {
        match self {
            Content::Trust(_) => ListKind::TrustList,
            Content::Revocations(..) => ListKind::Revocations,
        }
    }

    fn covers(&self) -> i64 {
        match self {
            Content::Trust(_) => 0,
            Content::Revocations(_, covers) => *covers,
        }
    }

    /// SHA-256 of the payload with sequence and times 0.
    fn hash(&self) -> Result<Vec<u8>> {
        let cbor = match self {
            Content::Trust(l) => l.to_cbor()?,
            Content::Revocations(l, _) => l.to_cbor()?,
        };
        Ok(Sha256::digest(&cbor).to_vec())
    }

    /// Sign under `sequence` with these times.
    fn sign(&mut self, issuer: &Issuer, sequence: i64, issued_at: i64) -> Result<(i64, Vec<u8>)> {
        let signer = issuer.keys.list_signer.signer()?;
        let chain = [issuer.keys.list_signer.cert_der.clone()];
        let seq =
            u64::try_from(sequence).map_err(|_| Error::Internal("negative sequence".into()))?;
        Ok(match self {
            Content::Trust(l) => {
                (l.sequence, l.issued_at) = (seq, issued_at);
                l.valid_until = issued_at.saturating_add(TRUST_LIST_VALIDITY);
                (l.valid_until, l.sign(&signer, &chain)?)
            }
            Content::Revocations(l, _) => {
                (l.sequence, l.issued_at) = (seq, issued_at);
                l.valid_until = issued_at.saturating_add(REVOCATION_VALIDITY);
                (l.valid_until, l.sign(&signer, &chain)?)
            }
        })
    }
}

/// Whether a publication should be re-signed: half its validity has passed.
fn aging(p: &PublicationRow, now: i64) -> bool {
    now >= p
        .issued_at
        .saturating_add(p.valid_until.saturating_sub(p.issued_at) / 2)
}

/// Seconds of a millisecond time.
fn secs(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000)
}

impl Issuer {
    /// DSCs that verifiers should trust (not compromised).
    pub async fn trusted_dscs(&self) -> Result<Vec<Dsc>> {
        let rows = self.keys.list(&self.db).await?;
        trusted(&rows)
    }

    /// The published trust list (COSE bytes): the stored publication, or a new one when the
    /// DSCs changed or the stored one is past half its validity. `now_ms`: unix milliseconds.
    pub async fn published_trust_list(&self, now_ms: i64) -> Result<PublicationRow> {
        let (latest, content) = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let latest = c.publication_latest(ListKind::TrustList).await?;
            let content = self.trust_content(&mut *c).await?;
            (latest, content)
        });
        if let Some(l) = latest {
            if l.content_hash == content.hash()? && !aging(&l, secs(now_ms)) {
                return Ok(l);
            }
        }
        self.publish(ListKind::TrustList, now_ms).await
    }

    /// The published full revocation list: the stored publication, or a new one when a
    /// revocation was added or the stored one is past half its validity.
    pub async fn published_revocation_list(&self, now_ms: i64) -> Result<PublicationRow> {
        let (latest, head) = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let latest = c.publication_latest(ListKind::Revocations).await?;
            (latest, c.revocation_head().await?)
        });
        if let Some(l) = latest {
            if l.covers == head && !aging(&l, secs(now_ms)) {
                return Ok(l);
            }
        }
        self.publish(ListKind::Revocations, now_ms).await
    }

    /// The signed revocation list: the full list when `since` is `None` or not a sequence we
    /// published (a verifier holding an unknown base needs the full list), else a delta from
    /// the publication `since` to the latest one (base `since`, sequence the latest's). A
    /// `since` above the latest published sequence is refused.
    pub async fn published_revocations(&self, since: Option<i64>, now_ms: i64) -> Result<Vec<u8>> {
        let full = self.published_revocation_list(now_ms).await?;
        let Some(since) = since else {
            return Ok(full.signed);
        };
        // A delta from beyond what was ever published would carry a sequence no genuine list
        // reaches again: a verifier given it would refuse every real list as a rollback.
        if since > full.sequence {
            return Err(Error::field(
                "since",
                "is beyond the latest published revocation sequence",
            ));
        }
        let (base, rows) = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            match c.publication_get(ListKind::Revocations, since).await? {
                None => (None, Vec::new()),
                Some(b) => {
                    let rows = c.revocations_since(b.covers).await?;
                    (Some(b), rows)
                }
            }
        });
        let Some(base) = base else {
            return Ok(full.signed);
        };
        let validity = self.settings.validity_days * 86_400;
        let rows: Vec<_> = rows.into_iter().filter(|r| r.seq <= full.covers).collect();
        let added = revocation_list(&rows, validity).groups().cloned().collect();
        let delta = RevocationDelta {
            base_sequence: u64::try_from(base.sequence).unwrap_or(0),
            sequence: u64::try_from(full.sequence).unwrap_or(0),
            issued_at: full.issued_at,
            valid_until: full.valid_until,
            added,
            removed: Vec::new(),
        };
        let signer = self.keys.list_signer.signer()?;
        Ok(delta.sign(
            &signer,
            std::slice::from_ref(&self.keys.list_signer.cert_der),
        )?)
    }

    /// Publish the current content of `kind` (a new sequence when it changed, a re-signature
    /// when the latest is aging, else the latest as it is); a sequence taken by another
    /// replica at the same moment (unique violation) is retried.
    async fn publish(&self, kind: ListKind, now_ms: i64) -> Result<PublicationRow> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_publish(kind, now_ms).await {
                Err(Error::Database(e))
                    if crate::db::is_unique_violation(&e) && attempt < PUBLISH_ATTEMPTS =>
                {
                    continue
                }
                other => return other,
            }
        }
    }

    async fn try_publish(&self, kind: ListKind, now_ms: i64) -> Result<PublicationRow> {
        let now = secs(now_ms);
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            // Content and latest are read under the append lock: replicas queue here.
            tx.serialize_appends().await?;
            let latest = tx.publication_latest(kind).await?;
            let mut content = match kind {
                ListKind::TrustList => self.trust_content(&mut *tx).await?,
                ListKind::Revocations => self.revocation_content(&mut *tx).await?,
            };
            let hash = content.hash()?;
            let same = latest.as_ref().filter(|l| l.content_hash == hash);
            if same.is_some_and(|l| !aging(l, now)) {
                // Another replica published it meanwhile.
                tx.rollback().await?;
                return latest.ok_or_else(|| Error::Internal("publication vanished".into()));
            }
            // Never older than the previous publication (verifiers refuse that as a
            // rollback), even if this replica's clock lags.
            let issued_at = latest.as_ref().map_or(now, |l| now.max(l.issued_at));
            let (sequence, detail) = match same {
                Some(l) => (l.sequence, "re-signed"),
                None => (
                    latest
                        .as_ref()
                        .map_or(now_ms, |l| l.sequence.saturating_add(1).max(now_ms)),
                    "new content",
                ),
            };
            let (valid_until, signed) = content.sign(self, sequence, issued_at)?;
            let row = PublicationRow {
                kind,
                sequence,
                content_hash: hash,
                covers: same.map_or(content.covers(), |l| l.covers),
                issued_at,
                valid_until,
                signed,
            };
            if same.is_some() {
                if !tx.publication_resign(&row).await? {
                    return Err(Error::Internal("re-signed publication vanished".into()));
                }
            } else {
                tx.publication_insert(&row).await?;
            }
            let mut ctx = TxCtx::unsigned(&self.settings, "system", now);
            let detail = format!(
                "sequence {sequence} {detail} sha256 {} valid until {valid_until}",
                hex::encode(&row.content_hash)
            );
            ctx.audit(
                &mut *tx,
                AuditAction::ListPublish,
                content.kind().as_str(),
                &detail,
            )
            .await?;
            self.checkpoint_in(&mut *tx, now).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// The trust list's content: every DSC not compromised, and our CSCA.
    async fn trust_content<C: Store>(&self, conn: &mut C) -> Result<Content> {
        let entries = trusted(&conn.dscs_all().await?)?
            .iter()
            .map(|d| TrustListEntry::from_dsc(d, &self.settings.country))
            .collect();
        Ok(Content::Trust(TrustList {
            entries,
            cscas: vec![self.keys.csca_der.clone()],
            ..Default::default()
        }))
    }

    /// The full revocation list's content: every revocation, and the highest one's sequence.
    async fn revocation_content<C: Store>(&self, conn: &mut C) -> Result<Content> {
        let rows = conn.revocations_since(0).await?;
        let covers = rows.last().map_or(0, |r| r.seq);
        let list = revocation_list(&rows, self.settings.validity_days * 86_400);
        Ok(Content::Revocations(list, covers))
    }
}

fn trusted(rows: &[crate::db::rows::DscRow]) -> Result<Vec<Dsc>> {
    rows.iter()
        .filter(|d| d.state != DscState::Compromised)
        .map(|d| Ok(Dsc::from_der(&d.cert_der)?))
        .collect()
}

/// The revocation groups of `rows` (UCI hashes per kid), sequence and times 0; each entry
/// expires when the certificate it revokes would (`revoked_at` + certificate validity).
fn revocation_list(rows: &[RevocationRow], validity: i64) -> RevocationList {
    let mut list = RevocationList::new(0, 0, 0);
    for r in rows {
        let Some(kid) = Kid::from_base64(&r.kid) else {
            continue;
        };
        let hashes: Vec<_> = revocation_hashes(Some(&r.uvci), None, Algorithm::Es256, &[])
            .into_iter()
            .filter(|(t, _)| *t == HashType::Uci)
            .map(|(_, h)| h)
            .collect();
        list.add(kid, HashType::Uci, r.revoked_at + validity, hashes);
    }
    list
}
