//! ES256 (ECDSA P-256 / SHA-256) signature verification with a per-key precomputed table.
//!
//! Why this is written here and not taken from a crate: a verifier checks millions of passes
//! against a few hundred DSC keys, so the variable-base half of ECDSA verification (`u2·Q`,
//! about 85 % of its cost in aws-lc, ring and RustCrypto alike) can be turned into a
//! fixed-base one by precomputing a table for each key once. No maintained crate offers
//! fixed-base tables for *arbitrary* points (aws-lc/BoringSSL dropped
//! `EC_KEY_precompute_mult`; RustCrypto's `primeorder` only tables the generator), and the
//! RustCrypto `p256` verify path is 5–6× slower than aws-lc here (reference/primitives.md).
//!
//! What is *not* hand-written: the field and scalar arithmetic come from `fiat-crypto`
//! (formally verified, generated code); hashing stays with aws-lc-rs. What is: point addition
//! and doubling (the standard EFD formulas for a = −3, with every special case handled
//! explicitly), the signed-window recoding, the tables and the ECDSA equation. Verification
//! handles only public data, so variable time is fine.
//!
//! Checked by: differential tests against aws-lc-rs (random keys, valid and tampered
//! signatures), the Wycheproof ECDSA P-256/SHA-256 (P1363) vectors, and the EU conformance
//! vectors through the whole pipeline.
//!
//! Layout: signed radix-2^7 digits, 37 windows; window `i` holds the affine points
//! `k·2^(7i)·P` for `k = 1..=64` (148 KiB per key whose table was built, the generator's
//! table shared). A verification is then 74 mixed additions and one scalar inversion.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use fiat_crypto::p256_64 as fp;
use fiat_crypto::p256_scalar_64 as fs;

/// Window width in bits.
const W: usize = 7;
/// Points per window (digits are in −63..=64).
const HALF: usize = 1 << (W - 1);
/// Number of windows: 37 × 7 = 259 bits ≥ 256 bits + a final carry.
const WINDOWS: usize = 37;

/// The field prime p, little-endian limbs.
const P: [u64; 4] = [
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_ffff,
    0x0000_0000_0000_0000,
    0xffff_ffff_0000_0001,
];
/// The group order n, little-endian limbs.
const N: [u64; 4] = [
    0xf3b9_cac2_fc63_2551,
    0xbce6_faad_a717_9e84,
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_0000_0000,
];
/// Curve coefficient b (big-endian bytes).
const B_BYTES: [u8; 32] = hex32("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");
/// Generator x (big-endian bytes).
const GX_BYTES: [u8; 32] =
    hex32("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
/// Generator y (big-endian bytes).
const GY_BYTES: [u8; 32] =
    hex32("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");

const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => 0,
    }
}

/// Big-endian 32 bytes → little-endian limbs.
fn limbs_be(bytes: &[u8; 32]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (i, limb) in out.iter_mut().enumerate() {
        let start = 32 - 8 * (i + 1);
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[start..start + 8]);
        *limb = u64::from_be_bytes(chunk);
    }
    out
}

/// `a < b` for little-endian limbs.
fn lt(a: &[u64; 4], b: &[u64; 4]) -> bool {
    for i in (0..4).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

fn is_zero(a: &[u64; 4]) -> bool {
    a.iter().all(|&l| l == 0)
}

/// `a + b` with the carry out.
fn add_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut out = [0u64; 4];
    let mut carry = false;
    for i in 0..4 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        out[i] = s2;
        carry = c1 || c2;
    }
    (out, carry)
}

/// `a − b` (caller guarantees a ≥ b).
fn sub_limbs(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        out[i] = d2;
        borrow = b1 || b2;
    }
    out
}

/// A field element in the Montgomery domain, always fully reduced (< p), so equal values
/// have equal limbs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Fe([u64; 4]);

impl Fe {
    const ZERO: Fe = Fe([0; 4]);

    fn one() -> Fe {
        let mut out = fp::fiat_p256_montgomery_domain_field_element([0; 4]);
        fp::fiat_p256_set_one(&mut out);
        Fe(out.0)
    }

    /// From little-endian limbs of a value < p.
    fn from_limbs(v: &[u64; 4]) -> Option<Fe> {
        if !lt(v, &P) {
            return None;
        }
        let mut out = fp::fiat_p256_montgomery_domain_field_element([0; 4]);
        fp::fiat_p256_to_montgomery(
            &mut out,
            &fp::fiat_p256_non_montgomery_domain_field_element(*v),
        );
        Some(Fe(out.0))
    }

