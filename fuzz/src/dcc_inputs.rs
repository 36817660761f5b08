//! The bodies of the wire-format, trust-list, verifier and CertLogic fuzz targets, as plain
//! functions: the cargo-fuzz targets (`fuzz_targets/<name>.rs`) call them, and so does the
//! stable replay test `tests/replay.rs`, which feeds them every file of `seeds/<target>/` and
//! `regressions/<target>/` (fuzz/README.md, "Replay"). Each function's doc says what it covers.

// The verifier binary's output module (JSON Lines and human lines), compiled in for
// `verify_text`: the verifier library no longer exports its command line (spec/verifier.md,
// "Layout").
#[allow(dead_code)]
#[path = "../../verifier/src/bin/vaxcert-verify/output.rs"]
mod verify_output;

pub use decode_text_impl::decode_text;

mod decode_text_impl {
    use wallet_format::{decode, Limits};
    fn check(path: &str, text: &str) {
        let result = decode(text, &Limits::DEFAULT);
        if crate::debug() {
            eprintln!(
                "{path}: {:?}",
                result.as_ref().map(|_| ()).map_err(|e| e.code())
            );
        }
        if let Ok(decoded) = result {
            // The lazy views of a decoded pass must not panic either.
            let _ = decoded.dcc_json();
            let _ = decoded.claims.dcc.certificate_type();
            let _ = decoded.claims.dcc.uvci();
            let _ = decoded.kid().to_base64();
        }
    }

    /// `HC1:` text decoding (prefix, base45, zlib, COSE, CWT, payload) on arbitrary input. The
    /// bytes are tried three ways: as (lossy UTF-8) text, as `HC1:` + base45(bytes) (reaches zlib),
    /// and as `HC1:` + base45(zlib(bytes)) (reaches COSE/CWT parsing directly).
    pub fn decode_text(data: &[u8]) {
        check("text", &String::from_utf8_lossy(data));
        check("hc1(bytes)", &crate::hc1(data));
        check("hc1(zlib(bytes))", &crate::hc1(&crate::zlib(data)));
    }
}

pub use decode_cose_impl::decode_cose;

mod decode_cose_impl {
    use wallet_format::Limits;

    /// COSE_Sign1 + CWT + DCC payload parsing on arbitrary bytes (the raw, uncompressed transport).
    pub fn decode_cose(data: &[u8]) {
        if let Ok(decoded) = wallet_format::decode_cose(data, &Limits::DEFAULT) {
            let _ = decoded.dcc_json();
            let _ = decoded.cose.to_be_signed();
            // A signature check with a real key must fail cleanly, never panic.
            let _ = decoded.verify_signature(&crate::fixtures().dsc_public);
        }
    }
}

pub use verify_text_impl::verify_text;

mod verify_text_impl {
    use super::verify_output as output;
    use verifier::verify;
    use wallet_format::{cose, Encoder, Limits};

    /// The whole offline verification (`verifier::verify`) on arbitrary text, with a trust context
    /// holding one real DSC and the shipped `venue` policy, then the JSON and human output. Text
    /// that decodes is also re-signed with the fixture DSC and verified again: with its CWT payload
    /// bytes as received, at a clock taken from its `iat` (key usage, time, schema), and with
    /// `iat`/`exp` moved around a 2024 clock inside the VN rules' validity (CertLogic rules). The
    /// verdict must never panic, whatever the input.
    pub fn verify_text(data: &[u8]) {
        let f = crate::fixtures();
        let text = String::from_utf8_lossy(data);
        crate::with_venue_policy(|policy| {
            let clock = time::OffsetDateTime::from_unix_timestamp(crate::CLOCK)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            let verdict = verify(&text, &f.ctx, policy, clock);
            let _ = output::json_line(&verdict);

            // Re-sign what decoded, so the payload reaches the checks behind the signature: once
            // as received (clock from its iat: key usage, time, schema), once with iat/exp moved
            // around the fixed clock (inside the rules' validity: CertLogic evaluation).
            let Ok(decoded) = wallet_format::decode(&text, &Limits::DEFAULT) else {
                return;
            };
            let payload = decoded.cose.payload();
            let at_clock =
                crate::with_times(payload, crate::CLOCK - 3_600, crate::CLOCK + 30 * 86_400);
            let runs = [
                (
                    Some(payload.to_vec()),
                    crate::clock_for(decoded.claims.iat, decoded.claims.exp),
                ),
                (at_clock, clock),
            ];
            for (payload, clock) in runs {
                let Some(payload) = payload else { continue };
                let Ok(signed) = cose::sign(payload, &f.dsc_signer) else {
                    continue;
                };
                let Ok(resigned) = Encoder::new().wrap(&signed) else {
                    continue;
                };
                let verdict = verify(&resigned, &f.ctx, policy, clock);
                let line = output::json_line(&verdict);
                if crate::debug() {
                    eprintln!("re-signed: {line}");
                }
                let _ = output::human_lines(&verdict, false);
            }
        });
    }
}

pub use trust_list_load_impl::trust_list_load;

