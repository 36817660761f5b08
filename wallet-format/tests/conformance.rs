//! Conformance over every dgc-testdata vector (shared/conformance/dgc-testdata), flag by flag,
//! for the flags the format layer owns: EXPECTEDUNPREFIX, EXPECTEDB45DECODE,
//! EXPECTEDCOMPRESSION, EXPECTEDDECODE, EXPECTEDPICTUREDECODE, EXPECTEDSCHEMAVALIDATION and
//! EXPECTEDVERIFY (with the vector's own certificate). A vector constrains only the flags it
//! carries. Where our documented verdict differs from a flag, the vector is in [`DEVIATIONS`]
//! and in spec/conformance.md with the reason; the test asserts our verdict.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use wallet_format::{compress, hc1, qr, schema, Kid, Limits, PublicKey};

/// The flags this layer checks, in the order they are reported.
const FLAGS: [&str; 7] = [
    "EXPECTEDUNPREFIX",
    "EXPECTEDB45DECODE",
    "EXPECTEDCOMPRESSION",
    "EXPECTEDDECODE",
    "EXPECTEDPICTUREDECODE",
    "EXPECTEDSCHEMAVALIDATION",
    "EXPECTEDVERIFY",
];

/// Vectors whose flag we deliberately answer differently: (vector id, flag, our verdict,
/// reason). Each is listed in spec/conformance.md §Deviations.
const DEVIATIONS: &[(&str, &str, bool, &str)] = &[
    (
        "common/CO20",
        "EXPECTEDVERIFY",
        false,
        "alg only in the unprotected header; HCERT §3.3.1 puts alg in the protected header",
    ),
    (
        "ES/401",
        "EXPECTEDVERIFY",
        false,
        "labelled ES256 but signed with P-384 (known issue #228)",
    ),
    (
        "ES/402",
        "EXPECTEDVERIFY",
        false,
        "labelled ES256 but signed with P-384 (known issue #228)",
    ),
    (
        "ES/403",
        "EXPECTEDVERIFY",
        false,
        "labelled ES256 but signed with P-384 (known issue #228)",
    ),
];

/// NL schema flags we answer differently (known issue #107), from `tests/data/schema_deviations.csv`:
/// (vector id, our verdict). The verdicts there come from an independent validator.
fn schema_deviations() -> Vec<(String, bool)> {
    let text = include_str!("data/schema_deviations.csv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut cols = line.split(',');
            let id = cols.next().unwrap().to_string();
            let _flag_says = cols.next().unwrap();
            let ours = cols.next().unwrap() == "true";
            (id, ours)
        })
        .collect()
}

struct Vector {
    id: String,
    data: Value,
}

fn load_vectors(root: &Path) -> Vec<Vector> {
    common::files_with_suffix(root, ".json")
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let data: Value = serde_json::from_str(&text).ok()?;
            data.get("EXPECTEDRESULTS")?.as_object()?;
            let rel = path.strip_prefix(root).ok()?;
            let country = rel.components().next()?.as_os_str().to_str()?.to_string();
            let stem = path.file_stem()?.to_str()?.to_string();
            Some(Vector {
                id: format!("{country}/{stem}"),
                data,
            })
        })
        .collect()
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn hex_field(v: &Value, key: &str) -> Option<Vec<u8>> {
    text(v, key).and_then(|s| hex::decode(s.trim()).ok())
}

/// The COSE bytes of a vector: its `COSE` field, else derived from `PREFIX`.
fn cose_bytes(v: &Value) -> Option<Vec<u8>> {
    hex_field(v, "COSE")
        .or_else(|| text(v, "PREFIX").and_then(|p| hc1::decode_to_cose(p, &Limits::DEFAULT).ok()))
}

/// Semantic JSON equality: numbers by value, date-times by instant (the vectors write the same
/// time in different forms), object members unordered.
fn json_equiv(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => {
            x == y
                || match (
                    wallet_format::time_parse::parse_lenient(x),
                    wallet_format::time_parse::parse_lenient(y),
                ) {
                    (Some(p), Some(q)) => p == q,
                    _ => false,
                }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equiv(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| json_equiv(p, q)))
        }
        _ => a == b,
    }
}

