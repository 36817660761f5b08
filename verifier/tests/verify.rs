//! Behaviour of the verifier library: every error code, every row of the status table, the
//! check order, the policies at the edges of their windows, QR images and CANNOT_CHECK.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use common::*;
use trust_list::list::{verify_trust_list, TrustList, TrustListEntry, VerifyOptions};
use trust_list::revocation::revocation_hashes;
use trust_list::{HashType, RevocationList, TrustState, TrustStore};
use verifier::{
    verify, verify_image, Check, Colour, Outcome, Policy, RevocationData, Status, TrustContext,
};
use wallet_format::qr::{self, RenderOptions};
use wallet_format::{Algorithm, CertificateType, Kid, SoftwareKey, VaccinationStatus};

fn none() -> Policy {
    Policy::none()
}

#[test]
fn status_follows_the_products_primary_series() {
    let p = pki(Algorithm::Es256);
    let ctx = ctx_with(&[&p.dsc]);
    let s = p.dsc.signer().unwrap();
    for (mp, dn, want) in [
        ("EU/1/20/1525", 2, VaccinationStatus::Booster), // Jcovden: one-dose primary
        ("Abdala", 3, VaccinationStatus::Complete),      // three-dose primary
        ("Abdala", 4, VaccinationStatus::Booster),
        ("EU/1/20/1528", 1, VaccinationStatus::Complete), // one dose after recovery
    ] {
        let mut dcc = vaccination(dn, dn, NOW - 30 * DAY);
        if let Some(v) = dcc.v.as_mut().and_then(|v| v.first_mut()) {
            v.mp = mp.into();
        }
        let v = verify(&sign(&claims(dcc), &s), &ctx, &none(), at(NOW));
        assert_eq!(v.outcome, Outcome::Valid, "{mp} {dn}/{dn}: {:?}", v.reason);
        assert_eq!(v.status, Some(Status::Vaccination(want)), "{mp} {dn}/{dn}");
    }
}

#[test]
fn status_table_rows_and_colours() {
    let p = pki(Algorithm::Es256);
    let ctx = ctx_with(&[&p.dsc]);
    let s = p.dsc.signer().unwrap();
    let cases = [
        (
            vaccination(1, 2, NOW - 30 * DAY),
            Status::Vaccination(VaccinationStatus::Partial),
            Colour::Yellow,
        ),
        (
            vaccination(2, 2, NOW - 30 * DAY),
            Status::Vaccination(VaccinationStatus::Complete),
            Colour::Blue,
        ),
        (
            vaccination(1, 1, NOW - 30 * DAY),
            Status::Vaccination(VaccinationStatus::Complete),
            Colour::Blue,
        ),
        (
            vaccination(3, 3, NOW - 30 * DAY),
            Status::Vaccination(VaccinationStatus::Booster),
            Colour::Blue,
        ),
        (
            vaccination(3, 2, NOW - 30 * DAY),
            Status::Vaccination(VaccinationStatus::Booster),
            Colour::Blue,
        ),
        (
            vaccination(2, 1, NOW - 30 * DAY),
            Status::Vaccination(VaccinationStatus::Booster),
            Colour::Blue,
        ),
        (
            test(RAT, NEGATIVE, NOW - HOUR),
            Status::Tested,
            Colour::Green,
        ),
        (
            recovery(NOW - 30 * DAY, NOW - 19 * DAY, NOW + 150 * DAY),
            Status::Recovered,
            Colour::Green,
        ),
    ];
    for (dcc, status, colour) in cases {
        let v = verify(
            &sign(&claims(dcc.clone()), &s),
            &ctx,
            &Policy::venue().unwrap(),
            at(NOW),
        );
        assert_eq!(v.outcome, Outcome::Valid, "{dcc:?}: {:?}", v.reason);
        assert_eq!(v.status, Some(status));
        assert_eq!(v.colour(), colour);
    }
    // Any INVALID is red with no status.
    let bad = verify("HC2:XYZ", &ctx, &none(), at(NOW));
    assert_eq!((bad.colour(), bad.status), (Colour::Red, None));
}

