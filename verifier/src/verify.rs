//! The verification call and its check order (spec/verifier.md §Check order):
//! decode → DSCs with the kid → signature → key usage → time → revocation → schema → rules.

use std::collections::BTreeSet;

use certlogic::ExternalParameters;
use time::OffsetDateTime;
use trust_list::error::ListKind;
use trust_list::store::{TrustStore, TrustedKey};
use wallet_format::{CertificateType, Decoded, Limits};

use crate::policy::{Policy, RulePolicy};
use crate::revocation::RevocationData;
use crate::status::Status;
use crate::verdict::{Check, Dose, FailedRule, Holder, Outcome, Reason, Verdict};

/// The trust data one verification uses. Built once, shared by every verification (it is
/// `Sync`; batch mode shares one across threads).
#[derive(Debug)]
pub struct TrustContext {
    /// The trusted keys, or why there are none usable.
    pub trust: TrustData,
    /// The revocation list, if one is configured.
    pub revocation: RevocationData,
    /// How long after its `valid_until` a signed list stays usable (seconds).
    pub grace: i64,
    /// Decoder limits.
    pub limits: Limits,
}

/// The trust-list part of a [`TrustContext`].
#[derive(Debug)]
pub enum TrustData {
    /// No trust source was given: every pass that decodes is CANNOT_CHECK
    /// (`TRUST_LIST_MISSING`).
    Missing,
    /// A trust source was given but could not be used (bad signature, rollback, expired
    /// beyond grace at load, malformed): every pass that decodes is CANNOT_CHECK with its code.
    Unusable(trust_list::Error),
    /// The union of the trust sources.
    Loaded(TrustStore),
}

impl TrustContext {
    /// A context over `store` with no revocation list, grace 0 and default limits.
    pub fn new(store: TrustStore) -> TrustContext {
        TrustContext {
            trust: TrustData::Loaded(store),
            revocation: RevocationData::NotConfigured,
            grace: 0,
            limits: Limits::DEFAULT,
        }
    }

    /// A context with no trust data at all.
    pub fn missing() -> TrustContext {
        TrustContext {
            trust: TrustData::Missing,
            revocation: RevocationData::NotConfigured,
            grace: 0,
            limits: Limits::DEFAULT,
        }
    }

    /// The trust store if it is usable at `clock`: signed lists are re-checked against the
    /// verification clock (valid_until + grace), so a long-running gate turns CANNOT_CHECK
    /// when its list goes stale beyond grace.
    fn usable_store(&self, clock: i64) -> Result<&TrustStore, Reason> {
        match &self.trust {
            TrustData::Missing => Err(Reason::TrustListMissing),
            TrustData::Unusable(e) => Err(Reason::TrustListUnusable(e.clone())),
            TrustData::Loaded(store) => {
                for source in store.sources() {
                    if let Some(valid_until) = source.valid_until {
                        trust_list::envelope::check_expiry(
                            valid_until,
                            clock,
                            self.grace,
                            ListKind::TrustList,
                        )
                        .map_err(Reason::TrustListUnusable)?;
                    }
                }
                Ok(store)
            }
        }
    }
}

/// Verify one scanned pass text at `clock`. Never panics; every failure is a verdict.
pub fn verify(text: &str, ctx: &TrustContext, policy: &Policy, clock: OffsetDateTime) -> Verdict {
    match wallet_format::decode(text, &ctx.limits) {
        Ok(decoded) => verify_decoded(&decoded, ctx, policy, clock),
        Err(e) => Verdict::undecoded(Reason::Format(e)),
    }
}

/// Verify every QR code in an image (PNG or JPEG bytes), in the order found. An unreadable
/// image gives one `IMAGE_INVALID` verdict, an image without a QR code one `QR_NOT_FOUND`.
pub fn verify_image(
    bytes: &[u8],
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
) -> Vec<Verdict> {
    verify_image_texts(
        wallet_format::qr::decode_image(bytes, &ctx.limits),
        ctx,
        policy,
        clock,
    )
}

