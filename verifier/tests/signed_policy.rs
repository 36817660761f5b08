//! `--policy FILE` with a signed rule set (spec/rules.md §Signed distribution): the shipped VN
//! venue rule set signed in trust-list's envelope by a list signer under the pinned anchor,
//! loaded through the library and through the binary. Refusals: tampered, foreign anchor,
//! rollback (with the state dir), stale beyond grace, no anchor; a newer sequence replaces an
//! older one. The kind is detected by content, not by file name.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs,
    unreachable_pub
)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

use trust_list::list::VerifyOptions;
use trust_list::pki::{self, CertSpec, CertifiedKey};
use trust_list::rules::SignedRuleSet;
use trust_list::{Freshness, TrustState};
use verifier::{verify, Outcome, Policy, PolicyError, Reason, SignedPolicyContext};
use wallet_format::Algorithm;

use test_support::rules::{stricter_venue_json, vn_venue_json};

const NOW_TEXT: &str = "2024-03-10T12:00:00Z";

struct Ministry {
    pki: Pki,
    signer: CertifiedKey,
}

fn ministry() -> Ministry {
    let pki = pki(Algorithm::Es256);
    let signer = pki::generate_list_signer(
        &pki.csca,
        Algorithm::Es256,
        &CertSpec::new("VN", "VN Rules Signer", NOW - 30 * DAY, NOW + 365 * DAY),
    )
    .unwrap();
    Ministry { pki, signer }
}

impl Ministry {
    fn sign(&self, sequence: u64, issued_at: i64, valid_until: i64, rules_json: String) -> Vec<u8> {
        SignedRuleSet {
            name: "vn-venue".into(),
            sequence,
            issued_at,
            valid_until,
            rules_json,
        }
        .sign(
            &self.signer.signer().unwrap(),
            &[self.signer.cert_der.clone()],
        )
        .unwrap()
    }

    /// The shipped venue set, sequence 1, issued a day ago, valid a week.
    fn venue_v1(&self) -> Vec<u8> {
        self.sign(1, NOW - DAY, NOW + 7 * DAY, vn_venue_json())
    }

    /// The stricter set, sequence 2.
    fn venue_v2(&self) -> Vec<u8> {
        self.sign(2, NOW - HOUR, NOW + 7 * DAY, stricter_venue_json())
    }

    fn complete_pass(&self) -> String {
        sign(
            &claims(vaccination(2, 2, NOW - 30 * DAY)),
            &self.pki.dsc.signer().unwrap(),
        )
    }
}

fn load(
    bytes: &[u8],
    anchor: &trust_list::Dsc,
    state: &mut TrustState,
    opts: VerifyOptions,
) -> Result<Policy, PolicyError> {
    Policy::from_bytes(
        "vn-venue.cose",
        bytes,
        Some(SignedPolicyContext {
            anchor: Some(anchor),
            state,
            opts,
        }),
    )
}

// ---------------------------------------------------------------- library

#[test]
fn accepts_the_signed_vn_venue_set_and_a_complete_vaccination_passes() {
    let m = ministry();
    let mut state = TrustState::default();
    let policy = load(
        &m.venue_v1(),
        &m.pki.csca.cert().unwrap(),
        &mut state,
        VerifyOptions::new(NOW, 0),
    )
    .unwrap();
    let origin = policy.signed().unwrap();
    assert_eq!((origin.name.as_str(), origin.sequence), ("vn-venue", 1));
    assert_eq!(origin.freshness, Freshness::Fresh);
    assert_eq!(origin.signer, m.signer.cert().unwrap().subject());
    let shipped = certlogic::RuleSet::builtin_vn_venue().unwrap();
    assert_eq!(
        policy_rules(&policy).to_bytes(),
        shipped.to_bytes(),
        "the signed set carries exactly the shipped rules"
    );
    let ctx = ctx_with(&[&m.pki.dsc]);
    let v = verify(&m.complete_pass(), &ctx, &policy, at(NOW));
    assert_eq!(v.outcome, Outcome::Valid, "{:?}", v.reason);
    // A vaccination dated tomorrow fails the shipped rules, so they really run.
    let future = sign(
        &claims(vaccination(1, 2, NOW + DAY)),
        &m.pki.dsc.signer().unwrap(),
    );
    let v = verify(&future, &ctx, &policy, at(NOW));
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(
        matches!(v.reason, Some(Reason::RulesFailed)),
        "{:?}",
        v.reason
    );
}

fn policy_rules(p: &Policy) -> &certlogic::RuleSet {
    match p {
        Policy::Rules(r) => r.rules(),
        Policy::None => panic!("expected a rule policy"),
    }
}