#[test]
fn valid_verdict_carries_the_holder_view() {
    let p = pki(Algorithm::Es256);
    let ctx = ctx_with(&[&p.dsc]);
    let text = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &p.dsc.signer().unwrap(),
    );
    let v = verify(&text, &ctx, &none(), at(NOW));
    assert!(v.is_valid() && v.signature_verified);
    let h = v.holder.unwrap();
    assert_eq!(h.family_name_t.as_deref(), Some("NGUYEN"));
    assert_eq!(h.dob, "1990-01-01");
    assert_eq!(v.dose.map(|d| (d.n, d.of)), Some((2, 2)));
    assert_eq!(v.kid, Some(p.dsc.cert().unwrap().kid()));
    assert_eq!(v.algorithm, Some(Algorithm::Es256));
    assert_eq!(v.issuer.as_deref(), Some("VN"));
    assert!(v.uvci.unwrap().starts_with("URN:UVCI:01:VN:"));
    assert_eq!(v.certificate_type, Some(CertificateType::Vaccination));
}

fn code_of(text: &str, ctx: &TrustContext, policy: &Policy, clock: i64) -> (Outcome, String) {
    let v = verify(text, ctx, policy, at(clock));
    (v.outcome, v.code().to_string())
}

#[test]
fn rejects_with_the_code_of_each_failed_check() {
    let p = pki(Algorithm::Es256);
    let ctx = ctx_with(&[&p.dsc]);
    let s = p.dsc.signer().unwrap();
    let good = claims(vaccination(2, 2, NOW - 30 * DAY));
    let inv = |c: &str| (Outcome::Invalid, c.to_string());

    assert_eq!(
        code_of("HC2:ABC", &ctx, &none(), NOW),
        inv("PREFIX_INVALID")
    );
    assert_eq!(
        code_of("garbage", &ctx, &none(), NOW),
        inv("PREFIX_INVALID")
    );
    assert_eq!(
        code_of("HC1:a=b", &ctx, &none(), NOW),
        inv("BASE45_INVALID")
    );
    assert_eq!(
        code_of("HC1:000", &ctx, &none(), NOW),
        inv("DECOMPRESSION_FAILED")
    );

    // A key nobody trusts.
    let other = dsc(&p.csca, Algorithm::Es256, NOW - DAY, NOW + DAY, &[]);
    let text = sign(&good, &other.signer().unwrap());
    assert_eq!(
        code_of(&text, &ctx, &none(), NOW),
        inv("KEY_NOT_IN_TRUST_LIST")
    );

    // Right kid, wrong key: no fallback to other keys, the signature fails.
    let kid = p.dsc.cert().unwrap().kid();
    let forger = SoftwareKey::generate(Algorithm::Es256)
        .unwrap()
        .into_signer(kid);
    assert_eq!(
        code_of(&sign(&good, &forger), &ctx, &none(), NOW),
        inv("SIGNATURE_INVALID")
    );
    let rsa = SoftwareKey::generate(Algorithm::Ps256)
        .unwrap()
        .into_signer(kid);
    assert_eq!(
        code_of(&sign(&good, &rsa), &ctx, &none(), NOW),
        inv("ALGORITHM_KEY_MISMATCH")
    );

    // Key usage: a vaccination-only DSC signing a test.
    let vonly = dsc(
        &p.csca,
        Algorithm::Es256,
        NOW - DAY,
        NOW + DAY,
        &[CertificateType::Vaccination],
    );
    let ctx_v = ctx_with(&[&vonly]);
    let t = sign(
        &claims(test(RAT, NEGATIVE, NOW - HOUR)),
        &vonly.signer().unwrap(),
    );
    assert_eq!(code_of(&t, &ctx_v, &none(), NOW), inv("KEY_USAGE_MISMATCH"));

    // Time: each inequality of notBefore ≤ iat ≤ clock ≤ exp ≤ notAfter.
    let mut c = good.clone();
    c.exp = Some(NOW - 1);
    assert_eq!(
        code_of(&sign(&c, &s), &ctx, &none(), NOW),
        inv("CERT_EXPIRED")
    );
    c = good.clone();
    c.iat = Some(NOW + 60);
    assert_eq!(
        code_of(&sign(&c, &s), &ctx, &none(), NOW),
        inv("CERT_NOT_YET_VALID")
    );
    c = good.clone();
    c.iat = Some(NOW - 400 * DAY);
    assert_eq!(
        code_of(&sign(&c, &s), &ctx, &none(), NOW),
        inv("DSC_NOT_YET_VALID")
    );
    c = good.clone();
    c.exp = Some(NOW + 400 * DAY);
    assert_eq!(
        code_of(&sign(&c, &s), &ctx, &none(), NOW),
        inv("DSC_EXPIRED")
    );
    c = good.clone();
    c.exp = None;
    assert_eq!(
        code_of(&sign(&c, &s), &ctx, &none(), NOW),
        inv("CERT_TIME_MISSING")
    );

    // Schema (venue): a dob that is not a date.
    let mut bad = good.clone();
    bad.dcc.dob = "01/01/1990".into();
    let v = verify(&sign(&bad, &s), &ctx, &Policy::venue().unwrap(), at(NOW));
    assert_eq!(
        (v.outcome, v.code(), v.failed_check),
        (Outcome::Invalid, "SCHEMA_INVALID", Some(Check::Schema))
    );
    // ...which `none` does not check.
    assert_eq!(
        code_of(&sign(&bad, &s), &ctx, &none(), NOW),
        (Outcome::Valid, "OK".into())
    );

    // Rules: a positive test fails venue with the rule listed in both languages.
    let pos = sign(&claims(test(NAAT, POSITIVE, NOW - HOUR)), &s);
    let v = verify(&pos, &ctx, &Policy::venue().unwrap(), at(NOW));
    assert_eq!(v.code(), "RULES_FAILED");
    assert_eq!(
        v.failed_rules
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["TR-VN-0001"]
    );
    assert!(v.failed_rules[0]
        .description_vi
        .as_deref()
        .unwrap()
        .contains("âm tính"));
    assert!(v.failed_rules[0]
        .description_en
        .as_deref()
        .unwrap()
        .contains("negative"));
    // A VALID positive test under `none` is red with no status.
    let v = verify(&pos, &ctx, &none(), at(NOW));
    assert_eq!(
        (v.outcome, v.status, v.colour()),
        (Outcome::Valid, None, Colour::Red)
    );

    // No rule in force before the shipped rules' ValidFrom: fail closed.
    let early = NOW - 200 * DAY;
    let mut e = claims(vaccination(2, 2, early - 30 * DAY));
    e.iat = Some(early - DAY);
    e.exp = Some(early + DAY);
    assert_eq!(
        code_of(&sign(&e, &s), &ctx, &Policy::venue().unwrap(), early),
        inv("RULES_NOT_APPLICABLE")
    );
}

