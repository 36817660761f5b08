//! Load time and memory of a signed trust list with 10 000 DSCs, and revocation lookup time and
//! memory at 10 million entries, each against a plain `HashSet<[u8; 16]>` baseline measured in
//! the same run. Memory is measured with a counting global allocator (net bytes allocated while
//! the structure is alive). Run: `cargo bench -p trust-list --bench load_and_lookup`.
//! Set `VAXCERT_BENCH_QUICK=1` for a 10× smaller run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs,
    unreachable_pub
)]

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::time::{Duration, Instant};
use trust_list::list::{verify_trust_list, TrustList, TrustListEntry, VerifyOptions};
use trust_list::pki::{self, CertSpec};
use trust_list::revocation::HashSetSorted;
use trust_list::{TrustState, TrustStore};
use wallet_format::{Algorithm, CertificateType};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const NOW: i64 = 1_750_000_000;
const DAY: i64 = 86_400;

fn net(region: &Region<'_, System>) -> i64 {
    let s = region.change();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64 + s.bytes_reallocated as i64
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// splitmix64: fast deterministic pseudo-random 16-byte hashes.
fn hashes(seed: u64, n: usize) -> Vec<[u8; 16]> {
    let mut x = seed;
    let mut next = || {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|_| {
            let mut h = [0u8; 16];
            h[..8].copy_from_slice(&next().to_le_bytes());
            h[8..].copy_from_slice(&next().to_le_bytes());
            h
        })
        .collect()
}

fn main() {
    let quick = std::env::var("VAXCERT_BENCH_QUICK").is_ok();
    let n_dsc = if quick { 1_000 } else { 10_000 };
    let n_rev = if quick { 1_000_000 } else { 10_000_000 };

    // ---- trust list with n_dsc DSCs -------------------------------------------------------
    let t = Instant::now();
    let csca = pki::generate_csca(
        Algorithm::EdDsa,
        &CertSpec::new("VN", "VN CSCA", NOW - DAY, NOW + 3650 * DAY),
    )
    .unwrap();
    let signer = pki::generate_list_signer(
        &csca,
        Algorithm::EdDsa,
        &CertSpec::new("VN", "VN TL", NOW - DAY, NOW + 365 * DAY),
    )
    .unwrap();
    let mut entries = Vec::with_capacity(n_dsc);
    for i in 0..n_dsc {
        let alg = if i % 2 == 0 {
            Algorithm::EdDsa
        } else {
            Algorithm::Es256
        };
        let d = pki::generate_dsc(
            &csca,
            alg,
            &CertSpec::new("VN", &format!("VN DSC {i}"), NOW - DAY, NOW + 365 * DAY),
            &[
                CertificateType::Vaccination,
                CertificateType::Test,
                CertificateType::Recovery,
            ],
        )
        .unwrap();
        entries.push(TrustListEntry::from_dsc(&d.cert().unwrap(), "VN"));
    }
    let list = TrustList {
        sequence: 1,
        issued_at: NOW,
        valid_until: NOW + 7 * DAY,
        entries,
        ..Default::default()
    };
    let signed = list
        .sign(&signer.signer().unwrap(), &[signer.cert_der.clone()])
        .unwrap();
    let der_total: usize = list
        .entries
        .iter()
        .map(|e| match &e.key {
            trust_list::list::EntryKey::Dsc(d) | trust_list::list::EntryKey::Spki(d) => d.len(),
        })
        .sum();
    println!(
        "generated {n_dsc} DSCs (half Ed25519, half P-256) in {:.1?}; signed list {} bytes ({} bytes of certificates)",
        t.elapsed(),
        signed.len(),
        der_total
    );
    let anchor = csca.cert().unwrap();
    let opts = VerifyOptions::new(NOW, DAY);

    let mut times = Vec::new();
    let mut bytes_store = 0;
    for _ in 0..5 {
        let region = Region::new(GLOBAL);
        let t = Instant::now();
        let mut state = TrustState::default();
        let v = verify_trust_list(&signed, &anchor, &mut state, &opts).unwrap();
        let mut store = TrustStore::new();
        store.add_signed_list(&v);
        drop(v);
        times.push(t.elapsed());
        bytes_store = net(&region);
        assert_eq!(store.len(), n_dsc);
        black_box(&store);
    }
    let load = median(times);

    // Baseline: the thumbprints of the same certificates in a plain HashSet<[u8; 16]>.
    let thumbs: Vec<[u8; 16]> = list
        .entries
        .iter()
        .map(|e| {
            let mut k = [0u8; 16];
            k[..8].copy_from_slice(&e.kid.0);
            k
        })
        .collect();
    let mut times = Vec::new();
    let mut bytes_set = 0;
    for _ in 0..5 {
        let region = Region::new(GLOBAL);
        let t = Instant::now();
        let set: HashSet<[u8; 16]> = thumbs.iter().copied().collect();
        times.push(t.elapsed());
        bytes_set = net(&region);
        black_box(&set);
    }
    let set_time = median(times);
    // Second reference: an unverified kid → DER map (what a naive cache holds).
    let region = Region::new(GLOBAL);
    let naive: HashMap<[u8; 8], Vec<u8>> = list
        .entries
        .iter()
        .filter_map(|e| match &e.key {
            trust_list::list::EntryKey::Dsc(d) => Some((e.kid.0, d.clone())),
            _ => None,
        })
        .collect();
    let bytes_naive = net(&region);
    black_box(&naive);

    println!("\ntrust list, {n_dsc} DSCs:");
    println!(
        "  parse + verify signature + parse every DSC + build store: {:.1?} ({:.1} µs per DSC)",
        load,
        load.as_secs_f64() * 1e6 / n_dsc as f64
    );
    println!(
        "  memory held by the store: {} bytes ({:.0} B per DSC)",
        bytes_store,
        bytes_store as f64 / n_dsc as f64
    );
    println!(
        "  baseline HashSet<[u8;16]> of kids: {:.1?}, {} bytes ({:.0} B per entry)",
        set_time,
        bytes_set,
        bytes_set as f64 / n_dsc as f64
    );
    println!(
        "  reference HashMap<kid, DER> (unverified): {} bytes ({:.0} B per DSC)",
        bytes_naive,
        bytes_naive as f64 / n_dsc as f64
    );
    println!(
        "  ratios vs HashSet baseline: time ×{:.0}, memory ×{:.1}; memory vs raw DER map ×{:.2}",
        load.as_secs_f64() / set_time.as_secs_f64(),
        bytes_store as f64 / bytes_set as f64,
        bytes_store as f64 / bytes_naive as f64
    );
    drop(naive);

    // ---- revocation at n_rev entries ---------------------------------------------------
    let present = hashes(1, n_rev);
    let probes_hit: Vec<[u8; 16]> = present
        .iter()
        .step_by((n_rev / 1_000_000).max(1))
        .copied()
        .collect();
    let probes_miss = hashes(2, probes_hit.len());

    let region = Region::new(GLOBAL);
    let t = Instant::now();
    let sorted = HashSetSorted::from_vec(present.clone());
    let build_sorted = t.elapsed();
    let bytes_sorted = net(&region);

    let region = Region::new(GLOBAL);
    let t = Instant::now();
    let set: HashSet<[u8; 16]> = present.iter().copied().collect();
    let build_set = t.elapsed();
    let bytes_hs = net(&region);
    drop(present);

    let time_lookups = |f: &dyn Fn(&[u8; 16]) -> bool, probes: &[[u8; 16]]| {
        let mut ts = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let mut hits = 0usize;
            for p in probes {
                hits += usize::from(f(p));
            }
            black_box(hits);
            ts.push(t.elapsed());
        }
        median(ts).as_secs_f64() * 1e9 / probes.len() as f64
    };
    let s_hit = time_lookups(&|h| sorted.contains(h), &probes_hit);
    let s_miss = time_lookups(&|h| sorted.contains(h), &probes_miss);
    let h_hit = time_lookups(&|h| set.contains(h), &probes_hit);
    let h_miss = time_lookups(&|h| set.contains(h), &probes_miss);
    assert!(probes_hit.iter().all(|h| sorted.contains(h)));

    println!(
        "\nrevocation, {n_rev} entries ({} probes each of hits and misses):",
        probes_hit.len()
    );
    println!(
        "  sorted Vec + prefix index: {:.1} ns/hit, {:.1} ns/miss; {} bytes = {:.2} B/entry; built in {:.1?}",
        s_hit,
        s_miss,
        bytes_sorted,
        bytes_sorted as f64 / n_rev as f64,
        build_sorted
    );
    println!(
        "  baseline HashSet<[u8;16]>: {:.1} ns/hit, {:.1} ns/miss; {} bytes = {:.2} B/entry; built in {:.1?}",
        h_hit,
        h_miss,
        bytes_hs,
        bytes_hs as f64 / n_rev as f64,
        build_set
    );
    println!(
        "  ratios (ours / HashSet): lookup hit ×{:.2}, miss ×{:.2}, memory ×{:.2}",
        s_hit / h_hit,
        s_miss / h_miss,
        bytes_sorted as f64 / bytes_hs as f64
    );
}
