//! The verifier's small persistent state (spec/trust-list.md §State file): per list kind the
//! highest sequence and latest issued_at seen (rollback protection), plus the anchors announced
//! by verified trust lists and the anchors retired by rotation. The only file I/O of the crate.

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

/// Highest sequence and latest issued_at seen for one list kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Highest sequence accepted.
    pub sequence: u64,
    /// Latest issued_at accepted (unix seconds).
    pub issued_at: i64,
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

    /// Stage 3 (rollback): refuse a sequence below the highest seen, or an issued_at before the
    /// latest seen. An equal sequence with an equal-or-later issued_at is accepted (the same
    /// list fetched again).
    pub fn check_rollback(
        &self,
        kind: ListKind,
        sequence: u64,
        issued_at: i64,
    ) -> Result<(), Error> {
        self.check_rollback_key(kind.name(), kind, sequence, issued_at)
    }

    /// [`TrustState::check_rollback`] under an explicit state key (one per signed rule set).
    pub fn check_rollback_key(
        &self,
        key: &str,
        kind: ListKind,
        sequence: u64,
        issued_at: i64,
    ) -> Result<(), Error> {
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
        }
        Ok(())
    }

    /// Record an accepted list (never lowers what was seen).
    pub fn record(&mut self, kind: ListKind, sequence: u64, issued_at: i64) {
        self.record_key(kind.name(), sequence, issued_at);
    }

    /// [`TrustState::record`] under an explicit state key.
    pub fn record_key(&mut self, key: &str, sequence: u64, issued_at: i64) {
        let entry = self.lists.entry(key.to_string()).or_insert(Seen {
            sequence,
            issued_at,
        });
        entry.sequence = entry.sequence.max(sequence);
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
