//! Issue many doses in one transaction (bulk import, benchmarks; spec/issuer.md §Bulk
//! import). Signing runs in parallel on every core before the transaction
//! ([`Issuer::prepare_batch`]), so the importer can write one batch while the next is signed.
//! Inside the transaction, rows for persons not yet stored (and every row of theirs new) take
//! the set-based path: one lookup for the whole batch, their doses applied in memory with the
//! rules of a single issuance, then multi-row inserts of persons, doses, certificates and
//! audit entries. Every other row (a retry, a known person, a record id repeated in the batch)
//! goes through the single-issuance logic, in input order.

use super::context::{cert_row, TxCtx};
use super::identify::{claims, Checks};
use super::sign::{self, Signed};
use super::single::{new_dose_row, Ready};
use super::views::IssueOutcome;
use super::Issuer;
use crate::audit;
use crate::db::prelude::*;
use crate::db::rows::{CertRow, DoseRow, NewPerson, PersonRow};
use crate::domain::{best_dose, AuditAction, CertState, DocumentKind, IdentityState};
use crate::error::{Error, Result};
use crate::identity::register::Query;
use crate::identity::{compare, Lookup};
use crate::input::DoseInput;
use crate::with_db;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use wallet_format::Signer;

/// A batch hashed and signed, ready for [`Issuer::write_batch`].
pub struct PreparedBatch {
    inputs: Vec<DoseInput>,
    prepared: Vec<Prepared>,
    signer: Arc<dyn Signer>,
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
    lookup: Lookup,
}

/// The same error again (a batch may be run twice; signing errors are reported each time).
fn same_error(e: &Error) -> Error {
    match e {
        Error::Format(w) => Error::Format(w.clone()),
        Error::Internal(s) => Error::Internal(s.clone()),
        other => Error::Internal(other.to_string()),
    }
}

/// One outcome slot per input row.
type Slots = Vec<Option<Result<IssueOutcome>>>;

/// Prefetched certificates answering the retries among a batch's stored records.
type Replays = HashMap<String, CertRow>;

