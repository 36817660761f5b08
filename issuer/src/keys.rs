//! Key custody (spec/issuer.md §Keys): the CSCA certificate (trust anchor), the list signer,
//! the document signers (DSCs), the token secret and the person-identifier secret, all read
//! from one keys directory shared by every replica. Which DSC signs is recorded in the
//! database (`dscs.state = 'current'`), so a rotation done by one replica or by the CLI is
//! picked up by all (each checks at most every [`REFRESH`]).
//!
//! Files in the keys directory:
//! `csca.crt.pem` (anchor), `csca.key.pem` (only where DSCs are issued), `list-signer.crt.pem`,
//! `list-signer.key.pem`, `dsc/<kid-hex>.crt.pem` + `dsc/<kid-hex>.key.pem`, `token.key`,
//! `person.key` (hex secrets, 32 bytes).

use crate::db::rows::DscRow;
use crate::db::{BeginWrite, Db, Dscs};
use crate::domain::DscState;
use crate::error::{Error, Result};
use crate::with_db;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use trust_list::pki::{self, CertSpec, CertifiedKey};
use trust_list::Dsc;
use wallet_format::signing::{der_to_pem, pem_to_der};
use wallet_format::{Algorithm, CertificateType, KeySigner, Kid, Signer, SoftwareKey};

/// How often a replica re-reads which DSC is current.
pub const REFRESH: Duration = Duration::from_secs(5);

const YEAR: i64 = 365 * 86_400;

struct Ring {
    signers: HashMap<String, Arc<dyn Signer>>,
    current: Option<String>,
    checked: Option<Instant>,
}

/// The loaded keys.
pub struct Keys {
    dir: PathBuf,
    /// The CSCA certificate (DER): the anchor verifiers pin.
    pub csca_der: Vec<u8>,
    /// The list signer (key + certificate).
    pub list_signer: CertifiedKey,
    /// HMAC secret for JWTs.
    pub token_secret: Vec<u8>,
    /// HMAC secret for person identifiers and retrieval codes.
    pub person_secret: Vec<u8>,
    ring: RwLock<Ring>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("dir", &self.dir).finish()
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read key file {}: {e}", path.display())))
}

fn cert_from_pem(path: &Path) -> Result<Vec<u8>> {
    pem_to_der(&read(path)?, "CERTIFICATE")
        .ok_or_else(|| Error::Config(format!("{} holds no certificate", path.display())))
}

fn key_from_pem(path: &Path, cert_der: &[u8]) -> Result<SoftwareKey> {
    let dsc = Dsc::from_der(cert_der)?;
    let alg = dsc.public_key().algorithm();
    SoftwareKey::from_pkcs8_pem(alg, &read(path)?)
        .map_err(|_| Error::Config(format!("{} holds no usable private key", path.display())))
}

