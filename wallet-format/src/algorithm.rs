//! Signature algorithms and key identifiers (spec/format.md §Algorithms, §kid).

use sha2::{Digest, Sha256};
use std::fmt;

/// A COSE signature algorithm we sign or verify with.
///
/// EU verifiers accept only [`Algorithm::Es256`] and [`Algorithm::Ps256`]; [`Algorithm::EdDsa`]
/// is our domestic-only profile and the algorithm of our own signed lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256, raw `r‖s` signature (COSE -7). The default.
    #[default]
    Es256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 bytes (COSE -37). 2048 or 3072-bit keys.
    Ps256,
    /// Ed25519 (COSE -8). Domestic profile only.
    EdDsa,
}

impl Algorithm {
    /// The COSE algorithm identifier (label 1 in the protected header).
    pub fn cose_id(self) -> i64 {
        match self {
            Algorithm::Es256 => -7,
            Algorithm::Ps256 => -37,
            Algorithm::EdDsa => -8,
        }
    }

    /// The algorithm for a COSE identifier, if we support it.
    pub fn from_cose_id(id: i64) -> Option<Self> {
        match id {
            -7 => Some(Algorithm::Es256),
            -37 => Some(Algorithm::Ps256),
            -8 => Some(Algorithm::EdDsa),
            _ => None,
        }
    }

    /// The name used in JSON output and configuration: `ES256`, `PS256`, `EdDSA`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Ps256 => "PS256",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// Parse `ES256` / `PS256` / `EdDSA` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "ES256" => Some(Algorithm::Es256),
            "PS256" => Some(Algorithm::Ps256),
            "EDDSA" | "ED25519" => Some(Algorithm::EdDsa),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An 8-byte key identifier: the first 8 bytes of SHA-256 over the signing certificate's DER.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kid(pub [u8; 8]);

impl Kid {
    /// The length every kid must have.
    pub const LEN: usize = 8;

    /// kid of a certificate (or, for non-X.509 issuers, of a SubjectPublicKeyInfo) DER.
    pub fn from_der(der: &[u8]) -> Self {
        let digest = Sha256::digest(der);
        let mut kid = [0u8; 8];
        kid.copy_from_slice(&digest[..8]);
        Kid(kid)
    }

    /// A kid from raw bytes; `None` unless exactly 8 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 8]>::try_from(bytes).ok().map(Kid)
    }

    /// Standard base64 (as in the EU gateway lists), e.g. `f3DaRnb3iC0=`.
    pub fn to_base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Parse standard base64 (padding optional).
    pub fn from_base64(s: &str) -> Option<Self> {
        use base64::Engine;
        let s = s.trim();
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(s))
            .ok()
            .and_then(|b| Kid::from_slice(&b))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kid({})", hex::encode(self.0))
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}
