//! SQL of `dscs`: which document signers exist and which one signs (the key material itself
//! is `crate::keys`). Written once for both backends by one macro.

use super::rows::{DscRow, RowExt};
use crate::domain::DscState;
use crate::error::Result;
use std::future::Future;

/// The statements on `dscs`.
pub trait Dscs: Send {
    /// Register a DSC as retired unless known; `true` when inserted.
    fn dsc_register(
        &mut self,
        kid: &str,
        algorithm: &str,
        cert_der: &[u8],
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// The current DSC's kid.
    fn dsc_current(&mut self) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Retire the current DSC and make `kid` current.
    fn dsc_make_current(&mut self, kid: &str, now: i64) -> impl Future<Output = Result<()>> + Send;
    /// Set a DSC's state; `true` when it exists.
    fn dsc_set_state(
        &mut self,
        kid: &str,
        state: DscState,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Every DSC, oldest first.
    fn dscs_all(&mut self) -> impl Future<Output = Result<Vec<DscRow>>> + Send;
}

macro_rules! impl_dscs {
    ($conn:ty) => {
        impl Dscs for $conn {
            async fn dsc_register(
                &mut self,
                kid: &str,
                algorithm: &str,
                cert_der: &[u8],
                now: i64,
            ) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO dscs (kid, algorithm, cert_der, state, created_at, \
                     state_changed_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (kid) DO NOTHING",
                )
                .bind(kid)
                .bind(algorithm)
                .bind(cert_der)
                .bind(DscState::Retired.as_str())
                .bind(now)
                .execute(&mut *self)
                .await?;
                Ok(r.rows_affected() == 1)
            }
            async fn dsc_current(&mut self) -> Result<Option<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT kid FROM dscs WHERE state = $1 ORDER BY created_at DESC, kid LIMIT 1",
                )
                .bind(DscState::Current.as_str())
                .fetch_optional(&mut *self)
                .await?)
            }
            async fn dsc_make_current(&mut self, kid: &str, now: i64) -> Result<()> {
                sqlx::query("UPDATE dscs SET state = $1, state_changed_at = $2 WHERE state = $3")
                    .bind(DscState::Retired.as_str())
                    .bind(now)
                    .bind(DscState::Current.as_str())
                    .execute(&mut *self)
                    .await?;
                sqlx::query(
                    "UPDATE dscs SET state = $1, state_changed_at = $2, created_at = $2 \
                     WHERE kid = $3",
                )
                .bind(DscState::Current.as_str())
                .bind(now)
                .bind(kid)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
            async fn dsc_set_state(&mut self, kid: &str, state: DscState, now: i64) -> Result<bool> {
                let r = sqlx::query("UPDATE dscs SET state = $1, state_changed_at = $2 WHERE kid = $3")
                    .bind(state.as_str())
                    .bind(now)
                    .bind(kid)
                    .execute(&mut *self)
                    .await?;
                Ok(r.rows_affected() > 0)
            }
            async fn dscs_all(&mut self) -> Result<Vec<DscRow>> {
                let rows = sqlx::query(
                    "SELECT kid, algorithm, cert_der, state, created_at FROM dscs \
                     ORDER BY created_at, kid",
                )
                .fetch_all(&mut *self)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DscRow {
                            kid: r.s("kid")?,
                            algorithm: r.s("algorithm")?,
                            cert_der: r.b("cert_der")?,
                            state: r.s("state")?.parse()?,
                            created_at: r.i("created_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

impl_dscs!(sqlx::SqliteConnection);
impl_dscs!(sqlx::PgConnection);
