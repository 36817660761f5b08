//! Property tests: every generated payload survives encode → decode → verify for ES256, PS256
//! and EdDSA, Vietnamese names with diacritics included. One key per algorithm (RSA key
//! generation is slow), modest case counts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use proptest::prelude::*;
use std::sync::OnceLock;
use wallet_format::{
    transliterate, Algorithm, Claims, Dcc, Encoder, KeySigner, Kid, Limits, Name, PublicKey,
    Recovery, SoftwareKey, Test, Vaccination,
};

fn key(alg: Algorithm) -> &'static (KeySigner, PublicKey) {
    static ES: OnceLock<(KeySigner, PublicKey)> = OnceLock::new();
    static PS: OnceLock<(KeySigner, PublicKey)> = OnceLock::new();
    static ED: OnceLock<(KeySigner, PublicKey)> = OnceLock::new();
    let cell = match alg {
        Algorithm::Es256 => &ES,
        Algorithm::Ps256 => &PS,
        Algorithm::EdDsa => &ED,
    };
    cell.get_or_init(|| {
        let k = SoftwareKey::generate(alg).unwrap();
        let public = k.public_key().unwrap();
        (k.into_signer(Kid::from_der(alg.name().as_bytes())), public)
    })
}

fn vietnamese_name() -> impl Strategy<Value = String> {
    let syllables = prop::sample::select(vec![
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Văn", "Thị",
        "Hương", "Hùng", "Đào", "Quỳnh", "Thủy", "Ánh", "Dũng", "Phước", "Ngọc", "Xuân", "Kiều",
    ]);
    prop::collection::vec(syllables, 1..4).prop_map(|s| s.join(" "))
}

fn date() -> impl Strategy<Value = String> {
    (1920u32..2024, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

fn free_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 .,/-]{1,40}"
}

fn dcc() -> impl Strategy<Value = Dcc> {
    let name = (vietnamese_name(), vietnamese_name()).prop_map(|(f, g)| Name {
        family_t: Some(transliterate::icao(&f)),
        given_t: Some(transliterate::icao(&g)),
        family: Some(f),
        given: Some(g),
    });
    let vaccination =
        (1u32..5, 1u32..5, date(), free_text(), free_text()).prop_map(|(dn, sd, dt, is, ci)| {
            Vaccination {
                tg: "840539006".into(),
                vp: "1119349007".into(),
                mp: "EU/1/20/1528".into(),
                ma: "ORG-100030215".into(),
                dn,
                sd,
                dt,
                co: "VN".into(),
                issuer: is,
                ci,
            }
        });
    let test = (date(), prop::option::of(free_text()), free_text()).prop_map(|(d, tc, ci)| Test {
        tg: "840539006".into(),
        tt: "LP217198-3".into(),
        nm: None,
        ma: Some("1232".into()),
        sc: format!("{d}T08:30:00Z"),
        dr: None,
        tr: "260415000".into(),
        tc,
        co: "VN".into(),
        issuer: "MoH Viet Nam".into(),
        ci,
    });
    let recovery = (date(), date(), date(), free_text()).prop_map(|(fr, df, du, ci)| Recovery {
        tg: "840539006".into(),
        fr,
        co: "VN".into(),
        issuer: "MoH Viet Nam".into(),
        df,
        du,
        ci,
    });
    (name, date(), 0u8..3, vaccination, test, recovery).prop_map(|(nam, dob, kind, v, t, r)| Dcc {
        ver: "1.3.0".into(),
        nam,
        dob,
        v: (kind == 0).then(|| vec![v]),
        t: (kind == 1).then(|| vec![t]),
        r: (kind == 2).then(|| vec![r]),
    })
}

fn claims() -> impl Strategy<Value = Claims> {
    (dcc(), 1_600_000_000i64..1_900_000_000, 0i64..100_000_000).prop_map(|(dcc, iat, ttl)| Claims {
        iss: Some("VN".into()),
        iat: Some(iat),
        exp: Some(iat + ttl),
        dcc,
    })
}

fn round_trip(alg: Algorithm, claims: &Claims) -> Result<(), TestCaseError> {
    let (signer, public) = key(alg);
    let text = Encoder::new().encode(claims, signer).unwrap();
    prop_assert!(text.starts_with("HC1:"));
    let decoded = wallet_format::decode(&text, &Limits::DEFAULT).unwrap();
    prop_assert_eq!(decoded.algorithm(), alg);
    prop_assert_eq!(decoded.kid(), signer.kid_value());
    prop_assert!(decoded.verify_signature(public).is_ok());
    prop_assert_eq!(&decoded.claims, claims);
    // The issued payload is schema-valid and the QR text is renderable.
    prop_assert!(wallet_format::schema::validate(decoded.dcc_json()).is_ok());
    prop_assert!(wallet_format::qr::version_for(&text).is_ok());
    Ok(())
}

trait KidValue {
    fn kid_value(&self) -> Kid;
}
impl KidValue for KeySigner {
    fn kid_value(&self) -> Kid {
        wallet_format::Signer::kid(self)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn es256_round_trips_generated_payloads(claims in claims()) {
        round_trip(Algorithm::Es256, &claims)?;
    }

    #[test]
    fn eddsa_round_trips_generated_payloads(claims in claims()) {
        round_trip(Algorithm::EdDsa, &claims)?;
    }
}

proptest! {
    // RSA signing costs ~1 ms: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn ps256_round_trips_generated_payloads(claims in claims()) {
        round_trip(Algorithm::Ps256, &claims)?;
    }
}
