/**
 * BabyBear vector kernels over canonical u32 arrays in linear memory: add, sub, mul, mul-add,
 * scalar multiply and scalar add, and the Montgomery conversions for callers that keep a
 * Montgomery-form operand around (one reduction per product instead of two).
 *
 * Every function takes byte pointers and an element count n; outputs may alias inputs (the work is
 * element-wise). Four lanes at a time with SIMD, scalar tail. No allocation and no static data, so
 * one instance per thread over the shared memory is safe.
 */
import { P, R2, mmul, fadd, fsub, vmmul, vadd, vsub, shoup, vshoup, shoupOf } from './_mont';

/** out[i] = a[i] + b[i]. */
export function bb_add(out: usize, a: usize, b: usize, n: u32): void {
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vadd(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, fadd(load<u32>(a + o), load<u32>(b + o)));
  }
}

/** out[i] = a[i] - b[i]. */
export function bb_sub(out: usize, a: usize, b: usize, n: u32): void {
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vsub(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, fsub(load<u32>(a + o), load<u32>(b + o)));
  }
}

/** out[i] = a[i] * b[i] (two Montgomery reductions per product: canonical in, canonical out). */
export function bb_mul(out: usize, a: usize, b: usize, n: u32): void {
  const r2 = i32x4.splat(R2);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vmmul(vmmul(v128.load(a + o), v128.load(b + o)), r2));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, mmul(mmul(load<u32>(a + o), load<u32>(b + o)), R2));
  }
}

/** out[i] = a[i] * b[i] + c[i]. */
export function bb_mul_add(out: usize, a: usize, b: usize, c: usize, n: u32): void {
  const r2 = i32x4.splat(R2);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vadd(vmmul(vmmul(v128.load(a + o), v128.load(b + o)), r2), v128.load(c + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, fadd(mmul(mmul(load<u32>(a + o), load<u32>(b + o)), R2), load<u32>(c + o)));
  }
}

/** out[i] = a[i] * s for a canonical scalar s (Shoup's method: the constant's companion once per call). */
export function bb_scale(out: usize, a: usize, s: u32, n: u32): void {
  const ss = shoupOf(s);
  const sv = i32x4.splat(s);
  const ssv = i32x4.splat(ss);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vshoup(v128.load(a + o), sv, ssv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, shoup(load<u32>(a + o), s, ss));
  }
}

/** out[i] = a[i] + s. */
export function bb_add_scalar(out: usize, a: usize, s: u32, n: u32): void {
  const sv = i32x4.splat(s);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vadd(v128.load(a + o), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, fadd(load<u32>(a + o), s));
  }
}

/** out[i] = a[i] * R mod p (into Montgomery form). */
export function bb_to_mont(out: usize, a: usize, n: u32): void {
  bb_mont_scalar(out, a, R2, n);
}

/** out[i] = a[i] / R mod p (out of Montgomery form). */
export function bb_from_mont(out: usize, a: usize, n: u32): void {
  bb_mont_scalar(out, a, 1, n);
}

/**
 * out[i] = a[i] * b[i] / R mod p: the raw Montgomery product, one reduction. With b in Montgomery
 * form (bb_to_mont) this is the canonical product; it is also the unit the NTT butterflies use.
 */
export function bb_mont_mul(out: usize, a: usize, b: usize, n: u32): void {
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vmmul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, mmul(load<u32>(a + o), load<u32>(b + o)));
  }
}

/** Scalar-only twin of bb_mont_mul, kept to measure what SIMD buys. */
export function bb_mont_mul_scalar(out: usize, a: usize, b: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, mmul(load<u32>(a + o), load<u32>(b + o)));
  }
}

/**
 * Multiplies the vector in place by itself `rounds` times with a Montgomery-form factor: a
 * dependency-free stream of products that measures raw multiplication throughput (bench only).
 */
export function bb_mul_throughput(a: usize, fMont: u32, n: u32, rounds: u32): void {
  const fv = i32x4.splat(fMont);
  for (let r: u32 = 0; r < rounds; r++) {
    for (let i: u32 = 0; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(a + o, vmmul(v128.load(a + o), fv));
    }
  }
}

@inline function bb_mont_scalar(out: usize, a: usize, s: u32, n: u32): void {
  const sv = i32x4.splat(s);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, vmmul(v128.load(a + o), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<u32>(out + o, mmul(load<u32>(a + o), s));
  }
}

/** The modulus, for loaders that want to check they speak to the right field. */
export function bb_modulus(): u32 {
  return P;
}
