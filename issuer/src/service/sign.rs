//! Certificate signing, pure CPU and no database: the claims of a vaccination certificate
//! from a person and a dose, signed by whichever [`Signer`] holds the current DSC (files
//! today; an HSM plugs in behind the same trait). Also UVCI generation.

use super::Settings;
use crate::db::rows::{DoseRow, PersonRow};
use crate::domain::{status_of, VaccinationStatus};
use crate::error::{Error, Result};
use crate::input::{DoseFields, PersonInput};
use wallet_format::uvci::Uvci;
use wallet_format::{Claims, Dcc, Name, Signer, Vaccination};

/// A certificate signed outside the database transaction, ready to insert.
#[derive(Debug, Clone)]
pub struct Signed {
    /// Its UVCI.
    pub uvci: String,
    /// The `HC1:` text.
    pub hc1: String,
    /// Base64 kid of the signer.
    pub kid: String,
    /// Dose number.
    pub dn: i64,
    /// Doses in the series.
    pub sd: i64,
    /// Its status.
    pub status: VaccinationStatus,
    /// Issued (unix seconds).
    pub issued_at: i64,
    /// Expires (unix seconds).
    pub expires_at: i64,
}

/// Sign a certificate for `dose` of `person`.
pub fn sign(
    settings: &Settings,
    signer: &dyn Signer,
    person: &PersonInput,
    dose: &DoseFields,
    now: i64,
) -> Result<Signed> {
    let uvci = new_uvci(&settings.country)?;
    let expires_at = now + settings.validity_days * 86_400;
    let claims = Claims {
        iss: Some(settings.country.clone()),
        iat: Some(now),
        exp: Some(expires_at),
        dcc: Dcc {
            ver: "1.3.0".into(),
            nam: name(person),
            dob: person.date_of_birth.clone(),
            v: Some(vec![Vaccination {
                tg: dose.target.clone(),
                vp: dose.vaccine_type.clone(),
                mp: dose.product.clone(),
                ma: dose.manufacturer.clone(),
                dn: u32::try_from(dose.dose_number).unwrap_or(1),
                sd: u32::try_from(dose.series_total).unwrap_or(1),
                dt: dose.date.clone(),
                co: dose.country.clone(),
                issuer: settings.issuer_name.clone(),
                ci: uvci.clone(),
            }]),
            ..Dcc::default()
        },
    };
    let hc1 = wallet_format::encode(&claims, signer)?;
    Ok(Signed {
        uvci,
        hc1,
        kid: signer.kid().to_base64(),
        dn: dose.dose_number,
        sd: dose.series_total,
        status: status_of(dose.dose_number, dose.series_total, &dose.product),
        issued_at: now,
        expires_at,
    })
}

/// The certificate's name group: as written, and ICAO-transliterated.
fn name(person: &PersonInput) -> Name {
    let given_t = person
        .given_name
        .as_deref()
        .map(wallet_format::transliterate::icao)
        .filter(|s| !s.is_empty());
    Name {
        family: Some(person.family_name.clone()),
        given: person.given_name.clone(),
        family_t: Some(wallet_format::transliterate::icao(&person.family_name)),
        given_t,
    }
}

/// Generate a fresh UVCI: `wallet_format::profile::UVCI_OPAQUE_LEN` random characters of
/// `A-Z0-9` (unbiased: rejection sampling), uniqueness enforced by the primary key.
pub fn new_uvci(country: &str) -> Result<String> {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut opaque = String::with_capacity(wallet_format::profile::UVCI_OPAQUE_LEN);
    let mut buf = [0u8; 32];
    while opaque.len() < wallet_format::profile::UVCI_OPAQUE_LEN {
        aws_lc_rs::rand::fill(&mut buf).map_err(|_| Error::Internal("rng".into()))?;
        for b in buf {
            if b < 252 && opaque.len() < wallet_format::profile::UVCI_OPAQUE_LEN {
                opaque.push(ALPHABET[(b % 36) as usize] as char); // safe: b % 36 < 36
            }
        }
    }
    Uvci::new(country, &opaque)
        .map(|u| u.as_str().to_string())
        .map_err(|_| Error::Internal("uvci generation".into()))
}

/// The stored person as signing input. The identity document is not part of the
/// certificate, so it is left empty.
pub fn person_input(p: &PersonRow) -> PersonInput {
    PersonInput {
        document: crate::identity::Document {
            kind: p.doc_type,
            number: String::new(),
            country: None,
        },
        family_name: p.family_name.clone().unwrap_or_default(),
        given_name: p.given_name.clone(),
        date_of_birth: p.dob.clone(),
    }
}

/// A stored dose as signing input.
pub fn dose_fields(d: &DoseRow) -> DoseFields {
    DoseFields {
        target: d.tg.clone(),
        vaccine_type: d.vp.clone(),
        product: d.mp.clone(),
        manufacturer: d.ma.clone(),
        dose_number: d.dn,
        series_total: d.sd,
        date: d.dt.clone(),
        country: d.co.clone(),
        lot: d.lot.clone(),
    }
}

/// Whether a submission's person data differs from the stored person's (the stored data is
/// authoritative: corrections are explicit).
pub fn person_differs(stored: &PersonRow, submitted: &PersonInput) -> bool {
    stored.family_name.as_deref() != Some(submitted.family_name.as_str())
        || stored.given_name != submitted.given_name
        || stored.dob != submitted.date_of_birth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_uvcis_parse_and_differ() {
        let a = new_uvci("VN").unwrap_or_default();
        let b = new_uvci("VN").unwrap_or_default();
        assert!(Uvci::parse(&a).is_ok());
        assert_ne!(a, b);
    }
}
