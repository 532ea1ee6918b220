/**
 * BabyBear Montgomery arithmetic shared by the field and NTT kernels (R = 2^32).
 *
 * Values crossing the kernel interface are canonical (in [0, p)); only constants (twiddles,
 * scalars) are kept in Montgomery form, so that mont(x, cR) = x * c comes out canonical with one
 * reduction. The reduction is the "signed" variant: with m = t * p^-1 mod 2^32, the low words of
 * t and m * p agree, so (t - m p) / 2^32 = hi(t) - hi(m p) lies in (-p, p) and needs one fix-up.
 * This keeps the SIMD version to two widening multiplies per pair of lanes (wasm has no mulhi).
 * Reference: P. Montgomery, "Modular multiplication without trial division", 1985.
 */

export const P: u32 = 0x78000001;
/** p^-1 mod 2^32. */
export const P_INV: u32 = 0x88000001;
/** 2^64 mod p: mont(x, R2) = x * R, the conversion into Montgomery form. */
export const R2: u32 = 0x45dddde3;

/** x * y / 2^32 mod p, canonical when x * y < p * 2^32 (e.g. both below p, or one below 2^32 and one below p). */
@inline export function mmul(x: u32, y: u32): u32 {
  const t = <u64>x * <u64>y;
  const m = <u32>t * P_INV;
  const d = <u32>(t >> 32) - <u32>((<u64>m * <u64>P) >> 32);
  return <i32>d < 0 ? d + P : d;
}

@inline export function fadd(x: u32, y: u32): u32 {
  const s = x + y;
  return s >= P ? s - P : s;
}

@inline export function fsub(x: u32, y: u32): u32 {
  const d = x - y;
  return x < y ? d + P : d;
}

/** Canonical product of canonical x and y: two reductions, the second one by R^2. */
@inline export function fmul(x: u32, y: u32): u32 {
  return mmul(mmul(x, y), R2);
}

/** x^e for canonical x (square and multiply in Montgomery form). */
export function fpow(x: u32, e: u32): u32 {
  let b = mmul(x, R2);
  let r: u32 = mmul(1, R2);
  while (e != 0) {
    if (e & 1) r = mmul(r, b);
    b = mmul(b, b);
    e >>= 1;
  }
  return mmul(r, 1);
}

// SIMD versions, four lanes of u32.

@inline export function vmmul(x: v128, y: v128): v128 {
  const pv = i32x4.splat(P);
  const tl = i64x2.extmul_low_i32x4_u(x, y);
  const th = i64x2.extmul_high_i32x4_u(x, y);
  const tlo = v128.shuffle<i32>(tl, th, 0, 2, 4, 6);
  const thi = v128.shuffle<i32>(tl, th, 1, 3, 5, 7);
  const m = i32x4.mul(tlo, i32x4.splat(P_INV));
  const ml = i64x2.extmul_low_i32x4_u(m, pv);
  const mh = i64x2.extmul_high_i32x4_u(m, pv);
  const mhi = v128.shuffle<i32>(ml, mh, 1, 3, 5, 7);
  const d = i32x4.sub(thi, mhi);
  return i32x4.min_u(d, i32x4.add(d, pv));
}

@inline export function vadd(x: v128, y: v128): v128 {
  const s = i32x4.add(x, y);
  return i32x4.min_u(s, i32x4.sub(s, i32x4.splat(P)));
}

@inline export function vsub(x: v128, y: v128): v128 {
  const d = i32x4.sub(x, y);
  return i32x4.min_u(d, i32x4.add(d, i32x4.splat(P)));
}

/**
 * x * w mod p by Shoup's method, for any u32 x, canonical w and ws = floor(w * 2^32 / p): with
 * q = hi(x * ws), x * w - q * p lies in [0, 2p), so the low 32 bits suffice. Three multiplies and
 * one correction; the NTT twiddles carry their ws (a precomputed constant per twiddle).
 * Reference: V. Shoup, NTL; D. Harvey, "Faster arithmetic for number-theoretic transforms", 2014.
 */
@inline export function shoup(x: u32, w: u32, ws: u32): u32 {
  const q = <u32>((<u64>x * <u64>ws) >> 32);
  const r = x * w - q * P;
  return r >= P ? r - P : r;
}

@inline export function vshoup(x: v128, w: v128, ws: v128): v128 {
  const ql = i64x2.extmul_low_i32x4_u(x, ws);
  const qh = i64x2.extmul_high_i32x4_u(x, ws);
  const q = v128.shuffle<i32>(ql, qh, 1, 3, 5, 7);
  const pv = i32x4.splat(P);
  const r = i32x4.sub(i32x4.mul(x, w), i32x4.mul(q, pv));
  return i32x4.min_u(r, i32x4.sub(r, pv));
}

/** floor(w * 2^32 / p): the Shoup companion of a canonical constant w. */
@inline export function shoupOf(w: u32): u32 {
  return <u32>((<u64>w << 32) / <u64>P);
}
