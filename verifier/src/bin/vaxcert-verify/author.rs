//! `certlogic EXPR_OR_RULE.json DATA.json`: the rule-author command (spec/rules.md). A bare
//! CertLogic expression, or a rule document (a JSON object with a `Logic` member, as in the EU
//! gateway rule shape), evaluated over DATA; the value is printed as JSON.

use std::path::Path;

use certlogic::{CertLogicError, Limits};
use serde_json::Value;

use crate::args::CertLogicArgs;
use crate::load::read_limited;
use crate::EXIT_USAGE;

/// Evaluates `expr_or_rule_json` over `data_json`. Both are parsed under
/// [`Limits::max_input_bytes`]; the expression is validated (`CERTLOGIC_INVALID_EXPRESSION`,
/// `CERTLOGIC_UNKNOWN_OPERATOR`), then evaluated with [`Limits::DEFAULT`]. Date-times in the
/// result are rendered as ISO strings.
fn evaluate_text(expr_or_rule_json: &str, data_json: &str) -> Result<Value, CertLogicError> {
    let limits = Limits::DEFAULT;
    let expr = certlogic::parse_json(expr_or_rule_json, &limits)?;
    let data = certlogic::parse_json(data_json, &limits)?;
    let logic = match &expr {
        Value::Object(m) => m.get("Logic").unwrap_or(&expr),
        other => other,
    };
    certlogic::evaluate_with_limits(logic, &data, &limits)
}

pub(crate) fn run_certlogic(a: &CertLogicArgs) -> u8 {
    let read = |p: &Path, what: &str| -> Result<String, String> {
        let bytes = read_limited(p, certlogic::Limits::DEFAULT.max_input_bytes as u64, what)?;
        String::from_utf8(bytes).map_err(|_| format!("{what} {} is not UTF-8", p.display()))
    };
    let (expr, data) = match (read(&a.expression, "expression"), read(&a.data, "data")) {
        (Ok(e), Ok(d)) => (e, d),
        (Err(m), _) | (_, Err(m)) => {
            say_err!("error: {m}");
            return EXIT_USAGE;
        }
    };
    match evaluate_text(&expr, &data) {
        Ok(value) => {
            println!("{value}");
            0
        }
        Err(e) => {
            say_err!("error: {}: {e}", e.code());
            EXIT_USAGE
        }
    }
}
