//! A person and their records as the ministry sees them (`GET /v1/persons/{id}`,
//! `POST /v1/persons/search` by document — a POST so that no document number is ever in a
//! URL), and one record as its own facility sees it (`GET /v1/vaccinations/{record_id}`).

use super::identify::person_of_document;
use super::views::{rfc3339, CertView};
use super::Issuer;
use crate::db::prelude::*;
use crate::db::rows::{DoseRow, PersonRow};
use crate::domain::{DocumentKind, DoseState, IdentityState};
use crate::error::{Error, Result};
use crate::identity::Document;
use crate::with_db;
use serde::Serialize;

/// One dose record.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RecordView {
    /// Our record id.
    pub record_id: String,
    /// The facility that recorded it.
    pub facility_id: String,
    /// The facility's own record id.
    pub facility_record_id: String,
    /// Product.
    pub product: String,
    /// Dose number.
    pub dose_number: i64,
    /// Doses in the series.
    pub series_total: i64,
    /// Date of vaccination.
    pub date: String,
    /// Active or voided.
    pub state: DoseState,
    /// Recorded (RFC 3339).
    pub recorded_at: String,
}

impl From<&DoseRow> for RecordView {
    fn from(d: &DoseRow) -> Self {
        RecordView {
            record_id: d.id.clone(),
            facility_id: d.facility_id.clone(),
            facility_record_id: d.facility_record_id.clone(),
            product: d.mp.clone(),
            dose_number: d.dn,
            series_total: d.sd,
            date: d.dt.clone(),
            state: d.state,
            recorded_at: rfc3339(d.created_at),
        }
    }
}

/// A person with their records and current certificates.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PersonView {
    /// Person id.
    pub id: String,
    /// The kind of document.
    pub document_type: DocumentKind,
    /// Where the identity comes from.
    pub identity_state: IdentityState,
    /// Merged into (state `merged`).
    pub merged_into: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Date of birth.
    pub date_of_birth: String,
    /// Every dose record, oldest first.
    pub records: Vec<RecordView>,
    /// Current certificates.
    pub certificates: Vec<CertView>,
}

async fn view<C: Store>(c: &mut C, p: PersonRow) -> Result<PersonView> {
    let records = c.doses_of_person(&p.id).await?;
    let certs = c.certs_current_of_person(&p.id).await?;
    Ok(PersonView {
        id: p.id,
        document_type: p.doc_type,
        identity_state: p.identity,
        merged_into: p.merged_into,
        family_name: p.family_name,
        given_name: p.given_name,
        date_of_birth: p.dob,
        records: records.iter().map(RecordView::from).collect(),
        certificates: certs.iter().map(CertView::from).collect(),
    })
}

impl Issuer {
    /// A person by id.
    pub async fn person(&self, id: &str) -> Result<PersonView> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let person = c.person_by_id(id).await?.ok_or(Error::NotFound)?;
            view(&mut *c, person).await
        })
    }

    /// The person a document leads to (through merges); a temporary id is looked up within
    /// `facility_id`.
    pub async fn person_by_document(
        &self,
        doc: &Document,
        facility_id: &str,
    ) -> Result<PersonView> {
        let id_hash = self.ident.document_hash(doc, facility_id);
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let person = person_of_document(&mut *c, &id_hash)
                .await?
                .ok_or(Error::NotFound)?;
            view(&mut *c, person).await
        })
    }

    /// One record (`facility` = `Some`: only a record of that facility) with the certificate
    /// issued for this dose, if it is still current.
    pub async fn record(
        &self,
        record_id: &str,
        facility: Option<&str>,
    ) -> Result<(RecordView, Option<CertView>)> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let dose = c.dose_by_id(record_id).await?.ok_or(Error::NotFound)?;
            if facility.is_some_and(|f| f != dose.facility_id) {
                return Err(Error::Forbidden("the record belongs to another facility"));
            }
            let cert = c
                .certs_current_of_person(&dose.person_id)
                .await?
                .into_iter()
                .find(|cert| cert.dose_id == dose.id);
            Ok((RecordView::from(&dose), cert.as_ref().map(CertView::from)))
        })
    }
}
