//! Rules in the EU DCC gateway JSON shape, rule sets with version selection, and reports
//! (see `spec/rules.md` §Rule JSON shape).

use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{CertLogicError, RuleErrorKind};
use crate::eval::evaluate_in_context;
use crate::json::parse_json;
use crate::value::{Composite, Truth, Val};
use crate::{validate_with_limits, Limits};

/// `Type` of a rule. Both kinds pass when their logic evaluates to a truthy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleType {
    /// An acceptance rule of the country of arrival / verification.
    Acceptance,
    /// An invalidation rule of the issuing country (e.g. blocking UCI prefixes).
    Invalidation,
}

/// `CertificateType` of a rule, or the type of a DCC payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CertificateType {
    /// Applies to every certificate.
    General,
    /// Applies to vaccination certificates (`v`).
    Vaccination,
    /// Applies to test certificates (`t`).
    Test,
    /// Applies to recovery certificates (`r`).
    Recovery,
}

impl CertificateType {
    /// The type of a DCC payload: `Vaccination`/`Test`/`Recovery` when exactly one of the
    /// `v`/`t`/`r` arrays is present and non-empty, else `General` (only general rules apply,
    /// and the shipped `GR-VN-0000` then fails).
    pub fn of_payload(payload: &Value) -> CertificateType {
        let has = |k: &str| {
            payload
                .get(k)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        };
        match (has("v"), has("t"), has("r")) {
            (true, false, false) => CertificateType::Vaccination,
            (false, true, false) => CertificateType::Test,
            (false, false, true) => CertificateType::Recovery,
            _ => CertificateType::General,
        }
    }
}

/// One entry of a rule's `Description` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// ISO 639-1 language code (`vi`, `en`, ...).
    pub lang: String,
    /// The text shown to the verifier when the rule fails.
    pub desc: String,
}

/// A business rule in the EU gateway JSON shape (`rule.ts` of the EU business-rules repo).
/// Unknown members are ignored when reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    /// `GR|VR|TR|RR-<country>-NNNN` (acceptance) or `IR-<country>-NNNN` (invalidation).
    pub identifier: String,
    /// `Acceptance` or `Invalidation`.
    #[serde(rename = "Type")]
    pub rule_type: RuleType,
    /// ISO 3166-1 alpha-2 country the rule belongs to.
    pub country: String,
    /// Semantic version `MAJOR.MINOR.PATCH`; the newest valid one per identifier wins.
    pub version: String,
    /// DCC JSON schema version the rule was written for.
    pub schema_version: String,
    /// Must be `CERTLOGIC`.
    pub engine: String,
    /// CertLogic version the rule was written for.
    pub engine_version: String,
    /// Which certificates the rule applies to.
    pub certificate_type: CertificateType,
    /// Descriptions per language.
    pub description: Vec<Description>,
    /// RFC 3339 date-time from which the rule applies (inclusive).
    pub valid_from: String,
    /// RFC 3339 date-time until which the rule applies (inclusive).
    pub valid_to: String,
    /// DCC fields the rule reads (informational).
    #[serde(default)]
    pub affected_fields: Vec<String>,
    /// The CertLogic expression; the rule passes when it evaluates to a truthy value.
    pub logic: Value,
}

impl Rule {
    /// The description in `lang`, falling back to English, then to the first one.
    pub fn description(&self, lang: &str) -> Option<&str> {
        find_description(&self.description, lang)
    }
}

fn find_description<'a>(descs: &'a [Description], lang: &str) -> Option<&'a str> {
    descs
        .iter()
        .find(|d| d.lang == lang)
        .or_else(|| descs.iter().find(|d| d.lang == "en"))
        .or_else(|| descs.first())
        .map(|d| d.desc.as_str())
}

#[derive(Debug, Clone)]
struct LoadedRule {
    rule: Rule,
    version: (u32, u32, u32),
    valid_from: DateTime<Utc>,
    valid_to: DateTime<Utc>,
}

