//! SQL of `publications`: one row per published sequence of a signed list (trust list,
//! revocation list), unique per kind. Written once for both backends by one macro.

use super::rows::{PublicationRow, RowExt};
use crate::domain::ListKind;
use crate::error::Result;
use std::future::Future;

/// The statements on `publications`.
pub trait Publications: Send {
    /// The publication of `kind` with the highest sequence.
    fn publication_latest(
        &mut self,
        kind: ListKind,
    ) -> impl Future<Output = Result<Option<PublicationRow>>> + Send;
    /// The publication of `kind` under `sequence`.
    fn publication_get(
        &mut self,
        kind: ListKind,
        sequence: i64,
    ) -> impl Future<Output = Result<Option<PublicationRow>>> + Send;
    /// Store a new publication (a unique violation means the sequence is taken).
    fn publication_insert(
        &mut self,
        row: &PublicationRow,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Replace the times and signed bytes of the publication `row.kind`/`row.sequence`
    /// (same content re-signed to extend its expiry); `false` when no such row.
    fn publication_resign(
        &mut self,
        row: &PublicationRow,
    ) -> impl Future<Output = Result<bool>> + Send;
}

const COLUMNS: &str = "kind, sequence, content_hash, covers, issued_at, valid_until, signed";

fn row<R: RowExt>(r: &R) -> Result<PublicationRow> {
    Ok(PublicationRow {
        kind: r.s("kind")?.parse()?,
        sequence: r.i("sequence")?,
        content_hash: r.b("content_hash")?,
        covers: r.i("covers")?,
        issued_at: r.i("issued_at")?,
        valid_until: r.i("valid_until")?,
        signed: r.b("signed")?,
    })
}

macro_rules! impl_publications {
    ($conn:ty) => {
        impl Publications for $conn {
            async fn publication_latest(
                &mut self,
                kind: ListKind,
            ) -> Result<Option<PublicationRow>> {
                let sql = format!(
                    "SELECT {COLUMNS} FROM publications WHERE kind = $1 \
                     ORDER BY sequence DESC LIMIT 1"
                );
                let r = sqlx::query(&sql)
                    .bind(kind.as_str())
                    .fetch_optional(&mut *self)
                    .await?;
                r.as_ref().map(row).transpose()
            }
            async fn publication_get(
                &mut self,
                kind: ListKind,
                sequence: i64,
            ) -> Result<Option<PublicationRow>> {
                let sql =
                    format!("SELECT {COLUMNS} FROM publications WHERE kind = $1 AND sequence = $2");
                let r = sqlx::query(&sql)
                    .bind(kind.as_str())
                    .bind(sequence)
                    .fetch_optional(&mut *self)
                    .await?;
                r.as_ref().map(row).transpose()
            }
            async fn publication_insert(&mut self, p: &PublicationRow) -> Result<()> {
                let sql = format!(
                    "INSERT INTO publications ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                );
                sqlx::query(&sql)
                    .bind(p.kind.as_str())
                    .bind(p.sequence)
                    .bind(&p.content_hash)
                    .bind(p.covers)
                    .bind(p.issued_at)
                    .bind(p.valid_until)
                    .bind(&p.signed)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
            async fn publication_resign(&mut self, p: &PublicationRow) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE publications SET issued_at = $1, valid_until = $2, signed = $3 \
                     WHERE kind = $4 AND sequence = $5 AND content_hash = $6",
                )
                .bind(p.issued_at)
                .bind(p.valid_until)
                .bind(&p.signed)
                .bind(p.kind.as_str())
                .bind(p.sequence)
                .bind(&p.content_hash)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

impl_publications!(sqlx::SqliteConnection);
impl_publications!(sqlx::PgConnection);
