//! What the decoder rejects (with which code) and which real-world deviations it tolerates
//! (spec/format.md §Tolerances on read, §Error codes).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use ciborium::value::Value as Cbor;
use coset::{iana, CborSerializable, CoseSign1Builder, Header, HeaderBuilder};
use std::sync::OnceLock;
use wallet_format::{
    compress::Compressor, Algorithm, Claims, Dcc, Encoder, Error, KeySigner, Kid, Limits, Name,
    PublicKey, Signer, SoftwareKey, Vaccination,
};

const KID: Kid = Kid([1, 2, 3, 4, 5, 6, 7, 8]);

fn es256() -> &'static (KeySigner, PublicKey) {
    static KEY: OnceLock<(KeySigner, PublicKey)> = OnceLock::new();
    KEY.get_or_init(|| {
        let k = SoftwareKey::generate(Algorithm::Es256).unwrap();
        let p = k.public_key().unwrap();
        (k.into_signer(KID), p)
    })
}

fn claims() -> Claims {
    Claims {
        iss: Some("VN".into()),
        iat: Some(1_700_000_000),
        exp: Some(1_731_536_000),
        dcc: Dcc {
            ver: "1.3.0".into(),
            nam: Name {
                family: Some("Nguyễn".into()),
                given: Some("Văn An".into()),
                family_t: Some("NGUYEN".into()),
                given_t: Some("VAN<AN".into()),
            },
            dob: "1990-01-31".into(),
            v: Some(vec![Vaccination {
                tg: "840539006".into(),
                vp: "1119349007".into(),
                mp: "EU/1/20/1528".into(),
                ma: "ORG-100030215".into(),
                dn: 2,
                sd: 2,
                dt: "2021-09-01".into(),
                co: "VN".into(),
                issuer: "MoH Viet Nam".into(),
                ci: "URN:UVCI:01:VN:ABC123#K".into(),
            }]),
            t: None,
            r: None,
        },
    }
}

fn pass() -> String {
    wallet_format::encode(&claims(), &es256().0).unwrap()
}

fn decode(text: &str) -> Result<wallet_format::Decoded, Error> {
    wallet_format::decode(text, &Limits::DEFAULT)
}

/// zlib + base45 + prefix around arbitrary bytes.
fn wrap(bytes: &[u8]) -> String {
    Encoder::new().wrap(bytes).unwrap()
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).unwrap();
    out
}

fn int(i: i64) -> Cbor {
    Cbor::from(i)
}

fn text(s: &str) -> Cbor {
    Cbor::Text(s.into())
}

/// A CWT claims map with the given iat/exp values and DCC CBOR value.
fn claims_cbor(iat: Cbor, exp: Cbor, dcc: Cbor) -> Vec<u8> {
    cbor(&Cbor::Map(vec![
        (int(1), text("VN")),
        (int(4), exp),
        (int(6), iat),
        (int(-260), Cbor::Map(vec![(int(1), dcc)])),
    ]))
}

fn dcc_cbor() -> Cbor {
    Cbor::serialized(&claims().dcc).unwrap()
}

/// Sign `payload` with ES256 under the given headers; returns the untagged COSE_Sign1 bytes.
fn sign_with_headers(payload: Vec<u8>, protected: Header, unprotected: Header) -> Vec<u8> {
    CoseSign1Builder::new()
        .protected(protected)
        .unprotected(unprotected)
        .payload(payload)
        .create_signature(b"", |tbs| es256().0.sign(tbs).unwrap())
        .build()
        .to_vec()
        .unwrap()
}

fn standard_protected() -> Header {
    HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(KID.0.to_vec())
        .build()
}

fn tagged(tags: &[u8], untagged: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in tags {
        if *t < 24 {
            out.push(0xC0 | t);
        } else {
            out.extend([0xD8, *t]);
        }
    }
    out.extend_from_slice(untagged);
    out
}

fn decode_and_verify(cose: &[u8]) -> Result<wallet_format::Decoded, Error> {
    let d = decode(&wrap(cose))?;
    d.verify_signature(&es256().1)?;
    Ok(d)
}

// ---------------------------------------------------------------------------------------------
// Signatures and keys

