//! SQL of `population`: the national population register as a table (spec/issuer.md
//! §Identity), keyed by the document's HMAC like `persons.id_hash`.

use super::rows::{chunk_rows, values_list, RowExt};
use crate::domain::DocumentKind;
use crate::error::Result;
use std::future::Future;

/// One register entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationRow {
    /// HMAC of the document.
    pub id_hash: Vec<u8>,
    /// The kind of document.
    pub doc_type: DocumentKind,
    /// Family name.
    pub family_name: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Date of birth.
    pub dob: String,
}

/// The statements on `population`.
pub trait Population: Send {
    /// Set-based lookup by document hash.
    fn population_by_hashes(
        &mut self,
        hashes: &[&[u8]],
    ) -> impl Future<Output = Result<Vec<PopulationRow>>> + Send;
    /// Whether the register holds any document of this kind (it covers the kind).
    fn population_covers(
        &mut self,
        kind: DocumentKind,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Insert or replace entries (a reload of the register updates them); rows written.
    fn population_upsert_many(
        &mut self,
        rows: &[PopulationRow],
        now: i64,
    ) -> impl Future<Output = Result<u64>> + Send;
}

fn row(r: &impl RowExt) -> Result<PopulationRow> {
    Ok(PopulationRow {
        id_hash: r.b("id_hash")?,
        doc_type: r.s("doc_type")?.parse()?,
        family_name: r.s("family_name")?,
        given_name: r.os("given_name")?,
        dob: r.s("dob")?,
    })
}

macro_rules! impl_population {
    ($conn:ty, $numbered:expr) => {
        impl Population for $conn {
            async fn population_by_hashes(&mut self, hashes: &[&[u8]]) -> Result<Vec<PopulationRow>> {
                let mut out = Vec::new();
                for chunk in hashes.chunks(chunk_rows(1)) {
                    let sql = format!(
                        "SELECT id_hash, doc_type, family_name, given_name, dob FROM population \
                         WHERE id_hash IN {}",
                        values_list(1, chunk.len(), $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for h in chunk {
                        q = q.bind(*h);
                    }
                    for r in q.fetch_all(&mut *self).await? {
                        out.push(row(&r)?);
                    }
                }
                Ok(out)
            }
            async fn population_covers(&mut self, kind: DocumentKind) -> Result<bool> {
                let r = sqlx::query("SELECT 1 AS one FROM population WHERE doc_type = $1 LIMIT 1")
                    .bind(kind.as_str())
                    .fetch_optional(&mut *self)
                    .await?;
                Ok(r.is_some())
            }
            async fn population_upsert_many(&mut self, rows: &[PopulationRow], now: i64) -> Result<u64> {
                let mut n = 0;
                for chunk in rows.chunks(chunk_rows(6)) {
                    let sql = format!(
                        "INSERT INTO population (id_hash, doc_type, family_name, given_name, dob, \
                         loaded_at) VALUES {} ON CONFLICT (id_hash) DO UPDATE SET \
                         doc_type = excluded.doc_type, family_name = excluded.family_name, \
                         given_name = excluded.given_name, dob = excluded.dob, \
                         loaded_at = excluded.loaded_at",
                        values_list(chunk.len(), 6, $numbered)
                    );
                    let mut q = sqlx::query(&sql);
                    for p in chunk {
                        q = q
                            .bind(&p.id_hash)
                            .bind(p.doc_type.as_str())
                            .bind(&p.family_name)
                            .bind(&p.given_name)
                            .bind(&p.dob)
                            .bind(now);
                    }
                    n += q.execute(&mut *self).await?.rows_affected();
                }
                Ok(n)
            }
        }
    };
}

impl_population!(sqlx::SqliteConnection, false);
impl_population!(sqlx::PgConnection, true);
