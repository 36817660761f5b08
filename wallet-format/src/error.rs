//! The one error type of this crate. Every variant maps to a stable machine code
//! (spec/format.md §Error codes); messages are lowercase and never echo attacker input.

/// What went wrong while encoding, decoding, signing or verifying a certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text does not start with the `HC1:` context identifier.
    #[error("the text does not start with the HC1: prefix")]
    PrefixInvalid,
    /// The input is larger than [`crate::Limits`] allows.
    #[error("input too large: {actual} bytes, limit {limit}")]
    InputTooLarge {
        /// The input's size.
        actual: usize,
        /// The limit.
        limit: usize,
    },
    /// The base45 text has a character outside the alphabet or an invalid group.
    #[error("the base45 text is not valid")]
    Base45Invalid,
    /// The zlib stream is corrupt, not zlib, or inflates past the limit.
    #[error("zlib decompression failed")]
    DecompressionFailed,
    /// Inflating would exceed the decompressed-size or ratio limit (zip bomb guard).
    #[error("decompressed data exceeds the limit of {limit} bytes")]
    DecompressionLimit {
        /// The limit.
        limit: usize,
    },
    /// The bytes are not a COSE_Sign1 structure we accept.
    #[error("not a valid COSE_Sign1 structure: {0}")]
    CoseInvalid(CoseProblem),
    /// The protected header names no algorithm, or one we do not support.
    #[error("the signature algorithm is missing or not supported")]
    AlgorithmUnsupported,
    /// The kid is missing or not exactly 8 bytes.
    #[error("the key identifier is missing or not 8 bytes long")]
    KidInvalid,
    /// The COSE payload is not a CWT claims map we accept.
    #[error("the CWT claims are not valid: {0}")]
    CwtInvalid(&'static str),
    /// The hcert payload (claim -260/1) does not decode to a DCC. The detail is typed: what
    /// kind of mismatch and in which payload member, never the offending value.
    #[error("the certificate payload is not valid: {0}")]
    PayloadInvalid(PayloadProblem),
    /// CBOR nesting or item counts exceed the limits.
    #[error("the CBOR data exceeds the nesting or size limits")]
    CborLimit,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    SignatureInvalid,
    /// The key's type does not match the certificate's algorithm.
    #[error("the signing key does not match the certificate's algorithm")]
    AlgorithmKeyMismatch,
    /// A key could not be parsed or generated.
    #[error("the key is not valid for this algorithm")]
    KeyInvalid,
    /// The signer failed.
    #[error("signing failed")]
    SigningFailed,
    /// Encoding failed (the payload could not be serialised).
    #[error("encoding failed: {0}")]
    EncodingFailed(&'static str),
    /// QR code rendering failed (e.g. the text does not fit a QR code).
    #[error("the QR code could not be rendered")]
    QrRenderFailed,
    /// The image could not be read as PNG or JPEG.
    #[error("the image could not be decoded")]
    ImageInvalid,
    /// The image holds no readable QR code.
    #[error("no QR code found in the image")]
    QrNotFound,
    /// The payload decodes but does not match the DCC schema (details in
    /// [`crate::schema::SchemaErrors`]).
    #[error("the payload does not match the dcc schema: {violations} violation(s)")]
    SchemaInvalid {
        /// How many rules the payload breaks.
        violations: usize,
    },
}

/// Which structural rule of COSE_Sign1 was broken (typed context, no attacker strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoseProblem {
    /// The bytes are not CBOR.
    #[error("not CBOR")]
    NotCbor,
    /// A tag other than COSE_Sign1 (18) or CWT (61).
    #[error("unexpected tag")]
    UnexpectedTag,
    /// Not the 4-element array of COSE_Sign1.
    #[error("not a 4-element array")]
    NotArray,
    /// The protected header is not a byte string holding a map.
    #[error("bad protected header")]
    ProtectedHeader,
    /// The unprotected header is not a map.
    #[error("bad unprotected header")]
    UnprotectedHeader,
    /// The payload is missing or detached.
    #[error("missing or detached payload")]
    Payload,
    /// The signature is not a byte string.
    #[error("bad signature field")]
    Signature,
    /// Bytes follow the structure.
    #[error("trailing bytes")]
    TrailingBytes,
}

/// Where and how a payload failed to map onto the DCC types (typed context, no attacker
/// strings: serde's message, which can quote the value, is dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadProblem {
    /// The top-level payload member that does not map (`ver`, `nam`, `dob`, `v`, `t`, `r`), when
    /// one alone is at fault; `None` when the payload is not a map or the member is unclear.
    pub member: Option<&'static str>,
    /// What kind of mismatch.
    pub kind: PayloadErrorKind,
}

impl std::fmt::Display for PayloadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.member {
            Some(m) => write!(f, "{} in `{m}`", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

/// The kind of a payload mapping failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadErrorKind {
    /// A value has the wrong type (e.g. text where a dose number belongs, or not a map).
    #[error("a value has the wrong type")]
    WrongType,
    /// A value of the right type is out of range (e.g. a negative dose number).
    #[error("a value is out of range")]
    InvalidValue,
    /// An array or map has the wrong length.
    #[error("an array or map has the wrong length")]
    InvalidLength,
    /// A required field is missing.
    #[error("a required field is missing")]
    MissingField,
    /// An enumerated value is not one we know.
    #[error("an enumerated value is unknown")]
    UnknownVariant,
    /// Anything else.
    #[error("the payload does not map onto the dcc")]
    Other,
}

impl Error {
    /// The stable machine code of this error (used in CLI JSON and HTTP bodies).
    pub fn code(&self) -> &'static str {
        match self {
            Error::PrefixInvalid => "PREFIX_INVALID",
            Error::InputTooLarge { .. } => "INPUT_TOO_LARGE",
            Error::Base45Invalid => "BASE45_INVALID",
            Error::DecompressionFailed => "DECOMPRESSION_FAILED",
            Error::DecompressionLimit { .. } => "DECOMPRESSION_LIMIT",
            Error::CoseInvalid(_) => "COSE_INVALID",
            Error::AlgorithmUnsupported => "ALGORITHM_UNSUPPORTED",
            Error::KidInvalid => "KID_INVALID",
            Error::CwtInvalid(_) => "CWT_INVALID",
            Error::PayloadInvalid(_) => "PAYLOAD_INVALID",
            Error::CborLimit => "CBOR_LIMIT",
            Error::SignatureInvalid => "SIGNATURE_INVALID",
            Error::AlgorithmKeyMismatch => "ALGORITHM_KEY_MISMATCH",
            Error::KeyInvalid => "KEY_INVALID",
            Error::SigningFailed => "SIGNING_FAILED",
            Error::EncodingFailed(_) => "ENCODING_FAILED",
            Error::QrRenderFailed => "QR_RENDER_FAILED",
            Error::ImageInvalid => "IMAGE_INVALID",
            Error::QrNotFound => "QR_NOT_FOUND",
            Error::SchemaInvalid { .. } => "SCHEMA_INVALID",
        }
    }
}

impl From<crate::schema::SchemaErrors> for Error {
    fn from(e: crate::schema::SchemaErrors) -> Self {
        Error::SchemaInvalid {
            violations: e.total,
        }
    }
}