#[test]
fn rejects_a_tampered_payload() {
    let d = decode(&pass()).unwrap();
    let mut inner = d.cose.inner.clone();
    let mut tampered = claims();
    tampered.dcc.nam.family_t = Some("NGUYEM".into());
    inner.payload = Some(tampered.to_cbor().unwrap());
    let text = wrap(&inner.to_vec().unwrap());
    let d = decode(&text).unwrap();
    assert_eq!(d.claims.dcc.nam.family_t.as_deref(), Some("NGUYEM"));
    assert_eq!(d.verify_signature(&es256().1), Err(Error::SignatureInvalid));
}

#[test]
fn rejects_a_tampered_signature() {
    let d = decode(&pass()).unwrap();
    let mut inner = d.cose.inner.clone();
    inner.signature[10] ^= 0x01;
    let d = decode(&wrap(&inner.to_vec().unwrap())).unwrap();
    assert_eq!(d.verify_signature(&es256().1), Err(Error::SignatureInvalid));
}

#[test]
fn rejects_a_short_signature() {
    let d = decode(&pass()).unwrap();
    let mut inner = d.cose.inner.clone();
    inner.signature.truncate(3);
    let d = decode(&wrap(&inner.to_vec().unwrap())).unwrap();
    assert_eq!(d.verify_signature(&es256().1), Err(Error::SignatureInvalid));
}

#[test]
fn rejects_the_wrong_key() {
    let other = SoftwareKey::generate(Algorithm::Es256).unwrap();
    let d = decode(&pass()).unwrap();
    assert_eq!(
        d.verify_signature(&other.public_key().unwrap()),
        Err(Error::SignatureInvalid)
    );
}

#[test]
fn rejects_an_algorithm_key_mismatch() {
    let ed = SoftwareKey::generate(Algorithm::EdDsa).unwrap();
    let d = decode(&pass()).unwrap();
    let err = d.verify_signature(&ed.public_key().unwrap()).unwrap_err();
    assert_eq!(err.code(), "ALGORITHM_KEY_MISMATCH");
}

#[test]
fn rejects_a_kid_of_the_wrong_length() {
    for len in [0usize, 7, 9, 32] {
        let protected = HeaderBuilder::new()
            .algorithm(iana::Algorithm::ES256)
            .key_id(vec![7; len])
            .build();
        let cose = sign_with_headers(claims().to_cbor().unwrap(), protected, Header::default());
        assert_eq!(
            decode(&wrap(&cose)).unwrap_err(),
            Error::KidInvalid,
            "kid of {len} bytes"
        );
    }
}

#[test]
fn rejects_alg_only_in_the_unprotected_header() {
    // common/CO20: our deliberate deviation (spec/conformance.md).
    let unprotected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(KID.0.to_vec())
        .build();
    let cose = sign_with_headers(claims().to_cbor().unwrap(), Header::default(), unprotected);
    assert_eq!(
        decode(&wrap(&cose)).unwrap_err(),
        Error::AlgorithmUnsupported
    );
}

#[test]
fn rejects_an_unsupported_algorithm() {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES384)
        .key_id(KID.0.to_vec())
        .build();
    let cose = sign_with_headers(claims().to_cbor().unwrap(), protected, Header::default());
    assert_eq!(
        decode(&wrap(&cose)).unwrap_err().code(),
        "ALGORITHM_UNSUPPORTED"
    );
}

// ---------------------------------------------------------------------------------------------
// Garbage at every stage, truncation, bombs

