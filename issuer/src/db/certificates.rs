//! SQL of `certificates`: every certificate issued, with its state.
//! Written once for both backends: [`Certificates`] is implemented for `SqliteConnection` and
//! `PgConnection` by one macro (`$numbered`: PostgreSQL placeholders in multi-row statements).

use super::rows::{cert, chunk_rows, values_list, CertRow, CERT_COLS};
use crate::domain::{CertState, RevokeReason};
use crate::error::Result;
use std::future::Future;

/// The statements on `certificates`.
pub trait Certificates: Send {
    /// Store a certificate (state current).
    fn cert_insert(&mut self, c: &CertRow) -> impl Future<Output = Result<()>> + Send;
    /// One certificate by UVCI.
    fn cert_get(&mut self, uvci: &str) -> impl Future<Output = Result<Option<CertRow>>> + Send;
    /// The person's current certificates, oldest first.
    fn certs_current_of_person(
        &mut self,
        person_id: &str,
    ) -> impl Future<Output = Result<Vec<CertRow>>> + Send;
    /// Every certificate of a DSC not yet revoked, oldest first.
    fn certs_current_of_kid(
        &mut self,
        kid: &str,
    ) -> impl Future<Output = Result<Vec<CertRow>>> + Send;
    /// Change a certificate's state (reason and replacement kept unless given).
    fn cert_set_state(
        &mut self,
        uvci: &str,
        state: CertState,
        at: i64,
        reason: Option<RevokeReason>,
        replaced_by: Option<&str>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Set-based lookup: certificates by UVCI.
    fn certs_by_uvcis(
        &mut self,
        uvcis: &[&str],
    ) -> impl Future<Output = Result<Vec<CertRow>>> + Send;
    /// Multi-row insert of certificates (every column, so a row may arrive already superseded).
    fn certs_insert_many(&mut self, rows: &[CertRow]) -> impl Future<Output = Result<()>> + Send;
}

macro_rules! impl_certificates {
    ($conn:ty, $numbered:expr) => {
        impl Certificates for $conn {
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
                .bind(c.status.name())
                .bind(c.issued_at)
                .bind(c.expires_at)
                .bind(c.state.as_str())
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
                    "SELECT {CERT_COLS} FROM certificates WHERE person_id = $1 AND state = $2 \
                     ORDER BY issued_at, uvci"
                );
                let rows = sqlx::query(&sql).bind(person_id).bind(CertState::Current.as_str()).fetch_all(&mut *self).await?;
                rows.iter().map(cert).collect()
            }
            async fn certs_current_of_kid(&mut self, kid: &str) -> Result<Vec<CertRow>> {
                let sql = format!(
                    "SELECT {CERT_COLS} FROM certificates WHERE kid = $1 AND state <> $2 \
                     ORDER BY issued_at, uvci"
                );
                let rows = sqlx::query(&sql).bind(kid).bind(CertState::Revoked.as_str()).fetch_all(&mut *self).await?;
                rows.iter().map(cert).collect()
            }
            async fn cert_set_state(
                &mut self,
                uvci: &str,
                state: CertState,
                at: i64,
                reason: Option<RevokeReason>,
                replaced_by: Option<&str>,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE certificates SET state = $1, state_at = $2, \
                     revoke_reason = COALESCE($3, revoke_reason), \
                     replaced_by = COALESCE($4, replaced_by) WHERE uvci = $5",
                )
                .bind(state.as_str())
                .bind(at)
                .bind(reason.map(RevokeReason::as_str))
                .bind(replaced_by)
                .bind(uvci)
                .execute(&mut *self)
                .await?;
                Ok(())
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
                            .bind(c.status.name())
                            .bind(c.issued_at)
                            .bind(c.expires_at)
                            .bind(c.state.as_str())
                            .bind(c.state_at)
                            .bind(c.revoke_reason.map(RevokeReason::as_str))
                            .bind(&c.replaced_by);
                    }
                    q.execute(&mut *self).await?;
                }
                Ok(())
            }
        }
    };
}

impl_certificates!(sqlx::SqliteConnection, false);
impl_certificates!(sqlx::PgConnection, true);
