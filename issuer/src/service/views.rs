//! What the service answers: the certificate as the API shows it and the result of an
//! issuance. States are the domain enums, serialised as their wire words.

use crate::db::rows::CertRow;
use crate::domain::{CertState, RevokeReason, VaccinationStatus};
use serde::Serialize;

/// The certificate as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CertView {
    /// UVCI.
    pub uvci: String,
    /// The `HC1:` text.
    pub hc1: String,
    /// `partial`, `complete` or `booster`.
    #[serde(serialize_with = "status_word")]
    pub status: VaccinationStatus,
    /// Dose number.
    pub dose_number: i64,
    /// Doses in the series.
    pub series_total: i64,
    /// Base64 kid of the signing DSC.
    pub kid: String,
    /// Issued (RFC 3339).
    pub issued_at: String,
    /// Expires (RFC 3339).
    pub expires_at: String,
    /// `current`, `superseded` or `revoked`.
    pub state: CertState,
    /// Why revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_reason: Option<RevokeReason>,
    /// The certificate that replaced this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

fn status_word<S: serde::Serializer>(s: &VaccinationStatus, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.name())
}

/// Unix seconds as RFC 3339 (UTC); empty for a time outside the calendar.
pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl From<&CertRow> for CertView {
    fn from(c: &CertRow) -> Self {
        CertView {
            uvci: c.uvci.clone(),
            hc1: c.hc1.clone(),
            status: c.status,
            dose_number: c.dn,
            series_total: c.sd,
            kid: c.kid.clone(),
            issued_at: rfc3339(c.issued_at),
            expires_at: rfc3339(c.expires_at),
            state: c.state,
            revoke_reason: c.revoke_reason,
            replaced_by: c.replaced_by.clone(),
        }
    }
}

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionState {
    /// Recorded, and the person's certificate is the one in the answer.
    Issued,
    /// Recorded; the person holds a better certificate already (a late lower dose), which the
    /// answer does not show.
    Recorded,
    /// Not recorded yet: held for the ministry's review (`review_id`); no certificate.
    Held,
}

/// Result of a submission (and of a retry). New and known people get the same shape; no
/// retrieval code and nobody else's data is ever in it (spec/issuer.md §Identity).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IssueOutcome {
    /// What became of it.
    pub state: SubmissionState,
    /// Our record id of the dose (issued, recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// The review case (held).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_id: Option<String>,
    /// The certificate issued for this dose (issued).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertView>,
    /// True when this answers a retry (nothing new was written).
    #[serde(skip)]
    pub replayed: bool,
    /// The person this submission created (never sent: the importer's `--codes` file).
    #[serde(skip)]
    pub created_person: Option<String>,
}

impl IssueOutcome {
    /// A dose recorded with its certificate (`Issued`) or under a better one (`Recorded`).
    pub fn recorded(record_id: &str, cert: &CertRow, replayed: bool) -> IssueOutcome {
        let issued = cert.dose_id == record_id;
        IssueOutcome {
            state: if issued {
                SubmissionState::Issued
            } else {
                SubmissionState::Recorded
            },
            record_id: Some(record_id.to_string()),
            review_id: None,
            certificate: issued.then(|| CertView::from(cert)),
            replayed,
            created_person: None,
        }
    }

    /// A submission held for review.
    pub fn held(review_id: &str, replayed: bool) -> IssueOutcome {
        IssueOutcome {
            state: SubmissionState::Held,
            record_id: None,
            review_id: Some(review_id.to_string()),
            certificate: None,
            replayed,
            created_person: None,
        }
    }
}