#[test]
fn rejects_garbage_at_every_stage() {
    // prefix
    for text in ["HC2:6BFOXN", "HL0:6BFOXN", "6BFOXN", "", "hc1"] {
        assert_eq!(decode(text).unwrap_err().code(), "PREFIX_INVALID", "{text}");
    }
    // base45: lowercase, '=' and an out-of-range triple
    for text in ["HC1:abc", "HC1:AB=", "HC1:::::"] {
        assert_eq!(decode(text).unwrap_err().code(), "BASE45_INVALID", "{text}");
    }
    // zlib: valid base45 of bytes that are not zlib, and an uncompressed COSE (common/Z2)
    let not_zlib = format!("HC1:{}", base45::encode(b"not a zlib stream at all"));
    assert_eq!(
        decode(&not_zlib).unwrap_err().code(),
        "DECOMPRESSION_FAILED"
    );
    let raw_cose = decode(&pass()).unwrap().cose.inner.to_vec().unwrap();
    let uncompressed = format!("HC1:{}", base45::encode(&raw_cose));
    assert_eq!(
        decode(&uncompressed).unwrap_err().code(),
        "DECOMPRESSION_FAILED"
    );
    // COSE: not CBOR, a map instead of an array, another tag, a 3-element array, trailing bytes
    let mut trailing = tagged(&[18], &raw_cose);
    trailing.push(0x00);
    for bytes in [
        vec![0xFF, 0x00, 0x13],
        cbor(&Cbor::Map(vec![])),
        tagged(&[98], &raw_cose),
        cbor(&Cbor::Array(vec![
            Cbor::Bytes(vec![]),
            Cbor::Map(vec![]),
            Cbor::Bytes(vec![]),
        ])),
        trailing,
    ] {
        assert_eq!(
            decode(&wrap(&bytes)).unwrap_err().code(),
            "COSE_INVALID",
            "{}",
            hex::encode(&bytes[..bytes.len().min(8)])
        );
    }
    // CWT: payload not CBOR, not a map, no hcert claim, iat of the wrong type
    for payload in [
        vec![0xFF, 0xFF],
        cbor(&Cbor::Array(vec![int(1)])),
        cbor(&Cbor::Map(vec![(int(1), text("VN"))])),
        claims_cbor(text("yesterday"), int(1), dcc_cbor()),
    ] {
        let cose = sign_with_headers(payload, standard_protected(), Header::default());
        assert_eq!(decode(&wrap(&cose)).unwrap_err().code(), "CWT_INVALID");
    }
    // payload: the DCC is a number, or `dn` is text
    let mut dcc_json = serde_json::to_value(&claims().dcc).unwrap();
    dcc_json["v"][0]["dn"] = serde_json::json!("two");
    let bad_dn = Cbor::serialized(&dcc_json).unwrap();
    for dcc in [int(42), bad_dn] {
        let payload = claims_cbor(int(1), int(2), dcc);
        let cose = sign_with_headers(payload, standard_protected(), Header::default());
        assert_eq!(decode(&wrap(&cose)).unwrap_err().code(), "PAYLOAD_INVALID");
    }
}

#[test]
fn rejects_a_bad_payload_field_without_echoing_the_attacker_string() {
    const ATTACKER: &str = "<script>ATTACKER-9f2c</script>";
    let mut wrong_type = serde_json::to_value(&claims().dcc).unwrap();
    wrong_type["v"][0]["dn"] = serde_json::json!(ATTACKER);
    let mut bad_name = serde_json::to_value(&claims().dcc).unwrap();
    bad_name["nam"] = serde_json::json!(ATTACKER);
    let mut bad_list = serde_json::to_value(&claims().dcc).unwrap();
    bad_list["t"] = serde_json::json!([{ "tg": ATTACKER }]);
    for (dcc, member, kind) in [
        (wrong_type, "v", wallet_format::PayloadErrorKind::WrongType),
        (bad_name, "nam", wallet_format::PayloadErrorKind::WrongType),
        (bad_list, "t", wallet_format::PayloadErrorKind::MissingField),
    ] {
        let payload = claims_cbor(int(1), int(2), Cbor::serialized(&dcc).unwrap());
        let cose = sign_with_headers(payload, standard_protected(), Header::default());
        let e = decode(&wrap(&cose)).unwrap_err();
        assert_eq!(
            e,
            wallet_format::Error::PayloadInvalid(wallet_format::PayloadProblem {
                member: Some(member),
                kind
            })
        );
        for shown in [e.to_string(), format!("{e:?}")] {
            assert!(!shown.contains("ATTACKER"), "{shown}");
            assert!(!shown.contains("script"), "{shown}");
        }
    }
}

#[test]
fn rejects_every_truncation_without_panicking() {
    let text = pass();
    for cut in 0..text.len() {
        assert!(
            decode(&text[..cut]).is_err(),
            "a pass cut at {cut} characters decoded"
        );
    }
}

#[test]
fn rejects_a_zlib_bomb_quickly_with_decompression_limit() {
    // 16 MiB of zeros deflate to ~16 KiB; the decoder stops at the limit, never inflating it all.
    let zeros = vec![0u8; 16 << 20];
    let bomb = Compressor::with_level(9).compress(&zeros).unwrap();
    let err = wallet_format::compress::decompress(&bomb, &Limits::DEFAULT).unwrap_err();
    assert_eq!(err.code(), "DECOMPRESSION_LIMIT");
    // Through the whole pipeline: a 1 MiB bomb fits in an HC1 text.
    let bomb = Compressor::with_level(9)
        .compress(&zeros[..1 << 20])
        .unwrap();
    let text = format!("HC1:{}", base45::encode(&bomb));
    assert!(text.len() <= Limits::DEFAULT.max_text_len);
    assert_eq!(decode(&text).unwrap_err().code(), "DECOMPRESSION_LIMIT");
}

