//! Offline verifier for EU DCC / HCERT passes (spec/verifier.md): one call takes the scanned
//! text (or image bytes), the trust data, a policy and a clock, and returns a [`Verdict`].
//! No global state, no network, no system clock (the clock is a parameter). The
//! `vaxcert-verify` binary (`src/bin/vaxcert-verify/`, feature `cli`, on by default) is a shell
//! over this library; build with `default-features = false` for the library without clap or rayon.
//!
//! ```
//! use verifier::{verify, Outcome, Policy, TrustContext};
//! use trust_list::{pki, TrustStore};
//! use wallet_format::{Algorithm, CertificateType, Claims, Dcc, Name, Vaccination};
//!
//! let now = 1_710_072_000; // 2024-03-10T12:00:00Z
//! let spec = pki::CertSpec::new("VN", "VN DSC", now - 86_400, now + 365 * 86_400);
//! let csca = pki::generate_csca(Algorithm::Es256, &spec)?;
//! let dsc = pki::generate_dsc(&csca, Algorithm::Es256, &spec, &[CertificateType::Vaccination])?;
//! let claims = Claims {
//!     iss: Some("VN".into()), iat: Some(now - 3600), exp: Some(now + 86_400),
//!     dcc: Dcc {
//!         ver: "1.3.0".into(), dob: "1990-01-01".into(),
//!         nam: Name { family_t: Some("NGUYEN".into()), given_t: Some("AN".into()), ..Name::default() },
//!         v: Some(vec![Vaccination { tg: "840539006".into(), vp: "J07BX03".into(),
//!             mp: "EU/1/20/1528".into(), ma: "ORG-100030215".into(), dn: 2, sd: 2,
//!             dt: "2024-01-05".into(), co: "VN".into(), issuer: "MOH".into(),
//!             ci: "URN:UVCI:01:VN:ABC123".into() }]),
//!         ..Dcc::default()
//!     },
//! };
//! let text = wallet_format::encode(&claims, &dsc.signer()?)?;
//!
//! let mut store = TrustStore::new();
//! store.add_dsc(dsc.cert()?);
//! let ctx = TrustContext::new(store);
//! let clock = time::OffsetDateTime::from_unix_timestamp(now)?;
//! let verdict = verify(&text, &ctx, &Policy::venue()?, clock);
//! assert_eq!(verdict.outcome, Outcome::Valid, "{:?}", verdict.reason);
//! assert_eq!(verdict.status.map(|s| s.name()), Some("complete"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs, unreachable_pub, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod display;
pub mod policy;
pub mod revocation;
pub mod status;
pub mod verdict;
pub mod verify;

pub use policy::{Policy, PolicyError, RulePolicy, SignedOrigin, SignedPolicyContext};
pub use revocation::RevocationData;
pub use status::{Colour, Status};
pub use verdict::{Check, Dose, FailedRule, Holder, Outcome, Reason, Verdict};
pub use verify::{
    verify, verify_decoded, verify_image, verify_image_texts, TrustContext, TrustData,
};
