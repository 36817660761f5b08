//! The national population register, as the issuer consults it: for each document, the
//! identity the register holds ([`Lookup::Found`]), that the register covers documents of
//! this kind but not this one ([`Lookup::Absent`]), or that it does not cover them at all
//! ([`Lookup::NotCovered`]: foreigners' passports, temporary ids, and every document while
//! the register is empty in development). Two implementations: [`DbRegister`] (the
//! `population` table) and [`super::http_register::HttpRegister`] (an external service).

use super::Document;
use crate::db::population::PopulationRow;
use crate::db::prelude::*;
use crate::db::Db;
use crate::domain::DocumentKind;
use crate::error::Result;
use crate::with_db;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// An identity as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterEntry {
    /// Family name.
    pub family_name: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Date of birth (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub date_of_birth: String,
}

impl RegisterEntry {
    /// The claims compared with a submission.
    pub fn claimed(&self) -> super::Claimed<'_> {
        super::Claimed {
            family_name: &self.family_name,
            date_of_birth: &self.date_of_birth,
        }
    }
}

/// What the register says about one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The register knows the document: its identity.
    Found(RegisterEntry),
    /// The register covers this kind of document and does not know this one.
    Absent,
    /// The register does not cover this kind of document.
    NotCovered,
    /// The register could not be asked (an external register did not answer). Enough for a
    /// person already stored, whose identity is checked against the stored one; a new person
    /// cannot be created (`UNAVAILABLE`, retryable).
    Unreachable,
}

/// One document to look up: the document and its keyed hash.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The document (the HTTP register needs its number).
    pub document: &'a Document,
    /// `Ident::document_hash` of it (the table register is keyed by it).
    pub id_hash: &'a [u8],
}

/// A boxed future of one answer per query, in order.
pub type LookupFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Lookup>>> + Send + 'a>>;

/// A source of reference identities. Object-safe, so the configured source is chosen at
/// start-up (`[identity]` in the config file).
pub trait PopulationRegister: Send + Sync + std::fmt::Debug {
    /// Look up every query (set-based where the source allows); one answer per query, in
    /// order. An unreachable source is `UNAVAILABLE` (the caller retries), never a guess.
    fn lookup_many<'a>(&'a self, queries: &'a [Query<'a>]) -> LookupFuture<'a>;
}

/// The `population` table of our own database (loaded by `vaxcert-issuer population import`).
/// A kind of document is covered when the table holds at least one document of that kind.
#[derive(Debug, Clone)]
pub struct DbRegister {
    db: Db,
}

impl DbRegister {
    /// The register in `db`.
    pub fn new(db: Db) -> DbRegister {
        DbRegister { db }
    }

    async fn lookup(&self, queries: &[Query<'_>]) -> Result<Vec<Lookup>> {
        let hashes: Vec<&[u8]> = queries
            .iter()
            .filter(|q| q.document.kind != DocumentKind::Temporary)
            .map(|q| q.id_hash)
            .collect();
        if hashes.is_empty() {
            return Ok(vec![Lookup::NotCovered; queries.len()]);
        }
        let (rows, covered) = with_db!(&self.db, |p| {
            let mut c = p.acquire().await?;
            let rows = c.population_by_hashes(&hashes).await?;
            let mut covered = HashMap::new();
            for q in queries {
                let kind = q.document.kind;
                if kind != DocumentKind::Temporary && !covered.contains_key(&kind) {
                    let found = rows.iter().any(|r| r.doc_type == kind);
                    let covers = found || c.population_covers(kind).await?;
                    covered.insert(kind, covers);
                }
            }
            Ok::<_, crate::error::Error>((rows, covered))
        })?;
        let by_hash: HashMap<&[u8], &PopulationRow> =
            rows.iter().map(|r| (r.id_hash.as_slice(), r)).collect();
        Ok(queries
            .iter()
            .map(|q| match by_hash.get(q.id_hash) {
                Some(r) if r.doc_type == q.document.kind => Lookup::Found(RegisterEntry {
                    family_name: r.family_name.clone(),
                    given_name: r.given_name.clone(),
                    date_of_birth: r.dob.clone(),
                }),
                _ if covered.get(&q.document.kind) == Some(&true) => Lookup::Absent,
                _ => Lookup::NotCovered,
            })
            .collect())
    }
}

impl PopulationRegister for DbRegister {
    fn lookup_many<'a>(&'a self, queries: &'a [Query<'a>]) -> LookupFuture<'a> {
        Box::pin(self.lookup(queries))
    }
}
