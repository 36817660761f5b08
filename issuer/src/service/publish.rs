//! What the issuer publishes for verifiers besides the signed lists (those are
//! [`super::lists`]): our DSCs in EU-gateway JSON, the anchor (CSCA) certificate, the files of
//! `keys export`, and the signed rule sets.
//!
//! Signed CertLogic rule sets (spec/issuer.md §Rule sets, spec/rules.md §Signed distribution)
//! are kept in the database: one row per publication, the sequence monotone per name and
//! unique, so replicas signing at once never publish the same sequence.

use super::context::TxCtx;
use super::Issuer;
use crate::db::prelude::*;
use crate::db::rows::RuleSetRow;
use crate::domain::AuditAction;
use crate::error::{Error, Result};
use crate::with_db;
use sha2::{Digest, Sha256};
use trust_list::rules::SignedRuleSet;
use trust_list::Dsc;

/// Default validity of a signed rule set (`rules sign --valid-for`, the shipped sets).
pub const RULE_SET_VALIDITY: i64 = 30 * 86_400;
/// The shipped Vietnamese rule sets, published automatically when absent, and the file names
/// `keys export` writes them to.
pub const BUILTIN_RULE_SETS: [(&str, &str); 2] = [
    ("vn-venue", "rules-vn-venue.cose"),
    ("vn-travel", "rules-vn-travel.cose"),
];
/// How often a publication is retried when another replica took the same sequence.
const PUBLISH_ATTEMPTS: usize = 5;

/// One publication of a signed rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRuleSet {
    /// The rule set's name (`vn-venue`).
    pub name: String,
    /// Its sequence (1, 2, … per name).
    pub sequence: u64,
    /// When it was signed (unix seconds).
    pub issued_at: i64,
    /// When verifiers consider it stale (unix seconds).
    pub valid_until: i64,
    /// The COSE_Sign1 bytes (what `GET /v1/rules/{name}` serves).
    pub signed: Vec<u8>,
}

/// Check a rule set before it is signed: a valid name (1 to 64 of `A-Z a-z 0-9 - _ .`), a
/// size the verifier accepts, and rule JSON that CertLogic loads (every rule's shape, version,
/// validity and logic), with at least one rule.
pub fn check_rule_set(name: &str, rules_json: &str) -> Result<()> {
    if !trust_list::rules::valid_name(name) {
        return Err(Error::Config(
            "the rule set name must be 1 to 64 letters, digits, '-', '_' or '.'".into(),
        ));
    }
    let max = trust_list::Limits::default().max_rule_set_bytes;
    // The envelope adds a few hundred bytes around the rules (name, times, signer certificate).
    if rules_json.len() + 8 * 1024 > max {
        return Err(Error::Config(format!(
            "the rule set is larger than verifiers accept ({max} bytes with its envelope)"
        )));
    }
    let rules = certlogic::RuleSet::from_json(rules_json)
        .map_err(|e| Error::Config(format!("the rule set is not valid [{}]: {e}", e.code())))?;
    if rules.rules().next().is_none() {
        return Err(Error::Config("the rule set has no rules".into()));
    }
    Ok(())
}

/// The shipped rule set called `name` as JSON text (CertLogic's canonical bytes), if any.
fn builtin_rules_json(name: &str) -> Result<Option<String>> {
    let loaded = match name {
        "vn-venue" => certlogic::RuleSet::builtin_vn_venue(),
        "vn-travel" => certlogic::RuleSet::builtin_vn_travel(),
        _ => return Ok(None),
    };
    let rules =
        loaded.map_err(|e| Error::Internal(format!("shipped rule set {name} is invalid: {e}")))?;
    String::from_utf8(rules.to_bytes())
        .map(Some)
        .map_err(|_| Error::Internal(format!("shipped rule set {name} is not utf-8")))
}

/// Whether a publication should be re-signed: half its validity has passed.
fn aging(issued_at: i64, valid_until: i64, now: i64) -> bool {
    now >= issued_at.saturating_add(valid_until.saturating_sub(issued_at) / 2)
}

/// When [`Issuer::publish_rule_set`] signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Publish {
    /// Always sign a new sequence (`rules sign`).
    Always,
    /// Only when the name has no publication yet or the latest one is aging (auto-publish of
    /// the shipped sets, refresh); otherwise the latest is returned as it is.
    IfAbsentOrAging,
}

impl Issuer {
    /// Our DSCs (and the CSCA) in the EU gateway's JSON shape.
    pub async fn gateway_json(&self, now: i64) -> Result<String> {
        let dscs = self.trusted_dscs().await?;
        let csca = Dsc::from_der(&self.keys.csca_der)?;
        Ok(trust_list::gateway::export(
            &dscs,
            &[csca],
            &self.settings.country,
            now,
        )?)
    }

    /// The anchor certificate as PEM.
    pub fn anchor_pem(&self) -> String {
        wallet_format::signing::der_to_pem(&self.keys.csca_der, "CERTIFICATE")
    }

    /// Sign `rules_json` as the next sequence of rule set `name`, valid for `valid_for`
    /// seconds, store it (so `GET /v1/rules/{name}` serves it) and audit it. The rules are
    /// checked first ([`check_rule_set`]) and stored byte for byte as given.
    pub async fn sign_rule_set(
        &self,
        name: &str,
        rules_json: &str,
        valid_for: i64,
        actor: &str,
        now: i64,
    ) -> Result<PublishedRuleSet> {
        check_rule_set(name, rules_json)?;
        if valid_for <= 0 {
            return Err(Error::Config(
                "the rule set validity must be positive".into(),
            ));
        }
        self.publish_rule_set(name, rules_json, valid_for, actor, now, Publish::Always)
            .await
    }

