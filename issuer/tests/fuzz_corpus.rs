//! Replays the issuer's fuzz targets (`fuzz/`: `submission`, `import_rows`, `jwt`) on their
//! committed seeds (`fuzz/seeds/<target>/`) and crash regressions (`fuzz/regressions/<target>/`)
//! as ordinary tests: no nightly toolchain, no cargo-fuzz. The target bodies are the very
//! functions the fuzzer runs (`fuzz/src/issuer_inputs.rs`, included here by path), so a crash
//! found by fuzzing stays fixed once its input is copied into `regressions/`.
//!
//! `VAXCERT_FUZZ_REPLAY_CORPUS=1` also replays `fuzz/corpus/<target>/` (the fuzzer's local,
//! uncommitted corpus).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[allow(unreachable_pub)]
#[path = "../../fuzz/src/issuer_inputs.rs"]
mod issuer_inputs;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut dirs = vec!["seeds", "regressions"];
    if std::env::var_os("VAXCERT_FUZZ_REPLAY_CORPUS").is_some() {
        dirs.push("corpus");
    }
    let mut files = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(root.join(d).join(target)) else {
            continue;
        };
        files.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
    }
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no seeds for fuzz target {target}");
    for file in &files {
        // Printed before the call: a panic's output then names the input.
        eprintln!("{target}: {}", file.display());
        run(&std::fs::read(file).unwrap());
    }
}

#[test]
fn submission_seeds_and_regressions_replay_without_panic() {
    replay("submission", issuer_inputs::submission);
}

#[test]
fn import_rows_seeds_and_regressions_replay_without_panic() {
    replay("import_rows", issuer_inputs::import_rows);
}

#[test]
fn jwt_seeds_and_regressions_replay_without_panic() {
    replay("jwt", issuer_inputs::jwt);
}