    fn from_be(bytes: &[u8; 32]) -> Option<Fe> {
        Fe::from_limbs(&limbs_be(bytes))
    }

    #[inline(always)]
    fn mul(&self, o: &Fe) -> Fe {
        let mut out = fp::fiat_p256_montgomery_domain_field_element([0; 4]);
        fp::fiat_p256_mul(
            &mut out,
            &fp::fiat_p256_montgomery_domain_field_element(self.0),
            &fp::fiat_p256_montgomery_domain_field_element(o.0),
        );
        Fe(out.0)
    }

    #[inline(always)]
    fn sq(&self) -> Fe {
        let mut out = fp::fiat_p256_montgomery_domain_field_element([0; 4]);
        fp::fiat_p256_square(
            &mut out,
            &fp::fiat_p256_montgomery_domain_field_element(self.0),
        );
        Fe(out.0)
    }

    #[inline(always)]
    fn add(&self, o: &Fe) -> Fe {
        let mut out = fp::fiat_p256_montgomery_domain_field_element([0; 4]);
        fp::fiat_p256_add(
            &mut out,
            &fp::fiat_p256_montgomery_domain_field_element(self.0),
            &fp::fiat_p256_montgomery_domain_field_element(o.0),
        );
        Fe(out.0)
    }

    #[inline(always)]
    fn sub(&self, o: &Fe) -> Fe {
        let mut out = fp::fiat_p256_montgomery_domain_field_element([0; 4]);
        fp::fiat_p256_sub(
            &mut out,
            &fp::fiat_p256_montgomery_domain_field_element(self.0),
            &fp::fiat_p256_montgomery_domain_field_element(o.0),
        );
        Fe(out.0)
    }

    #[inline(always)]
    fn neg(&self) -> Fe {
        let mut out = fp::fiat_p256_montgomery_domain_field_element([0; 4]);
        fp::fiat_p256_opp(
            &mut out,
            &fp::fiat_p256_montgomery_domain_field_element(self.0),
        );
        Fe(out.0)
    }

    fn is_zero(&self) -> bool {
        is_zero(&self.0)
    }

    /// a^(p−2) (Fermat); only used when building tables.
    fn invert(&self) -> Fe {
        let mut e = P;
        e[0] -= 2;
        let mut acc = Fe::one();
        for i in (0..256).rev() {
            acc = acc.sq();
            if (e[i / 64] >> (i % 64)) & 1 == 1 {
                acc = acc.mul(self);
            }
        }
        acc
    }
}

/// A scalar mod n in the Montgomery domain.
#[derive(Clone, Copy)]
struct Sc([u64; 4]);

impl Sc {
    /// From little-endian limbs of a value < n.
    fn from_limbs(v: &[u64; 4]) -> Sc {
        let mut out = fs::fiat_p256_scalar_montgomery_domain_field_element([0; 4]);
        fs::fiat_p256_scalar_to_montgomery(
            &mut out,
            &fs::fiat_p256_scalar_non_montgomery_domain_field_element(*v),
        );
        Sc(out.0)
    }

    fn to_limbs(self) -> [u64; 4] {
        let mut out = fs::fiat_p256_scalar_non_montgomery_domain_field_element([0; 4]);
        fs::fiat_p256_scalar_from_montgomery(
            &mut out,
            &fs::fiat_p256_scalar_montgomery_domain_field_element(self.0),
        );
        out.0
    }

    #[inline(always)]
    fn mul(&self, o: &Sc) -> Sc {
        let mut out = fs::fiat_p256_scalar_montgomery_domain_field_element([0; 4]);
        fs::fiat_p256_scalar_mul(
            &mut out,
            &fs::fiat_p256_scalar_montgomery_domain_field_element(self.0),
            &fs::fiat_p256_scalar_montgomery_domain_field_element(o.0),
        );
        Sc(out.0)
    }
}

/// `x / 2 mod n`.
fn half_mod_n(x: &[u64; 4]) -> [u64; 4] {
    let (v, carry) = if x[0] & 1 == 0 {
        (*x, false)
    } else {
        add_limbs(x, &N)
    };
    [
        (v[0] >> 1) | (v[1] << 63),
        (v[1] >> 1) | (v[2] << 63),
        (v[2] >> 1) | (v[3] << 63),
        (v[3] >> 1) | (u64::from(carry) << 63),
    ]
}

