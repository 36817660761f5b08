//! The dgc-testdata conformance run through the verifier library's public `verify` call: each
//! vector's signing certificate becomes a gateway-shaped list (imported like `--dccg`), the
//! clock is the vector's VALIDATIONCLOCK, the policy `none` (plus a schema-only rule set for
//! EXPECTEDSCHEMAVALIDATION). Every flag a vector carries is reproduced, except the documented
//! deviations of spec/conformance.md. Prints the counts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use trust_list::TrustStore;
use vaxcert_tests::conformance::{
    deviations, judge, load_vectors, testdata_root, Tally, SCHEMA_ONLY_RULES,
};
use verifier::{verify, Policy, TrustContext};

#[test]
fn library_reproduces_every_dgc_testdata_vector() {
    let root = testdata_root(&test_support::shared_dir());
    let vectors = load_vectors(&root);
    assert!(vectors.len() >= 400, "only {} vectors found", vectors.len());
    let devs = deviations(&test_support::workspace_root(), &root);
    let none = Policy::none();
    let schema = Policy::from_rule_set_json("schema-only", SCHEMA_ONLY_RULES).unwrap();
    let mut tally = Tally::default();
    for v in &vectors {
        let clock = v
            .clock_text()
            .and_then(wallet_format::time_parse::parse_lenient)
            .unwrap_or_else(|| panic!("{}: no usable VALIDATIONCLOCK", v.path));
        let mut store = TrustStore::new();
        if let Some(json) = v.gateway_json() {
            let import = trust_list::gateway::import(json.as_bytes(), &Default::default()).unwrap();
            store.add_gateway(&import);
        }
        let ctx = TrustContext::new(store);
        let a = verify(v.prefix(), &ctx, &none, clock);
        let b = verify(v.prefix(), &ctx, &schema, clock);
        let j = judge(v, &devs, a.code(), b.code());
        tally.add(v, &j);
    }
    tally.print("verifier library conformance");
    assert!(
        tally.wrong.is_empty(),
        "{} undocumented mismatches",
        tally.wrong.len()
    );
    assert!(
        tally.reproduced > 1000,
        "too few flags reproduced: {}",
        tally.reproduced
    );
}
