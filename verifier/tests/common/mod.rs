//! Fixtures for the verifier tests: a CSCA and DSCs generated at test time (no keys in the
//! repository), certificates built from typed claims, and the fixed clock 2024-03-10T12:00:00Z.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use time::OffsetDateTime;
use trust_list::pki::{self, CertSpec, CertifiedKey};
use trust_list::TrustStore;
use verifier::TrustContext;
use wallet_format::{
    Algorithm, CertificateType, Claims, Dcc, KeySigner, Name, Recovery, Test, Vaccination,
};

/// 2024-03-10T12:00:00Z.
pub const NOW: i64 = 1_710_072_000;
pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3600;

pub fn at(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap()
}

pub fn date(t: i64) -> String {
    at(t).date().to_string()
}

pub fn date_time(t: i64) -> String {
    at(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

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

pub fn name() -> Name {
    Name {
        family: Some("Nguyễn".into()),
        given: Some("Văn An".into()),
        family_t: Some("NGUYEN".into()),
        given_t: Some("VAN<AN".into()),
    }
}

pub fn vaccination(dn: u32, sd: u32, dt: i64) -> Dcc {
    Dcc {
        ver: "1.3.0".into(),
        nam: name(),
        dob: "1990-01-01".into(),
        v: Some(vec![Vaccination {
            tg: "840539006".into(),
            vp: "J07BX03".into(),
            mp: "EU/1/20/1528".into(),
            ma: "ORG-100030215".into(),
            dn,
            sd,
            dt: date(dt),
            co: "VN".into(),
            issuer: "Ministry of Health".into(),
            ci: format!("URN:UVCI:01:VN:V{dn}X{sd}T{dt}"),
        }]),
        ..Dcc::default()
    }
}

pub const RAT: &str = "LP217198-3";
pub const NAAT: &str = "LP6464-4";
pub const NEGATIVE: &str = "260415000";
pub const POSITIVE: &str = "260373001";

pub fn test(tt: &str, tr: &str, sc: i64) -> Dcc {
    Dcc {
        ver: "1.3.0".into(),
        nam: name(),
        dob: "1990-01-01".into(),
        t: Some(vec![Test {
            tg: "840539006".into(),
            tt: tt.into(),
            nm: None,
            ma: (tt == RAT).then(|| "1232".to_string()),
            sc: date_time(sc),
            dr: None,
            tr: tr.into(),
            tc: Some("Test centre".into()),
            co: "VN".into(),
            issuer: "Ministry of Health".into(),
            ci: format!("URN:UVCI:01:VN:T{sc}"),
        }]),
        ..Dcc::default()
    }
}

pub fn recovery(fr: i64, df: i64, du: i64) -> Dcc {
    Dcc {
        ver: "1.3.0".into(),
        nam: name(),
        dob: "1990-01-01".into(),
        r: Some(vec![Recovery {
            tg: "840539006".into(),
            fr: date(fr),
            co: "VN".into(),
            issuer: "Ministry of Health".into(),
            df: date(df),
            du: date(du),
            ci: format!("URN:UVCI:01:VN:R{fr}"),
        }]),
        ..Dcc::default()
    }
}

pub fn claims(dcc: Dcc) -> Claims {
    Claims {
        iss: Some("VN".into()),
        iat: Some(NOW - DAY),
        exp: Some(NOW + 30 * DAY),
        dcc,
    }
}

pub fn sign(claims: &Claims, signer: &KeySigner) -> String {
    wallet_format::encode(claims, signer).unwrap()
}