/// The JSON documents [`RuleSet`] reads: a bare array of rules (the EU gateway download
/// shape), or an object `{"rules": [...]}` (other members ignored).
#[derive(Deserialize)]
#[serde(untagged)]
enum RuleSetDocument {
    Array(Vec<Rule>),
    Wrapped { rules: Vec<Rule> },
}

/// A validated set of rules (possibly several versions per identifier).
///
/// Serialises as a JSON array of rules ([`RuleSet::to_bytes`]); that is the payload the signed
/// rule-set envelope wraps. Loading checks every rule (`Engine` is `CERTLOGIC`, semver
/// `Version`, RFC 3339 `ValidFrom ≤ ValidTo`, unique `Identifier`+`Version`, valid `Logic`)
/// and rejects the whole set on the first bad rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "RuleSetDocument", into = "Vec<Rule>")]
pub struct RuleSet {
    rules: Vec<LoadedRule>,
}

impl TryFrom<RuleSetDocument> for RuleSet {
    type Error = CertLogicError;
    fn try_from(doc: RuleSetDocument) -> Result<Self, Self::Error> {
        match doc {
            RuleSetDocument::Array(rules) | RuleSetDocument::Wrapped { rules } => {
                RuleSet::from_rules(rules)
            }
        }
    }
}

impl From<RuleSet> for Vec<Rule> {
    fn from(set: RuleSet) -> Self {
        set.rules.into_iter().map(|r| r.rule).collect()
    }
}

