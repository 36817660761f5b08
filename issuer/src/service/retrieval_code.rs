//! A new retrieval code for the person behind a record (`POST /v1/persons/retrieval-code`,
//! spec/issuer.md §Identity "Retrieval codes"): the code version advances, so the old code
//! stops working, and the new code is returned once — for the site's printed handout. Codes
//! are never part of a submission's answer. Also the first code of a person an import
//! created (the importer's `--codes` file).

use super::context::TxCtx;
use super::Issuer;
use crate::db::prelude::*;
use crate::domain::AuditAction;
use crate::error::{Error, Result};
use crate::with_db;

impl Issuer {
    /// Issue a new retrieval code for the person of record `record_id` (`facility` = `Some`:
    /// only a record of that facility). Audited (the code is not in the entry).
    pub async fn new_retrieval_code(
        &self,
        record_id: &str,
        facility: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<String> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let mut ctx = TxCtx::unsigned(&self.settings, actor, now);
            let dose = tx.dose_by_id(record_id).await?.ok_or(Error::NotFound)?;
            if facility.is_some_and(|f| f != dose.facility_id) {
                return Err(Error::Forbidden("the record belongs to another facility"));
            }
            let version = tx.person_next_code(&dose.person_id, now).await?;
            let detail = format!("version={version}");
            ctx.audit(
                &mut *tx,
                AuditAction::NewRetrievalCode,
                &dose.person_id,
                &detail,
            )
            .await?;
            tx.commit().await?;
            Ok(self.ident.retrieval_code(&dose.person_id, version))
        })
    }

    /// The first retrieval code of a person created by an import (version 1; valid until a
    /// new code is issued).
    pub fn first_retrieval_code(&self, person_id: &str) -> String {
        self.ident.retrieval_code(person_id, 1)
    }
}