mod trust_list_load_impl {
    use trust_list::list::{verify_trust_list, TrustList, VerifyOptions};
    use trust_list::rules::{verify_rule_set, SignedRuleSet};
    use trust_list::{envelope, inspect, Dsc, Limits, ListKind, TrustState, TrustStore};

    /// Signed trust lists and signed rule sets on arbitrary bytes: the whole staged verification
    /// (`verify_trust_list`, `verify_rule_set`) against a real anchor, the payload decoders
    /// (`TrustList::from_cbor` + `to_keys`, `SignedRuleSet::from_cbor`), the certificate reader
    /// (`Dsc::from_any`) and `inspect`. A payload that decodes is also signed with the fixture
    /// list signer and verified, so the stages after the signature (signer time, rollback,
    /// expiry, next_anchor, entry keys, trust store) are reached.
    pub fn trust_list_load(data: &[u8]) {
        let f = crate::fixtures();
        let limits = Limits::DEFAULT;
        let opts = VerifyOptions::new(crate::CLOCK, 86_400);

        // As a whole signed file.
        let _ = verify_trust_list(data, &f.anchor, &mut TrustState::default(), &opts);
        let _ = verify_rule_set(data, &f.anchor, &mut TrustState::default(), &opts);
        let _ = inspect::inspect(data, Some(f.anchor.der()), crate::CLOCK, 86_400);
        let _ = Dsc::from_any(data);

        // As a payload, then signed with the fixture list signer.
        if let Ok(list) = TrustList::from_cbor(data, &limits) {
            let _ = list.to_keys();
            if let Ok(signed) = envelope::sign(
                data.to_vec(),
                &f.list_signer_key,
                &crate::list_chain(),
                trust_list::list::CONTENT_TYPE,
                ListKind::TrustList,
            ) {
                let opts = VerifyOptions::new(list.issued_at, 86_400);
                let result =
                    verify_trust_list(&signed, &f.anchor, &mut TrustState::default(), &opts);
                if crate::debug() {
                    eprintln!(
                        "signed list: {:?}",
                        result.as_ref().map(|v| v.keys.len()).map_err(|e| e.code())
                    );
                }
                if let Ok(verified) = result {
                    let mut store = TrustStore::new();
                    store.add_signed_list(&verified);
                    for e in &verified.list.entries {
                        let _ = store.candidates(&e.kid);
                    }
                }
                let _ = inspect::inspect(&signed, Some(f.anchor.der()), list.issued_at, 86_400);
            }
        }
        if let Ok(rules) = SignedRuleSet::from_cbor(data, &limits) {
            if let Ok(signed) = envelope::sign(
                data.to_vec(),
                &f.list_signer_key,
                &crate::list_chain(),
                trust_list::rules::CONTENT_TYPE,
                ListKind::RuleSet,
            ) {
                let opts = VerifyOptions::new(rules.issued_at, 86_400);
                let result = verify_rule_set(&signed, &f.anchor, &mut TrustState::default(), &opts);
                if crate::debug() {
                    eprintln!(
                        "signed rule set: {:?}",
                        result.map(|_| ()).map_err(|e| e.code())
                    );
                }
            }
        }
    }
}

pub use revocation_load_impl::revocation_load;

mod revocation_load_impl {
    use trust_list::list::VerifyOptions;
    use trust_list::revocation::{verify_revocation, RevocationPayload, CONTENT_TYPE};
    use trust_list::{envelope, HashType, Limits, ListKind, RevocationList, TrustState};
    use wallet_format::Kid;
    fn exercise(payload: &RevocationPayload) {
        match payload {
            RevocationPayload::Full(list) => {
                let mut list = list.clone();
                for g in list.groups().cloned().collect::<Vec<_>>() {
                    if let Some(h) = g.hashes.as_slice().first() {
                        assert_eq!(
                            list.is_revoked(&g.kid, &[(g.hash_type, *h)]),
                            Some(g.hash_type)
                        );
                    }
                }
                let _ = list.is_revoked(&Kid([0; 8]), &[(HashType::Uci, [0; 16])]);
                let _ = list.heap_bytes();
                let _ = list.to_cbor();
                list.prune_expired(crate::CLOCK);
            }
            RevocationPayload::Delta(delta) => {
                let mut base = RevocationList::new(delta.base_sequence, 0, 0);
                for g in &delta.removed {
                    base.add(g.kid, g.hash_type, g.expires, g.hashes.as_slice().to_vec());
                }
                let _ = base.apply_delta(delta);
                let _ = delta.to_cbor();
            }
        }
    }

