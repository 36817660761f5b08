//! The verifier's small persistent state (spec/trust-list.md §State file): per list kind the
//! highest sequence and latest issued_at seen (rollback protection) with the content digest of
//! the list accepted under that sequence (same-sequence replay protection), plus the anchors
//! announced by verified trust lists and the anchors retired by rotation. The only file I/O of
//! the crate.
//!
//! The verify functions of [`crate::list`], [`crate::revocation`] and [`crate::rules`] change
//! the state only when the list passed every stage; a caller that refuses a list for its own
//! reasons afterwards must verify against a copy and keep it only on acceptance.

use crate::dsc::Dsc;
use crate::error::{Error, ListKind};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// File name of the state inside the state directory.
pub const STATE_FILE: &str = "vaxcert-trust-state.json";
const MAX_STATE_BYTES: u64 = 1024 * 1024;

/// The state key of the signed rule set called `name`: `rule-set:<name>`.
pub fn rule_set_key(name: &str) -> String {
    format!("{}:{name}", ListKind::RuleSet.name())
}

/// Largest sequence any list may carry: 2^53 − 1 (a sequence is at most unix milliseconds, which
/// reach 2^53 in the year 287 396; JSON readers and signed 64-bit columns hold it exactly).
/// A list above it is `*_MALFORMED`, so one signed absurd sequence cannot lock a verifier out
/// of every later list.
pub const MAX_SEQUENCE: u64 = (1 << 53) - 1;

/// SHA-256 of a list's content with `issued_at` and `valid_until` left out (each list type's
/// `content_digest`): the same content re-signed to extend its expiry has the same digest, any
/// other change a different one. Written as 64 lowercase hex digits in the state file.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentDigest(pub [u8; 32]);

impl ContentDigest {
    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> ContentDigest {
        use sha2::Digest;
        ContentDigest(sha2::Sha256::digest(bytes).into())
    }
}

impl std::fmt::Debug for ContentDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContentDigest({})", hex::encode(self.0))
    }
}

impl Serialize for ContentDigest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for ContentDigest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&text, &mut out)
            .map_err(|_| serde::de::Error::custom("digest is not 64 hex digits"))?;
        Ok(ContentDigest(out))
    }
}

/// Highest sequence and latest issued_at seen for one list kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Highest sequence accepted.
    pub sequence: u64,
    /// Latest issued_at accepted (unix seconds).
    pub issued_at: i64,
    /// Content digest of the list accepted under `sequence`. Absent in state files written
    /// before digests existed: the next list accepted under that sequence sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<ContentDigest>,
}

/// The persisted state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustState {
    /// Format version (1).
    #[serde(default = "one")]
    pub version: u32,
    /// Per list kind (`trust-list`, `revocation-list`) and per signed rule set
    /// (`rule-set:<name>`, see [`rule_set_key`]).
    #[serde(default)]
    pub lists: BTreeMap<String, Seen>,
    /// Anchors announced by verified trust lists (`next_anchor`), base64 DER.
    #[serde(default)]
    pub announced_anchors: Vec<String>,
    /// Thumbprints (hex SHA-256 of DER) of anchors no longer accepted.
    #[serde(default)]
    pub retired_anchors: Vec<String>,
}

fn one() -> u32 {
    1
}

