//! The CertLogic 1.3.3 evaluator (see `spec/certlogic.md` for the semantics decisions).

use std::rc::Rc;

use serde_json::{Map, Value};

use crate::datetime::{self, DateError, TimeUnit};
use crate::error::{CertLogicError, EvalErrorKind, LimitKind};
use crate::value::{json_int, Composite, Truth, Val};

use crate::validate::validate_with_limits;
use crate::Limits;

type Res<T> = Result<T, CertLogicError>;

/// Validates, then evaluates `expr` over `data` with [`Limits::DEFAULT`].
///
/// Date-times in the result are rendered as `YYYY-MM-DDThh:mm:ss.sssZ` strings.
///
/// ```
/// use serde_json::json;
/// let expr = json!({"+": [{"var": "a"}, 1]});
/// assert_eq!(certlogic::evaluate(&expr, &json!({"a": 41})).unwrap(), json!(42));
/// ```
pub fn evaluate(expr: &Value, data: &Value) -> Result<Value, CertLogicError> {
    evaluate_with_limits(expr, data, &Limits::DEFAULT)
}

/// [`evaluate`] with explicit [`Limits`].
pub fn evaluate_with_limits(
    expr: &Value,
    data: &Value,
    limits: &Limits,
) -> Result<Value, CertLogicError> {
    validate_with_limits(expr, limits).map_err(CertLogicError::from_validation)?;
    let mut ev = Evaluator::new(limits);
    let v = ev.eval(expr, &Val::from_json(data), 0)?;
    ev.copy_out(&v, 0)
}

/// Evaluates an already validated expression over a rule context `{payload, external}`
/// (built by the caller as a [`Val::Map`], so nothing is copied); returns the raw result.
pub(crate) fn evaluate_in_context<'a>(
    expr: &'a Value,
    context: &Val<'a>,
    limits: &Limits,
) -> Result<Val<'a>, CertLogicError> {
    let mut ev = Evaluator::new(limits);
    ev.eval(expr, context, 0)
}

struct Evaluator {
    steps_left: u64,
    max_depth: usize,
}

fn date_err(e: DateError) -> CertLogicError {
    CertLogicError::eval(match e {
        DateError::Format => EvalErrorKind::InvalidDateTime,
        DateError::Range => EvalErrorKind::DateTimeOutOfRange,
    })
}

fn invalid() -> CertLogicError {
    // Only reachable when the caller skipped validation; the pointer is not tracked here.
    CertLogicError::InvalidExpression(Box::new(crate::validate::ValidationError {
        pointer: String::new(),
        message: "invalid CertLogic expression".into(),
        kind: crate::validate::ValidationErrorKind::InvalidExpression,
    }))
}

impl Evaluator {
    fn new(limits: &Limits) -> Self {
        Evaluator {
            steps_left: limits.max_steps,
            max_depth: limits.max_depth,
        }
    }

    fn step(&mut self) -> Res<()> {
        match self.steps_left.checked_sub(1) {
            Some(n) => {
                self.steps_left = n;
                Ok(())
            }
            None => Err(CertLogicError::limit(LimitKind::Steps)),
        }
    }

    fn check_depth(&self, depth: usize) -> Res<()> {
        if depth > self.max_depth {
            Err(CertLogicError::limit(LimitKind::Depth))
        } else {
            Ok(())
        }
    }

