//! The bodies of the issuer's fuzz targets (`submission`, `import_rows`, `jwt`), as plain
//! functions so that two builds share them: the cargo-fuzz targets (`fuzz_targets/*.rs`, nightly)
//! and the replay test `issuer/tests/fuzz_corpus.rs` (stable, `cargo test`), which includes this
//! file with `#[path]` and feeds it every file of `seeds/<target>/` and `regressions/<target>/`.
//! It therefore uses only crates the issuer's tests have too: `issuer`, `serde_json`,
//! `tokio`, `tempfile`, `jsonwebtoken`.
//!
//! Beyond "never panics", each function checks a property of the issuer's answer:
//! - [`submission`]: an accepted submission, re-submitted in its normalised form, is accepted
//!   again with the same content and the same idempotency hash (normalising twice changes
//!   nothing), and every accepted field is within the documented limits;
//! - [`import_rows`]: every row the bulk import reads is counted once, as issued, already
//!   present or rejected;
//! - [`jwt`]: a token authenticates only when it carries a genuine signature and names a
//!   registered, unrevoked, unexpired token row whose role and facility it repeats.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use issuer::input::{self, parse_submission, DoseInput};
use issuer::tokens::Role;
use serde_json::{json, Value};

/// The clock of every issuer target: 2025-06-15T15:06:40Z.
pub const NOW: i64 = 1_750_000_000;

/// Token rows the `jwt` fixture registers: (jti, role, facility, row expiry, revoked). Only the
/// first three may ever authenticate.
pub const TOKENS: &[(&str, &str, Option<&str>, i64, bool)] = &[
    (
        "fuzz-facility",
        "facility",
        Some("FUZZ-1"),
        NOW + 86_400,
        false,
    ),
    ("fuzz-ministry", "ministry", None, NOW + 86_400, false),
    ("fuzz-auditor", "auditor", None, NOW + 86_400, false),
    ("fuzz-revoked", "ministry", None, NOW + 86_400, true),
    ("fuzz-row-expired", "ministry", None, NOW - 1, false),
    (
        "fuzz-facility-revoked",
        "facility",
        Some("FUZZ-REVOKED"),
        NOW + 86_400,
        false,
    ),
];

/// A running issuer on a temporary SQLite database with development keys, shared by the
/// `import_rows` and `jwt` targets of one process.
pub struct IssuerFixture {
    /// Runtime every call goes through.
    pub rt: tokio::runtime::Runtime,
    /// The issuer.
    pub issuer: issuer::Issuer,
    /// `token.key`, to sign fuzzed claims with the genuine key.
    pub token_secret: Vec<u8>,
    /// Holds the data directory.
    pub dir: tempfile::TempDir,
}

/// The process-wide issuer fixture (made on first use; in `/dev/shm` when there is one, since
/// every import batch is a synchronous=FULL transaction).
pub fn issuer_fixture() -> &'static IssuerFixture {
    static F: OnceLock<IssuerFixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = match std::path::Path::new("/dev/shm").is_dir() {
            true => tempfile::tempdir_in("/dev/shm"),
            false => tempfile::tempdir(),
        }
        .expect("temporary directory");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let keys_dir = dir.path().join("keys");
        issuer::keys::generate_dev(&keys_dir, "VN", NOW).expect("development keys");
        let keys = Arc::new(issuer::keys::Keys::load(&keys_dir).expect("keys"));
        let token_secret = keys.token_secret.clone();
        let url = format!("sqlite://{}", dir.path().join("issuer.db").display());
        let issuer = rt.block_on(async {
            let db = issuer::db::Db::connect(&url).await.expect("database");
            keys.sync(&db, NOW).await.expect("key sync");
            register(&db).await;
            issuer::Issuer::new(db, keys, issuer::Settings::default())
        });
        IssuerFixture {
            rt,
            issuer,
            token_secret,
            dir,
        }
    })
}