impl TrustState {
    /// Load the state from `dir`; a missing file is the empty state.
    pub fn load(dir: &Path) -> Result<TrustState, Error> {
        let path = dir.join(STATE_FILE);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TrustState::default()),
            Err(e) => return Err(Error::StateIo(e.kind().to_string())),
        };
        if meta.len() > MAX_STATE_BYTES {
            return Err(Error::StateMalformed);
        }
        let bytes = std::fs::read(&path).map_err(|e| Error::StateIo(e.kind().to_string()))?;
        serde_json::from_slice(&bytes).map_err(|_| Error::StateMalformed)
    }

    /// Save atomically: write a temporary file in `dir`, fsync, rename over the old file.
    pub fn save(&self, dir: &Path) -> Result<(), Error> {
        use std::io::Write;
        let io = |e: std::io::Error| Error::StateIo(e.kind().to_string());
        let json = serde_json::to_vec_pretty(self).map_err(|_| Error::StateMalformed)?;
        let tmp = dir.join(format!("{STATE_FILE}.tmp"));
        {
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(&json).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, dir.join(STATE_FILE)).map_err(io)?;
        Ok(())
    }

    /// What was seen for `kind`.
    pub fn seen(&self, kind: ListKind) -> Option<Seen> {
        self.seen_key(kind.name())
    }

    /// What was seen under a state key (a list kind's name, or [`rule_set_key`]).
    pub fn seen_key(&self, key: &str) -> Option<Seen> {
        self.lists.get(key).copied()
    }

    /// Stage 3 (rollback) without a content digest: refuse a sequence below the highest seen,
    /// or an issued_at before the latest seen. Prefer [`TrustState::check_rollback_key`] with
    /// the list's digest, which also refuses a different list under the held sequence.
    pub fn check_rollback(
        &self,
        kind: ListKind,
        sequence: u64,
        issued_at: i64,
    ) -> Result<(), Error> {
        self.check_rollback_key(kind.name(), kind, sequence, issued_at, None)
    }

    /// Stage 3 (rollback) under a state key (a list kind's name, or one per signed rule set):
    /// refuse a sequence above [`MAX_SEQUENCE`] (`*_MALFORMED`), below the highest seen, or an
    /// issued_at before the latest seen (`*_ROLLBACK`). An equal sequence with an
    /// equal-or-later issued_at is the same list fetched again, or re-signed to extend its
    /// expiry — only when its `digest` equals the one held (`*_SEQUENCE_REUSED` otherwise; no
    /// digest held, or none given, compares equal).
    pub fn check_rollback_key(
        &self,
        key: &str,
        kind: ListKind,
        sequence: u64,
        issued_at: i64,
        digest: Option<&ContentDigest>,
    ) -> Result<(), Error> {
        if sequence > MAX_SEQUENCE {
            return Err(Error::Malformed(kind, "sequence above 2^53-1"));
        }
        if let Some(seen) = self.seen_key(key) {
            if sequence < seen.sequence || issued_at < seen.issued_at {
                return Err(Error::Rollback {
                    kind,
                    held: seen.sequence,
                    held_issued_at: seen.issued_at,
                    got: sequence,
                    got_issued_at: issued_at,
                });
            }
            if sequence == seen.sequence {
                if let (Some(held), Some(got)) = (seen.digest.as_ref(), digest) {
                    if held != got {
                        return Err(Error::SequenceReused { kind, sequence });
                    }
                }
            }
        }
        Ok(())
    }

    /// Record an accepted list without a digest (never lowers what was seen).
    pub fn record(&mut self, kind: ListKind, sequence: u64, issued_at: i64) {
        self.record_key(kind.name(), sequence, issued_at, None);
    }

    /// Record an accepted list under a state key (never lowers what was seen). A higher
    /// sequence replaces the held digest; the same sequence keeps the held digest, or takes
    /// `digest` when none was held. Call only after every check passed.
    pub fn record_key(
        &mut self,
        key: &str,
        sequence: u64,
        issued_at: i64,
        digest: Option<ContentDigest>,
    ) {
        let entry = self.lists.entry(key.to_string()).or_insert(Seen {
            sequence,
            issued_at,
            digest,
        });
        if sequence > entry.sequence {
            entry.sequence = sequence;
            entry.digest = digest;
        } else if sequence == entry.sequence && entry.digest.is_none() {
            entry.digest = digest;
        }
        entry.issued_at = entry.issued_at.max(issued_at);
    }

    /// The anchors accepted now: the pinned one and every announced one, minus retired ones.
    /// Unreadable announced entries are skipped (they were checked when announced).
    pub fn accepted_anchors(&self, pinned: &Dsc) -> Vec<Dsc> {
        let mut out = Vec::new();
        if !self.retired_anchors.contains(&pinned.thumbprint()) {
            out.push(pinned.clone());
        }
        for b64 in &self.announced_anchors {
            let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) else {
                continue;
            };
            let Ok(a) = Dsc::from_der(&der) else { continue };
            if !self.retired_anchors.contains(&a.thumbprint()) && !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// Remember an anchor announced by a verified trust list.
    pub fn announce_anchor(&mut self, anchor: &Dsc) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(anchor.der());
        if !self.announced_anchors.contains(&b64) {
            self.announced_anchors.push(b64);
        }
    }

    /// Retire every accepted anchor except `keep` (called once a trust list signed under an
    /// announced anchor has been accepted).
    pub fn retire_all_but(&mut self, keep: &Dsc, pinned: &Dsc) {
        for a in self.accepted_anchors(pinned) {
            if &a != keep {
                let t = a.thumbprint();
                if !self.retired_anchors.contains(&t) {
                    self.retired_anchors.push(t);
                }
            }
        }
    }
}
