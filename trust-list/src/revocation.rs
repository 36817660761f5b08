//! The signed revocation list (spec/revocation.md): EU hash types truncated to 16 bytes,
//! grouped by (kid, hash type) with an expiry per group, versioned by sequence, signed in the
//! same envelope as the trust list, with deltas a verifier applies to its cached full list.
//!
//! Lookup structure: per group a sorted, de-duplicated `Vec<[u8; 16]>` (16 bytes per entry) and,
//! for groups of at least [`INDEX_THRESHOLD`] entries, a prefix index (about one `u32` slot per 8
//! entries, 0.5 B/entry) that narrows each binary search to a bucket of about 8 hashes.

use crate::dsc::Dsc;
use crate::envelope::{self, Bytes, Freshness};
use crate::error::{Error, ListKind};
use crate::limits::Limits;
use crate::state::{ContentDigest, TrustState};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use wallet_format::{Algorithm, Kid, Signer};

/// COSE content type of a signed full revocation list.
pub const CONTENT_TYPE: &str = "application/vnd.vaxcert.revocation-list+cbor";
/// COSE content type of a signed delta.
pub const CONTENT_TYPE_DELTA: &str = "application/vnd.vaxcert.revocation-delta+cbor";
/// Payload `kind` of a full list.
pub const KIND: &str = "vaxcert-revocation-list";
/// Payload `kind` of a delta.
pub const KIND_DELTA: &str = "vaxcert-revocation-delta";
/// Groups with at least this many entries get a prefix index.
pub const INDEX_THRESHOLD: usize = 65_536;
const KIND_REV: ListKind = ListKind::RevocationList;

/// A revocation hash: the first 16 bytes of a SHA-256.
pub type RevocationHash = [u8; 16];

/// The EU revocation hash types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashType {
    /// SHA-256 of the UVCI (`UCI`).
    Uci,
    /// SHA-256 of the CWT `iss` country code followed by the UVCI (`COUNTRYCODEUCI`).
    CountryCodeUci,
    /// SHA-256 of the COSE signature; for ES256 only its first half r (`SIGNATURE`).
    Signature,
}

impl HashType {
    /// The EU name: `UCI`, `COUNTRYCODEUCI`, `SIGNATURE`.
    pub fn name(self) -> &'static str {
        match self {
            HashType::Uci => "UCI",
            HashType::CountryCodeUci => "COUNTRYCODEUCI",
            HashType::Signature => "SIGNATURE",
        }
    }

    /// Parse an EU name.
    pub fn from_name(s: &str) -> Option<HashType> {
        match s {
            "UCI" => Some(HashType::Uci),
            "COUNTRYCODEUCI" => Some(HashType::CountryCodeUci),
            "SIGNATURE" => Some(HashType::Signature),
            _ => None,
        }
    }
}

fn h16(parts: &[&[u8]]) -> RevocationHash {
    let mut d = Sha256::new();
    for p in parts {
        d.update(p);
    }
    let full = d.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]); // safe: SHA-256 output is 32 bytes
    out
}

/// The hashes of one pass, one per type that can be computed: `UCI` and `COUNTRYCODEUCI` need
/// the UVCI (and `iss` for the latter); `SIGNATURE` needs the signature (ES256: first half).
pub fn revocation_hashes(
    uvci: Option<&str>,
    iss: Option<&str>,
    alg: Algorithm,
    signature: &[u8],
) -> Vec<(HashType, RevocationHash)> {
    let mut out = Vec::with_capacity(3);
    if let Some(u) = uvci {
        out.push((HashType::Uci, h16(&[u.as_bytes()])));
        if let Some(c) = iss {
            out.push((HashType::CountryCodeUci, h16(&[c.as_bytes(), u.as_bytes()])));
        }
    }
    if !signature.is_empty() {
        let part = match alg {
            Algorithm::Es256 => signature.get(..signature.len() / 2).unwrap_or(signature),
            Algorithm::Ps256 | Algorithm::EdDsa => signature,
        };
        out.push((HashType::Signature, h16(&[part])));
    }
    out
}

