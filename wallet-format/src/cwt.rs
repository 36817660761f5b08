//! CWT claims of an HCERT: iss (1), exp (4), iat (6), hcert (-260) → eu_dcc_v1 (1)
//! (spec/format.md §CWT).

use crate::cbor;
use crate::error::{Error, PayloadErrorKind, PayloadProblem};
use crate::limits::Limits;
use crate::payload::Dcc;
use ciborium::value::Value as Cbor;
use serde::Deserialize;

/// CWT claim key of the issuer country.
pub const CLAIM_ISS: i64 = 1;
/// CWT claim key of the expiry time.
pub const CLAIM_EXP: i64 = 4;
/// CWT claim key of the issuing time.
pub const CLAIM_IAT: i64 = 6;
/// CWT claim key of the hcert map.
pub const CLAIM_HCERT: i64 = -260;
/// Key of the EU DCC v1 payload inside the hcert map.
pub const HCERT_EU_DCC_V1: i64 = 1;

/// The claims of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Claims {
    /// Issuer country (ISO 3166-1 alpha-2), claim 1.
    pub iss: Option<String>,
    /// Issued at, seconds since the epoch, claim 6.
    pub iat: Option<i64>,
    /// Expires at, seconds since the epoch, claim 4.
    pub exp: Option<i64>,
    /// The DCC payload.
    pub dcc: Dcc,
}

/// Claims as decoded: the typed view plus the payload as JSON (for schema validation and
/// business rules, which must see what was received, not our re-serialisation).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedClaims {
    /// The typed claims.
    pub claims: Claims,
    /// The DCC payload exactly as received, converted to JSON.
    pub dcc_json: serde_json::Value,
}

impl Claims {
    /// Serialise to the CWT claims map (deterministic order: 1, 4, 6, -260), written directly
    /// (no intermediate CBOR value tree).
    pub fn to_cbor(&self) -> Result<Vec<u8>, Error> {
        use crate::cose::{push_head, push_int};
        let entries = 1
            + usize::from(self.iss.is_some())
            + usize::from(self.exp.is_some())
            + usize::from(self.iat.is_some());
        let mut out = Vec::with_capacity(320);
        push_head(&mut out, 5, entries as u64);
        if let Some(iss) = &self.iss {
            push_int(&mut out, CLAIM_ISS);
            push_head(&mut out, 3, iss.len() as u64);
            out.extend_from_slice(iss.as_bytes());
        }
        if let Some(exp) = self.exp {
            push_int(&mut out, CLAIM_EXP);
            push_int(&mut out, exp);
        }
        if let Some(iat) = self.iat {
            push_int(&mut out, CLAIM_IAT);
            push_int(&mut out, iat);
        }
        push_int(&mut out, CLAIM_HCERT);
        push_head(&mut out, 5, 1);
        push_int(&mut out, HCERT_EU_DCC_V1);
        ciborium::ser::into_writer(&self.dcc, &mut out)
            .map_err(|_| Error::EncodingFailed("dcc payload"))?;
        Ok(out)
    }

    /// The CWT envelope: iss, iat, exp and the raw eu_dcc_v1 payload (dcc left default).
    fn parse_envelope(bytes: &[u8], limits: &Limits) -> Result<(Claims, Cbor), Error> {
        let value = cbor::parse(bytes, limits)?;
        let entries = match value {
            Cbor::Map(m) => m,
            Cbor::Tag(_, inner) => match *inner {
                Cbor::Map(m) => m,
                _ => return Err(Error::CwtInvalid("claims are not a map")),
            },
            _ => return Err(Error::CwtInvalid("claims are not a map")),
        };
        let mut iss = None;
        let mut iat = None;
        let mut exp = None;
        let mut hcert = None;
        for (k, v) in entries {
            let Some(key) = int_key(&k) else { continue };
            match key {
                CLAIM_ISS => match v {
                    Cbor::Text(s) => iss = Some(s),
                    Cbor::Null => {}
                    _ => return Err(Error::CwtInvalid("iss is not text")),
                },
                CLAIM_IAT => iat = Some(numeric_date(&v).ok_or(Error::CwtInvalid("iat"))?),
                CLAIM_EXP => exp = Some(numeric_date(&v).ok_or(Error::CwtInvalid("exp"))?),
                CLAIM_HCERT => hcert = Some(v),
                _ => {}
            }
        }
        let hcert = hcert.ok_or(Error::CwtInvalid("no hcert claim (-260)"))?;
        let hcert_entries = match hcert {
            Cbor::Map(m) => m,
            _ => return Err(Error::CwtInvalid("hcert claim is not a map")),
        };
        let dcc_value = hcert_entries
            .into_iter()
            .find(|(k, _)| int_key(k) == Some(HCERT_EU_DCC_V1))
            .map(|(_, v)| v)
            .ok_or(Error::CwtInvalid("no eu_dcc_v1 payload in hcert"))?;
        Ok((
            Claims {
                iss,
                iat,
                exp,
                dcc: Dcc::default(),
            },
            dcc_value,
        ))
    }

