//! Encode+sign and decode+verify per algorithm, each as a ratio to the bare signature operation
//! (sign / verify of the same algorithm over the same Sig_structure bytes) measured in the same
//! run. Targets (issue 2): decode+verify ≤ 1.3× bare ES256 verify, encode+sign ≤ 1.5× bare
//! ES256 sign.
//!
//! `cargo bench -p wallet-format --bench pipeline`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use criterion::{black_box, criterion_group, Criterion};
use std::time::{Duration, Instant};
use wallet_format::{
    profile, transliterate, uvci::Uvci, Algorithm, Claims, Dcc, Encoder, KeySigner, Kid, Limits,
    Name, PublicKey, Signer, SoftwareKey, Vaccination,
};

struct Setup {
    alg: Algorithm,
    signer: KeySigner,
    public: PublicKey,
    claims: Claims,
    text: String,
    tbs: Vec<u8>,
    signature: Vec<u8>,
}

fn typical_claims() -> Claims {
    Claims {
        iss: Some("VN".into()),
        iat: Some(1_700_000_000),
        exp: Some(1_731_536_000),
        dcc: Dcc {
            ver: "1.3.0".into(),
            nam: Name {
                family: Some("Nguyễn".into()),
                given: Some("Văn Hùng".into()),
                family_t: Some(transliterate::icao("Nguyễn")),
                given_t: Some(transliterate::icao("Văn Hùng")),
            },
            dob: "1987-11-23".into(),
            v: Some(vec![Vaccination {
                tg: "840539006".into(),
                vp: "1119349007".into(),
                mp: "EU/1/20/1528".into(),
                ma: "ORG-100030215".into(),
                dn: 2,
                sd: 2,
                dt: "2021-10-04".into(),
                co: "VN".into(),
                issuer: profile::ISSUER_TEXT.into(),
                ci: Uvci::new("VN", "7Y2ABCDE4F5G").unwrap().as_str().into(),
            }]),
            t: None,
            r: None,
        },
    }
}

fn setup(alg: Algorithm) -> Setup {
    let key = SoftwareKey::generate(alg).unwrap();
    let public = key.public_key().unwrap();
    let signer = key.into_signer(Kid([1, 2, 3, 4, 5, 6, 7, 8]));
    let claims = typical_claims();
    let text = wallet_format::encode(&claims, &signer).unwrap();
    let decoded = wallet_format::decode(&text, &Limits::DEFAULT).unwrap();
    let tbs = decoded.cose.to_be_signed();
    let signature = decoded.signature().to_vec();
    Setup {
        alg,
        signer,
        public,
        claims,
        text,
        tbs,
        signature,
    }
}

fn setups() -> Vec<Setup> {
    [Algorithm::Es256, Algorithm::Ps256, Algorithm::EdDsa]
        .into_iter()
        .map(setup)
        .collect()
}

fn bench(c: &mut Criterion) {
    for s in setups() {
        let name = s.alg.name();
        let mut group = c.benchmark_group(name);
        group.bench_function("bare sign", |b| {
            b.iter(|| s.signer.sign(black_box(&s.tbs)).unwrap())
        });
        let mut encoder = Encoder::new();
        group.bench_function("encode+sign", |b| {
            b.iter(|| encoder.encode(black_box(&s.claims), &s.signer).unwrap())
        });
        group.bench_function("bare verify", |b| {
            b.iter(|| {
                s.public
                    .verify(s.alg, black_box(&s.tbs), &s.signature)
                    .unwrap()
            })
        });
        group.bench_function("decode+verify", |b| {
            b.iter(|| {
                let d = wallet_format::decode(black_box(&s.text), &Limits::DEFAULT).unwrap();
                d.verify_signature(&s.public).unwrap();
                d
            })
        });
        group.finish();
    }
}

/// Median time per call over `batches` batches sized to take ~`budget` each.
fn per_op(mut f: impl FnMut(), budget: Duration, batches: usize) -> Duration {
    let start = Instant::now();
    let mut calibrate = 0u32;
    while start.elapsed() < Duration::from_millis(20) {
        f();
        calibrate += 1;
    }
    let per = start.elapsed() / calibrate.max(1);
    let n = (budget.as_nanos() / per.as_nanos().max(1)).clamp(1, 1_000_000) as u32;
    let mut samples: Vec<Duration> = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed() / n
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// The ratios, from an interleaved timing loop in the same process (printed after criterion).
fn summary() {
    let budget = Duration::from_millis(40);
    let batches = 15;
    eprintln!();
    eprintln!("== pipeline / bare signature operation, same run (median of {batches} batches) ==");
    for s in setups() {
        let mut encoder = Encoder::new();
        let mut sign = Duration::ZERO;
        let mut encode = Duration::ZERO;
        let mut verify = Duration::ZERO;
        let mut decode = Duration::ZERO;
        // Two interleaved rounds, keeping the better of each, so drift on a shared machine
        // hits both sides of a ratio alike.
        for round in 0..2 {
            let b = per_op(
                || {
                    black_box(s.signer.sign(black_box(&s.tbs)).unwrap());
                },
                budget,
                batches,
            );
            let e = per_op(
                || {
                    black_box(encoder.encode(black_box(&s.claims), &s.signer).unwrap());
                },
                budget,
                batches,
            );
            let v = per_op(
                || {
                    s.public
                        .verify(s.alg, black_box(&s.tbs), &s.signature)
                        .unwrap();
                },
                budget,
                batches,
            );
            let d = per_op(
                || {
                    let d = wallet_format::decode(black_box(&s.text), &Limits::DEFAULT).unwrap();
                    d.verify_signature(&s.public).unwrap();
                    black_box(d);
                },
                budget,
                batches,
            );
            if round == 0 {
                (sign, encode, verify, decode) = (b, e, v, d);
            } else {
                sign = sign.min(b);
                encode = encode.min(e);
                verify = verify.min(v);
                decode = decode.min(d);
            }
        }
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        let target = |alg: Algorithm, r: f64, max: f64| {
            if alg == Algorithm::Es256 {
                format!(
                    " (target ≤ {max:.1}×: {})",
                    if r <= max { "met" } else { "MISSED" }
                )
            } else {
                String::new()
            }
        };
        let er = ratio(encode, sign);
        let dr = ratio(decode, verify);
        eprintln!(
            "{:<6} encode+sign {:>8.1} µs / bare sign {:>8.1} µs = {er:.2}×{}",
            s.alg.name(),
            encode.as_secs_f64() * 1e6,
            sign.as_secs_f64() * 1e6,
            target(s.alg, er, 1.5)
        );
        eprintln!(
            "{:<6} decode+verify {:>6.1} µs / bare verify {:>6.1} µs = {dr:.2}×{}",
            s.alg.name(),
            decode.as_secs_f64() * 1e6,
            verify.as_secs_f64() * 1e6,
            target(s.alg, dr, 1.3)
        );
        eprintln!("       ({} characters)", s.text.len());
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(20);
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