/// A sorted set of revocation hashes with an optional prefix index.
///
/// The index has `2^bits` + 1 `u32` slots (bits = 16..=22, about one slot per 8 entries): slot
/// `p` is the position of the first hash whose top `bits` bits are ≥ `p`, so a lookup binary-
/// searches one bucket of about 8 hashes (one or two cache lines) instead of the whole array.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashSetSorted {
    hashes: Vec<RevocationHash>,
    index: Option<Box<[u32]>>,
    bits: u32,
}

impl HashSetSorted {
    /// Build from any hashes (sorted and de-duplicated here).
    pub fn from_vec(mut hashes: Vec<RevocationHash>) -> HashSetSorted {
        hashes.sort_unstable();
        hashes.dedup();
        hashes.shrink_to_fit();
        let n = hashes.len();
        let bits = (usize::BITS - n.leading_zeros())
            .saturating_sub(3)
            .clamp(16, 22);
        let index = (n >= INDEX_THRESHOLD && n < u32::MAX as usize).then(|| {
            let slots = 1usize << bits;
            let mut ix = vec![0u32; slots + 1];
            let mut pos = 0usize;
            for (p, slot) in ix.iter_mut().enumerate() {
                while hashes.get(pos).is_some_and(|h| prefix(h, bits) < p) {
                    pos += 1;
                }
                *slot = pos as u32;
            }
            ix.into_boxed_slice()
        });
        HashSetSorted {
            hashes,
            index,
            bits,
        }
    }

    /// Whether `h` is in the set.
    pub fn contains(&self, h: &RevocationHash) -> bool {
        let slice = match &self.index {
            Some(ix) => {
                let p = prefix(h, self.bits);
                let lo = ix.get(p).copied().unwrap_or(0) as usize;
                let hi = ix.get(p + 1).copied().unwrap_or(0) as usize;
                self.hashes.get(lo..hi).unwrap_or(&[])
            }
            None => &self.hashes,
        };
        slice.binary_search(h).is_ok()
    }

    /// Number of hashes.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The hashes, sorted.
    pub fn as_slice(&self) -> &[RevocationHash] {
        &self.hashes
    }

    /// Heap bytes held (hashes + index).
    pub fn heap_bytes(&self) -> usize {
        self.hashes.capacity() * 16 + self.index.as_ref().map_or(0, |i| i.len() * 4)
    }
}

/// The top `bits` bits of the hash.
fn prefix(h: &RevocationHash, bits: u32) -> usize {
    let top = u32::from_be_bytes([h[0], h[1], h[2], h[3]]); // safe: fixed-size array of 16
    (top >> (32 - bits)) as usize
}

/// One group: the revoked hashes of one type for passes signed by one kid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationGroup {
    /// kid of the DSC that signed the revoked passes.
    pub kid: Kid,
    /// Hash type of every entry.
    pub hash_type: HashType,
    /// Unix seconds after which the group may be removed (all its passes have expired).
    pub expires: i64,
    /// The hashes.
    pub hashes: HashSetSorted,
}

#[derive(Serialize, Deserialize)]
struct GroupWire {
    kid: Bytes,
    hash_type: String,
    expires: i64,
    /// Concatenated 16-byte hashes.
    hashes: Bytes,
}

#[derive(Serialize, Deserialize)]
struct ListWire {
    kind: String,
    version: u32,
    sequence: u64,
    issued_at: i64,
    valid_until: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_sequence: Option<u64>,
    #[serde(default)]
    groups: Vec<GroupWire>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    removed: Vec<GroupWire>,
}

fn group_to_wire(g: &RevocationGroup) -> GroupWire {
    GroupWire {
        kid: Bytes(g.kid.0.to_vec()),
        hash_type: g.hash_type.name().to_string(),
        expires: g.expires,
        hashes: Bytes(g.hashes.as_slice().concat()),
    }
}

