//! The signed rule set (spec/trust-list.md §Rule-set list kind, spec/rules.md §Signed
//! distribution): a CertLogic rule set in the EU gateway's JSON shape, carried as opaque UTF-8
//! JSON text inside the same COSE envelope as the trust list, with a name (`vn-venue`), a
//! sequence per name, issued_at and valid_until.
//!
//! This crate does not interpret the rules (it does not depend on `certlogic`): it checks the
//! envelope, the signer chain, rollback per rule-set name and expiry; the verifier parses
//! `rules_json` with `certlogic::RuleSet::from_json`.
//!
//! Verification runs in the trust list's stages: 1 parse (bounded), 2 signer chain + signature +
//! signer validity at issued_at, 3 rollback against [`TrustState`] under `rule-set:<name>`,
//! 4 expiry / staleness with grace.

use crate::dsc::Dsc;
use crate::envelope::{self, Freshness};
use crate::error::{Error, ListKind};
use crate::limits::Limits;
use crate::list::VerifyOptions;
use crate::state::{rule_set_key, ContentDigest, TrustState};
use serde::{Deserialize, Serialize};
use wallet_format::Signer;

/// COSE content type of a signed rule set.
pub const CONTENT_TYPE: &str = "application/vnd.vaxcert.rule-set+cbor";
/// Value of the payload's `kind` field.
pub const KIND: &str = "vaxcert-rule-set";
/// Longest rule-set name.
pub const MAX_NAME_LEN: usize = 64;
const KIND_RULES: ListKind = ListKind::RuleSet;

/// The content of a signed rule set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignedRuleSet {
    /// The rule set's name, e.g. `vn-venue`: 1 to [`MAX_NAME_LEN`] of `A-Z a-z 0-9 - _ .`.
    /// Rollback protection keeps one sequence per name.
    pub name: String,
    /// Monotonically increasing sequence number (per name).
    pub sequence: u64,
    /// When the rule set was signed (unix seconds).
    pub issued_at: i64,
    /// After this the rule set is stale (unix seconds).
    pub valid_until: i64,
    /// The rule set as JSON text (a bare array of EU-gateway-shaped rules, or
    /// `{"rules": [...]}`), exactly as the author wrote it; not interpreted here.
    pub rules_json: String,
}

#[derive(Serialize, Deserialize)]
struct RuleSetWire {
    kind: String,
    version: u32,
    name: String,
    sequence: u64,
    issued_at: i64,
    valid_until: i64,
    rules: String,
}

/// Whether `name` is an acceptable rule-set name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl SignedRuleSet {
    /// The CBOR payload (spec/trust-list.md §Rule-set list kind).
    pub fn to_cbor(&self) -> Result<Vec<u8>, Error> {
        if !valid_name(&self.name) {
            return Err(Error::Malformed(KIND_RULES, "invalid rule set name"));
        }
        let wire = RuleSetWire {
            kind: KIND.to_string(),
            version: 1,
            name: self.name.clone(),
            sequence: self.sequence,
            issued_at: self.issued_at,
            valid_until: self.valid_until,
            rules: self.rules_json.clone(),
        };
        envelope::to_cbor(&wire, KIND_RULES)
    }

    /// Decode the CBOR payload (bounded by `limits`).
    pub fn from_cbor(bytes: &[u8], limits: &Limits) -> Result<SignedRuleSet, Error> {
        if bytes.len() > limits.max_rule_set_bytes {
            return Err(Error::TooLarge(
                KIND_RULES,
                "rule set larger than the limit",
            ));
        }
        let wire: RuleSetWire = envelope::from_cbor(bytes, KIND_RULES, limits)?;
        if wire.kind != KIND {
            return Err(Error::Malformed(
                KIND_RULES,
                "payload kind is not a rule set",
            ));
        }
        if wire.version != 1 {
            return Err(Error::Malformed(KIND_RULES, "unsupported rule set version"));
        }
        if !valid_name(&wire.name) {
            return Err(Error::Malformed(KIND_RULES, "invalid rule set name"));
        }
        Ok(SignedRuleSet {
            name: wire.name,
            sequence: wire.sequence,
            issued_at: wire.issued_at,
            valid_until: wire.valid_until,
            rules_json: wire.rules,
        })
    }

    /// SHA-256 of the payload with `issued_at` and `valid_until` set to 0: what the state
    /// compares under an equal sequence (spec/trust-list.md §State file).
    pub fn content_digest(&self) -> Result<ContentDigest, Error> {
        let timeless = SignedRuleSet {
            issued_at: 0,
            valid_until: 0,
            ..self.clone()
        };
        Ok(ContentDigest::of(&timeless.to_cbor()?))
    }

    /// Sign the rule set: `signer`'s certificate is `chain[0]` (a list signer issued by the
    /// anchor, or the anchor itself); further certificates are informative.
    pub fn sign(&self, signer: &dyn Signer, chain: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
        envelope::sign(self.to_cbor()?, signer, chain, CONTENT_TYPE, KIND_RULES)
    }
}