/// Verdicts for the outcome of QR detection on one image (shared by [`verify_image`] and the
/// binary's time-bounded image path): every text found, `QR_NOT_FOUND` for none, or the
/// detection error.
pub fn verify_image_texts(
    found: Result<Vec<String>, wallet_format::Error>,
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
) -> Vec<Verdict> {
    match found {
        Ok(texts) if !texts.is_empty() => texts
            .iter()
            .map(|t| verify(t, ctx, policy, clock))
            .collect(),
        Ok(_) => vec![Verdict::undecoded(Reason::Format(
            wallet_format::Error::QrNotFound,
        ))],
        Err(e) => vec![Verdict::undecoded(Reason::Format(e))],
    }
}

fn unix_time(t: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(t).ok()
}

/// The verdict fields a decoded (not yet verified) pass fills in.
fn describe(decoded: &Decoded) -> Verdict {
    let claims = &decoded.claims;
    let dcc = &claims.dcc;
    let mut v = Verdict::undecoded(Reason::RulesFailed);
    v.reason = None;
    v.failed_check = None;
    v.outcome = Outcome::Valid;
    v.kid = Some(decoded.kid());
    v.algorithm = Some(decoded.algorithm());
    v.issuer = claims.iss.clone();
    v.issued_at = claims.iat.and_then(unix_time);
    v.expires_at = claims.exp.and_then(unix_time);
    v.certificate_type = dcc.certificate_type();
    v.uvci = dcc.uvci().map(str::to_string);
    if let Some(x) = dcc.vaccination() {
        v.dose = Some(Dose { n: x.dn, of: x.sd });
        v.event_date = Some(x.dt.clone());
        v.country = Some(x.co.clone());
    } else if let Some(x) = dcc.test() {
        v.event_date = Some(x.sc.clone());
        v.country = Some(x.co.clone());
    } else if let Some(x) = dcc.recovery() {
        v.event_date = Some(x.fr.clone());
        v.valid_from = Some(x.df.clone());
        v.valid_until = Some(x.du.clone());
        v.country = Some(x.co.clone());
    }
    v.holder = Some(Holder {
        family_name: dcc.nam.family.clone(),
        given_name: dcc.nam.given.clone(),
        family_name_t: dcc.nam.family_t.clone(),
        given_name_t: dcc.nam.given_t.clone(),
        dob: dcc.dob.clone(),
    });
    v
}

fn fail(mut v: Verdict, check: Check, reason: Reason) -> Verdict {
    v.outcome = reason.outcome();
    v.failed_check = Some(check);
    v.reason = Some(reason);
    v.status = None;
    v
}

/// The certificate types a payload carries (several for a malformed multi-group payload).
fn payload_types(decoded: &Decoded) -> Vec<CertificateType> {
    let dcc = &decoded.claims.dcc;
    let mut types = Vec::with_capacity(1);
    if dcc.v.as_ref().is_some_and(|g| !g.is_empty()) {
        types.push(CertificateType::Vaccination);
    }
    if dcc.t.as_ref().is_some_and(|g| !g.is_empty()) {
        types.push(CertificateType::Test);
    }
    if dcc.r.as_ref().is_some_and(|g| !g.is_empty()) {
        types.push(CertificateType::Recovery);
    }
    types
}

/// Key usage then time, for one key that verified the signature.
fn check_key(
    key: &TrustedKey,
    decoded: &Decoded,
    clock: i64,
) -> Result<(), (Check, trust_list::Error)> {
    for t in payload_types(decoded) {
        key.check_type(t).map_err(|e| (Check::KeyUsage, e))?;
    }
    key.check_time(decoded.claims.iat, decoded.claims.exp, clock)
        .map_err(|e| (Check::Time, e))
}

