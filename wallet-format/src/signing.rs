//! Signing and signature verification behind small traits, so that a key in a file, an HSM or a
//! remote signer plug in the same way (spec/format.md §Signing).
//!
//! ES256 and PS256 use aws-lc-rs (5–10× faster than the pure-Rust crates, and it can generate
//! RSA keys); Ed25519 uses ed25519-dalek.

use crate::algorithm::{Algorithm, Kid};
use crate::error::Error;
use crate::p256_verify::PreparedKey;
use aws_lc_rs::digest as lc_digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as lc, KeyPair as _};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use std::fmt;

/// Anything that can produce a COSE signature over a message (the Sig_structure bytes).
///
/// Implementations return the signature in COSE form: raw `r‖s` (64 bytes) for ES256,
/// the PSS signature for PS256, 64 bytes for EdDSA.
pub trait Signer: Send + Sync {
    /// The algorithm this signer produces.
    fn algorithm(&self) -> Algorithm;
    /// The kid that goes into the protected header.
    fn kid(&self) -> Kid;
    /// Sign `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
}

/// Size of an RSA key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RsaBits {
    /// 2048-bit modulus (Vietnam's existing keys; the EU recommendation).
    #[default]
    Rsa2048,
    /// 3072-bit modulus (the EU maximum).
    Rsa3072,
}

enum KeyMaterial {
    Ec(lc::EcdsaKeyPair),
    Rsa(lc::RsaKeyPair),
    Ed(Box<ed25519_dalek::SigningKey>),
}

/// A private key held in process memory (a key file, or a development key).
pub struct SoftwareKey {
    key: KeyMaterial,
    algorithm: Algorithm,
}

impl fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("SoftwareKey")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl SoftwareKey {
    /// Generate a fresh key (RSA keys are 2048-bit; see [`SoftwareKey::generate_rsa`]).
    pub fn generate(algorithm: Algorithm) -> Result<Self, Error> {
        match algorithm {
            Algorithm::Ps256 => Self::generate_rsa(RsaBits::Rsa2048),
            Algorithm::Es256 => {
                let rng = SystemRandom::new();
                let doc =
                    lc::EcdsaKeyPair::generate_pkcs8(&lc::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                        .map_err(|_| Error::KeyInvalid)?;
                Self::from_pkcs8(algorithm, doc.as_ref())
            }
            Algorithm::EdDsa => {
                let mut seed = [0u8; 32];
                aws_lc_rs::rand::fill(&mut seed).map_err(|_| Error::KeyInvalid)?;
                Ok(SoftwareKey {
                    key: KeyMaterial::Ed(Box::new(ed25519_dalek::SigningKey::from_bytes(&seed))),
                    algorithm,
                })
            }
        }
    }

    /// Generate an RSA key for PS256.
    pub fn generate_rsa(bits: RsaBits) -> Result<Self, Error> {
        let size = match bits {
            RsaBits::Rsa2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
            RsaBits::Rsa3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
        };
        let kp = lc::RsaKeyPair::generate(size).map_err(|_| Error::KeyInvalid)?;
        Ok(SoftwareKey {
            key: KeyMaterial::Rsa(kp),
            algorithm: Algorithm::Ps256,
        })
    }

    /// Load a PKCS#8 DER private key for `algorithm`.
    pub fn from_pkcs8(algorithm: Algorithm, der: &[u8]) -> Result<Self, Error> {
        let key = match algorithm {
            Algorithm::Es256 => KeyMaterial::Ec(
                lc::EcdsaKeyPair::from_pkcs8(&lc::ECDSA_P256_SHA256_FIXED_SIGNING, der)
                    .map_err(|_| Error::KeyInvalid)?,
            ),
            Algorithm::Ps256 => {
                let kp = lc::RsaKeyPair::from_pkcs8(der).map_err(|_| Error::KeyInvalid)?;
                let bits = kp.public_modulus_len() * 8;
                if !(2048..=4096).contains(&bits) {
                    return Err(Error::KeyInvalid);
                }
                KeyMaterial::Rsa(kp)
            }
            Algorithm::EdDsa => KeyMaterial::Ed(Box::new(
                ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|_| Error::KeyInvalid)?,
            )),
        };
        Ok(SoftwareKey { key, algorithm })
    }

    /// Load a PEM (`PRIVATE KEY`, PKCS#8) private key for `algorithm`.
    pub fn from_pkcs8_pem(algorithm: Algorithm, pem_text: &str) -> Result<Self, Error> {
        let der = pem_to_der(pem_text, "PRIVATE KEY").ok_or(Error::KeyInvalid)?;
        Self::from_pkcs8(algorithm, &der)
    }

