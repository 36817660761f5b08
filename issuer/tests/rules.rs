//! Signed CertLogic rule sets published by the issuer (spec/issuer.md §Rule sets): signed with
//! the list signer, sequence kept in the database, served at `GET /v1/rules/{name}`, exported by
//! `keys export`, and accepted by the *verifier crate* against the issuer's anchor — which then
//! applies the rules to a certificate the same issuer signed. Against SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use issuer::tokens::Role;
use issuer::with_db;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use tower::ServiceExt;
use trust_list::list::{verify_trust_list, VerifyOptions};
use trust_list::{Dsc, TrustState, TrustStore};
use verifier::{Outcome, Policy, Reason, SignedPolicyContext, TrustContext, Verdict};

use test_support::rules::{stricter_venue_json, vn_venue_json};

const DAY: i64 = 86_400;

fn now_of(h: &Harness) -> i64 {
    h.clock.0.load(std::sync::atomic::Ordering::SeqCst)
}

/// GET over the in-memory router: status, content type, body.
async fn get(h: &Harness, path: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let req = Request::builder()
        .method("GET")
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let resp = issuer::http::router(h.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, ct, body.to_vec())
}

async fn anchor(h: &Harness) -> Dsc {
    let (s, _, pem) = get(h, "/v1/anchor.pem").await;
    assert_eq!(s, StatusCode::OK);
    Dsc::from_pem(std::str::from_utf8(&pem).unwrap()).unwrap()
}

/// Fetch `/v1/rules/{name}` and load it with the verifier library against the anchor.
async fn fetch_policy(h: &Harness, name: &str, state: &mut TrustState) -> Policy {
    let (s, ct, bytes) = get(h, &format!("/v1/rules/{name}")).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(ct.as_deref(), Some("application/cose"));
    let anchor = anchor(h).await;
    Policy::from_signed_rule_set(
        name,
        &bytes,
        &anchor,
        state,
        &VerifyOptions::new(now_of(h), 0),
    )
    .unwrap()
}

/// Verify `hc1` under `policy` with the trust list the issuer publishes.
async fn verify_under(h: &Harness, hc1: &str, policy: &Policy) -> Verdict {
    let now = now_of(h);
    let anchor = anchor(h).await;
    let (s, _, tl) = get(h, "/v1/trust-list").await;
    assert_eq!(s, StatusCode::OK);
    let mut state = TrustState::default();
    let verified =
        verify_trust_list(&tl, &anchor, &mut state, &VerifyOptions::new(now, 0)).unwrap();
    let mut store = TrustStore::new();
    store.add_signed_list(&verified);
    let ctx = TrustContext::new(store);
    let clock = time::OffsetDateTime::from_unix_timestamp(now + 1).unwrap();
    verifier::verify(hc1, &ctx, policy, clock)
}

