//! Every SQL statement of the issuer, written once and implemented for both
//! `SqliteConnection` and `PgConnection` by [`impl_store!`]. Business logic is generic over
//! [`Store`] and runs inside a transaction begun with [`crate::with_db!`].

use crate::error::Result;
use sqlx::Row;
use std::future::Future;

/// A person row.
#[derive(Debug, Clone)]
pub struct PersonRow {
    pub id: String,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub dob: String,
    pub rc_version: i64,
    pub failed_attempts: i64,
    pub locked_until: i64,
}

/// A dose row.
#[derive(Debug, Clone)]
pub struct DoseRow {
    pub id: String,
    pub facility_id: String,
    pub facility_record_id: String,
    pub content_hash: Vec<u8>,
    pub person_id: String,
    pub tg: String,
    pub vp: String,
    pub mp: String,
    pub ma: String,
    pub dn: i64,
    pub sd: i64,
    pub dt: String,
    pub co: String,
    pub lot: Option<String>,
    /// `active` or `corrected`.
    pub state: String,
    pub response_uvci: Option<String>,
    pub first_issue: i64,
    pub created_at: i64,
}

/// A certificate row.
#[derive(Debug, Clone)]
pub struct CertRow {
    pub uvci: String,
    pub person_id: String,
    pub dose_id: String,
    pub facility_id: String,
    pub kid: String,
    pub hc1: String,
    pub dn: i64,
    pub sd: i64,
    pub status: String,
    pub issued_at: i64,
    pub expires_at: i64,
    /// `current`, `superseded` or `revoked`.
    pub state: String,
    pub state_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub replaced_by: Option<String>,
}

/// One revocation entry.
#[derive(Debug, Clone)]
pub struct RevocationRow {
    pub seq: i64,
    pub uvci: String,
    pub kid: String,
    pub reason: String,
    pub revoked_at: i64,
}

/// One audit entry.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// A token row.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: String,
    pub role: String,
    pub facility_id: Option<String>,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// A person created by a set-based batch insert.
#[derive(Debug, Clone)]
pub struct NewPerson<'a> {
    pub id: String,
    pub id_hash: &'a [u8],
    pub family_name: &'a str,
    pub given_name: Option<&'a str>,
    pub dob: &'a str,
}

/// Most bind parameters in one statement (SQLite allows 32 766, PostgreSQL 65 535).
const MAX_PARAMS: usize = 16_000;

/// Rows per multi-row statement for `cols` parameters per row.
fn chunk_rows(cols: usize) -> usize {
    (MAX_PARAMS / cols.max(1)).max(1)
}

