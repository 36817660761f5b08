//! The rows the issuer reads and writes, with typed states, and the column access shared by
//! the SQLite and PostgreSQL row types. Text columns that hold a state are parsed into the
//! enums of [`crate::domain`] here, at the row boundary, and nowhere else.

use crate::domain::{
    CertState, DocumentKind, DoseState, DscState, IdentityState, ListKind, RevokeReason,
    VaccinationStatus,
};
use crate::error::{Error, Result};
use sqlx::Row;

/// A person row.
#[derive(Debug, Clone)]
pub struct PersonRow {
    /// Our person id (UUIDv7).
    pub id: String,
    /// Family name as first submitted (or corrected).
    pub family_name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Date of birth (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub dob: String,
    /// Version of the retrieval code (a new code invalidates the old one).
    pub rc_version: i64,
    /// Wrong retrieval attempts in a row.
    pub failed_attempts: i64,
    /// Retrieval locked until (unix seconds; 0 = not locked).
    pub locked_until: i64,
    /// The kind of document the person is known by.
    pub doc_type: DocumentKind,
    /// Where the identity comes from.
    pub identity: IdentityState,
    /// The person this one was merged into (state `merged`).
    pub merged_into: Option<String>,
}

/// A dose row.
#[derive(Debug, Clone)]
pub struct DoseRow {
    /// Our record id (UUIDv7).
    pub id: String,
    /// The submitting facility.
    pub facility_id: String,
    /// The facility's own record id (idempotency key with `facility_id`).
    pub facility_record_id: String,
    /// SHA-256 of the submission's content (a retry must match it).
    pub content_hash: Vec<u8>,
    /// The person.
    pub person_id: String,
    /// Disease targeted.
    pub tg: String,
    /// Vaccine type.
    pub vp: String,
    /// Product.
    pub mp: String,
    /// Manufacturer.
    pub ma: String,
    /// Dose number.
    pub dn: i64,
    /// Doses in the series.
    pub sd: i64,
    /// Date of vaccination.
    pub dt: String,
    /// Country of vaccination.
    pub co: String,
    /// Lot number.
    pub lot: Option<String>,
    /// State.
    pub state: DoseState,
    /// The certificate the submission was answered with.
    pub response_uvci: Option<String>,
    /// Whether this submission created the person.
    pub first_issue: bool,
    /// When recorded (unix seconds).
    pub created_at: i64,
}

/// A certificate row.
#[derive(Debug, Clone)]
pub struct CertRow {
    /// UVCI (primary key).
    pub uvci: String,
    /// The holder.
    pub person_id: String,
    /// The dose it certifies.
    pub dose_id: String,
    /// The facility that recorded that dose.
    pub facility_id: String,
    /// Base64 kid of the signing DSC.
    pub kid: String,
    /// The `HC1:` text.
    pub hc1: String,
    /// Dose number.
    pub dn: i64,
    /// Doses in the series.
    pub sd: i64,
    /// Partial, complete or booster.
    pub status: VaccinationStatus,
    /// Issued (unix seconds).
    pub issued_at: i64,
    /// Expires (unix seconds).
    pub expires_at: i64,
    /// State.
    pub state: CertState,
    /// When the state last changed.
    pub state_at: Option<i64>,
    /// Why revoked.
    pub revoke_reason: Option<RevokeReason>,
    /// The certificate that replaced it.
    pub replaced_by: Option<String>,
}

/// One revocation entry.
#[derive(Debug, Clone)]
pub struct RevocationRow {
    /// Sequence (monotone).
    pub seq: i64,
    /// Revoked UVCI.
    pub uvci: String,
    /// Its DSC's kid.
    pub kid: String,
    /// Why.
    pub reason: RevokeReason,
    /// When (unix seconds).
    pub revoked_at: i64,
}

/// One audit entry.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Sequence (1, 2, …; no gaps).
    pub seq: i64,
    /// When (unix seconds).
    pub at: i64,
    /// Who (`role:token-id`, `cli`, `system`; no personal data).
    pub actor: String,
    /// What (an [`crate::domain::AuditAction`] name).
    pub action: String,
    /// On what (record id, UVCI, kid, …).
    pub subject: String,
    /// Detail without personal data.
    pub detail: String,
    /// The previous entry's hash.
    pub prev_hash: Vec<u8>,
    /// This entry's hash.
    pub hash: Vec<u8>,
}

