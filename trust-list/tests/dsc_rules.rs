//! DSC parsing tolerances, the key-usage rule and the time rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs,
    unreachable_pub
)]

mod common;

use base64::Engine;
use common::*;
use test_support::shared_dir;
use trust_list::dsc::time_valid;
use trust_list::pki::{self, CertSpec};
use trust_list::{Dsc, TrustSource, TrustedKey};
use wallet_format::{Algorithm, CertificateType};

fn vector_cert(rel: &str) -> Dsc {
    let path = shared_dir().join("conformance/dgc-testdata").join(rel);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    Dsc::from_any(v["TESTCTX"]["CERTIFICATE"].as_str().unwrap().as_bytes()).unwrap()
}

#[test]
fn time_rule_names_the_inequality_that_failed() {
    let (nb, na) = (Some(100), Some(1000));
    assert!(time_valid(nb, na, Some(200), Some(900), 500).is_ok());
    assert!(time_valid(nb, na, Some(100), Some(1000), 100).is_ok()); // all bounds inclusive
    let code = |iat, exp, clock| time_valid(nb, na, iat, exp, clock).unwrap_err().code();
    assert_eq!(code(Some(99), Some(900), 500), "DSC_NOT_YET_VALID");
    assert_eq!(code(Some(200), Some(900), 199), "CERT_NOT_YET_VALID");
    assert_eq!(code(Some(200), Some(900), 901), "CERT_EXPIRED");
    assert_eq!(code(Some(200), Some(1001), 500), "DSC_EXPIRED");
    assert_eq!(code(None, Some(900), 500), "CERT_TIME_MISSING");
}

#[test]
fn rejects_pass_outside_the_dsc_validity_through_the_trusted_key() {
    let p = Pki::new(Algorithm::Es256);
    let key = TrustedKey::from_dsc(p.dsc.cert().unwrap(), TrustSource::SingleDsc);
    // DSC valid NOW-DAY .. NOW+YEAR; a pass issued two days before the DSC existed.
    let err = key
        .check_time(Some(NOW - 2 * DAY), Some(NOW + DAY), NOW)
        .unwrap_err();
    assert_eq!(err.code(), "DSC_NOT_YET_VALID");
    // A pass whose exp lies past the DSC's notAfter.
    let err = key
        .check_time(Some(NOW), Some(NOW + 2 * YEAR), NOW)
        .unwrap_err();
    assert_eq!(err.code(), "DSC_EXPIRED");
    key.check_time(Some(NOW), Some(NOW + 30 * DAY), NOW + DAY)
        .unwrap();
}

#[test]
fn rejects_certificate_type_excluded_by_the_eku() {
    let p = Pki::new(Algorithm::Es256);
    let dsc = p.dsc.cert().unwrap(); // vaccination only
    assert!(dsc.key_usage().allows(CertificateType::Vaccination));
    assert!(!dsc.key_usage().allows(CertificateType::Test));
    let key = TrustedKey::from_dsc(dsc, TrustSource::SingleDsc);
    assert_eq!(
        key.check_type(CertificateType::Recovery)
            .unwrap_err()
            .code(),
        "KEY_USAGE_MISMATCH"
    );
    key.check_type(CertificateType::Vaccination).unwrap();
}

#[test]
fn accepts_every_type_when_the_dsc_has_no_eku() {
    let p = Pki::new(Algorithm::Es256);
    let d = pki::generate_dsc(
        &p.csca,
        Algorithm::Es256,
        &CertSpec::new("VN", "no eku", NOW, NOW + YEAR),
        &[],
    )
    .unwrap()
    .cert()
    .unwrap();
    assert!(!d.key_usage().present);
    for t in [
        CertificateType::Vaccination,
        CertificateType::Test,
        CertificateType::Recovery,
    ] {
        assert!(d.key_usage().allows(t));
    }
}

#[test]
fn accepts_empty_eku_sequence_of_common_co15_as_no_restriction() {
    let d = vector_cert("common/2DCode/raw/CO15.json");
    assert!(d.key_usage().present);
    assert!(d.key_usage().oids.is_empty());
    assert!(d.key_usage().allows(CertificateType::Recovery));
}

