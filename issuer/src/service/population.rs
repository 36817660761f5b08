//! Loading the population register table (`vaxcert-issuer population import`; the file side
//! is [`crate::identity::population_file`]). One transaction per chunk, audited with the count
//! only.

use super::context::TxCtx;
use super::Issuer;
use crate::db::population::PopulationRow;
use crate::db::prelude::*;
use crate::domain::AuditAction;
use crate::error::Result;
use crate::with_db;

impl Issuer {
    /// Insert or replace `rows` in the register; entries written.
    pub async fn load_population(&self, rows: &[PopulationRow], now: i64) -> Result<u64> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, "cli", now);
            let n = tx.population_upsert_many(rows, now).await?;
            let detail = format!("entries={n}");
            ctx.audit(&mut *tx, AuditAction::PopulationLoad, "population", &detail)
                .await?;
            tx.commit().await?;
            Ok(n)
        })
    }
}