/// `a − b mod n` for a, b < n.
fn sub_mod_n(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    if lt(a, b) {
        // a − b + n, computed as a + (n − b) which stays below n.
        add_limbs(a, &sub_limbs(&N, b)).0
    } else {
        sub_limbs(a, b)
    }
}

fn shr1(x: &[u64; 4]) -> [u64; 4] {
    [
        (x[0] >> 1) | (x[1] << 63),
        (x[1] >> 1) | (x[2] << 63),
        (x[2] >> 1) | (x[3] << 63),
        x[3] >> 1,
    ]
}

/// `a⁻¹ mod n` for `0 < a < n` by the binary extended Euclidean algorithm (variable time:
/// three times faster than Fermat's exponentiation with fiat's Montgomery multiplication;
/// the inputs are public). Invariants: `x1·a ≡ u`, `x2·a ≡ v (mod n)`.
fn inv_mod_n(a: &[u64; 4]) -> Option<[u64; 4]> {
    const ONE: [u64; 4] = [1, 0, 0, 0];
    if is_zero(a) || !lt(a, &N) {
        return None;
    }
    let (mut u, mut v) = (*a, N);
    let (mut x1, mut x2) = (ONE, [0u64; 4]);
    // Each round removes at least one bit from u or v: 2 × 256 rounds bound the loop.
    for _ in 0..1024 {
        if u == ONE {
            return Some(x1);
        }
        if v == ONE {
            return Some(x2);
        }
        if is_zero(&u) || is_zero(&v) {
            return None;
        }
        while u[0] & 1 == 0 {
            u = shr1(&u);
            x1 = half_mod_n(&x1);
        }
        while v[0] & 1 == 0 {
            v = shr1(&v);
            x2 = half_mod_n(&x2);
        }
        if lt(&u, &v) {
            v = sub_limbs(&v, &u);
            x2 = sub_mod_n(&x2, &x1);
        } else {
            u = sub_limbs(&u, &v);
            x1 = sub_mod_n(&x1, &x2);
        }
    }
    None
}

/// An affine point (never the point at infinity).
#[derive(Clone, Copy, Debug)]
struct Affine {
    x: Fe,
    y: Fe,
}

/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³); `inf` marks the point at infinity.
#[derive(Clone, Copy, Debug)]
struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
    inf: bool,
}

impl Jacobian {
    const INFINITY: Jacobian = Jacobian {
        x: Fe::ZERO,
        y: Fe::ZERO,
        z: Fe::ZERO,
        inf: true,
    };

    fn from_affine(p: &Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::one(),
            inf: false,
        }
    }

    /// 2·self (EFD dbl-2001-b, a = −3).
    fn double(&self) -> Jacobian {
        if self.inf || self.y.is_zero() {
            return Jacobian::INFINITY;
        }
        let delta = self.z.sq();
        let gamma = self.y.sq();
        let beta = self.x.mul(&gamma);
        let t = self.x.sub(&delta).mul(&self.x.add(&delta));
        let alpha = t.add(&t).add(&t);
        let beta4 = beta.add(&beta).add(&beta.add(&beta));
        let beta8 = beta4.add(&beta4);
        let x3 = alpha.sq().sub(&beta8);
        let z3 = self.y.add(&self.z).sq().sub(&gamma).sub(&delta);
        let g2 = gamma.sq();
        let g2_2 = g2.add(&g2);
        let g2_4 = g2_2.add(&g2_2);
        let g2_8 = g2_4.add(&g2_4);
        let y3 = alpha.mul(&beta4.sub(&x3)).sub(&g2_8);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
            inf: false,
        }
    }

    /// self + q for an affine q (EFD madd-2007-bl), special cases explicit.
    #[inline]
    fn add_affine(&self, q: &Affine) -> Jacobian {
        if self.inf {
            return Jacobian::from_affine(q);
        }
        let z1z1 = self.z.sq();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let s_diff = s2.sub(&self.y);
        if h.is_zero() {
            // Same x: the same point (double) or its negative (infinity).
            return if s_diff.is_zero() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = h.sq();
        let i = hh.add(&hh).add(&hh.add(&hh));
        let j = h.mul(&i);
        let r = s_diff.add(&s_diff);
        let v = self.x.mul(&i);
        let x3 = r.sq().sub(&j).sub(&v.add(&v));
        let yj = self.y.mul(&j);
        let y3 = r.mul(&v.sub(&x3)).sub(&yj.add(&yj));
        let z3 = self.z.add(&h).sq().sub(&z1z1).sub(&hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
            inf: false,
        }
    }
}

