//! Personal data and keys at rest are private from the first byte (issue #12, finding 4): the
//! data directory 0700, the SQLite database and its `-wal`/`-shm` files 0600, every private
//! key and secret 0600 in a 0700 directory; a private key others can read stops start-up.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use issuer::config::{CommonArgs, Config};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn config(dir: &Path) -> Config {
    let args = CommonArgs {
        data_dir: Some(dir.join("data")),
        ..Default::default()
    };
    Config::resolve(&args, None).unwrap()
}

#[tokio::test]
async fn data_directory_database_and_keys_are_created_private() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path());
    let issuer = issuer::open(&cfg, 1_700_000_000).await.unwrap();
    // Write something so that SQLite has its WAL files.
    issuer
        .add_facility("HN-001", "HN-001", "test", 1_700_000_000)
        .await
        .unwrap();
    let data = tmp.path().join("data");
    assert_eq!(mode(&data), 0o700);
    for f in ["issuer.db", "issuer.db-wal", "issuer.db-shm"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    let keys = data.join("keys");
    assert_eq!(mode(&keys), 0o700);
    assert_eq!(mode(&keys.join("dsc")), 0o700);
    let private = issuer.keys().private_files().unwrap();
    assert!(private.len() >= 5, "{private:?}");
    for p in &private {
        assert_eq!(mode(p), 0o600, "{}", p.display());
    }
    issuer.close().await;
}

#[tokio::test]
async fn a_private_key_readable_by_others_stops_start_up() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path());
    issuer::open(&cfg, 1_700_000_000)
        .await
        .unwrap()
        .close()
        .await;
    let key = tmp.path().join("data/keys/list-signer.key.pem");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = issuer::open(&cfg, 1_700_000_000).await.unwrap_err();
    assert_eq!(e.code(), "CONFIG_INVALID");
    assert!(e.to_string().contains("list-signer.key.pem"), "{e}");
}
