//! JSON the issuer reads from outside — request bodies, import rows, token headers — parsed
//! strictly (#12 item 7): text that holds one key twice in any object, at any depth, is refused
//! as `MALFORMED_JSON`. serde_json's own `Value` keeps the last of duplicate keys while other
//! readers keep the first, so two readers of one submission could disagree about what it says.
//!
//! The check is certlogic's (`certlogic::parse_json`, which rule sets already go through), so
//! one visitor decides for the whole workspace; serde_json's nesting limit of 128 applies.

use crate::error::{Error, Result};
use serde_json::Value;

/// Parse `bytes` as one JSON value; invalid UTF-8, invalid JSON and duplicate object keys
/// are `MALFORMED_JSON`. The caller bounds the size (request body limit, import line limit).
pub fn parse(bytes: &[u8]) -> Result<Value> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::MalformedJson)?;
    let limits = certlogic::Limits {
        max_input_bytes: usize::MAX,
        ..certlogic::Limits::DEFAULT
    };
    certlogic::parse_json(text, &limits).map_err(|_| Error::MalformedJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert!(parse(br#"{"a": 1, "b": {"c": [1, {"d": 2}]}}"#).is_ok());
        for text in [
            r#"{"a": 1, "a": 1}"#,
            r#"{"a": {"b": 1, "b": 2}}"#,
            r#"{"a": [{"b": 1}, {"c": 1, "c": 2}]}"#,
        ] {
            assert!(
                matches!(parse(text.as_bytes()), Err(Error::MalformedJson)),
                "{text}"
            );
        }
        assert!(matches!(parse(b"{\"a\": \xff}"), Err(Error::MalformedJson)));
    }
}