/// `($1, $2), ($3, $4), …` (`numbered`) or `(?, ?), (?, ?), …` for `rows` rows of `cols`
/// placeholders. SQLite gets anonymous `?`: sqlx looks each parameter's name up with
/// `sqlite3_bind_parameter_name`, which walks the list of named parameters, so thousands of
/// `$n` in one statement cost quadratic time there.
fn values_list(rows: usize, cols: usize, numbered: bool) -> String {
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

/// The SQL the issuer runs (same text on both backends).
pub trait Store: Send {
    fn serialize_appends(&mut self) -> impl Future<Output = Result<()>> + Send;
    fn audit_last(&mut self) -> impl Future<Output = Result<Option<(i64, Vec<u8>)>>> + Send;
    fn audit_insert(&mut self, row: &AuditRow) -> impl Future<Output = Result<()>> + Send;
    fn audit_range(
        &mut self,
        from: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<AuditRow>>> + Send;

    fn facility_insert(
        &mut self,
        id: &str,
        name: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn facility_revoke(&mut self, id: &str, now: i64) -> impl Future<Output = Result<bool>> + Send;
    /// `Some(revoked_at)` if the facility exists.
    fn facility_get(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Option<i64>>>> + Send;
    fn token_insert(&mut self, t: &TokenRow, now: i64) -> impl Future<Output = Result<()>> + Send;
    fn token_get(&mut self, id: &str) -> impl Future<Output = Result<Option<TokenRow>>> + Send;
    fn token_revoke(&mut self, id: &str, now: i64) -> impl Future<Output = Result<bool>> + Send;

    fn person_insert_if_absent(
        &mut self,
        id: &str,
        id_hash: &[u8],
        family: Option<&str>,
        given: Option<&str>,
        dob: &str,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    fn person_by_hash(
        &mut self,
        id_hash: &[u8],
    ) -> impl Future<Output = Result<Option<PersonRow>>> + Send;
    fn person_by_id(&mut self, id: &str) -> impl Future<Output = Result<Option<PersonRow>>> + Send;
    /// Touch the row: takes the row lock (PostgreSQL) / write lock (SQLite) for this person.
    fn person_lock(&mut self, id: &str, now: i64) -> impl Future<Output = Result<()>> + Send;
    fn person_update(
        &mut self,
        id: &str,
        id_hash: &[u8],
        family: Option<&str>,
        given: Option<&str>,
        dob: &str,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    fn person_attempts(
        &mut self,
        id: &str,
        failed: i64,
        locked_until: i64,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Insert; `false` when (facility_id, facility_record_id) exists already.
    fn dose_insert(&mut self, d: &DoseRow, now: i64) -> impl Future<Output = Result<bool>> + Send;
    fn dose_by_record(
        &mut self,
        facility_id: &str,
        record_id: &str,
    ) -> impl Future<Output = Result<Option<DoseRow>>> + Send;
    fn dose_by_id(&mut self, id: &str) -> impl Future<Output = Result<Option<DoseRow>>> + Send;
    fn doses_of_person(
        &mut self,
        person_id: &str,
    ) -> impl Future<Output = Result<Vec<DoseRow>>> + Send;
    fn dose_set_response(
        &mut self,
        id: &str,
        uvci: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    fn dose_correct(&mut self, d: &DoseRow, now: i64) -> impl Future<Output = Result<()>> + Send;
    fn doses_move_person(
        &mut self,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    fn cert_insert(&mut self, c: &CertRow) -> impl Future<Output = Result<()>> + Send;
    fn cert_get(&mut self, uvci: &str) -> impl Future<Output = Result<Option<CertRow>>> + Send;
    fn certs_current_of_person(
        &mut self,
        person_id: &str,
    ) -> impl Future<Output = Result<Vec<CertRow>>> + Send;
    fn certs_current_of_kid(
        &mut self,
        kid: &str,
    ) -> impl Future<Output = Result<Vec<CertRow>>> + Send;
    fn cert_set_state(
        &mut self,
        uvci: &str,
        state: &str,
        at: i64,
        reason: Option<&str>,
        replaced_by: Option<&str>,
    ) -> impl Future<Output = Result<()>> + Send;

    fn revocation_insert(
        &mut self,
        uvci: &str,
        kid: &str,
        reason: &str,
        at: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    fn revocations_since(
        &mut self,
        since: i64,
    ) -> impl Future<Output = Result<Vec<RevocationRow>>> + Send;

    /// Set-based lookup: the doses of these (facility id, facility record id) pairs.
    fn doses_by_records(
        &mut self,
        keys: &[(&str, &str)],
    ) -> impl Future<Output = Result<Vec<DoseRow>>> + Send;
    /// Set-based lookup: which of these national-id hashes belong to a stored person.
    fn persons_existing(
        &mut self,
        id_hashes: &[&[u8]],
    ) -> impl Future<Output = Result<Vec<Vec<u8>>>> + Send;
    /// Set-based lookup: certificates by UVCI.
    fn certs_by_uvcis(
        &mut self,
        uvcis: &[&str],
    ) -> impl Future<Output = Result<Vec<CertRow>>> + Send;
    /// Set-based lookup: persons by id.
    fn persons_by_ids(
        &mut self,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<PersonRow>>> + Send;
    /// Multi-row insert of new persons (`ON CONFLICT (id_hash) DO NOTHING`); rows inserted.
    fn persons_insert_many(
        &mut self,
        rows: &[NewPerson<'_>],
        now: i64,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Multi-row insert of doses (`ON CONFLICT (facility_id, facility_record_id) DO NOTHING`);
    /// rows inserted.
    fn doses_insert_many(
        &mut self,
        rows: &[DoseRow],
        now: i64,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Multi-row insert of certificates (every column, so a row may arrive already superseded).
    fn certs_insert_many(&mut self, rows: &[CertRow]) -> impl Future<Output = Result<()>> + Send;
    /// Multi-row insert of audit entries (the caller holds the append lock).
    fn audit_insert_many(&mut self, rows: &[AuditRow]) -> impl Future<Output = Result<()>> + Send;
}

fn person(r: &impl RowExt) -> Result<PersonRow> {
    Ok(PersonRow {
        id: r.s("id")?,
        family_name: r.os("family_name")?,
        given_name: r.os("given_name")?,
        dob: r.s("dob")?,
        rc_version: r.i("rc_version")?,
        failed_attempts: r.i("failed_attempts")?,
        locked_until: r.i("locked_until")?,
    })
}

fn dose(r: &impl RowExt) -> Result<DoseRow> {
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
        state: r.s("state")?,
        response_uvci: r.os("response_uvci")?,
        first_issue: r.i("first_issue")?,
        created_at: r.i("created_at")?,
    })
}

fn cert(r: &impl RowExt) -> Result<CertRow> {
    Ok(CertRow {
        uvci: r.s("uvci")?,
        person_id: r.s("person_id")?,
        dose_id: r.s("dose_id")?,
        facility_id: r.s("facility_id")?,
        kid: r.s("kid")?,
        hc1: r.s("hc1")?,
        dn: r.i("dn")?,
        sd: r.i("sd")?,
        status: r.s("status")?,
        issued_at: r.i("issued_at")?,
        expires_at: r.i("expires_at")?,
        state: r.s("state")?,
        state_at: r.oi("state_at")?,
        revoke_reason: r.os("revoke_reason")?,
        replaced_by: r.os("replaced_by")?,
    })
}

fn audit(r: &impl RowExt) -> Result<AuditRow> {
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
    fn s(&self, c: &str) -> Result<String>;
    fn os(&self, c: &str) -> Result<Option<String>>;
    fn i(&self, c: &str) -> Result<i64>;
    fn oi(&self, c: &str) -> Result<Option<i64>>;
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

const PERSON_COLS: &str =
    "id, family_name, given_name, dob, rc_version, failed_attempts, locked_until";
const DOSE_COLS: &str = "id, facility_id, facility_record_id, content_hash, person_id, tg, vp, \
    mp, ma, dn, sd, dt, co, lot, state, response_uvci, first_issue, created_at";
const CERT_COLS: &str = "uvci, person_id, dose_id, facility_id, kid, hc1, dn, sd, status, \
    issued_at, expires_at, state, state_at, revoke_reason, replaced_by";

macro_rules! impl_store {
    ($conn:ty, $lock:expr, $numbered:expr) => {
        impl Store for $conn {
            async fn serialize_appends(&mut self) -> Result<()> {
                if let Some(sql) = $lock {
                    sqlx::query(sql).execute(&mut *self).await?;
                }
                Ok(())
            }
            async fn audit_last(&mut self) -> Result<Option<(i64, Vec<u8>)>> {
                let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *self)
                    .await?;
                match row {
                    Some(r) => Ok(Some((r.i("seq")?, r.b("hash")?))),
                    None => Ok(None),
                }
            }
            async fn audit_insert(&mut self, a: &AuditRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(a.seq)
                .bind(a.at)
                .bind(&a.actor)
                .bind(&a.action)
                .bind(&a.subject)
                .bind(&a.detail)
                .bind(&a.prev_hash)
                .bind(&a.hash)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn audit_range(&mut self, from: i64, limit: i64) -> Result<Vec<AuditRow>> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
                     WHERE seq >= $1 ORDER BY seq LIMIT $2",
                )
                .bind(from)
                .bind(limit)
                .fetch_all(&mut *self)
                .await?;
                rows.iter().map(audit).collect()
            }

            async fn facility_insert(&mut self, id: &str, name: &str, now: i64) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO facilities (id, name, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(name)
                .bind(now)
                .execute(&mut *self)
                .await?;
                Ok(r.rows_affected() == 1)
            }
            async fn facility_revoke(&mut self, id: &str, now: i64) -> Result<bool> {
                let r = sqlx::query("UPDATE facilities SET revoked_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(r.rows_affected() == 1)
            }
            async fn facility_get(&mut self, id: &str) -> Result<Option<Option<i64>>> {
                let row = sqlx::query("SELECT revoked_at FROM facilities WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self)
                    .await?;
                match row {
                    Some(r) => Ok(Some(r.oi("revoked_at")?)),
                    None => Ok(None),
                }
            }
            async fn token_insert(&mut self, t: &TokenRow, now: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO tokens (id, role, facility_id, issued_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&t.id)
                .bind(&t.role)
                .bind(&t.facility_id)
                .bind(now)
                .bind(t.expires_at)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn token_get(&mut self, id: &str) -> Result<Option<TokenRow>> {
                let row = sqlx::query(
                    "SELECT id, role, facility_id, expires_at, revoked_at FROM tokens WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
                match row {
                    Some(r) => Ok(Some(TokenRow {
                        id: r.s("id")?,
                        role: r.s("role")?,
                        facility_id: r.os("facility_id")?,
                        expires_at: r.i("expires_at")?,
                        revoked_at: r.oi("revoked_at")?,
                    })),
                    None => Ok(None),
                }
            }
            async fn token_revoke(&mut self, id: &str, now: i64) -> Result<bool> {
                let r = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn person_insert_if_absent(
                &mut self,
                id: &str,
                id_hash: &[u8],
                family: Option<&str>,
                given: Option<&str>,
                dob: &str,
                now: i64,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO persons (id, id_hash, family_name, given_name, dob, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id_hash) DO NOTHING",
                )
                .bind(id)
                .bind(id_hash)
                .bind(family)
                .bind(given)
                .bind(dob)
                .bind(now)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn person_by_hash(&mut self, id_hash: &[u8]) -> Result<Option<PersonRow>> {
                let sql = format!("SELECT {PERSON_COLS} FROM persons WHERE id_hash = $1");
                let row = sqlx::query(&sql).bind(id_hash).fetch_optional(&mut *self).await?;
                row.as_ref().map(person).transpose()
            }
            async fn person_by_id(&mut self, id: &str) -> Result<Option<PersonRow>> {
                let sql = format!("SELECT {PERSON_COLS} FROM persons WHERE id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(person).transpose()
            }
            async fn person_lock(&mut self, id: &str, now: i64) -> Result<()> {
                sqlx::query("UPDATE persons SET updated_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn person_update(
                &mut self,
                id: &str,
                id_hash: &[u8],
                family: Option<&str>,
                given: Option<&str>,
                dob: &str,
                now: i64,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE persons SET id_hash = $1, family_name = $2, given_name = $3, dob = $4, \
                     updated_at = $5 WHERE id = $6",
                )
                .bind(id_hash)
                .bind(family)
                .bind(given)
                .bind(dob)
                .bind(now)
                .bind(id)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn person_attempts(&mut self, id: &str, failed: i64, locked_until: i64) -> Result<()> {
                sqlx::query(
                    "UPDATE persons SET failed_attempts = $1, locked_until = $2 WHERE id = $3",
                )
                .bind(failed)
                .bind(locked_until)
                .bind(id)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn dose_insert(&mut self, d: &DoseRow, now: i64) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO doses (id, facility_id, facility_record_id, content_hash, person_id, \
                     tg, vp, mp, ma, dn, sd, dt, co, lot, state, response_uvci, first_issue, \
                     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                     $12, $13, $14, $15, $16, $17, $18, $18) \
                     ON CONFLICT (facility_id, facility_record_id) DO NOTHING",
                )
                .bind(&d.id)
                .bind(&d.facility_id)
                .bind(&d.facility_record_id)
                .bind(&d.content_hash)
                .bind(&d.person_id)
                .bind(&d.tg)
                .bind(&d.vp)
                .bind(&d.mp)
                .bind(&d.ma)
                .bind(d.dn)
                .bind(d.sd)
                .bind(&d.dt)
                .bind(&d.co)
                .bind(&d.lot)
                .bind(&d.state)
                .bind(&d.response_uvci)
                .bind(d.first_issue)
                .bind(now)
                .execute(&mut *self)
                .await?;
                Ok(r.rows_affected() == 1)
            }
            async fn dose_by_record(&mut self, facility_id: &str, record_id: &str) -> Result<Option<DoseRow>> {
                let sql = format!(
                    "SELECT {DOSE_COLS} FROM doses WHERE facility_id = $1 AND facility_record_id = $2"
                );
                let row = sqlx::query(&sql)
                    .bind(facility_id)
                    .bind(record_id)
                    .fetch_optional(&mut *self)
                    .await?;
                row.as_ref().map(dose).transpose()
            }
            async fn dose_by_id(&mut self, id: &str) -> Result<Option<DoseRow>> {
                let sql = format!("SELECT {DOSE_COLS} FROM doses WHERE id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self).await?;
                row.as_ref().map(dose).transpose()
            }
            async fn doses_of_person(&mut self, person_id: &str) -> Result<Vec<DoseRow>> {
                let sql = format!(
                    "SELECT {DOSE_COLS} FROM doses WHERE person_id = $1 ORDER BY created_at, id"
                );
                let rows = sqlx::query(&sql).bind(person_id).fetch_all(&mut *self).await?;
                rows.iter().map(dose).collect()
            }
            async fn dose_set_response(&mut self, id: &str, uvci: &str) -> Result<()> {
                sqlx::query("UPDATE doses SET response_uvci = $1 WHERE id = $2")
                    .bind(uvci)
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn dose_correct(&mut self, d: &DoseRow, now: i64) -> Result<()> {
                sqlx::query(
                    "UPDATE doses SET tg = $1, vp = $2, mp = $3, ma = $4, dn = $5, sd = $6, dt = $7, \
                     co = $8, lot = $9, content_hash = $10, updated_at = $11 WHERE id = $12",
                )
                .bind(&d.tg)
                .bind(&d.vp)
                .bind(&d.mp)
                .bind(&d.ma)
                .bind(d.dn)
                .bind(d.sd)
                .bind(&d.dt)
                .bind(&d.co)
                .bind(&d.lot)
                .bind(&d.content_hash)
                .bind(now)
                .bind(&d.id)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn doses_move_person(&mut self, from: &str, to: &str) -> Result<()> {
                sqlx::query("UPDATE doses SET person_id = $1 WHERE person_id = $2")
                    .bind(to)
                    .bind(from)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn cert_insert(&mut self, c: &CertRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO certificates (uvci, person_id, dose_id, facility_id, kid, hc1, dn, sd, \
                     status, issued_at, expires_at, state) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(&c.uvci)
                .bind(&c.person_id)
                .bind(&c.dose_id)
                .bind(&c.facility_id)
                .bind(&c.kid)
                .bind(&c.hc1)
                .bind(c.dn)
                .bind(c.sd)
                .bind(&c.status)
                .bind(c.issued_at)
                .bind(c.expires_at)
                .bind(&c.state)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn cert_get(&mut self, uvci: &str) -> Result<Option<CertRow>> {
                let sql = format!("SELECT {CERT_COLS} FROM certificates WHERE uvci = $1");
                let row = sqlx::query(&sql).bind(uvci).fetch_optional(&mut *self).await?;
                row.as_ref().map(cert).transpose()
            }
            async fn certs_current_of_person(&mut self, person_id: &str) -> Result<Vec<CertRow>> {
                let sql = format!(
                    "SELECT {CERT_COLS} FROM certificates WHERE person_id = $1 AND state = 'current' \
                     ORDER BY issued_at, uvci"
                );
                let rows = sqlx::query(&sql).bind(person_id).fetch_all(&mut *self).await?;
                rows.iter().map(cert).collect()
            }
            async fn certs_current_of_kid(&mut self, kid: &str) -> Result<Vec<CertRow>> {
                let sql = format!(
                    "SELECT {CERT_COLS} FROM certificates WHERE kid = $1 AND state <> 'revoked' \
                     ORDER BY issued_at, uvci"
                );
                let rows = sqlx::query(&sql).bind(kid).fetch_all(&mut *self).await?;
                rows.iter().map(cert).collect()
            }
            async fn cert_set_state(
                &mut self,
                uvci: &str,
                state: &str,
                at: i64,
                reason: Option<&str>,
                replaced_by: Option<&str>,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE certificates SET state = $1, state_at = $2, \
                     revoke_reason = COALESCE($3, revoke_reason), \
                     replaced_by = COALESCE($4, replaced_by) WHERE uvci = $5",
                )
                .bind(state)
                .bind(at)
                .bind(reason)
                .bind(replaced_by)
                .bind(uvci)
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn doses_by_records(&mut self, keys: &[(&str, &str)]) -> Result<Vec<DoseRow>> {
                let mut out = Vec::new();
                for chunk in keys.chunks(chunk_rows(2)) {
                    let sql = format!(
                        // A join (not a row-value IN) so that SQLite probes the unique index.
                        "SELECT {DOSE_COLS} FROM (VALUES {}) AS k JOIN doses \
                         ON facility_id = k.column1 AND facility_record_id = k.column2",
                        values_list(chunk.len(), 2, $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for (f, r) in chunk {
                        q = q.bind(*f).bind(*r);
                    }
                    for row in q.fetch_all(&mut *self).await? {
                        out.push(dose(&row)?);
                    }
                }
                Ok(out)
            }
            async fn persons_existing(&mut self, id_hashes: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
                let mut out = Vec::new();
                for chunk in id_hashes.chunks(chunk_rows(1)) {
                    let sql = format!(
                        "SELECT id_hash FROM persons WHERE id_hash IN {}",
                        values_list(1, chunk.len(), $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for h in chunk {
                        q = q.bind(*h);
                    }
                    for row in q.fetch_all(&mut *self).await? {
                        out.push(row.b("id_hash")?);
                    }
                }
                Ok(out)
            }
            async fn certs_by_uvcis(&mut self, uvcis: &[&str]) -> Result<Vec<CertRow>> {
                let mut out = Vec::new();
                for chunk in uvcis.chunks(chunk_rows(1)) {
                    let sql = format!(
                        "SELECT {CERT_COLS} FROM certificates WHERE uvci IN {}",
                        values_list(1, chunk.len(), $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for u in chunk {
                        q = q.bind(*u);
                    }
                    for row in q.fetch_all(&mut *self).await? {
                        out.push(cert(&row)?);
                    }
                }
                Ok(out)
            }
            async fn persons_by_ids(&mut self, ids: &[&str]) -> Result<Vec<PersonRow>> {
                let mut out = Vec::new();
                for chunk in ids.chunks(chunk_rows(1)) {
                    let sql = format!(
                        "SELECT {PERSON_COLS} FROM persons WHERE id IN {}",
                        values_list(1, chunk.len(), $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for i in chunk {
                        q = q.bind(*i);
                    }
                    for row in q.fetch_all(&mut *self).await? {
                        out.push(person(&row)?);
                    }
                }
                Ok(out)
            }
            async fn persons_insert_many(&mut self, rows: &[NewPerson<'_>], now: i64) -> Result<u64> {
                let mut n = 0;
                for chunk in rows.chunks(chunk_rows(7)) {
                    let sql = format!(
                        "INSERT INTO persons (id, id_hash, family_name, given_name, dob, created_at, \
                         updated_at) VALUES {} ON CONFLICT (id_hash) DO NOTHING",
                        values_list(chunk.len(), 7, $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for p in chunk {
                        q = q
                            .bind(&p.id)
                            .bind(p.id_hash)
                            .bind(p.family_name)
                            .bind(p.given_name)
                            .bind(p.dob)
                            .bind(now)
                            .bind(now);
                    }
                    n += q.execute(&mut *self).await?.rows_affected();
                }
                Ok(n)
            }
            async fn doses_insert_many(&mut self, rows: &[DoseRow], now: i64) -> Result<u64> {
                let mut n = 0;
                for chunk in rows.chunks(chunk_rows(19)) {
                    let sql = format!(
                        "INSERT INTO doses (id, facility_id, facility_record_id, content_hash, \
                         person_id, tg, vp, mp, ma, dn, sd, dt, co, lot, state, response_uvci, \
                         first_issue, created_at, updated_at) VALUES {} \
                         ON CONFLICT (facility_id, facility_record_id) DO NOTHING",
                        values_list(chunk.len(), 19, $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for d in chunk {
                        q = q
                            .bind(&d.id)
                            .bind(&d.facility_id)
                            .bind(&d.facility_record_id)
                            .bind(&d.content_hash)
                            .bind(&d.person_id)
                            .bind(&d.tg)
                            .bind(&d.vp)
                            .bind(&d.mp)
                            .bind(&d.ma)
                            .bind(d.dn)
                            .bind(d.sd)
                            .bind(&d.dt)
                            .bind(&d.co)
                            .bind(&d.lot)
                            .bind(&d.state)
                            .bind(&d.response_uvci)
                            .bind(d.first_issue)
                            .bind(now)
                            .bind(now);
                    }
                    n += q.execute(&mut *self).await?.rows_affected();
                }
                Ok(n)
            }
            async fn certs_insert_many(&mut self, rows: &[CertRow]) -> Result<()> {
                for chunk in rows.chunks(chunk_rows(15)) {
                    let sql = format!(
                        "INSERT INTO certificates (uvci, person_id, dose_id, facility_id, kid, hc1, \
                         dn, sd, status, issued_at, expires_at, state, state_at, revoke_reason, \
                         replaced_by) VALUES {}",
                        values_list(chunk.len(), 15, $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for c in chunk {
                        q = q
                            .bind(&c.uvci)
                            .bind(&c.person_id)
                            .bind(&c.dose_id)
                            .bind(&c.facility_id)
                            .bind(&c.kid)
                            .bind(&c.hc1)
                            .bind(c.dn)
                            .bind(c.sd)
                            .bind(&c.status)
                            .bind(c.issued_at)
                            .bind(c.expires_at)
                            .bind(&c.state)
                            .bind(c.state_at)
                            .bind(&c.revoke_reason)
                            .bind(&c.replaced_by);
                    }
                    q.execute(&mut *self).await?;
                }
                Ok(())
            }
            async fn audit_insert_many(&mut self, rows: &[AuditRow]) -> Result<()> {
                for chunk in rows.chunks(chunk_rows(8)) {
                    let sql = format!(
                        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, \
                         hash) VALUES {}",
                        values_list(chunk.len(), 8, $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for a in chunk {
                        q = q
                            .bind(a.seq)
                            .bind(a.at)
                            .bind(&a.actor)
                            .bind(&a.action)
                            .bind(&a.subject)
                            .bind(&a.detail)
                            .bind(&a.prev_hash)
                            .bind(&a.hash);
                    }
                    q.execute(&mut *self).await?;
                }
                Ok(())
            }

            async fn revocation_insert(&mut self, uvci: &str, kid: &str, reason: &str, at: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO revocations (uvci, kid, reason, revoked_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (uvci) DO NOTHING",
                )
                .bind(uvci)
                .bind(kid)
                .bind(reason)
                .bind(at)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn revocations_since(&mut self, since: i64) -> Result<Vec<RevocationRow>> {
                let rows = sqlx::query(
                    "SELECT seq, uvci, kid, reason, revoked_at FROM revocations WHERE seq > $1 ORDER BY seq",
                )
                .bind(since)
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(RevocationRow {
                            seq: r.i("seq")?,
                            uvci: r.s("uvci")?,
                            kid: r.s("kid")?,
                            reason: r.s("reason")?,
                            revoked_at: r.i("revoked_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

impl_store!(sqlx::SqliteConnection, None::<&str>, false);
/// One advisory lock serialises writers and audit/revocation appends across replicas (held
/// to commit; taken first by `BeginWrite` for PostgreSQL).
pub const PG_APPEND_LOCK: &str = "SELECT pg_advisory_xact_lock(738201)";
impl_store!(sqlx::PgConnection, Some(PG_APPEND_LOCK), true);
