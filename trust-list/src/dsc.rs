//! Document signer certificates (DSC): lenient X.509 parsing, the DCC key-usage rule and the
//! time rule (spec/trust-list.md §Key usage, §Time rule).
//!
//! Parsing is tolerant on purpose: real DSCs are not always strict DER (FI encodes an explicit
//! `cA FALSE`, common/CO15 carries an empty extended-key-usage sequence). x509-parser reads both.

use crate::error::{Error, TimeFailure};
use wallet_format::{CertificateType, Kid, PublicKey};
use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};

/// Largest certificate we parse (bytes). Real DSCs are 0.5–2 KiB.
pub const MAX_CERT_BYTES: usize = 16 * 1024;

/// DCC extended-key-usage OIDs (HCERT App. A.4), the official arc.
pub const OID_DCC_TEST: &str = "1.3.6.1.4.1.1847.2021.1.1";
/// Vaccination, official arc.
pub const OID_DCC_VACCINATION: &str = "1.3.6.1.4.1.1847.2021.1.2";
/// Recovery, official arc.
pub const OID_DCC_RECOVERY: &str = "1.3.6.1.4.1.1847.2021.1.3";
/// The variant arc seen in most deployed DSCs (`1.3.6.1.4.1.0.1847.2021.1.x`); accepted on read.
pub const OID_DCC_ALT_PREFIX: &str = "1.3.6.1.4.1.0.1847.2021.1.";
const OID_DCC_PREFIX: &str = "1.3.6.1.4.1.1847.2021.1.";
/// Extended key usage of a list-signing certificate (ICAO "master list signer",
/// `2.23.136.1.1.3`): the only certificates that may sign trust or revocation lists.
pub const OID_LIST_SIGNER: &str = "2.23.136.1.1.3";

/// Map a DCC key-usage OID (either arc) to its certificate type.
pub fn dcc_type_of_oid(oid: &str) -> Option<CertificateType> {
    let last = oid
        .strip_prefix(OID_DCC_PREFIX)
        .or_else(|| oid.strip_prefix(OID_DCC_ALT_PREFIX))?;
    match last {
        "1" => Some(CertificateType::Test),
        "2" => Some(CertificateType::Vaccination),
        "3" => Some(CertificateType::Recovery),
        _ => None,
    }
}

/// The official-arc OID for a certificate type (what we emit).
pub fn dcc_oid_of_type(t: CertificateType) -> &'static str {
    match t {
        CertificateType::Test => OID_DCC_TEST,
        CertificateType::Vaccination => OID_DCC_VACCINATION,
        CertificateType::Recovery => OID_DCC_RECOVERY,
    }
}

/// A set of certificate types (vaccination, test, recovery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TypeSet(u8);

impl TypeSet {
    /// No type.
    pub const EMPTY: TypeSet = TypeSet(0);
    /// All three types.
    pub const ALL: TypeSet = TypeSet(0b111);

    fn bit(t: CertificateType) -> u8 {
        match t {
            CertificateType::Vaccination => 1,
            CertificateType::Test => 2,
            CertificateType::Recovery => 4,
        }
    }

    /// The set holding exactly `types`.
    pub fn of(types: &[CertificateType]) -> TypeSet {
        let mut s = TypeSet::EMPTY;
        for t in types {
            s.insert(*t);
        }
        s
    }

    /// Add a type.
    pub fn insert(&mut self, t: CertificateType) {
        self.0 |= Self::bit(t);
    }

    /// Whether `t` is in the set.
    pub fn contains(self, t: CertificateType) -> bool {
        self.0 & Self::bit(t) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The types in the set, in the order vaccination, test, recovery.
    pub fn types(self) -> Vec<CertificateType> {
        [
            CertificateType::Vaccination,
            CertificateType::Test,
            CertificateType::Recovery,
        ]
        .into_iter()
        .filter(|t| self.contains(*t))
        .collect()
    }

    /// Intersection.
    pub fn intersect(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 & other.0)
    }

    /// The short names `v`, `t`, `r` (as in the DCC payload keys), used on the wire.
    pub fn to_short_names(self) -> Vec<&'static str> {
        self.types()
            .into_iter()
            .map(|t| match t {
                CertificateType::Vaccination => "v",
                CertificateType::Test => "t",
                CertificateType::Recovery => "r",
            })
            .collect()
    }

    /// Parse short names `v`, `t`, `r`; unknown names yield `None`.
    pub fn from_short_names<S: AsRef<str>>(names: &[S]) -> Option<TypeSet> {
        let mut s = TypeSet::EMPTY;
        for n in names {
            s.insert(match n.as_ref() {
                "v" => CertificateType::Vaccination,
                "t" => CertificateType::Test,
                "r" => CertificateType::Recovery,
                _ => return None,
            });
        }
        Some(s)
    }
}

