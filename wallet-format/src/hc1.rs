//! The whole pipeline: claims → CBOR → COSE_Sign1 → zlib → base45 → `HC1:` and back
//! (spec/format.md §Pipeline).

use crate::algorithm::{Algorithm, Kid};
use crate::compress::{self, Compressor};
use crate::cose::{self, Sign1};
use crate::cwt::Claims;
use crate::error::Error;
use crate::limits::Limits;
use crate::signing::{PublicKey, Signer};
use ciborium::value::Value as Cbor;
use std::sync::OnceLock;

/// The context identifier every pass starts with.
pub const PREFIX: &str = "HC1:";

/// Encodes certificates; holds a reusable compressor so many certificates encode cheaply.
#[derive(Debug, Default)]
pub struct Encoder {
    compressor: Compressor,
}

impl Encoder {
    /// A new encoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sign `claims` with `signer` and return the `HC1:` text.
    pub fn encode(&mut self, claims: &Claims, signer: &dyn Signer) -> Result<String, Error> {
        let cose = self.sign_cose(claims, signer)?;
        self.wrap(&cose)
    }

    /// Sign `claims` and return the tagged COSE_Sign1 bytes (raw transport, no zlib/base45).
    pub fn sign_cose(&mut self, claims: &Claims, signer: &dyn Signer) -> Result<Vec<u8>, Error> {
        cose::sign(claims.to_cbor()?, signer)
    }

    /// zlib + base45 + prefix around COSE bytes.
    pub fn wrap(&mut self, cose: &[u8]) -> Result<String, Error> {
        let compressed = self.compressor.compress(cose)?;
        let mut out = String::with_capacity(PREFIX.len() + compressed.len() * 3 / 2 + 2);
        out.push_str(PREFIX);
        out.push_str(&base45::encode(&compressed));
        Ok(out)
    }
}

/// Sign `claims` and return the `HC1:` text (one-shot; use [`Encoder`] for many).
pub fn encode(claims: &Claims, signer: &dyn Signer) -> Result<String, Error> {
    Encoder::new().encode(claims, signer)
}

/// A decoded, *not yet verified* certificate.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The COSE_Sign1 with its algorithm and kid.
    pub cose: Sign1,
    /// The typed claims.
    pub claims: Claims,
    /// The DCC payload as received.
    dcc_payload: Cbor,
    /// Its JSON view, built on first use (schema and rules need it; policy `none` does not).
    dcc_json: OnceLock<serde_json::Value>,
}

impl Decoded {
    /// The algorithm from the protected header.
    pub fn algorithm(&self) -> Algorithm {
        self.cose.algorithm
    }
    /// The kid (protected wins).
    pub fn kid(&self) -> Kid {
        self.cose.kid
    }
    /// Verify the signature with one candidate key.
    pub fn verify_signature(&self, key: &PublicKey) -> Result<(), Error> {
        self.cose.verify(key)
    }
    /// The DCC payload as received, in JSON form (for schema validation and business rules,
    /// which must see what was received, not our re-serialisation). Built on first call.
    pub fn dcc_json(&self) -> &serde_json::Value {
        self.dcc_json
            .get_or_init(|| crate::cbor::to_json(&self.dcc_payload))
    }
    /// The raw signature bytes (for revocation hashes).
    pub fn signature(&self) -> &[u8] {
        self.cose.signature()
    }
}

/// Strip the prefix: leading whitespace and trailing CR/LF/TAB/NUL are dropped (scanners add
/// them); spaces at the end are kept because space is a base45 character.
pub fn unprefix(text: &str) -> Result<&str, Error> {
    let text = text.trim_start().trim_end_matches(['\r', '\n', '\t', '\0']);
    text.strip_prefix(PREFIX).ok_or(Error::PrefixInvalid)
}

/// Base45-decode (RFC 9285).
pub fn base45_decode(text: &str) -> Result<Vec<u8>, Error> {
    crate::base45_decoder::decode(text)
}

/// Decode `HC1:` text to COSE bytes (prefix, base45, zlib), bounded by `limits`.
pub fn decode_to_cose(text: &str, limits: &Limits) -> Result<Vec<u8>, Error> {
    if text.len() > limits.max_text_len {
        return Err(Error::InputTooLarge {
            actual: text.len(),
            limit: limits.max_text_len,
        });
    }
    let body = unprefix(text)?;
    let compressed = base45_decode(body)?;
    compress::decompress(&compressed, limits)
}

/// Decode COSE bytes (raw transport) into a [`Decoded`] certificate.
pub fn decode_cose(cose_bytes: &[u8], limits: &Limits) -> Result<Decoded, Error> {
    if cose_bytes.len() > limits.max_decompressed_len {
        return Err(Error::InputTooLarge {
            actual: cose_bytes.len(),
            limit: limits.max_decompressed_len,
        });
    }
    let cose = Sign1::parse(cose_bytes)?;
    let (claims, dcc_payload) = Claims::from_cbor_raw(cose.payload(), limits)?;
    Ok(Decoded {
        cose,
        claims,
        dcc_payload,
        dcc_json: OnceLock::new(),
    })
}

/// Decode `HC1:` text. The signature is *not* checked: call [`Decoded::verify_signature`].
pub fn decode(text: &str, limits: &Limits) -> Result<Decoded, Error> {
    let cose = decode_to_cose(text, limits)?;
    decode_cose(&cose, limits)
}