#[test]
fn checks_run_in_order_decode_trust_signature_keyusage_time_revocation() {
    let p = pki(Algorithm::Es256);
    let vonly = dsc(
        &p.csca,
        Algorithm::Es256,
        NOW - DAY,
        NOW + DAY,
        &[CertificateType::Vaccination],
    );
    let ctx = ctx_with(&[&vonly]);
    // Wrong type AND expired: key usage comes first.
    let mut c = claims(test(RAT, NEGATIVE, NOW - HOUR));
    c.exp = Some(NOW - 10);
    let v = verify(&sign(&c, &vonly.signer().unwrap()), &ctx, &none(), at(NOW));
    assert_eq!(
        (v.code(), v.failed_check),
        ("KEY_USAGE_MISMATCH", Some(Check::KeyUsage))
    );
    // Names are kept in the verdict but the signature flag says whether they may be shown.
    assert!(v.signature_verified);
    let forged = SoftwareKey::generate(Algorithm::Es256)
        .unwrap()
        .into_signer(vonly.cert().unwrap().kid());
    let v = verify(&sign(&c, &forged), &ctx, &none(), at(NOW));
    assert!(!v.signature_verified);
    // The binary then prints no name: verifier/tests/cli.rs
    // `human_line_of_a_forged_signature_shows_no_name`.
}

