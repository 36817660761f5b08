//! The official CertLogic 1.3.3 test suites (`certlogic/testSuite`, `validation-testSuite`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod common;

use serde_json::Value;

fn is_skip(v: &Value) -> bool {
    v.get("directive").and_then(Value::as_str) == Some("skip")
}

#[test]
fn accepts_every_assertion_of_the_official_evaluator_suite() {
    let dir = common::shared_dir().join("certlogic/testSuite");
    let (mut files, mut passed, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in common::json_files(&dir) {
        files += 1;
        let suite: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let suite_skip = is_skip(&suite);
        for case in suite["cases"].as_array().unwrap() {
            let case_skip = suite_skip || is_skip(case);
            for (i, a) in case["assertions"].as_array().unwrap().iter().enumerate() {
                if case_skip || is_skip(a) {
                    skipped += 1;
                    continue;
                }
                let expr = a
                    .get("certLogicExpression")
                    .unwrap_or(&case["certLogicExpression"]);
                let got = certlogic::evaluate(expr, &a["data"]);
                if got.as_ref().ok() == Some(&a["expected"]) {
                    passed += 1;
                } else {
                    failures.push(format!(
                        "{}: {} #{i}: expected {}, got {:?}",
                        path.file_name().unwrap().to_string_lossy(),
                        case["name"],
                        a["expected"],
                        got
                    ));
                }
            }
        }
    }
    eprintln!(
        "certlogic testSuite: {files} files, {passed} assertions passed, {} failed, {skipped} \
         skipped (directive \"skip\")",
        failures.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    assert!(passed > 200, "suite unexpectedly small: {passed}");
}

#[test]
fn accepts_every_verdict_of_the_official_validation_suite() {
    let dir = common::shared_dir().join("certlogic/validation-testSuite");
    let (mut files, mut passed) = (0, 0);
    let mut failures = Vec::new();
    for path in common::json_files(&dir) {
        files += 1;
        let suite: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (i, case) in suite["cases"].as_array().unwrap().iter().enumerate() {
            let expr = &case["certLogicExpression"];
            let expected = case["issues"].as_array().unwrap();
            let got = certlogic::validate(expr).err().unwrap_or_default();
            // Same verdict, same number of issues, same messages, same sub-expressions.
            let same = got.len() == expected.len()
                && got.iter().zip(expected).all(|(g, e)| {
                    g.message == e["message"].as_str().unwrap()
                        && expr.pointer(&g.pointer) == Some(&e["expr"])
                });
            if same {
                passed += 1;
            } else {
                failures.push(format!(
                    "{} case #{i} {expr}: expected {expected:?}, got {got:?}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    eprintln!(
        "certlogic validation-testSuite: {files} files, {passed} cases passed, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[test]
fn rejects_patched_reduce_data_access_as_spec_does_not_require_it() {
    // `patched-reduce.json` is marked "skip" upstream: the `data` key in reduce lambdas is a
    // "may" of the spec. We follow certlogic-js (no `data` key), so `data.z` is null.
    let expr = serde_json::json!({"reduce": [{"var": "x"},
        {"+": [{"var": "accumulator"}, {"if": [{"===": [{"var": "current"}, {"var": "data.z"}]}, 1, 0]}]}, 0]});
    let data = serde_json::json!({"x": [1, 2, 1, 1], "z": 1});
    assert_eq!(
        certlogic::evaluate(&expr, &data).unwrap(),
        serde_json::json!(0)
    );
}
