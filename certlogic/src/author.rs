//! The rule-author command: evaluate an expression or a rule file over some data.

use serde_json::Value;

use crate::error::{CertLogicError, RuleErrorKind};
use crate::{evaluate_with_limits, Limits};

/// Evaluates `expr_or_rule_json` — a bare CertLogic expression, or a rule document (a JSON
/// object with a `Logic` member, as in the EU gateway rule shape) — over `data_json`.
///
/// Both inputs are parsed with [`Limits::max_input_bytes`]; the expression is validated first
/// (errors: `CERTLOGIC_INVALID_EXPRESSION`, `CERTLOGIC_UNKNOWN_OPERATOR`), then evaluated with
/// [`Limits::DEFAULT`]. Date-times in the result are rendered as ISO strings.
///
/// ```
/// let v = certlogic::run_author_command(
///     r#"{"Identifier": "VR-XX-0001", "Logic": {"===": [{"var": "payload.v.0.dn"}, 2]}}"#,
///     r#"{"payload": {"v": [{"dn": 2}]}}"#,
/// ).unwrap();
/// assert_eq!(v, serde_json::json!(true));
/// ```
pub fn run_author_command(
    expr_or_rule_json: &str,
    data_json: &str,
) -> Result<Value, CertLogicError> {
    let limits = Limits::DEFAULT;
    let expr = parse_json(expr_or_rule_json, &limits)?;
    let data = parse_json(data_json, &limits)?;
    let logic = match &expr {
        Value::Object(m) if m.contains_key("Logic") => {
            let id = m.get("Identifier").and_then(Value::as_str);
            match m.get("Logic") {
                Some(l) => l,
                None => return Err(CertLogicError::rule(id, RuleErrorKind::Shape)),
            }
        }
        other => other,
    };
    evaluate_with_limits(logic, &data, &limits)
}

pub(crate) fn parse_json(text: &str, limits: &Limits) -> Result<Value, CertLogicError> {
    if text.len() > limits.max_input_bytes {
        return Err(CertLogicError::limit(crate::LimitKind::InputSize));
    }
    serde_json::from_str(text).map_err(|e| CertLogicError::json(&e))
}
