//! The `vaxcert-verify` binary: batch mode (10 000 lines in, 10 000 verdicts out, in order),
//! exit codes, inputs (text, image file, text file, stdin), the JSON contract, and the
//! `certlogic` (rule-author) and `inspect` subcommands. The library has no `cli` module: this
//! is the only way in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use wallet_format::qr::{self, RenderOptions};
use wallet_format::{Algorithm, SoftwareKey};

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("vaxcert-verify"))
}

/// The binary as an `assert_cmd` command.
fn cmd() -> assert_cmd::Command {
    assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("vaxcert-verify"))
}

struct Setup {
    dir: tempfile::TempDir,
    dsc_path: String,
    pki: Pki,
}

fn setup() -> Setup {
    let pki = pki(Algorithm::Es256);
    let dir = tempfile::tempdir().unwrap();
    let dsc_path = dir.path().join("dsc.pem");
    std::fs::write(&dsc_path, pki.dsc.cert_pem()).unwrap();
    Setup {
        dsc_path: dsc_path.to_str().unwrap().to_string(),
        dir,
        pki,
    }
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        input.write_all(&data).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const NOW_TEXT: &str = "2024-03-10T12:00:00Z";

/// The `code` of every JSON line of the binary's stdout, in order.
fn json_codes(stdout: &[u8]) -> Vec<String> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn batch_mode_gives_ten_thousand_verdicts_in_input_order() {
    let s = setup();
    let signer = s.pki.dsc.signer().unwrap();
    let certs: Vec<String> = (0..100)
        .map(|i| {
            let mut c = claims(vaccination(2, 2, NOW - 30 * DAY));
            c.dcc.v.as_mut().unwrap()[0].ci = format!("URN:UVCI:01:VN:BATCH{i}");
            sign(&c, &signer)
        })
        .collect();
    let mut input = String::new();
    let mut expected: Vec<Option<usize>> = Vec::new();
    for line in 0..10_000usize {
        if line % 13 == 0 {
            input.push_str(&format!("HC2:{line}\n"));
            expected.push(None);
        } else {
            let i = (line * 7919) % 100;
            input.push_str(&certs[i]);
            input.push('\n');
            expected.push(Some(i));
        }
    }
    let (code, out, err) = run_with_stdin(
        &[
            "--dsc",
            &s.dsc_path,
            "--at",
            NOW_TEXT,
            "--policy",
            "none",
            "--json",
            "-",
        ],
        input.as_bytes(),
    );
    assert_eq!(code, 1, "some lines are invalid: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 10_000);
    for (n, (line, want)) in lines.iter().zip(&expected).enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        match want {
            None => assert_eq!(v["code"], "PREFIX_INVALID", "line {n}"),
            Some(i) => {
                assert_eq!(v["verdict"], "VALID", "line {n}");
                assert_eq!(v["uvci"], format!("URN:UVCI:01:VN:BATCH{i}"), "line {n}");
            }
        }
    }
    assert!(
        !err.contains("NGUYEN") && !err.contains("1990"),
        "no personal data on stderr"
    );
}

#[test]
fn json_lines_carry_exactly_the_contract_keys() {
    let s = setup();
    let text = sign(
        &claims(vaccination(1, 2, NOW - 30 * DAY)),
        &s.pki.dsc.signer().unwrap(),
    );
    let out = bin()
        .args([
            "--dsc",
            &s.dsc_path,
            "--at",
            NOW_TEXT,
            "--json",
            &text,
            "HC2:X",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let keys: Vec<&str> = lines[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "verdict",
        "valid",
        "code",
        "message",
        "kid",
        "alg",
        "issuer",
        "issued_at",
        "expires_at",
        "type",
        "status",
        "colour",
        "dose",
        "uvci",
        "holder",
        "failed_rules",
    ];
    let mut got = keys.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    let v = &lines[0];
    assert_eq!(v["verdict"], "VALID");
    assert_eq!(v["valid"], true);
    assert_eq!(v["code"], "OK");
    assert_eq!(v["status"], "partial");
    assert_eq!(v["colour"], "yellow");
    assert_eq!(v["dose"], serde_json::json!({"n": 1, "of": 2}));
    assert_eq!(v["alg"], "ES256");
    assert_eq!(v["type"], "vaccination");
    assert_eq!(v["issued_at"], date_time(NOW - DAY));
    assert_eq!(v["kid"], s.pki.dsc.cert().unwrap().kid().to_base64());
    assert_eq!(v["holder"]["family_name_t"], "NGUYEN");
    assert_eq!(lines[1]["verdict"], "INVALID");
    assert_eq!(lines[1]["code"], "PREFIX_INVALID");
    assert_eq!(lines[1]["holder"], serde_json::Value::Null);
    assert_eq!(lines[1]["colour"], "red");
}

#[test]
fn exit_code_is_the_worst_verdict() {
    let s = setup();
    let text = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &s.pki.dsc.signer().unwrap(),
    );
    let code = |args: &[&str]| bin().args(args).output().unwrap().status.code().unwrap();
    assert_eq!(code(&["--dsc", &s.dsc_path, "--at", NOW_TEXT, &text]), 0);
    assert_eq!(
        code(&["--dsc", &s.dsc_path, "--at", NOW_TEXT, &text, "HC2:1"]),
        1
    );
    // No trust source: CANNOT_CHECK → 2, even with an INVALID beside it.
    assert_eq!(code(&["--at", NOW_TEXT, "HC2:1", &text]), 2);
    // Usage errors → 2.
    assert_eq!(code(&["--at", "next tuesday", &text]), 2);
    assert_eq!(code(&["--policy", "/no/such/policy.json", &text]), 2);
    assert_eq!(code(&["--dsc", "/no/such/dsc.pem", &text]), 2);
    assert_eq!(code(&[]), 2);
    // --at in other ISO forms.
    assert_eq!(
        code(&[
            "--dsc",
            &s.dsc_path,
            "--at",
            "2024-03-10T19:00:00+0700",
            &text
        ]),
        0
    );
    assert_eq!(
        code(&["--dsc", &s.dsc_path, "--at", "2024-03-10T12:00:00", &text]),
        0
    );
}

#[test]
fn human_output_names_colour_and_holder_only_when_signed() {
    let s = setup();
    let text = sign(
        &claims(vaccination(3, 3, NOW - 30 * DAY)),
        &s.pki.dsc.signer().unwrap(),
    );
    let out = bin()
        .args(["--dsc", &s.dsc_path, "--at", NOW_TEXT, &text])
        .output()
        .unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(line.starts_with("BLUE"), "{line}");
    assert!(
        line.contains("VALID booster") && line.contains("NGUYEN"),
        "{line}"
    );
    assert!(!line.contains("\x1b["), "no ANSI codes when not a terminal");
    // The same pass without its key: no names.
    let other = dsc(&s.pki.csca, Algorithm::Es256, NOW - DAY, NOW + DAY, &[]);
    let other_path = s.dir.path().join("other.pem");
    std::fs::write(&other_path, other.cert_pem()).unwrap();
    let out = bin()
        .args([
            "--dsc",
            other_path.to_str().unwrap(),
            "--at",
            NOW_TEXT,
            &text,
        ])
        .output()
        .unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(
        line.starts_with("RED") && line.contains("KEY_NOT_IN_TRUST_LIST"),
        "{line}"
    );
    assert!(!line.contains("NGUYEN") && !line.contains("1990"), "{line}");
}

#[test]
fn reads_image_files_and_text_files() {
    let s = setup();
    let a = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &s.pki.dsc.signer().unwrap(),
    );
    let png = s.dir.path().join("pass.png");
    std::fs::write(&png, qr::render_png(&a, &RenderOptions::DEFAULT).unwrap()).unwrap();
    let blank = s.dir.path().join("blank.png");
    let img = image::GrayImage::from_pixel(100, 100, image::Luma([255]));
    img.save(&blank).unwrap();
    let txt = s.dir.path().join("passes.txt");
    std::fs::write(&txt, format!("{a}\n\n{a}\r\nHC2:x\n")).unwrap();
    let out = bin()
        .args(["--dsc", &s.dsc_path, "--at", NOW_TEXT, "--json"])
        .args([
            png.to_str().unwrap(),
            blank.to_str().unwrap(),
            txt.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let codes = json_codes(&out.stdout);
    assert_eq!(codes, ["OK", "QR_NOT_FOUND", "OK", "OK", "PREFIX_INVALID"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn certlogic_subcommand_evaluates_and_reports_errors() {
    let dir = tempfile::tempdir().unwrap();
    let expr = dir.path().join("rule.json");
    let data = dir.path().join("data.json");
    std::fs::write(
        &expr,
        r#"{"Identifier": "VR-XX-0001", "Logic": {">=": [{"var": "payload.v.0.dn"}, 2]}}"#,
    )
    .unwrap();
    std::fs::write(&data, r#"{"payload": {"v": [{"dn": 3}]}, "external": {}}"#).unwrap();
    let out = bin()
        .arg("certlogic")
        .arg(&expr)
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "true");
    std::fs::write(&expr, r#"{"var": "payload.v.0"}"#).unwrap();
    let out = bin()
        .arg("certlogic")
        .arg(&expr)
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), r#"{"dn":3}"#);
    std::fs::write(&expr, r#"{"nosuchop": [1]}"#).unwrap();
    let out = bin()
        .arg("certlogic")
        .arg(&expr)
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8(out.stderr).unwrap().is_empty());
    let out = bin()
        .arg("certlogic")
        .arg(&expr)
        .arg("/no/such/data.json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `certlogic EXPR DATA` over texts written to a temporary folder: (exit, stdout, stderr).
fn author(expr: &str, data: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (e, d) = (dir.path().join("expr.json"), dir.path().join("data.json"));
    std::fs::write(&e, expr).unwrap();
    std::fs::write(&d, data).unwrap();
    let out = cmd().arg("certlogic").arg(&e).arg(&d).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap().trim().to_string(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn certlogic_subcommand_runs_every_shipped_travel_rule_and_a_bare_expression() {
    let clock = "2024-03-01T10:00:00Z".parse().unwrap();
    let ext = certlogic::ExternalParameters::new(clock).to_json();
    let payload = serde_json::json!({"ver": "1.3.0", "dob": "1990-05-17",
        "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"},
        "v": [{"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
               "dn": 2, "sd": 2, "dt": "2024-01-10", "co": "VN", "is": "Bộ Y tế",
               "ci": "URN:UVCI:01:VN:V123#X"}]});
    let data = serde_json::json!({"payload": payload, "external": ext}).to_string();
    let (code, out, err) = author(
        r#"{"plusTime": [{"var": "payload.v.0.dt"}, 14, "day"]}"#,
        &data,
    );
    assert_eq!(
        (code, out.as_str()),
        (0, r#""2024-01-24T00:00:00.000Z""#),
        "{err}"
    );
    let applicable = [
        certlogic::CertificateType::General,
        certlogic::CertificateType::Vaccination,
    ];
    let travel = certlogic::RuleSet::builtin_vn_travel().unwrap();
    for r in travel
        .rules()
        .filter(|r| applicable.contains(&r.certificate_type))
    {
        let (code, out, err) = author(&serde_json::to_string(r).unwrap(), &data);
        assert_eq!((code, out.as_str()), (0, "true"), "{}: {err}", r.identifier);
    }
}

#[test]
fn certlogic_subcommand_reports_input_errors_by_code() {
    for (expr, data, want) in [
        (r#"{"var": "x"#, "{}", "CERTLOGIC_INVALID_JSON"),
        (r#"{"var": "x"}"#, "nope", "CERTLOGIC_INVALID_JSON"),
        (r#"{"fly": [1]}"#, "{}", "CERTLOGIC_UNKNOWN_OPERATOR"),
        (
            r#"{"Logic": {"if": [true, 1]}}"#,
            "{}",
            "CERTLOGIC_INVALID_EXPRESSION",
        ),
        (r#"{"!": [1.5]}"#, "{}", "CERTLOGIC_INVALID_EXPRESSION"),
        (
            r#"{"!": [{"var": "x"}]}"#,
            r#"{"x": 1.5}"#,
            "CERTLOGIC_EVALUATION_ERROR",
        ),
    ] {
        let (code, out, err) = author(expr, data);
        assert_eq!(code, 2, "{expr}");
        assert!(out.is_empty(), "{expr}: {out}");
        assert!(err.contains(want), "{expr}: want {want}, got {err}");
    }
}

#[test]
fn human_line_of_a_forged_signature_shows_no_name() {
    let s = setup();
    let forged = SoftwareKey::generate(Algorithm::Es256)
        .unwrap()
        .into_signer(s.pki.dsc.cert().unwrap().kid());
    let text = sign(&claims(vaccination(2, 2, NOW - 30 * DAY)), &forged);
    let out = cmd()
        .args([
            "--dsc",
            &s.dsc_path,
            "--at",
            NOW_TEXT,
            "--policy",
            "none",
            &text,
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let line = String::from_utf8(out).unwrap();
    assert!(line.contains("SIGNATURE_INVALID"), "{line}");
    assert!(!line.contains("NGUYEN") && !line.contains("1990"), "{line}");
}

#[test]
fn inspect_subcommand_shows_a_signed_list() {
    use trust_list::list::{TrustList, TrustListEntry};
    let s = setup();
    let spec = trust_list::pki::CertSpec::new("VN", "VN TL", NOW - DAY, NOW + 365 * DAY);
    let tl = trust_list::pki::generate_list_signer(&s.pki.csca, Algorithm::Es256, &spec).unwrap();
    let list = TrustList {
        sequence: 7,
        issued_at: NOW - HOUR,
        valid_until: NOW + 7 * DAY,
        entries: vec![TrustListEntry::from_dsc(&s.pki.dsc.cert().unwrap(), "VN")],
        ..Default::default()
    };
    let signed = list
        .sign(&tl.signer().unwrap(), std::slice::from_ref(&tl.cert_der))
        .unwrap();
    let list_path = s.dir.path().join("list.cose");
    std::fs::write(&list_path, signed).unwrap();
    let anchor = s.dir.path().join("anchor.pem");
    std::fs::write(&anchor, s.pki.csca.cert_pem()).unwrap();
    let out = bin()
        .args([
            "inspect",
            list_path.to_str().unwrap(),
            "--anchor",
            anchor.to_str().unwrap(),
            "--at",
            NOW_TEXT,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8(out.stdout).unwrap().contains('7'));

    // And the same list as a verify trust source, with rollback protection in a state dir.
    let state = s.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let text = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &s.pki.dsc.signer().unwrap(),
    );
    let out = bin()
        .args([
            "--trust-list",
            list_path.to_str().unwrap(),
            "--anchor",
            anchor.to_str().unwrap(),
        ])
        .args([
            "--state-dir",
            state.to_str().unwrap(),
            "--at",
            NOW_TEXT,
            &text,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Beyond valid_until + grace: CANNOT_CHECK.
    let out = bin()
        .args([
            "--trust-list",
            list_path.to_str().unwrap(),
            "--anchor",
            anchor.to_str().unwrap(),
        ])
        .args([
            "--at",
            "2024-03-20T12:00:00Z",
            "--grace",
            "1d",
            "--json",
            &text,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "CANNOT_CHECK");
    assert_eq!(v["code"], "TRUST_LIST_EXPIRED");
}

/// An image tiled with finder patterns keeps the QR detector busy for minutes (fuzz finding,
/// spec/format.md §QR): the binary gives up after `--image-timeout` with `IMAGE_INVALID` and
/// still checks the next input.
#[test]
fn an_image_crowded_with_finder_patterns_times_out_as_image_invalid() {
    let s = setup();
    // 7×7 finder patterns (1:1:3:1:1 both ways) every 9 pixels over 540×540 pixels.
    let finder = |x: u32, y: u32| {
        let (x, y) = (x % 9, y % 9);
        if x > 6 || y > 6 {
            return false;
        }
        let ring = x.min(y).min(6 - x).min(6 - y);
        ring != 1
    };
    let img = image::GrayImage::from_fn(540, 540, |x, y| {
        image::Luma([if finder(x, y) { 0 } else { 255 }])
    });
    let crowded = s.dir.path().join("crowded.png");
    img.save(&crowded).unwrap();
    let a = sign(
        &claims(vaccination(2, 2, NOW - 30 * DAY)),
        &s.pki.dsc.signer().unwrap(),
    );
    let out = bin()
        .args(["--dsc", &s.dsc_path, "--at", NOW_TEXT, "--json"])
        .args(["--image-timeout", "1s", crowded.to_str().unwrap(), &a])
        .output()
        .unwrap();
    let codes = json_codes(&out.stdout);
    assert_eq!(codes, ["IMAGE_INVALID", "OK"]);
    assert_eq!(out.status.code(), Some(1));
}
