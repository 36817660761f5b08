//! Helpers shared by the workspace-level tests: where the shared reference data lives.
use std::path::PathBuf;

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The shared reference data: `$VAXCERT_SHARED`, else `../shared` beside the workspace root.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("VAXCERT_SHARED") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join("..").join("shared"),
    }
}

pub mod conformance;
