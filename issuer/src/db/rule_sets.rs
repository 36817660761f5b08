//! SQL of `rule_sets`: one row per signed publication of a CertLogic rule set, the sequence
//! unique per name. Written once for both backends by one macro.

use super::rows::{RowExt, RuleSetRow};
use crate::error::Result;
use std::future::Future;

/// The statements on `rule_sets`.
pub trait RuleSets: Send {
    /// The latest publication of `name`.
    fn rule_set_latest(
        &mut self,
        name: &str,
    ) -> impl Future<Output = Result<Option<RuleSetRow>>> + Send;
    /// Store a publication (a unique violation means another replica took the sequence).
    fn rule_set_insert(
        &mut self,
        name: &str,
        row: &RuleSetRow,
        rules_hash: &[u8],
    ) -> impl Future<Output = Result<()>> + Send;
}

macro_rules! impl_rule_sets {
    ($conn:ty) => {
        impl RuleSets for $conn {
            async fn rule_set_latest(&mut self, name: &str) -> Result<Option<RuleSetRow>> {
                let row = sqlx::query(
                    "SELECT sequence, issued_at, valid_until, rules_json, signed FROM rule_sets \
                     WHERE name = $1 ORDER BY sequence DESC LIMIT 1",
                )
                .bind(name)
                .fetch_optional(&mut *self)
                .await?;
                row.map(|r| {
                    Ok(RuleSetRow {
                        sequence: r.i("sequence")?,
                        issued_at: r.i("issued_at")?,
                        valid_until: r.i("valid_until")?,
                        rules_json: r.s("rules_json")?,
                        signed: r.b("signed")?,
                    })
                })
                .transpose()
            }
            async fn rule_set_insert(
                &mut self,
                name: &str,
                row: &RuleSetRow,
                rules_hash: &[u8],
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO rule_sets \
                     (name, sequence, issued_at, valid_until, rules_json, rules_hash, signed) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(name)
                .bind(row.sequence)
                .bind(row.issued_at)
                .bind(row.valid_until)
                .bind(&row.rules_json)
                .bind(rules_hash)
                .bind(&row.signed)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
        }
    };
}

impl_rule_sets!(sqlx::SqliteConnection);
impl_rule_sets!(sqlx::PgConnection);
