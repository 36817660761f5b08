//! JSON text in, under the input-size limit (spec/certlogic.md §Limits).

use serde_json::Value;

use crate::error::CertLogicError;
use crate::Limits;

/// Parses JSON text (an expression, a rule, rule-set or data document) that is at most
/// [`Limits::max_input_bytes`] long. Errors: `CERTLOGIC_LIMIT_EXCEEDED` for longer text,
/// `CERTLOGIC_INVALID_JSON` for text that is not JSON (serde_json's own nesting limit of 128
/// applies here, before the evaluator's depth limit).
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
    serde_json::from_str(text).map_err(|e| CertLogicError::json(&e))
}
