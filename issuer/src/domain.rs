//! The issuer's states and rules as types (spec/issuer.md §Data model). Every state that the
//! database stores as text is an enum here; text appears only at the row boundary
//! (`as_str` when writing, `FromStr` when reading) and on the wire.
//!
//! The vaccination status (partial / complete / booster) is part of the certificate's meaning
//! and lives in `wallet_format::status`, shared with the verifier; [`status_of`] only adapts it
//! to the issuer's integer columns.

use crate::db::rows::DoseRow;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub use wallet_format::status::VaccinationStatus;

/// Define a text-backed state enum: `as_str` for rows and JSON, `FromStr` for reading rows.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text stored in the database and shown on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<$name> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(Error::Internal(format!(
                        concat!("unknown ", stringify!($name), " {:?} in the database"),
                        s
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// The state of a recorded dose.
    DoseState {
        /// Counts towards the person's certificate.
        Active = "active",
        /// Entered in error and voided by the ministry or its facility (kept, never counted).
        Voided = "voided",
    }
}

text_enum! {
    /// Where a person's identity comes from (spec/issuer.md §Identity).
    IdentityState {
        /// Matched the population register.
        Registered = "registered",
        /// Not covered by the register: set by the first accepted submission.
        FirstSubmission = "first_submission",
        /// A temporary id registered by a site, awaiting the ministry.
        Temporary = "temporary",
        /// Confirmed by the ministry (checked by hand).
        Confirmed = "confirmed",
        /// Merged into another person (`persons.merged_into`); holds no doses.
        Merged = "merged",
    }
}

text_enum! {
    /// The identity document a person is known by.
    DocumentKind {
        /// Vietnamese citizen identity card (CCCD) or older ID card (CMND).
        NationalId = "national_id",
        /// Passport, with its issuing country.
        Passport = "passport",
        /// A temporary id a site registered for someone with neither (a child, a visitor).
        Temporary = "temporary",
    }
}

text_enum! {
    /// What a review case is about.
    ReviewKind {
        /// The submitted identity disagrees with the one stored for the document.
        IdentityConflict = "identity_conflict",
        /// The submitted identity disagrees with the population register, or the register
        /// covers the kind of document and does not know this one.
        RegisterMismatch = "register_mismatch",
        /// The same person, dose number and date arrived under another record.
        DuplicateDose = "duplicate_dose",
    }
}

text_enum! {
    /// Where a review case stands.
    ReviewState {
        /// Waiting for the ministry.
        Open = "open",
        /// Approved: the held dose was recorded.
        Approved = "approved",
        /// Rejected: the held dose was not recorded (the site may submit the record again).
        Rejected = "rejected",
    }
}

text_enum! {
    /// A ministry repair of records.
    MendKind {
        /// Two persons merged.
        Merge = "merge",
        /// One dose moved to another person.
        Move = "move",
        /// One dose voided.
        Void = "void",
    }
}

text_enum! {
    /// The reason code of a person-level change (identity correction, merge, move, void,
    /// review decision). Free text never enters the audit log, which holds no personal data.
    MendReason {
        /// A site typed something wrong.
        DataEntryError = "data_entry_error",
        /// One person was recorded twice.
        DuplicatePerson = "duplicate_person",
        /// A dose was recorded under the wrong person.
        WrongPerson = "wrong_person",
        /// A dose was entered that did not happen.
        EnteredInError = "entered_in_error",
        /// The register's data changed.
        RegisterUpdate = "register_update",
        /// The citizen asked, with proof.
        CitizenRequest = "citizen_request",
        /// Checked by hand and found right.
        Verified = "verified",
        /// A suspected duplicate shot that was one shot uploaded twice.
        DuplicateUpload = "duplicate_upload",
    }
}

impl MendReason {
    /// The reason a caller gave, if it is a known code.
    pub fn from_caller(s: &str) -> Option<MendReason> {
        s.parse().ok()
    }
}

