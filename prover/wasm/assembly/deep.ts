/**
 * Kernels for the PCS's two extension-field hot loops (prover/pcs.ts, prover/fri/index.ts): the
 * DEEP quotient (row combinations, batched inverses of x - z, accumulation) and the binary FRI
 * fold. Ext4 elements are four consecutive canonical u32 (F[x]/(x^4 - 11)); every pointer is a
 * byte offset, every count an element count. Constants are converted to Montgomery form here, so
 * the host passes canonical values only, except `ext_combine_rows`' powers (documented there).
 * SIMD layout: one v128 is one ext4 element. A product a * b is sum_k a_k * (b x^k), so with the
 * four "rotations" b x^k of a constant b precomputed (in Montgomery form) it costs four lane-wise
 * Montgomery products of splat(a_k) by them, instead of 16 scalar ones. No allocation, no static
 * state.
 */
import { P, R2, mmul, fadd, fsub, fpow, vmmul, vadd, vsub } from './_mont';

const W: u32 = 11;

@inline function toMont(x: u32): u32 {
  return mmul(x, R2);
}

@inline function vec4(a: u32, b: u32, c: u32, d: u32): v128 {
  let v = i32x4.splat(a);
  v = i32x4.replace_lane(v, 1, b);
  v = i32x4.replace_lane(v, 2, c);
  return i32x4.replace_lane(v, 3, d);
}

@inline function lane(v: v128, k: i32): v128 {
  if (k == 0) return v128.shuffle<i32>(v, v, 0, 0, 0, 0);
  if (k == 1) return v128.shuffle<i32>(v, v, 1, 1, 1, 1);
  if (k == 2) return v128.shuffle<i32>(v, v, 2, 2, 2, 2);
  return v128.shuffle<i32>(v, v, 3, 3, 3, 3);
}

/** a * b for a canonical, with b given by its rotations (b x^k, each lane in Montgomery form). */
@inline function vextMul(a: v128, b0: v128, b1: v128, b2: v128, b3: v128): v128 {
  return vadd(vadd(vmmul(lane(a, 0), b0), vmmul(lane(a, 1), b1)), vadd(vmmul(lane(a, 2), b2), vmmul(lane(a, 3), b3)));
}

/** The k-th rotation b x^k of a canonical (b0..b3), each lane converted by one (`twice` false) or two toMont. */
@inline function rot(k: i32, b0: u32, b1: u32, b2: u32, b3: u32, twice: bool): v128 {
  const wb1 = m(W, b1), wb2 = m(W, b2), wb3 = m(W, b3);
  let v: v128;
  if (k == 0) v = vec4(b0, b1, b2, b3);
  else if (k == 1) v = vec4(wb3, b0, b1, b2);
  else if (k == 2) v = vec4(wb2, wb3, b0, b1);
  else v = vec4(wb1, wb2, wb3, b0);
  const r2 = i32x4.splat(R2);
  v = vmmul(v, r2);
  return twice ? vmmul(v, r2) : v;
}

/** Canonical product of canonical x and y. */
@inline function m(x: u32, y: u32): u32 {
  return mmul(mmul(x, y), R2);
}

/**
 * ext_combine_rows: out[i] = sum_j mat[i * width + j] * pow_j for `rows` rows, where `powm` holds
 * `width` ext4 values IN MONTGOMERY FORM (pow_j * 2^32 mod p, coefficient-wise).
 */
export function ext_combine_rows(out: usize, mat: usize, width: u32, rows: u32, powm: usize): void {
  for (let i: u32 = 0; i < rows; i++) {
    let c = i32x4.splat(0);
    const row = mat + ((<usize>i * <usize>width) << 2);
    for (let j: u32 = 0; j < width; j++) {
      c = vadd(c, vmmul(i32x4.splat(load<u32>(row + (<usize>j << 2))), v128.load(powm + (<usize>j << 4))));
    }
    v128.store(out + (<usize>i << 4), c);
  }
}

