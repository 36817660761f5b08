//! Up-front validation of CertLogic expressions (mirrors the reference `certlogic-js`
//! validator; messages match the official validation test suite).

use std::fmt::Write as _;

use serde_json::Value;

use crate::datetime::TimeUnit;
use crate::value::json_int;
use crate::Limits;

/// Why an expression (or one of its sub-expressions) is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ValidationErrorKind {
    /// `null`, or another value that is no expression.
    InvalidExpression,
    /// A number literal that is not an integer.
    NonIntegerNumber,
    /// An object without exactly one key.
    KeyCount,
    /// `{ "<op>": <not an array> }`.
    NotAnOperation,
    /// An operator CertLogic does not define.
    UnknownOperator,
    /// `{ "var": <not a string> }` (this includes the JsonLogic default-value form).
    VarNotPath,
    /// A `var` path with an empty fragment (`"x."`, `".x"`, `"x..y"`).
    VarPathFormat,
    /// Wrong number of operands.
    Arity,
    /// `plusTime` amount is not an integer literal.
    PlusTimeAmount,
    /// `plusTime` unit is not one of `year`, `month`, `day`, `hour`.
    PlusTimeUnit,
    /// `extractFromUVCI` index is not an integer literal.
    UvciIndex,
    /// Nested deeper than [`Limits::max_depth`].
    TooDeep,
}

/// One validation issue: where (RFC 6901 JSON pointer into the expression) and what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValidationError {
    /// JSON pointer of the offending sub-expression (`""` is the whole expression).
    pub pointer: String,
    /// Human-readable message (the reference validator's wording where one exists).
    pub message: String,
    /// Machine-readable kind.
    pub kind: ValidationErrorKind,
}

const INFIX: [&str; 12] = [
    "===",
    "and",
    "<",
    ">",
    "<=",
    ">=",
    "in",
    "+",
    "after",
    "before",
    "not-after",
    "not-before",
];

/// All operator names of CertLogic 1.3.3 (besides `var`).
pub const OPERATORS: [&str; 18] = [
    "if",
    "===",
    "and",
    "<",
    ">",
    "<=",
    ">=",
    "in",
    "+",
    "after",
    "before",
    "not-after",
    "not-before",
    "!",
    "plusTime",
    "reduce",
    "extractFromUVCI",
    "dccDateOfBirth",
];

/// Validates `expr` with [`Limits::DEFAULT`]. Returns every issue found.
///
/// ```
/// use serde_json::json;
/// assert!(certlogic::validate(&json!({"var": "payload.v.0.dn"})).is_ok());
/// let issues = certlogic::validate(&json!({"all": []})).unwrap_err();
/// assert_eq!(issues[0].message, "unrecognised operator: \"all\"");
/// ```
pub fn validate(expr: &Value) -> Result<(), Vec<ValidationError>> {
    validate_with_limits(expr, &Limits::DEFAULT)
}

/// Validates `expr`; recursion stops at `limits.max_depth`.
pub fn validate_with_limits(expr: &Value, limits: &Limits) -> Result<(), Vec<ValidationError>> {
    let mut v = Validator {
        errors: Vec::new(),
        pointer: String::new(),
        max_depth: limits.max_depth,
    };
    v.check(expr, 0);
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(v.errors)
    }
}

struct Validator {
    errors: Vec<ValidationError>,
    pointer: String,
    max_depth: usize,
}

impl Validator {
    fn push(&mut self, kind: ValidationErrorKind, message: String) {
        self.errors.push(ValidationError {
            pointer: self.pointer.clone(),
            message,
            kind,
        });
    }

    /// Runs `f` with `segment` appended to the current pointer.
    fn at(&mut self, segment: &str, f: impl FnOnce(&mut Self)) {
        let len = self.pointer.len();
        self.pointer.push('/');
        for c in segment.chars() {
            match c {
                '~' => self.pointer.push_str("~0"),
                '/' => self.pointer.push_str("~1"),
                c => self.pointer.push(c),
            }
        }
        f(self);
        self.pointer.truncate(len);
    }

