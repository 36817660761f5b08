//! JSON text in, under the input-size limit (spec/certlogic.md §Limits).

use serde_json::Value;

use crate::error::CertLogicError;
use crate::Limits;

/// Parses JSON text (an expression, a rule, rule-set or data document) that is at most
/// [`Limits::max_input_bytes`] long. Errors: `CERTLOGIC_LIMIT_EXCEEDED` for longer text,
/// `CERTLOGIC_INVALID_JSON` for text that is not JSON, or that holds one key twice in an object
/// (a reader keeping the first value and one keeping the last would run different rules;
/// serde_json's own nesting limit of 128 applies here, before the evaluator's depth limit).
///
/// ```
/// use certlogic::{parse_json, Limits};
/// let expr = parse_json(r#"{"===": [{"var": "payload.v.0.dn"}, 2]}"#, &Limits::DEFAULT)?;
/// let data = parse_json(r#"{"payload": {"v": [{"dn": 2}]}}"#, &Limits::DEFAULT)?;
/// assert_eq!(certlogic::evaluate(&expr, &data)?, serde_json::json!(true));
/// assert_eq!(parse_json("{", &Limits::DEFAULT).unwrap_err().code(), "CERTLOGIC_INVALID_JSON");
/// # Ok::<(), certlogic::CertLogicError>(())
/// ```
pub fn parse_json(text: &str, limits: &Limits) -> Result<Value, CertLogicError> {
    if text.len() > limits.max_input_bytes {
        return Err(CertLogicError::limit(crate::LimitKind::InputSize));
    }
    serde_json::from_str::<StrictValue>(text)
        .map(|v| v.0)
        .map_err(|e| CertLogicError::json(&e))
}

/// A [`Value`] read with every object checked for duplicate keys (serde_json's own `Value`
/// keeps the last one silently). Recursion is bounded by serde_json's nesting limit.
struct StrictValue(Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(v) = map.next_value()?;
            if out.insert(key, v).is_some() {
                return Err(serde::de::Error::custom("duplicate key in a json object"));
            }
        }
        Ok(Value::Object(out))
    }
}