#[test]
fn tries_every_dsc_sharing_a_kid() {
    // Two trusted keys under one kid (a truncated-hash collision, simulated with a signed
    // list whose entries name their kid explicitly is not possible here, so use the store's
    // multimap through two gateway-free DSCs): the second key verifies.
    let p = pki(Algorithm::Es256);
    let text = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &p.dsc.signer().unwrap(),
    );
    let other = dsc(&p.csca, Algorithm::Es256, NOW - DAY, NOW + DAY, &[]);
    let ctx = ctx_with(&[&other, &p.dsc]);
    assert!(verify(&text, &ctx, &none(), at(NOW)).is_valid());
}

#[test]
fn revoked_by_every_hash_type() {
    let p = pki(Algorithm::Es256);
    let s = p.dsc.signer().unwrap();
    let text = sign(&claims(vaccination(2, 2, NOW - 30 * DAY)), &s);
    let decoded = wallet_format::decode(&text, &Default::default()).unwrap();
    let hashes = revocation_hashes(
        decoded.claims.dcc.uvci(),
        decoded.claims.iss.as_deref(),
        decoded.algorithm(),
        decoded.signature(),
    );
    let kid: Kid = decoded.kid();
    for t in [HashType::Uci, HashType::CountryCodeUci, HashType::Signature] {
        let h = hashes.iter().find(|(ht, _)| *ht == t).unwrap().1;
        let mut list = RevocationList::new(1, NOW - DAY, NOW + DAY);
        list.add(kid, t, NOW + 100 * DAY, vec![h]);
        let mut ctx = ctx_with(&[&p.dsc]);
        ctx.revocation = RevocationData::Loaded(list);
        let v = verify(&text, &ctx, &none(), at(NOW));
        assert_eq!(
            (v.outcome, v.code()),
            (Outcome::Invalid, "REVOKED"),
            "{t:?}"
        );
        // Stale beyond grace: cannot check.
        let v = verify(&text, &ctx, &none(), at(NOW + 2 * DAY));
        assert_eq!(
            (v.outcome, v.code()),
            (Outcome::CannotCheck, "REVOCATION_LIST_EXPIRED")
        );
    }
}

#[test]
fn cannot_check_without_trust_data_or_beyond_grace() {
    let p = pki(Algorithm::Es256);
    let text = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &p.dsc.signer().unwrap(),
    );
    let v = verify(&text, &TrustContext::missing(), &none(), at(NOW));
    assert_eq!(
        (v.outcome, v.code()),
        (Outcome::CannotCheck, "TRUST_LIST_MISSING")
    );
    assert_eq!(v.colour(), Colour::Red);
    // A malformed pass is still INVALID without trust data.
    let v = verify("HC2:1", &TrustContext::missing(), &none(), at(NOW));
    assert_eq!(v.outcome, Outcome::Invalid);

    // A signed list valid for a week, grace one day.
    let signer_spec = trust_list::pki::CertSpec::new("VN", "VN TL", NOW - DAY, NOW + 365 * DAY);
    let tl =
        trust_list::pki::generate_list_signer(&p.csca, Algorithm::Es256, &signer_spec).unwrap();
    let list = TrustList {
        sequence: 1,
        issued_at: NOW - HOUR,
        valid_until: NOW + 7 * DAY,
        entries: vec![TrustListEntry::from_dsc(&p.dsc.cert().unwrap(), "VN")],
        ..Default::default()
    };
    let signed = list
        .sign(&tl.signer().unwrap(), std::slice::from_ref(&tl.cert_der))
        .unwrap();
    let mut state = TrustState::default();
    let verified = verify_trust_list(
        &signed,
        &p.csca.cert().unwrap(),
        &mut state,
        &VerifyOptions::new(NOW, DAY),
    )
    .unwrap();
    let mut store = TrustStore::new();
    store.add_signed_list(&verified);
    let mut ctx = TrustContext::new(store);
    ctx.grace = DAY;
    let mut c = claims(vaccination(2, 2, NOW - 30 * DAY));
    c.exp = Some(NOW + 60 * DAY);
    let text = sign(&c, &p.dsc.signer().unwrap());
    assert!(
        verify(&text, &ctx, &none(), at(NOW + 7 * DAY + DAY)).is_valid(),
        "stale within grace"
    );
    let v = verify(&text, &ctx, &none(), at(NOW + 8 * DAY + 1));
    assert_eq!(
        (v.outcome, v.code()),
        (Outcome::CannotCheck, "TRUST_LIST_EXPIRED")
    );
}

