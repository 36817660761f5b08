//! Test fixtures generated at test time with the crate's own `pki` module (real X.509, real
//! signatures) through `test-support`. No private key is stored in the repository.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs
)]

use test_support::pki::Ministry;
use trust_list::list::{TrustList, TrustListEntry, VerifyOptions};
use wallet_format::{Algorithm, CertificateType};

pub use test_support::pass::{DAY, YEAR};

pub const NOW: i64 = 1_750_000_000;

/// A ministry hierarchy: CSCA (anchor) → list signer, a vaccination-only DSC.
pub struct Pki(Ministry);

impl std::ops::Deref for Pki {
    type Target = Ministry;
    fn deref(&self) -> &Ministry {
        &self.0
    }
}

impl Pki {
    pub fn new(alg: Algorithm) -> Pki {
        Pki(Ministry::new(alg, NOW, &[CertificateType::Vaccination]))
    }

    pub fn list(&self, sequence: u64, issued_at: i64, valid_until: i64) -> TrustList {
        TrustList {
            sequence,
            issued_at,
            valid_until,
            entries: vec![TrustListEntry::from_dsc(&self.dsc.cert().unwrap(), "VN")],
            ..Default::default()
        }
    }

    /// Signed by the list signer.
    pub fn signed(&self, list: &TrustList) -> Vec<u8> {
        list.sign(
            &self.signer.signer().unwrap(),
            &[self.signer.cert_der.clone()],
        )
        .unwrap()
    }
}

pub fn opts(clock: i64) -> VerifyOptions {
    VerifyOptions::new(clock, 2 * DAY)
}
