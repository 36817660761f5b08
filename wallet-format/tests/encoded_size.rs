//! Encoded size of a typical Vietnamese two-dose certificate in our issuing profile
//! (spec/format.md §Issuing profile): ≤ 520 characters and QR version ≤ 17 at ECC Q.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use wallet_format::{
    profile, qr, transliterate, uvci::Uvci, Algorithm, Claims, Dcc, Kid, Limits, Name, SoftwareKey,
    Vaccination,
};

fn typical_two_dose(issuer: &str) -> Claims {
    let family = "Nguyễn";
    let given = "Văn Hùng";
    Claims {
        iss: Some("VN".into()),
        iat: Some(1_700_000_000),
        exp: Some(1_700_000_000 + 365 * 86_400),
        dcc: Dcc {
            ver: "1.3.0".into(),
            nam: Name {
                family: Some(family.into()),
                given: Some(given.into()),
                family_t: Some(transliterate::icao(family)),
                given_t: Some(transliterate::icao(given)),
            },
            dob: "1987-11-23".into(),
            v: Some(vec![Vaccination {
                tg: "840539006".into(),
                vp: "1119349007".into(),
                mp: "EU/1/20/1528".into(),
                ma: "ORG-100030215".into(),
                dn: 2,
                sd: 2,
                dt: "2021-10-04".into(),
                co: "VN".into(),
                issuer: issuer.into(),
                ci: Uvci::new("VN", &"7Y2ABCDE4F5GHJKLMNPQ"[..profile::UVCI_OPAQUE_LEN])
                    .unwrap()
                    .as_str()
                    .into(),
            }]),
            t: None,
            r: None,
        },
    }
}

#[test]
fn typical_two_dose_es256_pass_fits_520_chars_and_qr_version_17() {
    let claims = typical_two_dose(profile::ISSUER_TEXT);
    let key = SoftwareKey::generate(Algorithm::Es256).unwrap();
    let public = key.public_key().unwrap();
    let signer = key.into_signer(Kid::from_der(b"test certificate"));
    let long_issuer =
        wallet_format::encode(&typical_two_dose("Ministry of Health Viet Nam"), &signer).unwrap();
    eprintln!(
        "  for comparison, with is = \"Ministry of Health Viet Nam\": {} characters, QR version {}",
        long_issuer.len(),
        qr::version_for(&long_issuer).unwrap()
    );
    let text = wallet_format::encode(&claims, &signer).unwrap();
    let version = qr::version_for(&text).unwrap();
    let cose = wallet_format::hc1::decode_to_cose(&text, &Limits::DEFAULT).unwrap();
    let payload = claims.to_cbor().unwrap();
    eprintln!(
        "  CWT claims {} B, COSE_Sign1 {} B, zlib {} B",
        payload.len(),
        cose.len(),
        (text.len() - 4) * 2 / 3
    );
    eprintln!(
        "typical two-dose ES256 pass: {} characters, QR version {version} at ECC Q (capacity {})",
        text.len(),
        qr::capacity(version)
    );
    assert!(
        text.len() <= profile::TARGET_PASS_CHARS,
        "{} characters",
        text.len()
    );
    assert!(version <= profile::TARGET_QR_VERSION, "version {version}");

    // The symbol we render is that version, and the pass round-trips through it.
    let symbol = qr::Symbol::encode(&text).unwrap();
    assert_eq!(symbol.version(), version);
    let decoded = wallet_format::decode(&text, &Limits::DEFAULT).unwrap();
    decoded.verify_signature(&public).unwrap();
    assert_eq!(decoded.claims, claims);
    wallet_format::schema::validate(decoded.dcc_json()).unwrap();
}
