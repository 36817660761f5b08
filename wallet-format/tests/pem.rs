//! PEM through the `pem` crate: what we write reads back, the wanted block is found among
//! others, and broken input is refused rather than half-read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use wallet_format::signing::{der_to_pem, pem_to_der};

#[test]
fn written_pem_reads_back_with_64_column_lines() {
    let der: Vec<u8> = (0..=255u8).cycle().take(700).collect();
    let text = der_to_pem(&der, "CERTIFICATE");
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(text.lines().all(|l| l.len() <= 64));
    assert_eq!(pem_to_der(&text, "CERTIFICATE"), Some(der));
}

#[test]
fn finds_the_block_with_the_wanted_label_among_others_and_crlf() {
    let key = der_to_pem(b"key bytes", "PRIVATE KEY");
    let cert = der_to_pem(b"cert bytes", "CERTIFICATE");
    let bundle = format!("comment line\r\n{key}\r\n{cert}trailing text").replace('\n', "\r\n");
    assert_eq!(
        pem_to_der(&bundle, "CERTIFICATE").as_deref(),
        Some(&b"cert bytes"[..])
    );
    assert_eq!(
        pem_to_der(&bundle, "PRIVATE KEY").as_deref(),
        Some(&b"key bytes"[..])
    );
    assert_eq!(pem_to_der(&bundle, "PUBLIC KEY"), None);
}

#[test]
fn refuses_a_block_with_broken_base64_or_no_end() {
    assert_eq!(
        pem_to_der(
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "CERTIFICATE"
        ),
        None
    );
    assert_eq!(
        pem_to_der("-----BEGIN CERTIFICATE-----\nAAAA\n", "CERTIFICATE"),
        None
    );
}
