//! The crate's single error type and its stable machine codes (see `spec/certlogic.md` §Errors).

use std::fmt;

use crate::validate::ValidationError;

/// Which bound of [`crate::Limits`] was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// Expression (or constructed value) nesting deeper than [`crate::Limits::max_depth`].
    Depth,
    /// More evaluation steps than [`crate::Limits::max_steps`].
    Steps,
    /// An input document larger than [`crate::Limits::max_input_bytes`].
    InputSize,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::Depth => "nesting depth",
            LimitKind::Steps => "evaluation steps",
            LimitKind::InputSize => "input size",
        })
    }
}

/// What went wrong while evaluating a (structurally valid) expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvalErrorKind {
    /// An `if` guard, `!` operand or non-final `and` operand was neither truthy nor falsy.
    NeitherTruthyNorFalsy,
    /// A `<`, `>`, `<=`, `>=` or `+` operand was not an integer.
    NonIntegerOperand,
    /// An `after`, `before`, `not-after` or `not-before` operand was not a date-time.
    NonDateTimeOperand,
    /// The right-hand side of `in` was not an array.
    InRhsNotArray,
    /// The operand of `reduce` was neither an array nor `null`.
    ReduceOperandNotArray,
    /// The date operand of `plusTime` did not evaluate to a string.
    PlusTimeOperandNotString,
    /// A date(-time) string was not in one of the allowed formats or not a valid calendar date.
    InvalidDateTime,
    /// A date-time left the range a JavaScript `Date` can represent (±8.64e15 ms).
    DateTimeOutOfRange,
    /// The operand of `dccDateOfBirth` did not evaluate to a string.
    DateOfBirthOperandNotString,
    /// The operand of `extractFromUVCI` was neither a string nor `null`.
    UvciOperandNotString,
    /// Integer addition overflowed 64 bits.
    IntegerOverflow,
}

impl fmt::Display for EvalErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EvalErrorKind::NeitherTruthyNorFalsy => "operand is neither truthy nor falsy",
            EvalErrorKind::NonIntegerOperand => "operand of an integer operation is not an integer",
            EvalErrorKind::NonDateTimeOperand => {
                "operand of a date-time comparison is not a date-time"
            }
            EvalErrorKind::InRhsNotArray => {
                "right-hand side of an \"in\" operation is not an array"
            }
            EvalErrorKind::ReduceOperandNotArray => {
                "operand of \"reduce\" is neither an array nor null"
            }
            EvalErrorKind::PlusTimeOperandNotString => {
                "date argument of \"plusTime\" is not a string"
            }
            EvalErrorKind::InvalidDateTime => "date(-time) string is not in an allowed format",
            EvalErrorKind::DateTimeOutOfRange => "date-time out of range",
            EvalErrorKind::DateOfBirthOperandNotString => {
                "operand of \"dccDateOfBirth\" is not a string"
            }
            EvalErrorKind::UvciOperandNotString => {
                "operand of \"extractFromUVCI\" is neither a string nor null"
            }
            EvalErrorKind::IntegerOverflow => "integer overflow",
        })
    }
}

/// Why a rule or rule set document was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// The document is not a rule / rule array in the EU gateway JSON shape.
    Shape,
    /// `Engine` is not `CERTLOGIC`.
    UnsupportedEngine,
    /// `Version` is not `MAJOR.MINOR.PATCH`.
    InvalidVersion,
    /// `ValidFrom` / `ValidTo` is not an RFC 3339 date-time, or `ValidFrom > ValidTo`.
    InvalidValidity,
    /// Two rules share `Identifier` and `Version`.
    DuplicateVersion,
    /// `Logic` failed validation.
    InvalidLogic,
    /// A value-set document is not `{valueSetId, valueSetValues: {...}}`.
    InvalidValueSet,
}

impl fmt::Display for RuleErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleErrorKind::Shape => "document is not in the rule JSON shape",
            RuleErrorKind::UnsupportedEngine => "engine is not CERTLOGIC",
            RuleErrorKind::InvalidVersion => "version is not MAJOR.MINOR.PATCH",
            RuleErrorKind::InvalidValidity => "invalid ValidFrom/ValidTo",
            RuleErrorKind::DuplicateVersion => "duplicate identifier and version",
            RuleErrorKind::InvalidLogic => "logic is not a valid CertLogic expression",
            RuleErrorKind::InvalidValueSet => "document is not an EU value set",
        })
    }
}