async fn register(db: &issuer::db::Db) {
    use issuer::db::{Facilities, Tokens};
    issuer::with_db!(db, |p| {
        let mut c = p.acquire().await.expect("connection");
        for f in ["FUZZ-1", "FUZZ-REVOKED"] {
            Facilities::facility_insert(&mut *c, f, f, NOW - 10)
                .await
                .expect("facility");
        }
        Facilities::facility_revoke(&mut *c, "FUZZ-REVOKED", NOW - 5)
            .await
            .expect("facility revoke");
        for (jti, role, fac, expires_at, revoked) in TOKENS {
            let row = issuer::db::rows::TokenRow {
                id: (*jti).into(),
                role: (*role).into(),
                facility_id: fac.map(str::to_string),
                expires_at: *expires_at,
                revoked_at: None,
            };
            Tokens::token_insert(&mut *c, &row, NOW - 10)
                .await
                .expect("token row");
            if *revoked {
                Tokens::token_revoke(&mut *c, jti, NOW - 5)
                    .await
                    .expect("token revoke");
            }
        }
    })
}

/// Whether `VAXCERT_FUZZ_DEBUG` is set: the targets then print what each input reached.
fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("VAXCERT_FUZZ_DEBUG").is_some())
}

// --- submission ---------------------------------------------------------------------------------

/// `POST /v1/vaccinations` bodies (and the two correction bodies): the bytes as JSON through
/// `parse_submission`, `parse_dose_correction`, `parse_person_correction`.
pub fn submission(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    check_submission(&v);
    let _ = input::parse_dose_correction(&v, NOW);
    let _ = input::parse_person_correction(&v, NOW);
    if let Some(p) = v.get("person") {
        let _ = input::parse_person_correction(p, NOW);
    }
}

/// Parse `v`; when accepted, check limits and that the normalised form is a fixed point.
fn check_submission(v: &Value) -> Option<DoseInput> {
    let parsed = parse_submission(v, NOW);
    if debug() {
        eprintln!(
            "  submission: {:?}",
            parsed.as_ref().map(|_| ()).map_err(|e| e.code())
        );
    }
    let parsed = parsed.ok()?;
    check_limits(&parsed);
    let again = parse_submission(&as_submission(&parsed), NOW);
    match again {
        Ok(again) => {
            assert_eq!(again, parsed, "normalising twice changed the submission");
            assert_eq!(again.content_hash(), parsed.content_hash());
        }
        Err(e) => panic!("the normalised form of an accepted submission is refused: {e:?}"),
    }
    Some(parsed)
}

fn check_limits(d: &DoseInput) {
    let chars = |s: &str| s.chars().count();
    assert!(!d.facility_id.is_empty() && chars(&d.facility_id) <= 64);
    assert!(!d.facility_record_id.is_empty());
    assert!(chars(&d.facility_record_id) <= input::MAX_RECORD_ID);
    assert!(!d.person.document.number.is_empty());
    assert!(chars(&d.person.document.number) <= input::MAX_NATIONAL_ID);
    assert!(chars(&d.person.family_name) <= input::MAX_NAME);
    assert!(d.person.given_name.as_deref().map_or(0, chars) <= input::MAX_NAME);
    assert!(d.dose.lot.as_deref().map_or(0, chars) <= input::MAX_LOT);
    assert!(
        (1..=9).contains(&d.dose.dose_number),
        "dose_number {}",
        d.dose.dose_number
    );
    assert!((1..=9).contains(&d.dose.series_total));
}

/// A parsed submission in the wire shape of `POST /v1/vaccinations`.
fn as_submission(d: &DoseInput) -> Value {
    let mut person = json!({
        "family_name": d.person.family_name,
        "date_of_birth": d.person.date_of_birth,
    });
    // The document in its wire shape (a national id as before kinds existed).
    if let (Ok(Value::Object(doc)), Some(p)) = (
        serde_json::to_value(&d.person.document),
        person.as_object_mut(),
    ) {
        if let Some(n) = doc.get("national_id") {
            p.insert("national_id".into(), n.clone());
        } else {
            let mut wire = serde_json::Map::new();
            wire.insert("type".into(), doc["document_type"].clone());
            wire.insert("number".into(), doc["document_number"].clone());
            if !doc["document_country"].is_null() {
                wire.insert("country".into(), doc["document_country"].clone());
            }
            p.insert("document".into(), Value::Object(wire));
        }
    }
    if let (Some(g), Some(p)) = (&d.person.given_name, person.as_object_mut()) {
        p.insert("given_name".into(), Value::from(g.as_str()));
    }
    let mut v = json!({
        "facility_id": d.facility_id,
        "facility_record_id": d.facility_record_id,
        "person": person,
        "target": d.dose.target,
        "vaccine_type": d.dose.vaccine_type,
        "product": d.dose.product,
        "manufacturer": d.dose.manufacturer,
        "dose_number": d.dose.dose_number,
        "series_total": d.dose.series_total,
        "date": d.dose.date,
        "country": d.dose.country,
    });
    if let (Some(l), Some(o)) = (&d.dose.lot, v.as_object_mut()) {
        o.insert("lot".into(), Value::from(l.as_str()));
    }
    v
}

