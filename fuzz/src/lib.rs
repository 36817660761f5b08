//! Shared fixtures for the fuzz targets: a real key hierarchy (CSCA → DSC, CSCA → list signer)
//! generated once per process with `trust_list::pki`, a verifier trust context holding the
//! DSC, the shipped `venue` policy, and helpers that turn fuzzed bytes into inputs that get
//! past signature checks (fuzzed payloads re-signed with the fixture keys), so the stages
//! behind a signature are reached too.
//!
//! The targets' bodies are plain functions, so that stable tests replay the seeds and crash
//! regressions without nightly: [`dcc_inputs`] (replayed by `tests/replay.rs`) and
//! [`issuer_inputs`] (replayed by `tests/replay.rs` and `issuer/tests/fuzz_corpus.rs`).

pub mod dcc_inputs;
pub mod issuer_inputs;

use std::sync::OnceLock;

use trust_list::pki::{self, CertSpec, CertifiedKey};
use trust_list::{Dsc, TrustStore};
use verifier::{Policy, TrustContext};
use wallet_format::{Algorithm, CertificateType, KeySigner, PublicKey};

/// Fixture validity: 1971-01-01 .. 2099-12-31, wide enough for any fuzzed `iat`/`exp` in it.
pub const NOT_BEFORE: i64 = 31_536_000;
/// End of the fixture validity.
pub const NOT_AFTER: i64 = 4_102_444_799;
/// The clock used when the input gives none: 2024-03-10T12:00:00Z.
pub const CLOCK: i64 = 1_710_072_000;

/// The fixture key hierarchy and what is built from it.
pub struct Fixtures {
    /// The trust anchor (self-signed CSCA).
    pub csca: CertifiedKey,
    /// A DSC issued by the CSCA for every certificate type.
    pub dsc: CertifiedKey,
    /// A list signer issued by the CSCA.
    pub list_signer: CertifiedKey,
    /// The parsed anchor.
    pub anchor: Dsc,
    /// Signer of passes (kid = the DSC's kid).
    pub dsc_signer: KeySigner,
    /// The DSC's public key.
    pub dsc_public: PublicKey,
    /// Signer of lists (kid = the list signer's kid).
    pub list_signer_key: KeySigner,
    /// A verifier context holding the DSC.
    pub ctx: TrustContext,
}

/// The process-wide fixtures (generated on first use).
pub fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let spec = |cn: &str| CertSpec::new("VN", cn, NOT_BEFORE, NOT_AFTER);
        let csca = pki::generate_csca(Algorithm::Es256, &spec("VN fuzz CSCA")).expect("csca");
        let dsc = pki::generate_dsc(
            &csca,
            Algorithm::Es256,
            &spec("VN fuzz DSC"),
            &[
                CertificateType::Vaccination,
                CertificateType::Test,
                CertificateType::Recovery,
            ],
        )
        .expect("dsc");
        let list_signer =
            pki::generate_list_signer(&csca, Algorithm::Es256, &spec("VN fuzz list signer"))
                .expect("list signer");
        let anchor = csca.cert().expect("anchor");
        let dsc_signer = dsc.signer().expect("dsc signer");
        let dsc_public = dsc.cert().expect("dsc cert").public_key().clone();
        let list_signer_key = list_signer.signer().expect("list signer key");
        let mut store = TrustStore::new();
        store.add_dsc(dsc.cert().expect("dsc cert"));
        let ctx = TrustContext::new(store);
        Fixtures {
            csca,
            dsc,
            list_signer,
            anchor,
            dsc_signer,
            dsc_public,
            list_signer_key,
            ctx,
        }
    })
}

thread_local! {
    static VENUE: Policy = Policy::venue().expect("venue policy");
}

/// Run `f` with the shipped `venue` policy (built once per thread).
pub fn with_venue_policy<R>(f: impl FnOnce(&Policy) -> R) -> R {
    VENUE.with(f)
}

/// The list-signer certificate chain for signing fuzzed list payloads.
pub fn list_chain() -> Vec<Vec<u8>> {
    vec![fixtures().list_signer.cert_der.clone()]
}

/// `bytes` as a zlib stream of stored (uncompressed) deflate blocks, written by hand: a
/// compressor's per-call set-up would dominate the target's time, and the inflater must
/// accept stored blocks like any others.
pub fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 16 + bytes.len() / 65_535 * 5);
    out.extend_from_slice(&[0x78, 0x01]);
    let mut chunks = bytes.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]);
    }
    while let Some(chunk) = chunks.next() {
        let last = u8::from(chunks.peek().is_none());
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in bytes {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// Whether `VAXCERT_FUZZ_DEBUG` is set: targets then print what they reached (e.g. the
/// verdict codes), to check by hand that seeds get past the signature.
pub fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("VAXCERT_FUZZ_DEBUG").is_some())
}

/// `HC1:` + base45(`bytes`).
pub fn hc1(bytes: &[u8]) -> String {
    format!("HC1:{}", base45::encode(bytes))
}

/// A validation clock for a pass: its `iat` when it has one inside the fixture validity (so
/// the time check passes and schema and rules are reached), else [`CLOCK`].
pub fn clock_for(iat: Option<i64>, exp: Option<i64>) -> time::OffsetDateTime {
    let t = match (iat, exp) {
        (Some(iat), Some(exp)) if (NOT_BEFORE..=NOT_AFTER).contains(&iat) && iat <= exp => iat,
        _ => CLOCK,
    };
    time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// The CWT claims `payload` with `iat` and `exp` replaced (or added), re-encoded; `None` when
/// it is not a CBOR map. Used to move a fuzzed payload into the validity window of the shipped
/// rules, so CertLogic evaluation is reached whatever times the input carried.
pub fn with_times(payload: &[u8], iat: i64, exp: i64) -> Option<Vec<u8>> {
    use ciborium::value::Value;
    let value = wallet_format::cbor::parse(payload, &wallet_format::Limits::DEFAULT).ok()?;
    let Value::Map(mut entries) = value else {
        return None;
    };
    entries.retain(|(k, _)| !matches!(k, Value::Integer(i) if [4, 6].contains(&i128::from(*i))));
    entries.push((Value::Integer(4.into()), Value::Integer(exp.into())));
    entries.push((Value::Integer(6.into()), Value::Integer(iat.into())));
    let mut out = Vec::with_capacity(payload.len() + 16);
    ciborium::ser::into_writer(&Value::Map(entries), &mut out).ok()?;
    Some(out)
}
