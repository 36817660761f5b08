//! EU DCC gateway trust-list shape, both ways (spec/trust-list.md §Gateway import/export).
//!
//! Shape: a JSON array of `{kid, country, certificateType, thumbprint, timestamp, signature?,
//! rawData}` where `rawData` is base64 DER, `thumbprint` hex SHA-256 of the DER and `kid` base64
//! of its first 8 bytes. Several DSCs may share a kid: all are kept. When the list holds CSCA
//! entries, a DSC is accepted only if it chains to a CSCA of its country; otherwise the DSCs are
//! trusted as the operator handed them over, and the import says so. Every entry that is not
//! accepted is reported with its reason.

use crate::dsc::Dsc;
use crate::error::Error;
use crate::limits::Limits;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// One entry of the gateway's `TrustListDto`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayEntry {
    /// base64 of the first 8 bytes of SHA-256(DER).
    #[serde(default)]
    pub kid: Option<String>,
    /// Country (ISO 3166 alpha-2).
    #[serde(default)]
    pub country: Option<String>,
    /// `DSC`, `CSCA`, `UPLOAD`, `AUTHENTICATION`.
    #[serde(default)]
    pub certificate_type: Option<String>,
    /// Hex SHA-256 of the DER.
    #[serde(default)]
    pub thumbprint: Option<String>,
    /// RFC 3339 time of upload.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// base64 CMS signature of the uploader (not verified here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// base64 DER certificate.
    pub raw_data: String,
}

/// How the imported DSCs are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayTrust {
    /// The list carried CSCAs; every accepted DSC chains to a CSCA of its country.
    ChainedToCsca,
    /// No CSCAs: the DSCs are trusted as the operator handed them over.
    AsHandedOver,
}

/// An entry not imported, and why.
#[derive(Debug)]
pub struct GatewayRejected {
    /// Position in the JSON array.
    pub index: usize,
    /// The entry's kid field, if any.
    pub kid: Option<String>,
    /// The entry's country, if any.
    pub country: Option<String>,
    /// Why.
    pub reason: Error,
}

/// The result of an import.
#[derive(Debug)]
pub struct GatewayImport {
    /// Accepted DSCs.
    pub dscs: Vec<Dsc>,
    /// CSCA certificates found.
    pub cscas: Vec<Dsc>,
    /// How the DSCs are trusted.
    pub trust: GatewayTrust,
    /// Entries not imported.
    pub rejected: Vec<GatewayRejected>,
    /// Entries of other certificate types (UPLOAD, AUTHENTICATION), skipped.
    pub skipped_other_types: usize,
}

impl GatewayImport {
    /// One line for operators: how many accepted, on what basis, how many rejected.
    pub fn summary(&self) -> String {
        let basis = match self.trust {
            GatewayTrust::ChainedToCsca => "each chained to a csca of its country",
            GatewayTrust::AsHandedOver => {
                "no csca in the list: trusted as handed over by the operator"
            }
        };
        format!(
            "{} dsc accepted ({basis}), {} csca, {} rejected, {} other entries skipped",
            self.dscs.len(),
            self.cscas.len(),
            self.rejected.len(),
            self.skipped_other_types
        )
    }
}

fn check_entry(e: &GatewayEntry) -> Result<Dsc, Error> {
    let compact: String = e.raw_data.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| Error::GatewayMalformed("rawData is not base64"))?;
    let dsc = Dsc::from_der(&der)?;
    if let Some(t) = &e.thumbprint {
        if !t.eq_ignore_ascii_case(&dsc.thumbprint()) {
            return Err(Error::GatewayMalformed("thumbprint does not match rawData"));
        }
    }
    if let Some(k) = &e.kid {
        if k != &dsc.kid().to_base64() {
            return Err(Error::GatewayMalformed("kid does not match rawData"));
        }
    }
    Ok(dsc)
}

