//! The identity document of a submission: a national id (CCCD/CMND), a passport with its
//! issuing country, or a temporary id a site registered for someone with neither.
//!
//! A document is never stored in clear: persons, the population table and review cases hold
//! [`crate::ident::Ident::document_hash`] of it. A temporary id is only unique within the site
//! that registered it, so its hash includes the facility.

use crate::domain::DocumentKind;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Longest passport issuing-country code (ISO 3166-1 alpha-3, or alpha-2).
pub const MAX_COUNTRY: usize = 3;

/// An identity document as submitted (number normalised: no spaces or hyphens, upper case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Which kind of document.
    pub kind: DocumentKind,
    /// Its number.
    pub number: String,
    /// Issuing country (passports only).
    pub country: Option<String>,
}

impl Document {
    /// A national id.
    pub fn national_id(number: &str) -> Document {
        Document {
            kind: DocumentKind::NationalId,
            number: crate::ident::normalize_national_id(number),
            country: None,
        }
    }

    /// The last three characters, for a reviewer to tell documents apart without the number
    /// (`•••234`).
    pub fn hint(&self) -> String {
        let n = self.number.chars().count();
        let tail: String = self.number.chars().skip(n.saturating_sub(3)).collect();
        format!("{}:•••{tail}", self.kind.as_str())
    }
}

/// Serialised into the submission's canonical JSON (its idempotency hash): a national id as
/// `"national_id": number`, exactly as before documents had kinds, so retries of records
/// submitted earlier still match; other kinds as `document_type`, `document_number`,
/// `document_country`.
impl Serialize for Document {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.kind {
            DocumentKind::NationalId => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("national_id", &self.number)?;
                m.end()
            }
            _ => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("document_type", self.kind.as_str())?;
                m.serialize_entry("document_number", &self.number)?;
                m.serialize_entry("document_country", &self.country)?;
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_national_id_serialises_as_before_kinds_existed() {
        let v = serde_json::to_value(Document::national_id("0010-9900 1234")).unwrap();
        assert_eq!(v, serde_json::json!({"national_id": "001099001234"}));
    }

    #[test]
    fn the_hint_shows_the_kind_and_three_characters() {
        let d = Document {
            kind: DocumentKind::Passport,
            number: "C1234567".into(),
            country: Some("USA".into()),
        };
        assert_eq!(d.hint(), "passport:•••567");
        assert_eq!(Document::national_id("12").hint(), "national_id:•••12");
    }
}