    /// The latest publication of rule set `name`, kept fresh: a shipped set (`vn-venue`,
    /// `vn-travel`) is signed on first request, and a publication past half its validity is
    /// re-signed (same rules, same validity period, next sequence). `None` for an unknown name.
    pub async fn published_rule_set(
        &self,
        name: &str,
        now: i64,
    ) -> Result<Option<PublishedRuleSet>> {
        if !trust_list::rules::valid_name(name) {
            return Ok(None);
        }
        let latest = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.rule_set_latest(name).await?
        });
        let (rules_json, valid_for) = match latest {
            Some(row) if !aging(row.issued_at, row.valid_until, now) => {
                return Ok(Some(published(name, row)))
            }
            Some(row) => (
                row.rules_json,
                row.valid_until.saturating_sub(row.issued_at).max(1),
            ),
            None => match builtin_rules_json(name)? {
                Some(json) => (json, RULE_SET_VALIDITY),
                None => return Ok(None),
            },
        };
        let p = self
            .publish_rule_set(
                name,
                &rules_json,
                valid_for,
                "system",
                now,
                Publish::IfAbsentOrAging,
            )
            .await?;
        Ok(Some(p))
    }

    /// Sign and store the next sequence of `name`; a sequence taken by another replica at the
    /// same moment (unique violation) is retried with the next one.
    async fn publish_rule_set(
        &self,
        name: &str,
        rules_json: &str,
        valid_for: i64,
        actor: &str,
        now: i64,
        mode: Publish,
    ) -> Result<PublishedRuleSet> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .try_publish_rule_set(name, rules_json, valid_for, actor, now, mode)
                .await
            {
                Err(Error::Database(e))
                    if crate::db::is_unique_violation(&e) && attempt < PUBLISH_ATTEMPTS =>
                {
                    continue
                }
                other => return other,
            }
        }
    }

    async fn try_publish_rule_set(
        &self,
        name: &str,
        rules_json: &str,
        valid_for: i64,
        actor: &str,
        now: i64,
        mode: Publish,
    ) -> Result<PublishedRuleSet> {
        let signer = self.keys.list_signer.signer()?;
        let chain = [self.keys.list_signer.cert_der.clone()];
        let hash = Sha256::digest(rules_json.as_bytes()).to_vec();
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            // Take the append lock (PostgreSQL advisory lock; SQLite's BEGIN IMMEDIATE already
            // holds the write lock) before reading the latest sequence, so concurrent replicas
            // queue instead of racing to the same sequence and exhausting their retries.
            tx.serialize_appends().await?;
            let latest = tx.rule_set_latest(name).await?;
            if let Some(row) = &latest {
                if mode == Publish::IfAbsentOrAging && !aging(row.issued_at, row.valid_until, now) {
                    // Another replica published (or refreshed) it meanwhile.
                    tx.rollback().await?;
                    return Ok(published(name, row.clone()));
                }
            }
            let (prev_seq, prev_issued) = latest
                .map(|r| (r.sequence, r.issued_at))
                .unwrap_or((0, i64::MIN));
            // Never older than the previous publication (verifiers refuse that as a rollback),
            // even if this replica's clock lags.
            let issued_at = now.max(prev_issued);
            let set = SignedRuleSet {
                name: name.to_string(),
                sequence: u64::try_from(prev_seq.saturating_add(1)).unwrap_or(1),
                issued_at,
                valid_until: issued_at.saturating_add(valid_for),
                rules_json: rules_json.to_string(),
            };
            let row = RuleSetRow {
                sequence: prev_seq.saturating_add(1),
                issued_at: set.issued_at,
                valid_until: set.valid_until,
                rules_json: rules_json.to_string(),
                signed: set.sign(&signer, &chain)?,
            };
            tx.rule_set_insert(name, &row, &hash).await?;
            let detail = format!("sequence {} sha256 {}", set.sequence, hex::encode(&hash));
            ctx.audit(&mut *tx, AuditAction::RuleSetSign, name, &detail)
                .await?;
            tx.commit().await?;
            Ok(published(name, row))
        })
    }

    /// Write everything a verifier needs into `dir` (`keys export`); returns the file names.
    /// `now_ms`: unix milliseconds (the lists' sequences are allocated from it).
    pub async fn export(&self, dir: &std::path::Path, now_ms: i64) -> Result<Vec<&'static str>> {
        let now = now_ms.div_euclid(1000);
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("anchor.pem"), self.anchor_pem())?;
        std::fs::write(
            dir.join("trust-list.cose"),
            self.published_trust_list(now_ms).await?.signed,
        )?;
        std::fs::write(
            dir.join("trust-list-dccg.json"),
            self.gateway_json(now).await?,
        )?;
        std::fs::write(
            dir.join("revocations.cose"),
            self.published_revocation_list(now_ms).await?.signed,
        )?;
        std::fs::write(
            dir.join("list-signer.pem"),
            wallet_format::signing::der_to_pem(&self.keys.list_signer.cert_der, "CERTIFICATE"),
        )?;
        let mut names = vec![
            "anchor.pem",
            "trust-list.cose",
            "trust-list-dccg.json",
            "revocations.cose",
            "list-signer.pem",
        ];
        for (name, file) in BUILTIN_RULE_SETS {
            let set = self
                .published_rule_set(name, now)
                .await?
                .ok_or_else(|| Error::Internal(format!("shipped rule set {name} missing")))?;
            std::fs::write(dir.join(file), &set.signed)?;
            names.push(file);
        }
        Ok(names)
    }
}

fn published(name: &str, row: RuleSetRow) -> PublishedRuleSet {
    PublishedRuleSet {
        name: name.to_string(),
        sequence: u64::try_from(row.sequence).unwrap_or(0),
        issued_at: row.issued_at,
        valid_until: row.valid_until,
        signed: row.signed,
    }
}