/// A token row.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Token id (`jti`).
    pub id: String,
    /// Role name.
    pub role: String,
    /// Facility (facility role).
    pub facility_id: Option<String>,
    /// Expiry (unix seconds).
    pub expires_at: i64,
    /// When revoked.
    pub revoked_at: Option<i64>,
}

/// A DSC known to the database.
#[derive(Debug, Clone)]
pub struct DscRow {
    /// Base64 kid.
    pub kid: String,
    /// Algorithm name.
    pub algorithm: String,
    /// Certificate DER.
    pub cert_der: Vec<u8>,
    /// State.
    pub state: DscState,
    /// When created (unix seconds).
    pub created_at: i64,
}

/// One stored publication of a signed rule set.
#[derive(Debug, Clone)]
pub struct RuleSetRow {
    /// Sequence per name.
    pub sequence: i64,
    /// Signed at.
    pub issued_at: i64,
    /// Valid until.
    pub valid_until: i64,
    /// The rules as given.
    pub rules_json: String,
    /// The COSE_Sign1 bytes.
    pub signed: Vec<u8>,
}

/// One signed list publication (`publications`).
#[derive(Debug, Clone)]
pub struct PublicationRow {
    /// Which list.
    pub kind: ListKind,
    /// Its sequence (unique per kind).
    pub sequence: i64,
    /// SHA-256 of the content with sequence and times left out.
    pub content_hash: Vec<u8>,
    /// Revocation list: the highest `revocations.seq` it holds (0 for the trust list).
    pub covers: i64,
    /// Signed at (unix seconds).
    pub issued_at: i64,
    /// Valid until (unix seconds).
    pub valid_until: i64,
    /// The COSE_Sign1 bytes served.
    pub signed: Vec<u8>,
}

/// One signed audit checkpoint (`audit_checkpoints`).
#[derive(Debug, Clone)]
pub struct CheckpointRow {
    /// The audit entry it covers.
    pub seq: i64,
    /// That entry's hash.
    pub head_hash: Vec<u8>,
    /// Signed at (unix seconds).
    pub issued_at: i64,
    /// The COSE_Sign1 bytes.
    pub signed: Vec<u8>,
}

/// A person created by a set-based batch insert.
#[derive(Debug, Clone)]
pub struct NewPerson<'a> {
    /// Person id.
    pub id: String,
    /// HMAC of the national id.
    pub id_hash: &'a [u8],
    /// Family name.
    pub family_name: &'a str,
    /// Given name.
    pub given_name: Option<&'a str>,
    /// Date of birth.
    pub dob: &'a str,
    /// The kind of document.
    pub doc_type: DocumentKind,
    /// Where the identity comes from.
    pub identity: IdentityState,
}

pub(crate) const PERSON_COLS: &str =
    "id, family_name, given_name, dob, rc_version, failed_attempts, locked_until, doc_type, \
    identity_state, merged_into";
pub(crate) const DOSE_COLS: &str = "id, facility_id, facility_record_id, content_hash, person_id, \
    tg, vp, mp, ma, dn, sd, dt, co, lot, state, response_uvci, first_issue, created_at";
pub(crate) const CERT_COLS: &str = "uvci, person_id, dose_id, facility_id, kid, hc1, dn, sd, \
    status, issued_at, expires_at, state, state_at, revoke_reason, replaced_by";

pub(crate) fn person(r: &impl RowExt) -> Result<PersonRow> {
    Ok(PersonRow {
        id: r.s("id")?,
        family_name: r.os("family_name")?,
        given_name: r.os("given_name")?,
        dob: r.s("dob")?,
        rc_version: r.i("rc_version")?,
        failed_attempts: r.i("failed_attempts")?,
        locked_until: r.i("locked_until")?,
        doc_type: r.s("doc_type")?.parse()?,
        identity: r.s("identity_state")?.parse()?,
        merged_into: r.os("merged_into")?,
    })
}

