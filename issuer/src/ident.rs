//! Person identifiers and retrieval codes as keyed hashes (spec/issuer.md §Personal data).
//!
//! The national ID is never stored: the database holds `HMAC-SHA-256(person.key, "nid:" ‖
//! normalised id)`. The holder's retrieval code is derived, not stored:
//! `HMAC-SHA-256(person.key, "rc:" ‖ person id ‖ ":" ‖ version)` rendered as 10 characters of
//! Crockford's base-32 alphabet (32 distinct symbols, no I, L, O or U; a presented O reads as 0,
//! I and L as 1), so a retry of the first issuance can return the same code and a database leak
//! alone reveals neither.
//!
//! Codes printed before the alphabet change used a 32-entry table that held `X` twice (31
//! symbols, so 5 bits per character were not all used); they keep working: a presented code
//! is checked against the rendering of the same HMAC in both tables.

use crate::domain::DocumentKind;
use crate::identity::Document;
use aws_lc_rs::hmac;

/// Crockford's base-32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The table of codes issued before the change (`X` at 20 and 31).
const LEGACY_ALPHABET: &[u8; 32] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789X";
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

    /// The lookup hash of an identity document: a national id as [`Ident::national_id_hash`]
    /// (unchanged since documents had kinds), a passport as `HMAC("doc:passport:" ‖ country ‖
    /// 0 ‖ number)`, a temporary id as `HMAC("doc:temporary:" ‖ facility ‖ 0 ‖ number)` — a
    /// temporary id is unique only within the site that registered it.
    pub fn document_hash(&self, doc: &Document, facility_id: &str) -> Vec<u8> {
        let (label, scope) = match doc.kind {
            DocumentKind::NationalId => return self.national_id_hash(&doc.number),
            DocumentKind::Passport => (&b"doc:passport:"[..], doc.country.as_deref().unwrap_or("")),
            DocumentKind::Temporary => (&b"doc:temporary:"[..], facility_id),
        };
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(label);
        ctx.update(scope.as_bytes());
        ctx.update(&[0]);
        ctx.update(normalize_national_id(&doc.number).as_bytes());
        ctx.sign().as_ref().to_vec()
    }

    /// The key of a failed-attempt guard: `HMAC(person.key, "guard:" ‖ subject ‖ 0 ‖ client
    /// network)`, so the table holds neither national ids nor addresses.
    pub fn guard_key(&self, subject: &[u8], client_network: &str) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"guard:");
        ctx.update(subject);
        ctx.update(&[0]);
        ctx.update(client_network.as_bytes());
        ctx.sign().as_ref().to_vec()
    }

    /// The portal's CSRF token for a pre-session cookie value: `HMAC("csrf:" ‖ value)`,
    /// base64url (the double-submit check of spec/portal.md §CSRF).
    pub fn csrf_token(&self, pre_session: &str) -> String {
        use base64::Engine as _;
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"csrf:");
        ctx.update(pre_session.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ctx.sign().as_ref())
    }

    /// The retrieval code of a person (version `rc_version`).
    pub fn retrieval_code(&self, person_id: &str, rc_version: i64) -> String {
        self.render_code(person_id, rc_version, ALPHABET)
    }

    fn render_code(&self, person_id: &str, rc_version: i64, alphabet: &[u8; 32]) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"rc:");
        ctx.update(person_id.as_bytes());
        ctx.update(b":");
        ctx.update(rc_version.to_string().as_bytes());
        let tag = ctx.sign();
        tag.as_ref()
            .iter()
            .take(CODE_LEN)
            .map(|b| alphabet[(b & 31) as usize] as char) // safe: b & 31 < 32
            .collect()
    }

    /// Constant-time check of a presented code (case, spaces and hyphens ignored; O reads as
    /// 0, I and L as 1). Codes of the legacy table are accepted too (module comment).
    pub fn check_code(&self, person_id: &str, rc_version: i64, presented: &str) -> bool {
        let raw = normalize_national_id(presented);
        let crockford: String = raw
            .chars()
            .map(|c| match c {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        let current = self.retrieval_code(person_id, rc_version);
        let legacy = self.render_code(person_id, rc_version, LEGACY_ALPHABET);
        // Both comparisons always run: the time does not tell which table matched.
        let a = same(&crockford, &current);
        let b = same(&raw, &legacy);
        a | b
    }
}

/// Constant-time equality of two codes of public length.
fn same(got: &str, want: &str) -> bool {
    if got.len() != want.len() {
        return false;
    }
    got.bytes()
        .zip(want.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_alphabet_has_no_repeated_symbol() {
        let mut seen = std::collections::HashSet::new();
        assert!(ALPHABET.iter().all(|c| seen.insert(*c)));
        assert_eq!(seen.len(), 32);
    }

    #[test]
    fn codes_issued_with_the_legacy_table_keep_working() {
        let id = Ident::new(&[7u8; 32]);
        let legacy = id.render_code("person-1", 1, LEGACY_ALPHABET);
        assert!(id.check_code("person-1", 1, &legacy));
        assert!(!id.check_code("person-1", 2, &legacy));
        let current = id.retrieval_code("person-1", 1);
        assert!(current.bytes().all(|b| ALPHABET.contains(&b)));
        assert!(id.check_code("person-1", 1, &current));
    }

    #[test]
    fn a_presented_o_i_or_l_reads_as_the_digit() {
        let id = Ident::new(&[9u8; 32]);
        // Find a person whose code has a 0 and a 1 in it.
        let (person, code) = (0..10_000)
            .map(|n| format!("p{n}"))
            .map(|p| {
                let c = id.retrieval_code(&p, 1);
                (p, c)
            })
            .find(|(_, c)| c.contains('0') && c.contains('1'))
            .unwrap_or_default();
        let typed = code.replace('0', "o").replace('1', "l");
        assert!(id.check_code(&person, 1, &typed), "{code} typed as {typed}");
    }

    #[test]
    fn document_hashes_separate_kinds_countries_and_sites() {
        let i = Ident::new(&[7u8; 32]);
        let nid = Document::national_id("C1234567");
        let pass = |c: &str| Document {
            kind: DocumentKind::Passport,
            number: "C1234567".into(),
            country: Some(c.into()),
        };
        let temp = Document {
            kind: DocumentKind::Temporary,
            number: "C1234567".into(),
            country: None,
        };
        assert_eq!(i.document_hash(&nid, "f1"), i.national_id_hash("C1234567"));
        assert_ne!(
            i.document_hash(&pass("USA"), "f1"),
            i.document_hash(&nid, "f1")
        );
        assert_ne!(
            i.document_hash(&pass("USA"), "f1"),
            i.document_hash(&pass("FRA"), "f1")
        );
        assert_eq!(
            i.document_hash(&pass("USA"), "f1"),
            i.document_hash(&pass("USA"), "f2")
        );
        assert_ne!(i.document_hash(&temp, "f1"), i.document_hash(&temp, "f2"));
    }

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