#[test]
fn rejects_a_tampered_signed_rule_set() {
    let m = ministry();
    let mut bytes = m.venue_v1();
    let needle = b"exactly one";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    bytes[at] = b'E';
    let err = load(
        &bytes,
        &m.pki.csca.cert().unwrap(),
        &mut TrustState::default(),
        VerifyOptions::new(NOW, 0),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_SIGNATURE_INVALID");
}

#[test]
fn rejects_a_rule_set_signed_under_a_foreign_anchor() {
    let m = ministry();
    let foreign = ministry();
    let err = load(
        &foreign.venue_v1(),
        &m.pki.csca.cert().unwrap(),
        &mut TrustState::default(),
        VerifyOptions::new(NOW, 0),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_UNKNOWN_SIGNER");
}

#[test]
fn rejects_a_signed_rule_set_without_an_anchor() {
    let m = ministry();
    let err = Policy::from_bytes("x", &m.venue_v1(), None).unwrap_err();
    assert_eq!(err.code(), "POLICY_ANCHOR_REQUIRED");
    let err = load_without_anchor(&m.venue_v1()).unwrap_err();
    assert_eq!(err.code(), "POLICY_ANCHOR_REQUIRED");
}

fn load_without_anchor(bytes: &[u8]) -> Result<Policy, PolicyError> {
    let mut state = TrustState::default();
    Policy::from_bytes(
        "x",
        bytes,
        Some(SignedPolicyContext {
            anchor: None,
            state: &mut state,
            opts: VerifyOptions::new(NOW, 0),
        }),
    )
}

#[test]
fn rejects_rollback_to_an_older_sequence_after_a_newer_one() {
    let m = ministry();
    let anchor = m.pki.csca.cert().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut state = TrustState::load(dir.path()).unwrap();
    load(
        &m.venue_v2(),
        &anchor,
        &mut state,
        VerifyOptions::new(NOW, 0),
    )
    .unwrap();
    state.save(dir.path()).unwrap();
    let mut state = TrustState::load(dir.path()).unwrap();
    let err = load(
        &m.venue_v1(),
        &anchor,
        &mut state,
        VerifyOptions::new(NOW, 0),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_ROLLBACK");
}

#[test]
fn reports_stale_within_grace_and_refuses_beyond_it() {
    let m = ministry();
    let anchor = m.pki.csca.cert().unwrap();
    let bytes = m.sign(1, NOW - 10 * DAY, NOW - DAY, vn_venue_json());
    let p = load(
        &bytes,
        &anchor,
        &mut TrustState::default(),
        VerifyOptions::new(NOW, 2 * DAY),
    )
    .unwrap();
    assert_eq!(
        p.signed().unwrap().freshness,
        Freshness::StaleWithinGrace { stale_for: DAY }
    );
    let err = load(
        &bytes,
        &anchor,
        &mut TrustState::default(),
        VerifyOptions::new(NOW, 12 * HOUR),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_EXPIRED");
}

#[test]
fn a_newer_rule_set_version_replaces_the_older_one() {
    let m = ministry();
    let anchor = m.pki.csca.cert().unwrap();
    let ctx = ctx_with(&[&m.pki.dsc]);
    let pass = m.complete_pass();
    let mut state = TrustState::default();
    let v1 = load(
        &m.venue_v1(),
        &anchor,
        &mut state,
        VerifyOptions::new(NOW, 0),
    )
    .unwrap();
    assert_eq!(verify(&pass, &ctx, &v1, at(NOW)).outcome, Outcome::Valid);
    let v2 = load(
        &m.venue_v2(),
        &anchor,
        &mut state,
        VerifyOptions::new(NOW, 0),
    )
    .unwrap();
    assert_eq!(v2.signed().unwrap().sequence, 2);
    let verdict = verify(&pass, &ctx, &v2, at(NOW));
    assert_eq!(verdict.outcome, Outcome::Invalid);
    assert!(matches!(verdict.reason, Some(Reason::RulesFailed)));
    let failed: Vec<&str> = verdict.failed_rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(failed, ["VR-VN-9000"]);
    assert_eq!(
        verdict.failed_rules[0].description_en.as_deref(),
        Some("A booster dose is required.")
    );
    // Once the newer set is held, the older one is a rollback.
    let err = load(
        &m.venue_v1(),
        &anchor,
        &mut state,
        VerifyOptions::new(NOW, 0),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_ROLLBACK");
}

#[test]
fn a_signed_set_whose_rules_do_not_load_is_refused_and_does_not_raise_the_sequence() {
    let m = ministry();
    let anchor = m.pki.csca.cert().unwrap();
    let mut state = TrustState::default();
    let bad = m.sign(5, NOW, NOW + DAY, r#"[{"Identifier": "nope"}]"#.into());
    let err = load(&bad, &anchor, &mut state, VerifyOptions::new(NOW, 0)).unwrap_err();
    assert!(err.code().starts_with("CERTLOGIC_"), "{}", err.code());
    assert_eq!(state, TrustState::default());
    load(
        &m.venue_v1(),
        &anchor,
        &mut state,
        VerifyOptions::new(NOW, 0),
    )
    .unwrap();
}

#[test]
fn plain_rule_json_still_loads_whatever_the_context() {
    // With a byte-order mark and leading whitespace, under a misleading name.
    let text = format!("\u{feff}\n  {}", vn_venue_json());
    let p = Policy::from_bytes("venue.cose", text.as_bytes(), None).unwrap();
    assert!(p.signed().is_none());
    let p = load_without_anchor(vn_venue_json().as_bytes()).unwrap();
    assert!(p.signed().is_none());
}

// ---------------------------------------------------------------- binary

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("vaxcert-verify"))
}

struct Files {
    dir: tempfile::TempDir,
    m: Ministry,
}

impl Files {
    fn new() -> Files {
        let m = ministry();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dsc.pem"), m.pki.dsc.cert_pem()).unwrap();
        std::fs::write(dir.path().join("anchor.pem"), m.pki.csca.cert_pem()).unwrap();
        std::fs::create_dir(dir.path().join("state")).unwrap();
        Files { dir, m }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// Run with `--dsc`, the policy file, `--at`, and `extra`; returns (exit, stdout, stderr).
    fn run(&self, policy: &str, at: &str, extra: &[&str]) -> (i32, String, String) {
        let out = bin()
            .arg("--dsc")
            .arg(self.path("dsc.pem"))
            .args(["--policy", policy, "--at", at, "--json"])
            .args(extra)
            .arg(self.m.complete_pass())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn anchored(&self) -> Vec<String> {
        vec![
            "--anchor".into(),
            self.path("anchor.pem").to_str().unwrap().into(),
            "--state-dir".into(),
            self.path("state").to_str().unwrap().into(),
        ]
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn binary_accepts_a_signed_policy_detected_by_content_not_extension() {
    let f = Files::new();
    // A signed set named .json, and plain JSON named .cose: both load by content.
    let signed = f.write("venue.json", &f.m.venue_v1());
    let plain = f.write("venue.cose", vn_venue_json().as_bytes());
    let a = f.anchored();
    let (code, out, err) = f.run(&signed, NOW_TEXT, &strs(&a));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("\"VALID\""), "{out}");
    let (code, out, err) = f.run(&plain, NOW_TEXT, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let state =
        std::fs::read_to_string(f.path("state").join(trust_list::state::STATE_FILE)).unwrap();
    assert!(state.contains("rule-set:vn-venue"), "{state}");
}

#[test]
fn binary_refuses_a_signed_policy_without_an_anchor() {
    let f = Files::new();
    let signed = f.write("venue.json", &f.m.venue_v1());
    let (code, out, err) = f.run(&signed, NOW_TEXT, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "no verdict without a usable policy: {out}");
    assert!(err.contains("POLICY_ANCHOR_REQUIRED"), "{err}");
}

#[test]
fn binary_refuses_tampered_and_foreign_rule_sets() {
    let f = Files::new();
    let mut bytes = f.m.venue_v1();
    let needle = b"exactly one";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    bytes[at] = b'E';
    let tampered = f.write("tampered.cose", &bytes);
    let a = f.anchored();
    let (code, _, err) = f.run(&tampered, NOW_TEXT, &strs(&a));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("RULE_SET_SIGNATURE_INVALID"), "{err}");
    let foreign = f.write("foreign.cose", &ministry().venue_v1());
    let (code, _, err) = f.run(&foreign, NOW_TEXT, &strs(&a));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("RULE_SET_UNKNOWN_SIGNER"), "{err}");
}

#[test]
fn binary_replaces_an_older_set_with_a_newer_one_and_refuses_rollback() {
    let f = Files::new();
    let v1 = f.write("v1.cose", &f.m.venue_v1());
    let v2 = f.write("v2.cose", &f.m.venue_v2());
    let a = f.anchored();
    let (code, out, err) = f.run(&v1, NOW_TEXT, &strs(&a));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = f.run(&v2, NOW_TEXT, &strs(&a));
    assert_eq!(code, 1, "the stricter set fails a 2/2 pass: {out}{err}");
    assert!(out.contains("VR-VN-9000"), "{out}");
    let (code, out, err) = f.run(&v1, NOW_TEXT, &strs(&a));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("RULE_SET_ROLLBACK"), "{err}");
    // Without the state dir the verifier cannot know; that is the operator's choice.
    let anchor = f.path("anchor.pem");
    let anchor_only = ["--anchor", anchor.to_str().unwrap()];
    let (code, _, err) = f.run(&v1, NOW_TEXT, &anchor_only);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn binary_warns_on_stale_within_grace_and_refuses_beyond_it() {
    let f = Files::new();
    let v1 = f.write("v1.cose", &f.m.venue_v1()); // valid until NOW + 7 days
    let a = f.anchored();
    let mut with_grace = strs(&a);
    with_grace.extend(["--grace", "2d"]);
    let (code, out, err) = f.run(&v1, "2024-03-18T12:00:00Z", &with_grace);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("stale"), "{err}");
    let (code, out, err) = f.run(&v1, "2024-03-20T12:00:01Z", &with_grace);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("RULE_SET_EXPIRED"), "{err}");
}

#[test]
fn binary_inspect_shows_a_signed_rule_set() {
    let f = Files::new();
    let v1 = f.write("v1.cose", &f.m.venue_v1());
    let out = bin()
        .args(["inspect", &v1, "--anchor"])
        .arg(f.path("anchor.pem"))
        .args(["--at", NOW_TEXT])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("kind: rule set"), "{text}");
    assert!(text.contains("name: vn-venue"), "{text}");
    assert!(text.contains("verifies: yes"), "{text}");
}
