//! Building `external.valueSets` from EU value-set documents, plus the vendored defaults
//! (`certlogic/data/valuesets/`, EU eHN DCC value sets release 2.12.0, Apache-2.0).

use serde_json::{Map, Value};

use crate::error::{CertLogicError, RuleErrorKind};
use crate::json::parse_json;
use crate::Limits;

/// The vendored EU value-set files, `(file name, contents)`.
pub const BUILTIN_VALUE_SET_FILES: [(&str, &str); 9] = [
    (
        "country-2-codes.json",
        include_str!("../data/valuesets/country-2-codes.json"),
    ),
    (
        "disease-agent-targeted.json",
        include_str!("../data/valuesets/disease-agent-targeted.json"),
    ),
    (
        "test-manf-example.json",
        include_str!("../data/valuesets/test-manf-example.json"),
    ),
    (
        "test-result.json",
        include_str!("../data/valuesets/test-result.json"),
    ),
    (
        "test-type.json",
        include_str!("../data/valuesets/test-type.json"),
    ),
    (
        "vaccine-encoding-instructions.json",
        include_str!("../data/valuesets/vaccine-encoding-instructions.json"),
    ),
    (
        "vaccine-mah-manf.json",
        include_str!("../data/valuesets/vaccine-mah-manf.json"),
    ),
    (
        "vaccine-medicinal-product.json",
        include_str!("../data/valuesets/vaccine-medicinal-product.json"),
    ),
    (
        "vaccine-prophylaxis.json",
        include_str!("../data/valuesets/vaccine-prophylaxis.json"),
    ),
];

/// Converts EU value-set documents (`{valueSetId, valueSetDate, valueSetValues: {code: {..}}}`)
/// to the CertLogic `external.valueSets` shape `{"<valueSetId>": ["<code>", ...]}`.
/// Code order is unspecified (`in` does not care); a later document with the same id replaces
/// an earlier one.
///
/// ```
/// let vs = certlogic::value_sets_from_json([
///     r#"{"valueSetId": "covid-19-lab-result", "valueSetDate": "2021-04-27",
///         "valueSetValues": {"260415000": {}, "260373001": {}}}"#,
/// ]).unwrap();
/// assert!(vs["covid-19-lab-result"].as_array().unwrap().contains(&"260415000".into()));
/// ```
pub fn value_sets_from_json<'a>(
    documents: impl IntoIterator<Item = &'a str>,
) -> Result<Value, CertLogicError> {
    let mut out = Map::new();
    for doc in documents {
        let v = parse_json(doc, &Limits::DEFAULT)?;
        let bad = || CertLogicError::rule(None, RuleErrorKind::InvalidValueSet);
        let id = v
            .get("valueSetId")
            .and_then(Value::as_str)
            .ok_or_else(bad)?;
        let values = v
            .get("valueSetValues")
            .and_then(Value::as_object)
            .ok_or_else(bad)?;
        let codes = values.keys().map(|k| Value::String(k.clone())).collect();
        out.insert(id.to_string(), Value::Array(codes));
    }
    Ok(Value::Object(out))
}

/// `external.valueSets` built from the vendored EU value sets.
pub fn builtin_value_sets() -> Value {
    // The vendored files are checked by `tests/rulesets.rs`; fall back to empty rather than panic.
    value_sets_from_json(BUILTIN_VALUE_SET_FILES.iter().map(|(_, c)| *c))
        .unwrap_or_else(|_| Value::Object(Map::new()))
}