/// Sign a rule set (free-function form of [`SignedRuleSet::sign`]).
pub fn sign(
    rule_set: &SignedRuleSet,
    signer: &dyn Signer,
    chain: &[Vec<u8>],
) -> Result<Vec<u8>, Error> {
    rule_set.sign(signer, chain)
}

/// A rule set that passed every stage.
#[derive(Debug)]
pub struct VerifiedRuleSet {
    /// The content (rules still unparsed JSON text).
    pub rule_set: SignedRuleSet,
    /// The signer's certificate.
    pub signer: Dsc,
    /// The anchor the signer chains to.
    pub anchor: Dsc,
    /// Fresh, or stale within grace (must be shown).
    pub freshness: Freshness,
}

/// Verify a signed rule set against the pinned anchor (and anchors announced by verified trust
/// lists, minus retired ones) and the state, in stages. On success the state's sequence for
/// `rule-set:<name>` is updated in memory; the caller saves it (after the rules themselves
/// parsed, so a set the verifier cannot use does not raise the held sequence).
pub fn verify_rule_set(
    bytes: &[u8],
    pinned_anchor: &Dsc,
    state: &mut TrustState,
    opts: &VerifyOptions,
) -> Result<VerifiedRuleSet, Error> {
    let limits = &opts.limits;
    // 1 parse
    let opened = envelope::open(bytes, KIND_RULES, limits.max_rule_set_bytes, limits)?;
    // 2 signature
    let anchors = state.accepted_anchors(pinned_anchor);
    let info = envelope::verify_signature(&opened, &anchors, KIND_RULES)?;
    let rule_set = SignedRuleSet::from_cbor(opened.payload(), limits)?;
    envelope::check_signer_time(&info, rule_set.issued_at, KIND_RULES)?;
    // 3 rollback, per name
    let key = rule_set_key(&rule_set.name);
    let digest = rule_set.content_digest()?;
    state.check_rollback_key(
        &key,
        KIND_RULES,
        rule_set.sequence,
        rule_set.issued_at,
        Some(&digest),
    )?;
    // 4 expiry
    let freshness =
        envelope::check_expiry(rule_set.valid_until, opts.clock, opts.grace, KIND_RULES)?;
    state.record_key(&key, rule_set.sequence, rule_set.issued_at, Some(digest));
    Ok(VerifiedRuleSet {
        rule_set,
        signer: info.signer,
        anchor: info.anchor,
        freshness,
    })
}

/// Whether `bytes` look like a COSE/CBOR envelope rather than JSON text: the first byte (after
/// an optional UTF-8 byte-order mark and ASCII whitespace) is the COSE_Sign1 tag `0xD2` or a
/// CBOR 4-element array `0x84` (an untagged COSE_Sign1). JSON text starts with `[`, `{` or
/// another printable character, never with these bytes.
pub fn looks_like_envelope(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = b.iter().find(|c| !c.is_ascii_whitespace());
    matches!(first, Some(0xD2) | Some(0x84))
}