/// (dcc, clock, expected VALID) for a policy.
fn assert_policy(policy: &Policy, cases: Vec<(&str, wallet_format::Dcc, i64, bool)>) {
    let p = pki(Algorithm::Es256);
    let ctx = ctx_with(&[&p.dsc]);
    let s = p.dsc.signer().unwrap();
    for (label, dcc, clock, want) in cases {
        let mut c = claims(dcc);
        c.iat = Some(NOW - 300 * DAY);
        c.exp = Some(NOW + 300 * DAY);
        let v = verify(&sign(&c, &s), &ctx, policy, at(clock));
        assert_eq!(
            v.is_valid(),
            want,
            "{} {label}: {} {:?}",
            policy.name(),
            v.code(),
            v.failed_rules
        );
    }
}

#[test]
fn venue_policy_at_the_edges_of_its_windows() {
    let venue = Policy::venue().unwrap();
    let sc = NOW - 10 * DAY;
    assert_policy(
        &venue,
        vec![
            ("RAT 47h", test(RAT, NEGATIVE, sc), sc + 47 * HOUR, true),
            ("RAT 48h", test(RAT, NEGATIVE, sc), sc + 48 * HOUR, true),
            ("RAT 49h", test(RAT, NEGATIVE, sc), sc + 49 * HOUR, false),
            (
                "RAT before sample",
                test(RAT, NEGATIVE, sc),
                sc - HOUR,
                false,
            ),
            ("NAAT 71h", test(NAAT, NEGATIVE, sc), sc + 71 * HOUR, true),
            ("NAAT 72h", test(NAAT, NEGATIVE, sc), sc + 72 * HOUR, true),
            ("NAAT 73h", test(NAAT, NEGATIVE, sc), sc + 73 * HOUR, false),
            (
                "recovery day before df",
                recovery(NOW - 40 * DAY, NOW, NOW + 100 * DAY),
                NOW - DAY,
                false,
            ),
            (
                "recovery day of df",
                recovery(NOW - 40 * DAY, NOW, NOW + 100 * DAY),
                NOW,
                true,
            ),
            (
                "recovery day of du",
                recovery(NOW - 40 * DAY, NOW - 50 * DAY, NOW),
                NOW,
                true,
            ),
            (
                "recovery day after du",
                recovery(NOW - 40 * DAY, NOW - 50 * DAY, NOW),
                NOW + DAY,
                false,
            ),
            (
                "partial vaccination",
                vaccination(1, 2, NOW - DAY),
                NOW,
                true,
            ),
            (
                "vaccination tomorrow",
                vaccination(1, 2, NOW + DAY),
                NOW,
                false,
            ),
        ],
    );
}

#[test]
fn travel_policy_at_the_edges_of_its_windows() {
    let travel = Policy::travel().unwrap();
    let dt = NOW - 40 * DAY;
    assert_policy(
        &travel,
        vec![
            (
                "13 days after last dose",
                vaccination(2, 2, dt),
                dt + 13 * DAY,
                false,
            ),
            (
                "14 days after last dose",
                vaccination(2, 2, dt),
                dt + 14 * DAY,
                true,
            ),
            (
                "15 days after last dose",
                vaccination(2, 2, dt),
                dt + 15 * DAY,
                true,
            ),
            (
                "primary series day 269",
                vaccination(2, 2, dt),
                dt + 269 * DAY,
                true,
            ),
            (
                "primary series day 270",
                vaccination(2, 2, dt),
                dt + 270 * DAY,
                true,
            ),
            (
                "primary series day 271",
                vaccination(2, 2, dt),
                dt + 271 * DAY,
                false,
            ),
            (
                "booster day 271",
                vaccination(3, 3, dt),
                dt + 271 * DAY,
                true,
            ),
            ("partial", vaccination(1, 2, dt), dt + 30 * DAY, false),
            ("RAT 48h", test(RAT, NEGATIVE, NOW), NOW + 48 * HOUR, true),
            ("RAT 49h", test(RAT, NEGATIVE, NOW), NOW + 49 * HOUR, false),
            (
                "recovery day after du",
                recovery(NOW - 40 * DAY, NOW - 50 * DAY, NOW),
                NOW + DAY,
                false,
            ),
        ],
    );
    // A product outside the accepted list.
    let mut d = vaccination(2, 2, dt);
    d.v.as_mut().unwrap()[0].mp = "Sputnik-V".into();
    assert_policy(&travel, vec![("unlisted product", d, dt + 30 * DAY, false)]);
}

