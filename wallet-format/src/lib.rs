//! The HCERT / EU Digital COVID Certificate wire format, both directions
//! (`spec/format.md`). Pure: no I/O, no threads, no system clock.
//!
//! ```
//! use wallet_format::{Algorithm, Claims, Dcc, Kid, Limits, SoftwareKey};
//!
//! let key = SoftwareKey::generate(Algorithm::Es256).unwrap();
//! let public = key.public_key().unwrap();
//! let signer = key.into_signer(Kid([1, 2, 3, 4, 5, 6, 7, 8]));
//! let claims = Claims { iss: Some("VN".into()), iat: Some(1_700_000_000), exp: Some(1_731_536_000),
//!                       dcc: Dcc { ver: "1.3.0".into(), ..Dcc::default() } };
//! let text = wallet_format::encode(&claims, &signer).unwrap();
//! assert!(text.starts_with("HC1:"));
//! let decoded = wallet_format::decode(&text, &Limits::DEFAULT).unwrap();
//! decoded.verify_signature(&public).unwrap();
//! assert_eq!(decoded.claims.iss.as_deref(), Some("VN"));
//! ```
#![warn(missing_docs, unreachable_pub, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod algorithm;
pub mod base45_decoder;
pub mod cbor;
pub mod compress;
pub mod cose;
pub mod cwt;
pub mod error;
pub mod hc1;
pub mod limits;
mod p256_verify;
pub mod payload;
pub mod profile;
pub mod qr;
pub mod schema;
pub mod signing;
pub mod status;
pub mod text;
pub mod time_parse;
pub mod transliterate;
pub mod uvci;

pub use algorithm::{Algorithm, Kid};
pub use cwt::Claims;
pub use error::{Error, PayloadErrorKind, PayloadProblem};
pub use hc1::{decode, decode_cose, encode, Decoded, Encoder};
pub use limits::Limits;
pub use payload::{CertificateType, Dcc, Name, Recovery, Test, Vaccination};
pub use signing::{KeySigner, PublicKey, RsaBits, Signer, SoftwareKey};
pub use status::{vaccination_status, Basis, StatusColour, StatusReading, VaccinationStatus};
