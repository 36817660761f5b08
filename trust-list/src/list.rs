//! The signed trust list (spec/trust-list.md §Trust list): entries {kid, country, DSC or bare
//! SPKI, allowed types, validity}, sequence, issued_at, valid_until, optional CSCA certificates
//! and an optional `next_anchor`, inside the COSE envelope of [`crate::envelope`].
//!
//! Verification runs in numbered stages: 1 parse (bounded), 2 signer chain + signature +
//! signer validity at issued_at, 3 rollback against [`TrustState`], 4 expiry / staleness.

use crate::dsc::{Dsc, TypeSet};
use crate::envelope::{self, Bytes, Freshness, SignerInfo};
use crate::error::{Error, ListKind};
use crate::limits::Limits;
use crate::state::{ContentDigest, TrustState};
use crate::store::{TrustSource, TrustedKey};
use serde::{Deserialize, Serialize};
use wallet_format::{Kid, PublicKey, Signer};

/// COSE content type of a signed trust list.
pub const CONTENT_TYPE: &str = "application/vnd.vaxcert.trust-list+cbor";
/// Value of the payload's `kind` field.
pub const KIND: &str = "vaxcert-trust-list";
const KIND_LIST: ListKind = ListKind::TrustList;

/// The key of an entry: a DSC certificate, or a bare public key for a non-X.509 issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKey {
    /// DER certificate; the entry's kid must equal its kid.
    Dsc(Vec<u8>),
    /// DER SubjectPublicKeyInfo.
    Spki(Vec<u8>),
}

/// One trusted signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustListEntry {
    /// The kid passes carry.
    pub kid: Kid,
    /// ISO 3166 alpha-2 country of the issuer.
    pub country: String,
    /// The key.
    pub key: EntryKey,
    /// Certificate types the key may sign (intersected with the DSC's EKU rule).
    pub types: TypeSet,
    /// Start of validity (unix seconds); for a DSC, its notBefore.
    pub not_before: i64,
    /// End of validity (unix seconds); for a DSC, its notAfter.
    pub not_after: i64,
}

impl TrustListEntry {
    /// An entry for a DSC: kid, country (subject C, else `fallback_country`), allowed types
    /// and validity taken from the certificate.
    pub fn from_dsc(dsc: &Dsc, fallback_country: &str) -> TrustListEntry {
        TrustListEntry {
            kid: dsc.kid(),
            country: dsc
                .country()
                .unwrap_or_else(|| fallback_country.to_string()),
            key: EntryKey::Dsc(dsc.der().to_vec()),
            types: dsc.key_usage().allowed(),
            not_before: dsc.not_before(),
            not_after: dsc.not_after(),
        }
    }
}

/// The content of a trust list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustList {
    /// Monotonically increasing sequence number.
    pub sequence: u64,
    /// When the list was signed (unix seconds).
    pub issued_at: i64,
    /// After this the list is stale (unix seconds).
    pub valid_until: i64,
    /// The trusted keys.
    pub entries: Vec<TrustListEntry>,
    /// CSCA certificates (DER), informative for export.
    pub cscas: Vec<Vec<u8>>,
    /// The next trust anchor (self-signed CA certificate, DER), announced for rotation.
    pub next_anchor: Option<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
struct EntryWire {
    kid: Bytes,
    country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dsc: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spki: Option<Bytes>,
    types: Vec<String>,
    not_before: i64,
    not_after: i64,
}

#[derive(Serialize, Deserialize)]
struct ListWire {
    kind: String,
    version: u32,
    sequence: u64,
    issued_at: i64,
    valid_until: i64,
    entries: Vec<EntryWire>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cscas: Vec<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_anchor: Option<Bytes>,
}

/// An entry the verifier could not use, with the reason (never dropped silently).
#[derive(Debug)]
pub struct RejectedEntry {
    /// Position in the list.
    pub index: usize,
    /// Claimed kid, when readable.
    pub kid: Option<Kid>,
    /// Why.
    pub reason: Error,
}

