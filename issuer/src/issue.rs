//! The issuance core (spec/issuer.md §Flows): issue a dose, correct a dose or a person,
//! revoke, revoke everything of a DSC, holder retrieval. Every operation is one database
//! transaction that also appends to the audit log; HTTP handlers and the bulk importer call
//! [`Issuer`] and nothing else.

use crate::audit;
use crate::db::store::{CertRow, DoseRow, NewPerson, PersonRow, Store};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::group_commit::GroupCommit;
use crate::ident::Ident;
use crate::input::{DoseFields, DoseInput, PersonInput};
use crate::keys::Keys;
use crate::valuesets;
use crate::with_db;
use serde::Serialize;
use std::sync::Arc;
use wallet_format::uvci::Uvci;
use wallet_format::{Claims, Dcc, KeySigner, Name, Signer, Vaccination};

/// Holder retrieval: wrong attempts before lock-out.
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// Holder retrieval: lock-out duration (seconds).
pub const LOCKOUT_SECONDS: i64 = 15 * 60;

/// Issuer settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Issuing country (UVCI and `co` default), `VN`.
    pub country: String,
    /// The `is` field of the certificate.
    pub issuer_name: String,
    /// Certificate validity from issuance, in days.
    pub validity_days: i64,
    /// Concurrent single issuances share one transaction (group commit); off: one
    /// transaction (and one fsync) per issuance.
    pub group_commit: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            country: "VN".into(),
            issuer_name: wallet_format::profile::ISSUER_TEXT.into(),
            validity_days: 365,
            group_commit: true,
        }
    }
}

/// Why a certificate is revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeReason {
    /// Issued by mistake.
    Error,
    /// Fraudulent.
    Fraud,
    /// Its DSC key is compromised.
    KeyCompromise,
    /// Superseded by a corrected certificate.
    Correction,
}

impl RevokeReason {
    /// Wire name.
    pub fn name(self) -> &'static str {
        match self {
            RevokeReason::Error => "error",
            RevokeReason::Fraud => "fraud",
            RevokeReason::KeyCompromise => "key_compromise",
            RevokeReason::Correction => "correction",
        }
    }

    /// Parse the reasons a caller may give.
    pub fn from_name(s: &str) -> Option<RevokeReason> {
        match s {
            "error" => Some(RevokeReason::Error),
            "fraud" => Some(RevokeReason::Fraud),
            "key_compromise" => Some(RevokeReason::KeyCompromise),
            _ => None,
        }
    }
}

/// The certificate as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CertView {
    pub uvci: String,
    pub hc1: String,
    /// `partial`, `complete` or `booster`.
    pub status: String,
    pub dose_number: i64,
    pub series_total: i64,
    pub kid: String,
    pub issued_at: String,
    pub expires_at: String,
    /// `current`, `superseded` or `revoked`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// Unix seconds as RFC 3339 (UTC).
pub fn rfc3339_pub(t: i64) -> String {
    rfc3339(t)
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl From<&CertRow> for CertView {
    fn from(c: &CertRow) -> Self {
        CertView {
            uvci: c.uvci.clone(),
            hc1: c.hc1.clone(),
            status: c.status.clone(),
            dose_number: c.dn,
            series_total: c.sd,
            kid: c.kid.clone(),
            issued_at: rfc3339(c.issued_at),
            expires_at: rfc3339(c.expires_at),
            state: c.state.clone(),
            revoke_reason: c.revoke_reason.clone(),
            replaced_by: c.replaced_by.clone(),
        }
    }
}

/// Result of issuing (and of a retry).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IssueOutcome {
    /// Our record id of the dose.
    pub record_id: String,
    /// The holder's retrieval code (only on the submission that created the person).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrieval_code: Option<String>,
    /// The certificate the person holds after this dose.
    pub certificate: CertView,
    /// True when this answers a retry (nothing new was written).
    #[serde(skip)]
    pub replayed: bool,
}

/// The status of a dose: partial (dn < sd), booster (dn above the product's primary
/// series), complete otherwise.
pub fn status_of(dn: i64, sd: i64, product: &str) -> &'static str {
    let primary = valuesets::primary_series(product).unwrap_or(sd);
    if dn < sd {
        "partial"
    } else if dn > primary {
        "booster"
    } else {
        "complete"
    }
}

/// The dose a person's certificate reflects: highest dose number, then latest date, then
/// latest upload. A lower dose uploaded late never wins.
pub fn best_dose(doses: &[DoseRow]) -> Option<&DoseRow> {
    doses
        .iter()
        .filter(|d| d.state == "active")
        .max_by(|a, b| (a.dn, &a.dt, a.created_at, &a.id).cmp(&(b.dn, &b.dt, b.created_at, &b.id)))
}

/// A batch hashed and signed, ready for [`Issuer::write_batch`].
pub struct PreparedBatch {
    inputs: Vec<DoseInput>,
    prepared: Vec<Prepared>,
    signer: Arc<KeySigner>,
}

impl PreparedBatch {
    /// The submissions, in order.
    pub fn inputs(&self) -> &[DoseInput] {
        &self.inputs
    }
}

impl std::fmt::Debug for PreparedBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedBatch")
            .field("rows", &self.inputs.len())
            .finish()
    }
}

/// Per-row work of a batch done in parallel before its transaction.
struct Prepared {
    hash: Vec<u8>,
    id_hash: Vec<u8>,
    signed: Result<Signed>,
}

/// The same error again (a batch may be run twice; signing errors are reported each time).
fn same_error(e: &Error) -> Error {
    match e {
        Error::Format(w) => Error::Format(w.clone()),
        Error::Internal(s) => Error::Internal(s.clone()),
        other => Error::Internal(other.to_string()),
    }
}

/// A certificate signed outside the database transaction, ready to insert.
#[derive(Clone)]
struct Signed {
    uvci: String,
    hc1: String,
    kid: String,
    dn: i64,
    sd: i64,
    status: &'static str,
    issued_at: i64,
    expires_at: i64,
}

