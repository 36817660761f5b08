//! The dgc-testdata conformance run through the `vaxcert-verify` binary: per vector, its
//! signing certificate is written as a gateway-shaped list and passed with `--dccg`, `--at` is
//! the vector's VALIDATIONCLOCK as written, `--policy none` (and a schema-only rule set file
//! for EXPECTEDSCHEMAVALIDATION), `--json`. Judged by the same rules as the library run
//! (`tests/src/conformance.rs`); prints the counts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[allow(unreachable_pub)]
#[path = "../../tests/src/conformance.rs"]
mod conformance;

use std::process::Command;

use conformance::{deviations, judge, load_vectors, testdata_root, Tally, SCHEMA_ONLY_RULES};

use test_support::{shared_dir, workspace_root};

fn run(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(assert_cmd::cargo::cargo_bin!("vaxcert-verify"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout.lines().next().unwrap_or_else(|| {
        panic!(
            "no output for {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap(),
        serde_json::from_str(line).unwrap(),
    )
}

#[test]
fn binary_reproduces_every_dgc_testdata_vector() {
    let root = testdata_root(&shared_dir());
    let vectors = load_vectors(&root);
    assert!(vectors.len() >= 400, "only {} vectors found", vectors.len());
    let devs = deviations(&workspace_root(), &root);
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("schema-only.json");
    std::fs::write(&rules, SCHEMA_ONLY_RULES).unwrap();
    let rules = rules.to_str().unwrap().to_string();
    let list = dir.path().join("dccg.json");
    let list_arg = list.to_str().unwrap().to_string();
    let mut tally = Tally::default();
    for v in &vectors {
        std::fs::write(&list, v.gateway_json().unwrap_or_else(|| "[]".into())).unwrap();
        let clock = v.clock_text().unwrap();
        let mut codes = Vec::new();
        for policy in ["none", rules.as_str()] {
            let (exit, json) = run(&[
                "--dccg",
                &list_arg,
                "--at",
                clock,
                "--policy",
                policy,
                "--json",
                v.prefix(),
            ]);
            let code = json["code"].as_str().unwrap().to_string();
            let want_exit = match json["verdict"].as_str().unwrap() {
                "VALID" => 0,
                "INVALID" => 1,
                _ => 2,
            };
            assert_eq!(exit, want_exit, "{}: exit code vs verdict {json}", v.path);
            assert_eq!(json["valid"], serde_json::json!(code == "OK"), "{}", v.path);
            codes.push(code);
        }
        let j = judge(v, &devs, &codes[0], &codes[1]);
        tally.add(v, &j);
    }
    tally.print("vaxcert-verify binary conformance");
    assert!(
        tally.wrong.is_empty(),
        "{} undocumented mismatches",
        tally.wrong.len()
    );
    assert!(
        tally.reproduced > 1000,
        "too few flags reproduced: {}",
        tally.reproduced
    );
}