fn parse_semver(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split('.').map(|p| {
        if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            p.parse::<u32>().ok()
        }
    });
    let v = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(v)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl RuleSet {
    const VN_VENUE: &'static str = include_str!("../rules/vn-venue.json");
    const VN_TRAVEL: &'static str = include_str!("../rules/vn-travel.json");

    /// Validates and collects `rules`.
    pub fn from_rules(rules: Vec<Rule>) -> Result<RuleSet, CertLogicError> {
        let mut loaded: Vec<LoadedRule> = Vec::with_capacity(rules.len());
        for rule in rules {
            let id = Some(rule.identifier.as_str());
            let id_ok = !rule.identifier.is_empty()
                && rule.identifier.len() <= 32
                && rule
                    .identifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !id_ok {
                return Err(CertLogicError::rule(id, RuleErrorKind::Shape));
            }
            if !rule.engine.eq_ignore_ascii_case("CERTLOGIC") {
                return Err(CertLogicError::rule(id, RuleErrorKind::UnsupportedEngine));
            }
            let version = parse_semver(&rule.version)
                .ok_or_else(|| CertLogicError::rule(id, RuleErrorKind::InvalidVersion))?;
            let (Some(valid_from), Some(valid_to)) =
                (parse_time(&rule.valid_from), parse_time(&rule.valid_to))
            else {
                return Err(CertLogicError::rule(id, RuleErrorKind::InvalidValidity));
            };
            if valid_from > valid_to {
                return Err(CertLogicError::rule(id, RuleErrorKind::InvalidValidity));
            }
            if loaded
                .iter()
                .any(|r| r.rule.identifier == rule.identifier && r.version == version)
            {
                return Err(CertLogicError::rule(id, RuleErrorKind::DuplicateVersion));
            }
            if validate_with_limits(&rule.logic, &Limits::DEFAULT).is_err() {
                return Err(CertLogicError::rule(id, RuleErrorKind::InvalidLogic));
            }
            loaded.push(LoadedRule {
                rule,
                version,
                valid_from,
                valid_to,
            });
        }
        Ok(RuleSet { rules: loaded })
    }

    /// Parses a rule set document (the shapes of `spec/rules.md` §Rule JSON shape).
    pub fn from_json(text: &str) -> Result<RuleSet, CertLogicError> {
        let v = parse_json(text, &Limits::DEFAULT)?;
        let doc: RuleSetDocument = serde_json::from_value(v)
            .map_err(|_| CertLogicError::rule(None, RuleErrorKind::Shape))?;
        RuleSet::try_from(doc)
    }

    /// Parses a rule set from bytes (UTF-8 JSON), e.g. the payload of a signed envelope.
    pub fn from_bytes(bytes: &[u8]) -> Result<RuleSet, CertLogicError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| CertLogicError::InvalidJson { line: 0, column: 0 })?;
        RuleSet::from_json(text)
    }

    /// The canonical bytes of this rule set: a compact JSON array of rules, in load order.
    pub fn to_bytes(&self) -> Vec<u8> {
        let rules: Vec<&Rule> = self.rules.iter().map(|r| &r.rule).collect();
        // Serialising plain data structs with string keys cannot fail.
        serde_json::to_vec(&rules).unwrap_or_default()
    }

    /// The shipped Vietnamese venue rule set (`certlogic/rules/vn-venue.json`).
    pub fn builtin_vn_venue() -> Result<RuleSet, CertLogicError> {
        RuleSet::from_json(Self::VN_VENUE)
    }

    /// The shipped Vietnamese travel rule set (`certlogic/rules/vn-travel.json`).
    pub fn builtin_vn_travel() -> Result<RuleSet, CertLogicError> {
        RuleSet::from_json(Self::VN_TRAVEL)
    }

    /// All rules, every version, in load order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|r| &r.rule)
    }

    /// The rules that apply to `cert_type` at `clock`: those of `CertificateType` `General` or
    /// `cert_type` with `ValidFrom ≤ clock ≤ ValidTo`, and per `Identifier` only the highest
    /// `Version` among those. Sorted by identifier.
    pub fn select(&self, cert_type: CertificateType, clock: DateTime<Utc>) -> Vec<&Rule> {
        let mut best: BTreeMap<&str, &LoadedRule> = BTreeMap::new();
        for r in &self.rules {
            let type_ok = r.rule.certificate_type == CertificateType::General
                || r.rule.certificate_type == cert_type;
            if !type_ok || clock < r.valid_from || clock > r.valid_to {
                continue;
            }
            let slot = best.entry(r.rule.identifier.as_str()).or_insert(r);
            if r.version > slot.version {
                *slot = r;
            }
        }
        best.into_values().map(|r| &r.rule).collect()
    }

    /// Evaluates the rules selected for `cert_type` at `external.validation_clock` over
    /// `{payload, external}`. A rule passes when its logic evaluates to a truthy value; an
    /// evaluation error (including a limit) fails the rule and is reported.
    pub fn evaluate(
        &self,
        cert_type: CertificateType,
        payload: &Value,
        external: &ExternalParameters,
    ) -> RuleReport {
        self.evaluate_with_limits(cert_type, payload, external, &Limits::DEFAULT)
    }

    /// [`RuleSet::evaluate`] with the certificate type taken from the payload
    /// ([`CertificateType::of_payload`]).
    pub fn evaluate_payload(&self, payload: &Value, external: &ExternalParameters) -> RuleReport {
        self.evaluate(CertificateType::of_payload(payload), payload, external)
    }

    /// [`RuleSet::evaluate`] with explicit per-rule [`Limits`].
    pub fn evaluate_with_limits(
        &self,
        cert_type: CertificateType,
        payload: &Value,
        external: &ExternalParameters,
        limits: &Limits,
    ) -> RuleReport {
        let clock = format_clock(external.validation_clock);
        let ext = external.as_val(&clock);
        let context = Val::Map(Rc::new(Composite {
            items: vec![("payload", Val::from_json(payload)), ("external", ext)],
            depth: 2,
        }));
        let mut report = RuleReport {
            certificate_type: cert_type,
            evaluated: Vec::new(),
            failed: Vec::new(),
        };
        for rule in self.select(cert_type, external.validation_clock) {
            report.evaluated.push(rule.identifier.clone());
            let error = match evaluate_in_context(&rule.logic, &context, limits) {
                Ok(v) if v.truth() == Truth::Truthy => continue,
                Ok(_) => None,
                Err(e) => Some(e),
            };
            report.failed.push(FailedRule {
                identifier: rule.identifier.clone(),
                rule_type: rule.rule_type,
                version: rule.version.clone(),
                descriptions: rule.description.clone(),
                error,
            });
        }
        report
    }
}