    /// Signed revocation lists and deltas on arbitrary bytes: `verify_revocation` against a real
    /// anchor, the payload decoder (`RevocationPayload::from_cbor`), lookups, pruning and delta
    /// application. A payload that decodes is also signed with the fixture list signer and
    /// verified, so the stages after the signature are reached.
    pub fn revocation_load(data: &[u8]) {
        let f = crate::fixtures();
        let limits = Limits::DEFAULT;
        let opts = VerifyOptions::new(crate::CLOCK, 86_400);

        let _ = verify_revocation(data, &f.anchor, &mut TrustState::default(), &opts);

        if let Ok(payload) = RevocationPayload::from_cbor(data, &limits) {
            exercise(&payload);
            let (_, issued_at, _) = payload.header();
            if let Ok(signed) = envelope::sign(
                data.to_vec(),
                &f.list_signer_key,
                &crate::list_chain(),
                CONTENT_TYPE,
                ListKind::RevocationList,
            ) {
                let opts = VerifyOptions::new(issued_at, 86_400);
                let result =
                    verify_revocation(&signed, &f.anchor, &mut TrustState::default(), &opts);
                if crate::debug() {
                    eprintln!(
                        "signed revocation: {:?}",
                        result.map(|_| ()).map_err(|e| e.code())
                    );
                }
            }
        }
    }
}

pub use gateway_import_impl::gateway_import;

mod gateway_import_impl {
    use trust_list::{gateway, Limits, TrustStore};

    /// EU-gateway JSON trust lists on arbitrary bytes: `gateway::import`, adding the result to a
    /// trust store, and exporting the accepted certificates again.
    pub fn gateway_import(data: &[u8]) {
        let result = gateway::import(data, &Limits::DEFAULT);
        if crate::debug() {
            eprintln!(
                "import: {:?}",
                result.as_ref().map(|i| i.summary()).map_err(|e| e.code())
            );
        }
        if let Ok(import) = result {
            let mut store = TrustStore::new();
            store.add_gateway(&import);
            for d in &import.dscs {
                assert!(!store.candidates(&d.kid()).is_empty());
            }
            let _ = gateway::export(&import.dscs, &import.cscas, "VN", crate::CLOCK);
        }
    }
}

pub use certlogic_eval_impl::certlogic_eval;

mod certlogic_eval_impl {

    /// CertLogic on arbitrary input: the bytes are split at the first NUL into (rule JSON, data
    /// JSON) (no NUL: data `{}`). Covered: what the rule-author command does (bare expression or
    /// rule document, validated then evaluated), `validate`, and loading the text as a rule set and
    /// evaluating it over the data as a DCC payload. Must not panic or recurse unboundedly.
    pub fn certlogic_eval(data: &[u8]) {
        let (rule, payload) = match data.iter().position(|b| *b == 0) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &b"{}"[..]),
        };
        let rule = String::from_utf8_lossy(rule);
        let payload = String::from_utf8_lossy(payload);

        // What `vaxcert-verify certlogic` does: bounded parse, take a rule's Logic, evaluate.
        let limits = certlogic::Limits::DEFAULT;
        if let (Ok(expr), Ok(data)) = (
            certlogic::parse_json(&rule, &limits),
            certlogic::parse_json(&payload, &limits),
        ) {
            let logic = expr.get("Logic").unwrap_or(&expr);
            let _ = certlogic::evaluate_with_limits(logic, &data, &limits);
        }
        if let Ok(expr) = serde_json::from_str::<serde_json::Value>(&rule) {
            let _ = certlogic::validate(&expr);
        }
        if let Ok(rules) = certlogic::RuleSet::from_json(&rule) {
            let _ = rules.to_bytes();
            if let Ok(payload) = serde_json::from_str::<serde_json::Value>(&payload) {
                let clock = chrono::DateTime::from_timestamp(crate::CLOCK, 0).unwrap_or_default();
                let external = certlogic::ExternalParameters::new(clock);
                let _ = rules.evaluate_payload(&payload, &external);
            }
        }
    }
}

pub use qr_image_impl::qr_image;

mod qr_image_impl {
    use wallet_format::{qr, Limits};

    /// QR image decoding on arbitrary bytes: `qr::decode_image` (PNG/JPEG sniffing, size checks,
    /// image decoding, every rqrr attempt), and `qr::decode_gray` on the bytes read as a raw
    /// greyscale bitmap (first byte + 1 = width, the rest the pixels, row by row), which reaches
    /// rqrr's detector directly: PNG chunks carry CRCs that random mutations rarely keep valid.
    ///
    /// `decode_image` contains panics of the third-party QR decoder (rqrr) with `catch_unwind`;
    /// libfuzzer-sys's panic hook aborts on *any* panic, caught or not, so the cargo-fuzz target
    /// (`fuzz_targets/qr_image.rs`) installs a hook that stays quiet for panics raised inside
    /// rqrr (they are contained by design) and aborts on every other one.
    pub fn qr_image(data: &[u8]) {
        let _ = qr::decode_image(data, &Limits::DEFAULT);
        if let Some((w, pixels)) = data.split_first() {
            let w = u32::from(*w) + 1;
            let h = u32::try_from(pixels.len()).unwrap_or(u32::MAX) / w;
            let used = usize::try_from(w * h).unwrap_or(0);
            if h > 0 {
                if let Some(gray) = image::GrayImage::from_raw(w, h, pixels[..used].to_vec()) {
                    let _ = qr::decode_gray(&gray);
                }
            }
        }
    }
}