/// Convert Jacobian points (none at infinity) to affine with one inversion (Montgomery's
/// trick).
fn batch_to_affine(points: &[Jacobian]) -> Vec<Affine> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::one();
    for p in points {
        prefix.push(acc);
        acc = acc.mul(&p.z);
    }
    let mut inv = acc.invert();
    let mut out = vec![
        Affine {
            x: Fe::ZERO,
            y: Fe::ZERO
        };
        points.len()
    ];
    for (idx, p) in points.iter().enumerate().rev() {
        let zinv = inv.mul(&prefix[idx]);
        inv = inv.mul(&p.z);
        let zinv2 = zinv.sq();
        out[idx] = Affine {
            x: p.x.mul(&zinv2),
            y: p.y.mul(&zinv2).mul(&zinv),
        };
    }
    out
}

/// The fixed-base table of one point: `WINDOWS × HALF` affine points.
pub(crate) struct Table {
    points: Box<[Affine]>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("points", &self.points.len())
            .finish()
    }
}

impl Table {
    /// Build the table of `p` (a valid point of prime order n).
    fn build(p: &Affine) -> Table {
        let mut points = Vec::with_capacity(WINDOWS * HALF);
        let mut base = *p;
        for _ in 0..WINDOWS {
            // k·base for k = 1..=HALF, then 2·HALF·base = 2^W·base, the next window's base.
            let mut row = Vec::with_capacity(HALF + 1);
            let mut m = Jacobian::from_affine(&base);
            row.push(m);
            for _ in 1..HALF {
                m = m.add_affine(&base);
                row.push(m);
            }
            row.push(m.double());
            let affine = batch_to_affine(&row);
            points.extend_from_slice(&affine[..HALF]);
            base = affine[HALF];
        }
        Table {
            points: points.into_boxed_slice(),
        }
    }

    /// ±|d|·2^(W·window)·P.
    #[inline(always)]
    fn entry(&self, window: usize, digit: i8) -> Option<Affine> {
        if digit == 0 {
            return None;
        }
        let idx = window * HALF + usize::from(digit.unsigned_abs()) - 1;
        let p = self.points.get(idx)?;
        Some(if digit < 0 {
            Affine {
                x: p.x,
                y: p.y.neg(),
            }
        } else {
            *p
        })
    }
}

/// Signed radix-2^W digits of a scalar < 2^256 (each in −(HALF−1)..=HALF).
fn recode(k: &[u64; 4]) -> [i8; WINDOWS] {
    let mut digits = [0i8; WINDOWS];
    let mut carry = 0u64;
    for (i, d) in digits.iter_mut().enumerate() {
        let bit = i * W;
        let limb = bit / 64;
        let off = bit % 64;
        let mut w = if limb < 4 { k[limb] >> off } else { 0 };
        if off + W > 64 && limb + 1 < 4 {
            w |= k[limb + 1] << (64 - off);
        }
        let v = (w & ((1 << W) - 1)) + carry;
        if v > HALF as u64 {
            *d = (v as i64 - (1 << W)) as i8;
            carry = 1;
        } else {
            *d = v as i8;
            carry = 0;
        }
    }
    digits
}

fn generator_table() -> &'static Table {
    static G: OnceLock<Table> = OnceLock::new();
    G.get_or_init(|| {
        // The generator constants are valid field elements; the fallback is unreachable.
        let g = Affine {
            x: Fe::from_be(&GX_BYTES).unwrap_or(Fe::ZERO),
            y: Fe::from_be(&GY_BYTES).unwrap_or(Fe::ZERO),
        };
        Table::build(&g)
    })
}

/// Verifications a key serves through the caller's generic path before its table is built.
/// Building costs about 40 generic verifications (≈ 2 ms) and 148 KiB, so only keys that
/// keep being used get one: loading a gateway list of hundreds of DSCs stays cheap, and a
/// one-off check (conformance runs, a single scan) never pays for a table.
pub(crate) const TABLE_AFTER_USES: u32 = 16;