#[test]
fn loads_a_foreign_rule_set_as_policy() {
    let rules = r#"[{"Identifier": "VR-DE-0001", "Type": "Acceptance", "Country": "DE",
      "Version": "1.0.0", "SchemaVersion": "1.3.0", "Engine": "CERTLOGIC", "EngineVersion": "1.0.0",
      "CertificateType": "Vaccination", "Description": [{"lang": "en", "desc": "Needs dose 3."}],
      "ValidFrom": "2021-06-01T00:00:00Z", "ValidTo": "2030-06-01T00:00:00Z", "AffectedFields": ["v.0.dn"],
      "Logic": {">=": [{"var": "payload.v.0.dn"}, 3]}}]"#;
    let policy = Policy::from_rule_set_json("de.json", rules).unwrap();
    assert_policy(
        &policy,
        vec![
            ("dose 2", vaccination(2, 2, NOW - 30 * DAY), NOW, false),
            ("dose 3", vaccination(3, 3, NOW - 30 * DAY), NOW, true),
        ],
    );
    assert!(Policy::from_rule_set_json("bad", r#"[{"Logic": 1}]"#).is_err());
}

fn qr_png(text: &str) -> image::GrayImage {
    let png = qr::render_png(
        text,
        &RenderOptions {
            module_size: 4,
            quiet_zone: 4,
        },
    )
    .unwrap();
    image::load_from_memory(&png).unwrap().to_luma8()
}

fn to_png(img: &image::GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn reads_rotated_scaled_and_noisy_qr_images() {
    let p = pki(Algorithm::Es256);
    let ctx = ctx_with(&[&p.dsc]);
    let text = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &p.dsc.signer().unwrap(),
    );
    let base = qr_png(&text);
    let rotated = image::imageops::rotate90(&base);
    let (w, h) = base.dimensions();
    let scaled = image::imageops::resize(
        &base,
        w * 3 / 2,
        h * 3 / 2,
        image::imageops::FilterType::Triangle,
    );
    // "Printed": grey paper, dark-grey ink, deterministic speckle noise.
    let mut printed = base.clone();
    let mut seed: u32 = 12345;
    for px in printed.pixels_mut() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let noise = (seed >> 16) % 40;
        px.0[0] = if px.0[0] > 128 {
            200 + (noise as u8) % 40
        } else {
            40 + noise as u8
        };
    }
    for (label, img) in [
        ("rotated", rotated),
        ("scaled", scaled),
        ("printed", printed),
    ] {
        let vs = verify_image(&to_png(&img), &ctx, &none(), at(NOW));
        assert_eq!(vs.len(), 1, "{label}");
        assert!(vs[0].is_valid(), "{label}: {:?}", vs[0].reason);
    }
    // JPEG too.
    let mut jpg = std::io::Cursor::new(Vec::new());
    base.write_to(&mut jpg, image::ImageFormat::Jpeg).unwrap();
    assert!(verify_image(jpg.get_ref(), &ctx, &none(), at(NOW))[0].is_valid());
}

#[test]
fn image_without_qr_is_qr_not_found_and_junk_is_image_invalid() {
    let ctx = TrustContext::missing();
    let blank = image::GrayImage::from_pixel(200, 200, image::Luma([255]));
    let vs = verify_image(&to_png(&blank), &ctx, &none(), at(NOW));
    assert_eq!(vs.len(), 1);
    assert_eq!(
        (vs[0].outcome, vs[0].code()),
        (Outcome::Invalid, "QR_NOT_FOUND")
    );
    let vs = verify_image(b"\x89PNG\r\n\x1a\nnot really", &ctx, &none(), at(NOW));
    assert_eq!(vs[0].code(), "IMAGE_INVALID");
}
