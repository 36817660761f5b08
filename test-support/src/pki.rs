//! A ministry's PKI generated at test time with trust-list's `pki` module: real X.509, real
//! signatures, fresh keys each run.

use trust_list::pki::{self, CertSpec, CertifiedKey};
use trust_list::{Dsc, TrustStore};
use wallet_format::{Algorithm, CertificateType, KeySigner};

use crate::pass::{DAY, YEAR};

/// CSCA (the pinned anchor) → list signer and one DSC.
pub struct Ministry {
    /// The country signing CA, valid `now - 1y .. now + 10y`.
    pub csca: CertifiedKey,
    /// The trust-list / revocation-list / rule-set signer, valid `now - 1d .. now + 1y`.
    pub signer: CertifiedKey,
    /// A document signer, valid `now - 1d .. now + 1y`.
    pub dsc: CertifiedKey,
}

impl Ministry {
    /// A VN hierarchy whose keys all use `alg`, with validity windows around `now` (Unix s); the
    /// DSC may sign `dsc_types` (empty: every type).
    pub fn new(alg: Algorithm, now: i64, dsc_types: &[CertificateType]) -> Ministry {
        let csca = csca(alg, now - YEAR, now + 10 * YEAR);
        let signer = pki::generate_list_signer(
            &csca,
            alg,
            &CertSpec::new("VN", "VN Trust List Signer", now - DAY, now + YEAR),
        )
        .expect("list signer");
        let spec = CertSpec::new("VN", "VN DSC 1", now - DAY, now + YEAR);
        let dsc = pki::generate_dsc(&csca, alg, &spec, dsc_types).expect("dsc");
        Ministry { csca, signer, dsc }
    }

    /// The CSCA certificate: what a verifier pins.
    pub fn anchor(&self) -> Dsc {
        self.csca.cert().expect("csca certificate")
    }

    /// The DSC's signing key.
    pub fn dsc_signer(&self) -> KeySigner {
        self.dsc.signer().expect("dsc signer")
    }

    /// A trust store holding the DSC.
    pub fn store(&self) -> TrustStore {
        let mut store = TrustStore::new();
        store.add_dsc(self.dsc.cert().expect("dsc certificate"));
        store
    }
}

/// A VN CSCA valid `not_before .. not_after`.
pub fn csca(alg: Algorithm, not_before: i64, not_after: i64) -> CertifiedKey {
    pki::generate_csca(alg, &CertSpec::new("VN", "VN CSCA", not_before, not_after)).expect("csca")
}

/// A DSC under `csca` for `types` (empty: every type), valid `not_before .. not_after`.
pub fn dsc(
    csca: &CertifiedKey,
    alg: Algorithm,
    not_before: i64,
    not_after: i64,
    types: &[CertificateType],
) -> CertifiedKey {
    let spec = CertSpec::new("VN", "VN DSC", not_before, not_after);
    pki::generate_dsc(csca, alg, &spec, types).expect("dsc")
}
