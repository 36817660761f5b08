//! An external population register over HTTP(S). The shape we assume (spec/issuer.md
//! §Identity, "External register"):
//!
//! ```text
//! POST {url}
//! Content-Type: application/json
//! {"document_type": "national_id" | "passport", "document_number": "…", "document_country": "USA" | null}
//!
//! 200 {"found": true, "family_name": "…", "given_name": "…" | null, "date_of_birth": "YYYY[-MM[-DD]]"}
//! 200 {"found": false}
//! ```
//!
//! Document kinds outside the configured `covers` list are not sent ([`Lookup::NotCovered`]).
//! Any other answer — a non-200 status, a body that is not this shape, a timeout — makes the
//! submission fail as `UNAVAILABLE` (503, retryable): an identity is never guessed.
//! Look-ups of a batch run [`CONCURRENCY`] at a time.

use super::register::{Lookup, LookupFuture, PopulationRegister, Query, RegisterEntry};
use crate::domain::DocumentKind;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::time::Duration;

/// Look-ups in flight at once for one batch.
pub const CONCURRENCY: usize = 8;
/// Largest answer body read.
const MAX_ANSWER: usize = 16 * 1024;

/// A client of one external register.
#[derive(Debug, Clone)]
pub struct HttpRegister {
    client: reqwest::Client,
    url: reqwest::Url,
    covers: Vec<DocumentKind>,
}

/// The register's answer. Fields we do not use are ignored (tolerant on what we read from
/// others: a register adding a field must not stop issuance); the ones we use are checked.
#[derive(Deserialize)]
struct Answer {
    found: bool,
    #[serde(default)]
    family_name: Option<String>,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    date_of_birth: Option<String>,
}

impl HttpRegister {
    /// A client of the register at `url` for documents of the kinds in `covers`, each
    /// request bounded by `timeout`.
    pub fn new(url: &str, covers: Vec<DocumentKind>, timeout: Duration) -> Result<HttpRegister> {
        let url = reqwest::Url::parse(url)
            .map_err(|_| Error::Config("identity.register_url is not a URL".into()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(
                "identity.register_url must be http or https".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("register client: {e}")))?;
        Ok(HttpRegister {
            client,
            url,
            covers,
        })
    }

    async fn one(&self, q: &Query<'_>) -> Result<Lookup> {
        if !self.covers.contains(&q.document.kind) {
            return Ok(Lookup::NotCovered);
        }
        let unreachable = || Error::Unavailable("the population register did not answer");
        let body = serde_json::json!({
            "document_type": q.document.kind.as_str(),
            "document_number": q.document.number,
            "document_country": q.document.country,
        });
        let resp = self
            .client
            .post(self.url.clone())
            .json(&body)
            .send()
            .await
            .map_err(|_| unreachable())?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(unreachable());
        }
        let bytes = resp.bytes().await.map_err(|_| unreachable())?;
        if bytes.len() > MAX_ANSWER {
            return Err(unreachable());
        }
        let a: Answer = serde_json::from_slice(&bytes).map_err(|_| unreachable())?;
        match (a.found, a.family_name, a.date_of_birth) {
            (false, _, _) => Ok(Lookup::Absent),
            (true, Some(family_name), Some(date_of_birth)) => Ok(Lookup::Found(RegisterEntry {
                family_name,
                given_name: a.given_name,
                date_of_birth,
            })),
            (true, _, _) => Err(unreachable()),
        }
    }

    async fn lookup(&self, queries: &[Query<'_>]) -> Result<Vec<Lookup>> {
        let mut out = Vec::with_capacity(queries.len());
        for chunk in queries.chunks(CONCURRENCY) {
            let answers = futures_util::future::join_all(chunk.iter().map(|q| self.one(q))).await;
            for a in answers {
                out.push(a?);
            }
        }
        Ok(out)
    }
}

impl PopulationRegister for HttpRegister {
    fn lookup_many<'a>(&'a self, queries: &'a [Query<'a>]) -> LookupFuture<'a> {
        Box::pin(self.lookup(queries))
    }
}
