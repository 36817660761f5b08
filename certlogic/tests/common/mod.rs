//! Shared helpers for the integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::PathBuf;

/// The shared reference data (`VAXCERT_SHARED`, else `shared/` beside the workspace), checked to
/// hold `certlogic/`: tests must not silently skip.
pub fn shared_dir() -> PathBuf {
    test_support::shared_path("certlogic");
    test_support::shared_dir()
}

/// Sorted JSON files of a directory.
pub fn json_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}