/// A P-256 public key prepared for fast verification: the point, a use counter, and its
/// table once the key is hot.
pub(crate) struct PreparedKey {
    point: Affine,
    uses: AtomicU32,
    table: OnceLock<Table>,
}

impl std::fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedKey")
            .field("table_built", &self.table.get().is_some())
            .finish()
    }
}

impl PreparedKey {
    /// From an uncompressed SEC1 point (`04 || x || y`); `None` unless it is on the curve.
    pub(crate) fn from_sec1(bytes: &[u8]) -> Option<PreparedKey> {
        if bytes.len() != 65 || bytes[0] != 0x04 {
            return None;
        }
        let mut xb = [0u8; 32];
        let mut yb = [0u8; 32];
        xb.copy_from_slice(&bytes[1..33]);
        yb.copy_from_slice(&bytes[33..65]);
        let x = Fe::from_be(&xb)?;
        let y = Fe::from_be(&yb)?;
        let b = Fe::from_be(&B_BYTES)?;
        // y² = x³ − 3x + b
        let rhs = x.sq().mul(&x).sub(&x.add(&x).add(&x)).add(&b);
        if y.sq() != rhs {
            return None;
        }
        // P-256 has cofactor 1: every point on the curve but infinity has order n.
        Some(PreparedKey {
            point: Affine { x, y },
            uses: AtomicU32::new(0),
            table: OnceLock::new(),
        })
    }

    /// Count one use; true when the key has (or should now build) its table, i.e. when the
    /// caller should verify with [`PreparedKey::verify_digest`].
    pub(crate) fn is_hot(&self) -> bool {
        if self.table.get().is_some() {
            return true;
        }
        self.uses.fetch_add(1, Ordering::Relaxed).saturating_add(1) >= TABLE_AFTER_USES
    }

    /// Build the table now (idempotent).
    pub(crate) fn precompute(&self) {
        self.table.get_or_init(|| Table::build(&self.point));
    }

    /// Whether the table has been built.
    pub(crate) fn has_table(&self) -> bool {
        self.table.get().is_some()
    }

    /// Whether the signature (`r || s`, 64 bytes) is valid for the SHA-256 `digest`.
    pub(crate) fn verify_digest(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
        if signature.len() != 64 {
            return false;
        }
        let mut rb = [0u8; 32];
        let mut sb = [0u8; 32];
        rb.copy_from_slice(&signature[..32]);
        sb.copy_from_slice(&signature[32..]);
        let r = limbs_be(&rb);
        let s = limbs_be(&sb);
        if is_zero(&r) || is_zero(&s) || !lt(&r, &N) || !lt(&s, &N) {
            return false;
        }
        // e = digest mod n (a 256-bit digest is < 2n).
        let mut e = limbs_be(digest);
        if !lt(&e, &N) {
            e = sub_limbs(&e, &N);
        }
        let Some(w) = inv_mod_n(&s) else {
            return false;
        };
        let w = Sc::from_limbs(&w);
        let u1 = Sc::from_limbs(&e).mul(&w).to_limbs();
        let u2 = Sc::from_limbs(&r).mul(&w).to_limbs();
        let d1 = recode(&u1);
        let d2 = recode(&u2);
        let gt = generator_table();
        let qt = self.table.get_or_init(|| Table::build(&self.point));
        let mut acc = Jacobian::INFINITY;
        for i in 0..WINDOWS {
            if let Some(p) = gt.entry(i, d1[i]) {
                acc = acc.add_affine(&p);
            }
            if let Some(p) = qt.entry(i, d2[i]) {
                acc = acc.add_affine(&p);
            }
        }
        if acc.inf {
            return false;
        }
        // x(R) mod n == r  ⇔  X == r·Z² or (r + n < p and X == (r + n)·Z²).
        let z2 = acc.z.sq();
        let Some(r_fe) = Fe::from_limbs(&r) else {
            return false;
        };
        if r_fe.mul(&z2) == acc.x {
            return true;
        }
        let (r_plus_n, carry) = add_limbs(&r, &N);
        if !carry {
            if let Some(rn) = Fe::from_limbs(&r_plus_n) {
                return rn.mul(&z2) == acc.x;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests;
