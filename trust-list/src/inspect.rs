//! `inspect`: show a signed trust list, revocation list or rule set — kind, signer, sequence,
//! validity, staleness, entries — and whether it verifies (stages 1, 2 and 4; rollback needs a
//! state and is reported as not checked). Wired to `vaxcert-verify inspect FILE [--anchor FILE]`.

use crate::dsc::Dsc;
use crate::envelope::{self, Freshness};
use crate::error::{Error, ListKind};
use crate::limits::Limits;
use crate::list::{EntryKey, TrustList};
use crate::revocation::RevocationPayload;
use crate::rules::SignedRuleSet;
use std::fmt;
use wallet_format::text::{escape_unsafe, is_unsafe_char};

/// What the file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A trust list.
    TrustList(TrustList),
    /// A revocation list or delta.
    Revocation(RevocationPayload),
    /// A signed CertLogic rule set.
    RuleSet(SignedRuleSet),
}

/// The signature verdict.
#[derive(Debug)]
pub enum SignatureVerdict {
    /// Chains to the given anchor and the signature verifies.
    Verified,
    /// No anchor given: signature not checked.
    NotChecked,
    /// Failed, with the reason.
    Failed(Error),
}

/// The inspection result.
#[derive(Debug)]
pub struct InspectReport {
    /// The decoded content, when readable.
    pub content: Option<Content>,
    /// Signer certificate, when readable.
    pub signer: Option<Dsc>,
    /// Signature verdict.
    pub signature: SignatureVerdict,
    /// Freshness at the clock (`Err` = expired beyond grace).
    pub freshness: Option<Result<Freshness, Error>>,
    /// A parse error that stopped inspection.
    pub error: Option<Error>,
    /// Clock used.
    pub clock: i64,
}

impl InspectReport {
    /// Whether the file verifies (signature checked and good, not expired beyond grace).
    pub fn verifies(&self) -> bool {
        self.error.is_none()
            && matches!(self.signature, SignatureVerdict::Verified)
            && matches!(self.freshness, Some(Ok(_)))
    }
}

fn detect(opened: &envelope::Opened, limits: &Limits) -> Result<(ListKind, Content), Error> {
    match TrustList::from_cbor(opened.payload(), limits) {
        Ok(l) => Ok((ListKind::TrustList, Content::TrustList(l))),
        Err(_) => match RevocationPayload::from_cbor(opened.payload(), limits) {
            Ok(r) => Ok((ListKind::RevocationList, Content::Revocation(r))),
            Err(e) => match SignedRuleSet::from_cbor(opened.payload(), limits) {
                Ok(r) => Ok((ListKind::RuleSet, Content::RuleSet(r))),
                Err(_) => Err(e),
            },
        },
    }
}