impl Issuer {
    /// Issue many doses in one transaction. One outcome per input, in order; rows already
    /// present are answered as retries (or `IDEMPOTENCY_CONFLICT`).
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
            let prepared: Vec<Prepared> = inputs
                .par_iter()
                .map(|i| Prepared {
                    hash: i.content_hash(),
                    id_hash: ident.document_hash(&i.person.document, &i.facility_id),
                    signed: sign::sign(&settings, &*key, &i.person, &i.dose, now),
                    lookup: Lookup::NotCovered,
                })
                .collect();
            // The receiver is gone only when the caller gave up; nothing to report then.
            let _ = done.send((inputs, prepared));
        });
        let (inputs, mut prepared) = result
            .await
            .map_err(|_| Error::Internal("batch signing stopped".into()))?;
        // One set-based register look-up for the batch, before its transaction.
        let queries: Vec<Query<'_>> = inputs
            .iter()
            .zip(&prepared)
            .map(|(i, p)| Query {
                document: &i.person.document,
                id_hash: &p.id_hash,
            })
            .collect();
        let lookups = match self.register.lookup_many(&queries).await {
            Ok(l) => l,
            // Rows of stored people go on; a new person's row fails as `UNAVAILABLE`.
            Err(Error::Unavailable(_)) => vec![Lookup::Unreachable; queries.len()],
            Err(e) => return Err(e),
        };
        drop(queries);
        if lookups.len() != prepared.len() {
            return Err(Error::Internal(
                "the register answered the wrong count".into(),
            ));
        }
        for (p, l) in prepared.iter_mut().zip(lookups) {
            p.lookup = l;
        }
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
        with_db!(&self.db, |p| {
            for set_based in [true, false] {
                let mut tx = p.begin_write().await?;
                let mut ctx = TxCtx::new(&self.settings, &*batch.signer, actor, now);
                if let Some(out) = self
                    .batch_in_tx(&mut *tx, &mut ctx, batch, set_based)
                    .await?
                {
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
    async fn batch_in_tx<C: Store>(
        &self,
        tx: &mut C,
        ctx: &mut TxCtx<'_>,
        batch: &PreparedBatch,
        set_based: bool,
    ) -> Result<Option<Vec<Result<IssueOutcome>>>> {
        let (inputs, prepared) = (&batch.inputs, &batch.prepared);
        let mut out: Slots = Vec::with_capacity(inputs.len());
        out.resize_with(inputs.len(), || None);
        let mut existing: HashMap<(String, String), DoseRow> = HashMap::new();
        let mut simple = vec![false; inputs.len()];
        if set_based {
            for d in tx.doses_by_records(&record_keys(inputs)).await? {
                existing.insert((d.facility_id.clone(), d.facility_record_id.clone()), d);
            }
            simple = self.set_based_rows(tx, batch, &existing).await?;
            let mut set = NewPeople::default();
            for (n, (input, prep)) in inputs.iter().zip(prepared).enumerate() {
                if simple.get(n) == Some(&true) {
                    set.add(ctx, n, input, prep)?;
                }
            }
            if !set.write(tx, ctx, &mut out).await? {
                return Ok(None);
            }
        }
        let mut replays = match existing.is_empty() {
            true => None,
            false => Some(prefetch_replays(tx, &existing).await?),
        };
        for (n, (input, prep)) in inputs.iter().zip(prepared).enumerate() {
            if simple.get(n) == Some(&true) {
                continue;
            }
            let key = (input.facility_id.clone(), input.facility_record_id.clone());
            // Stored before the batch (looked up above), or written by an earlier row of it.
            let known = match existing.get(&key).cloned() {
                Some(d) => Some(d),
                None => {
                    tx.dose_by_record(&input.facility_id, &input.facility_record_id)
                        .await?
                }
            };
            let r = match known {
                Some(d) => self.replay_in_batch(tx, &d, prep, replays.as_ref()).await,
                None => {
                    // This may change a stored person's certificates: read live from now on.
                    replays = None;
                    self.issue_row(tx, ctx, input, prep).await?
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

    /// Which rows take the set-based path: every row of a person not stored yet whose every
    /// row in the batch is new (record id unused and unique in the batch, signed).
    async fn set_based_rows<C: Store>(
        &self,
        tx: &mut C,
        batch: &PreparedBatch,
        existing: &HashMap<(String, String), DoseRow>,
    ) -> Result<Vec<bool>> {
        let keys = record_keys(&batch.inputs);
        let hashes: Vec<&[u8]> = batch
            .prepared
            .iter()
            .map(|p| p.id_hash.as_slice())
            .collect();
        let known: HashSet<Vec<u8>> = tx.persons_existing(&hashes).await?.into_iter().collect();
        let mut key_count: HashMap<(&str, &str), usize> = HashMap::new();
        for k in &keys {
            *key_count.entry(*k).or_default() += 1;
        }
        let mut blocked: HashSet<&[u8]> = HashSet::new();
        // The first row of each new person in the batch, and the shots seen for them: a row
        // that disagrees with it, or repeats a shot, takes the single path (which holds it).
        let mut first: HashMap<&[u8], &DoseInput> = HashMap::new();
        let mut shots: HashSet<(&[u8], i64, &str)> = HashSet::new();
        for (((k, h), p), input) in keys
            .iter()
            .zip(&hashes)
            .zip(&batch.prepared)
            .zip(&batch.inputs)
        {
            let lead = *first.entry(*h).or_insert(input);
            let disagrees = match &p.lookup {
                Lookup::Found(e) => !compare(claims(input), e.claimed()).is_empty(),
                Lookup::Absent | Lookup::Unreachable => true,
                Lookup::NotCovered => false,
            } || !compare(claims(input), claims(lead)).is_empty();
            let repeated = !shots.insert((*h, input.dose.dose_number, input.dose.date.as_str()));
            if p.signed.is_err()
                || disagrees
                || repeated
                || key_count.get(k) != Some(&1)
                || known.contains(*h)
                || existing.contains_key(&(k.0.to_string(), k.1.to_string()))
            {
                blocked.insert(h);
            }
        }
        Ok(hashes.iter().map(|h| !blocked.contains(h)).collect())
    }

    /// Answer a row whose record is stored: from the batch's prefetched rows while nothing in
    /// this batch has touched a stored person (a resumed import is all retries), else live.
    async fn replay_in_batch<C: Store>(
        &self,
        tx: &mut C,
        d: &DoseRow,
        prep: &Prepared,
        replays: Option<&Replays>,
    ) -> Result<IssueOutcome> {
        if let (Some(certs), Some(uvci)) = (replays, d.response_uvci.as_deref()) {
            if d.content_hash == prep.hash {
                if let Some(c) = certs.get(uvci) {
                    return Ok(IssueOutcome::recorded(&d.id, c, true));
                }
            }
        }
        self.replay(tx, d, &prep.hash).await
    }

    /// A new row through the single-issuance logic.
    async fn issue_row<C: Store>(
        &self,
        tx: &mut C,
        ctx: &mut TxCtx<'_>,
        input: &DoseInput,
        prep: &Prepared,
    ) -> Result<Result<IssueOutcome>> {
        let signed = match &prep.signed {
            Err(e) => return Ok(Err(same_error(e))),
            Ok(s) => s.clone(),
        };
        let ready = Ready {
            input,
            hash: &prep.hash,
            id_hash: &prep.id_hash,
            signed,
            lookup: &prep.lookup,
            checks: Checks::ALL,
        };
        if let Some(out) = self.issue_in_tx(tx, ctx, ready).await? {
            return Ok(Ok(out));
        }
        // An open review case holds this record already: a retry of it, or a conflict.
        let case = tx
            .review_open_by_record(&input.facility_id, &input.facility_record_id)
            .await?;
        Ok(match case {
            Some(c) if c.content_hash == prep.hash => Ok(IssueOutcome::held(&c.id, true)),
            _ => Err(Error::IdempotencyConflict),
        })
    }
}

/// (facility id, facility record id) of every input.
fn record_keys(inputs: &[DoseInput]) -> Vec<(&str, &str)> {
    inputs
        .iter()
        .map(|i| (i.facility_id.as_str(), i.facility_record_id.as_str()))
        .collect()
}

/// Look up the certificates of the stored records in one set-based query.
async fn prefetch_replays<C: Store>(
    tx: &mut C,
    existing: &HashMap<(String, String), DoseRow>,
) -> Result<Replays> {
    let uvcis: Vec<&str> = existing
        .values()
        .filter_map(|d| d.response_uvci.as_deref())
        .collect();
    let certs = tx.certs_by_uvcis(&uvcis).await?;
    Ok(certs.into_iter().map(|c| (c.uvci.clone(), c)).collect())
}

/// A person created in this batch: stored data, doses so far, index of the current
/// certificate.
struct Held {
    person: PersonRow,
    doses: Vec<DoseRow>,
    current: usize,
}

/// The set-based part of a batch, built in memory in input order with exactly the rules of a
/// single issuance (first dose creates the person and its certificate, a better dose
/// supersedes it, a late lower dose is recorded without a new certificate), then written with
/// multi-row inserts.
#[derive(Default)]
struct NewPeople<'b> {
    held: HashMap<&'b [u8], Held>,
    persons: Vec<NewPerson<'b>>,
    doses: Vec<DoseRow>,
    certs: Vec<CertRow>,
    entries: Vec<audit::Entry<'static>>,
    /// (row, record id, person created by the row, certificate as at this row).
    results: Vec<(usize, String, Option<String>, CertRow)>,
}

impl<'b> NewPeople<'b> {
    /// Apply row `n` in memory.
    fn add(
        &mut self,
        ctx: &TxCtx<'_>,
        n: usize,
        input: &'b DoseInput,
        prep: &'b Prepared,
    ) -> Result<()> {
        let signed = prep.signed.as_ref().map_err(same_error)?;
        let mut dose = new_dose_row(input, &prep.hash, "", ctx.now);
        let (cert, created) = match self.held.contains_key(prep.id_hash.as_slice()) {
            false => self.first_dose(input, prep, &mut dose, signed),
            true => (self.next_dose(ctx, input, prep, &mut dose, signed)?, None),
        };
        // The answer shows the certificate as it is at this point of the batch.
        let row = self.certs.get(cert).cloned().ok_or(Error::NotFound)?;
        self.results.push((n, dose.id.clone(), created, row));
        self.doses.push(dose);
        Ok(())
    }

    /// The first dose of a new person: the submitted person data is stored as is (it agreed
    /// with the register, or the register does not cover it). Returns the certificate's index
    /// and the new person's id.
    fn first_dose(
        &mut self,
        input: &'b DoseInput,
        prep: &'b Prepared,
        dose: &mut DoseRow,
        signed: &Signed,
    ) -> (usize, Option<String>) {
        let person = PersonRow {
            id: uuid::Uuid::now_v7().to_string(),
            family_name: Some(input.person.family_name.clone()),
            given_name: input.person.given_name.clone(),
            dob: input.person.date_of_birth.clone(),
            rc_version: 1,
            failed_attempts: 0,
            locked_until: 0,
            doc_type: input.person.document.kind,
            identity: match (&prep.lookup, input.person.document.kind) {
                (Lookup::Found(_), _) => IdentityState::Registered,
                (_, DocumentKind::Temporary) => IdentityState::Temporary,
                _ => IdentityState::FirstSubmission,
            },
            merged_into: None,
        };
        self.persons.push(NewPerson {
            id: person.id.clone(),
            id_hash: &prep.id_hash,
            family_name: &input.person.family_name,
            given_name: input.person.given_name.as_deref(),
            dob: &input.person.date_of_birth,
            doc_type: person.doc_type,
            identity: person.identity,
        });
        dose.person_id = person.id.clone();
        dose.first_issue = true;
        dose.response_uvci = Some(signed.uvci.clone());
        let row = cert_row(&person.id, dose, signed.clone());
        self.entries.push(issue_entry(&dose.id, &row));
        let created = person.id.clone();
        let index = self.certs.len();
        let held = Held {
            person,
            doses: vec![dose.clone()],
            current: index,
        };
        self.held.insert(&prep.id_hash, held);
        self.certs.push(row);
        (index, Some(created))
    }

    /// A later dose of a person created earlier in the batch. Returns the index of the
    /// person's certificate after it.
    fn next_dose(
        &mut self,
        ctx: &TxCtx<'_>,
        input: &DoseInput,
        prep: &Prepared,
        dose: &mut DoseRow,
        signed: &Signed,
    ) -> Result<usize> {
        let h = self
            .held
            .get_mut(prep.id_hash.as_slice())
            .ok_or(Error::NotFound)?;
        dose.person_id = h.person.id.clone();
        let mut all = h.doses.clone();
        all.push(dose.clone());
        let best = best_dose(&all).ok_or(Error::NotFound)?.clone();
        if best.id == dose.id {
            // The stored person data is authoritative (corrections are explicit).
            let s = if sign::person_differs(&h.person, &input.person) {
                let p = sign::person_input(&h.person);
                ctx.sign(&p, &best)?
            } else {
                signed.clone()
            };
            dose.response_uvci = Some(s.uvci.clone());
            let row = cert_row(&h.person.id, &best, s);
            if let Some(old) = self.certs.get_mut(h.current) {
                old.state = CertState::Superseded;
                old.state_at = Some(ctx.now);
                old.replaced_by = Some(row.uvci.clone());
            }
            self.entries.push(issue_entry(&best.id, &row));
            h.current = self.certs.len();
            self.certs.push(row);
        } else {
            // A lower or older dose arrived late: recorded, the held certificate stays.
            dose.response_uvci = self.certs.get(h.current).map(|c| c.uvci.clone());
            self.entries.push(audit::Entry {
                action: AuditAction::Record.as_str(),
                subject: dose.id.clone(),
                detail: "no change to current certificate".into(),
            });
        }
        h.doses.push(dose.clone());
        Ok(h.current)
    }

    /// Write everything with multi-row inserts and fill the outcome slots. `false` when a
    /// multi-row insert stored fewer rows than expected (a concurrent writer got there first).
    async fn write<C: Store>(
        self,
        tx: &mut C,
        ctx: &mut TxCtx<'_>,
        out: &mut Slots,
    ) -> Result<bool> {
        if self.persons.is_empty() {
            return Ok(true);
        }
        if tx.persons_insert_many(&self.persons, ctx.now).await? != self.persons.len() as u64 {
            return Ok(false);
        }
        if tx.doses_insert_many(&self.doses, ctx.now).await? != self.doses.len() as u64 {
            return Ok(false);
        }
        tx.certs_insert_many(&self.certs).await?;
        ctx.chain
            .append_many(tx, ctx.now, ctx.actor, &self.entries)
            .await?;
        for (n, record_id, created, cert) in self.results {
            if let Some(slot) = out.get_mut(n) {
                let mut o = IssueOutcome::recorded(&record_id, &cert, false);
                o.created_person = created;
                *slot = Some(Ok(o));
            }
        }
        Ok(true)
    }
}

/// The audit entry of a certificate issued for `dose_id`.
fn issue_entry(dose_id: &str, row: &CertRow) -> audit::Entry<'static> {
    audit::Entry {
        action: AuditAction::Issue.as_str(),
        subject: dose_id.to_string(),
        detail: format!("uvci={} kid={}", row.uvci, row.kid),
    }
}
