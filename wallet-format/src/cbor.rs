//! Bounded conversion of decoded CBOR into JSON (for the typed payload, schema validation and
//! CertLogic). Tags are stripped (tag 0/1 date-times become their text or number), byte strings
//! become base64 text, non-text map keys become their decimal text.

use crate::error::Error;
use crate::limits::Limits;
use ciborium::value::Value as Cbor;
use serde_json::Value as Json;

/// Parse CBOR bytes with the recursion limit of `limits`, rejecting trailing bytes and any map
/// that holds the same key twice (`CWT_INVALID`): a reader that keeps the first and one that
/// keeps the last would see two different passes behind one signature.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Cbor, Error> {
    let mut reader = bytes;
    let value: Cbor =
        ciborium::de::from_reader_with_recursion_limit(&mut reader, limits.max_cbor_depth)
            .map_err(|e| match e {
                ciborium::de::Error::RecursionLimitExceeded => Error::CborLimit,
                _ => Error::CwtInvalid("not well-formed CBOR"),
            })?;
    if !reader.is_empty() {
        return Err(Error::CwtInvalid("trailing bytes after the CBOR item"));
    }
    check_bounds(&value, 0, limits)?;
    Ok(value)
}

fn check_bounds(v: &Cbor, depth: usize, limits: &Limits) -> Result<(), Error> {
    if depth > limits.max_cbor_depth {
        return Err(Error::CborLimit);
    }
    match v {
        Cbor::Array(items) => {
            if items.len() > limits.max_cbor_items {
                return Err(Error::CborLimit);
            }
            items
                .iter()
                .try_for_each(|i| check_bounds(i, depth + 1, limits))
        }
        Cbor::Map(entries) => {
            if entries.len() > limits.max_cbor_items {
                return Err(Error::CborLimit);
            }
            if has_duplicate_key(entries) {
                return Err(Error::CwtInvalid("duplicate map key"));
            }
            entries.iter().try_for_each(|(k, v)| {
                check_bounds(k, depth + 1, limits)?;
                check_bounds(v, depth + 1, limits)
            })
        }
        Cbor::Tag(_, inner) => check_bounds(inner, depth + 1, limits),
        _ => Ok(()),
    }
}

/// Whether two entries of a map have equal keys. Small maps (every map of a real pass) compare
/// pairwise; larger ones compare the keys' encodings sorted (a key that cannot be encoded is
/// treated as a duplicate: the map is refused either way).
fn has_duplicate_key(entries: &[(Cbor, Cbor)]) -> bool {
    if entries.len() <= 16 {
        return entries
            .iter()
            .enumerate()
            .any(|(i, (k, _))| entries.iter().skip(i + 1).any(|(other, _)| other == k));
    }
    let mut keys = Vec::with_capacity(entries.len());
    for (k, _) in entries {
        let mut bytes = Vec::new();
        if ciborium::ser::into_writer(k, &mut bytes).is_err() {
            return true;
        }
        keys.push(bytes);
    }
    keys.sort_unstable();
    keys.windows(2).any(|w| w.first() == w.get(1))
}

/// CBOR → JSON. Depth is already bounded by [`parse`].
pub fn to_json(v: &Cbor) -> Json {
    match v {
        Cbor::Integer(i) => {
            let i: i128 = (*i).into();
            if let Ok(n) = i64::try_from(i) {
                Json::from(n)
            } else if let Ok(n) = u64::try_from(i) {
                Json::from(n)
            } else {
                Json::String(i.to_string())
            }
        }
        Cbor::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Cbor::Text(s) => Json::String(s.clone()),
        Cbor::Bytes(b) => {
            use base64::Engine;
            Json::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Cbor::Bool(b) => Json::Bool(*b),
        Cbor::Null => Json::Null,
        Cbor::Tag(_, inner) => to_json(inner),
        Cbor::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Cbor::Map(entries) => {
            let mut map = serde_json::Map::with_capacity(entries.len());
            for (k, v) in entries {
                let key = match k {
                    Cbor::Text(s) => s.clone(),
                    other => match to_json(other) {
                        Json::String(s) => s,
                        j => j.to_string(),
                    },
                };
                map.insert(key, to_json(v));
            }
            Json::Object(map)
        }
        // `undefined` and simple values carry no data.
        _ => Json::Null,
    }
}
