//! COSE_Sign1 (RFC 8152 / 9052) as HCERT uses it (spec/format.md §COSE).
//!
//! Read: no tag, tag 18, or tag 61 around tag 18; `alg` only from the protected header; `kid`
//! from the protected header, else the unprotected one; unknown header labels ignored; the
//! signature input is the Sig_structure over the *received* protected bytes (coset keeps them
//! in `ProtectedHeader::original_data`).

use crate::algorithm::{Algorithm, Kid};
use crate::error::{CoseProblem, Error};
use crate::signing::{PublicKey, Signer};
use coset::{
    iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, RegisteredLabelWithPrivate,
    TaggedCborSerializable,
};

/// CBOR tag of COSE_Sign1.
pub const TAG_COSE_SIGN1: u8 = 18;
/// CBOR tag of CWT (some issuers wrap tag 18 in it).
pub const TAG_CWT: u8 = 61;

/// A parsed COSE_Sign1 with the facts a verifier needs.
#[derive(Debug, Clone)]
pub struct Sign1 {
    /// The parsed structure (protected header keeps its original bytes).
    pub inner: CoseSign1,
    /// The algorithm from the protected header.
    pub algorithm: Algorithm,
    /// The kid (protected wins over unprotected).
    pub kid: Kid,
    /// Whether the kid came from the unprotected header.
    pub kid_unprotected: bool,
}

/// Strip an optional tag 61 and an optional tag 18 from the front of `bytes`.
fn strip_tags(bytes: &[u8]) -> &[u8] {
    let mut rest = bytes;
    // tag(61): 0xD8 0x3D
    if let Some(r) = rest.strip_prefix(&[0xD8, TAG_CWT]) {
        rest = r;
    }
    // tag(18): 0xD2 (short form) or 0xD8 0x12 (long form)
    if let Some(r) = rest.strip_prefix(&[0xC0 | TAG_COSE_SIGN1]) {
        rest = r;
    } else if let Some(r) = rest.strip_prefix(&[0xD8, TAG_COSE_SIGN1]) {
        rest = r;
    }
    rest
}

fn alg_of(label: &Option<coset::Algorithm>) -> Option<Algorithm> {
    match label {
        Some(RegisteredLabelWithPrivate::Assigned(a)) => Algorithm::from_cose_id(*a as i64),
        Some(RegisteredLabelWithPrivate::PrivateUse(i)) => Algorithm::from_cose_id(*i),
        _ => None,
    }
}

impl Sign1 {
    /// Parse COSE bytes (already inflated).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let body = strip_tags(bytes);
        if body.first().is_some_and(|b| b >> 5 == 6) {
            // Any other tag is not ours.
            return Err(Error::CoseInvalid(CoseProblem::UnexpectedTag));
        }
        if body.first().is_none_or(|b| *b != 0x84) {
            return Err(Error::CoseInvalid(
                if body.first().is_some_and(|b| b >> 5 == 4) {
                    CoseProblem::NotArray
                } else {
                    CoseProblem::NotCbor
                },
            ));
        }
        let inner = CoseSign1::from_slice(body).map_err(|e| {
            Error::CoseInvalid(match e {
                coset::CoseError::ExtraneousData => CoseProblem::TrailingBytes,
                _ => CoseProblem::NotArray,
            })
        })?;
        if inner.payload.is_none() {
            return Err(Error::CoseInvalid(CoseProblem::Payload));
        }
        let algorithm = alg_of(&inner.protected.header.alg).ok_or(Error::AlgorithmUnsupported)?;
        let (kid_bytes, kid_unprotected) = if !inner.protected.header.key_id.is_empty() {
            (&inner.protected.header.key_id, false)
        } else {
            (&inner.unprotected.key_id, true)
        };
        let kid = Kid::from_slice(kid_bytes).ok_or(Error::KidInvalid)?;
        Ok(Sign1 {
            inner,
            algorithm,
            kid,
            kid_unprotected,
        })
    }

    /// The payload bytes (the CWT claims).
    pub fn payload(&self) -> &[u8] {
        self.inner.payload.as_deref().unwrap_or_default()
    }

    /// The raw signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.inner.signature
    }

    /// The Sig_structure bytes that were signed (over the received protected bytes).
    pub fn to_be_signed(&self) -> Vec<u8> {
        self.inner.tbs_data(b"")
    }

    /// Verify the signature with `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), Error> {
        key.verify(self.algorithm, &self.to_be_signed(), self.signature())
    }
}

/// Build and sign a tagged COSE_Sign1 over `payload` with `signer`: protected header holds
/// `alg` and the 8-byte `kid`, unprotected header is empty.
pub fn sign(payload: Vec<u8>, signer: &dyn Signer) -> Result<Vec<u8>, Error> {
    let alg = match signer.algorithm() {
        Algorithm::Es256 => iana::Algorithm::ES256,
        Algorithm::Ps256 => iana::Algorithm::PS256,
        Algorithm::EdDsa => iana::Algorithm::EdDSA,
    };
    let protected = HeaderBuilder::new()
        .algorithm(alg)
        .key_id(signer.kid().0.to_vec())
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .try_create_signature(b"", |tbs| signer.sign(tbs))?
        .build();
    sign1
        .to_tagged_vec()
        .map_err(|_| Error::EncodingFailed("cose"))
}
