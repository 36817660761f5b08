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

/// Whether `body` is a COSE_Sign1 array whose protected header is a map with an `alg` (1) that
/// is not one of ours: coset refuses an integer `alg` it does not know (neither IANA-registered
/// nor private-use), and the answer should then be `ALGORITHM_UNSUPPORTED`, as for any other
/// algorithm we do not verify, not `COSE_INVALID`.
fn has_foreign_alg(body: &[u8]) -> bool {
    let Ok(ciborium::Value::Array(items)) = ciborium::de::from_reader::<ciborium::Value, _>(body)
    else {
        return false;
    };
    let Some(ciborium::Value::Bytes(protected)) = items.first() else {
        return false;
    };
    let Ok(ciborium::Value::Map(header)) =
        ciborium::de::from_reader::<ciborium::Value, _>(protected.as_slice())
    else {
        return false;
    };
    header.iter().any(|(k, v)| {
        k == &ciborium::Value::from(1)
            && match v {
                ciborium::Value::Integer(i) => i64::try_from(*i)
                    .ok()
                    .and_then(Algorithm::from_cose_id)
                    .is_none(),
                _ => true,
            }
    })
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
        let inner = CoseSign1::from_slice(body).map_err(|e| match e {
            coset::CoseError::ExtraneousData => Error::CoseInvalid(CoseProblem::TrailingBytes),
            _ if has_foreign_alg(body) => Error::AlgorithmUnsupported,
            _ => Error::CoseInvalid(CoseProblem::NotArray),
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

/// Append a CBOR head (major type + argument, shortest form).
pub(crate) fn push_head(out: &mut Vec<u8>, major: u8, value: u64) {
    let m = major << 5;
    match value {
        0..=23 => out.push(m | value as u8),
        24..=0xFF => out.extend_from_slice(&[m | 24, value as u8]),
        0x100..=0xFFFF => {
            out.push(m | 25);
            out.extend_from_slice(&(value as u16).to_be_bytes());
        }
        0x1_0000..=0xFFFF_FFFF => {
            out.push(m | 26);
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

pub(crate) fn push_bstr(out: &mut Vec<u8>, bytes: &[u8]) {
    push_head(out, 2, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

pub(crate) fn push_int(out: &mut Vec<u8>, value: i64) {
    if value >= 0 {
        push_head(out, 0, value as u64);
    } else {
        push_head(out, 1, (-1 - value) as u64);
    }
}

/// The serialised protected header we emit: `{1: alg, 4: h'kid'}` (label order, as coset
/// writes it).
pub fn protected_header_bytes(algorithm: Algorithm, kid: Kid) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    push_head(&mut out, 5, 2);
    push_int(&mut out, 1);
    push_int(&mut out, algorithm.cose_id());
    push_int(&mut out, 4);
    push_bstr(&mut out, &kid.0);
    out
}

/// The Sig_structure `["Signature1", protected, h'', payload]` (RFC 9052 §4.4).
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut tbs = Vec::with_capacity(protected.len() + payload.len() + 20);
    push_head(&mut tbs, 4, 4);
    push_head(&mut tbs, 3, 10);
    tbs.extend_from_slice(b"Signature1");
    push_bstr(&mut tbs, protected);
    push_bstr(&mut tbs, b"");
    push_bstr(&mut tbs, payload);
    tbs
}

/// Build and sign a tagged COSE_Sign1 over `payload` with `signer`: protected header holds
/// `alg` and the 8-byte `kid`, unprotected header is empty. Written directly (one buffer for the
/// Sig_structure, one for the result); byte-identical to coset's encoding (unit test).
pub fn sign(payload: Vec<u8>, signer: &dyn Signer) -> Result<Vec<u8>, Error> {
    let protected = protected_header_bytes(signer.algorithm(), signer.kid());
    let signature = signer.sign(&sig_structure(&protected, &payload))?;
    let mut out = Vec::with_capacity(payload.len() + protected.len() + signature.len() + 12);
    out.push(0xC0 | TAG_COSE_SIGN1);
    push_head(&mut out, 4, 4);
    push_bstr(&mut out, &protected);
    push_head(&mut out, 5, 0);
    push_bstr(&mut out, &payload);
    push_bstr(&mut out, &signature);
    Ok(out)
}

/// The same, through coset (kept to prove [`sign`] byte-identical).
pub fn sign_with_coset(payload: Vec<u8>, signer: &dyn Signer) -> Result<Vec<u8>, Error> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::signing::SoftwareKey;

    #[test]
    fn direct_encoding_is_byte_identical_to_coset() {
        // EdDSA signatures are deterministic, so both encodings can be compared whole.
        let signer = SoftwareKey::generate(Algorithm::EdDsa)
            .unwrap()
            .into_signer(Kid([9, 8, 7, 6, 5, 4, 3, 2]));
        for len in [0usize, 5, 23, 24, 255, 256, 70_000] {
            let payload = vec![0x5A; len];
            assert_eq!(
                sign(payload.clone(), &signer).unwrap(),
                sign_with_coset(payload, &signer).unwrap(),
                "payload of {len} bytes"
            );
        }
        for alg in [Algorithm::Es256, Algorithm::Ps256, Algorithm::EdDsa] {
            let mut coset_protected = coset::ProtectedHeader {
                original_data: None,
                header: HeaderBuilder::new()
                    .algorithm(match alg {
                        Algorithm::Es256 => iana::Algorithm::ES256,
                        Algorithm::Ps256 => iana::Algorithm::PS256,
                        Algorithm::EdDsa => iana::Algorithm::EdDSA,
                    })
                    .key_id(vec![1; 8])
                    .build(),
            };
            coset_protected.original_data = None;
            let bytes = coset_protected.header.clone().to_vec().unwrap();
            assert_eq!(protected_header_bytes(alg, Kid([1; 8])), bytes);
        }
    }
}