fn group_from_wire(w: GroupWire, budget: &mut usize) -> Result<RevocationGroup, Error> {
    let kid = Kid::from_slice(&w.kid.0).ok_or(Error::Malformed(KIND_REV, "kid is not 8 bytes"))?;
    let hash_type =
        HashType::from_name(&w.hash_type).ok_or(Error::Malformed(KIND_REV, "unknown hash type"))?;
    if !w.hashes.0.len().is_multiple_of(16) {
        return Err(Error::Malformed(
            KIND_REV,
            "hashes length is not a multiple of 16",
        ));
    }
    let n = w.hashes.0.len() / 16;
    *budget = budget
        .checked_sub(n)
        .ok_or(Error::TooLarge(KIND_REV, "too many revocation entries"))?;
    let hashes = w
        .hashes
        .0
        .chunks_exact(16)
        .filter_map(|c| <[u8; 16]>::try_from(c).ok())
        .collect();
    Ok(RevocationGroup {
        kid,
        hash_type,
        expires: w.expires,
        hashes: HashSetSorted::from_vec(hashes),
    })
}

/// A full revocation list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationList {
    /// Sequence (shared numbering with its deltas).
    pub sequence: u64,
    /// When signed.
    pub issued_at: i64,
    /// Stale after this.
    pub valid_until: i64,
    groups: BTreeMap<(Kid, HashType), RevocationGroup>,
}

/// A change set from `base_sequence` to `sequence`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationDelta {
    /// The sequence of the full list this delta applies to.
    pub base_sequence: u64,
    /// The sequence after applying it.
    pub sequence: u64,
    /// When signed.
    pub issued_at: i64,
    /// The resulting list is stale after this.
    pub valid_until: i64,
    /// Entries added (a group's expires replaces the held one when later).
    pub added: Vec<RevocationGroup>,
    /// Entries removed (lifted revocations); an empty removed group drops the whole group.
    pub removed: Vec<RevocationGroup>,
}

impl RevocationList {
    /// An empty list.
    pub fn new(sequence: u64, issued_at: i64, valid_until: i64) -> RevocationList {
        RevocationList {
            sequence,
            issued_at,
            valid_until,
            groups: BTreeMap::new(),
        }
    }

    /// Add (merge) hashes into the group (kid, hash_type).
    pub fn add(
        &mut self,
        kid: Kid,
        hash_type: HashType,
        expires: i64,
        hashes: Vec<RevocationHash>,
    ) {
        let g = self
            .groups
            .entry((kid, hash_type))
            .or_insert_with(|| RevocationGroup {
                kid,
                hash_type,
                expires,
                hashes: HashSetSorted::default(),
            });
        g.expires = g.expires.max(expires);
        let mut all = std::mem::take(&mut g.hashes).hashes;
        all.extend(hashes);
        g.hashes = HashSetSorted::from_vec(all);
    }

    /// The groups.
    pub fn groups(&self) -> impl Iterator<Item = &RevocationGroup> {
        self.groups.values()
    }

    /// Total number of hashes.
    pub fn len(&self) -> usize {
        self.groups.values().map(|g| g.hashes.len()).sum()
    }

    /// Whether no hash is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held by the hashes and indexes (not counting the small group map).
    pub fn heap_bytes(&self) -> usize {
        self.groups.values().map(|g| g.hashes.heap_bytes()).sum()
    }

    /// Whether a pass with `kid` and these hashes (from [`revocation_hashes`]) is revoked;
    /// returns the matching hash type.
    pub fn is_revoked(&self, kid: &Kid, hashes: &[(HashType, RevocationHash)]) -> Option<HashType> {
        hashes.iter().find_map(|(t, h)| {
            self.groups
                .get(&(*kid, *t))
                .filter(|g| g.hashes.contains(h))
                .map(|_| *t)
        })
    }

    /// Drop groups whose expiry lies before `clock`.
    pub fn prune_expired(&mut self, clock: i64) {
        self.groups.retain(|_, g| g.expires >= clock);
    }