/// Sign a certificate for `dose` of `person` (pure CPU; no database).
fn sign_with(
    settings: &Settings,
    signer: &KeySigner,
    person: &PersonInput,
    dose: &DoseFields,
    now: i64,
) -> Result<Signed> {
    let uvci = new_uvci(&settings.country)?;
    let expires_at = now + settings.validity_days * 86_400;
    let given_t = person
        .given_name
        .as_deref()
        .map(wallet_format::transliterate::icao)
        .filter(|s| !s.is_empty());
    let claims = Claims {
        iss: Some(settings.country.clone()),
        iat: Some(now),
        exp: Some(expires_at),
        dcc: Dcc {
            ver: "1.3.0".into(),
            nam: Name {
                family: Some(person.family_name.clone()),
                given: person.given_name.clone(),
                family_t: Some(wallet_format::transliterate::icao(&person.family_name)),
                given_t,
            },
            dob: person.date_of_birth.clone(),
            v: Some(vec![Vaccination {
                tg: dose.target.clone(),
                vp: dose.vaccine_type.clone(),
                mp: dose.product.clone(),
                ma: dose.manufacturer.clone(),
                dn: u32::try_from(dose.dose_number).unwrap_or(1),
                sd: u32::try_from(dose.series_total).unwrap_or(1),
                dt: dose.date.clone(),
                co: dose.country.clone(),
                issuer: settings.issuer_name.clone(),
                ci: uvci.clone(),
            }]),
            ..Dcc::default()
        },
    };
    let hc1 = wallet_format::encode(&claims, signer)?;
    Ok(Signed {
        uvci,
        hc1,
        kid: signer.kid().to_base64(),
        dn: dose.dose_number,
        sd: dose.series_total,
        status: status_of(dose.dose_number, dose.series_total, &dose.product),
        issued_at: now,
        expires_at,
    })
}

/// The issuing service core.
pub struct Issuer {
    /// Database.
    pub db: Db,
    /// Keys.
    pub keys: Arc<Keys>,
    /// Person-identifier hashing.
    pub ident: Ident,
    /// Settings.
    pub settings: Settings,
    /// Single issuances waiting to share a transaction.
    group: GroupCommit<PendingIssue, Result<Option<IssueOutcome>>>,
}

/// One single issuance, signed and ready to write (the unit of a group commit).
#[derive(Clone)]
struct PendingIssue {
    input: DoseInput,
    hash: Vec<u8>,
    id_hash: Vec<u8>,
    signed: Signed,
    signer: Arc<KeySigner>,
    actor: String,
    now: i64,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("db", &self.db.backend())
            .finish()
    }
}

/// Generate a fresh UVCI: `wallet_format::profile::UVCI_OPAQUE_LEN` random characters of
/// `A-Z0-9` (unbiased: rejection sampling), uniqueness enforced by the primary key.
pub fn new_uvci(country: &str) -> Result<String> {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut opaque = String::with_capacity(wallet_format::profile::UVCI_OPAQUE_LEN);
    let mut buf = [0u8; 32];
    while opaque.len() < wallet_format::profile::UVCI_OPAQUE_LEN {
        aws_lc_rs::rand::fill(&mut buf).map_err(|_| Error::Internal("rng".into()))?;
        for b in buf {
            if b < 252 && opaque.len() < wallet_format::profile::UVCI_OPAQUE_LEN {
                opaque.push(ALPHABET[(b % 36) as usize] as char); // safe: b % 36 < 36
            }
        }
    }
    Uvci::new(country, &opaque)
        .map(|u| u.as_str().to_string())
        .map_err(|_| Error::Internal("uvci generation".into()))
}

impl Issuer {
    /// Build from parts.
    pub fn new(db: Db, keys: Arc<Keys>, settings: Settings) -> Issuer {
        let ident = Ident::new(&keys.person_secret);
        Issuer {
            db,
            keys,
            ident,
            settings,
            group: GroupCommit::default(),
        }
    }

    /// Sign a certificate for `dose` of `person` (pure CPU; no database).
    fn sign(
        &self,
        signer: &KeySigner,
        person: &PersonInput,
        dose: &DoseFields,
        now: i64,
    ) -> Result<Signed> {
        sign_with(&self.settings, signer, person, dose, now)
    }

    fn person_input(p: &PersonRow, national_id: &str) -> PersonInput {
        PersonInput {
            national_id: national_id.to_string(),
            family_name: p.family_name.clone().unwrap_or_default(),
            given_name: p.given_name.clone(),
            date_of_birth: p.dob.clone(),
        }
    }

    fn dose_fields(d: &DoseRow) -> DoseFields {
        DoseFields {
            target: d.tg.clone(),
            vaccine_type: d.vp.clone(),
            product: d.mp.clone(),
            manufacturer: d.ma.clone(),
            dose_number: d.dn,
            series_total: d.sd,
            date: d.dt.clone(),
            country: d.co.clone(),
            lot: d.lot.clone(),
        }
    }

    async fn replay<C: Store>(
        &self,
        conn: &mut C,
        existing: &DoseRow,
        hash: &[u8],
    ) -> Result<IssueOutcome> {
        if existing.content_hash != hash {
            return Err(Error::IdempotencyConflict);
        }
        let uvci = existing.response_uvci.as_deref().ok_or(Error::NotFound)?;
        let cert = conn.cert_get(uvci).await?.ok_or(Error::NotFound)?;
        let person = conn
            .person_by_id(&existing.person_id)
            .await?
            .ok_or(Error::NotFound)?;
        Ok(self.replayed(existing, &cert, &person))
    }

    /// The answer to a retry of `existing` (content already checked).
    fn replayed(&self, existing: &DoseRow, cert: &CertRow, person: &PersonRow) -> IssueOutcome {
        IssueOutcome {
            record_id: existing.id.clone(),
            retrieval_code: (existing.first_issue == 1)
                .then(|| self.ident.retrieval_code(&person.id, person.rc_version)),
            certificate: CertView::from(cert),
            replayed: true,
        }
    }

