//! Rule evaluations per second for the VN travel rule set over a typical vaccination payload,
//! relative to the bare signature check of one certificate (ES256 verify of a 300-byte
//! message with aws-lc-rs), both measured in the same run.
//!
//! `cargo bench -p certlogic --bench rules` prints e.g.
//! `travel rules: X evals/s; ratio to ES256 verify: Y` after the criterion reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};
use certlogic::{ExternalParameters, RuleSet};
use criterion::Criterion;
use serde_json::json;

fn payload() -> serde_json::Value {
    json!({"ver": "1.3.0", "dob": "1990-05-17",
        "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"},
        "v": [{"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
               "dn": 3, "sd": 3, "dt": "2024-01-10", "co": "VN", "is": "Bộ Y tế",
               "ci": "URN:UVCI:01:VN:V123456789#X"}]})
}

struct Es256 {
    public: Vec<u8>,
    msg: Vec<u8>,
    sig: Vec<u8>,
}

impl Es256 {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let msg: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
        let sig = key.sign(&rng, &msg).unwrap().as_ref().to_vec();
        Es256 {
            public: key.public_key().as_ref().to_vec(),
            msg,
            sig,
        }
    }

    fn verify(&self) -> bool {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.public)
            .verify(black_box(&self.msg), black_box(&self.sig))
            .is_ok()
    }
}

/// Runs `f` repeatedly for about `budget`, returning calls per second.
fn rate(budget: Duration, mut f: impl FnMut() -> bool) -> f64 {
    for _ in 0..100 {
        assert!(f());
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..100 {
            assert!(black_box(f()));
        }
        n += 100;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let rules = RuleSet::builtin_vn_travel().unwrap();
    let external = ExternalParameters::new("2024-03-01T10:00:00Z".parse().unwrap());
    let payload = payload();
    let es = Es256::new();
    let n_rules = rules
        .select(
            certlogic::CertificateType::Vaccination,
            external.validation_clock,
        )
        .len();

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("es256_verify_300B", |b| b.iter(|| es.verify()));
    c.bench_function("vn_travel_rule_set_vaccination", |b| {
        b.iter(|| {
            rules
                .evaluate_payload(black_box(&payload), &external)
                .passed()
        })
    });
    c.final_summary();

    // Same-run ratio (criterion does not expose its estimates programmatically).
    let budget = Duration::from_secs(2);
    let verify_rate = rate(budget, || es.verify());
    let rules_rate = rate(budget, || {
        rules.evaluate_payload(&payload, &external).passed()
    });
    println!(
        "travel rules: {rules_rate:.0} evals/s ({n_rules} rules each, {:.0} rules/s); \
         ES256 verify: {verify_rate:.0}/s; ratio to ES256 verify: {:.2}",
        rules_rate * n_rules as f64,
        rules_rate / verify_rate
    );
}