fn secret(path: &Path) -> Result<Vec<u8>> {
    let text = read(path)?;
    let bytes = hex::decode(text.trim())
        .map_err(|_| Error::Config(format!("{} is not hex", path.display())))?;
    if bytes.len() < 32 {
        return Err(Error::Config(format!(
            "{} is shorter than 32 bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

fn random_secret() -> Result<String> {
    let mut b = [0u8; 32];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| Error::Internal("rng".into()))?;
    Ok(hex::encode(b))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    crate::private_fs::write(path, text.as_bytes())
}

/// The kid as the file-name stem (hex).
pub fn kid_hex(kid: &Kid) -> String {
    hex::encode(kid.as_bytes())
}

/// Whether the keys directory has been initialised.
pub fn exists(dir: &Path) -> bool {
    dir.join("csca.crt.pem").exists()
}

/// Create development keys in `dir` (CSCA, list signer, one ES256 DSC, secrets).
/// Never used when a keys directory is configured for production.
pub fn generate_dev(dir: &Path, country: &str, now: i64) -> Result<()> {
    crate::private_fs::create_dir(&dir.join("dsc"))?;
    let csca = pki::generate_csca(
        Algorithm::Es256,
        &CertSpec::new(
            country,
            &format!("{country} CSCA (development)"),
            now - 60,
            now + 10 * YEAR,
        ),
    )?;
    write_private(&dir.join("csca.key.pem"), &csca.key.to_pkcs8_pem()?)?;
    std::fs::write(dir.join("csca.crt.pem"), csca.cert_pem())?;
    let ls = pki::generate_list_signer(
        &csca,
        Algorithm::Es256,
        &CertSpec::new(
            country,
            &format!("{country} list signer (development)"),
            now - 60,
            now + 2 * YEAR,
        ),
    )?;
    write_private(&dir.join("list-signer.key.pem"), &ls.key.to_pkcs8_pem()?)?;
    std::fs::write(dir.join("list-signer.crt.pem"), ls.cert_pem())?;
    write_private(&dir.join("token.key"), &random_secret()?)?;
    write_private(&dir.join("person.key"), &random_secret()?)?;
    create_dsc_files(dir, Algorithm::Es256, country, now)?;
    Ok(())
}

/// Issue a new DSC with the CSCA key in `dir` and write its files; returns its certificate.
pub fn create_dsc_files(dir: &Path, alg: Algorithm, country: &str, now: i64) -> Result<Vec<u8>> {
    let csca_der = cert_from_pem(&dir.join("csca.crt.pem"))?;
    let csca_key = key_from_pem(&dir.join("csca.key.pem"), &csca_der)?;
    let csca = CertifiedKey {
        key: csca_key,
        cert_der: csca_der,
    };
    let key = match alg {
        Algorithm::Ps256 => SoftwareKey::generate_rsa(wallet_format::RsaBits::Rsa2048)?,
        other => SoftwareKey::generate(other)?,
    };
    let spki = key.public_key_spki_der()?;
    let name = format!("{country} DSC {} {now}", alg.name());
    // A DSC signs for 2 years; certificates it signed stay verifiable until it expires.
    let cert_der = pki::issue_dsc_for_spki(
        &csca,
        &spki,
        &CertSpec::new(country, &name, now - 60, now + 2 * YEAR),
        &[CertificateType::Vaccination],
    )?;
    let stem = kid_hex(&Kid::from_der(&cert_der));
    crate::private_fs::create_dir(&dir.join("dsc"))?;
    write_private(
        &dir.join("dsc").join(format!("{stem}.key.pem")),
        &key.to_pkcs8_pem()?,
    )?;
    std::fs::write(
        dir.join("dsc").join(format!("{stem}.crt.pem")),
        der_to_pem(&cert_der, "CERTIFICATE"),
    )?;
    Ok(cert_der)
}

impl Keys {
    /// Load the keys directory (it must exist).
    pub fn load(dir: &Path) -> Result<Keys> {
        let csca_der = cert_from_pem(&dir.join("csca.crt.pem"))?;
        let ls_der = cert_from_pem(&dir.join("list-signer.crt.pem"))?;
        let ls_key = key_from_pem(&dir.join("list-signer.key.pem"), &ls_der)?;
        Ok(Keys {
            dir: dir.to_path_buf(),
            csca_der,
            list_signer: CertifiedKey {
                key: ls_key,
                cert_der: ls_der,
            },
            token_secret: secret(&dir.join("token.key"))?,
            person_secret: secret(&dir.join("person.key"))?,
            ring: RwLock::new(Ring {
                signers: HashMap::new(),
                current: None,
                checked: None,
            }),
        })
    }

    /// Every private key and secret file in the keys directory (for the start-up check).
    pub fn private_files(&self) -> Result<Vec<PathBuf>> {
        let mut out: Vec<PathBuf> = [
            "csca.key.pem",
            "list-signer.key.pem",
            "token.key",
            "person.key",
        ]
        .iter()
        .map(|n| self.dir.join(n))
        .filter(|p| p.exists())
        .collect();
        let dsc = self.dir.join("dsc");
        if dsc.exists() {
            for entry in std::fs::read_dir(&dsc)? {
                let path = entry?.path();
                if path.to_string_lossy().ends_with(".key.pem") {
                    out.push(path);
                }
            }
        }
        Ok(out)
    }

    /// The keys directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every DSC certificate file in the keys directory, as (kid base64, DER).
    fn dsc_files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        let dir = self.dir.join("dsc");
        if !dir.exists() {
            return Ok(out);
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let is_cert = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".crt.pem"));
            if is_cert {
                let der = cert_from_pem(&path)?;
                out.push((Kid::from_der(&der).to_base64(), der));
            }
        }
        Ok(out)
    }

    /// Register DSC files that the database does not know yet. If the database has no current
    /// DSC, the newest registered one becomes current.
    pub async fn sync(&self, db: &Db, now: i64) -> Result<()> {
        let mut files = self.dsc_files()?;
        files.sort_by_key(|(_, der)| Dsc::from_der(der).map(|d| d.not_before()).unwrap_or(0));
        for (kid, der) in &files {
            let alg = Dsc::from_der(der)?.public_key().algorithm().name();
            with_db!(db, |p| {
                let mut c = p.acquire().await?;
                c.dsc_register(kid, alg, der, now).await?;
            });
        }
        let current = self.current_kid_in_db(db).await?;
        if current.is_none() {
            if let Some((kid, _)) = files.last() {
                self.set_current(db, kid, now).await?;
            }
        }
        Ok(())
    }

    async fn current_kid_in_db(&self, db: &Db) -> Result<Option<String>> {
        with_db!(db, |p| {
            let mut c = p.acquire().await?;
            c.dsc_current().await
        })
    }

    /// Make `kid` the current DSC (the previous current one is retired: still trusted, no
    /// longer signing).
    pub async fn set_current(&self, db: &Db, kid: &str, now: i64) -> Result<()> {
        with_db!(db, |p| {
            let mut tx = p.begin_write().await?;
            tx.dsc_make_current(kid, now).await?;
            tx.commit().await?;
        });
        self.invalidate();
        Ok(())
    }

    /// Forget the cached current DSC (next signing re-reads the database).
    pub fn invalidate(&self) {
        if let Ok(mut r) = self.ring.write() {
            r.checked = None;
        }
    }

    fn load_signer(&self, kid: &str) -> Result<KeySigner> {
        let k = Kid::from_base64(kid).ok_or_else(|| Error::Internal("bad kid in db".into()))?;
        let stem = kid_hex(&k);
        let cert_der = cert_from_pem(&self.dir.join("dsc").join(format!("{stem}.crt.pem")))?;
        let key = key_from_pem(
            &self.dir.join("dsc").join(format!("{stem}.key.pem")),
            &cert_der,
        )?;
        Ok(key.into_signer(Kid::from_der(&cert_der)))
    }

    /// The signer of the current DSC.
    pub async fn current_signer(&self, db: &Db) -> Result<Arc<dyn Signer>> {
        {
            let r = self
                .ring
                .read()
                .map_err(|_| Error::Internal("key ring lock".into()))?;
            if let (Some(checked), Some(kid)) = (r.checked, &r.current) {
                if checked.elapsed() < REFRESH {
                    if let Some(s) = r.signers.get(kid) {
                        return Ok(s.clone());
                    }
                }
            }
        }
        let kid = self
            .current_kid_in_db(db)
            .await?
            .ok_or(Error::NoSigningKey)?;
        let mut r = self
            .ring
            .write()
            .map_err(|_| Error::Internal("key ring lock".into()))?;
        if !r.signers.contains_key(&kid) {
            let signer = self.load_signer(&kid)?;
            r.signers
                .insert(kid.clone(), Arc::new(signer) as Arc<dyn Signer>);
        }
        r.current = Some(kid.clone());
        r.checked = Some(Instant::now());
        r.signers.get(&kid).cloned().ok_or(Error::NoSigningKey)
    }

    /// Every DSC in the database.
    pub async fn list(&self, db: &Db) -> Result<Vec<DscRow>> {
        with_db!(db, |p| {
            let mut c = p.acquire().await?;
            c.dscs_all().await
        })
    }

    /// Whether a new DSC can be made on this host (the CSCA key is here).
    pub fn can_issue_dsc(&self) -> bool {
        self.dir.join("csca.key.pem").exists()
    }

    /// Make a new DSC's files (key and certificate) without registering it: the caller
    /// registers it in its own transaction. Returns (kid, certificate DER).
    pub fn create_dsc(&self, alg: Algorithm, country: &str, now: i64) -> Result<(String, Vec<u8>)> {
        if !self.can_issue_dsc() {
            return Err(Error::Config(
                "making a DSC needs csca.key.pem in the keys directory".into(),
            ));
        }
        let der = create_dsc_files(&self.dir, alg, country, now)?;
        Ok((Kid::from_der(&der).to_base64(), der))
    }

    /// The signer of DSC `kid` from its files.
    pub fn signer_for(&self, kid: &str) -> Result<Arc<dyn Signer>> {
        Ok(Arc::new(self.load_signer(kid)?))
    }

    /// Rotate: issue a new DSC of `alg` (needs the CSCA key in the keys directory), register
    /// it and make it current. Returns its kid.
    pub async fn rotate(&self, db: &Db, alg: Algorithm, country: &str, now: i64) -> Result<String> {
        if !self.dir.join("csca.key.pem").exists() {
            return Err(Error::Config(
                "rotation needs csca.key.pem in the keys directory".into(),
            ));
        }
        let der = create_dsc_files(&self.dir, alg, country, now)?;
        let kid = Kid::from_der(&der).to_base64();
        self.sync(db, now).await?;
        self.set_current(db, &kid, now).await?;
        Ok(kid)
    }

    /// Mark a DSC compromised (dropped from the trust list). If it was current, the caller
    /// should rotate.
    pub async fn mark_compromised(&self, db: &Db, kid: &str, now: i64) -> Result<bool> {
        let found = with_db!(db, |p| {
            let mut c = p.acquire().await?;
            c.dsc_set_state(kid, DscState::Compromised, now).await?
        });
        self.invalidate();
        Ok(found)
    }
}