/// Import a gateway-shaped JSON trust list.
pub fn import(json: &[u8], limits: &Limits) -> Result<GatewayImport, Error> {
    if json.len() > limits.max_trust_list_bytes {
        return Err(Error::GatewayMalformed("list larger than the limit"));
    }
    let entries: Vec<GatewayEntry> = serde_json::from_slice(json)
        .map_err(|_| Error::GatewayMalformed("not a json array of entries"))?;
    if entries.len() > limits.max_entries {
        return Err(Error::GatewayMalformed("too many entries"));
    }
    import_entries(&entries)
}

/// Import already-parsed gateway entries.
pub fn import_entries(entries: &[GatewayEntry]) -> Result<GatewayImport, Error> {
    let mut cscas = Vec::new();
    let mut dsc_candidates = Vec::new();
    let mut rejected = Vec::new();
    let mut skipped = 0;
    for (index, e) in entries.iter().enumerate() {
        let ty = e
            .certificate_type
            .as_deref()
            .unwrap_or("DSC")
            .to_ascii_uppercase();
        if ty != "DSC" && ty != "CSCA" {
            skipped += 1;
            continue;
        }
        match check_entry(e) {
            Ok(d) if ty == "CSCA" => cscas.push((e.country.clone(), d)),
            Ok(d) => dsc_candidates.push((index, e, d)),
            Err(reason) => rejected.push(GatewayRejected {
                index,
                kid: e.kid.clone(),
                country: e.country.clone(),
                reason,
            }),
        }
    }
    let trust = if cscas.is_empty() {
        GatewayTrust::AsHandedOver
    } else {
        GatewayTrust::ChainedToCsca
    };
    let mut dscs = Vec::new();
    for (index, e, d) in dsc_candidates {
        if trust == GatewayTrust::ChainedToCsca {
            let country = e.country.as_deref().map(str::to_ascii_uppercase);
            let chained = cscas.iter().any(|(c, csca)| {
                c.as_deref().map(str::to_ascii_uppercase) == country
                    && d.verify_issued_by(csca).is_ok()
            });
            if !chained {
                rejected.push(GatewayRejected {
                    index,
                    kid: e.kid.clone(),
                    country: e.country.clone(),
                    reason: Error::ChainInvalid("dsc does not chain to a csca of its country"),
                });
                continue;
            }
        }
        dscs.push(d);
    }
    rejected.sort_by_key(|r| r.index);
    Ok(GatewayImport {
        dscs,
        cscas: cscas.into_iter().map(|(_, c)| c).collect(),
        trust,
        rejected,
        skipped_other_types: skipped,
    })
}

fn entry_for(cert: &Dsc, certificate_type: &str, country: &str, timestamp: &str) -> GatewayEntry {
    GatewayEntry {
        kid: Some(cert.kid().to_base64()),
        country: Some(cert.country().unwrap_or_else(|| country.to_string())),
        certificate_type: Some(certificate_type.to_string()),
        thumbprint: Some(cert.thumbprint()),
        timestamp: Some(timestamp.to_string()),
        signature: None,
        raw_data: base64::engine::general_purpose::STANDARD.encode(cert.der()),
    }
}

/// Export DSCs (and CSCAs) in the gateway shape. `country` is used when a certificate has no
/// subject C; `timestamp` (unix seconds) becomes each entry's RFC 3339 `timestamp`.
pub fn export(dscs: &[Dsc], cscas: &[Dsc], country: &str, timestamp: i64) -> Result<String, Error> {
    let ts = time::OffsetDateTime::from_unix_timestamp(timestamp)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .ok_or(Error::GatewayMalformed("timestamp out of range"))?;
    let mut out: Vec<GatewayEntry> = cscas
        .iter()
        .map(|c| entry_for(c, "CSCA", country, &ts))
        .collect();
    out.extend(dscs.iter().map(|d| entry_for(d, "DSC", country, &ts)));
    serde_json::to_string_pretty(&out).map_err(|_| Error::GatewayMalformed("cannot encode json"))
}