// --- import rows --------------------------------------------------------------------------------

/// `vaxcert-issuer import`: the bytes as a CSV file (header + rows) and as an NDJSON file, each
/// through `issuer::import::run` on the fixture issuer. Valid rows are really issued.
pub fn import_rows(data: &[u8]) {
    let f = issuer_fixture();
    for ext in ["csv", "ndjson"] {
        let n = next_file();
        let file = f.dir.path().join(format!("rows-{n}.{ext}"));
        let written = std::fs::File::create(&file).and_then(|mut w| w.write_all(data));
        if written.is_err() {
            return; // a full /dev/shm is not the issuer's fault
        }
        let mut opts = issuer::import::Options::for_file(&file);
        opts.progress = false;
        opts.batch = 64;
        let result =
            f.rt.block_on(issuer::import::run(&f.issuer, &file, &opts, NOW));
        if let Ok(s) = &result {
            assert_eq!(
                s.rows,
                s.issued + s.already_present + s.rejected + s.held,
                "every row is counted once: {s:?}"
            );
            if let Ok(rejects) = std::fs::read_to_string(&opts.rejects) {
                let lines = rejects.lines().filter(|l| !l.trim().is_empty()).count();
                assert_eq!(
                    lines as u64,
                    s.rejected + s.held,
                    "one rejects line per rejected or held row"
                );
            }
        }
        let _ = std::fs::remove_file(&file);
        let _ = std::fs::remove_file(&opts.rejects);
    }
}

fn next_file() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

// --- JWT ----------------------------------------------------------------------------------------

/// Bearer tokens through `Issuer::authenticate` (signature, claims, token row, facility). The
/// first byte picks how the rest becomes a token:
/// - 0: the bytes as the token text;
/// - 1: the bytes as the claims JSON, under an HS256 header, signed with the genuine key;
/// - 2: header JSON, NUL, claims JSON, signed (HMAC-SHA256) with the genuine key;
/// - 3: as 1 but signed with another key: must never authenticate.
pub fn jwt(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let f = issuer_fixture();
    let header = br#"{"alg":"HS256","typ":"JWT"}"#;
    let (token, genuine) = match mode % 4 {
        0 => (String::from_utf8_lossy(rest).into_owned(), true),
        1 => (signed(header, rest, &f.token_secret), true),
        2 => {
            let (h, c) = match rest.iter().position(|b| *b == 0) {
                Some(i) => (&rest[..i], rest.get(i + 1..).unwrap_or_default()),
                None => (&header[..], rest),
            };
            (signed(h, c, &f.token_secret), true)
        }
        _ => (
            signed(header, rest, b"not the token key, 32 bytes long"),
            false,
        ),
    };
    let result = f.rt.block_on(f.issuer.authenticate(&token, NOW));
    if debug() {
        eprintln!(
            "  jwt mode {}: {:?}",
            mode % 4,
            result.as_ref().map(|c| c.actor()).map_err(|e| e.code())
        );
    }
    let Ok(caller) = result else {
        return;
    };
    assert!(
        genuine,
        "a token signed with another key authenticated: {token}"
    );
    let row = TOKENS
        .iter()
        .take(3)
        .find(|(jti, ..)| *jti == caller.token_id)
        .unwrap_or_else(|| panic!("authenticated an unusable token id {:?}", caller.token_id));
    assert_eq!(Some(caller.role), Role::from_name(row.1));
    assert_eq!(caller.facility.as_deref(), row.2);
}

/// `base64url(header).base64url(claims).base64url(HMAC-SHA256)` under `key`.
fn signed(header: &[u8], claims: &[u8], key: &[u8]) -> String {
    let message = format!("{}.{}", b64url(header), b64url(claims));
    let key = jsonwebtoken::EncodingKey::from_secret(key);
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .unwrap_or_default();
    format!("{message}.{signature}")
}

/// Unpadded base64url (RFC 7515 §2).
fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}
