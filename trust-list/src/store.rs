//! The union of trust sources a verifier uses (spec/trust-list.md §Trust store): keys from a
//! verified signed list, from an EU-gateway import (chained to a CSCA, or trusted as handed
//! over), or single DSCs given by the operator. `candidates(kid)` returns every key sharing a
//! kid; there is no fallback to "try all keys".

use crate::dsc::{time_valid, Dsc, TypeSet};
use crate::envelope::Freshness;
use crate::error::Error;
use crate::gateway::{GatewayImport, GatewayTrust};
use crate::list::VerifiedTrustList;
use std::collections::HashMap;
use wallet_format::{CertificateType, Kid, PublicKey};

/// Where a trusted key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustSource {
    /// A signed trust list that verified against the pinned anchor.
    SignedList {
        /// The list's sequence.
        sequence: u64,
    },
    /// An EU-gateway list whose DSC chains to a CSCA of its country in the same list.
    GatewayChained,
    /// An EU-gateway list without CSCAs: trusted as the operator handed it over.
    GatewayAsHandedOver,
    /// A single DSC given by the operator.
    SingleDsc,
}

impl TrustSource {
    /// Stable name for output: `signed-list`, `gateway-chained`, `gateway-as-handed-over`,
    /// `single-dsc`.
    pub fn name(self) -> &'static str {
        match self {
            TrustSource::SignedList { .. } => "signed-list",
            TrustSource::GatewayChained => "gateway-chained",
            TrustSource::GatewayAsHandedOver => "gateway-as-handed-over",
            TrustSource::SingleDsc => "single-dsc",
        }
    }
}

/// A key the verifier may check a pass signature with.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// The kid.
    pub kid: Kid,
    /// Issuer country, when known.
    pub country: Option<String>,
    /// The public key.
    pub public_key: PublicKey,
    /// The certificate, when the key came as X.509.
    pub dsc: Option<Dsc>,
    /// Types this key may sign (EKU rule, intersected with the list's types).
    pub allowed: TypeSet,
    /// Start of validity (unix seconds), if bounded.
    pub not_before: Option<i64>,
    /// End of validity (unix seconds), if bounded.
    pub not_after: Option<i64>,
    /// Where it came from.
    pub source: TrustSource,
}

impl TrustedKey {
    /// A key from a parsed DSC: allowed types by the EKU rule, validity from the certificate.
    pub fn from_dsc(dsc: Dsc, source: TrustSource) -> TrustedKey {
        TrustedKey {
            kid: dsc.kid(),
            country: dsc.country(),
            public_key: dsc.public_key().clone(),
            allowed: dsc.key_usage().allowed(),
            not_before: Some(dsc.not_before()),
            not_after: Some(dsc.not_after()),
            dsc: Some(dsc),
            source,
        }
    }

    /// The key-usage rule for this key (`KEY_USAGE_MISMATCH`).
    pub fn check_type(&self, t: CertificateType) -> Result<(), Error> {
        if self.allowed.contains(t) {
            Ok(())
        } else {
            Err(Error::KeyUsageMismatch)
        }
    }

    /// The time rule `notBefore ≤ iat ≤ clock ≤ exp ≤ notAfter` for this key.
    pub fn check_time(&self, iat: Option<i64>, exp: Option<i64>, clock: i64) -> Result<(), Error> {
        time_valid(self.not_before, self.not_after, iat, exp, clock)
    }
}

/// Freshness of one source, for CANNOT_CHECK decisions and "last updated" displays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    /// Source kind name (see [`TrustSource::name`]).
    pub source: &'static str,
    /// Number of keys from it.
    pub keys: usize,
    /// Sequence, for signed lists.
    pub sequence: Option<u64>,
    /// issued_at, for signed lists.
    pub issued_at: Option<i64>,
    /// valid_until, for signed lists.
    pub valid_until: Option<i64>,
    /// Whether the source was stale (within grace) when loaded.
    pub stale: bool,
}

/// All keys the verifier trusts.
#[derive(Debug, Default, Clone)]
pub struct TrustStore {
    by_kid: HashMap<Kid, Vec<TrustedKey>>,
    sources: Vec<SourceStatus>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    fn push(&mut self, key: TrustedKey) {
        let slot = self.by_kid.entry(key.kid).or_default();
        // The same certificate from two sources is kept once (first source wins).
        if let Some(d) = &key.dsc {
            if slot.iter().any(|k| k.dsc.as_ref() == Some(d)) {
                return;
            }
        }
        slot.push(key);
        // Most kids have one key: do not keep Vec's default spare capacity per kid.
        slot.shrink_to_fit();
    }

    /// Add the keys of a verified signed trust list.
    pub fn add_signed_list(&mut self, verified: &VerifiedTrustList) {
        for k in &verified.keys {
            self.push(k.clone());
        }
        self.sources.push(SourceStatus {
            source: "signed-list",
            keys: verified.keys.len(),
            sequence: Some(verified.list.sequence),
            issued_at: Some(verified.list.issued_at),
            valid_until: Some(verified.list.valid_until),
            stale: matches!(verified.freshness, Freshness::StaleWithinGrace { .. }),
        });
    }

    /// Add the accepted DSCs of a gateway import.
    pub fn add_gateway(&mut self, import: &GatewayImport) {
        let source = match import.trust {
            GatewayTrust::ChainedToCsca => TrustSource::GatewayChained,
            GatewayTrust::AsHandedOver => TrustSource::GatewayAsHandedOver,
        };
        for d in &import.dscs {
            self.push(TrustedKey::from_dsc(d.clone(), source));
        }
        self.sources.push(SourceStatus {
            source: source.name(),
            keys: import.dscs.len(),
            sequence: None,
            issued_at: None,
            valid_until: None,
            stale: false,
        });
    }

    /// Add one DSC given by the operator.
    pub fn add_dsc(&mut self, dsc: Dsc) {
        self.push(TrustedKey::from_dsc(dsc, TrustSource::SingleDsc));
        self.sources.push(SourceStatus {
            source: "single-dsc",
            keys: 1,
            sequence: None,
            issued_at: None,
            valid_until: None,
            stale: false,
        });
    }

    /// Every key with this kid (possibly several; empty if none).
    pub fn candidates(&self, kid: &Kid) -> &[TrustedKey] {
        self.by_kid.get(kid).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.by_kid.values().map(Vec::len).sum()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.by_kid.is_empty()
    }

    /// Per-source freshness summary.
    pub fn sources(&self) -> &[SourceStatus] {
        &self.sources
    }

    /// Whether any signed list in the store was loaded stale (within grace).
    pub fn any_stale(&self) -> bool {
        self.sources.iter().any(|s| s.stale)
    }
}
