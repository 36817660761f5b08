//! Citizen portal sessions (spec/portal.md §Session, §CSRF): sign-in through the holder
//! retrieval check, a session stored in the database (so any replica serves it) under the
//! SHA-256 of a random token that only the browser's cookie holds, a per-session CSRF token,
//! and the pre-session CSRF token of the start page (an HMAC of a random cookie value).

use super::Issuer;
use crate::db::portal_sessions::{PortalSessionRow, PortalSessions};
use crate::error::{Error, Result};
use crate::with_db;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// How long a portal session lasts from sign-in (seconds): short, the card is looked at and
/// printed, not browsed.
pub const SESSION_SECONDS: i64 = 15 * 60;

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    /// The person whose certificates it shows.
    pub person_id: String,
    /// The token every form of the session carries.
    pub csrf_token: String,
    /// When it ends (unix seconds).
    pub expires_at: i64,
}

/// 32 random bytes, base64url: session tokens, CSRF tokens, pre-session values.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Internal("system random source failed".into()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

impl Issuer {
    /// Sign in with national id, date of birth and code (the checks, limits and answers of
    /// [`Issuer::holder_person`]); on success a new session and the token for its cookie.
    pub async fn portal_sign_in(
        &self,
        national_id: &str,
        dob: &str,
        code: &str,
        client_network: &str,
        now: i64,
    ) -> Result<(String, PortalSession)> {
        let person_id = self
            .holder_person(national_id, dob, code, client_network, now)
            .await?;
        let token = random_token()?;
        let row = PortalSessionRow {
            token_hash: token_hash(&token),
            person_id,
            csrf_token: random_token()?,
            created_at: now,
            expires_at: now + SESSION_SECONDS,
        };
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.portal_sessions_purge(now).await?;
            c.portal_session_insert(&row).await
        })?;
        Ok((
            token,
            PortalSession {
                person_id: row.person_id,
                csrf_token: row.csrf_token,
                expires_at: row.expires_at,
            },
        ))
    }

    /// The session behind a cookie token, if it exists and has not ended at `now`.
    pub async fn portal_session(&self, token: &str, now: i64) -> Result<Option<PortalSession>> {
        let row = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.portal_session_get(&token_hash(token), now).await
        })?;
        Ok(row.map(|r| PortalSession {
            person_id: r.person_id,
            csrf_token: r.csrf_token,
            expires_at: r.expires_at,
        }))
    }

    /// End the session behind a cookie token (nothing when there is none).
    pub async fn portal_sign_out(&self, token: &str) -> Result<()> {
        with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.portal_session_delete(&token_hash(token)).await
        })?;
        Ok(())
    }

    /// The CSRF token that goes with a pre-session cookie value.
    pub fn portal_csrf_token(&self, pre_session: &str) -> String {
        self.ident.csrf_token(pre_session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &b));
        assert!(!same_token(&a, &a[..42]));
        assert_ne!(token_hash(&a), a.as_bytes());
    }
}