/** deep_accumulate: acc[i] += c * (r[i] - rz) for n ext values; c and rz canonical. */
export function deep_accumulate(acc: usize, r: usize, n: u32, rz0: u32, rz1: u32, rz2: u32, rz3: u32, k0: u32, k1: u32, k2: u32, k3: u32): void {
  const q0 = rot(0, k0, k1, k2, k3, false), q1 = rot(1, k0, k1, k2, k3, false), q2 = rot(2, k0, k1, k2, k3, false), q3 = rot(3, k0, k1, k2, k3, false);
  const rz = vec4(rz0, rz1, rz2, rz3);
  for (let u: u32 = 0; u < n; u++) {
    const o = acc + (<usize>u << 4);
    const d = vsub(v128.load(r + (<usize>u << 4)), rz);
    v128.store(o, vadd(v128.load(o), vextMul(d, q0, q1, q2, q3)));
  }
}

/**
 * ext_combine_rows_acc: acc[i] += sum_j mat[i * width + j] * pow_j - rz for `rows` rows, with
 * `powm` in Montgomery form as for `ext_combine_rows` and rz canonical. This is one DEEP term
 * whose alpha offset is already folded into the powers.
 */
export function ext_combine_rows_acc(acc: usize, mat: usize, width: u32, rows: u32, powm: usize, rz0: u32, rz1: u32, rz2: u32, rz3: u32): void {
  const rz = vec4(rz0, rz1, rz2, rz3);
  for (let i: u32 = 0; i < rows; i++) {
    const o = acc + (<usize>i << 4);
    let c = vsub(v128.load(o), rz);
    const row = mat + ((<usize>i * <usize>width) << 2);
    for (let j: u32 = 0; j < width; j++) {
      c = vadd(c, vmmul(i32x4.splat(load<u32>(row + (<usize>j << 2))), v128.load(powm + (<usize>j << 4))));
    }
    v128.store(o, c);
  }
}

/**
 * deep_divide_acc: out[i] += acc[i] / (xs[i] - z) for n points, without an extension inversion:
 * 1 / (x - z) = c(x) / m(x), where m(X) = prod_k (X - z^(p^k)) has base coefficients
 * (m0, m1, m2, m3; m is monic of degree 4) and c(X) = m(X) / (X - z) is a monic cubic with
 * ext4 coefficients (`cc` points to c0, c1, c2: 12 words). m(x) = 0 only when x = z, for base x.
 * `scratch` holds 2 n words. Returns 0, or 1 + i when m(xs[i]) = 0 (nothing is written then).
 */
export function deep_divide_acc(out: usize, acc: usize, xs: usize, n: u32, m0: u32, m1: u32, m2: u32, m3: u32, cc: usize, scratch: usize): u32 {
  // Pass 1: t_i = m(x_i) (Montgomery form) and prefix products (Montgomery form).
  let pre = toMont(1);
  for (let i: u32 = 0; i < n; i++) {
    const xm = toMont(load<u32>(xs + (<usize>i << 2)));
    let t = fadd(load<u32>(xs + (<usize>i << 2)), m3);
    t = fadd(mmul(t, xm), m2);
    t = fadd(mmul(t, xm), m1);
    t = fadd(mmul(t, xm), m0);
    if (t == 0) return i + 1;
    const tm = toMont(t);
    store<u32>(scratch + (<usize>i << 2), tm);
    store<u32>(scratch + ((<usize>n + i) << 2), pre);
    pre = mmul(pre, tm);
  }
  // inverse of the product, in Montgomery form: (aR)^-1 R^2 = a^-1 R.
  let inv = toMont(toMont(fpow(pre, P - 2)));
  const c0v = v128.load(cc), c1v = v128.load(cc + 16), c2v = v128.load(cc + 32);
  // (11 R, R, R, R): multiplies lane 0 by W and keeps the others, in Montgomery form.
  const wv = vec4(toMont(W), toMont(1), toMont(1), toMont(1));
  const r2v = i32x4.splat(R2);
  for (let k: i32 = <i32>n - 1; k >= 0; k--) {
    const tm = load<u32>(scratch + (<usize>k << 2));
    const im = mmul(inv, load<u32>(scratch + ((<usize>n + <usize>k) << 2))); // 1 / m(x_k), Montgomery
    inv = mmul(inv, tm);
    const x = load<u32>(xs + (<usize>k << 2));
    const xm = i32x4.splat(toMont(x));
    // c(x) = ((x + c2) x + c1) x + c0 (canonical), then e = c(x) / m(x) in Montgomery form
    let e = vadd(c2v, vec4(x, 0, 0, 0));
    e = vadd(vmmul(e, xm), c1v);
    e = vadd(vmmul(e, xm), c0v);
    const em = vmmul(vmmul(e, i32x4.splat(im)), r2v);
    // rotations e x^k (Montgomery form): shift lanes up, lane 0 gets W times the old lane 3
    const e1 = vmmul(v128.shuffle<i32>(em, em, 3, 0, 1, 2), wv);
    const e2 = vmmul(v128.shuffle<i32>(e1, e1, 3, 0, 1, 2), wv);
    const e3 = vmmul(v128.shuffle<i32>(e2, e2, 3, 0, 1, 2), wv);
    const o = out + (<usize>k << 4);
    v128.store(o, vadd(v128.load(o), vextMul(v128.load(acc + (<usize>k << 4)), em, e1, e2, e3)));
  }
  return 0;
}