impl TrustList {
    /// The CBOR payload (spec/trust-list.md §Payload).
    pub fn to_cbor(&self) -> Result<Vec<u8>, Error> {
        let wire = ListWire {
            kind: KIND.to_string(),
            version: 1,
            sequence: self.sequence,
            issued_at: self.issued_at,
            valid_until: self.valid_until,
            entries: self
                .entries
                .iter()
                .map(|e| EntryWire {
                    kid: Bytes(e.kid.0.to_vec()),
                    country: e.country.clone(),
                    dsc: match &e.key {
                        EntryKey::Dsc(d) => Some(Bytes(d.clone())),
                        EntryKey::Spki(_) => None,
                    },
                    spki: match &e.key {
                        EntryKey::Spki(s) => Some(Bytes(s.clone())),
                        EntryKey::Dsc(_) => None,
                    },
                    types: e
                        .types
                        .to_short_names()
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    not_before: e.not_before,
                    not_after: e.not_after,
                })
                .collect(),
            cscas: self.cscas.iter().map(|c| Bytes(c.clone())).collect(),
            next_anchor: self.next_anchor.clone().map(Bytes),
        };
        envelope::to_cbor(&wire, KIND_LIST)
    }

    /// Decode the CBOR payload (bounded by `limits`).
    pub fn from_cbor(bytes: &[u8], limits: &Limits) -> Result<TrustList, Error> {
        let wire: ListWire = envelope::from_cbor(bytes, KIND_LIST, limits)?;
        if wire.kind != KIND {
            return Err(Error::Malformed(
                KIND_LIST,
                "payload kind is not a trust list",
            ));
        }
        if wire.version != 1 {
            return Err(Error::Malformed(
                KIND_LIST,
                "unsupported trust list version",
            ));
        }
        if wire.entries.len() > limits.max_entries {
            return Err(Error::TooLarge(KIND_LIST, "too many entries"));
        }
        let mut entries = Vec::with_capacity(wire.entries.len());
        for e in wire.entries {
            let kid = Kid::from_slice(&e.kid.0)
                .ok_or(Error::Malformed(KIND_LIST, "kid is not 8 bytes"))?;
            let key = match (e.dsc, e.spki) {
                (Some(d), None) => EntryKey::Dsc(d.0),
                (None, Some(s)) => EntryKey::Spki(s.0),
                _ => {
                    return Err(Error::Malformed(
                        KIND_LIST,
                        "entry needs exactly one of dsc, spki",
                    ))
                }
            };
            let types = TypeSet::from_short_names(&e.types)
                .ok_or(Error::Malformed(KIND_LIST, "unknown certificate type"))?;
            entries.push(TrustListEntry {
                kid,
                country: e.country,
                key,
                types,
                not_before: e.not_before,
                not_after: e.not_after,
            });
        }
        Ok(TrustList {
            sequence: wire.sequence,
            issued_at: wire.issued_at,
            valid_until: wire.valid_until,
            entries,
            cscas: wire.cscas.into_iter().map(|b| b.0).collect(),
            next_anchor: wire.next_anchor.map(|b| b.0),
        })
    }

    /// SHA-256 of the payload with `issued_at` and `valid_until` set to 0: what the state
    /// compares under an equal sequence (spec/trust-list.md §State file).
    pub fn content_digest(&self) -> Result<ContentDigest, Error> {
        let timeless = TrustList {
            issued_at: 0,
            valid_until: 0,
            ..self.clone()
        };
        Ok(ContentDigest::of(&timeless.to_cbor()?))
    }

    /// Sign the list: `signer`'s certificate is `chain[0]` (a list signer issued by the anchor,
    /// or the anchor itself); further certificates are informative.
    pub fn sign(&self, signer: &dyn Signer, chain: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
        envelope::sign(self.to_cbor()?, signer, chain, CONTENT_TYPE, KIND_LIST)
    }

    /// Turn entries into trusted keys; unusable entries are returned with their reason.
    pub fn to_keys(&self) -> (Vec<TrustedKey>, Vec<RejectedEntry>) {
        let source = TrustSource::SignedList {
            sequence: self.sequence,
        };
        let mut keys = Vec::with_capacity(self.entries.len());
        let mut rejected = Vec::new();
        for (index, e) in self.entries.iter().enumerate() {
            let r = match &e.key {
                EntryKey::Dsc(der) => Dsc::from_der(der).and_then(|dsc| {
                    if dsc.kid() != e.kid {
                        return Err(Error::DscInvalid(
                            "entry kid does not match the certificate",
                        ));
                    }
                    let mut k = TrustedKey::from_dsc(dsc, source);
                    k.allowed = k.allowed.intersect(e.types);
                    k.country = Some(e.country.clone());
                    k.not_before = Some(k.not_before.unwrap_or(e.not_before).max(e.not_before));
                    k.not_after = Some(k.not_after.unwrap_or(e.not_after).min(e.not_after));
                    Ok(k)
                }),
                EntryKey::Spki(spki) => PublicKey::from_spki_der_any(spki)
                    .map_err(|_| Error::DscInvalid("unsupported public key"))
                    .map(|pk| TrustedKey {
                        kid: e.kid,
                        country: Some(e.country.clone()),
                        public_key: pk,
                        dsc: None,
                        allowed: e.types,
                        not_before: Some(e.not_before),
                        not_after: Some(e.not_after),
                        source,
                    }),
            };
            match r {
                Ok(k) => keys.push(k),
                Err(reason) => rejected.push(RejectedEntry {
                    index,
                    kid: Some(e.kid),
                    reason,
                }),
            }
        }
        (keys, rejected)
    }
}

