//! The printable certificate page (`GET /v1/certificates/{uvci}/page`): the status band in
//! the colour staff look for (yellow partial, blue complete or booster), the QR, dose and
//! validity, in Vietnamese and English.

use crate::db::rows::CertRow;
use crate::domain::{CertState, VaccinationStatus};
use crate::error::{Error, Result};
use crate::service::views::rfc3339;
use askama::Template;

/// The page's data.
#[derive(Template)]
#[template(path = "certificate_page.html")]
struct CertificatePage<'a> {
    status: &'static str,
    words_vi: &'static str,
    words_en: &'static str,
    state: CertState,
    qr_svg: &'a str,
    dn: i64,
    sd: i64,
    uvci: &'a str,
    expires: String,
}

/// The status in words, Vietnamese and English.
pub fn status_words(s: VaccinationStatus) -> (&'static str, &'static str) {
    match s {
        VaccinationStatus::Partial => ("Đã tiêm chưa đủ liều", "Partially vaccinated"),
        VaccinationStatus::Complete => ("Đã tiêm đủ liều", "Fully vaccinated"),
        VaccinationStatus::Booster => ("Đã tiêm mũi nhắc lại", "Booster dose received"),
    }
}

/// Render the page for `c` with its QR as SVG.
pub fn render(c: &CertRow, qr_svg: &str) -> Result<String> {
    let (words_vi, words_en) = status_words(c.status);
    CertificatePage {
        status: c.status.name(),
        words_vi,
        words_en,
        state: c.state,
        qr_svg,
        dn: c.dn,
        sd: c.sd,
        uvci: &c.uvci,
        expires: rfc3339(c.expires_at),
    }
    .render()
    .map_err(|e| Error::Internal(format!("certificate page template: {e}")))
}