/// The extended key usage of a certificate, as far as the DCC rule cares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyUsage {
    /// Whether the certificate has an extendedKeyUsage extension at all (an empty or
    /// unreadable one counts as present with no OIDs).
    pub present: bool,
    /// Every OID in the extension, dotted.
    pub oids: Vec<String>,
    /// The DCC types named by DCC OIDs (either arc).
    pub dcc_types: TypeSet,
}

impl KeyUsage {
    /// The DCC key-usage rule: if any DCC OID is present, `t` must be among them; OIDs that are
    /// not DCC OIDs (TLS, ICAO) do not restrict; no EKU (or an empty one) allows every type.
    pub fn allows(&self, t: CertificateType) -> bool {
        self.dcc_types.is_empty() || self.dcc_types.contains(t)
    }

    /// The set of types this key usage allows.
    pub fn allowed(&self) -> TypeSet {
        if self.dcc_types.is_empty() {
            TypeSet::ALL
        } else {
            self.dcc_types
        }
    }

    /// Whether the list-signer OID is present.
    pub fn is_list_signer(&self) -> bool {
        self.oids.iter().any(|o| o == OID_LIST_SIGNER)
    }
}

/// The time rule for a pass signed by a key valid from `not_before` to `not_after`:
/// `not_before ≤ iat ≤ clock ≤ exp ≤ not_after` (all unix seconds; a `None` bound is open).
/// The error names the first inequality that fails, checked left to right.
pub fn time_valid(
    not_before: Option<i64>,
    not_after: Option<i64>,
    iat: Option<i64>,
    exp: Option<i64>,
    clock: i64,
) -> Result<(), Error> {
    let (Some(iat), Some(exp)) = (iat, exp) else {
        return Err(Error::Time(TimeFailure::Missing));
    };
    if not_before.is_some_and(|nb| iat < nb) {
        return Err(Error::Time(TimeFailure::IssuedBeforeDsc));
    }
    if clock < iat {
        return Err(Error::Time(TimeFailure::NotYetValid));
    }
    if exp < clock {
        return Err(Error::Time(TimeFailure::Expired));
    }
    if not_after.is_some_and(|na| na < exp) {
        return Err(Error::Time(TimeFailure::OutlivesDsc));
    }
    Ok(())
}

/// A parsed certificate (DSC, CSCA or list signer). Holds its DER and the facts we use.
#[derive(Clone)]
pub struct Dsc {
    der: Vec<u8>,
    kid: Kid,
    country: Option<String>,
    subject: String,
    issuer: String,
    not_before: i64,
    not_after: i64,
    spki: Vec<u8>,
    public_key: PublicKey,
    key_usage: KeyUsage,
    is_ca: bool,
    self_issued: bool,
}

impl std::fmt::Debug for Dsc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dsc")
            .field("kid", &self.kid)
            .field("country", &self.country)
            .field("subject", &self.subject)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl PartialEq for Dsc {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for Dsc {}

pub(crate) fn parse_x509(der: &[u8]) -> Result<X509Certificate<'_>, Error> {
    if der.len() > MAX_CERT_BYTES {
        return Err(Error::DscInvalid("certificate larger than the limit"));
    }
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(Error::DscInvalid("trailing bytes after certificate")),
        Err(_) => Err(Error::DscInvalid("not an x.509 certificate")),
    }
}

