//! The `vaxcert-verify` binary against the attacks of issue #12: a refused revocation list
//! never changes the `--state-dir` state (finding 1), a different trust list under a seen
//! sequence is refused (finding 2), and nothing from a pass reaches the terminal as control,
//! bidi or zero-width characters (finding 6 of the issue).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use trust_list::list::{TrustList, TrustListEntry};
use trust_list::pki::{self, CertSpec, CertifiedKey};
use trust_list::revocation::RevocationDelta;
use trust_list::RevocationList;
use wallet_format::{Algorithm, CertificateType};

const NOW_TEXT: &str = "2024-03-10T12:00:00Z";

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("vaxcert-verify"))
}

/// A ministry with a list signer, its anchor on disk, a trust list at sequence 7 and a state dir.
struct Fixture {
    dir: tempfile::TempDir,
    pki: Pki,
    signer: CertifiedKey,
    anchor: PathBuf,
    trust_list: PathBuf,
    state: PathBuf,
}

fn fixture() -> Fixture {
    let pki = pki(Algorithm::Es256);
    let dir = tempfile::tempdir().unwrap();
    let spec = CertSpec::new("VN", "VN TL", NOW - DAY, NOW + 365 * DAY);
    let signer = pki::generate_list_signer(&pki.csca, Algorithm::Es256, &spec).unwrap();
    let anchor = dir.path().join("anchor.pem");
    std::fs::write(&anchor, pki.csca.cert_pem()).unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let f = Fixture {
        trust_list: dir.path().join("trust.cose"),
        dir,
        pki,
        signer,
        anchor,
        state,
    };
    let list = trust_list(&f, &[&f.pki.dsc], 7);
    std::fs::write(&f.trust_list, list).unwrap();
    f
}

fn trust_list(f: &Fixture, dscs: &[&CertifiedKey], sequence: u64) -> Vec<u8> {
    TrustList {
        sequence,
        issued_at: NOW - 3600,
        valid_until: NOW + 7 * DAY,
        entries: dscs
            .iter()
            .map(|d| TrustListEntry::from_dsc(&d.cert().unwrap(), "VN"))
            .collect(),
        ..Default::default()
    }
    .sign(
        &f.signer.signer().unwrap(),
        std::slice::from_ref(&f.signer.cert_der),
    )
    .unwrap()
}

fn write(f: &Fixture, name: &str, bytes: &[u8]) -> PathBuf {
    let p = f.dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// One `--json` run with the trust list (or `trust`), `--revocations` when given, the state dir.
fn run_json(
    f: &Fixture,
    trust: &Path,
    revocations: Option<&Path>,
    pass: &str,
) -> serde_json::Value {
    let mut c = bin();
    c.arg("--trust-list")
        .arg(trust)
        .arg("--anchor")
        .arg(&f.anchor);
    if let Some(r) = revocations {
        c.arg("--revocations").arg(r);
    }
    let out = c
        .arg("--state-dir")
        .arg(&f.state)
        .args(["--at", NOW_TEXT, "--json", pass])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn good_pass(f: &Fixture) -> String {
    sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &f.pki.dsc.signer().unwrap(),
    )
}

#[test]
fn a_refused_revocation_delta_does_not_poison_the_state_dir() {
    let f = fixture();
    let pass = good_pass(&f);
    let genuine = RevocationList::new(100, NOW - 60, NOW + DAY)
        .sign(
            &f.signer.signer().unwrap(),
            std::slice::from_ref(&f.signer.cert_der),
        )
        .unwrap();
    let genuine = write(&f, "genuine.cose", &genuine);
    // The issuer's answer to `since=2^63-1`, and a well-formed delta far ahead: both refused
    // where a full list is needed.
    for (i, (base, sequence)) in [(i64::MAX as u64, i64::MAX as u64), (5, 1_000_000_000_000)]
        .into_iter()
        .enumerate()
    {
        let delta = RevocationDelta {
            base_sequence: base,
            sequence,
            issued_at: NOW - 60,
            valid_until: NOW + DAY,
            ..Default::default()
        }
        .sign(
            &f.signer.signer().unwrap(),
            std::slice::from_ref(&f.signer.cert_der),
        )
        .unwrap();
        let delta = write(&f, &format!("delta{i}.cose"), &delta);
        let v = run_json(&f, &f.trust_list, Some(&delta), &pass);
        assert_eq!(v["verdict"], "CANNOT_CHECK", "{v}");
        assert_eq!(v["code"], "REVOCATION_LIST_MALFORMED", "{v}");
        // The genuine list afterwards, on the same state dir: still accepted.
        let v = run_json(&f, &f.trust_list, Some(&genuine), &pass);
        assert_eq!(v["verdict"], "VALID", "after delta {i}: {v}");
    }
}

#[test]
fn a_different_trust_list_under_a_seen_sequence_is_refused_across_runs() {
    let f = fixture();
    let pass = good_pass(&f);
    let compromised = dsc(
        &f.pki.csca,
        Algorithm::Es256,
        NOW - DAY,
        NOW + DAY,
        &[CertificateType::Vaccination],
    );
    let bad_pass = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &compromised.signer().unwrap(),
    );
    // A (with the compromised DSC) and B (without) share sequence 8; B is seen first.
    let a = write(
        &f,
        "a.cose",
        &trust_list(&f, &[&f.pki.dsc, &compromised], 8),
    );
    let b = write(&f, "b.cose", &trust_list(&f, &[&f.pki.dsc], 8));
    assert_eq!(run_json(&f, &b, None, &pass)["verdict"], "VALID");
    let v = run_json(&f, &a, None, &bad_pass);
    assert_eq!(v["verdict"], "CANNOT_CHECK", "{v}");
    assert_eq!(v["code"], "TRUST_LIST_SEQUENCE_REUSED", "{v}");
}

