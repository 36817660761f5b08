//! Reads of certificates and holder retrieval (spec/issuer.md §Holder retrieval): a holder
//! proves who they are with national id + date of birth + retrieval code, or presents the
//! code for a UVCI; wrong attempts are counted per person and lock retrieval for a while.

use super::views::CertView;
use super::Issuer;
use crate::db::prelude::*;
use crate::db::rows::{CertRow, PersonRow};
use crate::error::{Error, Result};
use crate::with_db;

/// Holder retrieval: wrong attempts before lock-out.
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// Holder retrieval: lock-out duration (seconds).
pub const LOCKOUT_SECONDS: i64 = 15 * 60;

impl Issuer {
    /// One certificate by UVCI.
    pub async fn certificate(&self, uvci: &str) -> Result<CertRow> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.cert_get(uvci).await?.ok_or(Error::NotFound)
        })
    }

    /// Check a holder's retrieval code against the person of `person_id`, counting failures.
    pub async fn check_holder_code(&self, person_id: &str, code: &str, now: i64) -> Result<()> {
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            tx.person_lock(person_id, now).await?;
            let person = tx
                .person_by_id(person_id)
                .await?
                .ok_or(Error::RetrievalFailed)?;
            let r = self.check_code_in_tx(&mut *tx, &person, code, now).await;
            tx.commit().await?;
            r
        })
    }

    /// Check `code` for `person` inside `tx`, counting a failure (and locking after
    /// [`MAX_FAILED_ATTEMPTS`]).
    async fn check_code_in_tx<C: Store>(
        &self,
        tx: &mut C,
        person: &PersonRow,
        code: &str,
        now: i64,
    ) -> Result<()> {
        if person.locked_until > now {
            return Err(Error::RetrievalLocked);
        }
        if self.ident.check_code(&person.id, person.rc_version, code) {
            if person.failed_attempts != 0 {
                tx.person_attempts(&person.id, 0, 0).await?;
            }
            return Ok(());
        }
        let failed = person.failed_attempts + 1;
        if failed >= MAX_FAILED_ATTEMPTS {
            tx.person_attempts(&person.id, 0, now + LOCKOUT_SECONDS)
                .await?;
            Err(Error::RetrievalLocked)
        } else {
            tx.person_attempts(&person.id, failed, 0).await?;
            Err(Error::RetrievalFailed)
        }
    }

    /// Holder retrieval: national id + date of birth + retrieval code → current certificates.
    pub async fn holder_certificates(
        &self,
        national_id: &str,
        dob: &str,
        code: &str,
        now: i64,
    ) -> Result<Vec<CertView>> {
        let id_hash = self.ident.national_id_hash(national_id);
        with_db!(&self.db, |p| {
            let mut tx = p.begin_write().await?;
            let Some(person) = tx.person_by_hash(&id_hash).await? else {
                return Err(Error::RetrievalFailed);
            };
            tx.person_lock(&person.id, now).await?;
            let person = tx
                .person_by_id(&person.id)
                .await?
                .ok_or(Error::RetrievalFailed)?;
            // A wrong date of birth counts as a failed attempt, too.
            let code = if person.dob == dob.trim() {
                code
            } else {
                "\u{0}"
            };
            let out = match self.check_code_in_tx(&mut *tx, &person, code, now).await {
                Ok(()) => Ok(tx
                    .certs_current_of_person(&person.id)
                    .await?
                    .iter()
                    .map(CertView::from)
                    .collect()),
                Err(e) => Err(e),
            };
            tx.commit().await?;
            out
        })
    }
}