impl Dsc {
    /// Parse a DER certificate (leniently). The key must be one we can verify with
    /// (P-256, RSA, Ed25519); anything else is `DSC_INVALID`.
    pub fn from_der(der: &[u8]) -> Result<Dsc, Error> {
        let cert = parse_x509(der)?;
        let tbs = &cert.tbs_certificate;
        let spki = tbs.subject_pki.raw.to_vec();
        let public_key = PublicKey::from_spki_der_any(&spki)
            .map_err(|_| Error::DscInvalid("unsupported public key"))?;
        let country = tbs
            .subject
            .iter_country()
            .next()
            .and_then(|c| c.as_str().ok())
            .map(|s| s.trim().to_ascii_uppercase());
        let mut key_usage = KeyUsage::default();
        for ext in tbs.extensions() {
            if ext.oid.to_id_string() != "2.5.29.37" {
                continue;
            }
            key_usage.present = true;
            if let ParsedExtension::ExtendedKeyUsage(eku) = ext.parsed_extension() {
                let mut oids: Vec<String> = eku.other.iter().map(|o| o.to_id_string()).collect();
                let std_kp = [
                    (eku.any, "2.5.29.37.0"),
                    (eku.server_auth, "1.3.6.1.5.5.7.3.1"),
                    (eku.client_auth, "1.3.6.1.5.5.7.3.2"),
                    (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
                    (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
                    (eku.time_stamping, "1.3.6.1.5.5.7.3.8"),
                    (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                ];
                oids.extend(
                    std_kp
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, o)| o.to_string()),
                );
                for o in &oids {
                    if let Some(t) = dcc_type_of_oid(o) {
                        key_usage.dcc_types.insert(t);
                    }
                }
                key_usage.oids = oids;
            }
            // An empty or unreadable EKU sequence (common/CO15) counts as present with no OIDs.
        }
        let is_ca = tbs.is_ca();
        let self_issued = tbs.subject.as_raw() == tbs.issuer.as_raw();
        Ok(Dsc {
            kid: Kid::from_der(der),
            der: der.to_vec(),
            country,
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            not_before: tbs.validity.not_before.timestamp(),
            not_after: tbs.validity.not_after.timestamp(),
            spki,
            public_key,
            key_usage,
            is_ca,
            self_issued,
        })
    }

    /// Parse the first `CERTIFICATE` block of a PEM text (RFC 7468; text around the blocks, as
    /// `openssl x509 -text` writes it, is ignored).
    pub fn from_pem(text: &str) -> Result<Dsc, Error> {
        let blocks = pem::parse_many(text).map_err(|_| Error::DscInvalid("pem invalid"))?;
        let block = blocks
            .iter()
            .find(|b| b.tag() == "CERTIFICATE")
            .ok_or(Error::DscInvalid("no pem certificate block"))?;
        Dsc::from_der(block.contents())
    }

    /// The certificate as a PEM `CERTIFICATE` block.
    pub fn to_pem(&self) -> String {
        certificate_pem(&self.der)
    }

    /// Parse PEM, raw DER, or base64 DER (the dgc-testdata `CERTIFICATE` form), whichever it is.
    pub fn from_any(bytes: &[u8]) -> Result<Dsc, Error> {
        use base64::Engine;
        if bytes.first() == Some(&0x30) {
            return Dsc::from_der(bytes);
        }
        let text =
            std::str::from_utf8(bytes).map_err(|_| Error::DscInvalid("neither der nor text"))?;
        if text.contains("-----BEGIN") {
            return Dsc::from_pem(text);
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| Error::DscInvalid("not pem, der or base64"))?;
        Dsc::from_der(&der)
    }

    /// The certificate's DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// kid = first 8 bytes of SHA-256 of the DER.
    pub fn kid(&self) -> Kid {
        self.kid
    }
    /// Subject country (`C`), upper-cased, if any.
    pub fn country(&self) -> Option<String> {
        self.country.clone()
    }
    /// Subject distinguished name, for display.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// Issuer distinguished name, for display.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
    /// notBefore, unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }
    /// notAfter, unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }
    /// SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }
    /// The public key (algorithm inferred from the key type).
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
    /// The extended key usage.
    pub fn key_usage(&self) -> &KeyUsage {
        &self.key_usage
    }
    /// Whether basicConstraints says CA.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }
    /// Whether subject == issuer (a root / self-signed candidate).
    pub fn is_self_issued(&self) -> bool {
        self.self_issued
    }
    /// Hex SHA-256 of the DER (the gateway's `thumbprint`).
    pub fn thumbprint(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&self.der))
    }
    /// Whether the certificate is within its validity at `t` (unix seconds).
    pub fn valid_at(&self, t: i64) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    /// The time rule `DSC.notBefore ≤ iat ≤ clock ≤ exp ≤ DSC.notAfter`.
    pub fn time_valid(&self, iat: Option<i64>, exp: Option<i64>, clock: i64) -> Result<(), Error> {
        time_valid(Some(self.not_before), Some(self.not_after), iat, exp, clock)
    }

    /// Check that this certificate's signature verifies under `issuer`'s key and that the
    /// issuer name matches (the chain check; see [`crate::pki::verify_issued_by`]).
    pub fn verify_issued_by(&self, issuer: &Dsc) -> Result<(), Error> {
        crate::pki::verify_issued_by(&self.der, issuer.der())
    }
}

/// DER certificate bytes as a PEM `CERTIFICATE` block (64-column lines, `\n` line ends).
pub fn certificate_pem(der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new("CERTIFICATE", der), config)
}
