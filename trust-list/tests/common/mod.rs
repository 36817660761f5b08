//! Test fixtures generated at test time with the crate's own `pki` module (real X.509, real
//! signatures). No private key is stored in the repository.
#![allow(dead_code, clippy::unwrap_used, clippy::cloned_ref_to_slice_refs)]

use trust_list::list::{TrustList, TrustListEntry, VerifyOptions};
use trust_list::pki::{self, CertSpec, CertifiedKey};
use trust_list::Dsc;
use wallet_format::{Algorithm, CertificateType};

pub const NOW: i64 = 1_750_000_000;
pub const DAY: i64 = 86_400;
pub const YEAR: i64 = 365 * DAY;

/// A ministry hierarchy: CSCA (anchor) → list signer, DSCs.
pub struct Pki {
    pub csca: CertifiedKey,
    pub signer: CertifiedKey,
    pub dsc: CertifiedKey,
}

impl Pki {
    pub fn new(alg: Algorithm) -> Pki {
        let csca = pki::generate_csca(
            alg,
            &CertSpec::new("VN", "VN CSCA", NOW - YEAR, NOW + 10 * YEAR),
        )
        .unwrap();
        let signer = pki::generate_list_signer(
            &csca,
            alg,
            &CertSpec::new("VN", "VN Trust List Signer", NOW - DAY, NOW + YEAR),
        )
        .unwrap();
        let dsc = pki::generate_dsc(
            &csca,
            alg,
            &CertSpec::new("VN", "VN DSC 1", NOW - DAY, NOW + YEAR),
            &[CertificateType::Vaccination],
        )
        .unwrap();
        Pki { csca, signer, dsc }
    }

    pub fn anchor(&self) -> Dsc {
        self.csca.cert().unwrap()
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
