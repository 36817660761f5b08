//! Generating the key hierarchy as real X.509 (rcgen) and checking chains (aws-lc-rs)
//! (spec/trust-list.md §Key hierarchy).
//!
//! - CSCA / trust anchor: self-signed, CA, pathLen 0, keyCertSign + cRLSign, `C=VN`.
//! - DSC: issued by the CSCA, keyUsage digitalSignature, EKU = the chosen DCC OIDs, AKI/SKI.
//! - List signer: issued by the CSCA, keyUsage digitalSignature, EKU = `2.23.136.1.1.3`, so the
//!   anchor key stays offline while lists are re-signed daily.
//!
//! Keys are [`wallet_format::SoftwareKey`]s; a subject key is only needed as its public SPKI,
//! so a DSC for an HSM key can be issued from its SPKI alone ([`issue_dsc_for_spki`]).

use crate::dsc::{dcc_oid_of_type, parse_x509, Dsc, OID_LIST_SIGNER};
use crate::error::Error;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use time::OffsetDateTime;
use wallet_format::{Algorithm, CertificateType, KeySigner, SoftwareKey};

/// A private key together with its certificate (a CSCA, a DSC, or a list signer).
pub struct CertifiedKey {
    /// The private key.
    pub key: SoftwareKey,
    /// The certificate (DER).
    pub cert_der: Vec<u8>,
}

impl std::fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("kid", &wallet_format::Kid::from_der(&self.cert_der))
            .finish()
    }
}

impl CertifiedKey {
    /// The parsed certificate.
    pub fn cert(&self) -> Result<Dsc, Error> {
        Dsc::from_der(&self.cert_der)
    }

    /// A signer for this key whose kid is the certificate's kid (copies the key).
    pub fn signer(&self) -> Result<KeySigner, Error> {
        let der = self.key.to_pkcs8_der()?;
        let key = SoftwareKey::from_pkcs8(self.key.algorithm(), &der)?;
        Ok(key.into_signer(wallet_format::Kid::from_der(&self.cert_der)))
    }

    /// The certificate as PEM.
    pub fn cert_pem(&self) -> String {
        crate::dsc::certificate_pem(&self.cert_der)
    }
}

/// Subject and validity of a certificate to create.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// Subject country (`C`), e.g. `VN`.
    pub country: String,
    /// Subject organisation (`O`).
    pub organization: String,
    /// Subject common name (`CN`).
    pub common_name: String,
    /// notBefore, unix seconds.
    pub not_before: i64,
    /// notAfter, unix seconds.
    pub not_after: i64,
}

impl CertSpec {
    /// A spec with `O` = "Ministry of Health".
    pub fn new(country: &str, common_name: &str, not_before: i64, not_after: i64) -> CertSpec {
        CertSpec {
            country: country.to_string(),
            organization: "Ministry of Health".to_string(),
            common_name: common_name.to_string(),
            not_before,
            not_after,
        }
    }
}

fn pki_err(e: impl std::fmt::Display) -> Error {
    Error::Pki(e.to_string())
}

fn rcgen_alg(alg: Algorithm) -> &'static rcgen::SignatureAlgorithm {
    match alg {
        Algorithm::Es256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        // The certificate signature is RSASSA-PKCS1-v1_5 (what rcgen + aws-lc sign); the key
        // itself signs passes with PSS.
        Algorithm::Ps256 => &rcgen::PKCS_RSA_SHA256,
        Algorithm::EdDsa => &rcgen::PKCS_ED25519,
    }
}

fn rcgen_key(key: &SoftwareKey) -> Result<KeyPair, Error> {
    let pem = key.to_pkcs8_pem()?;
    KeyPair::from_pkcs8_pem_and_sign_algo(&pem, rcgen_alg(key.algorithm())).map_err(pki_err)
}

fn odt(t: i64) -> Result<OffsetDateTime, Error> {
    OffsetDateTime::from_unix_timestamp(t).map_err(pki_err)
}

fn base_params(spec: &CertSpec) -> Result<CertificateParams, Error> {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, spec.country.as_str());
    dn.push(DnType::OrganizationName, spec.organization.as_str());
    dn.push(DnType::CommonName, spec.common_name.as_str());
    p.distinguished_name = dn;
    p.not_before = odt(spec.not_before)?;
    p.not_after = odt(spec.not_after)?;
    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).map_err(pki_err)?;
    serial[0] &= 0x7f; // positive INTEGER
    p.serial_number = Some(SerialNumber::from_slice(&serial));
    Ok(p)
}

fn oid_arcs(dotted: &str) -> Vec<u64> {
    dotted.split('.').filter_map(|a| a.parse().ok()).collect()
}

/// Generate a CSCA (trust anchor): fresh key of `alg`, self-signed, CA with pathLen 0.
pub fn generate_csca(alg: Algorithm, spec: &CertSpec) -> Result<CertifiedKey, Error> {
    let key = SoftwareKey::generate(alg)?;
    csca_for_key(key, spec)
}

/// Make a self-signed CSCA certificate for an existing key.
pub fn csca_for_key(key: SoftwareKey, spec: &CertSpec) -> Result<CertifiedKey, Error> {
    let mut p = base_params(spec)?;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let kp = rcgen_key(&key)?;
    let cert = p.self_signed(&kp).map_err(pki_err)?;
    Ok(CertifiedKey {
        key,
        cert_der: cert.der().to_vec(),
    })
}

