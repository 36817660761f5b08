//! The signed envelope shared by trust lists and revocation lists: a tagged COSE_Sign1 whose
//! protected header carries `alg` (1), `kid` (4, kid of the signer certificate), content type
//! (3) and `x5chain` (33, the signer certificate first). Payload is CBOR
//! (spec/trust-list.md §Envelope).

use crate::dsc::Dsc;
use crate::error::{Error, ListKind};
use crate::limits::Limits;
use coset::{
    iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, RegisteredLabelWithPrivate,
    TaggedCborSerializable,
};
use wallet_format::{Algorithm, Signer};

/// COSE header label of `x5chain` (RFC 9360).
pub const LABEL_X5CHAIN: i64 = 33;

/// A CBOR byte string for serde (ciborium writes `Vec<u8>` as an array otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl serde::Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
        }
        d.deserialize_bytes(V)
    }
}

pub(crate) fn to_cbor<T: serde::Serialize>(value: &T, kind: ListKind) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|_| Error::Malformed(kind, "cannot encode"))?;
    Ok(out)
}

pub(crate) fn from_cbor<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    kind: ListKind,
    limits: &Limits,
) -> Result<T, Error> {
    ciborium::de::from_reader_with_recursion_limit(bytes, limits.max_cbor_depth)
        .map_err(|_| Error::Malformed(kind, "payload is not the expected cbor map"))
}

/// Sign `payload` into a tagged COSE_Sign1 with the signer's certificate chain in `x5chain`.
/// `chain[0]` must be the certificate of `signer`'s key.
pub fn sign(
    payload: Vec<u8>,
    signer: &dyn Signer,
    chain: &[Vec<u8>],
    content_type: &str,
    kind: ListKind,
) -> Result<Vec<u8>, Error> {
    let first = chain
        .first()
        .ok_or(Error::UnknownSigner(kind, "empty certificate chain"))?;
    let alg = match signer.algorithm() {
        Algorithm::Es256 => iana::Algorithm::ES256,
        Algorithm::Ps256 => iana::Algorithm::PS256,
        Algorithm::EdDsa => iana::Algorithm::EdDSA,
    };
    let x5chain = if chain.len() == 1 {
        ciborium::Value::Bytes(first.clone())
    } else {
        ciborium::Value::Array(
            chain
                .iter()
                .map(|c| ciborium::Value::Bytes(c.clone()))
                .collect(),
        )
    };
    let protected = HeaderBuilder::new()
        .algorithm(alg)
        .key_id(wallet_format::Kid::from_der(first).0.to_vec())
        .content_type(content_type.to_string())
        .value(LABEL_X5CHAIN, x5chain)
        .build();
    let mut err = None;
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| match signer.sign(tbs) {
            Ok(s) => s,
            Err(e) => {
                err = Some(e);
                Vec::new()
            }
        })
        .build();
    if let Some(e) = err {
        return Err(e.into());
    }
    sign1
        .to_tagged_vec()
        .map_err(|_| Error::Malformed(kind, "cannot encode cose"))
}

/// A parsed (not yet verified) envelope.
#[derive(Debug, Clone)]
pub struct Opened {
    pub(crate) sign1: CoseSign1,
    /// Algorithm from the protected header.
    pub algorithm: Algorithm,
    /// The x5chain certificates (DER), signer first.
    pub chain: Vec<Vec<u8>>,
    /// Content type from the protected header, if any.
    pub content_type: Option<String>,
}

impl Opened {
    /// The payload bytes (CBOR).
    pub fn payload(&self) -> &[u8] {
        self.sign1.payload.as_deref().unwrap_or_default()
    }
}