#[test]
fn rejects_oversized_text_before_decoding() {
    let text = format!("HC1:{}", "0".repeat(Limits::DEFAULT.max_text_len));
    assert_eq!(decode(&text).unwrap_err().code(), "INPUT_TOO_LARGE");
}

#[test]
fn rejects_deep_cbor_nesting_with_cbor_limit() {
    let mut deep = text("x");
    for _ in 0..200 {
        deep = Cbor::Array(vec![deep]);
    }
    let payload = claims_cbor(int(1), int(2), deep);
    let cose = sign_with_headers(payload, standard_protected(), Header::default());
    assert_eq!(decode(&wrap(&cose)).unwrap_err().code(), "CBOR_LIMIT");
    // Nesting in the COSE structure itself (an unprotected header value) is bounded too.
    let mut nested = vec![0x81u8; 100_000];
    nested.push(0x00);
    let mut cose = vec![0x84, 0x40, 0xA1, 0x20];
    cose.extend(nested);
    assert!(decode(&wrap(&cose)).is_err());
}

#[test]
fn rejects_too_many_cbor_items() {
    let many = Cbor::Array((0..1000).map(int).collect());
    let payload = claims_cbor(int(1), int(2), many);
    let cose = sign_with_headers(payload, standard_protected(), Header::default());
    assert_eq!(decode(&wrap(&cose)).unwrap_err().code(), "CBOR_LIMIT");
}

// ---------------------------------------------------------------------------------------------
// Tolerances on read

#[test]
fn accepts_untagged_tag_18_and_tag_61_around_18() {
    let untagged = sign_with_headers(
        claims().to_cbor().unwrap(),
        standard_protected(),
        Header::default(),
    );
    for tags in [&[][..], &[18], &[61, 18]] {
        let d = decode_and_verify(&tagged(tags, &untagged)).unwrap();
        assert_eq!(d.claims, claims(), "tags {tags:?}");
    }
}

#[test]
fn accepts_kid_in_the_unprotected_header() {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .build();
    let unprotected = HeaderBuilder::new().key_id(KID.0.to_vec()).build();
    let cose = sign_with_headers(claims().to_cbor().unwrap(), protected, unprotected);
    let d = decode_and_verify(&cose).unwrap();
    assert_eq!(d.kid(), KID);
    assert!(d.cose.kid_unprotected);
}

#[test]
fn uses_the_protected_kid_when_both_headers_carry_one() {
    let unprotected = HeaderBuilder::new().key_id(vec![9; 8]).build();
    let cose = sign_with_headers(
        claims().to_cbor().unwrap(),
        standard_protected(),
        unprotected,
    );
    let d = decode_and_verify(&cose).unwrap();
    assert_eq!(d.kid(), KID);
    assert!(!d.cose.kid_unprotected);
}

#[test]
fn ignores_unknown_header_labels() {
    // Content type 61 (SK, GR, HR, ES vectors) and a private label.
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(KID.0.to_vec())
        .content_format(iana::CoapContentFormat::Cwt)
        .value(-65_000, Cbor::Text("x".into()))
        .build();
    let d = decode_and_verify(&sign_with_headers(
        claims().to_cbor().unwrap(),
        protected,
        Header::default(),
    ))
    .unwrap();
    assert_eq!(d.claims, claims());
}

#[test]
fn accepts_float_iat_and_exp_truncated() {
    let payload = claims_cbor(
        Cbor::Float(1_700_000_000.75),
        Cbor::Float(1_731_536_000.0),
        dcc_cbor(),
    );
    let cose = sign_with_headers(payload, standard_protected(), Header::default());
    let d = decode_and_verify(&cose).unwrap();
    assert_eq!(d.claims.iat, Some(1_700_000_000));
    assert_eq!(d.claims.exp, Some(1_731_536_000));
}

