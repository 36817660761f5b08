//! Fixtures for the verifier tests: a CSCA and DSCs generated at test time (no keys in the
//! repository), certificates built from typed claims, and the fixed clock 2024-03-10T12:00:00Z.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use trust_list::pki::{self, CertSpec, CertifiedKey};
use trust_list::TrustStore;
use verifier::TrustContext;

/// Time helpers, passes and claims come from `test-support` (one copy for every crate).
#[allow(unused_imports)] // each test file uses a different subset
pub use test_support::pass::{
    at, claims, date, date_time, name, recovery, sign, test, vaccination, DAY, HOUR, NAAT,
    NEGATIVE, NOW, POSITIVE, RAT,
};
use wallet_format::{Algorithm, CertificateType};

pub struct Pki {
    pub csca: CertifiedKey,
    /// DSC for every type, ES256, valid NOW-1y .. NOW+1y.
    pub dsc: CertifiedKey,
}

pub fn pki(alg: Algorithm) -> Pki {
    let spec = CertSpec::new("VN", "VN CSCA", NOW - 5 * 365 * DAY, NOW + 5 * 365 * DAY);
    let csca = pki::generate_csca(Algorithm::Es256, &spec).unwrap();
    let dsc = dsc(&csca, alg, NOW - 365 * DAY, NOW + 365 * DAY, &[]);
    Pki { csca, dsc }
}

pub fn dsc(
    csca: &CertifiedKey,
    alg: Algorithm,
    not_before: i64,
    not_after: i64,
    types: &[CertificateType],
) -> CertifiedKey {
    let spec = CertSpec::new("VN", "VN DSC", not_before, not_after);
    pki::generate_dsc(csca, alg, &spec, types).unwrap()
}

pub fn ctx_with(dscs: &[&CertifiedKey]) -> TrustContext {
    let mut store = TrustStore::new();
    for d in dscs {
        store.add_dsc(d.cert().unwrap());
    }
    TrustContext::new(store)
}
