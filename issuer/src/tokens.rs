//! API tokens (spec/issuer.md §Roles and tokens): HS256 JWTs signed with `token.key`, each
//! with an id (`jti`) registered in the database so it can be revoked, a role, and for the
//! facility role the facility id. A revoked token, an unknown token id or a revoked facility is
//! refused on every request.

use crate::db::rows::TokenRow;
use crate::db::Store;
use crate::error::{Error, Result};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Who may do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A vaccination site: submits and corrects its own records, reads its own certificates.
    Facility,
    /// The ministry: reads everything, revokes, rotates keys.
    Ministry,
    /// Read-only: audit log and trust material.
    Auditor,
}

impl Role {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Facility => "facility",
            Role::Ministry => "ministry",
            Role::Auditor => "auditor",
        }
    }

    /// Parse a lower-case name.
    pub fn from_name(s: &str) -> Option<Role> {
        match s {
            "facility" => Some(Role::Facility),
            "ministry" => Some(Role::Ministry),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }
}

/// JWT claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenClaims {
    /// Token id.
    pub jti: String,
    /// Role.
    pub role: Role,
    /// Facility id (facility role only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fac: Option<String>,
    /// Issued at.
    pub iat: i64,
    /// Expires.
    pub exp: i64,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Token id (the audit log's actor).
    pub token_id: String,
    /// Role.
    pub role: Role,
    /// Facility, for the facility role.
    pub facility: Option<String>,
}

impl Caller {
    /// The audit actor string: `role:token-id` (no personal data).
    pub fn actor(&self) -> String {
        format!("{}:{}", self.role.name(), self.token_id)
    }
}

/// Parse `24h`, `30m`, `7d`, `3600s` or bare seconds.
pub fn parse_ttl(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        's' => (&s[..s.len() - 1], 1),
        'm' => (&s[..s.len() - 1], 60),
        'h' => (&s[..s.len() - 1], 3600),
        'd' => (&s[..s.len() - 1], 86_400),
        _ => (s, 1),
    };
    let n: i64 = num.parse().ok()?;
    (n > 0).then(|| n.checked_mul(mult)).flatten()
}

/// A freshly minted token: its id (for `revoke-token` and the audit log) and the JWT itself
/// (shown once).
#[derive(Debug, Clone)]
pub struct Minted {
    /// Token id (`jti`).
    pub id: String,
    /// The bearer token.
    pub token: String,
}

/// Mint and register a token.
pub async fn mint<C: Store>(
    conn: &mut C,
    secret: &[u8],
    role: Role,
    facility: Option<&str>,
    ttl: i64,
    now: i64,
) -> Result<Minted> {
    if role == Role::Facility {
        let fid = facility.ok_or_else(|| Error::field("facility", "required for role facility"))?;
        match conn.facility_get(fid).await? {
            Some(None) => {}
            Some(Some(_)) => return Err(Error::Forbidden("facility is revoked")),
            None => return Err(Error::field("facility", "unknown facility; add it first")),
        }
    }
    let claims = TokenClaims {
        jti: uuid::Uuid::new_v4().to_string(),
        role,
        fac: if role == Role::Facility {
            facility.map(str::to_string)
        } else {
            None
        },
        iat: now,
        exp: now + ttl,
    };
    conn.token_insert(
        &TokenRow {
            id: claims.jti.clone(),
            role: role.name().to_string(),
            facility_id: claims.fac.clone(),
            expires_at: claims.exp,
            revoked_at: None,
        },
        now,
    )
    .await?;
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|_| Error::Internal("token encoding".into()))?;
    Ok(Minted {
        id: claims.jti,
        token,
    })
}

/// Check a bearer token: header (no `crit`, no duplicate keys), signature, expiry,
/// registered, not revoked, facility not revoked.
pub async fn authenticate<C: Store>(
    conn: &mut C,
    secret: &[u8],
    token: &str,
    now: i64,
) -> Result<Caller> {
    check_header(token)?;
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 0;
    v.validate_exp = false; // checked below against our clock
    v.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<TokenClaims>(token, &DecodingKey::from_secret(secret), &v)
        .map_err(|_| Error::Unauthenticated)?;
    let c = data.claims;
    if c.exp <= now {
        return Err(Error::Unauthenticated);
    }
    let row = conn
        .token_get(&c.jti)
        .await?
        .ok_or(Error::Unauthenticated)?;
    // The row's expiry bounds the JWT's: a token whose row has expired (or was shortened)
    // stops working even if its `exp` says otherwise.
    if row.revoked_at.is_some()
        || row.expires_at <= now
        || row.role != c.role.name()
        || row.facility_id != c.fac
    {
        return Err(Error::Unauthenticated);
    }
    if let Some(f) = &c.fac {
        match conn.facility_get(f).await? {
            Some(None) => {}
            _ => return Err(Error::Unauthenticated),
        }
    }
    Ok(Caller {
        token_id: c.jti,
        role: c.role,
        facility: c.fac,
    })
}

/// The JOSE header of `token`, read before the signature is checked: it must be a JSON
/// object without duplicate keys ([`crate::strict_json`]) and without `crit`. RFC 7515
/// §4.1.11: a recipient must refuse a token whose `crit` names extensions it does not
/// understand, and this service understands none (jsonwebtoken reads `crit` but ignores it).
/// Any failure is `UNAUTHORIZED`, as for every other bad token.
fn check_header(token: &str) -> Result<()> {
    use base64::Engine;
    let segment = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Error::Unauthenticated)?;
    let header = crate::strict_json::parse(&bytes).map_err(|_| Error::Unauthenticated)?;
    match header.as_object() {
        Some(fields) if !fields.contains_key("crit") => Ok(()),
        _ => Err(Error::Unauthenticated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ttls() {
        assert_eq!(parse_ttl("24h"), Some(86_400));
        assert_eq!(parse_ttl("30m"), Some(1800));
        assert_eq!(parse_ttl("7d"), Some(604_800));
        assert_eq!(parse_ttl("15"), Some(15));
        assert_eq!(parse_ttl("-1h"), None);
        assert_eq!(parse_ttl("h"), None);
        assert_eq!(parse_ttl("é"), None);
    }
}