    /// Parse a CWT claims map, tolerantly: iat/exp as integers, floats (truncated) or tag 1;
    /// returns the claims and the DCC payload as received (for the lazy JSON view).
    pub(crate) fn from_cbor_raw(bytes: &[u8], limits: &Limits) -> Result<(Claims, Cbor), Error> {
        let (mut claims, dcc_value) = Self::parse_envelope(bytes, limits)?;
        claims.dcc = dcc_from_cbor(&dcc_value)?;
        Ok((claims, dcc_value))
    }

    /// Parse a CWT claims map, tolerantly: iat/exp as integers, floats (truncated) or tag 1.
    pub fn from_cbor(bytes: &[u8], limits: &Limits) -> Result<DecodedClaims, Error> {
        let (claims, dcc_value) = Self::from_cbor_raw(bytes, limits)?;
        Ok(DecodedClaims {
            claims,
            dcc_json: cbor::to_json(&dcc_value),
        })
    }
}

/// Read a DCC from its CBOR value: well-formed payloads deserialise straight from the CBOR
/// tree; anything else (tags, byte strings, nulls where a value is required) goes through
/// the JSON view and [`dcc_from_json`]'s clean-up, which decides for both paths.
pub fn dcc_from_cbor(value: &Cbor) -> Result<Dcc, Error> {
    if let Ok(dcc) = value.deserialized::<Dcc>() {
        return Ok(dcc);
    }
    dcc_from_json(&cbor::to_json(value))
}

/// Read a DCC from JSON leniently: nulls for absent groups and unknown fields are ignored.
pub fn dcc_from_json(json: &serde_json::Value) -> Result<Dcc, Error> {
    // Fast path: well-formed payloads deserialise straight from the borrowed JSON (no copy);
    // `null` in an optional member reads as absent.
    if let Ok(dcc) = Dcc::deserialize(json) {
        return Ok(dcc);
    }
    let mut cleaned = json.clone();
    if let Some(obj) = cleaned.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
        for group in ["v", "t", "r"] {
            if let Some(serde_json::Value::Array(entries)) = obj.get_mut(group) {
                for entry in entries.iter_mut() {
                    if let Some(e) = entry.as_object_mut() {
                        e.retain(|_, v| !v.is_null());
                    }
                }
            }
        }
        if let Some(nam) = obj.get_mut("nam").and_then(|n| n.as_object_mut()) {
            nam.retain(|_, v| !v.is_null());
        }
        obj.entry("dob")
            .or_insert(serde_json::Value::String(String::new()));
    }
    Dcc::deserialize(&cleaned).map_err(|e| Error::PayloadInvalid(problem(&cleaned, &e)))
}

/// What was wrong with a payload, without serde's message: that message can quote the value
/// (`invalid type: string "…"`, `unknown variant …`), and payload values are attacker input.
/// Only the kind (read from the message's fixed prefix) and the payload member (one of our
/// own names) are kept.
fn problem(cleaned: &serde_json::Value, e: &serde_json::Error) -> PayloadProblem {
    use crate::payload::{Name, Recovery, Test, Vaccination};
    use serde::de::DeserializeOwned;

    fn fails<T: DeserializeOwned>(v: Option<&serde_json::Value>) -> bool {
        v.is_some_and(|v| T::deserialize(v).is_err())
    }
    let msg = e.to_string();
    let kind = [
        ("invalid type", PayloadErrorKind::WrongType),
        ("invalid value", PayloadErrorKind::InvalidValue),
        ("invalid length", PayloadErrorKind::InvalidLength),
        ("missing field", PayloadErrorKind::MissingField),
        ("unknown variant", PayloadErrorKind::UnknownVariant),
    ]
    .into_iter()
    .find(|(prefix, _)| msg.starts_with(prefix))
    .map_or(PayloadErrorKind::Other, |(_, k)| k);
    let member = match cleaned.as_object() {
        None => None,
        Some(obj) => {
            let get = |k: &str| obj.get(k);
            if fails::<String>(get("ver")) {
                Some("ver")
            } else if fails::<Name>(get("nam")) {
                Some("nam")
            } else if fails::<String>(get("dob")) {
                Some("dob")
            } else if fails::<Vec<Vaccination>>(get("v")) {
                Some("v")
            } else if fails::<Vec<Test>>(get("t")) {
                Some("t")
            } else if fails::<Vec<Recovery>>(get("r")) {
                Some("r")
            } else {
                None
            }
        }
    };
    PayloadProblem { member, kind }
}

fn int_key(v: &Cbor) -> Option<i64> {
    match v {
        Cbor::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

fn numeric_date(v: &Cbor) -> Option<i64> {
    match v {
        Cbor::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        Cbor::Float(f) if f.is_finite() && f.abs() < 1e15 => Some(f.trunc() as i64),
        Cbor::Tag(1, inner) => numeric_date(inner),
        _ => None,
    }
}