    /// The CBOR payload (spec/revocation.md §Payload).
    pub fn to_cbor(&self) -> Result<Vec<u8>, Error> {
        let wire = ListWire {
            kind: KIND.to_string(),
            version: 1,
            sequence: self.sequence,
            issued_at: self.issued_at,
            valid_until: self.valid_until,
            base_sequence: None,
            groups: self.groups.values().map(group_to_wire).collect(),
            removed: Vec::new(),
        };
        envelope::to_cbor(&wire, KIND_REV)
    }

    /// SHA-256 of the payload with `issued_at` and `valid_until` set to 0: what the state
    /// compares under an equal sequence (spec/revocation.md §Deltas). Streamed into the hash,
    /// so a large list is not encoded twice in memory.
    pub fn content_digest(&self) -> Result<ContentDigest, Error> {
        let wire = ListWire {
            kind: KIND.to_string(),
            version: 1,
            sequence: self.sequence,
            issued_at: 0,
            valid_until: 0,
            base_sequence: None,
            groups: self.groups.values().map(group_to_wire).collect(),
            removed: Vec::new(),
        };
        let mut hasher = Sha256::new();
        ciborium::into_writer(&wire, &mut hasher)
            .map_err(|_| Error::Malformed(KIND_REV, "cannot encode"))?;
        Ok(ContentDigest(hasher.finalize().into()))
    }

    /// Sign the full list.
    pub fn sign(&self, signer: &dyn Signer, chain: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
        envelope::sign(self.to_cbor()?, signer, chain, CONTENT_TYPE, KIND_REV)
    }

    /// Apply a verified delta. Its base must equal this list's sequence
    /// (`REVOCATION_LIST_DELTA_BASE_MISMATCH` otherwise; fetch the full list then).
    pub fn apply_delta(&mut self, delta: &RevocationDelta) -> Result<(), Error> {
        if delta.base_sequence != self.sequence {
            return Err(Error::DeltaBaseMismatch {
                delta_base: delta.base_sequence,
                held: self.sequence,
            });
        }
        if delta.sequence <= self.sequence {
            return Err(Error::Malformed(
                KIND_REV,
                "delta does not advance the sequence",
            ));
        }
        for g in &delta.added {
            self.add(g.kid, g.hash_type, g.expires, g.hashes.as_slice().to_vec());
        }
        for r in &delta.removed {
            if r.hashes.is_empty() {
                self.groups.remove(&(r.kid, r.hash_type));
                continue;
            }
            if let Some(g) = self.groups.get_mut(&(r.kid, r.hash_type)) {
                let kept = g
                    .hashes
                    .as_slice()
                    .iter()
                    .filter(|h| !r.hashes.contains(h))
                    .copied()
                    .collect();
                g.hashes = HashSetSorted::from_vec(kept);
            }
        }
        self.sequence = delta.sequence;
        self.issued_at = delta.issued_at;
        self.valid_until = delta.valid_until;
        Ok(())
    }
}

impl RevocationDelta {
    /// The CBOR payload.
    pub fn to_cbor(&self) -> Result<Vec<u8>, Error> {
        let wire = ListWire {
            kind: KIND_DELTA.to_string(),
            version: 1,
            sequence: self.sequence,
            issued_at: self.issued_at,
            valid_until: self.valid_until,
            base_sequence: Some(self.base_sequence),
            groups: self.added.iter().map(group_to_wire).collect(),
            removed: self.removed.iter().map(group_to_wire).collect(),
        };
        envelope::to_cbor(&wire, KIND_REV)
    }

    /// Sign the delta.
    pub fn sign(&self, signer: &dyn Signer, chain: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
        envelope::sign(self.to_cbor()?, signer, chain, CONTENT_TYPE_DELTA, KIND_REV)
    }
}

/// A decoded revocation payload: full list or delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationPayload {
    /// A full list.
    Full(RevocationList),
    /// A delta.
    Delta(RevocationDelta),
}