/// Stage 1: parse the COSE structure, bounded by `max_bytes` and the chain limit.
pub fn open(
    bytes: &[u8],
    kind: ListKind,
    max_bytes: usize,
    limits: &Limits,
) -> Result<Opened, Error> {
    if bytes.len() > max_bytes {
        return Err(Error::TooLarge(kind, "list larger than the limit"));
    }
    let body = bytes.strip_prefix(&[0xD2]).unwrap_or(bytes);
    let sign1 =
        CoseSign1::from_slice(body).map_err(|_| Error::Malformed(kind, "not a cose_sign1"))?;
    if sign1.payload.is_none() {
        return Err(Error::Malformed(kind, "detached payload"));
    }
    let algorithm = match &sign1.protected.header.alg {
        Some(RegisteredLabelWithPrivate::Assigned(a)) => Algorithm::from_cose_id(*a as i64),
        _ => None,
    }
    .ok_or(Error::Malformed(
        kind,
        "missing or unsupported alg in protected header",
    ))?;
    let mut chain = Vec::new();
    for (label, value) in &sign1.protected.header.rest {
        if *label != coset::Label::Int(LABEL_X5CHAIN) {
            continue;
        }
        match value {
            ciborium::Value::Bytes(b) => chain.push(b.clone()),
            ciborium::Value::Array(items) => {
                if items.len() > limits.max_chain_len {
                    return Err(Error::TooLarge(kind, "certificate chain too long"));
                }
                for item in items {
                    match item {
                        ciborium::Value::Bytes(b) => chain.push(b.clone()),
                        _ => return Err(Error::Malformed(kind, "x5chain item is not bytes")),
                    }
                }
            }
            _ => return Err(Error::Malformed(kind, "x5chain is not bytes or array")),
        }
    }
    if chain.is_empty() {
        return Err(Error::UnknownSigner(kind, "no x5chain in protected header"));
    }
    let content_type = match &sign1.protected.header.content_type {
        Some(coset::ContentType::Text(t)) => Some(t.clone()),
        _ => None,
    };
    Ok(Opened {
        sign1,
        algorithm,
        chain,
        content_type,
    })
}

/// The outcome of stage 2 (who signed, under which anchor).
#[derive(Debug, Clone)]
pub struct SignerInfo {
    /// The signer certificate.
    pub signer: Dsc,
    /// The anchor it chains to.
    pub anchor: Dsc,
}

/// Stage 2a: the signer certificate (`x5chain[0]`) chains to one of `anchors` (it is the
/// anchor itself, or it is issued by the anchor and carries the list-signer EKU), and the
/// COSE signature verifies under its key.
pub fn verify_signature(
    opened: &Opened,
    anchors: &[Dsc],
    kind: ListKind,
) -> Result<SignerInfo, Error> {
    let first = opened
        .chain
        .first()
        .ok_or(Error::UnknownSigner(kind, "no x5chain in protected header"))?;
    let signer = Dsc::from_der(first)
        .map_err(|_| Error::UnknownSigner(kind, "signer certificate unreadable"))?;
    let mut found = None;
    for anchor in anchors {
        if anchor.der() == signer.der() {
            found = Some(anchor.clone());
            break;
        }
        if signer.verify_issued_by(anchor).is_ok() {
            if !signer.key_usage().is_list_signer() {
                return Err(Error::UnknownSigner(
                    kind,
                    "signer certificate lacks the list-signer key usage",
                ));
            }
            found = Some(anchor.clone());
            break;
        }
    }
    let anchor = found.ok_or(Error::UnknownSigner(
        kind,
        "signer does not chain to an accepted anchor",
    ))?;
    let tbs = opened.sign1.tbs_data(b"");
    signer
        .public_key()
        .verify(opened.algorithm, &tbs, &opened.sign1.signature)
        .map_err(|_| Error::SignatureInvalid(kind))?;
    Ok(SignerInfo { signer, anchor })
}

/// Stage 2b: signer and anchor certificates are valid at the list's `issued_at`.
pub fn check_signer_time(info: &SignerInfo, issued_at: i64, kind: ListKind) -> Result<(), Error> {
    if !info.signer.valid_at(issued_at) {
        return Err(Error::UnknownSigner(
            kind,
            "signer certificate not valid at issued_at",
        ));
    }
    if !info.anchor.valid_at(issued_at) {
        return Err(Error::UnknownSigner(
            kind,
            "anchor certificate not valid at issued_at",
        ));
    }
    Ok(())
}

/// Staleness of a verified list at the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// `clock ≤ valid_until`.
    Fresh,
    /// `valid_until < clock ≤ valid_until + grace`: usable, and must be reported as stale.
    StaleWithinGrace {
        /// Seconds since valid_until.
        stale_for: i64,
    },
}

impl Freshness {
    /// Whether the list is stale (within grace).
    pub fn is_stale(self) -> bool {
        matches!(self, Freshness::StaleWithinGrace { .. })
    }
}

/// Stage 4: expiry and staleness.
pub fn check_expiry(
    valid_until: i64,
    clock: i64,
    grace: i64,
    kind: ListKind,
) -> Result<Freshness, Error> {
    if clock <= valid_until {
        Ok(Freshness::Fresh)
    } else if clock <= valid_until.saturating_add(grace.max(0)) {
        Ok(Freshness::StaleWithinGrace {
            stale_for: clock.saturating_sub(valid_until),
        })
    } else {
        Err(Error::Expired {
            kind,
            valid_until,
            grace,
            clock,
        })
    }
}