/// Clock, grace and limits for verifying a list.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// The verifier's clock (unix seconds).
    pub clock: i64,
    /// How long after valid_until a list stays usable (reported stale), in seconds.
    pub grace: i64,
    /// Size limits.
    pub limits: Limits,
}

impl VerifyOptions {
    /// Options with the default limits.
    pub fn new(clock: i64, grace: i64) -> VerifyOptions {
        VerifyOptions {
            clock,
            grace,
            limits: Limits::DEFAULT,
        }
    }
}

/// A trust list that passed every stage.
#[derive(Debug)]
pub struct VerifiedTrustList {
    /// The content.
    pub list: TrustList,
    /// The list signer's certificate.
    pub signer: Dsc,
    /// The anchor the signer chains to.
    pub anchor: Dsc,
    /// Fresh, or stale within grace (must be shown).
    pub freshness: Freshness,
    /// The usable keys.
    pub keys: Vec<TrustedKey>,
    /// Entries that could not be used, with reasons.
    pub rejected: Vec<RejectedEntry>,
    /// Whether this list announced a next anchor that was recorded in the state.
    pub announced_anchor: Option<Dsc>,
    /// Whether accepting this list retired older anchors (first list under a rotated anchor).
    pub rotated: bool,
}

/// Verify a signed trust list against the pinned anchor and the state, in stages. On success
/// the state is updated in memory (sequence, time, content digest, anchors); the caller saves
/// it. On any error the state is unchanged.
pub fn verify_trust_list(
    bytes: &[u8],
    pinned_anchor: &Dsc,
    state: &mut TrustState,
    opts: &VerifyOptions,
) -> Result<VerifiedTrustList, Error> {
    // 1 parse
    let opened = envelope::open(
        bytes,
        KIND_LIST,
        opts.limits.max_trust_list_bytes,
        &opts.limits,
    )?;
    // 2 signature
    let anchors = state.accepted_anchors(pinned_anchor);
    let info: SignerInfo = envelope::verify_signature(&opened, &anchors, KIND_LIST)?;
    let list = TrustList::from_cbor(opened.payload(), &opts.limits)?;
    envelope::check_signer_time(&info, list.issued_at, KIND_LIST)?;
    // 3 rollback: sequence bound, older sequence or time, other content under the same sequence
    let digest = list.content_digest()?;
    state.check_rollback_key(
        KIND_LIST.name(),
        KIND_LIST,
        list.sequence,
        list.issued_at,
        Some(&digest),
    )?;
    // 4 expiry
    let freshness = envelope::check_expiry(list.valid_until, opts.clock, opts.grace, KIND_LIST)?;
    let announced_anchor = match &list.next_anchor {
        Some(der) => {
            let next = Dsc::from_der(der)?;
            if !next.is_ca() || !next.is_self_issued() {
                return Err(Error::Malformed(
                    KIND_LIST,
                    "next_anchor is not a self-signed ca",
                ));
            }
            crate::pki::verify_issued_by(next.der(), next.der())?;
            Some(next)
        }
        None => None,
    };
    // All stages passed: update the state.
    state.record_key(
        KIND_LIST.name(),
        list.sequence,
        list.issued_at,
        Some(digest),
    );
    let rotated = &info.anchor != pinned_anchor && state.accepted_anchors(pinned_anchor).len() > 1;
    if rotated {
        state.retire_all_but(&info.anchor, pinned_anchor);
    }
    if let Some(next) = &announced_anchor {
        state.announce_anchor(next);
    }
    let (keys, rejected) = list.to_keys();
    Ok(VerifiedTrustList {
        list,
        signer: info.signer,
        anchor: info.anchor,
        freshness,
        keys,
        rejected,
        announced_anchor,
        rotated,
    })
}