fn check_unprefix(v: &Value) -> bool {
    let Some(prefix) = text(v, "PREFIX") else {
        return false;
    };
    match hc1::unprefix(prefix) {
        Ok(body) => text(v, "BASE45").is_none_or(|b45| b45 == body),
        Err(_) => false,
    }
}

fn check_b45(v: &Value) -> bool {
    let input = match text(v, "BASE45") {
        Some(b) => b.to_string(),
        None => match text(v, "PREFIX").map(hc1::unprefix) {
            Some(Ok(body)) => body.to_string(),
            _ => return false,
        },
    };
    match hc1::base45_decode(&input) {
        Ok(bytes) => hex_field(v, "COMPRESSED").is_none_or(|c| c == bytes),
        Err(_) => false,
    }
}

fn check_compression(v: &Value) -> bool {
    let input = match hex_field(v, "COMPRESSED") {
        Some(c) => c,
        None => match text(v, "PREFIX")
            .and_then(|p| hc1::unprefix(p).ok())
            .and_then(|b| hc1::base45_decode(b).ok())
        {
            Some(c) => c,
            None => return false,
        },
    };
    match compress::decompress(&input, &Limits::DEFAULT) {
        Ok(cose) => hex_field(v, "COSE").is_none_or(|c| c == cose),
        Err(_) => false,
    }
}

fn decoded(v: &Value) -> Option<wallet_format::Decoded> {
    wallet_format::decode_cose(&cose_bytes(v)?, &Limits::DEFAULT).ok()
}

fn check_decode(v: &Value) -> bool {
    let Some(cose) = cose_bytes(v) else {
        return false;
    };
    let Ok(d) = wallet_format::decode_cose(&cose, &Limits::DEFAULT) else {
        return false;
    };
    let json_ok = v.get("JSON").is_none_or(|j| json_equiv(d.dcc_json(), j));
    // `CBOR` holds either the whole CWT claims map (the COSE payload) or only the DCC map.
    let cbor_ok = match text(v, "CBOR") {
        None => true,
        Some(h) => match hex::decode(h.trim()) {
            Ok(bytes) if bytes.as_slice() == d.cose.payload() => true,
            Ok(bytes) => wallet_format::cbor::parse(&bytes, &Limits::DEFAULT)
                .map(|c| json_equiv(&wallet_format::cbor::to_json(&c), d.dcc_json()))
                .unwrap_or(false),
            Err(_) => false,
        },
    };
    json_ok && cbor_ok
}

fn check_schema(v: &Value) -> bool {
    decoded(v).is_some_and(|d| schema::validate(d.dcc_json()).is_ok())
}

fn certificate_der(v: &Value) -> Option<Vec<u8>> {
    let b64 = v.get("TESTCTX")?.get("CERTIFICATE")?.as_str()?;
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
}

fn check_verify(v: &Value) -> bool {
    let Some(d) = decoded(v) else {
        return false;
    };
    let Some(der) = certificate_der(v) else {
        return false;
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(&der) else {
        return false;
    };
    let Ok(key) = PublicKey::from_spki_der_any(cert.tbs_certificate.subject_pki.raw) else {
        return false;
    };
    d.kid() == Kid::from_der(&der) && d.verify_signature(&key).is_ok()
}

fn picture(v: &Value) -> Option<&str> {
    text(v, "2DCODE").or_else(|| text(v, "_2DCODE"))
}

fn check_picture(v: &Value) -> bool {
    let Some(b64) = picture(v) else {
        return false;
    };
    let Ok(png) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
        return false;
    };
    let Some(prefix) = text(v, "PREFIX") else {
        return false;
    };
    qr::decode_image(&png, &Limits::DEFAULT).is_ok_and(|texts| texts.iter().any(|t| t == prefix))
}