/// The one error type of this crate. Every variant maps to a stable machine code via
/// [`CertLogicError::code`]; [`fmt::Display`] gives a lowercase human message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CertLogicError {
    /// The expression is malformed (caught by [`crate::validate`] before evaluation).
    #[error("invalid certlogic expression at {}: {}", pointer_or_root(&.0.pointer), .0.message)]
    InvalidExpression(Box<ValidationError>),
    /// The expression uses an operator CertLogic 1.3.3 does not define.
    #[error("unknown certlogic operator at {}", pointer_or_root(pointer))]
    UnknownOperator {
        /// JSON pointer (RFC 6901) of the offending expression object.
        pointer: String,
    },
    /// A valid expression hit a type mismatch at run time.
    #[error("certlogic evaluation error: {kind}")]
    Evaluation {
        /// What went wrong.
        kind: EvalErrorKind,
    },
    /// A [`crate::Limits`] bound was exceeded.
    #[error("certlogic limit exceeded: {limit}")]
    LimitExceeded {
        /// Which bound.
        limit: LimitKind,
    },
    /// Input text was not JSON (or not UTF-8).
    #[error("invalid json at line {line}, column {column}")]
    InvalidJson {
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
    },
    /// A rule, rule set or value set document was rejected.
    #[error("invalid rule {}: {kind}", .identifier.as_deref().unwrap_or("(unknown)"))]
    InvalidRule {
        /// The rule's `Identifier` when known (sanitised, at most 32 characters).
        identifier: Option<String>,
        /// Why.
        kind: RuleErrorKind,
    },
}

impl CertLogicError {
    /// The stable machine code (used in CLI JSON output and API bodies).
    pub fn code(&self) -> &'static str {
        match self {
            CertLogicError::InvalidExpression(_) => "CERTLOGIC_INVALID_EXPRESSION",
            CertLogicError::UnknownOperator { .. } => "CERTLOGIC_UNKNOWN_OPERATOR",
            CertLogicError::Evaluation { .. } => "CERTLOGIC_EVALUATION_ERROR",
            CertLogicError::LimitExceeded { .. } => "CERTLOGIC_LIMIT_EXCEEDED",
            CertLogicError::InvalidJson { .. } => "CERTLOGIC_INVALID_JSON",
            CertLogicError::InvalidRule { .. } => "CERTLOGIC_INVALID_RULE",
        }
    }

    pub(crate) fn eval(kind: EvalErrorKind) -> Self {
        CertLogicError::Evaluation { kind }
    }

    pub(crate) fn limit(limit: LimitKind) -> Self {
        CertLogicError::LimitExceeded { limit }
    }

    pub(crate) fn rule(identifier: Option<&str>, kind: RuleErrorKind) -> Self {
        CertLogicError::InvalidRule {
            identifier: identifier.map(sanitize_identifier),
            kind,
        }
    }

    pub(crate) fn json(err: &serde_json::Error) -> Self {
        CertLogicError::InvalidJson {
            line: err.line(),
            column: err.column(),
        }
    }

    /// Builds the error for the first issue reported by [`crate::validate`].
    pub(crate) fn from_validation(mut errors: Vec<ValidationError>) -> Self {
        if errors.is_empty() {
            // Not reachable from `validate`, which only fails with at least one issue.
            return CertLogicError::InvalidExpression(Box::new(ValidationError {
                pointer: String::new(),
                message: "invalid CertLogic expression".into(),
                kind: crate::validate::ValidationErrorKind::InvalidExpression,
            }));
        }
        let first = errors.swap_remove(0);
        match first.kind {
            crate::validate::ValidationErrorKind::UnknownOperator => {
                CertLogicError::UnknownOperator {
                    pointer: first.pointer,
                }
            }
            crate::validate::ValidationErrorKind::TooDeep => {
                CertLogicError::limit(LimitKind::Depth)
            }
            _ => CertLogicError::InvalidExpression(Box::new(first)),
        }
    }
}

impl serde::Serialize for CertLogicError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CertLogicError", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// Keeps identifiers printable and short before they go into error values.
pub(crate) fn sanitize_identifier(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(32)
        .collect()
}

fn pointer_or_root(p: &str) -> &str {
    if p.is_empty() {
        "(root)"
    } else {
        p
    }
}