/// Inspect `bytes` (a signed trust list, revocation list or rule set). With `anchor_der`, the
/// signer chain and signature are checked against it.
pub fn inspect(bytes: &[u8], anchor_der: Option<&[u8]>, clock: i64, grace: i64) -> InspectReport {
    let limits = Limits::DEFAULT;
    let mut report = InspectReport {
        content: None,
        signer: None,
        signature: SignatureVerdict::NotChecked,
        freshness: None,
        error: None,
        clock,
    };
    let max = limits
        .max_revocation_list_bytes
        .max(limits.max_trust_list_bytes);
    let opened = match envelope::open(bytes, ListKind::TrustList, max, &limits) {
        Ok(o) => o,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    report.signer = opened.chain.first().and_then(|c| Dsc::from_der(c).ok());
    let (kind, content) = match detect(&opened, &limits) {
        Ok(x) => x,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let (issued_at, valid_until) = match &content {
        Content::TrustList(l) => (l.issued_at, l.valid_until),
        Content::Revocation(r) => {
            let (_, i, v) = r.header();
            (i, v)
        }
        Content::RuleSet(r) => (r.issued_at, r.valid_until),
    };
    if let Some(a) = anchor_der {
        report.signature = match Dsc::from_any(a).and_then(|anchor| {
            let info = envelope::verify_signature(&opened, &[anchor], kind)?;
            envelope::check_signer_time(&info, issued_at, kind)
        }) {
            Ok(()) => SignatureVerdict::Verified,
            Err(e) => SignatureVerdict::Failed(e),
        };
    }
    report.freshness = Some(envelope::check_expiry(valid_until, clock, grace, kind));
    report.content = Some(content);
    report
}

fn ts(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

impl fmt::Display for InspectReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = &self.error {
            writeln!(f, "unreadable: {} ({e})", e.code())?;
            return writeln!(f, "verifies: no");
        }
        match &self.content {
            Some(Content::TrustList(l)) => {
                writeln!(f, "kind: trust list")?;
                writeln!(f, "sequence: {}", l.sequence)?;
                writeln!(f, "issued at: {}", ts(l.issued_at))?;
                writeln!(f, "valid until: {}", ts(l.valid_until))?;
            }
            Some(Content::Revocation(RevocationPayload::Full(r))) => {
                writeln!(f, "kind: revocation list")?;
                writeln!(f, "sequence: {}", r.sequence)?;
                writeln!(f, "issued at: {}", ts(r.issued_at))?;
                writeln!(f, "valid until: {}", ts(r.valid_until))?;
            }
            Some(Content::Revocation(RevocationPayload::Delta(d))) => {
                writeln!(f, "kind: revocation delta")?;
                writeln!(f, "base sequence: {}", d.base_sequence)?;
                writeln!(f, "sequence: {}", d.sequence)?;
                writeln!(f, "issued at: {}", ts(d.issued_at))?;
                writeln!(f, "valid until: {}", ts(d.valid_until))?;
            }
            Some(Content::RuleSet(r)) => {
                writeln!(f, "kind: rule set")?;
                writeln!(f, "name: {}", r.name)?;
                writeln!(f, "sequence: {}", r.sequence)?;
                writeln!(f, "issued at: {}", ts(r.issued_at))?;
                writeln!(f, "valid until: {}", ts(r.valid_until))?;
            }
            None => {}
        }
        if let Some(s) = &self.signer {
            writeln!(
                f,
                "signed by: {} (kid {}, valid {} .. {})",
                escape_unsafe(s.subject()),
                s.kid().to_base64(),
                ts(s.not_before()),
                ts(s.not_after())
            )?;
        }
        match &self.signature {
            SignatureVerdict::Verified => writeln!(f, "signature: verified against the anchor")?,
            SignatureVerdict::NotChecked => writeln!(f, "signature: not checked (no --anchor)")?,
            SignatureVerdict::Failed(e) => writeln!(f, "signature: FAILED {} ({e})", e.code())?,
        }
        match &self.freshness {
            Some(Ok(Freshness::Fresh)) => writeln!(f, "staleness: fresh at {}", ts(self.clock))?,
            Some(Ok(Freshness::StaleWithinGrace { stale_for })) => writeln!(
                f,
                "staleness: STALE for {stale_for} s (within grace) at {}",
                ts(self.clock)
            )?,
            Some(Err(e)) => writeln!(f, "staleness: EXPIRED {} ({e})", e.code())?,
            None => {}
        }
        writeln!(f, "rollback: not checked (needs the verifier's state file)")?;
        match &self.content {
            Some(Content::TrustList(l)) => {
                writeln!(f, "entries: {}", l.entries.len())?;
                for e in &l.entries {
                    let key = match &e.key {
                        EntryKey::Dsc(_) => "dsc",
                        EntryKey::Spki(_) => "spki",
                    };
                    writeln!(
                        f,
                        "  {} {} {} types={} valid {} .. {}",
                        e.kid.to_base64(),
                        escape_unsafe(&e.country),
                        key,
                        e.types.to_short_names().join(","),
                        ts(e.not_before),
                        ts(e.not_after)
                    )?;
                }
                writeln!(f, "csca certificates: {}", l.cscas.len())?;
                if let Some(n) = &l.next_anchor {
                    match Dsc::from_der(n) {
                        Ok(a) => writeln!(
                            f,
                            "next anchor: {} (sha-256 {})",
                            escape_unsafe(a.subject()),
                            a.thumbprint()
                        )?,
                        Err(e) => writeln!(f, "next anchor: unreadable ({})", e.code())?,
                    }
                }
            }
            Some(Content::Revocation(r)) => {
                let groups: Vec<&crate::revocation::RevocationGroup> = match r {
                    RevocationPayload::Full(l) => l.groups().collect(),
                    RevocationPayload::Delta(d) => d.added.iter().collect(),
                };
                writeln!(f, "groups: {}", groups.len())?;
                for g in groups {
                    writeln!(
                        f,
                        "  kid {} {} entries={} expires {}",
                        g.kid.to_base64(),
                        g.hash_type.name(),
                        g.hashes.len(),
                        ts(g.expires)
                    )?;
                }
                if let RevocationPayload::Delta(d) = r {
                    writeln!(f, "removed groups: {}", d.removed.len())?;
                }
            }
            Some(Content::RuleSet(r)) => write_rules(f, &r.rules_json)?,
            None => {}
        }
        writeln!(
            f,
            "verifies: {}",
            if self.verifies() { "yes" } else { "no" }
        )
    }
}

/// One line per rule (`Identifier Version Type CertificateType`), read leniently from the
/// rule-set JSON; the rules are not validated here (the verifier does that with `certlogic`).
fn write_rules(f: &mut fmt::Formatter<'_>, json: &str) -> fmt::Result {
    let value: Option<serde_json::Value> = serde_json::from_str(json).ok();
    let rules = match &value {
        Some(serde_json::Value::Array(a)) => Some(a),
        Some(serde_json::Value::Object(o)) => o.get("rules").and_then(|r| r.as_array()),
        _ => None,
    };
    let Some(rules) = rules else {
        return writeln!(f, "rules: unreadable json ({} bytes)", json.len());
    };
    writeln!(f, "rules: {} ({} bytes of json)", rules.len(), json.len())?;
    let field = |r: &serde_json::Value, k: &str| {
        r.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .chars()
            .filter(|c| !is_unsafe_char(*c))
            .take(64)
            .collect::<String>()
    };
    for r in rules {
        writeln!(
            f,
            "  {} {} {} {}",
            field(r, "Identifier"),
            field(r, "Version"),
            field(r, "Type"),
            field(r, "CertificateType")
        )?;
    }
    Ok(())
}