/// Verify an already decoded pass (the steps after decode).
pub fn verify_decoded(
    decoded: &Decoded,
    ctx: &TrustContext,
    policy: &Policy,
    clock: OffsetDateTime,
) -> Verdict {
    let v = describe(decoded);
    let now = clock.unix_timestamp();

    // 2. every DSC with the kid; none → KEY_NOT_IN_TRUST_LIST, no "try every key" fallback.
    let store = match ctx.usable_store(now) {
        Ok(s) => s,
        Err(reason) => return fail(v, Check::Trust, reason),
    };
    let candidates = store.candidates(&decoded.kid());
    if candidates.is_empty() {
        return fail(v, Check::Trust, Reason::KeyNotInTrustList);
    }

    // 3. signature: every candidate is tried; then 4./5. key usage and time on the keys that
    // verified (the first key that passes both wins; else the first key's failure is reported).
    let tbs = decoded.cose.to_be_signed();
    let signature = decoded.signature();
    let mut signature_error: Option<wallet_format::Error> = None;
    let mut first_key_failure: Option<(Check, trust_list::Error)> = None;
    let mut accepted = false;
    let mut verified_any = false;
    for key in candidates {
        match key.public_key.verify(decoded.algorithm(), &tbs, signature) {
            Ok(()) => {
                verified_any = true;
                match check_key(key, decoded, now) {
                    Ok(()) => {
                        accepted = true;
                        break;
                    }
                    Err(f) => {
                        if first_key_failure.is_none() {
                            first_key_failure = Some(f);
                        }
                    }
                }
            }
            Err(e) => {
                // A signature failure outranks a key-type mismatch in the report.
                if signature_error.is_none() || e == wallet_format::Error::SignatureInvalid {
                    signature_error = Some(e);
                }
            }
        }
    }
    let mut v = v;
    v.signature_verified = verified_any;
    if !verified_any {
        let e = signature_error.unwrap_or(wallet_format::Error::SignatureInvalid);
        return fail(v, Check::Signature, Reason::Signature(e));
    }
    if !accepted {
        if let Some((check, e)) = first_key_failure {
            return fail(v, check, Reason::Trust(e));
        }
    }

    // 6. revocation: every hash type listed for the kid.
    if let Err(reason) = ctx.revocation.check(decoded, now, ctx.grace) {
        return fail(v, Check::Revocation, reason);
    }

    // 7. schema and rules (every policy but `none`).
    if let Policy::Rules(rules) = policy {
        if let Err(e) = rules.schema().validate(decoded.dcc_json()) {
            return fail(v, Check::Schema, Reason::Schema(e));
        }
        let (failed, evaluated) = run_rules(rules, decoded, clock);
        if !failed.is_empty() {
            v.failed_rules = failed;
            return fail(v, Check::Rules, Reason::RulesFailed);
        }
        if evaluated == 0 {
            return fail(v, Check::Rules, Reason::RulesNotApplicable);
        }
    }

    v.status = Status::of(&decoded.claims.dcc);
    v
}

fn chrono_time(t: OffsetDateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    let millis = i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()?;
    chrono::DateTime::from_timestamp_millis(millis)
}

/// Evaluate the policy's rules; returns the failed rules and how many rules applied.
fn run_rules(
    policy: &RulePolicy,
    decoded: &Decoded,
    clock: OffsetDateTime,
) -> (Vec<FailedRule>, usize) {
    let Some(validation_clock) = chrono_time(clock) else {
        return (Vec::new(), 0);
    };
    let seconds = |s: Option<i64>| s.and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    let mut extra = serde_json::Map::new();
    extra.insert(
        "kid".into(),
        serde_json::Value::String(decoded.kid().to_base64()),
    );
    let external = ExternalParameters {
        validation_clock,
        value_sets: policy.value_sets().clone(),
        country_code: Some(policy.country_code().to_string()),
        exp: seconds(decoded.claims.exp),
        iat: seconds(decoded.claims.iat),
        extra,
    };
    let report = policy
        .rules()
        .evaluate_payload(decoded.dcc_json(), &external);
    let mut seen = BTreeSet::new();
    let failed = report
        .failed
        .iter()
        .filter(|f| seen.insert(f.identifier.clone()))
        .map(|f| FailedRule {
            id: f.identifier.clone(),
            description_vi: f.description("vi").map(str::to_string),
            description_en: f.description("en").map(str::to_string),
        })
        .collect();
    (failed, report.evaluated.len())
}