/// Issue a 2/2 vaccination (a month before the clock) and return its HC1.
async fn issue_complete(h: &Harness) -> String {
    let token = h.facility("HN-001").await;
    let (s, body) = h
        .call(
            "POST",
            "/v1/vaccinations",
            Some(&token),
            Some(dose("HN-001", "r-1", "079090001234", 2, 2, "2025-05-01")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["certificate"]["status"], "complete");
    body["certificate"]["hc1"].as_str().unwrap().to_string()
}

async fn signs_rules_the_verifier_applies_and_a_resign_replaces_them(backend: Backend) {
    let Some(h) = Harness::new(backend).await else {
        return;
    };
    let now = now_of(&h);
    let first = h
        .issuer
        .sign_rule_set("vn-venue", &vn_venue_json(), 30 * DAY, "test", now)
        .await
        .unwrap();
    assert_eq!((first.sequence, first.issued_at), (1, now));
    assert_eq!(first.valid_until, now + 30 * DAY);
    let hc1 = issue_complete(&h).await;

    let mut state = TrustState::default();
    let policy = fetch_policy(&h, "vn-venue", &mut state).await;
    let origin = policy.signed().unwrap();
    assert_eq!((origin.name.as_str(), origin.sequence), ("vn-venue", 1));
    assert_eq!(
        origin.signer,
        Dsc::from_der(&h.issuer.keys().list_signer.cert_der)
            .unwrap()
            .subject()
    );
    let v = verify_under(&h, &hc1, &policy).await;
    assert_eq!(
        v.outcome,
        Outcome::Valid,
        "{:?} {:?}",
        v.reason,
        v.failed_rules
    );

    // The ministry publishes a stricter decree: the next sequence, served from then on.
    let second = h
        .issuer
        .sign_rule_set("vn-venue", &stricter_venue_json(), 30 * DAY, "test", now)
        .await
        .unwrap();
    assert_eq!(second.sequence, 2, "the sequence increases on re-sign");
    let stricter = fetch_policy(&h, "vn-venue", &mut state).await;
    assert_eq!(stricter.signed().unwrap().sequence, 2);
    let v = verify_under(&h, &hc1, &stricter).await;
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(
        matches!(v.reason, Some(Reason::RulesFailed)),
        "{:?}",
        v.reason
    );
    let failed: Vec<_> = v.failed_rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(failed, ["VR-VN-9000"]);

    // Once sequence 2 is held, the first publication is a rollback.
    let anchor = anchor(&h).await;
    let err = Policy::from_signed_rule_set(
        "vn-venue",
        &first.signed,
        &anchor,
        &mut state,
        &VerifyOptions::new(now, 0),
    )
    .unwrap_err();
    assert_eq!(err.code(), "RULE_SET_ROLLBACK");

    // Each signing is in the audit chain.
    let verdict = with_db!(&h.issuer.db(), |p| {
        let mut c = p.acquire().await.unwrap();
        issuer::audit::verify(&mut *c).await.unwrap()
    });
    assert!(matches!(verdict, issuer::audit::Verdict::Intact { .. }));
    h.cleanup().await;
}

#[tokio::test]
async fn signs_rules_the_verifier_applies_and_a_resign_replaces_them_sqlite() {
    signs_rules_the_verifier_applies_and_a_resign_replaces_them(Backend::Sqlite).await;
}

#[tokio::test]
async fn signs_rules_the_verifier_applies_and_a_resign_replaces_them_postgres() {
    signs_rules_the_verifier_applies_and_a_resign_replaces_them(Backend::Postgres).await;
}

async fn publishes_the_shipped_sets_once_and_refreshes_them_when_aging(backend: Backend) {
    let Some(h) = Harness::new(backend).await else {
        return;
    };
    let hc1 = issue_complete(&h).await;
    let mut state = TrustState::default();
    let (_, _, first) = get(&h, "/v1/rules/vn-travel").await;
    let (_, _, again) = get(&h, "/v1/rules/vn-travel").await;
    assert_eq!(first, again, "a fresh publication is served as it is");
    let travel = fetch_policy(&h, "vn-travel", &mut state).await;
    assert_eq!(travel.signed().unwrap().sequence, 1);
    let shipped = certlogic::RuleSet::builtin_vn_travel().unwrap().to_bytes();
    let Policy::Rules(r) = &travel else {
        panic!("expected rules")
    };
    assert_eq!(r.rules().to_bytes(), shipped, "exactly the shipped rules");
    // Travel accepts a primary series from day 14 to day 270: 31 days after the dose, VALID.
    let v = verify_under(&h, &hc1, &travel).await;
    assert_eq!(
        v.outcome,
        Outcome::Valid,
        "{:?} {:?}",
        v.reason,
        v.failed_rules
    );

    let venue = fetch_policy(&h, "vn-venue", &mut TrustState::default()).await;
    assert_eq!(venue.signed().unwrap().sequence, 1);

    // Past half of its 30-day validity the next request re-signs it as sequence 2, which a
    // verifier holding sequence 1 accepts.
    h.clock
        .0
        .fetch_add(16 * DAY, std::sync::atomic::Ordering::SeqCst);
    let refreshed = fetch_policy(&h, "vn-travel", &mut state).await;
    let origin = refreshed.signed().unwrap();
    assert_eq!(origin.sequence, 2);
    assert_eq!(origin.valid_until, now_of(&h) + 30 * DAY);
    let v = verify_under(&h, &hc1, &refreshed).await;
    assert_eq!(
        v.outcome,
        Outcome::Valid,
        "{:?} {:?}",
        v.reason,
        v.failed_rules
    );
    let (_, _, later) = get(&h, "/v1/rules/vn-travel").await;
    assert_ne!(later, first);
    h.cleanup().await;
}

#[tokio::test]
async fn publishes_the_shipped_sets_once_and_refreshes_them_when_aging_sqlite() {
    publishes_the_shipped_sets_once_and_refreshes_them_when_aging(Backend::Sqlite).await;
}

#[tokio::test]
async fn publishes_the_shipped_sets_once_and_refreshes_them_when_aging_postgres() {
    publishes_the_shipped_sets_once_and_refreshes_them_when_aging(Backend::Postgres).await;
}

async fn two_replicas_signing_at_once_publish_distinct_sequences(backend: Backend) {
    let Some(h) = Harness::new(backend).await else {
        return;
    };
    let other = h.replica().await;
    let now = now_of(&h);
    let json = vn_venue_json();
    let mut handles = Vec::new();
    for (i, issuer) in [h.issuer.clone(), other.clone()]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        let json = json.clone();
        handles.push(tokio::spawn(async move {
            issuer
                .sign_rule_set("city-rules", &json, DAY, &format!("r{i}"), now)
                .await
                .unwrap()
                .sequence
        }));
    }
    let mut seqs = Vec::new();
    for t in handles {
        seqs.push(t.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    other.db().close().await;
    h.cleanup().await;
}

#[tokio::test]
async fn two_replicas_signing_at_once_publish_distinct_sequences_sqlite() {
    two_replicas_signing_at_once_publish_distinct_sequences(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_replicas_signing_at_once_publish_distinct_sequences_postgres() {
    two_replicas_signing_at_once_publish_distinct_sequences(Backend::Postgres).await;
}

#[tokio::test]
async fn answers_404_with_the_standard_error_body_for_an_unknown_rule_set() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    for path in ["/v1/rules/no-such-set", "/v1/rules/bad%20name"] {
        let (s, ct, body) = get(&h, path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(ct.as_deref(), Some("application/json"));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "NOT_FOUND");
        assert_eq!(v["message"], "not found");
    }
    // Public: a token is not needed, and one does not change the answer.
    let t = h.token(Role::Auditor, None).await;
    let (s, _) = h.call("GET", "/v1/rules/vn-venue", Some(&t), None).await;
    assert_eq!(s, StatusCode::OK);
    h.cleanup().await;
}

#[tokio::test]
async fn refuses_invalid_rule_sets_with_a_clear_error_and_stores_nothing() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let now = now_of(&h);
    let mut bad_logic: Value = serde_json::from_str(&vn_venue_json()).unwrap();
    bad_logic[0]["Logic"] = json!({"no-such-operator": [1]});
    let cases = [
        ("draft", "{not json".to_string(), "not valid [CERTLOGIC_"),
        ("draft", bad_logic.to_string(), "not valid [CERTLOGIC_"),
        ("draft", "[]".to_string(), "no rules"),
        ("bad name", vn_venue_json(), "rule set name"),
    ];
    for (name, json, expected) in cases {
        let err = h
            .issuer
            .sign_rule_set(name, &json, DAY, "test", now)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CONFIG_INVALID");
        assert!(err.to_string().contains(expected), "{err} lacks {expected}");
    }
    let err = h
        .issuer
        .sign_rule_set("draft", &vn_venue_json(), 0, "test", now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("validity"), "{err}");
    let (s, _, _) = get(&h, "/v1/rules/draft").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing was published");
    h.cleanup().await;
}

// ---------------------------------------------------------------- the real binary

fn cli(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vaxcert-issuer"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("VAXCERT_DATABASE_URL")
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn rules_sign_cli_refuses_invalid_json_signs_valid_sets_and_keys_export_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bad = write(
        dir.path(),
        "bad.json",
        r#"[{"Identifier": "VR-VN-1", "Logic": {"+": "#,
    );
    let out = cli(
        &data,
        &["rules", "sign", bad.to_str().unwrap(), "--name", "draft"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error [CONFIG_INVALID]") && stderr.contains("not valid [CERTLOGIC_"),
        "{stderr}"
    );

    let good = write(dir.path(), "venue.json", &vn_venue_json());
    let signed = dir.path().join("venue.cose");
    for expected in ["sequence 1", "sequence 2"] {
        let out = cli(
            &data,
            &[
                "rules",
                "sign",
                good.to_str().unwrap(),
                "--name",
                "city-venue",
                "--valid-for",
                "7d",
                "--out",
                signed.to_str().unwrap(),
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains(expected), "{stdout}");
    }

    let export = dir.path().join("export");
    let out = cli(&data, &["keys", "export", export.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let anchor_pem = std::fs::read_to_string(export.join("anchor.pem")).unwrap();
    let anchor = Dsc::from_pem(&anchor_pem).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut state = TrustState::default();
    for (file, name, shipped) in [
        (
            export.join("rules-vn-venue.cose"),
            "vn-venue",
            certlogic::RuleSet::builtin_vn_venue().unwrap(),
        ),
        (
            export.join("rules-vn-travel.cose"),
            "vn-travel",
            certlogic::RuleSet::builtin_vn_travel().unwrap(),
        ),
        (
            signed.clone(),
            "city-venue",
            certlogic::RuleSet::from_json(&vn_venue_json()).unwrap(),
        ),
    ] {
        let policy = Policy::from_file_with(
            &file,
            Some(SignedPolicyContext {
                anchor: Some(&anchor),
                state: &mut state,
                opts: VerifyOptions::new(now, 0),
            }),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(policy.signed().unwrap().name, name);
        let Policy::Rules(r) = &policy else {
            panic!("expected rules")
        };
        assert_eq!(r.rules().to_bytes(), shipped.to_bytes());
    }
    // The file --out wrote is the second signing.
    let mut state = TrustState::default();
    let p = Policy::from_file_with(
        &signed,
        Some(SignedPolicyContext {
            anchor: Some(&anchor),
            state: &mut state,
            opts: VerifyOptions::new(now, 0),
        }),
    )
    .unwrap();
    assert_eq!(p.signed().unwrap().sequence, 2);
}

/// `vaxcert-verify`, built once per test process by cargo (`escargot`: `cargo build -p verifier
/// --bin vaxcert-verify`, release when this test is, in the workspace target dir; the path is
/// read from cargo's JSON messages). Another package's binary has no `CARGO_BIN_EXE_*` here, and the verifier
/// library no longer exports its command line.
fn vaxcert_verify() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        escargot::CargoBuild::new()
            .package("verifier")
            .bin("vaxcert-verify")
            .current_release()
            .run()
            .unwrap()
            .path()
            .to_path_buf()
    })
}

/// The verifier's binary over the files `keys export` writes: the exported signed venue rules
/// are accepted against the exported anchor and applied to a certificate the issuer signed;
/// after a stricter `vn-venue` is signed, a fresh export makes the same certificate INVALID.
#[tokio::test]
async fn vaxcert_verify_accepts_the_exported_signed_policy_and_applies_it() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let hc1 = issue_complete(&h).await;
    let state_dir = h.dir.path().join("verifier-state");
    std::fs::create_dir_all(&state_dir).unwrap();
    let bin = vaxcert_verify();
    let run = |dir: &Path| {
        let out = Command::new(bin)
            .arg("--trust-list")
            .arg(dir.join("trust-list.cose"))
            .arg("--anchor")
            .arg(dir.join("anchor.pem"))
            .arg("--revocations")
            .arg(dir.join("revocations.cose"))
            .arg("--policy")
            .arg(dir.join("rules-vn-venue.cose"))
            .arg("--state-dir")
            .arg(&state_dir)
            .args(["--at", "2025-06-01T00:00:05Z", "--json", &hc1])
            .output()
            .unwrap();
        out.status.code().unwrap()
    };
    let first = h.dir.path().join("export-1");
    let files = h.issuer.export(&first, T0 * 1000).await.unwrap();
    assert!(files.contains(&"rules-vn-venue.cose") && files.contains(&"rules-vn-travel.cose"));
    assert_eq!(
        run(&first),
        0,
        "VALID under the exported shipped venue rules"
    );

    h.issuer
        .sign_rule_set("vn-venue", &stricter_venue_json(), 30 * DAY, "test", T0)
        .await
        .unwrap();
    let second = h.dir.path().join("export-2");
    h.issuer.export(&second, T0 * 1000).await.unwrap();
    assert_eq!(run(&second), 1, "INVALID under the stricter sequence 2");
    // The verifier now holds sequence 2: the first export's rules are a rollback (exit 2).
    assert_eq!(run(&first), 2);
    h.cleanup().await;
}
