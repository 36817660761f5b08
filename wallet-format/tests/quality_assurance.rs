//! Every PNG in shared/conformance/dcc-quality-assurance (real production-shaped passes from 40
//! countries, Vietnam's included) decodes from the image to a DCC payload.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use wallet_format::{qr, Limits};

#[test]
fn every_quality_assurance_png_decodes_from_image_to_payload() {
    let root = common::shared_dir().join("conformance/dcc-quality-assurance");
    let pngs = common::files_with_suffix(&root, ".png");
    assert!(
        pngs.len() >= 180,
        "expected the 187 QA images, found {}",
        pngs.len()
    );
    let results = common::parallel_map(&pngs, |path| {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let texts = qr::decode_image(&bytes, &Limits::DEFAULT).map_err(|e| e.code().to_string())?;
        // A payload from any code in the image counts; keep the first that decodes.
        let mut last_error = String::from("no HC1 text");
        for text in texts.iter().filter(|t| t.starts_with("HC1:")) {
            match wallet_format::decode(text, &Limits::DEFAULT) {
                Ok(d) => return Ok((d, text.len())),
                Err(e) => last_error = e.code().to_string(),
            }
        }
        Err(last_error)
    });

    let mut failures = Vec::new();
    let mut per_alg = std::collections::BTreeMap::new();
    let mut vietnam = None;
    for (path, result) in pngs.iter().zip(&results) {
        let rel = path.strip_prefix(&root).unwrap().display().to_string();
        match result {
            Ok((d, len)) => {
                assert!(
                    d.claims.dcc.certificate_type().is_some(),
                    "{rel}: no single certificate group"
                );
                *per_alg.entry(d.algorithm().name()).or_insert(0usize) += 1;
                if rel.starts_with("VN/") {
                    vietnam = Some((d.algorithm(), *len, d.signature().len()));
                }
            }
            Err(code) => failures.push(format!("{rel}: {code}")),
        }
    }
    eprintln!(
        "dcc-quality-assurance: {} of {} PNG images decoded to a payload; by algorithm {:?}",
        pngs.len() - failures.len(),
        pngs.len(),
        per_alg
    );
    assert!(failures.is_empty(), "not decoded:\n{}", failures.join("\n"));
    let (alg, len, sig_len) = vietnam.expect("the Vietnamese pass VN/1.3.0/VAC_VN.png");
    eprintln!("  VN/1.3.0/VAC_VN.png: {alg}, {len} chars, {sig_len}-byte signature");
    assert_eq!(alg, wallet_format::Algorithm::Ps256);
    assert_eq!(sig_len, 256, "RSA-2048");
}