fn issue(
    ca: &CertifiedKey,
    subject_spki: &[u8],
    spec: &CertSpec,
    eku: Vec<ExtendedKeyUsagePurpose>,
) -> Result<Vec<u8>, Error> {
    let mut p = base_params(spec)?;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = eku;
    p.use_authority_key_identifier_extension = true;
    let ca_kp = rcgen_key(&ca.key)?;
    let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem(), ca_kp).map_err(pki_err)?;
    let subject = rcgen::SubjectPublicKeyInfo::from_der(subject_spki).map_err(pki_err)?;
    let cert = p.signed_by(&subject, &issuer).map_err(pki_err)?;
    Ok(cert.der().to_vec())
}

/// Issue a DSC certificate for the public key `subject_spki` (DER SubjectPublicKeyInfo).
/// `types` become the DCC EKU OIDs (official arc); empty `types` = no EKU extension (all types).
pub fn issue_dsc_for_spki(
    ca: &CertifiedKey,
    subject_spki: &[u8],
    spec: &CertSpec,
    types: &[CertificateType],
) -> Result<Vec<u8>, Error> {
    let eku = types
        .iter()
        .map(|t| ExtendedKeyUsagePurpose::Other(oid_arcs(dcc_oid_of_type(*t))))
        .collect();
    issue(ca, subject_spki, spec, eku)
}

/// Generate a DSC: fresh key of `alg`, certificate issued by `ca` for `types`.
pub fn generate_dsc(
    ca: &CertifiedKey,
    alg: Algorithm,
    spec: &CertSpec,
    types: &[CertificateType],
) -> Result<CertifiedKey, Error> {
    let key = SoftwareKey::generate(alg)?;
    let cert_der = issue_dsc_for_spki(ca, &key.public_key_spki_der()?, spec, types)?;
    Ok(CertifiedKey { key, cert_der })
}

/// Issue a list-signing certificate (EKU `2.23.136.1.1.3`) for `subject_spki`.
pub fn issue_list_signer_for_spki(
    ca: &CertifiedKey,
    subject_spki: &[u8],
    spec: &CertSpec,
) -> Result<Vec<u8>, Error> {
    let eku = vec![ExtendedKeyUsagePurpose::Other(oid_arcs(OID_LIST_SIGNER))];
    issue(ca, subject_spki, spec, eku)
}

/// Generate a list signer: fresh key of `alg`, certificate issued by `ca`.
pub fn generate_list_signer(
    ca: &CertifiedKey,
    alg: Algorithm,
    spec: &CertSpec,
) -> Result<CertifiedKey, Error> {
    let key = SoftwareKey::generate(alg)?;
    let cert_der = issue_list_signer_for_spki(ca, &key.public_key_spki_der()?, spec)?;
    Ok(CertifiedKey { key, cert_der })
}

/// Check that `cert_der` was issued by `issuer_der`: the issuer name matches the issuer's
/// subject and the certificate's signature verifies under the issuer's key. Supported
/// signature algorithms: ECDSA (P-256/P-384, SHA-256/384), RSA PKCS#1 v1.5 (SHA-256/384/512),
/// RSASSA-PSS (SHA-256/384/512), Ed25519. Validity is not checked here.
pub fn verify_issued_by(cert_der: &[u8], issuer_der: &[u8]) -> Result<(), Error> {
    use aws_lc_rs::signature as sig;
    let cert = parse_x509(cert_der)?;
    let issuer = parse_x509(issuer_der)?;
    if cert.tbs_certificate.issuer.as_raw() != issuer.tbs_certificate.subject.as_raw() {
        return Err(Error::ChainInvalid("issuer name does not match"));
    }
    let candidates: &[&'static dyn sig::VerificationAlgorithm] =
        match cert.signature_algorithm.algorithm.to_id_string().as_str() {
            "1.2.840.10045.4.3.2" => &[&sig::ECDSA_P256_SHA256_ASN1, &sig::ECDSA_P384_SHA256_ASN1],
            "1.2.840.10045.4.3.3" => &[&sig::ECDSA_P384_SHA384_ASN1, &sig::ECDSA_P256_SHA384_ASN1],
            "1.2.840.113549.1.1.11" => &[&sig::RSA_PKCS1_2048_8192_SHA256],
            "1.2.840.113549.1.1.12" => &[&sig::RSA_PKCS1_2048_8192_SHA384],
            "1.2.840.113549.1.1.13" => &[&sig::RSA_PKCS1_2048_8192_SHA512],
            "1.2.840.113549.1.1.10" => &[
                &sig::RSA_PSS_2048_8192_SHA256,
                &sig::RSA_PSS_2048_8192_SHA384,
                &sig::RSA_PSS_2048_8192_SHA512,
            ],
            "1.3.101.112" => &[&sig::ED25519],
            _ => {
                return Err(Error::ChainInvalid(
                    "unsupported certificate signature algorithm",
                ))
            }
        };
    let key_bytes = &issuer.tbs_certificate.subject_pki.subject_public_key.data;
    let tbs = cert.tbs_certificate.as_ref();
    let signature = &cert.signature_value.data;
    for alg in candidates {
        if sig::UnparsedPublicKey::new(*alg, key_bytes)
            .verify(tbs, signature)
            .is_ok()
        {
            return Ok(());
        }
    }
    Err(Error::ChainInvalid(
        "certificate signature does not verify under the issuer key",
    ))
}