text_enum! {
    /// Whether a mend still stands.
    MendState {
        /// In effect.
        Done = "done",
        /// Undone.
        Undone = "undone",
    }
}

text_enum! {
    /// The state of an issued certificate.
    CertState {
        /// The person's certificate now.
        Current = "current",
        /// Replaced by a certificate for a better dose (still cryptographically valid by
        /// design: the holder's older pass keeps working offline).
        Superseded = "superseded",
        /// Revoked: in the published revocation list.
        Revoked = "revoked",
    }
}

text_enum! {
    /// The state of a document signer (DSC).
    DscState {
        /// Signs new certificates.
        Current = "current",
        /// No longer signs; certificates it signed stay valid and it stays in the trust list.
        Retired = "retired",
        /// Its key is compromised: dropped from the trust list, everything it signed revoked.
        Compromised = "compromised",
    }
}

text_enum! {
    /// Why a certificate is revoked.
    RevokeReason {
        /// Issued by mistake.
        Error = "error",
        /// Fraudulent.
        Fraud = "fraud",
        /// Its DSC key is compromised.
        KeyCompromise = "key_compromise",
        /// Superseded by a corrected certificate.
        Correction = "correction",
    }
}

impl RevokeReason {
    /// The reasons a caller may give to `POST /v1/certificates/{uvci}/revoke` (`correction`
    /// is the issuer's own).
    pub fn from_caller(s: &str) -> Option<RevokeReason> {
        match s.parse() {
            Ok(RevokeReason::Correction) | Err(_) => None,
            Ok(r) => Some(r),
        }
    }
}

text_enum! {
    /// What an audit entry records (`audit_log.action`).
    AuditAction {
        /// A certificate was issued for a dose.
        Issue = "issue",
        /// A dose was recorded without a new certificate (a late lower dose).
        Record = "record",
        /// A dose was corrected and the certificate re-issued.
        CorrectDose = "correct_dose",
        /// A person's data was corrected and their certificates re-issued.
        CorrectPerson = "correct_person",
        /// A certificate was revoked by a caller.
        Revoke = "revoke",
        /// A DSC was declared compromised and its certificates revoked.
        RevokeDsc = "revoke_dsc",
        /// The signing DSC was rotated.
        Rotate = "rotate",
        /// A facility was added.
        FacilityAdd = "facility_add",
        /// A facility was revoked.
        FacilityRevoke = "facility_revoke",
        /// An API token was minted.
        MintToken = "mint_token",
        /// An API token was revoked.
        RevokeToken = "revoke_token",
        /// A rule set was signed and published.
        RuleSetSign = "rule_set_sign",
        /// A submission was held for review (identity conflict or suspected duplicate).
        Hold = "hold",
        /// A review case was approved (its dose recorded).
        ReviewApprove = "review_approve",
        /// A review case was rejected (its dose not recorded).
        ReviewReject = "review_reject",
        /// Two persons merged into one.
        MergePersons = "merge_persons",
        /// A dose moved to another person.
        MoveDose = "move_dose",
        /// A dose voided as entered in error.
        VoidDose = "void_dose",
        /// A mend (merge, move, void) undone.
        UndoMend = "undo_mend",
        /// A temporary identity confirmed by the ministry.
        ConfirmIdentity = "confirm_identity",
        /// A new retrieval code issued (the old one stops working).
        NewRetrievalCode = "new_retrieval_code",
        /// Population register entries loaded.
        PopulationLoad = "population_load",
        /// A trust or revocation list was published under a new sequence, or re-signed.
        ListPublish = "list_publish",
    }
}

text_enum! {
    /// Which signed list a publication is (`publications.kind`).
    ListKind {
        /// The trust list (`GET /v1/trust-list`).
        TrustList = "trust-list",
        /// The full revocation list (`GET /v1/revocations`).
        Revocations = "revocations",
    }
}

