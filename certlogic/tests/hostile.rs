//! Hostile expressions and data: every one ends in a typed error, quickly, without a stack
//! overflow or a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use certlogic::{evaluate, evaluate_with_limits, CertLogicError, LimitKind, Limits};
use serde_json::{json, Value};

/// `{"!": [ ... {"!": [true]} ... ]}` nested `n` deep, built without recursion.
fn nested_not(n: usize) -> Value {
    // Not `json!`: with a non-literal operand it serialises recursively.
    let mut v = Value::Bool(true);
    for _ in 0..n {
        let mut m = serde_json::Map::new();
        m.insert("!".into(), Value::Array(vec![v]));
        v = Value::Object(m);
    }
    v
}

/// `[[[ ... ]]]` nested `n` deep.
fn nested_array(n: usize) -> Value {
    let mut v = json!([]);
    for _ in 0..n {
        v = Value::Array(vec![v]);
    }
    v
}

/// Drops a deeply nested value without recursion (serde_json's drop is recursive).
fn drop_deep(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

fn limit(r: Result<Value, CertLogicError>) -> LimitKind {
    match r {
        Err(CertLogicError::LimitExceeded { limit }) => limit,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

fn code(r: Result<Value, CertLogicError>) -> &'static str {
    r.unwrap_err().code()
}

#[test]
fn rejects_100k_nested_negations_built_programmatically() {
    let expr = nested_not(100_000);
    let r = evaluate(&expr, &json!({}));
    assert_eq!(limit(r.clone()), LimitKind::Depth);
    assert_eq!(code(r), "CERTLOGIC_LIMIT_EXCEEDED");
    assert!(certlogic::validate(&expr).is_err());
    drop_deep(expr);
}

#[test]
fn rejects_100k_nested_negations_from_text() {
    let text = format!(
        "{}true{}",
        r#"{"!":["#.repeat(100_000),
        "]}".repeat(100_000)
    );
    // serde_json's own parser depth limit (128) fires first.
    let e = certlogic::parse_json(&text, &Limits::DEFAULT).unwrap_err();
    assert_eq!(e.code(), "CERTLOGIC_INVALID_JSON");
    let e = certlogic::RuleSet::from_json(&format!(r#"[{{"Logic": {text}}}]"#)).unwrap_err();
    assert_eq!(e.code(), "CERTLOGIC_INVALID_JSON");
}

#[test]
fn accepts_nesting_up_to_the_depth_limit_on_a_small_stack() {
    // Exactly at the limit must work, and fit in a 1 MiB thread stack (debug build).
    let depth = Limits::DEFAULT.max_depth;
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let expr = nested_not(depth);
            let r = evaluate(&expr, &json!({})).unwrap();
            let too_deep = evaluate(&nested_not(depth + 1), &json!({}));
            (r, too_deep.unwrap_err().code())
        })
        .unwrap();
    let (r, too_deep) = handle.join().unwrap();
    assert_eq!(r, json!(depth & 1 == 0));
    assert_eq!(too_deep, "CERTLOGIC_LIMIT_EXCEEDED");
}

#[test]
fn rejects_deeply_nested_data_when_copied_or_compared() {
    let mut m = serde_json::Map::new();
    m.insert("deep".into(), nested_array(100_000));
    let data = Value::Object(m);
    assert_eq!(
        limit(evaluate(&json!({"var": "deep"}), &data)),
        LimitKind::Depth
    );
    let eq = json!({"===": [{"var": "deep"}, {"var": "deep"}]});
    assert_eq!(limit(evaluate(&eq, &data)), LimitKind::Depth);
    let inn = json!({"in": [{"var": "deep"}, [{"var": "deep"}]]});
    assert_eq!(limit(evaluate(&inn, &data)), LimitKind::Depth);
    // Drilling into it is fine: nothing is copied.
    assert_eq!(
        evaluate(&json!({"!": [{"var": "deep.0.0.0"}]}), &data).unwrap(),
        json!(false)
    );
    drop_deep(data);
}

#[test]
fn rejects_reduce_over_a_million_element_array_by_step_budget() {
    let data = json!({"xs": vec![1; 1_000_000]});
    let sum =
        json!({"reduce": [{"var": "xs"}, {"+": [{"var": "accumulator"}, {"var": "current"}]}, 0]});
    assert_eq!(limit(evaluate(&sum, &data)), LimitKind::Steps);
    // With a budget that fits, the same expression completes.
    let big = Limits {
        max_steps: 10_000_000,
        ..Limits::DEFAULT
    };
    assert_eq!(
        evaluate_with_limits(&sum, &data, &big).unwrap(),
        json!(1_000_000)
    );
}

#[test]
fn rejects_ten_million_reduce_iterations_by_nesting() {
    // 10^4 outer × 10^3 inner iterations = 10^7 lambda evaluations requested.
    let data = json!({"outer": vec![0; 10_000]});
    let inner = Value::Array(vec![json!(1); 1_000]);
    let mut expr = json!({"reduce": [{"var": "outer"},
        {"reduce": [null, {"+": [{"var": "accumulator"}, 1]}, 0]}, 0]});
    expr["reduce"][1]["reduce"][0] = inner;
    assert_eq!(limit(evaluate(&expr, &data)), LimitKind::Steps);
    let expr = json!({"reduce": [{"var": "outer"},
        {"reduce": [[1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10],
            {"reduce": [[1,2,3,4,5,6,7,8,9,10], {"+": [{"var": "accumulator"}, 1]}, 0]}, 0]}, 0]});
    assert_eq!(limit(evaluate(&expr, &data)), LimitKind::Steps);
}

#[test]
fn rejects_reduce_that_builds_ever_deeper_values() {
    let data = json!({"xs": vec![0; 1_000]});
    let nest = json!({"reduce": [{"var": "xs"}, [{"var": "accumulator"}], 0]});
    assert_eq!(limit(evaluate(&nest, &data)), LimitKind::Depth);
    let ctx = json!({"reduce": [{"var": "xs"}, {"var": ""}, 0]});
    assert_eq!(limit(evaluate(&ctx, &data)), LimitKind::Depth);
}

#[test]
fn rejects_exponentially_shared_values_when_output_or_compared() {
    // 100 doublings: 2^100 leaves logically, ~100 nodes in memory.
    let data = json!({"xs": vec![0; 100]});
    let dag =
        json!({"reduce": [{"var": "xs"}, [{"var": "accumulator"}, {"var": "accumulator"}], 0]});
    assert_eq!(limit(evaluate(&dag, &data)), LimitKind::Steps);
    let cmp = json!({"===": [dag.clone(), dag.clone()]});
    assert_eq!(limit(evaluate(&cmp, &data)), LimitKind::Steps);
    // Only looking at it is cheap.
    let peek = json!({"!": [{"var": "current.0"}]});
    let peek = json!({"reduce": [[dag], peek, false]});
    assert_eq!(evaluate(&peek, &data).unwrap(), json!(false));
}

#[test]
fn rejects_malformed_operations_with_typed_codes() {
    let cases = [
        (json!({"all": [{"var": "x"}]}), "CERTLOGIC_UNKNOWN_OPERATOR"),
        (json!({"if": [true, 1]}), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!({"and": [true]}), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!({"===": [1, 1, 1]}), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!({"<": [1, 2, 3, 4]}), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!({"!": []}), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!({"var": ["x", 1]}), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!({"var": "x..y"}), "CERTLOGIC_INVALID_EXPRESSION"),
        (
            json!({"plusTime": ["2021-01-01", "1", "day"]}),
            "CERTLOGIC_INVALID_EXPRESSION",
        ),
        (
            json!({"plusTime": ["2021-01-01", 1, "week"]}),
            "CERTLOGIC_INVALID_EXPRESSION",
        ),
        (
            json!({"extractFromUVCI": ["a:b", {"var": "i"}]}),
            "CERTLOGIC_INVALID_EXPRESSION",
        ),
        (json!({"reduce": [[], 1]}), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!({"a": 1, "b": 2}), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!(null), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!(1.5), "CERTLOGIC_INVALID_EXPRESSION"),
        (json!([1, {"!": [null]}]), "CERTLOGIC_INVALID_EXPRESSION"),
    ];
    for (expr, want) in cases {
        assert_eq!(code(evaluate(&expr, &json!({}))), want, "{expr}");
    }
    let issues = certlogic::validate(&json!({"and": [{"fly": []}, {"var": 1}]})).unwrap_err();
    let pointers: Vec<&str> = issues.iter().map(|i| i.pointer.as_str()).collect();
    assert_eq!(pointers, ["/and/0", "/and/1"]);
}

#[test]
fn rejects_type_mismatches_at_evaluation() {
    let cases = [
        json!({"<": ["a", 1]}),
        json!({"<": [{"var": "n"}, 1]}),
        json!({"after": [1, 2]}),
        json!({"before": [{"plusTime": ["2021", 0, "day"]}, "2022-01-01"]}),
        json!({"in": ["a", "abc"]}),
        json!({"in": ["a", {"var": "n"}]}),
        json!({"+": [9_223_372_036_854_775_807_i64, 1]}),
        json!({"+": ["1", 1]}),
        json!({"!": [{"plusTime": ["2021", 0, "day"]}]}),
        json!({"if": [{"var": "f"}, 1, 2]}),
        json!({"and": [{"var": "f"}, true]}),
        json!({"plusTime": ["2021-02-30", 0, "day"]}),
        json!({"plusTime": ["2021-01-01T25:00:00Z", 0, "day"]}),
        json!({"plusTime": [{"var": "n"}, 0, "day"]}),
        json!({"plusTime": ["2021-01-01", 9_223_372_036_854_775_807_i64, "year"]}),
        json!({"plusTime": ["2021-01-01", -9_223_372_036_854_775_807_i64, "hour"]}),
        json!({"dccDateOfBirth": [{"var": "n"}]}),
        json!({"dccDateOfBirth": ["1990-1"]}),
        json!({"extractFromUVCI": [5, 0]}),
        json!({"reduce": ["abc", 1, 0]}),
    ];
    for expr in cases {
        let r = evaluate(&expr, &json!({"n": null, "f": 1.5}));
        assert_eq!(code(r), "CERTLOGIC_EVALUATION_ERROR", "{expr}");
    }
}

#[test]
fn rejects_oversized_json_input() {
    let big = format!("[{}1]", "1,".repeat(Limits::DEFAULT.max_input_bytes / 2));
    assert_eq!(
        certlogic::parse_json(&big, &Limits::DEFAULT)
            .unwrap_err()
            .code(),
        "CERTLOGIC_LIMIT_EXCEEDED"
    );
}

#[test]
fn accepts_is_truthy_per_spec() {
    for v in [
        json!(true),
        json!("a"),
        json!(-1),
        json!([0]),
        json!({"a": null}),
    ] {
        assert!(certlogic::is_truthy(&v) && !certlogic::is_falsy(&v), "{v}");
    }
    for v in [
        json!(false),
        json!(null),
        json!(""),
        json!(0),
        json!([]),
        json!({}),
    ] {
        assert!(certlogic::is_falsy(&v) && !certlogic::is_truthy(&v), "{v}");
    }
    assert!(!certlogic::is_truthy(&json!(1.5)) && !certlogic::is_falsy(&json!(1.5)));
}