    /// The algorithm of this key.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// PKCS#8 DER of the private key (to write a key file; handle with care).
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, Error> {
        match &self.key {
            KeyMaterial::Ec(kp) => Ok(kp
                .to_pkcs8v1()
                .map_err(|_| Error::KeyInvalid)?
                .as_ref()
                .to_vec()),
            KeyMaterial::Rsa(kp) => {
                let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> =
                    kp.as_der().map_err(|_| Error::KeyInvalid)?;
                Ok(der.as_ref().to_vec())
            }
            KeyMaterial::Ed(sk) => Ok(sk
                .to_pkcs8_der()
                .map_err(|_| Error::KeyInvalid)?
                .as_bytes()
                .to_vec()),
        }
    }

    /// PKCS#8 PEM of the private key.
    pub fn to_pkcs8_pem(&self) -> Result<String, Error> {
        Ok(der_to_pem(&self.to_pkcs8_der()?, "PRIVATE KEY"))
    }

    /// The public key as X.509 SubjectPublicKeyInfo DER (goes into certificates).
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>, Error> {
        match &self.key {
            KeyMaterial::Ec(kp) => {
                let der: aws_lc_rs::encoding::PublicKeyX509Der<'static> =
                    kp.public_key().as_der().map_err(|_| Error::KeyInvalid)?;
                Ok(der.as_ref().to_vec())
            }
            KeyMaterial::Rsa(kp) => {
                let der: aws_lc_rs::encoding::PublicKeyX509Der<'static> =
                    kp.public_key().as_der().map_err(|_| Error::KeyInvalid)?;
                Ok(der.as_ref().to_vec())
            }
            KeyMaterial::Ed(sk) => Ok(sk
                .verifying_key()
                .to_public_key_der()
                .map_err(|_| Error::KeyInvalid)?
                .as_bytes()
                .to_vec()),
        }
    }

    /// The verifying half of this key.
    pub fn public_key(&self) -> Result<PublicKey, Error> {
        PublicKey::from_spki_der(self.algorithm, &self.public_key_spki_der()?)
    }

    /// Sign `message` with this key.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        match &self.key {
            KeyMaterial::Ec(kp) => {
                let rng = SystemRandom::new();
                Ok(kp
                    .sign(&rng, message)
                    .map_err(|_| Error::SigningFailed)?
                    .as_ref()
                    .to_vec())
            }
            KeyMaterial::Rsa(kp) => {
                let rng = SystemRandom::new();
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign(&lc::RSA_PSS_SHA256, &rng, message, &mut sig)
                    .map_err(|_| Error::SigningFailed)?;
                Ok(sig)
            }
            KeyMaterial::Ed(sk) => {
                use ed25519_dalek::Signer as _;
                Ok(sk.sign(message).to_bytes().to_vec())
            }
        }
    }

    /// Pair this key with the kid of its certificate to make a [`Signer`].
    pub fn into_signer(self, kid: Kid) -> KeySigner {
        KeySigner { key: self, kid }
    }
}

/// A [`SoftwareKey`] together with the kid of the certificate it signs under.
#[derive(Debug)]
pub struct KeySigner {
    key: SoftwareKey,
    kid: Kid,
}

impl KeySigner {
    /// The underlying key.
    pub fn key(&self) -> &SoftwareKey {
        &self.key
    }
}

impl Signer for KeySigner {
    fn algorithm(&self) -> Algorithm {
        self.key.algorithm
    }
    fn kid(&self) -> Kid {
        self.kid
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.key.sign(message)
    }
}

enum PublicKeyInner {
    Lc(lc::ParsedPublicKey),
    /// A P-256 key: aws-lc for cold use, a precomputed table once the key is hot
    /// (p256_verify.rs says why).
    P256(lc::ParsedPublicKey, Option<PreparedKey>),
    Ed(ed25519_dalek::VerifyingKey),
}

/// Verifications a P-256 key serves through aws-lc before its table is built.
pub const TABLE_AFTER_USES: u32 = crate::p256_verify::TABLE_AFTER_USES;

/// DER prefix of a P-256 SubjectPublicKeyInfo with an uncompressed point (RFC 5480):
/// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING 00 04 x y }.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The prepared fast-path key of a P-256 SPKI; `None` for any other encoding (compressed
/// points, explicit parameters), which then stays on aws-lc.
fn prepare_p256(spki: &[u8]) -> Option<PreparedKey> {
    let point = spki.strip_prefix(&P256_SPKI_PREFIX[..])?;
    PreparedKey::from_sec1(point)
}

