//! Replays every fuzz target on its committed seeds (`seeds/<target>/`) and crash regressions
//! (`regressions/<target>/`) as ordinary tests, on the stable toolchain, through the very
//! functions the fuzzer runs (`src/dcc_inputs.rs`, `src/issuer_inputs.rs`):
//!
//! ```sh
//! cargo test --manifest-path fuzz/Cargo.toml --test replay
//! ```
//!
//! `VAXCERT_FUZZ_REPLAY_CORPUS=1` also replays `corpus/<target>/` (the fuzzer's local,
//! uncommitted corpus). The issuer targets are replayed by `issuer/tests/fuzz_corpus.rs` too,
//! inside the main workspace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

use std::path::{Path, PathBuf};
use vaxcert_fuzz::{dcc_inputs, issuer_inputs};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
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

macro_rules! replay_tests {
    ($($module:ident :: $target:ident),* $(,)?) => {$(
        #[test]
        fn $target() {
            replay(stringify!($target), $module::$target);
        }
    )*};
}

replay_tests!(
    dcc_inputs::decode_text,
    dcc_inputs::decode_cose,
    dcc_inputs::verify_text,
    dcc_inputs::trust_list_load,
    dcc_inputs::revocation_load,
    dcc_inputs::gateway_import,
    dcc_inputs::certlogic_eval,
    dcc_inputs::qr_image,
    issuer_inputs::submission,
    issuer_inputs::import_rows,
    issuer_inputs::jwt,
);