pub(crate) fn dose(r: &impl RowExt) -> Result<DoseRow> {
    Ok(DoseRow {
        id: r.s("id")?,
        facility_id: r.s("facility_id")?,
        facility_record_id: r.s("facility_record_id")?,
        content_hash: r.b("content_hash")?,
        person_id: r.s("person_id")?,
        tg: r.s("tg")?,
        vp: r.s("vp")?,
        mp: r.s("mp")?,
        ma: r.s("ma")?,
        dn: r.i("dn")?,
        sd: r.i("sd")?,
        dt: r.s("dt")?,
        co: r.s("co")?,
        lot: r.os("lot")?,
        state: r.s("state")?.parse()?,
        response_uvci: r.os("response_uvci")?,
        first_issue: r.i("first_issue")? != 0,
        created_at: r.i("created_at")?,
    })
}

pub(crate) fn cert(r: &impl RowExt) -> Result<CertRow> {
    Ok(CertRow {
        uvci: r.s("uvci")?,
        person_id: r.s("person_id")?,
        dose_id: r.s("dose_id")?,
        facility_id: r.s("facility_id")?,
        kid: r.s("kid")?,
        hc1: r.s("hc1")?,
        dn: r.i("dn")?,
        sd: r.i("sd")?,
        status: r
            .s("status")?
            .parse()
            .map_err(|_| Error::Internal("unknown certificate status in the database".into()))?,
        issued_at: r.i("issued_at")?,
        expires_at: r.i("expires_at")?,
        state: r.s("state")?.parse()?,
        state_at: r.oi("state_at")?,
        revoke_reason: r.os("revoke_reason")?.map(|s| s.parse()).transpose()?,
        replaced_by: r.os("replaced_by")?,
    })
}

pub(crate) fn audit(r: &impl RowExt) -> Result<AuditRow> {
    Ok(AuditRow {
        seq: r.i("seq")?,
        at: r.i("at")?,
        actor: r.s("actor")?,
        action: r.s("action")?,
        subject: r.s("subject")?,
        detail: r.s("detail")?,
        prev_hash: r.b("prev_hash")?,
        hash: r.b("hash")?,
    })
}

/// Typed column access shared by both row types.
pub trait RowExt {
    /// A text column.
    fn s(&self, c: &str) -> Result<String>;
    /// A nullable text column.
    fn os(&self, c: &str) -> Result<Option<String>>;
    /// An integer column.
    fn i(&self, c: &str) -> Result<i64>;
    /// A nullable integer column.
    fn oi(&self, c: &str) -> Result<Option<i64>>;
    /// A bytes column.
    fn b(&self, c: &str) -> Result<Vec<u8>>;
}

macro_rules! impl_row {
    ($row:ty) => {
        impl RowExt for $row {
            fn s(&self, c: &str) -> Result<String> {
                Ok(self.try_get(c)?)
            }
            fn os(&self, c: &str) -> Result<Option<String>> {
                Ok(self.try_get(c)?)
            }
            fn i(&self, c: &str) -> Result<i64> {
                Ok(self.try_get(c)?)
            }
            fn oi(&self, c: &str) -> Result<Option<i64>> {
                Ok(self.try_get(c)?)
            }
            fn b(&self, c: &str) -> Result<Vec<u8>> {
                Ok(self.try_get(c)?)
            }
        }
    };
}
impl_row!(sqlx::sqlite::SqliteRow);
impl_row!(sqlx::postgres::PgRow);

/// Most bind parameters in one statement (SQLite allows 32 766, PostgreSQL 65 535).
const MAX_PARAMS: usize = 16_000;

/// Rows per multi-row statement for `cols` parameters per row.
pub(crate) fn chunk_rows(cols: usize) -> usize {
    (MAX_PARAMS / cols.max(1)).max(1)
}

/// `($1, $2), ($3, $4), …` (`numbered`) or `(?, ?), (?, ?), …` for `rows` rows of `cols`
/// placeholders. SQLite gets anonymous `?`: sqlx looks each parameter's name up with
/// `sqlite3_bind_parameter_name`, which walks the list of named parameters, so thousands of
/// `$n` in one statement cost quadratic time there.
pub(crate) fn values_list(rows: usize, cols: usize, numbered: bool) -> String {
    let mut s = String::with_capacity(rows * cols * 6);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            n += 1;
            if numbered {
                s.push('$');
                s.push_str(&n.to_string());
            } else {
                s.push('?');
            }
        }
        s.push(')');
    }
    s
}