#[test]
fn reads_the_alternative_oid_arc_and_ignores_non_dcc_oids() {
    use trust_list::dsc::dcc_type_of_oid;
    assert_eq!(
        dcc_type_of_oid("1.3.6.1.4.1.0.1847.2021.1.1"),
        Some(CertificateType::Test)
    );
    assert_eq!(
        dcc_type_of_oid("1.3.6.1.4.1.1847.2021.1.3"),
        Some(CertificateType::Recovery)
    );
    assert_eq!(dcc_type_of_oid("1.3.6.1.4.1.1847.2021.1.4"), None);
    assert_eq!(dcc_type_of_oid("1.3.6.1.5.5.7.3.2"), None);
    // A DSC with only TLS/ICAO key purposes: no DCC OID, so nothing is restricted.
    let ku = trust_list::KeyUsage {
        present: true,
        oids: vec!["1.3.6.1.5.5.7.3.2".into(), "2.23.136.1.1.14.2".into()],
        dcc_types: trust_list::TypeSet::EMPTY,
    };
    assert!(ku.allows(CertificateType::Test));
}

#[test]
fn parses_every_conformance_dsc_with_a_supported_key_leniently() {
    // FI DSCs encode an explicit cA FALSE (not DER); they must still parse.
    let root = shared_dir().join("conformance/dgc-testdata");
    let mut parsed = 0;
    let mut unsupported_key = 0;
    for country in std::fs::read_dir(&root).unwrap() {
        let country = country.unwrap().path();
        if !country.is_dir() {
            continue;
        }
        for f in walk(&country) {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&f).unwrap())
            else {
                continue;
            };
            let Some(c) = v["TESTCTX"]["CERTIFICATE"].as_str() else {
                continue;
            };
            let der = base64::engine::general_purpose::STANDARD
                .decode(c.trim())
                .unwrap();
            match Dsc::from_der(&der) {
                Ok(d) => {
                    assert_eq!(d.kid(), wallet_format::Kid::from_der(&der));
                    parsed += 1;
                }
                Err(e) => {
                    assert_eq!(e.code(), "DSC_INVALID", "{}", f.display());
                    unsupported_key += 1;
                }
            }
        }
    }
    println!("conformance DSCs parsed: {parsed}, unsupported key: {unsupported_key}");
    assert!(parsed > 350);
    assert!(unsupported_key <= 10, "only the P-384 ES vectors may fail");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    out
}

#[test]
fn parses_pem_der_and_base64_forms_alike() {
    let p = Pki::new(Algorithm::EdDsa);
    let der = p.dsc.cert_der.clone();
    let pem = p.dsc.cert_pem();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let a = Dsc::from_any(&der).unwrap();
    assert_eq!(a, Dsc::from_any(pem.as_bytes()).unwrap());
    assert_eq!(a, Dsc::from_any(b64.as_bytes()).unwrap());
    assert_eq!(a.country().as_deref(), Some("VN"));
    assert_eq!(
        Dsc::from_any(b"garbage!").unwrap_err().code(),
        "DSC_INVALID"
    );
    assert_eq!(
        Dsc::from_der(&der[..der.len() - 3]).unwrap_err().code(),
        "DSC_INVALID"
    );
}

#[test]
fn reads_the_certificate_block_of_a_pem_bundle_with_text_and_crlf_around_it() {
    let p = Pki::new(Algorithm::Es256);
    let pem = p.dsc.cert_pem();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
    assert!(pem.lines().all(|l| l.len() <= 64));
    assert_eq!(Dsc::from_pem(&pem).unwrap().to_pem(), pem);
    let key = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n";
    let bundle = format!("Subject: VN DSC 1\r\n{key}{}", pem.replace('\n', "\r\n"));
    assert_eq!(Dsc::from_pem(&bundle).unwrap().der(), &p.dsc.cert_der[..]);
    for bad in [
        key,
        "",
        "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
    ] {
        assert_eq!(Dsc::from_pem(bad).unwrap_err().code(), "DSC_INVALID");
    }
}

#[test]
fn checks_chains_for_every_algorithm_and_rejects_foreign_issuers() {
    for alg in [Algorithm::Es256, Algorithm::Ps256, Algorithm::EdDsa] {
        let p = Pki::new(alg);
        let other = Pki::new(alg);
        let csca = p.anchor();
        assert!(csca.is_ca() && csca.is_self_issued());
        p.dsc.cert().unwrap().verify_issued_by(&csca).unwrap();
        p.signer.cert().unwrap().verify_issued_by(&csca).unwrap();
        let err = p
            .dsc
            .cert()
            .unwrap()
            .verify_issued_by(&other.anchor())
            .unwrap_err();
        assert_eq!(err.code(), "CERT_CHAIN_INVALID");
        assert!(p.signer.cert().unwrap().key_usage().is_list_signer());
        assert!(!p.dsc.cert().unwrap().key_usage().is_list_signer());
    }
}