    fn eval<'a>(&mut self, expr: &'a Value, data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        self.step()?;
        self.check_depth(depth)?;
        match expr {
            Value::String(_) => Ok(Val::Json(expr)),
            Value::Bool(b) => Ok(Val::Bool(*b)),
            Value::Number(n) => json_int(n).map(Val::Int).ok_or_else(invalid),
            Value::Null => Err(invalid()),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.eval(item, data, depth + 1)?);
                }
                self.array(out)
            }
            Value::Object(map) => {
                let mut it = map.iter();
                let (op, values) = match (it.next(), map.len()) {
                    (Some(kv), 1) => kv,
                    _ => return Err(invalid()),
                };
                if op == "var" {
                    return eval_var(values, data);
                }
                let Value::Array(args) = values else {
                    return Err(invalid());
                };
                self.eval_op(op, args, data, depth + 1)
            }
        }
    }

    fn array<'a>(&self, items: Vec<Val<'a>>) -> Res<Val<'a>> {
        let depth = 1 + items.iter().map(Val::depth).max().unwrap_or(0);
        self.check_depth(depth)?;
        Ok(Val::Array(Rc::new(Composite { items, depth })))
    }

    /// Dispatches to one small function per operator, keeping each recursion level's stack
    /// frames small (a single large `match` costs kilobytes per level in debug builds).
    fn eval_op<'a>(
        &mut self,
        op: &str,
        args: &'a [Value],
        data: &Val<'a>,
        depth: usize,
    ) -> Res<Val<'a>> {
        match op {
            "if" => self.op_if(args, data, depth),
            "and" => self.op_and(args, data, depth),
            "!" => self.op_not(args, data, depth),
            "===" => self.op_equal(args, data, depth),
            "in" => self.op_in(args, data, depth),
            "+" => self.op_plus(args, data, depth),
            "<" | ">" | "<=" | ">=" => self.op_compare(op, args, data, depth),
            "after" | "before" | "not-after" | "not-before" => {
                self.op_compare_time(op, args, data, depth)
            }
            "plusTime" => self.op_plus_time(args, data, depth),
            "dccDateOfBirth" => self.op_dob(args, data, depth),
            "extractFromUVCI" => self.op_uvci(args, data, depth),
            "reduce" => self.op_reduce(args, data, depth),
            _ => Err(CertLogicError::UnknownOperator {
                pointer: String::new(),
            }),
        }
    }

    fn op_if<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        let [guard, then, els] = args else {
            return Err(invalid());
        };
        match self.eval(guard, data, depth)?.truth() {
            Truth::Truthy => self.eval(then, data, depth),
            Truth::Falsy => self.eval(els, data, depth),
            Truth::Neither => Err(CertLogicError::eval(EvalErrorKind::NeitherTruthyNorFalsy)),
        }
    }

    fn op_and<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        if args.len() < 2 {
            return Err(invalid());
        }
        let mut acc = Val::Bool(true);
        for arg in args {
            match acc.truth() {
                Truth::Falsy => return Ok(acc),
                Truth::Truthy => acc = self.eval(arg, data, depth)?,
                Truth::Neither => {
                    return Err(CertLogicError::eval(EvalErrorKind::NeitherTruthyNorFalsy))
                }
            }
        }
        Ok(acc)
    }

    fn op_not<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        let [arg] = args else {
            return Err(invalid());
        };
        match self.eval(arg, data, depth)?.truth() {
            Truth::Truthy => Ok(Val::Bool(false)),
            Truth::Falsy => Ok(Val::Bool(true)),
            Truth::Neither => Err(CertLogicError::eval(EvalErrorKind::NeitherTruthyNorFalsy)),
        }
    }

    fn op_equal<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        let [l, r] = args else {
            return Err(invalid());
        };
        let l = self.eval(l, data, depth)?;
        let r = self.eval(r, data, depth)?;
        Ok(Val::Bool(self.equal(&l, &r, 0)?))
    }

    fn op_in<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        let [l, r] = args else {
            return Err(invalid());
        };
        let needle = self.eval(l, data, depth)?;
        let hay = self.eval(r, data, depth)?;
        match &hay {
            Val::Json(Value::Array(items)) => {
                for item in items {
                    if self.equal(&needle, &Val::from_json(item), 0)? {
                        return Ok(Val::Bool(true));
                    }
                }
            }
            Val::Array(a) => {
                for item in &a.items {
                    if self.equal(&needle, item, 0)? {
                        return Ok(Val::Bool(true));
                    }
                }
            }
            _ => return Err(CertLogicError::eval(EvalErrorKind::InRhsNotArray)),
        }
        Ok(Val::Bool(false))
    }

    fn op_plus<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        let [l, r] = args else {
            return Err(invalid());
        };
        let l = self.eval(l, data, depth)?;
        let r = self.eval(r, data, depth)?;
        match (l, r) {
            (Val::Int(a), Val::Int(b)) => a
                .checked_add(b)
                .map(Val::Int)
                .ok_or(CertLogicError::eval(EvalErrorKind::IntegerOverflow)),
            _ => Err(CertLogicError::eval(EvalErrorKind::NonIntegerOperand)),
        }
    }

    /// Evaluates the 2 or 3 operands of a comparison, extracting a number from each.
    fn comparands<'a>(
        &mut self,
        args: &'a [Value],
        data: &Val<'a>,
        depth: usize,
        extract: fn(&Val<'a>) -> Option<i64>,
        kind: EvalErrorKind,
    ) -> Res<([i64; 3], usize)> {
        if !(2..=3).contains(&args.len()) {
            return Err(invalid());
        }
        // All operands are evaluated before any type check (as certlogic-js does).
        let mut vals = Vec::with_capacity(3);
        for a in args {
            vals.push(self.eval(a, data, depth)?);
        }
        let mut out = [0i64; 3];
        for (slot, v) in out.iter_mut().zip(&vals) {
            *slot = extract(v).ok_or(CertLogicError::eval(kind))?;
        }
        Ok((out, vals.len()))
    }

    fn op_compare<'a>(
        &mut self,
        op: &str,
        args: &'a [Value],
        data: &Val<'a>,
        depth: usize,
    ) -> Res<Val<'a>> {
        let int = |v: &Val<'a>| match v {
            Val::Int(i) => Some(*i),
            _ => None,
        };
        let (v, n) = self.comparands(args, data, depth, int, EvalErrorKind::NonIntegerOperand)?;
        Ok(Val::Bool(compare(op, v.get(..n).unwrap_or_default())))
    }

    fn op_compare_time<'a>(
        &mut self,
        op: &str,
        args: &'a [Value],
        data: &Val<'a>,
        depth: usize,
    ) -> Res<Val<'a>> {
        let time = |v: &Val<'a>| match v {
            Val::DateTime(t) => Some(*t),
            _ => None,
        };
        let (v, n) = self.comparands(args, data, depth, time, EvalErrorKind::NonDateTimeOperand)?;
        let int_op = match op {
            "after" => ">",
            "before" => "<",
            "not-after" => "<=",
            _ => ">=",
        };
        Ok(Val::Bool(compare(int_op, v.get(..n).unwrap_or_default())))
    }

    fn op_plus_time<'a>(
        &mut self,
        args: &'a [Value],
        data: &Val<'a>,
        depth: usize,
    ) -> Res<Val<'a>> {
        let [date, amount, unit] = args else {
            return Err(invalid());
        };
        let amount = amount.as_number().and_then(json_int).ok_or_else(invalid)?;
        let unit = unit
            .as_str()
            .and_then(TimeUnit::parse)
            .ok_or_else(invalid)?;
        let date = self.eval(date, data, depth)?;
        let s = date.as_str().ok_or(CertLogicError::eval(
            EvalErrorKind::PlusTimeOperandNotString,
        ))?;
        let t = datetime::parse_date_time(s).map_err(date_err)?;
        datetime::plus_time(t, amount, unit)
            .map(Val::DateTime)
            .map_err(date_err)
    }

    fn op_dob<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        let [arg] = args else {
            return Err(invalid());
        };
        let v = self.eval(arg, data, depth)?;
        let s = v.as_str().ok_or(CertLogicError::eval(
            EvalErrorKind::DateOfBirthOperandNotString,
        ))?;
        datetime::parse_date_of_birth(s)
            .map(Val::DateTime)
            .map_err(date_err)
    }

    fn op_uvci<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        let [arg, index] = args else {
            return Err(invalid());
        };
        let index = index.as_number().and_then(json_int).ok_or_else(invalid)?;
        let v = self.eval(arg, data, depth)?;
        if v.is_null() {
            return Ok(Val::Null);
        }
        let s = v
            .as_str()
            .ok_or(CertLogicError::eval(EvalErrorKind::UvciOperandNotString))?;
        Ok(extract_from_uvci(s, index).map_or(Val::Null, |f| Val::Str(Rc::from(f))))
    }

    fn op_reduce<'a>(&mut self, args: &'a [Value], data: &Val<'a>, depth: usize) -> Res<Val<'a>> {
        let [operand, lambda, initial] = args else {
            return Err(invalid());
        };
        let operand = self.eval(operand, data, depth)?;
        let mut acc = self.eval(initial, data, depth)?;
        match &operand {
            Val::Null => Ok(acc),
            // Iterates borrowed arrays in place: no copy of huge inputs.
            Val::Json(Value::Array(items)) => {
                for item in items {
                    acc = self.reduce_step(lambda, Val::from_json(item), acc, depth)?;
                }
                Ok(acc)
            }
            Val::Array(a) => {
                for item in &a.items {
                    acc = self.reduce_step(lambda, item.clone(), acc, depth)?;
                }
                Ok(acc)
            }
            _ => Err(CertLogicError::eval(EvalErrorKind::ReduceOperandNotArray)),
        }
    }

    fn reduce_step<'a>(
        &mut self,
        lambda: &'a Value,
        current: Val<'a>,
        accumulator: Val<'a>,
        depth: usize,
    ) -> Res<Val<'a>> {
        self.step()?;
        let ctx_depth = 1 + current.depth().max(accumulator.depth());
        self.check_depth(ctx_depth)?;
        let ctx = Val::Map(Rc::new(Composite {
            items: vec![("current", current), ("accumulator", accumulator)],
            depth: ctx_depth,
        }));
        self.eval(lambda, &ctx, depth)
    }

    /// Structural equality (strings, integers, booleans, null exactly; date-times by instant;
    /// arrays and objects element-wise), charging one step per visited element.
    fn equal(&mut self, a: &Val<'_>, b: &Val<'_>, depth: usize) -> Res<bool> {
        self.step()?;
        self.check_depth(depth)?;
        Ok(match (a, b) {
            (Val::Null, Val::Null) => true,
            (Val::Bool(x), Val::Bool(y)) => x == y,
            (Val::Int(x), Val::Int(y)) => x == y,
            (Val::DateTime(x), Val::DateTime(y)) => x == y,
            (Val::Json(Value::Number(x)), Val::Json(Value::Number(y))) => x.as_f64() == y.as_f64(),
            _ => {
                if let (Some(x), Some(y)) = (a.as_str(), b.as_str()) {
                    return Ok(x == y);
                }
                if let (Some(x), Some(y)) = (elements(a), elements(b)) {
                    if x.len() != y.len() {
                        return Ok(false);
                    }
                    for (p, q) in x.iter().zip(&y) {
                        if !self.equal(p, q, depth + 1)? {
                            return Ok(false);
                        }
                    }
                    return Ok(true);
                }
                if let (Some(x), Some(y)) = (entries(a), entries(b)) {
                    if x.len() != y.len() {
                        return Ok(false);
                    }
                    for (k, p) in &x {
                        let Some((_, q)) = y.iter().find(|(k2, _)| k2 == k) else {
                            return Ok(false);
                        };
                        if !self.equal(p, q, depth + 1)? {
                            return Ok(false);
                        }
                    }
                    return Ok(true);
                }
                false
            }
        })
    }

    /// Copies a value out as JSON, bounded in depth and steps (data may be hostile too).
    fn copy_out(&mut self, v: &Val<'_>, depth: usize) -> Res<Value> {
        self.step()?;
        self.check_depth(depth)?;
        Ok(match v {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => Value::from(*i),
            Val::Str(s) => Value::String(s.to_string()),
            Val::DateTime(t) => Value::String(datetime::format(*t)),
            Val::Json(Value::String(s)) => Value::String(s.clone()),
            Val::Json(Value::Number(n)) => Value::Number(n.clone()),
            Val::Json(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.copy_out(&Val::from_json(item), depth + 1)?);
                }
                Value::Array(out)
            }
            Val::Json(Value::Object(m)) => {
                let mut out = Map::new();
                for (k, item) in m {
                    out.insert(k.clone(), self.copy_out(&Val::from_json(item), depth + 1)?);
                }
                Value::Object(out)
            }
            Val::Json(other) => Val::from_json(other).scalar_json(),
            Val::Array(a) => {
                let mut out = Vec::with_capacity(a.items.len());
                for item in &a.items {
                    out.push(self.copy_out(item, depth + 1)?);
                }
                Value::Array(out)
            }
            Val::Map(m) => {
                let mut out = Map::new();
                for (k, item) in &m.items {
                    out.insert((*k).to_string(), self.copy_out(item, depth + 1)?);
                }
                Value::Object(out)
            }
        })
    }
}

