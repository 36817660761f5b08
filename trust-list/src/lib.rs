//! Trust and revocation lists for vaxcert (spec/trust-list.md, spec/revocation.md,
//! spec/threat-model.md).
//!
//! API overview:
//! - [`dsc`]: [`Dsc`] — a leniently parsed X.509 document-signer certificate (kid, country,
//!   validity, public key, [`KeyUsage`] with the DCC EKU rule), [`dsc::time_valid`] (the rule
//!   `DSC.notBefore ≤ iat ≤ clock ≤ exp ≤ DSC.notAfter`).
//! - [`pki`]: generate a CSCA (trust anchor), DSCs and list-signer certificates with rcgen;
//!   [`pki::verify_issued_by`] checks a certificate signature by hand with aws-lc-rs.
//! - [`list`]: the signed trust list ([`TrustList`], [`list::verify_trust_list`] in stages: parse →
//!   signature → rollback → expiry), anchor rotation via `next_anchor`.
//! - [`state`]: [`TrustState`], the small state file (highest sequence, latest time, content
//!   digest per list kind, anchors); changed only by a list that passed every stage.
//! - [`store`]: [`TrustStore`], the union of trust sources; `candidates(kid)`.
//! - [`gateway`]: EU gateway JSON import/export.
//! - [`revocation`]: signed revocation lists and deltas, [`revocation::revocation_hashes`];
//!   [`revocation::verify_revocation_full`] (a delta refused before the state is touched) and
//!   [`revocation::verify_revocation_update`] (a delta recorded only once applied).
//! - [`rules`]: signed CertLogic rule sets ([`rules::SignedRuleSet`], [`rules::verify_rule_set`])
//!   in the same envelope and stages, rollback per rule-set name; the rules stay opaque JSON text
//!   here (the verifier parses them with `certlogic`).
//! - [`inspect`]: a human report of a signed list or rule set.
//!
//! The crate never reads the system clock (the clock is a parameter) and does no network
//! I/O; file I/O only in [`state`].
//!
//! ```
//! use trust_list::{pki, list::{TrustList, TrustListEntry, VerifyOptions, verify_trust_list}};
//! use trust_list::{TrustState, TrustStore};
//! use wallet_format::{Algorithm, CertificateType};
//!
//! let now = 1_750_000_000;
//! let year = 365 * 86_400;
//! let csca = pki::generate_csca(Algorithm::Es256, &pki::CertSpec::new("VN", "VN CSCA", now - 10, now + 10 * year))?;
//! let signer = pki::generate_list_signer(&csca, Algorithm::Es256, &pki::CertSpec::new("VN", "VN TL", now - 10, now + year))?;
//! let dsc = pki::generate_dsc(&csca, Algorithm::Es256, &pki::CertSpec::new("VN", "VN DSC", now - 10, now + year), &[CertificateType::Vaccination])?;
//!
//! let list = TrustList {
//!     sequence: 1, issued_at: now, valid_until: now + 7 * 86_400,
//!     entries: vec![TrustListEntry::from_dsc(&dsc.cert()?, "VN")],
//!     ..Default::default()
//! };
//! let signed = list.sign(&signer.signer()?, &[signer.cert_der.clone()])?;
//!
//! let mut state = TrustState::default();
//! let verified = verify_trust_list(&signed, &csca.cert()?, &mut state, &VerifyOptions::new(now, 86_400))?;
//! let mut store = TrustStore::new();
//! store.add_signed_list(&verified);
//! assert_eq!(store.candidates(&dsc.cert()?.kid()).len(), 1);
//! # Ok::<(), trust_list::Error>(())
//! ```
#![warn(missing_docs, unreachable_pub, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod dsc;
pub mod envelope;
pub mod error;
pub mod gateway;
pub mod inspect;
pub mod limits;
pub mod list;
pub mod pki;
pub mod revocation;
pub mod rules;
pub mod state;
pub mod store;

pub use dsc::{Dsc, KeyUsage, TypeSet};
pub use envelope::Freshness;
pub use error::{Error, ListKind, TimeFailure};
pub use limits::Limits;
pub use list::{TrustList, TrustListEntry, VerifiedTrustList, VerifyOptions};
pub use revocation::{HashType, RevocationList};
pub use rules::{SignedRuleSet, VerifiedRuleSet};
pub use state::TrustState;
pub use store::{TrustSource, TrustStore, TrustedKey};