fn format_clock(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The `external` part of the rule data context.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalParameters {
    /// `external.validationClock` (rendered `YYYY-MM-DDThh:mm:ss.sssZ`); also the clock used
    /// to select rule versions.
    pub validation_clock: DateTime<Utc>,
    /// `external.valueSets`: `{"<valueSetId>": [codes]}` (see [`crate::value_sets_from_json`]).
    pub value_sets: Value,
    /// `external.countryCode`: the verifying country (e.g. `VN`).
    pub country_code: Option<String>,
    /// `external.exp`: the CWT expiry of the certificate.
    pub exp: Option<DateTime<Utc>>,
    /// `external.iat`: the CWT issued-at of the certificate.
    pub iat: Option<DateTime<Utc>>,
    /// Further `external.*` parameters; names above take precedence.
    pub extra: Map<String, Value>,
}

impl ExternalParameters {
    /// Parameters at `clock` with the built-in value sets and country `VN`.
    pub fn new(validation_clock: DateTime<Utc>) -> Self {
        ExternalParameters {
            validation_clock,
            value_sets: crate::builtin_value_sets(),
            country_code: Some("VN".into()),
            exp: None,
            iat: None,
            extra: Map::new(),
        }
    }

    /// The `external` object as JSON (e.g. to build DATA for the rule-author command).
    pub fn to_json(&self) -> Value {
        let mut m = self.extra.clone();
        m.insert(
            "validationClock".into(),
            format_clock(self.validation_clock).into(),
        );
        m.insert("valueSets".into(), self.value_sets.clone());
        if let Some(c) = &self.country_code {
            m.insert("countryCode".into(), c.clone().into());
        }
        if let Some(t) = self.exp {
            m.insert("exp".into(), format_clock(t).into());
        }
        if let Some(t) = self.iat {
            m.insert("iat".into(), format_clock(t).into());
        }
        Value::Object(m)
    }

    /// Builds `external` as an evaluator value that borrows the (large) value sets.
    fn as_val<'a>(&'a self, clock: &str) -> Val<'a> {
        let time =
            |t: Option<DateTime<Utc>>| t.map_or(Val::Null, |t| Val::Str(Rc::from(format_clock(t))));
        let mut items: Vec<(&'a str, Val<'a>)> = vec![
            ("validationClock", Val::Str(Rc::from(clock))),
            ("valueSets", Val::from_json(&self.value_sets)),
            (
                "countryCode",
                self.country_code
                    .as_deref()
                    .map_or(Val::Null, |c| Val::Str(Rc::from(c))),
            ),
            ("exp", time(self.exp)),
            ("iat", time(self.iat)),
        ];
        for (k, v) in &self.extra {
            if !items.iter().any(|(name, _)| name == k) {
                items.push((k.as_str(), Val::from_json(v)));
            }
        }
        Val::Map(Rc::new(Composite { items, depth: 1 }))
    }
}

/// One failed rule in a [`RuleReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedRule {
    /// The rule's `Identifier`.
    pub identifier: String,
    /// The rule's `Type`.
    pub rule_type: RuleType,
    /// The `Version` that was evaluated.
    pub version: String,
    /// The rule's descriptions (`vi` and `en` for the shipped rules).
    pub descriptions: Vec<Description>,
    /// The evaluation error, when the rule failed by error rather than by a falsy result.
    pub error: Option<CertLogicError>,
}

impl FailedRule {
    /// The description in `lang`, falling back to English, then to the first one.
    pub fn description(&self, lang: &str) -> Option<&str> {
        find_description(&self.descriptions, lang)
    }
}

/// The outcome of evaluating a rule set over one certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleReport {
    /// The certificate type rules were selected for.
    pub certificate_type: CertificateType,
    /// Identifiers of every rule evaluated (one version each), sorted.
    pub evaluated: Vec<String>,
    /// The rules that failed, sorted by identifier.
    pub failed: Vec<FailedRule>,
}

impl RuleReport {
    /// `true` when at least one rule applied and none failed. A report with no applicable
    /// rule is *not* a pass (fail closed: e.g. every rule version still in the future).
    pub fn passed(&self) -> bool {
        !self.evaluated.is_empty() && self.failed.is_empty()
    }
}