fn verdict(v: &Value, flag: &str) -> bool {
    match flag {
        "EXPECTEDUNPREFIX" => check_unprefix(v),
        "EXPECTEDB45DECODE" => check_b45(v),
        "EXPECTEDCOMPRESSION" => check_compression(v),
        "EXPECTEDDECODE" => check_decode(v),
        "EXPECTEDPICTUREDECODE" => check_picture(v),
        "EXPECTEDSCHEMAVALIDATION" => check_schema(v),
        "EXPECTEDVERIFY" => check_verify(v),
        _ => unreachable!("unknown flag {flag}"),
    }
}

#[test]
fn every_dgc_testdata_vector_matches_our_documented_verdict_flag_by_flag() {
    let root = common::shared_dir().join("conformance/dgc-testdata");
    let vectors = load_vectors(&root);
    assert!(
        vectors.len() >= 400,
        "expected the 430 dgc-testdata vectors, found {}",
        vectors.len()
    );

    // (vector index, flag, expected) for every flag a vector carries.
    // A picture flag on a vector without a picture (IE 1-4, common/B1) cannot be checked.
    let mut jobs: Vec<(usize, &str, bool)> = Vec::new();
    let mut no_picture = Vec::new();
    for (i, vector) in vectors.iter().enumerate() {
        let expected = vector
            .data
            .get("EXPECTEDRESULTS")
            .and_then(Value::as_object);
        for flag in FLAGS {
            if let Some(want) = expected.and_then(|e| e.get(flag)).and_then(Value::as_bool) {
                if flag == "EXPECTEDPICTUREDECODE" && picture(&vector.data).is_none() {
                    no_picture.push(vector.id.clone());
                    continue;
                }
                jobs.push((i, flag, want));
            }
        }
    }
    let schema_deviations = schema_deviations();
    let mut schema_deviations_used = vec![false; schema_deviations.len()];
    // Picture decoding dominates (~35 ms per image): spread all checks over the cores.
    let results = common::parallel_map(&jobs, |(i, flag, _)| verdict(&vectors[*i].data, flag));

    let mut failures = Vec::new();
    let mut per_flag: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut deviations_used = vec![false; DEVIATIONS.len()];
    for ((i, flag, expected), ours) in jobs.iter().zip(&results) {
        let id = &vectors[*i].id;
        let deviation = DEVIATIONS
            .iter()
            .position(|(d_id, d_flag, _, _)| d_id == id && d_flag == flag);
        let schema_deviation = (*flag == "EXPECTEDSCHEMAVALIDATION")
            .then(|| schema_deviations.iter().position(|(d_id, _)| d_id == id))
            .flatten();
        let want = match (deviation, schema_deviation) {
            (_, Some(k)) => {
                schema_deviations_used[k] = true;
                assert_ne!(
                    schema_deviations[k].1, *expected,
                    "{id}: schema deviation agrees with the vector; remove it"
                );
                schema_deviations[k].1
            }
            (Some(k), None) => {
                deviations_used[k] = true;
                assert_ne!(
                    DEVIATIONS[k].2, *expected,
                    "{id} {flag}: deviation entry agrees with the vector; remove it"
                );
                DEVIATIONS[k].2
            }
            (None, None) => *expected,
        };
        let slot = per_flag.entry(flag).or_default();
        slot.0 += 1;
        if *ours == want {
            slot.1 += 1;
        } else {
            failures.push(format!(
                "{id} {flag}: vector says {expected}, we say {ours}"
            ));
        }
    }
    for (k, used) in deviations_used.iter().enumerate() {
        assert!(
            used,
            "deviation {:?} matches no vector flag",
            DEVIATIONS[k].0
        );
    }

    for (k, used) in schema_deviations_used.iter().enumerate() {
        assert!(
            used,
            "schema deviation {} matches no vector",
            schema_deviations[k].0
        );
    }

    eprintln!(
        "dgc-testdata: {} vectors, {} flags checked ({} + {} documented deviations); \
         {} picture flags without a picture in the vector not checkable: {}",
        vectors.len(),
        jobs.len(),
        DEVIATIONS.len(),
        schema_deviations.len(),
        no_picture.len(),
        no_picture.join(", ")
    );
    for (flag, (n, ok)) in &per_flag {
        eprintln!("  {flag:<26} {ok}/{n}");
    }
    assert!(
        failures.is_empty(),
        "{} flag(s) differ from our documented verdicts:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