impl RevocationPayload {
    /// Decode (bounded).
    pub fn from_cbor(bytes: &[u8], limits: &Limits) -> Result<RevocationPayload, Error> {
        let wire: ListWire = envelope::from_cbor(bytes, KIND_REV, limits)?;
        if wire.version != 1 {
            return Err(Error::Malformed(
                KIND_REV,
                "unsupported revocation list version",
            ));
        }
        let mut budget = limits.max_revocation_entries;
        let mut groups = Vec::with_capacity(wire.groups.len().min(1 << 16));
        for g in wire.groups {
            groups.push(group_from_wire(g, &mut budget)?);
        }
        let mut removed = Vec::new();
        for g in wire.removed {
            removed.push(group_from_wire(g, &mut budget)?);
        }
        match (wire.kind.as_str(), wire.base_sequence) {
            (KIND, None) => {
                let mut list = RevocationList::new(wire.sequence, wire.issued_at, wire.valid_until);
                for g in groups {
                    list.add(g.kid, g.hash_type, g.expires, g.hashes.hashes);
                }
                Ok(RevocationPayload::Full(list))
            }
            // A delta carries no per-entry sequence, so what is checkable is that it advances:
            // `sequence > base_sequence` (spec/revocation.md §Deltas). A delta from a base to
            // itself is what an issuer answers for a `since` at or beyond its latest list.
            (KIND_DELTA, Some(base)) if wire.sequence <= base => Err(Error::Malformed(
                KIND_REV,
                "delta sequence does not exceed its base sequence",
            )),
            (KIND_DELTA, Some(base)) => Ok(RevocationPayload::Delta(RevocationDelta {
                base_sequence: base,
                sequence: wire.sequence,
                issued_at: wire.issued_at,
                valid_until: wire.valid_until,
                added: groups,
                removed,
            })),
            _ => Err(Error::Malformed(
                KIND_REV,
                "payload kind is not a revocation list or delta",
            )),
        }
    }

    /// Sequence, issued_at, valid_until.
    pub fn header(&self) -> (u64, i64, i64) {
        match self {
            RevocationPayload::Full(l) => (l.sequence, l.issued_at, l.valid_until),
            RevocationPayload::Delta(d) => (d.sequence, d.issued_at, d.valid_until),
        }
    }
}

/// A revocation payload that passed every stage.
#[derive(Debug)]
pub struct VerifiedRevocation {
    /// The content.
    pub payload: RevocationPayload,
    /// The signer certificate.
    pub signer: Dsc,
    /// Fresh or stale within grace.
    pub freshness: Freshness,
}

/// A full revocation list that passed every stage (given whole, or built from a delta applied
/// to the held list), ready for lookups.
#[derive(Debug)]
pub struct VerifiedRevocationList {
    /// The list.
    pub list: RevocationList,
    /// The signer certificate.
    pub signer: Dsc,
    /// Fresh or stale within grace.
    pub freshness: Freshness,
}

/// Stages 1–2 (parse, signature, signer time) of a revocation list or delta.
fn open_revocation(
    bytes: &[u8],
    pinned_anchor: &Dsc,
    state: &TrustState,
    opts: &crate::list::VerifyOptions,
) -> Result<(RevocationPayload, Dsc), Error> {
    let limits = &opts.limits;
    let opened = envelope::open(bytes, KIND_REV, limits.max_revocation_list_bytes, limits)?;
    let anchors = state.accepted_anchors(pinned_anchor);
    let info = envelope::verify_signature(&opened, &anchors, KIND_REV)?;
    let payload = RevocationPayload::from_cbor(opened.payload(), limits)?;
    let (_, issued_at, _) = payload.header();
    envelope::check_signer_time(&info, issued_at, KIND_REV)?;
    Ok((payload, info.signer))
}

