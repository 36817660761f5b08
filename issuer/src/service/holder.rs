//! Reads of certificates and holder retrieval (spec/issuer.md §Holder retrieval): a holder
//! proves who they are with national id + date of birth + retrieval code, or presents the
//! code for a UVCI. Both are plain reads (no write transaction, no global lock); failures are
//! counted by the [`super::guard`] of the subject and the client's network. Unknown and known
//! people take the same steps and get the same answer.

use super::views::CertView;
use super::Issuer;
use crate::db::prelude::*;
use crate::db::rows::{CertRow, PersonRow};
use crate::error::{Error, Result};
use crate::with_db;

impl Issuer {
    /// One certificate by UVCI.
    pub async fn certificate(&self, uvci: &str) -> Result<CertRow> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.cert_get(uvci).await?.ok_or(Error::NotFound)
        })
    }

    /// A holder presents `code` for the certificate `uvci` (from `client_network`): the
    /// certificate when the code is its holder's.
    pub async fn holder_certificate(
        &self,
        uvci: &str,
        code: &str,
        client_network: &str,
        now: i64,
    ) -> Result<CertRow> {
        let key = self
            .ident
            .guard_key(format!("uvci:{uvci}").as_bytes(), client_network);
        let guarded = self.guard_check(&key, now).await?;
        let found = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            match c.cert_get(uvci).await? {
                Some(cert) => {
                    let person = c.person_by_id(&cert.person_id).await?;
                    Ok::<_, Error>(person.map(|p| (cert, p)))
                }
                None => Ok(None),
            }
        })?;
        let ok = self.code_matches(found.as_ref().map(|(_, p)| p), code);
        match found {
            Some((cert, _)) if ok => {
                if guarded {
                    self.guard_clear(&key).await?;
                }
                Ok(cert)
            }
            _ => {
                self.guard_fail(&key, now).await?;
                Err(Error::RetrievalFailed)
            }
        }
    }

    /// Holder retrieval: national id + date of birth + retrieval code (from `client_network`)
    /// → current certificates.
    pub async fn holder_certificates(
        &self,
        national_id: &str,
        dob: &str,
        code: &str,
        client_network: &str,
        now: i64,
    ) -> Result<Vec<CertView>> {
        let person_id = self
            .holder_person(national_id, dob, code, client_network, now)
            .await?;
        let certs = self.current_certificates_of(&person_id).await?;
        Ok(certs.iter().map(CertView::from).collect())
    }

    /// The check behind holder retrieval (and the portal's sign-in): the person id when
    /// national id, date of birth and code match, else `RETRIEVAL_FAILED` (the same for an
    /// unknown person), counted by the guard of that subject and `client_network`.
    pub async fn holder_person(
        &self,
        national_id: &str,
        dob: &str,
        code: &str,
        client_network: &str,
        now: i64,
    ) -> Result<String> {
        let id_hash = self.ident.national_id_hash(national_id);
        let key = self.ident.guard_key(&id_hash, client_network);
        let guarded = self.guard_check(&key, now).await?;
        // A merged person's document leads to the survivor (and the survivor's code).
        let person = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            super::identify::person_of_document(&mut *c, &id_hash).await
        })?;
        // Both checks always run: the time does not tell which failed.
        let dob_ok = person.as_ref().is_some_and(|p| p.dob == dob.trim());
        let code_ok = self.code_matches(person.as_ref(), code);
        let Some(person) = person.filter(|_| dob_ok & code_ok) else {
            self.guard_fail(&key, now).await?;
            return Err(Error::RetrievalFailed);
        };
        if guarded {
            // A success from a network that failed before starts it afresh; the usual
            // success writes nothing.
            self.guard_clear(&key).await?;
        }
        Ok(person.id)
    }

    /// The current certificates of a person (one per dose series state; superseded and
    /// revoked ones are not current).
    pub async fn current_certificates_of(&self, person_id: &str) -> Result<Vec<CertRow>> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.certs_current_of_person(person_id).await
        })
    }

    /// Whether `code` is `person`'s retrieval code; for no person a code is still checked
    /// (against a placeholder) so that both cases cost the same.
    fn code_matches(&self, person: Option<&PersonRow>, code: &str) -> bool {
        match person {
            Some(p) => self.ident.check_code(&p.id, p.rc_version, code),
            None => {
                let _ = self.ident.check_code("", 0, code);
                false
            }
        }
    }
}