    /// Issue one dose submitted by facility `input.facility_id` (the caller has been checked).
    /// Idempotent on (facility, facility record id).
    pub async fn issue_dose(
        &self,
        input: &DoseInput,
        actor: &str,
        now: i64,
    ) -> Result<IssueOutcome> {
        let hash = input.content_hash();
        // Fast path for retries.
        let existing = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            match c
                .dose_by_record(&input.facility_id, &input.facility_record_id)
                .await?
            {
                Some(d) => Some(self.replay(&mut *c, &d, &hash).await),
                None => None,
            }
        });
        if let Some(r) = existing {
            return r;
        }
        let signer = self.keys.current_signer(&self.db).await?;
        // Signed speculatively before the transaction (short lock hold); discarded if the dose
        // turns out not to be the person's best.
        let signed = self.sign(&signer, &input.person, &input.dose, now)?;
        let pending = PendingIssue {
            input: input.clone(),
            id_hash: self.ident.national_id_hash(&input.person.national_id),
            hash,
            signed,
            signer,
            actor: actor.to_string(),
            now,
        };
        let written = if self.settings.group_commit {
            match self
                .group
                .submit(pending.clone(), |group| self.write_group(group))
                .await
            {
                Some(r) => r,
                // The leader carrying this issuance was cancelled: write it alone.
                None => self.write_one(&pending).await,
            }
        } else {
            self.write_one(&pending).await
        };
        match written? {
            Some(out) => Ok(out),
            None => {
                // Lost a race with a concurrent identical submission: answer as a retry.
                with_db!(&self.db, |p| {
                    let mut c = p.acquire().await?;
                    let d = c
                        .dose_by_record(&input.facility_id, &input.facility_record_id)
                        .await?
                        .ok_or(Error::NotFound)?;
                    self.replay(&mut *c, &d, &pending.hash).await
                })
            }
        }
    }

    /// Group-commit counters of the single-issuance path (metrics: average group size).
    pub fn group_commit_stats(&self) -> crate::group_commit::GroupStats {
        self.group.stats()
    }

    /// [`Issuer::issue_in_tx`] for a pending single issuance.
    async fn issue_pending<C: Store>(
        &self,
        tx: &mut C,
        j: &PendingIssue,
        chain: &mut audit::Chain,
    ) -> Result<Option<IssueOutcome>> {
        self.issue_in_tx(
            tx,
            &j.input,
            &j.hash,
            &j.id_hash,
            j.signed.clone(),
            &j.signer,
            chain,
            &j.actor,
            j.now,
        )
        .await
    }

    /// One issuance in its own transaction. `None`: its record id was stored concurrently
    /// (nothing written; the caller answers as a retry).
    async fn write_one(&self, j: &PendingIssue) -> Result<Option<IssueOutcome>> {
        with_db!(&self.db, |p| {
            let mut tx = crate::db::BeginWrite::begin_write(p).await?;
            let r = self
                .issue_pending(&mut *tx, j, &mut audit::Chain::default())
                .await;
            match r {
                Ok(Some(out)) => {
                    tx.commit().await?;
                    Ok(Some(out))
                }
                Ok(None) => {
                    tx.rollback().await?;
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        })
    }

    /// A group of single issuances in one transaction, each inside its own savepoint so that
    /// one failing issuance (or one that lost a race) leaves the others intact. If the group
    /// transaction itself fails, every issuance is retried alone, so one poisoned issuance
    /// never fails its neighbours. One result per issuance, in order.
    async fn write_group(&self, group: Vec<PendingIssue>) -> Vec<Result<Option<IssueOutcome>>> {
        if group.len() == 1 {
            return vec![self.write_one(&group[0]).await];
        }
        let together: Result<Vec<Result<Option<IssueOutcome>>>> = with_db!(&self.db, |p| async {
            let mut tx = crate::db::BeginWrite::begin_write(p).await?;
            let mut chain = audit::Chain::default();
            let mut out = Vec::with_capacity(group.len());
            for j in &group {
                sqlx::query("SAVEPOINT single_issue")
                    .execute(&mut *tx)
                    .await?;
                let before = chain.clone();
                let r = self.issue_pending(&mut *tx, j, &mut chain).await;
                if !matches!(r, Ok(Some(_))) {
                    sqlx::query("ROLLBACK TO SAVEPOINT single_issue")
                        .execute(&mut *tx)
                        .await?;
                    chain = before;
                }
                sqlx::query("RELEASE SAVEPOINT single_issue")
                    .execute(&mut *tx)
                    .await?;
                out.push(r);
            }
            tx.commit().await?;
            Ok(out)
        }
        .await);
        match together {
            Ok(out) => out,
            Err(_) => {
                let mut out = Vec::with_capacity(group.len());
                for j in &group {
                    out.push(self.write_one(j).await);
                }
                out
            }
        }
    }

    /// Issue many doses in one transaction (bulk import, benchmarks). Signing runs in
    /// parallel on every core before the transaction. Inside it, rows for a person not yet
    /// stored (and appearing once in the batch) take the set-based path: one lookup for the
    /// whole batch, multi-row inserts of persons, doses, certificates and audit entries (one
    /// entry per issuance, as on the single path). Every other row (a retry, a person already
    /// known or met twice in the batch) goes through the single-dose logic, in input order.
    /// Rows already present are answered as retries (or `IDEMPOTENCY_CONFLICT`). One outcome
    /// per input, in order.
    pub async fn issue_batch(
        &self,
        inputs: &[DoseInput],
        actor: &str,
        now: i64,
    ) -> Result<Vec<Result<IssueOutcome>>> {
        let batch = self.prepare_batch(inputs.to_vec(), now).await?;
        self.write_batch(&batch, actor, now).await
    }

    /// The CPU half of [`Issuer::issue_batch`]: hash and sign every row in parallel on the
    /// rayon pool, off the async runtime, so that the caller can write the previous batch
    /// meanwhile (the bulk importer pipelines batches this way).
    pub async fn prepare_batch(&self, inputs: Vec<DoseInput>, now: i64) -> Result<PreparedBatch> {
        let signer = self.keys.current_signer(&self.db).await?;
        let (settings, ident, key) = (self.settings.clone(), self.ident.clone(), signer.clone());
        let (done, result) = tokio::sync::oneshot::channel();
        rayon::spawn(move || {
            use rayon::prelude::*;
            let prepared = inputs
                .par_iter()
                .map(|i| Prepared {
                    hash: i.content_hash(),
                    id_hash: ident.national_id_hash(&i.person.national_id),
                    signed: sign_with(&settings, &key, &i.person, &i.dose, now),
                })
                .collect();
            // The receiver is gone only when the caller gave up; nothing to report then.
            let _ = done.send((inputs, prepared));
        });
        let (inputs, prepared) = result
            .await
            .map_err(|_| Error::Internal("batch signing stopped".into()))?;
        Ok(PreparedBatch {
            inputs,
            prepared,
            signer,
        })
    }

    /// The database half of [`Issuer::issue_batch`]: one transaction. One outcome per input,
    /// in order.
    pub async fn write_batch(
        &self,
        batch: &PreparedBatch,
        actor: &str,
        now: i64,
    ) -> Result<Vec<Result<IssueOutcome>>> {
        let PreparedBatch {
            inputs,
            prepared,
            signer,
        } = batch;
        with_db!(&self.db, |p| {
            for set_based in [true, false] {
                let mut tx = crate::db::BeginWrite::begin_write(p).await?;
                let r = self
                    .batch_in_tx(&mut *tx, inputs, prepared, signer, set_based, actor, now)
                    .await?;
                if let Some(out) = r {
                    tx.commit().await?;
                    return Ok(out);
                }
                // A concurrent writer (another replica) stored one of the batch's persons or
                // records between our lookup and our insert: redo the batch row by row.
                tx.rollback().await?;
            }
            Err(Error::Internal("batch issuance did not complete".into()))
        })
    }

    /// The body of [`Issuer::issue_batch`]; `None` when the set-based inserts met rows written
    /// concurrently (the caller rolls back and retries with `set_based = false`).
    #[allow(clippy::too_many_arguments)]
    async fn batch_in_tx<C: Store>(
        &self,
        tx: &mut C,
        inputs: &[DoseInput],
        prepared: &[Prepared],
        signer: &KeySigner,
        set_based: bool,
        actor: &str,
        now: i64,
    ) -> Result<Option<Vec<Result<IssueOutcome>>>> {
        use std::collections::{HashMap, HashSet};
        let mut chain = audit::Chain::default();
        let mut out: Vec<Option<Result<IssueOutcome>>> = Vec::with_capacity(inputs.len());
        out.resize_with(inputs.len(), || None);
        let mut existing: HashMap<(String, String), DoseRow> = HashMap::new();
        let mut simple = vec![false; inputs.len()];
        if set_based {
            let keys: Vec<(&str, &str)> = inputs
                .iter()
                .map(|i| (i.facility_id.as_str(), i.facility_record_id.as_str()))
                .collect();
            for d in tx.doses_by_records(&keys).await? {
                existing.insert((d.facility_id.clone(), d.facility_record_id.clone()), d);
            }
            let hashes: Vec<&[u8]> = prepared.iter().map(|p| p.id_hash.as_slice()).collect();
            let known: HashSet<Vec<u8>> = tx.persons_existing(&hashes).await?.into_iter().collect();
            let mut key_count: HashMap<(&str, &str), usize> = HashMap::new();
            for k in &keys {
                *key_count.entry(*k).or_default() += 1;
            }
            // A person not stored yet whose every row in the batch is new (record id unused and
            // unique in the batch, signed) is handled set-based; any other row sends all rows
            // of its person down the single-dose path, in input order.
            let mut blocked: HashSet<&[u8]> = HashSet::new();
            for ((k, h), p) in keys.iter().zip(&hashes).zip(prepared) {
                if p.signed.is_err()
                    || key_count.get(k) != Some(&1)
                    || known.contains(*h)
                    || existing.contains_key(&(k.0.to_string(), k.1.to_string()))
                {
                    blocked.insert(h);
                }
            }
            for (n, h) in hashes.iter().enumerate() {
                if let Some(s) = simple.get_mut(n) {
                    *s = !blocked.contains(h);
                }
            }
            if !self
                .insert_new_people(
                    tx, inputs, prepared, &simple, signer, &mut out, &mut chain, actor, now,
                )
                .await?
            {
                return Ok(None);
            }
        }
        // Certificates and persons answering the retries among the batch's stored records.
        let mut replays: Option<(HashMap<String, CertRow>, HashMap<String, PersonRow>)> = None;
        if !existing.is_empty() {
            let uvcis: Vec<&str> = existing
                .values()
                .filter_map(|d| d.response_uvci.as_deref())
                .collect();
            let ids: Vec<&str> = existing.values().map(|d| d.person_id.as_str()).collect();
            let certs = tx.certs_by_uvcis(&uvcis).await?;
            let persons = tx.persons_by_ids(&ids).await?;
            replays = Some((
                certs.into_iter().map(|c| (c.uvci.clone(), c)).collect(),
                persons.into_iter().map(|p| (p.id.clone(), p)).collect(),
            ));
        }
        for (n, (input, prep)) in inputs.iter().zip(prepared).enumerate() {
            if simple.get(n) == Some(&true) {
                continue;
            }
            // Stored before the batch (looked up above), or written by an earlier row of it.
            let stored = existing
                .get(&(input.facility_id.clone(), input.facility_record_id.clone()))
                .cloned();
            let known = match stored {
                Some(d) => Some(d),
                None => {
                    tx.dose_by_record(&input.facility_id, &input.facility_record_id)
                        .await?
                }
            };
            let r = if let Some(d) = known {
                match (&replays, d.response_uvci.as_deref()) {
                    // Nothing in this batch has touched a stored person yet: answer from the
                    // batch's prefetched rows (a resumed import is all retries).
                    (Some((certs, persons)), Some(uvci)) if d.content_hash == prep.hash => {
                        match (certs.get(uvci), persons.get(&d.person_id)) {
                            (Some(c), Some(p)) => Ok(self.replayed(&d, c, p)),
                            _ => self.replay(&mut *tx, &d, &prep.hash).await,
                        }
                    }
                    _ => self.replay(&mut *tx, &d, &prep.hash).await,
                }
            } else {
                // This may change a stored person's certificates: read live from now on.
                replays = None;
                match &prep.signed {
                    Err(e) => Err(same_error(e)),
                    Ok(s) => self
                        .issue_in_tx(
                            &mut *tx,
                            input,
                            &prep.hash,
                            &prep.id_hash,
                            s.clone(),
                            signer,
                            &mut chain,
                            actor,
                            now,
                        )
                        .await?
                        .ok_or(Error::IdempotencyConflict),
                }
            };
            if let Some(slot) = out.get_mut(n) {
                *slot = Some(r);
            }
        }
        Ok(Some(
            out.into_iter()
                .map(|o| o.unwrap_or_else(|| Err(Error::Internal("batch row skipped".into()))))
                .collect(),
        ))
    }

    /// The set-based part of a batch: the `simple` rows are every row of persons not stored
    /// yet. Their doses are applied in memory in input order with exactly the rules of
    /// [`Issuer::issue_in_tx`] (first dose creates the person and its certificate, a better
    /// dose supersedes it, a late lower dose is recorded without a new certificate), then
    /// written with multi-row inserts. `false` when a multi-row insert stored fewer rows than
    /// expected (a concurrent writer got there first).
    #[allow(clippy::too_many_arguments)]
    async fn insert_new_people<C: Store>(
        &self,
        tx: &mut C,
        inputs: &[DoseInput],
        prepared: &[Prepared],
        simple: &[bool],
        signer: &KeySigner,
        out: &mut [Option<Result<IssueOutcome>>],
        chain: &mut audit::Chain,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        use std::collections::HashMap;
        /// A person created in this batch: stored data, doses so far, current certificate.
        struct Held {
            person: PersonRow,
            doses: Vec<DoseRow>,
            current: usize,
        }
        let mut held: HashMap<&[u8], Held> = HashMap::new();
        let mut persons = Vec::new();
        let mut doses = Vec::new();
        let mut certs: Vec<CertRow> = Vec::new();
        let mut entries = Vec::new();
        let mut results = Vec::new();
        for (n, (input, prep)) in inputs.iter().zip(prepared).enumerate() {
            if simple.get(n) != Some(&true) {
                continue;
            }
            let signed = match &prep.signed {
                Ok(s) => s,
                Err(e) => return Err(same_error(e)),
            };
            let mut dose = DoseRow {
                id: uuid::Uuid::now_v7().to_string(),
                facility_id: input.facility_id.clone(),
                facility_record_id: input.facility_record_id.clone(),
                content_hash: prep.hash.clone(),
                person_id: String::new(),
                tg: input.dose.target.clone(),
                vp: input.dose.vaccine_type.clone(),
                mp: input.dose.product.clone(),
                ma: input.dose.manufacturer.clone(),
                dn: input.dose.dose_number,
                sd: input.dose.series_total,
                dt: input.dose.date.clone(),
                co: input.dose.country.clone(),
                lot: input.dose.lot.clone(),
                state: "active".into(),
                response_uvci: None,
                first_issue: 0,
                created_at: now,
            };
            let h = held.get_mut(prep.id_hash.as_slice());
            let (cert, retrieval_code) = match h {
                None => {
                    // First dose of a new person: the submitted person data is stored as is.
                    let person = PersonRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        family_name: Some(input.person.family_name.clone()),
                        given_name: input.person.given_name.clone(),
                        dob: input.person.date_of_birth.clone(),
                        rc_version: 1,
                        failed_attempts: 0,
                        locked_until: 0,
                    };
                    persons.push(NewPerson {
                        id: person.id.clone(),
                        id_hash: &prep.id_hash,
                        family_name: &input.person.family_name,
                        given_name: input.person.given_name.as_deref(),
                        dob: &input.person.date_of_birth,
                    });
                    dose.person_id = person.id.clone();
                    dose.first_issue = 1;
                    dose.response_uvci = Some(signed.uvci.clone());
                    let row = Self::cert_row(&person.id, &dose, signed.clone());
                    entries.push(audit::Entry {
                        actor,
                        action: "issue",
                        subject: dose.id.clone(),
                        detail: format!("uvci={} kid={}", row.uvci, row.kid),
                    });
                    let code = self.ident.retrieval_code(&person.id, person.rc_version);
                    held.insert(
                        &prep.id_hash,
                        Held {
                            person,
                            doses: vec![dose.clone()],
                            current: certs.len(),
                        },
                    );
                    certs.push(row);
                    (certs.len() - 1, Some(code))
                }
                Some(h) => {
                    dose.person_id = h.person.id.clone();
                    let mut all = h.doses.clone();
                    all.push(dose.clone());
                    let best = best_dose(&all).ok_or(Error::NotFound)?.clone();
                    if best.id == dose.id {
                        // The stored person data is authoritative (corrections are explicit).
                        let s = if first_issue_differs(&h.person, &input.person) {
                            let p = Self::person_input(&h.person, &input.person.national_id);
                            self.sign(signer, &p, &Self::dose_fields(&best), now)?
                        } else {
                            signed.clone()
                        };
                        dose.response_uvci = Some(s.uvci.clone());
                        let row = Self::cert_row(&h.person.id, &best, s);
                        if let Some(old) = certs.get_mut(h.current) {
                            old.state = "superseded".into();
                            old.state_at = Some(now);
                            old.replaced_by = Some(row.uvci.clone());
                        }
                        entries.push(audit::Entry {
                            actor,
                            action: "issue",
                            subject: best.id.clone(),
                            detail: format!("uvci={} kid={}", row.uvci, row.kid),
                        });
                        h.current = certs.len();
                        certs.push(row);
                    } else {
                        // A lower or older dose arrived late: recorded, the held certificate
                        // stays.
                        dose.response_uvci = certs.get(h.current).map(|c| c.uvci.clone());
                        entries.push(audit::Entry {
                            actor,
                            action: "record",
                            subject: dose.id.clone(),
                            detail: "no change to current certificate".into(),
                        });
                    }
                    h.doses.push(dose.clone());
                    (h.current, None)
                }
            };
            // The answer shows the certificate as it is at this point of the batch.
            let view = certs.get(cert).map(CertView::from).ok_or(Error::NotFound)?;
            results.push((n, dose.id.clone(), retrieval_code, view));
            doses.push(dose);
        }
        if persons.is_empty() {
            return Ok(true);
        }
        if tx.persons_insert_many(&persons, now).await? != persons.len() as u64 {
            return Ok(false);
        }
        if tx.doses_insert_many(&doses, now).await? != doses.len() as u64 {
            return Ok(false);
        }
        tx.certs_insert_many(&certs).await?;
        chain.append_many(tx, now, &entries).await?;
        for (n, record_id, retrieval_code, certificate) in results {
            if let Some(slot) = out.get_mut(n) {
                *slot = Some(Ok(IssueOutcome {
                    record_id,
                    retrieval_code,
                    certificate,
                    replayed: false,
                }));
            }
        }
        Ok(true)
    }

    /// The certificate row for `dose` of `person_id` (state current).
    fn cert_row(person_id: &str, dose: &DoseRow, s: Signed) -> CertRow {
        CertRow {
            uvci: s.uvci,
            person_id: person_id.to_string(),
            dose_id: dose.id.clone(),
            facility_id: dose.facility_id.clone(),
            kid: s.kid,
            hc1: s.hc1,
            dn: s.dn,
            sd: s.sd,
            status: s.status.to_string(),
            issued_at: s.issued_at,
            expires_at: s.expires_at,
            state: "current".into(),
            state_at: None,
            revoke_reason: None,
            replaced_by: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn issue_in_tx<C: Store>(
        &self,
        tx: &mut C,
        input: &DoseInput,
        hash: &[u8],
        id_hash: &[u8],
        signed: Signed,
        signer: &KeySigner,
        chain: &mut audit::Chain,
        actor: &str,
        now: i64,
    ) -> Result<Option<IssueOutcome>> {
        let new_person_id = uuid::Uuid::now_v7().to_string();
        tx.person_insert_if_absent(
            &new_person_id,
            id_hash,
            Some(&input.person.family_name),
            input.person.given_name.as_deref(),
            &input.person.date_of_birth,
            now,
        )
        .await?;
        let person = tx.person_by_hash(id_hash).await?.ok_or(Error::NotFound)?;
        let first_issue = person.id == new_person_id;
        // A person created by this transaction has no doses or certificates yet, and its
        // uncommitted row already excludes every other writer: skip the lock and the reads.
        let (doses, current) = if first_issue {
            (Vec::new(), Vec::new())
        } else {
            tx.person_lock(&person.id, now).await?;
            (
                tx.doses_of_person(&person.id).await?,
                tx.certs_current_of_person(&person.id).await?,
            )
        };
        let mut dose = DoseRow {
            id: uuid::Uuid::now_v7().to_string(),
            facility_id: input.facility_id.clone(),
            facility_record_id: input.facility_record_id.clone(),
            content_hash: hash.to_vec(),
            person_id: person.id.clone(),
            tg: input.dose.target.clone(),
            vp: input.dose.vaccine_type.clone(),
            mp: input.dose.product.clone(),
            ma: input.dose.manufacturer.clone(),
            dn: input.dose.dose_number,
            sd: input.dose.series_total,
            dt: input.dose.date.clone(),
            co: input.dose.country.clone(),
            lot: input.dose.lot.clone(),
            state: "active".into(),
            response_uvci: None,
            first_issue: i64::from(first_issue),
            created_at: now,
        };
        let mut all = doses;
        all.push(dose.clone());
        let best = best_dose(&all).ok_or(Error::NotFound)?.clone();
        let fresh = if best.id == dose.id || current.is_empty() {
            // The stored person data is authoritative (corrections are explicit).
            let signed = if best.id == dose.id && !first_issue_differs(&person, &input.person) {
                signed
            } else {
                let p = Self::person_input(&person, &input.person.national_id);
                self.sign(signer, &p, &Self::dose_fields(&best), now)?
            };
            dose.response_uvci = Some(signed.uvci.clone());
            Some(signed)
        } else {
            dose.response_uvci = current.last().map(|c| c.uvci.clone());
            None
        };
        if !tx.dose_insert(&dose, now).await? {
            return Ok(None);
        }
        let cert = match fresh {
            Some(signed) => {
                let row = self.store_cert(tx, &person.id, &best, signed).await?;
                for old in &current {
                    tx.cert_set_state(&old.uvci, "superseded", now, None, Some(&row.uvci))
                        .await?;
                }
                let detail = format!("uvci={} kid={}", row.uvci, row.kid);
                chain
                    .append(tx, now, actor, "issue", &best.id, &detail)
                    .await?;
                row
            }
            None => {
                // A lower or older dose arrived late: recorded, the held certificate stays.
                let note = "no change to current certificate";
                chain
                    .append(tx, now, actor, "record", &dose.id, note)
                    .await?;
                current.last().cloned().ok_or(Error::NotFound)?
            }
        };
        Ok(Some(IssueOutcome {
            record_id: dose.id,
            retrieval_code: first_issue
                .then(|| self.ident.retrieval_code(&person.id, person.rc_version)),
            certificate: CertView::from(&cert),
            replayed: false,
        }))
    }

    async fn store_cert<C: Store>(
        &self,
        tx: &mut C,
        person_id: &str,
        dose: &DoseRow,
        s: Signed,
    ) -> Result<CertRow> {
        let row = Self::cert_row(person_id, dose, s);
        tx.cert_insert(&row).await?;
        Ok(row)
    }

    async fn revoke_in_tx<C: Store>(
        &self,
        tx: &mut C,
        cert: &CertRow,
        reason: RevokeReason,
        replaced_by: Option<&str>,
        now: i64,
    ) -> Result<()> {
        tx.serialize_appends().await?;
        tx.cert_set_state(&cert.uvci, "revoked", now, Some(reason.name()), replaced_by)
            .await?;
        tx.revocation_insert(&cert.uvci, &cert.kid, reason.name(), now)
            .await?;
        Ok(())
    }

    /// Re-issue the person's current certificate(s) from their best dose with new UVCIs,
    /// revoking the superseded ones ("correction"). Returns the new certificate.
    async fn reissue_in_tx<C: Store>(
        &self,
        tx: &mut C,
        person: &PersonRow,
        national_id: &str,
        signer: &KeySigner,
        reason: RevokeReason,
        now: i64,
    ) -> Result<Option<CertRow>> {
        let doses = tx.doses_of_person(&person.id).await?;
        let Some(best) = best_dose(&doses).cloned() else {
            return Ok(None);
        };
        let current = tx.certs_current_of_person(&person.id).await?;
        let p = Self::person_input(person, national_id);
        let signed = self.sign(signer, &p, &Self::dose_fields(&best), now)?;
        let row = self.store_cert(tx, &person.id, &best, signed).await?;
        for old in &current {
            self.revoke_in_tx(tx, old, reason, Some(&row.uvci), now)
                .await?;
        }
        Ok(Some(row))
    }

    /// Correct a dose (`PUT /v1/vaccinations/{record_id}`). `facility` = `Some` restricts to
    /// that facility's records.
    pub async fn correct_dose(
        &self,
        record_id: &str,
        facility: Option<&str>,
        fields: &DoseFields,
        actor: &str,
        now: i64,
    ) -> Result<IssueOutcome> {
        let signer = self.keys.current_signer(&self.db).await?;
        with_db!(&self.db, |p| {
            let mut tx = crate::db::BeginWrite::begin_write(p).await?;
            let mut dose = tx.dose_by_id(record_id).await?.ok_or(Error::NotFound)?;
            if facility.is_some_and(|f| f != dose.facility_id) {
                return Err(Error::Forbidden("the record belongs to another facility"));
            }
            let person = tx
                .person_by_id(&dose.person_id)
                .await?
                .ok_or(Error::NotFound)?;
            tx.person_lock(&person.id, now).await?;
            dose.tg = fields.target.clone();
            dose.vp = fields.vaccine_type.clone();
            dose.mp = fields.product.clone();
            dose.ma = fields.manufacturer.clone();
            dose.dn = fields.dose_number;
            dose.sd = fields.series_total;
            dose.dt = fields.date.clone();
            dose.co = fields.country.clone();
            dose.lot = fields.lot.clone();
            // A retry of the original submission is a conflict from now on (content changed).
            let mut h = dose.content_hash.clone();
            h.extend_from_slice(b"corrected");
            dose.content_hash = sha2::Digest::finalize(sha2::Digest::chain_update(
                <sha2::Sha256 as sha2::Digest>::new(),
                &h,
            ))
            .to_vec();
            tx.dose_correct(&dose, now).await?;
            let cert = self
                .reissue_in_tx(
                    &mut *tx,
                    &person,
                    "",
                    &signer,
                    RevokeReason::Correction,
                    now,
                )
                .await?
                .ok_or(Error::NotFound)?;
            audit::append(
                &mut *tx,
                now,
                actor,
                "correct_dose",
                record_id,
                &format!("uvci={}", cert.uvci),
            )
            .await?;
            tx.commit().await?;
            Ok(IssueOutcome {
                record_id: dose.id,
                retrieval_code: None,
                certificate: CertView::from(&cert),
                replayed: false,
            })
        })
    }

    /// Correct the person behind a record (names, date of birth, national id): every current
    /// certificate is re-issued and the old ones revoked.
    pub async fn correct_person(
        &self,
        record_id: &str,
        facility: Option<&str>,
        person_in: &PersonInput,
        actor: &str,
        now: i64,
    ) -> Result<Vec<CertView>> {
        let signer = self.keys.current_signer(&self.db).await?;
        let new_hash = self.ident.national_id_hash(&person_in.national_id);
        with_db!(&self.db, |p| {
            let mut tx = crate::db::BeginWrite::begin_write(p).await?;
            let dose = tx.dose_by_id(record_id).await?.ok_or(Error::NotFound)?;
            if facility.is_some_and(|f| f != dose.facility_id) {
                return Err(Error::Forbidden("the record belongs to another facility"));
            }
            let person = tx
                .person_by_id(&dose.person_id)
                .await?
                .ok_or(Error::NotFound)?;
            tx.person_lock(&person.id, now).await?;
            if let Some(other) = tx.person_by_hash(&new_hash).await? {
                if other.id != person.id {
                    return Err(Error::StateConflict("another person has this national id"));
                }
            }
            tx.person_update(
                &person.id,
                &new_hash,
                Some(&person_in.family_name),
                person_in.given_name.as_deref(),
                &person_in.date_of_birth,
                now,
            )
            .await?;
            let updated = tx.person_by_id(&person.id).await?.ok_or(Error::NotFound)?;
            let current = tx.certs_current_of_person(&person.id).await?;
            let mut out = Vec::new();
            for old in &current {
                let d = tx.dose_by_id(&old.dose_id).await?.ok_or(Error::NotFound)?;
                let pi = Self::person_input(&updated, &person_in.national_id);
                let signed = self.sign(&signer, &pi, &Self::dose_fields(&d), now)?;
                let row = self.store_cert(&mut *tx, &person.id, &d, signed).await?;
                self.revoke_in_tx(
                    &mut *tx,
                    old,
                    RevokeReason::Correction,
                    Some(&row.uvci),
                    now,
                )
                .await?;
                out.push(CertView::from(&row));
            }
            audit::append(
                &mut *tx,
                now,
                actor,
                "correct_person",
                record_id,
                &format!("reissued={}", out.len()),
            )
            .await?;
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Revoke one certificate (ministry).
    pub async fn revoke(
        &self,
        uvci: &str,
        reason: RevokeReason,
        actor: &str,
        now: i64,
    ) -> Result<CertView> {
        with_db!(&self.db, |p| {
            let mut tx = crate::db::BeginWrite::begin_write(p).await?;
            let cert = tx.cert_get(uvci).await?.ok_or(Error::NotFound)?;
            if cert.state == "revoked" {
                return Ok(CertView::from(&cert));
            }
            self.revoke_in_tx(&mut *tx, &cert, reason, None, now)
                .await?;
            audit::append(&mut *tx, now, actor, "revoke", uvci, reason.name()).await?;
            let cert = tx.cert_get(uvci).await?.ok_or(Error::NotFound)?;
            tx.commit().await?;
            Ok(CertView::from(&cert))
        })
    }

    /// Key compromise: mark the DSC compromised (dropped from the trust list), rotate if it
    /// was signing, revoke every certificate it signed, and re-issue the current ones with the
    /// new DSC. Returns (revoked, re-issued).
    pub async fn revoke_all_of_dsc(
        &self,
        kid: &str,
        actor: &str,
        now: i64,
    ) -> Result<(usize, usize)> {
        let dscs = self.keys.list(&self.db).await?;
        let dsc = dscs.iter().find(|d| d.kid == kid).ok_or(Error::NotFound)?;
        let was_current = dsc.state == "current";
        let alg = wallet_format::Algorithm::from_name(&dsc.algorithm).unwrap_or_default();
        self.keys.mark_compromised(&self.db, kid, now).await?;
        if was_current {
            self.keys
                .rotate(&self.db, alg, &self.settings.country, now)
                .await?;
        }
        let signer = self.keys.current_signer(&self.db).await?;
        if signer.kid().to_base64() == kid {
            return Err(Error::NoSigningKey);
        }
        with_db!(&self.db, |p| {
            let mut tx = crate::db::BeginWrite::begin_write(p).await?;
            let certs = tx.certs_current_of_kid(kid).await?;
            let mut reissued = 0;
            for c in &certs {
                if c.state == "current" {
                    let person = tx
                        .person_by_id(&c.person_id)
                        .await?
                        .ok_or(Error::NotFound)?;
                    let d = tx.dose_by_id(&c.dose_id).await?.ok_or(Error::NotFound)?;
                    let pi = Self::person_input(&person, "");
                    let signed = self.sign(&signer, &pi, &Self::dose_fields(&d), now)?;
                    let row = self.store_cert(&mut *tx, &person.id, &d, signed).await?;
                    self.revoke_in_tx(
                        &mut *tx,
                        c,
                        RevokeReason::KeyCompromise,
                        Some(&row.uvci),
                        now,
                    )
                    .await?;
                    reissued += 1;
                } else {
                    self.revoke_in_tx(&mut *tx, c, RevokeReason::KeyCompromise, None, now)
                        .await?;
                }
            }
            audit::append(
                &mut *tx,
                now,
                actor,
                "revoke_dsc",
                kid,
                &format!("revoked={} reissued={reissued}", certs.len()),
            )
            .await?;
            tx.commit().await?;
            Ok((certs.len(), reissued))
        })
    }

    /// One certificate by UVCI.
    pub async fn certificate(&self, uvci: &str) -> Result<CertRow> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.cert_get(uvci).await?.ok_or(Error::NotFound)
        })
    }

    /// Check a holder's retrieval code against the person of `person_id`, counting failures.
    pub async fn check_holder_code(&self, person_id: &str, code: &str, now: i64) -> Result<()> {
        with_db!(&self.db, |p| {
            let mut tx = crate::db::BeginWrite::begin_write(p).await?;
            tx.person_lock(person_id, now).await?;
            let person = tx
                .person_by_id(person_id)
                .await?
                .ok_or(Error::RetrievalFailed)?;
            let r = self.check_code_in_tx(&mut *tx, &person, code, now).await;
            tx.commit().await?;
            r
        })
    }

    async fn check_code_in_tx<C: Store>(
        &self,
        tx: &mut C,
        person: &PersonRow,
        code: &str,
        now: i64,
    ) -> Result<()> {
        if person.locked_until > now {
            return Err(Error::RetrievalLocked);
        }
        if self.ident.check_code(&person.id, person.rc_version, code) {
            if person.failed_attempts != 0 {
                tx.person_attempts(&person.id, 0, 0).await?;
            }
            return Ok(());
        }
        let failed = person.failed_attempts + 1;
        if failed >= MAX_FAILED_ATTEMPTS {
            tx.person_attempts(&person.id, 0, now + LOCKOUT_SECONDS)
                .await?;
            Err(Error::RetrievalLocked)
        } else {
            tx.person_attempts(&person.id, failed, 0).await?;
            Err(Error::RetrievalFailed)
        }
    }

    /// Holder retrieval: national id + date of birth + retrieval code → current certificates.
    pub async fn holder_certificates(
        &self,
        national_id: &str,
        dob: &str,
        code: &str,
        now: i64,
    ) -> Result<Vec<CertView>> {
        let id_hash = self.ident.national_id_hash(national_id);
        with_db!(&self.db, |p| {
            let mut tx = crate::db::BeginWrite::begin_write(p).await?;
            let Some(person) = tx.person_by_hash(&id_hash).await? else {
                return Err(Error::RetrievalFailed);
            };
            tx.person_lock(&person.id, now).await?;
            let person = tx
                .person_by_id(&person.id)
                .await?
                .ok_or(Error::RetrievalFailed)?;
            let r = if person.dob != dob.trim() {
                // A wrong date of birth counts as a failed attempt, too.
                self.check_code_in_tx(&mut *tx, &person, "\u{0}", now).await
            } else {
                self.check_code_in_tx(&mut *tx, &person, code, now).await
            };
            let out = match r {
                Ok(()) => Ok(tx
                    .certs_current_of_person(&person.id)
                    .await?
                    .iter()
                    .map(CertView::from)
                    .collect()),
                Err(e) => Err(e),
            };
            tx.commit().await?;
            out
        })
    }
}

fn first_issue_differs(stored: &PersonRow, submitted: &PersonInput) -> bool {
    stored.family_name.as_deref() != Some(submitted.family_name.as_str())
        || stored.given_name != submitted.given_name
        || stored.dob != submitted.date_of_birth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dose(id: &str, dn: i64, dt: &str, created: i64) -> DoseRow {
        DoseRow {
            id: id.into(),
            facility_id: "f".into(),
            facility_record_id: id.into(),
            content_hash: vec![],
            person_id: "p".into(),
            tg: String::new(),
            vp: String::new(),
            mp: "EU/1/20/1528".into(),
            ma: String::new(),
            dn,
            sd: 2,
            dt: dt.into(),
            co: "VN".into(),
            lot: None,
            state: "active".into(),
            response_uvci: None,
            first_issue: 0,
            created_at: created,
        }
    }

    #[test]
    fn late_lower_dose_never_becomes_best() {
        let doses = vec![
            dose("b", 2, "2021-08-01", 10),
            dose("a", 1, "2021-06-01", 20),
        ];
        assert_eq!(best_dose(&doses).map(|d| d.id.as_str()), Some("b"));
    }

    #[test]
    fn status_follows_eu_rules() {
        assert_eq!(status_of(1, 2, "EU/1/20/1528"), "partial");
        assert_eq!(status_of(2, 2, "EU/1/20/1528"), "complete");
        assert_eq!(status_of(3, 3, "EU/1/20/1528"), "booster");
        assert_eq!(status_of(1, 1, "EU/1/20/1525"), "complete");
        assert_eq!(status_of(2, 2, "EU/1/20/1525"), "booster");
    }

    #[test]
    fn generated_uvcis_parse_and_differ() {
        let a = new_uvci("VN").unwrap_or_default();
        let b = new_uvci("VN").unwrap_or_default();
        assert!(Uvci::parse(&a).is_ok());
        assert_ne!(a, b);
    }
}
