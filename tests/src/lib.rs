//! Workspace-level tests. The library holds the dgc-testdata conformance judge, shared with the
//! binary-driven run in `verifier/tests/conformance_cli.rs`; where the shared data lives comes from
//! `test-support`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod conformance;
