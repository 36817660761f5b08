//! Signed audit checkpoints (issue #12 item 9, spec/issuer.md §Audit log), on both backends:
//! the hash chain alone passes a log whose tail was cut or whose entries were edited with every
//! hash recomputed; a checkpoint kept from before (signed by the list signer) catches both, with
//! its own code. A checkpoint signed by another key is refused. Publications store one, and
//! minting a token is audited while a failed `revoke-token` writes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{Backend, Harness, T0};
use issuer::audit::Verdict;
use issuer::checkpoint::Checkpoint;
use issuer::tokens::Role;
use sha2::{Digest, Sha256};

both!(an_untouched_log_passes_its_checkpoints);
both!(a_cut_tail_passes_the_chain_but_not_the_checkpoint);
both!(an_edit_with_recomputed_hashes_passes_the_chain_but_not_the_checkpoint);
both!(a_checkpoint_signed_by_another_key_is_refused);
both!(every_list_publication_stores_a_checkpoint_of_the_head);
both!(minting_is_audited_and_a_failed_revoke_token_writes_nothing);

/// Ten audit entries (token mints).
async fn entries(h: &Harness, n: usize) {
    for _ in 0..n {
        h.token(Role::Auditor, None).await;
    }
}

async fn checkpoint(h: &Harness) -> Vec<u8> {
    let (s, headers, body) = h
        .raw_with_headers("GET", "/v1/audit/checkpoint", None, vec![])
        .await;
    assert_eq!(s, StatusCode::OK, "public, no token");
    assert_eq!(headers["content-type"], "application/cose");
    body
}

/// The code of the checkpoint check (`None`: it holds).
async fn check(h: &Harness, cp: &[u8]) -> Option<&'static str> {
    match h.issuer.verify_audit_checkpoint(cp).await.unwrap() {
        Ok(_) => None,
        Err(e) => Some(e.code()),
    }
}

async fn chain(h: &Harness) -> Verdict {
    h.issuer.verify_audit_log().await.unwrap()
}

async fn count(h: &Harness, action: Option<&str>) -> i64 {
    issuer::with_db!(h.issuer.db(), |p| {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE $1 = '' OR action = $1")
            .bind(action.unwrap_or(""))
            .fetch_one(p)
            .await
            .unwrap()
    })
}

/// What an attacker with database access does after editing an entry: recompute every hash
/// from there on (the chain formula of spec/issuer.md §Audit log).
async fn recompute_chain(h: &Harness) {
    issuer::with_db!(h.issuer.db(), |p| {
        let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
            "SELECT seq, at, actor, action, subject, detail FROM audit_log ORDER BY seq",
        )
        .fetch_all(p)
        .await
        .unwrap();
        let mut prev = vec![0u8; 32];
        for (seq, at, actor, action, subject, detail) in rows {
            let mut d = Sha256::new();
            d.update(&prev);
            d.update(seq.to_be_bytes());
            d.update(at.to_be_bytes());
            for f in [&actor, &action, &subject, &detail] {
                d.update((f.len() as u32).to_be_bytes());
                d.update(f.as_bytes());
            }
            let hash = d.finalize().to_vec();
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
                .bind(&prev)
                .bind(&hash)
                .bind(seq)
                .execute(p)
                .await
                .unwrap();
            prev = hash;
        }
    });
}

mod scenarios {
    use super::*;

    pub async fn an_untouched_log_passes_its_checkpoints(h: &Harness) {
        entries(h, 5).await;
        let first = checkpoint(h).await;
        assert_eq!(
            checkpoint(h).await,
            first,
            "the log did not move: the same checkpoint"
        );
        entries(h, 3).await;
        let second = checkpoint(h).await;
        assert_ne!(second, first);
        assert_eq!(check(h, &first).await, None);
        assert_eq!(check(h, &second).await, None);
        let cp = h.issuer.verify_audit_checkpoint(&second).await.unwrap();
        assert_eq!(cp.unwrap().sequence, 8);
    }

    pub async fn a_cut_tail_passes_the_chain_but_not_the_checkpoint(h: &Harness) {
        entries(h, 10).await;
        let cp = checkpoint(h).await;
        issuer::with_db!(h.issuer.db(), |p| {
            sqlx::query("DELETE FROM audit_log WHERE seq > 7")
                .execute(p)
                .await
                .unwrap();
        });
        assert_eq!(
            chain(h).await,
            Verdict::Intact { entries: 7 },
            "the chain alone"
        );
        assert_eq!(check(h, &cp).await, Some("AUDIT_LOG_TRUNCATED"));
        // Re-growing the log to the checkpoint's length does not hide it either.
        entries(h, 3).await;
        assert_eq!(check(h, &cp).await, Some("AUDIT_LOG_REWRITTEN"));
    }

