//! Person identifiers and retrieval codes as keyed hashes (spec/issuer.md §Personal data).
//!
//! The national ID is never stored: the database holds `HMAC-SHA-256(person.key, "nid:" ‖
//! normalised id)`. The holder's retrieval code is derived, not stored:
//! `HMAC-SHA-256(person.key, "rc:" ‖ person id ‖ ":" ‖ version)` rendered as 10 characters of
//! an unambiguous alphabet, so a retry of the first issuance can return the same code and a
//! database leak alone reveals neither.

use aws_lc_rs::hmac;

const ALPHABET: &[u8; 32] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789X";
/// Length of a retrieval code.
pub const CODE_LEN: usize = 10;

/// Keyed hashing with the server's person secret.
#[derive(Clone)]
pub struct Ident {
    key: hmac::Key,
}

impl std::fmt::Debug for Ident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ident(..)")
    }
}

/// Normalise a national ID: trim, drop spaces and hyphens, upper-case.
pub fn normalize_national_id(id: &str) -> String {
    id.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

impl Ident {
    /// From the secret bytes.
    pub fn new(secret: &[u8]) -> Ident {
        Ident {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        }
    }

    /// The lookup hash of a national ID.
    pub fn national_id_hash(&self, national_id: &str) -> Vec<u8> {
        let n = normalize_national_id(national_id);
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"nid:");
        ctx.update(n.as_bytes());
        ctx.sign().as_ref().to_vec()
    }

    /// The retrieval code of a person (version `rc_version`).
    pub fn retrieval_code(&self, person_id: &str, rc_version: i64) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"rc:");
        ctx.update(person_id.as_bytes());
        ctx.update(b":");
        ctx.update(rc_version.to_string().as_bytes());
        let tag = ctx.sign();
        tag.as_ref()
            .iter()
            .take(CODE_LEN)
            .map(|b| ALPHABET[(b & 31) as usize] as char) // safe: b & 31 < 32
            .collect()
    }

    /// Constant-time check of a presented code (case, spaces and hyphens ignored).
    pub fn check_code(&self, person_id: &str, rc_version: i64, presented: &str) -> bool {
        let want = self.retrieval_code(person_id, rc_version);
        let got: String = normalize_national_id(presented);
        if got.len() != want.len() {
            return false;
        }
        let diff = got
            .bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        diff == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_id_hash_ignores_formatting_but_not_digits() {
        let i = Ident::new(&[7u8; 32]);
        assert_eq!(
            i.national_id_hash("0010 9900-1234"),
            i.national_id_hash("001099001234")
        );
        assert_ne!(
            i.national_id_hash("001099001234"),
            i.national_id_hash("001099001235")
        );
        assert_ne!(
            Ident::new(&[8u8; 32]).national_id_hash("1"),
            i.national_id_hash("1")
        );
    }

    #[test]
    fn retrieval_code_checks_and_changes_with_version() {
        let i = Ident::new(&[7u8; 32]);
        let c = i.retrieval_code("p1", 1);
        assert_eq!(c.len(), CODE_LEN);
        assert!(i.check_code("p1", 1, &c.to_lowercase()));
        assert!(!i.check_code("p1", 2, &c));
        assert!(!i.check_code("p2", 1, &c));
        assert!(!i.check_code("p1", 1, "AAAAAAAAAA"));
    }
}
