//! What the card page shows of one certificate, read from the signed pass itself (the `HC1:`
//! text we issued), so the page says exactly what a verifier will read from the QR: names as
//! written and ICAO-transliterated, birth date, the dose (product name from the value set),
//! issuer, UVCI and dates written for people.

use super::dates::{people_date, people_day, PeopleDate};
use crate::db::rows::CertRow;
use crate::domain::VaccinationStatus;
use crate::error::{Error, Result};
use crate::web::certificate_page::status_words;
use serde_json::Value;
use wallet_format::limits::Limits;
use wallet_format::qr::{self, RenderOptions};

/// One certificate as the card page shows it.
#[derive(Debug, Clone)]
pub struct CardView {
    /// The status (its wire word is the CSS class of the band).
    pub status: VaccinationStatus,
    /// The status in Vietnamese.
    pub words_vi: &'static str,
    /// The status in English.
    pub words_en: &'static str,
    /// The QR as an SVG document (our renderer, from our own `HC1:` text).
    pub qr_svg: String,
    /// Name as written, family name first as Vietnamese names are (`Nguyễn Thị Đào`).
    pub name: String,
    /// ICAO 9303 transliteration (`NGUYEN, THI DAO`).
    pub name_icao: String,
    /// Date of birth.
    pub dob: PeopleDate,
    /// Vaccine product (value-set name, or the code when the set does not list it).
    pub vaccine: String,
    /// Date of vaccination.
    pub dose_date: PeopleDate,
    /// Dose number.
    pub dn: i64,
    /// Doses in the series.
    pub sd: i64,
    /// Country of vaccination (ISO 3166 code).
    pub country: String,
    /// Certificate issuer as signed (`is`).
    pub issuer: String,
    /// UVCI.
    pub uvci: String,
    /// Issued.
    pub issued: PeopleDate,
    /// Valid until.
    pub expires: PeopleDate,
}

impl CardView {
    /// The CSS class and `data-status` of the band (`partial`, `complete`, `booster`).
    pub fn status_class(&self) -> &'static str {
        self.status.name()
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// ICAO `fnt`/`gnt` (`NGUYEN<THI<DAO`) as people read it.
fn icao_words(s: &str) -> String {
    s.split('<')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The card of `c`: its pass decoded (not verified: we signed it) and its QR drawn.
pub fn card(c: &CertRow) -> Result<CardView> {
    let decoded = wallet_format::hc1::decode(&c.hc1, &Limits::DEFAULT)
        .map_err(|e| Error::Internal(format!("stored pass does not decode: {e}")))?;
    let dcc = decoded.dcc_json();
    let nam = dcc.get("nam").cloned().unwrap_or(Value::Null);
    let v = dcc
        .get("v")
        .and_then(|v| v.get(0))
        .cloned()
        .unwrap_or(Value::Null);
    let name = [text(&nam, "fn"), text(&nam, "gn")]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let (fnt, gnt) = (
        icao_words(&text(&nam, "fnt")),
        icao_words(&text(&nam, "gnt")),
    );
    let name_icao = if gnt.is_empty() {
        fnt
    } else {
        format!("{fnt}, {gnt}")
    };
    let mp = text(&v, "mp");
    let (words_vi, words_en) = status_words(c.status);
    Ok(CardView {
        status: c.status,
        words_vi,
        words_en,
        qr_svg: qr::render_svg(&c.hc1, &RenderOptions::DEFAULT)?,
        name,
        name_icao,
        dob: people_date(&text(dcc, "dob")),
        vaccine: crate::valuesets::product_name(&mp)
            .map(str::to_string)
            .unwrap_or(mp),
        dose_date: people_date(&text(&v, "dt")),
        dn: c.dn,
        sd: c.sd,
        country: text(&v, "co"),
        issuer: text(&v, "is"),
        uvci: c.uvci.clone(),
        issued: people_day(c.issued_at),
        expires: people_day(c.expires_at),
    })
}
