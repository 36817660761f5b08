//! Unit tests of the table path: recoding, group law, scalar inverse, off-curve keys.

use super::*;

#[test]
fn recode_reconstructs_the_scalar() {
    // Σ d_i · 2^(6i) == k, checked with i128 arithmetic on the low 120 bits and by
    // rebuilding all 256 bits limb-wise.
    for k in [
        [0u64; 4],
        [1, 0, 0, 0],
        N,
        [u64::MAX; 4],
        [0x8421_0842_1084_2108, 0xffff_0000_ffff_0000, 3, 1 << 63],
    ] {
        let d = recode(&k);
        // Rebuild: value = Σ d_i 2^(6i) with a 5-limb signed accumulator.
        let mut acc = [0i128; 5];
        for (i, &di) in d.iter().enumerate() {
            let bit = i * W;
            let limb = bit / 64;
            let off = bit % 64;
            let v = i128::from(di) << off;
            acc[limb] += v & ((1i128 << 64) - 1);
            acc[limb + 1] += v >> 64;
        }
        for i in 0..4 {
            let carry = acc[i] >> 64;
            acc[i] &= (1i128 << 64) - 1;
            acc[i + 1] += carry;
        }
        for i in 0..4 {
            assert_eq!(acc[i] as u64, k[i], "limb {i}");
        }
        assert_eq!(acc[4], 0);
        assert!(d
            .iter()
            .all(|&x| (1 - HALF as i64..=HALF as i64).contains(&i64::from(x))));
    }
}

#[test]
fn generator_is_on_the_curve_and_n_times_g_is_infinity() {
    let mut sec1 = vec![4u8];
    sec1.extend_from_slice(&GX_BYTES);
    sec1.extend_from_slice(&GY_BYTES);
    let key = PreparedKey::from_sec1(&sec1).expect("G is on the curve");
    // (n−1)·G + G = ∞ through the table path: digits of n−1, then add G.
    let mut nm1 = N;
    nm1[0] -= 1;
    let d = recode(&nm1);
    let t = generator_table();
    let mut acc = Jacobian::INFINITY;
    for (i, &di) in d.iter().enumerate() {
        if let Some(p) = t.entry(i, di) {
            acc = acc.add_affine(&p);
        }
    }
    let after = acc.add_affine(&key.point);
    assert!(after.inf);
    // and (n−1)·G is −G
    let zinv = acc.z.invert();
    assert_eq!(acc.x.mul(&zinv.sq()), key.point.x);
    assert_eq!(acc.y.mul(&zinv.sq()).mul(&zinv), key.point.y.neg());
}

#[test]
fn off_curve_and_malformed_points_are_refused() {
    let mut sec1 = vec![4u8];
    sec1.extend_from_slice(&GX_BYTES);
    sec1.extend_from_slice(&GY_BYTES);
    sec1[64] ^= 1;
    assert!(PreparedKey::from_sec1(&sec1).is_none());
    assert!(PreparedKey::from_sec1(&[4u8; 64]).is_none());
    let mut big = vec![4u8];
    big.extend_from_slice(&[0xff; 64]);
    assert!(PreparedKey::from_sec1(&big).is_none());
}

#[test]
fn scalar_inverse_is_an_inverse() {
    let mut n_minus_1 = N;
    n_minus_1[0] -= 1;
    for v in [
        [1u64, 0, 0, 0],
        [2, 0, 0, 0],
        [12345, 6789, 0, 42],
        n_minus_1,
        [u64::MAX, 1, 2, 3],
    ] {
        let inv = inv_mod_n(&v).expect("invertible");
        let one = Sc::from_limbs(&v).mul(&Sc::from_limbs(&inv)).to_limbs();
        assert_eq!(one, [1, 0, 0, 0]);
    }
    assert!(inv_mod_n(&[0; 4]).is_none());
    assert!(inv_mod_n(&N).is_none());
}
