//! Strict where two readers could disagree (issue #12): a duplicate map key anywhere in the
//! CWT (claims, hcert, the DCC payload that becomes the JSON view), a zlib stream with a bad
//! Adler-32 or with bytes after its end, and an unknown `alg` (registered, private-use or text)
//! are refused — a reader that takes the first duplicate and one that takes the last would
//! otherwise see different passes behind one signature (spec/format.md §Tolerances on read).
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
    compress::{decompress, Compressor},
    Algorithm, Claims, Dcc, Encoder, KeySigner, Kid, Limits, Name, PublicKey, Signer, SoftwareKey,
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

fn int(i: i64) -> Cbor {
    Cbor::from(i)
}

fn text(s: &str) -> Cbor {
    Cbor::Text(s.into())
}

fn dcc_cbor(family: &str) -> Cbor {
    Cbor::serialized(&Dcc {
        ver: "1.3.0".into(),
        dob: "1990-01-31".into(),
        nam: Name {
            family: Some(family.into()),
            family_t: Some("NGUYEN".into()),
            ..Name::default()
        },
        ..Dcc::default()
    })
    .unwrap()
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).unwrap();
    out
}

fn signed(payload: Vec<u8>, protected: Header) -> Vec<u8> {
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| es256().0.sign(tbs).unwrap())
        .build()
        .to_vec()
        .unwrap()
}

fn es256_protected() -> Header {
    HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(KID.0.to_vec())
        .build()
}

fn decode_cwt(claims: &Cbor) -> Result<wallet_format::Decoded, wallet_format::Error> {
    let text = Encoder::new()
        .wrap(&signed(cbor(claims), es256_protected()))
        .unwrap();
    wallet_format::decode(&text, &Limits::DEFAULT)
}

fn claims_map(entries: Vec<(Cbor, Cbor)>) -> Cbor {
    Cbor::Map(entries)
}

#[test]
fn accepts_the_well_formed_claims_these_tests_start_from() {
    let ok = claims_map(vec![
        (int(1), text("VN")),
        (int(4), int(1_731_536_000)),
        (int(6), int(1_700_000_000)),
        (int(-260), Cbor::Map(vec![(int(1), dcc_cbor("Nguyễn"))])),
    ]);
    let d = decode_cwt(&ok).unwrap();
    d.verify_signature(&es256().1).unwrap();
}

#[test]
fn rejects_duplicate_cwt_claim_keys() {
    for dup in [
        (int(1), text("DE")),                                      // iss twice
        (int(4), int(1_900_000_000)),                              // exp twice: which expiry?
        (int(-260), Cbor::Map(vec![(int(1), dcc_cbor("Other"))])), // two hcert claims
        (int(99), int(0)),                                         // unknown claim twice
    ] {
        let first = match &dup.0 {
            Cbor::Integer(i) if i128::from(*i) == 99 => vec![(int(99), int(1))],
            _ => vec![],
        };
        let mut entries = vec![
            (int(1), text("VN")),
            (int(4), int(1_731_536_000)),
            (int(6), int(1_700_000_000)),
            (int(-260), Cbor::Map(vec![(int(1), dcc_cbor("Nguyễn"))])),
        ];
        entries.extend(first);
        entries.push(dup.clone());
        let err = decode_cwt(&claims_map(entries)).unwrap_err();
        assert_eq!(err.code(), "CWT_INVALID", "{dup:?}: {err}");
    }
}

#[test]
fn rejects_duplicate_keys_in_the_hcert_map_and_in_the_dcc_payload() {
    let base = |hcert: Cbor| {
        claims_map(vec![
            (int(1), text("VN")),
            (int(4), int(1_731_536_000)),
            (int(6), int(1_700_000_000)),
            (int(-260), hcert),
        ])
    };
    // Two eu_dcc_v1 payloads in the hcert map.
    let two = Cbor::Map(vec![
        (int(1), dcc_cbor("Nguyễn")),
        (int(1), dcc_cbor("Other")),
    ]);
    assert_eq!(decode_cwt(&base(two)).unwrap_err().code(), "CWT_INVALID");
    // A DCC whose `nam` map holds `fn` twice: the JSON view (schema, rules) and the typed view
    // could take different ones.
    let Cbor::Map(mut dcc) = dcc_cbor("Nguyễn") else {
        panic!()
    };
    for (k, v) in dcc.iter_mut() {
        if k == &text("nam") {
            if let Cbor::Map(nam) = v {
                nam.push((text("fn"), text("Other")));
            }
        }
    }
    let hcert = Cbor::Map(vec![(int(1), Cbor::Map(dcc))]);
    assert_eq!(decode_cwt(&base(hcert)).unwrap_err().code(), "CWT_INVALID");
}

/// The zlib stream of `data` at level 0, as the issuer writes it.
fn zlib(data: &[u8]) -> Vec<u8> {
    Compressor::new().compress(data).unwrap()
}