/// Stages 3–4 of the full list a verifier would hold, then (only then) the state update.
fn accept_full(
    list: RevocationList,
    signer: Dsc,
    state: &mut TrustState,
    opts: &crate::list::VerifyOptions,
) -> Result<VerifiedRevocationList, Error> {
    let key = KIND_REV.name();
    let digest = list.content_digest()?;
    state.check_rollback_key(key, KIND_REV, list.sequence, list.issued_at, Some(&digest))?;
    let freshness = envelope::check_expiry(list.valid_until, opts.clock, opts.grace, KIND_REV)?;
    state.record_key(key, list.sequence, list.issued_at, Some(digest));
    Ok(VerifiedRevocationList {
        list,
        signer,
        freshness,
    })
}

/// Verify a signed revocation list or delta (same stages as the trust list; anchors from the
/// state's accepted set). A full list that passes every stage is recorded in the state (in
/// memory); a delta is checked (structure, rollback, expiry) but **not** recorded, since it
/// has not been applied: apply deltas with [`verify_revocation_update`], which records the
/// result. On any error the state is unchanged.
pub fn verify_revocation(
    bytes: &[u8],
    pinned_anchor: &Dsc,
    state: &mut TrustState,
    opts: &crate::list::VerifyOptions,
) -> Result<VerifiedRevocation, Error> {
    let (payload, signer) = open_revocation(bytes, pinned_anchor, state, opts)?;
    match payload {
        RevocationPayload::Full(list) => {
            let v = accept_full(list, signer, state, opts)?;
            Ok(VerifiedRevocation {
                payload: RevocationPayload::Full(v.list),
                signer: v.signer,
                freshness: v.freshness,
            })
        }
        RevocationPayload::Delta(delta) => {
            state.check_rollback_key(
                KIND_REV.name(),
                KIND_REV,
                delta.sequence,
                delta.issued_at,
                None,
            )?;
            let freshness =
                envelope::check_expiry(delta.valid_until, opts.clock, opts.grace, KIND_REV)?;
            Ok(VerifiedRevocation {
                payload: RevocationPayload::Delta(delta),
                signer,
                freshness,
            })
        }
    }
}

/// Verify a signed **full** revocation list: a delta is refused
/// (`REVOCATION_LIST_MALFORMED`, "a delta was given where a full list is needed") before the
/// state is touched. On success the state holds the list's sequence, time and digest.
pub fn verify_revocation_full(
    bytes: &[u8],
    pinned_anchor: &Dsc,
    state: &mut TrustState,
    opts: &crate::list::VerifyOptions,
) -> Result<VerifiedRevocationList, Error> {
    match open_revocation(bytes, pinned_anchor, state, opts)? {
        (RevocationPayload::Full(list), signer) => accept_full(list, signer, state, opts),
        (RevocationPayload::Delta(_), _) => Err(Error::Malformed(
            KIND_REV,
            "a delta was given where a full list is needed",
        )),
    }
}

/// Verify a signed full list or delta and return the full list to hold from now on: a full
/// list as it is; a delta applied to a copy of `held` (`REVOCATION_LIST_DELTA_BASE_MISMATCH`
/// when nothing is held or its base is not the held sequence). The resulting list goes through
/// rollback (its digest compared under an equal sequence) and expiry, and only then is it
/// recorded in the state; `held` itself is never modified, so on any error both the held list
/// and the state are unchanged. Prune expired groups ([`RevocationList::prune_expired`]) only
/// in a copy used for lookups: the digest of a pruned list differs from the issuer's.
pub fn verify_revocation_update(
    bytes: &[u8],
    held: Option<&RevocationList>,
    pinned_anchor: &Dsc,
    state: &mut TrustState,
    opts: &crate::list::VerifyOptions,
) -> Result<VerifiedRevocationList, Error> {
    match open_revocation(bytes, pinned_anchor, state, opts)? {
        (RevocationPayload::Full(list), signer) => accept_full(list, signer, state, opts),
        (RevocationPayload::Delta(delta), signer) => {
            let mut next = held.cloned().ok_or(Error::DeltaBaseMismatch {
                delta_base: delta.base_sequence,
                held: 0,
            })?;
            next.apply_delta(&delta)?;
            accept_full(next, signer, state, opts)
        }
    }
}
