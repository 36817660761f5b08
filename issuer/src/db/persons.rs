//! SQL of `persons`: identities (document HMAC, names, birth date, where the identity comes
//! from, retrieval-code version).
//! Written once for both backends: [`Persons`] is implemented for `SqliteConnection` and
//! `PgConnection` by one macro (`$numbered`: PostgreSQL placeholders in multi-row statements).

use super::rows::{chunk_rows, person, values_list, NewPerson, PersonRow, RowExt, PERSON_COLS};
use crate::domain::IdentityState;
use crate::error::Result;
use std::future::Future;

/// The statements on `persons`.
pub trait Persons: Send {
    /// Insert a person unless one with the same `id_hash` exists.
    fn person_insert_if_absent(
        &mut self,
        p: &NewPerson<'_>,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A person by national-id hash.
    fn person_by_hash(
        &mut self,
        id_hash: &[u8],
    ) -> impl Future<Output = Result<Option<PersonRow>>> + Send;
    /// A person by id.
    fn person_by_id(&mut self, id: &str) -> impl Future<Output = Result<Option<PersonRow>>> + Send;
    /// Touch the row: takes the row lock (PostgreSQL) / write lock (SQLite) for this person.
    fn person_lock(&mut self, id: &str, now: i64) -> impl Future<Output = Result<()>> + Send;
    /// Replace a person's identity and data (a ministry correction).
    fn person_update(
        &mut self,
        id: &str,
        id_hash: &[u8],
        family: Option<&str>,
        given: Option<&str>,
        dob: &str,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Set-based lookup: which of these national-id hashes belong to a stored person.
    fn persons_existing(
        &mut self,
        id_hashes: &[&[u8]],
    ) -> impl Future<Output = Result<Vec<Vec<u8>>>> + Send;
    /// Set-based lookup: persons by id.
    fn persons_by_ids(
        &mut self,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<PersonRow>>> + Send;
    /// Set where a person's identity comes from (and whom it was merged into).
    fn person_set_identity(
        &mut self,
        id: &str,
        state: IdentityState,
        merged_into: Option<&str>,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Advance the retrieval-code version (the old code stops working); the new version.
    fn person_next_code(&mut self, id: &str, now: i64) -> impl Future<Output = Result<i64>> + Send;
    /// Multi-row insert of new persons (`ON CONFLICT (id_hash) DO NOTHING`); rows inserted.
    fn persons_insert_many(
        &mut self,
        rows: &[NewPerson<'_>],
        now: i64,
    ) -> impl Future<Output = Result<u64>> + Send;
}

macro_rules! impl_persons {
    ($conn:ty, $numbered:expr) => {
        impl Persons for $conn {
            async fn person_insert_if_absent(&mut self, p: &NewPerson<'_>, now: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO persons (id, id_hash, family_name, given_name, dob, doc_type, \
                     identity_state, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id_hash) DO NOTHING",
                )
                .bind(&p.id)
                .bind(p.id_hash)
                .bind(p.family_name)
                .bind(p.given_name)
                .bind(p.dob)
                .bind(p.doc_type.as_str())
                .bind(p.identity.as_str())
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
            async fn person_set_identity(
                &mut self,
                id: &str,
                state: IdentityState,
                merged_into: Option<&str>,
                now: i64,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE persons SET identity_state = $1, merged_into = $2, updated_at = $3 \
                     WHERE id = $4",
                )
                .bind(state.as_str())
                .bind(merged_into)
                .bind(now)
                .bind(id)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn person_next_code(&mut self, id: &str, now: i64) -> Result<i64> {
                let row = sqlx::query(
                    "UPDATE persons SET rc_version = rc_version + 1, updated_at = $1 \
                     WHERE id = $2 RETURNING rc_version",
                )
                .bind(now)
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
                row.as_ref()
                    .map(|r| r.i("rc_version"))
                    .transpose()?
                    .ok_or(crate::error::Error::NotFound)
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
                for chunk in rows.chunks(chunk_rows(9)) {
                    let sql = format!(
                        "INSERT INTO persons (id, id_hash, family_name, given_name, dob, doc_type, \
                         identity_state, created_at, updated_at) VALUES {} \
                         ON CONFLICT (id_hash) DO NOTHING",
                        values_list(chunk.len(), 9, $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for p in chunk {
                        q = q
                            .bind(&p.id)
                            .bind(p.id_hash)
                            .bind(p.family_name)
                            .bind(p.given_name)
                            .bind(p.dob)
                            .bind(p.doc_type.as_str())
                            .bind(p.identity.as_str())
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

impl_persons!(sqlx::SqliteConnection, false);
impl_persons!(sqlx::PgConnection, true);
