//! Run-time values and truthiness (CertLogic 1.3.3 §Values).
//!
//! Values borrow from the expression and the data context wherever possible, so `var` never
//! copies the payload. Values built during evaluation (array literals, `reduce` contexts) are
//! reference-counted and carry their nesting depth, which [`crate::Limits::max_depth`] bounds.

use std::rc::Rc;

use serde_json::Value;

/// Largest integer a JavaScript number represents exactly (2^53).
const MAX_SAFE: f64 = 9_007_199_254_740_992.0;

#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// A borrowed JSON string, non-integer number, array or object.
    Json(&'a Value),
    /// An owned string (result of `extractFromUVCI`).
    Str(Rc<str>),
    /// Milliseconds since the epoch, UTC.
    DateTime(i64),
    Array(Rc<Composite<Vec<Val<'a>>>>),
    /// An object built by the evaluator (the data context of a `reduce` lambda / rule root).
    Map(Rc<Composite<Vec<(&'a str, Val<'a>)>>>),
}

#[derive(Debug)]
pub(crate) struct Composite<T> {
    pub(crate) items: T,
    pub(crate) depth: usize,
}

/// Truthiness per spec: `Some(true)` truthy, `Some(false)` falsy, `None` neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Truth {
    Truthy,
    Falsy,
    Neither,
}

/// The integer value of a JSON number, if it is one (JavaScript `Number.isInteger` on the
/// exactly representable range).
pub(crate) fn json_int(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    if f.fract() == 0.0 && f.abs() <= MAX_SAFE {
        // safe: integral and within ±2^53, so the cast is exact
        #[allow(clippy::cast_possible_truncation)]
        return Some(f as i64);
    }
    None
}

impl<'a> Val<'a> {
    pub(crate) fn from_json(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => match json_int(n) {
                Some(i) => Val::Int(i),
                None => Val::Json(v),
            },
            _ => Val::Json(v),
        }
    }

    pub(crate) fn depth(&self) -> usize {
        match self {
            Val::Array(a) => a.depth,
            Val::Map(m) => m.depth,
            _ => 0,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Json(Value::String(s)) => Some(s),
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    pub(crate) fn truth(&self) -> Truth {
        let t = match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Str(s) => !s.is_empty(),
            Val::Json(v) => match v {
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
                Value::Number(n) => match json_int(n) {
                    Some(i) => i != 0,
                    None => return Truth::Neither,
                },
                Value::Null => false,
                Value::Bool(b) => *b,
            },
            Val::DateTime(_) => return Truth::Neither,
            Val::Array(a) => !a.items.is_empty(),
            Val::Map(m) => !m.items.is_empty(),
        };
        if t {
            Truth::Truthy
        } else {
            Truth::Falsy
        }
    }

    /// Drills one `var` path fragment into this value; anything undrillable gives `null`.
    pub(crate) fn get(&self, fragment: &str) -> Val<'a> {
        match self {
            Val::Json(Value::Object(m)) => m.get(fragment).map_or(Val::Null, Val::from_json),
            Val::Json(Value::Array(a)) => index(fragment)
                .and_then(|i| a.get(i))
                .map_or(Val::Null, Val::from_json),
            Val::Array(a) => index(fragment)
                .and_then(|i| a.items.get(i))
                .cloned()
                .unwrap_or(Val::Null),
            Val::Map(m) => m
                .items
                .iter()
                .find(|(k, _)| *k == fragment)
                .map_or(Val::Null, |(_, v)| v.clone()),
            _ => Val::Null,
        }
    }
}

/// An array index path fragment: ASCII digits only.
fn index(fragment: &str) -> Option<usize> {
    if fragment.is_empty() || !fragment.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    fragment.parse().ok()
}

/// Spec truthiness of a plain JSON value: non-empty strings, arrays and objects, non-zero
/// integers and `true` are truthy. Non-integer numbers are neither truthy nor falsy, so this
/// returns `false` for them (see [`is_falsy`]).
pub fn is_truthy(v: &Value) -> bool {
    Val::from_json(v).truth() == Truth::Truthy
}

/// Spec falsiness: `false`, `null`, `""`, `0`, `[]`, `{}`. A value can be neither truthy nor
/// falsy (e.g. `1.5`); rules must not rely on such values.
pub fn is_falsy(v: &Value) -> bool {
    Val::from_json(v).truth() == Truth::Falsy
}
