//! SQL of `doses`: recorded immunizations, idempotent per (facility, facility record id).
//! Written once for both backends: [`Doses`] is implemented for `SqliteConnection` and
//! `PgConnection` by one macro (`$numbered`: PostgreSQL placeholders in multi-row statements).

use super::rows::{chunk_rows, dose, values_list, DoseRow, DOSE_COLS};
use crate::domain::DoseState;
use crate::error::Result;
use std::future::Future;

/// The statements on `doses`.
pub trait Doses: Send {
    /// Insert; `false` when (facility_id, facility_record_id) exists already.
    fn dose_insert(&mut self, d: &DoseRow, now: i64) -> impl Future<Output = Result<bool>> + Send;
    /// A dose by (facility, facility record id).
    fn dose_by_record(
        &mut self,
        facility_id: &str,
        record_id: &str,
    ) -> impl Future<Output = Result<Option<DoseRow>>> + Send;
    /// A dose by our record id.
    fn dose_by_id(&mut self, id: &str) -> impl Future<Output = Result<Option<DoseRow>>> + Send;
    /// Every dose of a person, in upload order.
    fn doses_of_person(
        &mut self,
        person_id: &str,
    ) -> impl Future<Output = Result<Vec<DoseRow>>> + Send;
    /// Overwrite a dose's fields and content hash (a correction).
    fn dose_correct(&mut self, d: &DoseRow, now: i64) -> impl Future<Output = Result<()>> + Send;
    /// Set a dose's state (void, or undo a void).
    fn dose_set_state(
        &mut self,
        id: &str,
        state: DoseState,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Move a dose to another person.
    fn dose_set_person(
        &mut self,
        id: &str,
        person_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Set-based lookup: the doses of these (facility id, facility record id) pairs.
    fn doses_by_records(
        &mut self,
        keys: &[(&str, &str)],
    ) -> impl Future<Output = Result<Vec<DoseRow>>> + Send;
    /// Multi-row insert of doses (`ON CONFLICT (facility_id, facility_record_id) DO NOTHING`);
    /// rows inserted.
    fn doses_insert_many(
        &mut self,
        rows: &[DoseRow],
        now: i64,
    ) -> impl Future<Output = Result<u64>> + Send;
}

macro_rules! impl_doses {
    ($conn:ty, $numbered:expr) => {
        impl Doses for $conn {
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
                .bind(d.state.as_str())
                .bind(&d.response_uvci)
                .bind(i64::from(d.first_issue))
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
            async fn dose_set_state(&mut self, id: &str, state: DoseState, now: i64) -> Result<()> {
                sqlx::query("UPDATE doses SET state = $1, updated_at = $2 WHERE id = $3")
                    .bind(state.as_str())
                    .bind(now)
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn dose_set_person(&mut self, id: &str, person_id: &str, now: i64) -> Result<()> {
                sqlx::query("UPDATE doses SET person_id = $1, updated_at = $2 WHERE id = $3")
                    .bind(person_id)
                    .bind(now)
                    .bind(id)
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
                            .bind(d.state.as_str())
                            .bind(&d.response_uvci)
                            .bind(i64::from(d.first_issue))
                            .bind(now)
                            .bind(now);
                    }
                    n += q.execute(&mut *self).await?.rows_affected();
                }
                Ok(n)
            }
        }
    };
}

impl_doses!(sqlx::SqliteConnection, false);
impl_doses!(sqlx::PgConnection, true);