    fn check(&mut self, expr: &Value, depth: usize) {
        if depth > self.max_depth {
            self.push(
                ValidationErrorKind::TooDeep,
                "expression nested too deeply".into(),
            );
            return;
        }
        match expr {
            Value::String(_) | Value::Bool(_) => {}
            Value::Number(n) => {
                if json_int(n).is_none() {
                    self.push(
                        ValidationErrorKind::NonIntegerNumber,
                        format!("{n} is a non-integer number"),
                    );
                }
            }
            Value::Null => self.push(
                ValidationErrorKind::InvalidExpression,
                "invalid CertLogic expression".into(),
            ),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.at(&i.to_string(), |v| v.check(item, depth + 1));
                }
            }
            Value::Object(map) => {
                let mut it = map.iter();
                let (op, values) = match (it.next(), map.len()) {
                    (Some(kv), 1) => kv,
                    (_, n) => {
                        self.push(
                            ValidationErrorKind::KeyCount,
                            format!("expression object must have exactly one key, but it has {n}"),
                        );
                        return;
                    }
                };
                if op == "var" {
                    self.check_var(values);
                    return;
                }
                let Value::Array(values) = values else {
                    self.push(
                        ValidationErrorKind::NotAnOperation,
                        "operation not of the form { \"<operator>\": [ <values...> ] }".into(),
                    );
                    return;
                };
                if !OPERATORS.contains(&op.as_str()) {
                    let mut msg = String::from("unrecognised operator: \"");
                    // Cap attacker-controlled text that ends up in messages.
                    msg.extend(op.chars().take(64));
                    msg.push('"');
                    self.push(ValidationErrorKind::UnknownOperator, msg);
                    return;
                }
                self.at(op, |v| v.check_operation(op, values, depth));
            }
        }
    }

    fn check_var(&mut self, values: &Value) {
        let Value::String(path) = values else {
            self.push(
                ValidationErrorKind::VarNotPath,
                "not of the form { \"var\": \"<path>\" }".into(),
            );
            return;
        };
        if !path.is_empty() && path.split('.').any(str::is_empty) {
            let mut msg = String::from("data access path doesn't have a valid format: ");
            msg.extend(path.chars().take(128));
            self.push(ValidationErrorKind::VarPathFormat, msg);
        }
    }

    /// Pointer is at `/<op>`; `values` is the operand array.
    fn check_operation(&mut self, op: &str, values: &[Value], depth: usize) {
        let n = values.len();
        let arity_ok = match op {
            "if" | "plusTime" | "reduce" => n == 3,
            "!" | "dccDateOfBirth" => n == 1,
            "extractFromUVCI" | "===" | "in" | "+" => n == 2,
            "and" => n >= 2,
            _ => n == 2 || n == 3, // comparisons
        };
        if !arity_ok {
            let expected = match op {
                "if" | "plusTime" | "reduce" => "exactly 3",
                "!" | "dccDateOfBirth" => "exactly 1",
                "and" => "at least 2",
                _ if INFIX.contains(&op) && !matches!(op, "===" | "in" | "+") => "2 or 3",
                _ => "exactly 2",
            };
            let mut msg = String::new();
            let _ = write!(
                msg,
                "an operation with operator \"{op}\" must have {expected} operands, but it has {n}"
            );
            self.push(ValidationErrorKind::Arity, msg);
            return;
        }
        match op {
            "plusTime" => {
                self.at("0", |v| v.check(&values[0], depth + 1)); // safe: n == 3
                if values
                    .get(1)
                    .and_then(Value::as_number)
                    .and_then(json_int)
                    .is_none()
                {
                    self.at("1", |v| {
                        v.push(
                            ValidationErrorKind::PlusTimeAmount,
                            "\"amount\" argument (#2) of \"plusTime\" must be an integer".into(),
                        );
                    });
                }
                if values
                    .get(2)
                    .and_then(Value::as_str)
                    .and_then(TimeUnit::parse)
                    .is_none()
                {
                    self.at("2", |v| {
                        v.push(
                            ValidationErrorKind::PlusTimeUnit,
                            "\"unit\" argument (#3) of \"plusTime\" must be a string equal to one of \
                             year, month, day, hour"
                                .into(),
                        );
                    });
                }
            }
            "extractFromUVCI" => {
                self.at("0", |v| v.check(&values[0], depth + 1)); // safe: n == 2
                if values
                    .get(1)
                    .and_then(Value::as_number)
                    .and_then(json_int)
                    .is_none()
                {
                    self.at("1", |v| {
                        v.push(
                            ValidationErrorKind::UvciIndex,
                            "\"index\" argument (#2) of \"extractFromUVCI\" must be an integer"
                                .into(),
                        );
                    });
                }
            }
            _ => {
                for (i, item) in values.iter().enumerate() {
                    self.at(&i.to_string(), |v| v.check(item, depth + 1));
                }
            }
        }
    }
}
