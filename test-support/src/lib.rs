//! Fixtures shared by the workspace's integration tests and benches: where the shared reference
//! data lives, a ministry PKI generated at test time (no private key is stored in the repository),
//! certificates ("passes") built from typed claims, and the shipped rule sets.
//!
//! Used only as a `[dev-dependencies]` entry (`publish = false`); library code never links it.
//!
//! ```
//! use test_support::{pass, pki::Ministry};
//! use wallet_format::Algorithm;
//!
//! let ministry = Ministry::new(Algorithm::Es256, pass::NOW, &[]);
//! let pass = pass::claims(pass::vaccination(2, 2, pass::NOW - 30 * pass::DAY));
//! let hc1 = pass::sign(&pass, &ministry.dsc_signer());
//! assert!(hc1.starts_with("HC1:"));
//! ```
#![warn(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

pub mod pass;
pub mod pki;
pub mod rules;

/// The workspace root: the folder holding the top-level `Cargo.toml`.
pub fn workspace_root() -> PathBuf {
    // This crate sits one level below the root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The shared reference data (EU conformance vectors, QR images, schema, value sets, CertLogic
/// suite): `$VAXCERT_SHARED`, else `shared/` beside the workspace root.
///
/// Panics with a clear message when the folder is missing: a test must not pass silently
/// because its data was not there.
pub fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("VAXCERT_SHARED") {
        Some(d) => PathBuf::from(d),
        None => workspace_root().join("..").join("shared"),
    };
    assert!(
        dir.is_dir(),
        "shared reference data not found at {} (set VAXCERT_SHARED to the shared/ folder)",
        dir.display()
    );
    dir
}

/// `shared_dir()/rel`, panicking with a clear message when it does not exist.
pub fn shared_path(rel: &str) -> PathBuf {
    let path = shared_dir().join(rel);
    assert!(
        path.exists(),
        "shared reference data {} not found (set VAXCERT_SHARED to the shared/ folder)",
        path.display()
    );
    path
}