impl Val<'_> {
    /// JSON of a scalar (`null`/bool/integer); composites are handled by `to_json`.
    fn scalar_json(&self) -> Value {
        match self {
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => Value::from(*i),
            _ => Value::Null,
        }
    }
}

fn elements<'a>(v: &Val<'a>) -> Option<Vec<Val<'a>>> {
    match v {
        Val::Json(Value::Array(items)) => Some(items.iter().map(Val::from_json).collect()),
        Val::Array(a) => Some(a.items.clone()),
        _ => None,
    }
}

fn entries<'a>(v: &Val<'a>) -> Option<Vec<(&'a str, Val<'a>)>> {
    match v {
        Val::Json(Value::Object(m)) => Some(
            m.iter()
                .map(|(k, x)| (k.as_str(), Val::from_json(x)))
                .collect(),
        ),
        Val::Map(m) => Some(m.items.iter().map(|(k, x)| (*k, x.clone())).collect()),
        _ => None,
    }
}

fn eval_var<'a>(path: &'a Value, data: &Val<'a>) -> Res<Val<'a>> {
    let Value::String(path) = path else {
        return Err(invalid());
    };
    if path.is_empty() {
        return Ok(data.clone());
    }
    let mut cur = data.clone();
    for fragment in path.split('.') {
        if cur.is_null() {
            break;
        }
        cur = cur.get(fragment);
    }
    Ok(cur)
}

fn compare(op: &str, v: &[i64]) -> bool {
    let f = |l: i64, r: i64| match op {
        "<" => l < r,
        ">" => l > r,
        "<=" => l <= r,
        _ => l >= r,
    };
    v.windows(2).all(|w| matches!(w, [l, r] if f(*l, *r)))
}

/// Splits a UCI on `/`, `#`, `:` (dropping a leading `URN:UVCI:`) and returns fragment `index`.
pub(crate) fn extract_from_uvci(s: &str, index: i64) -> Option<&str> {
    let mut fragments: Vec<&str> = s.split(['/', '#', ':']).collect();
    if fragments.len() >= 2
        && fragments.first() == Some(&"URN")
        && fragments.get(1) == Some(&"UVCI")
    {
        fragments.drain(..2);
    }
    usize::try_from(index)
        .ok()
        .and_then(|i| fragments.get(i).copied())
}
