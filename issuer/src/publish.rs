//! What the issuer publishes for verifiers (spec/issuer.md §Publication): the signed trust
//! list of our DSCs, the same DSCs in EU-gateway JSON, the signed revocation list (full, or a
//! delta since a sequence), and the anchor (CSCA) certificate. Lists are signed on request by
//! the list signer; their sequence numbers come from the database (revocations) or the clock
//! (trust list), so every replica publishes consistent, monotone lists.

use crate::db::store::Store;
use crate::error::Result;
use crate::issue::Issuer;
use crate::with_db;
use trust_list::list::{TrustList, TrustListEntry};
use trust_list::revocation::{revocation_hashes, RevocationDelta, RevocationList};
use trust_list::{Dsc, HashType};
use wallet_format::{Algorithm, Kid};

/// A signed trust list is valid for this long (verifiers refresh daily).
pub const TRUST_LIST_VALIDITY: i64 = 7 * 86_400;
/// A signed revocation list is valid for this long.
pub const REVOCATION_VALIDITY: i64 = 2 * 86_400;

impl Issuer {
    /// DSCs that verifiers should trust (not compromised).
    pub async fn trusted_dscs(&self) -> Result<Vec<Dsc>> {
        let mut out = Vec::new();
        for d in self.keys.list(&self.db).await? {
            if d.state != "compromised" {
                out.push(Dsc::from_der(&d.cert_der)?);
            }
        }
        Ok(out)
    }

    /// The signed trust list (COSE bytes).
    pub async fn signed_trust_list(&self, now: i64) -> Result<Vec<u8>> {
        let entries = self
            .trusted_dscs()
            .await?
            .iter()
            .map(|d| TrustListEntry::from_dsc(d, &self.settings.country))
            .collect();
        let list = TrustList {
            sequence: u64::try_from(now).unwrap_or(0),
            issued_at: now,
            valid_until: now + TRUST_LIST_VALIDITY,
            entries,
            cscas: vec![self.keys.csca_der.clone()],
            ..Default::default()
        };
        let signer = self.keys.list_signer.signer()?;
        Ok(list.sign(
            &signer,
            std::slice::from_ref(&self.keys.list_signer.cert_der),
        )?)
    }

    /// Our DSCs (and the CSCA) in the EU gateway's JSON shape.
    pub async fn gateway_json(&self, now: i64) -> Result<String> {
        let dscs = self.trusted_dscs().await?;
        let csca = Dsc::from_der(&self.keys.csca_der)?;
        Ok(trust_list::gateway::export(
            &dscs,
            &[csca],
            &self.settings.country,
            now,
        )?)
    }

    /// The anchor certificate as PEM.
    pub fn anchor_pem(&self) -> String {
        wallet_format::signing::der_to_pem(&self.keys.csca_der, "CERTIFICATE")
    }

    /// The signed revocation list: full when `since` is `None`, else a delta of entries with
    /// a sequence above `since`.
    pub async fn signed_revocations(&self, since: Option<i64>, now: i64) -> Result<Vec<u8>> {
        let rows = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            c.revocations_since(since.unwrap_or(0)).await?
        });
        let validity = self.settings.validity_days * 86_400;
        let top = rows.last().map(|r| r.seq).unwrap_or(since.unwrap_or(0));
        let mut list = RevocationList::new(
            u64::try_from(top).unwrap_or(0),
            now,
            now + REVOCATION_VALIDITY,
        );
        for r in &rows {
            let Some(kid) = Kid::from_base64(&r.kid) else {
                continue;
            };
            let hashes: Vec<_> = revocation_hashes(Some(&r.uvci), None, Algorithm::Es256, &[])
                .into_iter()
                .filter(|(t, _)| *t == HashType::Uci)
                .map(|(_, h)| h)
                .collect();
            list.add(kid, HashType::Uci, r.revoked_at + validity, hashes);
        }
        let signer = self.keys.list_signer.signer()?;
        let chain = [self.keys.list_signer.cert_der.clone()];
        match since {
            None => Ok(list.sign(&signer, &chain)?),
            Some(base) => {
                let delta = RevocationDelta {
                    base_sequence: u64::try_from(base).unwrap_or(0),
                    sequence: list.sequence,
                    issued_at: now,
                    valid_until: now + REVOCATION_VALIDITY,
                    added: list.groups().cloned().collect(),
                    removed: Vec::new(),
                };
                Ok(delta.sign(&signer, &chain)?)
            }
        }
    }

    /// Write everything a verifier needs into `dir` (`keys export`); returns the file names.
    pub async fn export(&self, dir: &std::path::Path, now: i64) -> Result<Vec<&'static str>> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("anchor.pem"), self.anchor_pem())?;
        std::fs::write(
            dir.join("trust-list.cose"),
            self.signed_trust_list(now).await?,
        )?;
        std::fs::write(
            dir.join("trust-list-dccg.json"),
            self.gateway_json(now).await?,
        )?;
        std::fs::write(
            dir.join("revocations.cose"),
            self.signed_revocations(None, now).await?,
        )?;
        std::fs::write(
            dir.join("list-signer.pem"),
            wallet_format::signing::der_to_pem(&self.keys.list_signer.cert_der, "CERTIFICATE"),
        )?;
        Ok(vec![
            "anchor.pem",
            "trust-list.cose",
            "trust-list-dccg.json",
            "revocations.cose",
            "list-signer.pem",
        ])
    }
}