    pub async fn an_edit_with_recomputed_hashes_passes_the_chain_but_not_the_checkpoint(
        h: &Harness,
    ) {
        entries(h, 10).await;
        let cp = checkpoint(h).await;
        issuer::with_db!(h.issuer.db(), |p| {
            sqlx::query("UPDATE audit_log SET detail = 'role=ministry facility=-' WHERE seq = 4")
                .execute(p)
                .await
                .unwrap();
        });
        recompute_chain(h).await;
        assert_eq!(
            chain(h).await,
            Verdict::Intact { entries: 10 },
            "the chain alone"
        );
        assert_eq!(check(h, &cp).await, Some("AUDIT_LOG_REWRITTEN"));
    }

    pub async fn a_checkpoint_signed_by_another_key_is_refused(h: &Harness) {
        entries(h, 4).await;
        let genuine = checkpoint(h).await;
        let (seq, hash) = issuer::with_db!(h.issuer.db(), |p| {
            let mut c = p.acquire().await.unwrap();
            issuer::db::AuditLog::audit_last(&mut *c)
                .await
                .unwrap()
                .unwrap()
        });
        // Another issuer's keys (its own CSCA and list signer), same sequence and hash.
        let other = tempfile::tempdir().unwrap();
        issuer::keys::generate_dev(other.path(), "VN", T0).unwrap();
        let keys = issuer::keys::Keys::load(other.path()).unwrap();
        let forged = Checkpoint {
            sequence: seq,
            head_hash: hash,
            issued_at: T0,
        }
        .sign(
            &keys.list_signer.signer().unwrap(),
            std::slice::from_ref(&keys.list_signer.cert_der),
        )
        .unwrap();
        assert_eq!(check(h, &forged).await, Some("AUDIT_CHECKPOINT_INVALID"));
        // Our own signed trust list is not a checkpoint; nor is garbage.
        let (_, list) = h.raw("GET", "/v1/trust-list", None, &[], vec![]).await;
        assert_eq!(check(h, &list).await, Some("AUDIT_CHECKPOINT_INVALID"));
        assert_eq!(
            check(h, b"not cose").await,
            Some("AUDIT_CHECKPOINT_INVALID")
        );
        // A flipped signature byte.
        let mut bad = genuine.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(check(h, &bad).await, Some("AUDIT_CHECKPOINT_INVALID"));
        assert_eq!(check(h, &genuine).await, None);
    }

    pub async fn every_list_publication_stores_a_checkpoint_of_the_head(h: &Harness) {
        entries(h, 2).await;
        assert!(h.issuer.stored_audit_checkpoint().await.unwrap().is_none());
        let (s, _) = h.raw("GET", "/v1/trust-list", None, &[], vec![]).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(count(h, Some("list_publish")).await, 1);
        let stored = h.issuer.stored_audit_checkpoint().await.unwrap().unwrap();
        assert_eq!(stored.seq, 3, "covers the publication's own audit entry");
        assert_eq!(check(h, &stored.signed).await, None);
        // The same list again: no new publication, no new entry.
        h.raw("GET", "/v1/trust-list", None, &[], vec![]).await;
        assert_eq!(count(h, Some("list_publish")).await, 1);
    }

    pub async fn minting_is_audited_and_a_failed_revoke_token_writes_nothing(h: &Harness) {
        let before = count(h, None).await;
        let minted = h
            .issuer
            .mint_token(Role::Ministry, None, 3600, "cli", T0)
            .await
            .unwrap();
        assert_eq!(count(h, None).await, before + 1);
        assert_eq!(count(h, Some("mint_token")).await, before + 1);
        let cp = checkpoint(h).await;
        let revoked = h
            .issuer
            .revoke_token("no-such-token", "cli", T0)
            .await
            .unwrap();
        assert!(!revoked);
        assert_eq!(count(h, None).await, before + 1, "nothing written");
        assert_eq!(count(h, Some("revoke_token")).await, 0);
        assert!(h.issuer.revoke_token(&minted.id, "cli", T0).await.unwrap());
        assert_eq!(count(h, Some("revoke_token")).await, 1);
        assert_eq!(check(h, &cp).await, None);
    }
}