#[test]
fn accepts_tagged_date_times() {
    // tag 1 on iat, tag 0 on the test's sample time (HU, SE vectors).
    let mut dcc = serde_json::json!({
        "ver": "1.3.0", "nam": {"fnt": "NGUYEN"}, "dob": "1990",
        "t": [{"tg": "840539006", "tt": "LP6464-4", "sc": "SC", "tr": "260415000",
               "co": "VN", "is": "MoH Viet Nam", "ci": "URN:UVCI:01:VN:X"}]
    });
    dcc["t"][0]["sc"] = serde_json::json!("2021-08-01T10:00:00Z");
    let mut dcc_value = Cbor::serialized(&dcc).unwrap();
    if let Cbor::Map(entries) = &mut dcc_value {
        for (k, v) in entries.iter_mut() {
            if k == &text("t") {
                if let Cbor::Array(tests) = v {
                    if let Some(Cbor::Map(fields)) = tests.first_mut() {
                        for (fk, fv) in fields.iter_mut() {
                            if fk == &text("sc") {
                                *fv = Cbor::Tag(0, Box::new(fv.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    let payload = claims_cbor(
        Cbor::Tag(1, Box::new(int(1_700_000_000))),
        int(1_731_536_000),
        dcc_value,
    );
    let cose = sign_with_headers(payload, standard_protected(), Header::default());
    let d = decode_and_verify(&cose).unwrap();
    assert_eq!(d.claims.iat, Some(1_700_000_000));
    assert_eq!(
        d.claims.dcc.test().map(|t| t.sc.as_str()),
        Some("2021-08-01T10:00:00Z")
    );
    assert!(wallet_format::schema::validate(d.dcc_json()).is_ok());
}

#[test]
fn accepts_a_1_0_payload_with_date_times_dr_and_nulls() {
    // The shape of BG and early DE/AT passes.
    let dcc = serde_json::json!({
        "ver": "1.0.0",
        "nam": {"fn": "Иванов", "fnt": "IVANOV", "gn": null, "gnt": "IVAN"},
        "dob": "1964-08-12T00:00:00",
        "v": null,
        "r": null,
        "t": [{"tg": "840539006", "tt": "LP6464-4", "nm": "Roche LightCycler qPCR",
               "sc": "2021-05-10T12:00:00+02:00", "dr": "2021-05-11T14:00:00+02:00",
               "tr": "260415000", "tc": "Lab 1", "co": "BG", "is": "Ministry of Health",
               "ci": "urn:uvci:01:BG:UFR5PLGKU8WDSZK7#0", "ma": null}]
    });
    let payload = claims_cbor(
        int(1_620_000_000),
        int(1_650_000_000),
        Cbor::serialized(&dcc).unwrap(),
    );
    let cose = sign_with_headers(payload, standard_protected(), Header::default());
    let d = decode_and_verify(&cose).unwrap();
    let t = d.claims.dcc.test().unwrap();
    assert_eq!(t.dr.as_deref(), Some("2021-05-11T14:00:00+02:00"));
    assert_eq!(d.claims.dcc.nam.given, None);
    assert_eq!(
        wallet_format::payload::date_part(&d.claims.dcc.dob).map(|x| x.to_string()),
        Some("1964-08-12".into())
    );
    // The legacy schema profile accepts it; the same payload labelled 1.3.0 does not.
    assert!(wallet_format::schema::validate(d.dcc_json()).is_ok());
    let mut as_current = d.dcc_json().clone();
    as_current["ver"] = serde_json::json!("1.3.0");
    assert!(wallet_format::schema::validate(&as_current).is_err());
}

#[test]
fn verifies_over_the_received_protected_bytes_not_a_re_encoding() {
    // A protected header in non-canonical order (kid before alg) still verifies.
    let protected_bytes = cbor(&Cbor::Map(vec![
        (int(4), Cbor::Bytes(KID.0.to_vec())),
        (int(1), int(-7)),
    ]));
    let payload = claims().to_cbor().unwrap();
    let tbs = cbor(&Cbor::Array(vec![
        text("Signature1"),
        Cbor::Bytes(protected_bytes.clone()),
        Cbor::Bytes(vec![]),
        Cbor::Bytes(payload.clone()),
    ]));
    let signature = es256().0.sign(&tbs).unwrap();
    let cose = cbor(&Cbor::Tag(
        18,
        Box::new(Cbor::Array(vec![
            Cbor::Bytes(protected_bytes),
            Cbor::Map(vec![]),
            Cbor::Bytes(payload),
            Cbor::Bytes(signature),
        ])),
    ));
    let d = decode_and_verify(&cose).unwrap();
    assert_eq!(d.algorithm(), Algorithm::Es256);
}