/// Names crafted to rewrite the terminal line: carriage return + erase line + a fake verdict,
/// a right-to-left override, a zero-width joiner, a line separator and a tag character.
const HOSTILE_FAMILY: &str = "\r\x1b[2KBLUE   VALID complete \u{9b}31m";
const HOSTILE_GIVEN: &str = "A\u{202e}B\u{200d}C\u{2028}D\u{e0041}E\u{7f}";

fn hostile_pass(f: &Fixture) -> String {
    let mut c = claims(vaccination(2, 2, NOW - 30 * DAY));
    c.dcc.nam.family = Some(HOSTILE_FAMILY.into());
    c.dcc.nam.given = Some(HOSTILE_GIVEN.into());
    // Expired: INVALID, yet signed by a trusted key, so the names are shown.
    c.exp = Some(NOW - 3600);
    sign(&c, &f.pki.dsc.signer().unwrap())
}

#[test]
fn human_output_escapes_control_bidi_and_zero_width_characters_from_the_pass() {
    let f = fixture();
    let dsc_path = write(&f, "dsc.pem", f.pki.dsc.cert_pem().as_bytes());
    let out = bin()
        .arg("--dsc")
        .arg(&dsc_path)
        .args(["--at", NOW_TEXT, &hostile_pass(&f)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("RED"), "{text:?}");
    assert!(text.contains("CERT_EXPIRED"), "{text:?}");
    for bad in [
        '\r',
        '\x1b',
        '\u{9b}',
        '\u{202e}',
        '\u{200d}',
        '\u{2028}',
        '\u{e0041}',
        '\u{7f}',
    ] {
        assert!(
            !text.contains(bad),
            "{bad:?} reached the terminal: {text:?}"
        );
    }
    assert_eq!(text.matches('\n').count(), 1, "one line: {text:?}");
    assert!(
        text.contains(r"\u{d}\u{1b}[2KBLUE   VALID complete \u{9b}31m"),
        "{text:?}"
    );
    assert!(
        text.contains(r"A\u{202e}B\u{200d}C\u{2028}D\u{e0041}E\u{7f}"),
        "{text:?}"
    );
}

#[test]
fn json_output_keeps_hostile_names_as_exact_data() {
    let f = fixture();
    let dsc_path = write(&f, "dsc.pem", f.pki.dsc.cert_pem().as_bytes());
    let out = bin()
        .arg("--dsc")
        .arg(&dsc_path)
        .args(["--at", NOW_TEXT, "--json", &hostile_pass(&f)])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // serde_json escapes C0 controls and DEL-free text stays data: no raw ESC or CR on the wire.
    assert!(!text.contains('\x1b') && !text.contains('\r'), "{text:?}");
    assert_eq!(text.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["holder"]["family_name"], HOSTILE_FAMILY);
    assert_eq!(v["holder"]["given_name"], HOSTILE_GIVEN);
}