/// The status of a dose as the issuer stores and shows it: the product-aware rule of
/// `wallet_format::status` (spec/format.md §Vaccination status), on the issuer's integers.
pub fn status_of(dn: i64, sd: i64, product: &str) -> VaccinationStatus {
    let dn = u32::try_from(dn).unwrap_or(0);
    let sd = u32::try_from(sd).unwrap_or(0);
    wallet_format::status::vaccination_status(dn, sd, product).status
}

/// The dose a person's certificate reflects: highest dose number, then latest date, then
/// latest upload. A lower dose uploaded late never wins.
pub fn best_dose(doses: &[DoseRow]) -> Option<&DoseRow> {
    doses
        .iter()
        .filter(|d| d.state == DoseState::Active)
        .max_by(|a, b| (a.dn, &a.dt, a.created_at, &a.id).cmp(&(b.dn, &b.dt, b.created_at, &b.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dose(id: &str, dn: i64, dt: &str, created: i64) -> DoseRow {
        DoseRow {
            id: id.into(),
            facility_id: "f".into(),
            facility_record_id: id.into(),
            content_hash: vec![],
            person_id: "p".into(),
            tg: String::new(),
            vp: String::new(),
            mp: "EU/1/20/1528".into(),
            ma: String::new(),
            dn,
            sd: 2,
            dt: dt.into(),
            co: "VN".into(),
            lot: None,
            state: DoseState::Active,
            response_uvci: None,
            first_issue: false,
            created_at: created,
        }
    }

    #[test]
    fn late_lower_dose_never_becomes_best() {
        let doses = vec![
            dose("b", 2, "2021-08-01", 10),
            dose("a", 1, "2021-06-01", 20),
        ];
        assert_eq!(best_dose(&doses).map(|d| d.id.as_str()), Some("b"));
    }

    #[test]
    fn states_round_trip_through_their_text() {
        for s in CertState::ALL {
            assert_eq!(s.as_str().parse::<CertState>().ok(), Some(*s));
        }
        for s in DscState::ALL {
            assert_eq!(s.as_str().parse::<DscState>().ok(), Some(*s));
        }
        for s in RevokeReason::ALL {
            assert_eq!(s.as_str().parse::<RevokeReason>().ok(), Some(*s));
        }
        for s in AuditAction::ALL {
            assert_eq!(s.as_str().parse::<AuditAction>().ok(), Some(*s));
        }
        for s in IdentityState::ALL {
            assert_eq!(s.as_str().parse::<IdentityState>().ok(), Some(*s));
        }
        for s in DocumentKind::ALL {
            assert_eq!(s.as_str().parse::<DocumentKind>().ok(), Some(*s));
        }
        for s in ReviewKind::ALL {
            assert_eq!(s.as_str().parse::<ReviewKind>().ok(), Some(*s));
        }
        for s in MendReason::ALL {
            assert_eq!(MendReason::from_caller(s.as_str()), Some(*s));
        }
        assert!("Current".parse::<CertState>().is_err());
    }

    #[test]
    fn callers_cannot_give_the_correction_reason() {
        assert_eq!(
            RevokeReason::from_caller("fraud"),
            Some(RevokeReason::Fraud)
        );
        assert_eq!(RevokeReason::from_caller("correction"), None);
        assert_eq!(RevokeReason::from_caller("nonsense"), None);
    }

    #[test]
    fn status_is_product_aware() {
        assert_eq!(status_of(1, 2, "EU/1/20/1528"), VaccinationStatus::Partial);
        assert_eq!(status_of(2, 2, "EU/1/20/1528"), VaccinationStatus::Complete);
        assert_eq!(status_of(3, 3, "EU/1/20/1528"), VaccinationStatus::Booster);
        assert_eq!(status_of(1, 1, "EU/1/20/1525"), VaccinationStatus::Complete);
        assert_eq!(status_of(2, 2, "EU/1/20/1525"), VaccinationStatus::Booster);
    }
}