#[test]
fn rejects_zlib_with_a_bad_adler32_checksum() {
    let mut z = zlib(b"hello, certificate");
    let last = z.len() - 1;
    z[last] ^= 0x01;
    assert_eq!(
        decompress(&z, &Limits::DEFAULT).unwrap_err().code(),
        "DECOMPRESSION_FAILED"
    );
}

#[test]
fn rejects_bytes_after_the_end_of_the_zlib_stream() {
    let good = zlib(b"hello, certificate");
    assert_eq!(
        decompress(&good, &Limits::DEFAULT).unwrap(),
        b"hello, certificate"
    );
    for tail in [&[0u8][..], b"\x00\x00", b"junk after the stream", &good[..]] {
        let mut z = good.clone();
        z.extend_from_slice(tail);
        assert_eq!(
            decompress(&z, &Limits::DEFAULT).unwrap_err().code(),
            "DECOMPRESSION_FAILED",
            "tail {tail:?}"
        );
    }
    // Through the whole text path too: a real pass with one byte appended after its stream.
    let claims = Claims {
        iss: Some("VN".into()),
        iat: Some(1_700_000_000),
        exp: Some(1_731_536_000),
        dcc: Dcc {
            ver: "1.3.0".into(),
            ..Dcc::default()
        },
    };
    let cose = Encoder::new().sign_cose(&claims, &es256().0).unwrap();
    let mut z = zlib(&cose);
    z.push(0);
    let text = format!("HC1:{}", base45::encode(&z));
    assert_eq!(
        wallet_format::decode(&text, &Limits::DEFAULT)
            .unwrap_err()
            .code(),
        "DECOMPRESSION_FAILED"
    );
}

#[test]
fn rejects_an_unknown_alg_as_algorithm_unsupported() {
    let payload = cbor(&claims_map(vec![
        (int(1), text("VN")),
        (int(-260), Cbor::Map(vec![(int(1), dcc_cbor("Nguyễn"))])),
    ]));
    let headers = [
        // registered but not ours
        HeaderBuilder::new()
            .algorithm(iana::Algorithm::ES512)
            .key_id(KID.0.to_vec())
            .build(),
        // an integer no registry knows
        Header {
            alg: Some(coset::RegisteredLabelWithPrivate::PrivateUse(-70_000)),
            key_id: KID.0.to_vec(),
            ..Header::default()
        },
        // a text label
        Header {
            alg: Some(coset::RegisteredLabelWithPrivate::Text("ES256".into())),
            key_id: KID.0.to_vec(),
            ..Header::default()
        },
    ];
    for h in headers {
        let text = Encoder::new()
            .wrap(&signed(payload.clone(), h.clone()))
            .unwrap();
        let err = wallet_format::decode(&text, &Limits::DEFAULT).unwrap_err();
        assert_eq!(err.code(), "ALGORITHM_UNSUPPORTED", "{:?}: {err}", h.alg);
    }
    // An integer alg written raw (not one coset knows): protected header {1: -999, 4: kid}.
    let mut protected = vec![0xA2, 0x01, 0x39, 0x03, 0xE6, 0x04, 0x48];
    protected.extend_from_slice(&KID.0);
    let sig = es256()
        .0
        .sign(&wallet_format::cose::sig_structure(&protected, &payload))
        .unwrap();
    let mut cose = vec![0xD2, 0x84];
    push_bstr(&mut cose, &protected);
    cose.push(0xA0);
    push_bstr(&mut cose, &payload);
    push_bstr(&mut cose, &sig);
    let text = Encoder::new().wrap(&cose).unwrap();
    let err = wallet_format::decode(&text, &Limits::DEFAULT).unwrap_err();
    assert_eq!(err.code(), "ALGORITHM_UNSUPPORTED", "{err}");
}

fn push_bstr(out: &mut Vec<u8>, b: &[u8]) {
    match b.len() {
        n @ 0..=23 => out.push(0x40 | n as u8),
        n @ 24..=255 => out.extend([0x58, n as u8]),
        n => {
            out.push(0x59);
            out.extend((n as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(b);
}

#[test]
fn rejects_a_protected_header_with_a_duplicate_label() {
    // {1: -7, 4: kid, 1: -7}: two `alg` entries in the signed header.
    let payload = cbor(&claims_map(vec![
        (int(1), text("VN")),
        (int(-260), Cbor::Map(vec![(int(1), dcc_cbor("Nguyễn"))])),
    ]));
    let mut protected = vec![0xA3, 0x01, 0x26, 0x04, 0x48];
    protected.extend_from_slice(&KID.0);
    protected.extend_from_slice(&[0x01, 0x26]);
    let sig = es256()
        .0
        .sign(&wallet_format::cose::sig_structure(&protected, &payload))
        .unwrap();
    let mut cose = vec![0xD2, 0x84];
    push_bstr(&mut cose, &protected);
    cose.push(0xA0);
    push_bstr(&mut cose, &payload);
    push_bstr(&mut cose, &sig);
    let text = Encoder::new().wrap(&cose).unwrap();
    let err = wallet_format::decode(&text, &Limits::DEFAULT).unwrap_err();
    assert_eq!(err.code(), "COSE_INVALID", "{err}");
}
