//! Certificates ("passes") built from typed claims, at the fixed clock 2024-03-10T12:00:00Z.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use wallet_format::{Claims, Dcc, KeySigner, Name, Recovery, Test, Vaccination};

/// 2024-03-10T12:00:00Z.
pub const NOW: i64 = 1_710_072_000;
/// One hour in seconds.
pub const HOUR: i64 = 3600;
/// One day in seconds.
pub const DAY: i64 = 86_400;
/// 365 days in seconds.
pub const YEAR: i64 = 365 * DAY;

/// Rapid antigen test (`tt`).
pub const RAT: &str = "LP217198-3";
/// NAAT/PCR test (`tt`).
pub const NAAT: &str = "LP6464-4";
/// Test result "not detected" (`tr`).
pub const NEGATIVE: &str = "260415000";
/// Test result "detected" (`tr`).
pub const POSITIVE: &str = "260373001";

/// Unix seconds as a UTC date-time.
pub fn at(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).expect("timestamp in range")
}

/// Unix seconds as `YYYY-MM-DD`.
pub fn date(t: i64) -> String {
    at(t).date().to_string()
}

/// Unix seconds as RFC 3339 in UTC (`…Z`).
pub fn date_time(t: i64) -> String {
    at(t).format(&Rfc3339).expect("formattable")
}

/// A Vietnamese name with its ICAO transliteration.
pub fn name() -> Name {
    Name {
        family: Some("Nguyễn".into()),
        given: Some("Văn An".into()),
        family_t: Some("NGUYEN".into()),
        given_t: Some("VAN<AN".into()),
    }
}

/// A Comirnaty dose `dn` of `sd` given at `dt` (Unix s) in VN.
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

/// A test of type `tt` with result `tr`, sampled at `sc` (Unix s).
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

/// A recovery: first positive `fr`, valid `df .. du` (Unix s).
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

/// CWT claims around `dcc`: issued a day before [`NOW`], expiring 30 days after.
pub fn claims(dcc: Dcc) -> Claims {
    Claims {
        iss: Some("VN".into()),
        iat: Some(NOW - DAY),
        exp: Some(NOW + 30 * DAY),
        dcc,
    }
}

/// The `HC1:` text of `claims` signed by `signer`.
pub fn sign(claims: &Claims, signer: &KeySigner) -> String {
    wallet_format::encode(claims, signer).expect("encodable claims")
}