/** ext_powers: out[i] = z^i for i < n (canonical ext4 values). */
export function ext_powers(out: usize, n: u32, z0: u32, z1: u32, z2: u32, z3: u32): void {
  const m0 = toMont(z0), m1 = toMont(z1), m2 = toMont(z2), m3 = toMont(z3);
  const wm = toMont(W);
  const w1 = mmul(m1, wm), w2 = mmul(m2, wm), w3 = mmul(m3, wm);
  let a0: u32 = 1, a1: u32 = 0, a2: u32 = 0, a3: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const o = out + (<usize>i << 4);
    store<u32>(o, a0);
    store<u32>(o + 4, a1);
    store<u32>(o + 8, a2);
    store<u32>(o + 12, a3);
    const t0 = fadd(fadd(mmul(a0, m0), mmul(a1, w3)), fadd(mmul(a2, w2), mmul(a3, w1)));
    const t1 = fadd(fadd(mmul(a0, m1), mmul(a1, m0)), fadd(mmul(a2, w3), mmul(a3, w2)));
    const t2 = fadd(fadd(mmul(a0, m2), mmul(a1, m1)), fadd(mmul(a2, m0), mmul(a3, w3)));
    const t3 = fadd(fadd(mmul(a0, m3), mmul(a1, m2)), fadd(mmul(a2, m1), mmul(a3, m0)));
    a0 = t0; a1 = t1; a2 = t2; a3 = t3;
  }
}

/**
 * ext_dot_columns: acc[c] += sum_i mat[i * width + c] * pow_i for every column c < width over
 * `rows` rows; `pows` are canonical ext4 values (converted here), acc holds width ext4 values.
 */
export function ext_dot_columns(acc: usize, mat: usize, width: u32, rows: u32, pows: usize): void {
  const r2v = i32x4.splat(R2);
  for (let i: u32 = 0; i < rows; i++) {
    const pm = vmmul(v128.load(pows + (<usize>i << 4)), r2v);
    const row = mat + ((<usize>i * <usize>width) << 2);
    for (let c: u32 = 0; c < width; c++) {
      const o = acc + (<usize>c << 4);
      v128.store(o, vadd(v128.load(o), vmmul(i32x4.splat(load<u32>(row + (<usize>c << 2))), pm)));
    }
  }
}

/**
 * fri_fold_scaled: one binary FRI fold. inp holds 2 n ext values (pairs at x_u, -x_u), and
 * 1/(2 x_u) = scale * table[u] (both canonical: a chunk's inverse points are one constant times a
 * table shared by every chunk of the layer, see fri/_wasm.ts);
 * out[u] = (v0 + v1) / 2 + beta (v0 - v1) / (2 x_u). out may not alias inp.
 */
export function fri_fold_scaled(out: usize, inp: usize, table: usize, scale: u32, n: u32, b0: u32, b1: u32, b2: u32, b3: u32): void {
  const r0 = rot(0, b0, b1, b2, b3, true), r1 = rot(1, b0, b1, b2, b3, true), r2 = rot(2, b0, b1, b2, b3, true), r3 = rot(3, b0, b1, b2, b3, true);
  const inv2 = i32x4.splat(toMont((P + 1) >> 1));
  const sm = toMont(scale);
  for (let u: u32 = 0; u < n; u++) {
    const i = inp + (<usize>u << 5);
    const v0 = v128.load(i);
    const v1 = v128.load(i + 16);
    const sum = vmmul(vadd(v0, v1), inv2);
    const ix = mmul(load<u32>(table + (<usize>u << 2)), sm);
    const d = vmmul(vsub(v0, v1), i32x4.splat(ix));
    v128.store(out + (<usize>u << 4), vadd(sum, vextMul(d, r0, r1, r2, r3)));
  }
}