/// A parsed public key bound to the one algorithm it may verify.
///
/// A P-256 key verifies only ES256, an RSA key only PS256, an Ed25519 key only EdDSA: an
/// alg/key mismatch is `ALGORITHM_KEY_MISMATCH`, never a silent re-interpretation.
#[derive(Clone)]
pub struct PublicKey {
    inner: std::sync::Arc<PublicKeyInner>,
    algorithm: Algorithm,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl PublicKey {
    /// Parse a SubjectPublicKeyInfo DER for the given algorithm.
    pub fn from_spki_der(algorithm: Algorithm, spki: &[u8]) -> Result<Self, Error> {
        let inner = match algorithm {
            Algorithm::Es256 => PublicKeyInner::P256(
                lc::ParsedPublicKey::new(&lc::ECDSA_P256_SHA256_FIXED, spki)
                    .map_err(|_| Error::KeyInvalid)?,
                prepare_p256(spki),
            ),
            Algorithm::Ps256 => PublicKeyInner::Lc(
                lc::ParsedPublicKey::new(&lc::RSA_PSS_2048_8192_SHA256, spki)
                    .map_err(|_| Error::KeyInvalid)?,
            ),
            Algorithm::EdDsa => PublicKeyInner::Ed(
                ed25519_dalek::VerifyingKey::from_public_key_der(spki)
                    .map_err(|_| Error::KeyInvalid)?,
            ),
        };
        Ok(PublicKey {
            inner: std::sync::Arc::new(inner),
            algorithm,
        })
    }

    /// Parse a SubjectPublicKeyInfo DER, inferring the algorithm from the key type
    /// (EC P-256 → ES256, RSA → PS256, Ed25519 → EdDSA).
    pub fn from_spki_der_any(spki: &[u8]) -> Result<Self, Error> {
        for alg in [Algorithm::Es256, Algorithm::Ps256, Algorithm::EdDsa] {
            if let Ok(k) = Self::from_spki_der(alg, spki) {
                return Ok(k);
            }
        }
        Err(Error::KeyInvalid)
    }

    /// The algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Build this key's verification table now instead of after its first
    /// [`TABLE_AFTER_USES`] verifications (P-256 keys
    /// only; a no-op for others). For a gate that wants every scan equally fast.
    pub fn precompute(&self) {
        if let PublicKeyInner::P256(_, Some(fast)) = &*self.inner {
            fast.precompute();
        }
    }

    /// Whether verifications with this key now take the precomputed-table path.
    pub fn has_table(&self) -> bool {
        matches!(&*self.inner, PublicKeyInner::P256(_, Some(fast)) if fast.has_table())
    }

    /// Verify `signature` over `message` for a certificate that claims `claimed` as its
    /// algorithm.
    pub fn verify(
        &self,
        claimed: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        if claimed != self.algorithm {
            return Err(Error::AlgorithmKeyMismatch);
        }
        match &*self.inner {
            PublicKeyInner::Lc(key) => key
                .verify_sig(message, signature)
                .map_err(|_| Error::SignatureInvalid),
            PublicKeyInner::P256(key, Some(fast)) if fast.is_hot() => {
                let digest = lc_digest::digest(&lc_digest::SHA256, message);
                let digest: &[u8; 32] = digest
                    .as_ref()
                    .try_into()
                    .map_err(|_| Error::SignatureInvalid)?;
                if fast.verify_digest(digest, signature) {
                    Ok(())
                } else {
                    Err(Error::SignatureInvalid)
                }
            }
            PublicKeyInner::P256(key, _) => key
                .verify_sig(message, signature)
                .map_err(|_| Error::SignatureInvalid),
            PublicKeyInner::Ed(key) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| Error::SignatureInvalid)?;
                key.verify_strict(message, &sig)
                    .map_err(|_| Error::SignatureInvalid)
            }
        }
    }
}

/// Decode the first PEM block with `label` (e.g. `PRIVATE KEY`, `CERTIFICATE`); blocks with
/// other labels and text around them are skipped (RFC 7468 parsing by the `pem` crate).
pub fn pem_to_der(text: &str, label: &str) -> Option<Vec<u8>> {
    pem::parse_many(text)
        .ok()?
        .into_iter()
        .find(|p| p.tag() == label)
        .map(pem::Pem::into_contents)
}

/// Encode DER as a PEM block with `label` (64-column lines, `\n` line ends).
pub fn der_to_pem(der: &[u8], label: &str) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der.to_vec()), config)
}
