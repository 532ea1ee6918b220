/**
 * Kernels for the PCS's two extension-field hot loops (prover/pcs.ts, prover/fri/index.ts): the
 * DEEP quotient (row combinations, batched inverses of x - z, accumulation) and the binary FRI
 * fold. Ext4 elements are four consecutive canonical u32 (F[x]/(x^4 - 11)); every pointer is a
 * byte offset, every count an element count. Constants are converted to Montgomery form here, so
 * the host passes canonical values only, except `ext_combine_rows`' powers (documented there).
 * Scalar code: each output element needs a full 4x4 product, which does not map onto 4 lanes
 * without shuffles that cost more than they save. No allocation, no static state.
 */
import { P, R2, mmul, fadd, fsub, fpow } from './_mont';

const W: u32 = 11;

@inline function toMont(x: u32): u32 {
  return mmul(x, R2);
}

/** Canonical inverse of a canonical ext4 element (norm to the quadratic subfield, then to F). */
@inline function m(x: u32, y: u32): u32 {
  return mmul(mmul(x, y), R2);
}

function extInvCanon(a0: u32, a1: u32, a2: u32, a3: u32, out: usize): void {
  const b0 = fsub(fadd(m(a0, a0), m(W, m(a2, a2))), m(2 * W, m(a1, a3)));
  const b1 = fsub(fsub(m(2, m(a0, a2)), m(a1, a1)), m(W, m(a3, a3)));
  const norm = fsub(m(b0, b0), m(W, m(b1, b1)));
  const ni = fpow(norm, P - 2);
  const c0 = m(b0, ni);
  const c2 = fsub(0, m(b1, ni));
  // (a0 - a1 x + a2 x^2 - a3 x^3) * (c0 + c2 x^2)
  const n1 = fsub(0, a1);
  const n3 = fsub(0, a3);
  store<u32>(out, fadd(m(a0, c0), m(W, m(a2, c2))));
  store<u32>(out + 4, fadd(m(n1, c0), m(W, m(n3, c2))));
  store<u32>(out + 8, fadd(m(a0, c2), m(a2, c0)));
  store<u32>(out + 12, fadd(m(n1, c2), m(n3, c0)));
}

/**
 * fri_fold: one binary FRI fold. inp holds 2 n ext values (pairs at x, -x), invx2[u] = 1/(2 x_u)
 * canonical; out[u] = (v0 + v1) / 2 + beta (v0 - v1) / (2 x_u). out may not alias inp.
 */
export function fri_fold(out: usize, inp: usize, invx2: usize, n: u32, b0: u32, b1: u32, b2: u32, b3: u32): void {
  // beta * R^2, so that mmul(mmul(d, invx2), beta R^2) = d invx2 beta.
  const m0 = toMont(toMont(b0)), m1 = toMont(toMont(b1)), m2 = toMont(toMont(b2)), m3 = toMont(toMont(b3));
  const w1 = mmul(m1, toMont(W)), w2 = mmul(m2, toMont(W)), w3 = mmul(m3, toMont(W));
  const inv2m = toMont((P + 1) >> 1);
  for (let u: u32 = 0; u < n; u++) {
    const i = inp + (<usize>u << 5);
    const ix = load<u32>(invx2 + (<usize>u << 2));
    const s0 = mmul(fadd(load<u32>(i), load<u32>(i + 16)), inv2m);
    const s1 = mmul(fadd(load<u32>(i + 4), load<u32>(i + 20)), inv2m);
    const s2 = mmul(fadd(load<u32>(i + 8), load<u32>(i + 24)), inv2m);
    const s3 = mmul(fadd(load<u32>(i + 12), load<u32>(i + 28)), inv2m);
    const d0 = mmul(fsub(load<u32>(i), load<u32>(i + 16)), ix);
    const d1 = mmul(fsub(load<u32>(i + 4), load<u32>(i + 20)), ix);
    const d2 = mmul(fsub(load<u32>(i + 8), load<u32>(i + 24)), ix);
    const d3 = mmul(fsub(load<u32>(i + 12), load<u32>(i + 28)), ix);
    const o = out + (<usize>u << 4);
    store<u32>(o, fadd(s0, fadd(fadd(mmul(d0, m0), mmul(d1, w3)), fadd(mmul(d2, w2), mmul(d3, w1)))));
    store<u32>(o + 4, fadd(s1, fadd(fadd(mmul(d0, m1), mmul(d1, m0)), fadd(mmul(d2, w3), mmul(d3, w2)))));
    store<u32>(o + 8, fadd(s2, fadd(fadd(mmul(d0, m2), mmul(d1, m1)), fadd(mmul(d2, m0), mmul(d3, w3)))));
    store<u32>(o + 12, fadd(s3, fadd(fadd(mmul(d0, m3), mmul(d1, m2)), fadd(mmul(d2, m1), mmul(d3, m0)))));
  }
}

/**
 * ext_combine_rows: out[i] = sum_j mat[i * width + j] * pow_j for `rows` rows, where `powm` holds
 * `width` ext4 values IN MONTGOMERY FORM (pow_j * 2^32 mod p, coefficient-wise).
 */
export function ext_combine_rows(out: usize, mat: usize, width: u32, rows: u32, powm: usize): void {
  for (let i: u32 = 0; i < rows; i++) {
    let c0: u32 = 0, c1: u32 = 0, c2: u32 = 0, c3: u32 = 0;
    const row = mat + ((<usize>i * <usize>width) << 2);
    for (let j: u32 = 0; j < width; j++) {
      const v = load<u32>(row + (<usize>j << 2));
      const a = powm + (<usize>j << 4);
      c0 = fadd(c0, mmul(v, load<u32>(a)));
      c1 = fadd(c1, mmul(v, load<u32>(a + 4)));
      c2 = fadd(c2, mmul(v, load<u32>(a + 8)));
      c3 = fadd(c3, mmul(v, load<u32>(a + 12)));
    }
    const o = out + (<usize>i << 4);
    store<u32>(o, c0);
    store<u32>(o + 4, c1);
    store<u32>(o + 8, c2);
    store<u32>(o + 12, c3);
  }
}

/** deep_accumulate: acc[i] += c * (r[i] - rz) for n ext values; c and rz canonical. */
export function deep_accumulate(acc: usize, r: usize, n: u32, rz0: u32, rz1: u32, rz2: u32, rz3: u32, k0: u32, k1: u32, k2: u32, k3: u32): void {
  const m0 = toMont(k0), m1 = toMont(k1), m2 = toMont(k2), m3 = toMont(k3);
  const wm = toMont(W);
  const w1 = mmul(m1, wm), w2 = mmul(m2, wm), w3 = mmul(m3, wm);
  for (let u: u32 = 0; u < n; u++) {
    const ri = r + (<usize>u << 4);
    const d0 = fsub(load<u32>(ri), rz0);
    const d1 = fsub(load<u32>(ri + 4), rz1);
    const d2 = fsub(load<u32>(ri + 8), rz2);
    const d3 = fsub(load<u32>(ri + 12), rz3);
    const o = acc + (<usize>u << 4);
    store<u32>(o, fadd(load<u32>(o), fadd(fadd(mmul(d0, m0), mmul(d1, w3)), fadd(mmul(d2, w2), mmul(d3, w1)))));
    store<u32>(o + 4, fadd(load<u32>(o + 4), fadd(fadd(mmul(d0, m1), mmul(d1, m0)), fadd(mmul(d2, w3), mmul(d3, w2)))));
    store<u32>(o + 8, fadd(load<u32>(o + 8), fadd(fadd(mmul(d0, m2), mmul(d1, m1)), fadd(mmul(d2, m0), mmul(d3, w3)))));
    store<u32>(o + 12, fadd(load<u32>(o + 12), fadd(fadd(mmul(d0, m3), mmul(d1, m2)), fadd(mmul(d2, m1), mmul(d3, m0)))));
  }
}

/** deep_combine: out[i] += a[i] * b[i] for n ext values, all canonical. */
export function deep_combine(out: usize, a: usize, b: usize, n: u32): void {
  const wm = toMont(W);
  for (let u: u32 = 0; u < n; u++) {
    const ai = a + (<usize>u << 4);
    const bi = b + (<usize>u << 4);
    const a0 = toMont(load<u32>(ai)), a1 = toMont(load<u32>(ai + 4)), a2 = toMont(load<u32>(ai + 8)), a3 = toMont(load<u32>(ai + 12));
    const b0 = load<u32>(bi), b1 = load<u32>(bi + 4), b2 = load<u32>(bi + 8), b3 = load<u32>(bi + 12);
    const o = out + (<usize>u << 4);
    const t0 = fadd(mmul(a0, b0), mmul(fadd(fadd(mmul(a1, b3), mmul(a2, b2)), mmul(a3, b1)), wm));
    const t1 = fadd(fadd(mmul(a0, b1), mmul(a1, b0)), mmul(fadd(mmul(a2, b3), mmul(a3, b2)), wm));
    const t2 = fadd(fadd(mmul(a0, b2), mmul(a1, b1)), fadd(mmul(a2, b0), mmul(mmul(a3, b3), wm)));
    const t3 = fadd(fadd(mmul(a0, b3), mmul(a1, b2)), fadd(mmul(a2, b1), mmul(a3, b0)));
    store<u32>(o, fadd(load<u32>(o), t0));
    store<u32>(o + 4, fadd(load<u32>(o + 4), t1));
    store<u32>(o + 8, fadd(load<u32>(o + 8), t2));
    store<u32>(o + 12, fadd(load<u32>(o + 12), t3));
  }
}

/** Montgomery-domain ext product of (a0..a3) and the ext at b, stored at out (all Montgomery form). */
@inline function mulMontStore(out: usize, a0: u32, a1: u32, a2: u32, a3: u32, b: usize, wm: u32): void {
  const b0 = load<u32>(b), b1 = load<u32>(b + 4), b2 = load<u32>(b + 8), b3 = load<u32>(b + 12);
  store<u32>(out, fadd(mmul(a0, b0), mmul(fadd(fadd(mmul(a1, b3), mmul(a2, b2)), mmul(a3, b1)), wm)));
  store<u32>(out + 4, fadd(fadd(mmul(a0, b1), mmul(a1, b0)), mmul(fadd(mmul(a2, b3), mmul(a3, b2)), wm)));
  store<u32>(out + 8, fadd(fadd(mmul(a0, b2), mmul(a1, b1)), fadd(mmul(a2, b0), mmul(mmul(a3, b3), wm))));
  store<u32>(out + 12, fadd(fadd(mmul(a0, b3), mmul(a1, b2)), fadd(mmul(a2, b1), mmul(a3, b0))));
}

/**
 * deep_inverse_den: out[i] = 1 / (xs[i] - z) for n base points xs (canonical), z canonical ext4,
 * with one extension inversion (Montgomery's trick). `prefix` is scratch of 4 n + 8 words.
 * Returns 0, or 1 + i when xs[i] = z (nothing useful is written then).
 */
export function deep_inverse_den(out: usize, xs: usize, n: u32, z0: u32, z1: u32, z2: u32, z3: u32, prefix: usize): u32 {
  const wm = toMont(W);
  const n1 = toMont(fsub(0, z1)), n2 = toMont(fsub(0, z2)), n3 = toMont(fsub(0, z3));
  const acc = prefix + (<usize>n << 4);
  store<u32>(acc, toMont(1));
  store<u32>(acc + 4, 0);
  store<u32>(acc + 8, 0);
  store<u32>(acc + 12, 0);
  for (let i: u32 = 0; i < n; i++) {
    const d0c = fsub(load<u32>(xs + (<usize>i << 2)), z0);
    if (d0c == 0 && z1 == 0 && z2 == 0 && z3 == 0) return i + 1;
    const p = prefix + (<usize>i << 4);
    store<u32>(p, load<u32>(acc));
    store<u32>(p + 4, load<u32>(acc + 4));
    store<u32>(p + 8, load<u32>(acc + 8));
    store<u32>(p + 12, load<u32>(acc + 12));
    // acc *= (d0, n1, n2, n3) in Montgomery form; the product formula is symmetric.
    mulMontStore(acc, toMont(d0c), n1, n2, n3, p, wm);
  }
  // Invert the total product: back to canonical, invert, to Montgomery.
  const tmp = acc + 16;
  extInvCanon(mmul(load<u32>(acc), 1), mmul(load<u32>(acc + 4), 1), mmul(load<u32>(acc + 8), 1), mmul(load<u32>(acc + 12), 1), tmp);
  let i0 = toMont(load<u32>(tmp)), i1 = toMont(load<u32>(tmp + 4)), i2 = toMont(load<u32>(tmp + 8)), i3 = toMont(load<u32>(tmp + 12));
  for (let k: i32 = <i32>n - 1; k >= 0; k--) {
    const p = prefix + (<usize>k << 4);
    const o = out + (<usize>k << 4);
    mulMontStore(o, i0, i1, i2, i3, p, wm);
    // back to canonical
    store<u32>(o, mmul(load<u32>(o), 1));
    store<u32>(o + 4, mmul(load<u32>(o + 4), 1));
    store<u32>(o + 8, mmul(load<u32>(o + 8), 1));
    store<u32>(o + 12, mmul(load<u32>(o + 12), 1));
    // inv *= (x_k - z)
    const d0 = toMont(fsub(load<u32>(xs + (<usize>k << 2)), z0));
    store<u32>(tmp, d0);
    store<u32>(tmp + 4, n1);
    store<u32>(tmp + 8, n2);
    store<u32>(tmp + 12, n3);
    mulMontStore(tmp, i0, i1, i2, i3, tmp, wm);
    i0 = load<u32>(tmp);
    i1 = load<u32>(tmp + 4);
    i2 = load<u32>(tmp + 8);
    i3 = load<u32>(tmp + 12);
  }
  return 0;
}

/**
 * ext_combine_rows_acc: acc[i] += sum_j mat[i * width + j] * pow_j - rz for `rows` rows, with
 * `powm` in Montgomery form as for `ext_combine_rows` and rz canonical. This is one DEEP term
 * whose alpha offset is already folded into the powers.
 */
export function ext_combine_rows_acc(acc: usize, mat: usize, width: u32, rows: u32, powm: usize, rz0: u32, rz1: u32, rz2: u32, rz3: u32): void {
  for (let i: u32 = 0; i < rows; i++) {
    const o = acc + (<usize>i << 4);
    let c0 = fsub(load<u32>(o), rz0), c1 = fsub(load<u32>(o + 4), rz1), c2 = fsub(load<u32>(o + 8), rz2), c3 = fsub(load<u32>(o + 12), rz3);
    const row = mat + ((<usize>i * <usize>width) << 2);
    for (let j: u32 = 0; j < width; j++) {
      const v = load<u32>(row + (<usize>j << 2));
      const a = powm + (<usize>j << 4);
      c0 = fadd(c0, mmul(v, load<u32>(a)));
      c1 = fadd(c1, mmul(v, load<u32>(a + 4)));
      c2 = fadd(c2, mmul(v, load<u32>(a + 8)));
      c3 = fadd(c3, mmul(v, load<u32>(a + 12)));
    }
    store<u32>(o, c0);
    store<u32>(o + 4, c1);
    store<u32>(o + 8, c2);
    store<u32>(o + 12, c3);
  }
}

/**
 * deep_divide_acc: out[i] += acc[i] / (xs[i] - z) for n points, without an extension inversion:
 * 1 / (x - z) = c(x) / m(x), where m(X) = prod_k (X - z^(p^k)) has base coefficients
 * (`mc` = m0, m1, m2, m3; m is monic of degree 4) and c(X) = m(X) / (X - z) is a monic cubic with
 * ext4 coefficients (`cc` points to c0, c1, c2: 12 words). m(x) = 0 only when x = z, for base x.
 * `scratch` holds 2 n words. Returns 0, or 1 + i when m(xs[i]) = 0 (nothing is written then).
 */
export function deep_divide_acc(out: usize, acc: usize, xs: usize, n: u32, m0: u32, m1: u32, m2: u32, m3: u32, cc: usize, scratch: usize): u32 {
  const wm = toMont(W);
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
  const c00 = load<u32>(cc), c01 = load<u32>(cc + 4), c02 = load<u32>(cc + 8), c03 = load<u32>(cc + 12);
  const c10 = load<u32>(cc + 16), c11 = load<u32>(cc + 20), c12 = load<u32>(cc + 24), c13 = load<u32>(cc + 28);
  const c20 = load<u32>(cc + 32), c21 = load<u32>(cc + 36), c22 = load<u32>(cc + 40), c23 = load<u32>(cc + 44);
  for (let k: i32 = <i32>n - 1; k >= 0; k--) {
    const tm = load<u32>(scratch + (<usize>k << 2));
    const im = mmul(inv, load<u32>(scratch + ((<usize>n + <usize>k) << 2))); // 1 / m(x_k), Montgomery
    inv = mmul(inv, tm);
    const x = load<u32>(xs + (<usize>k << 2));
    const xm = toMont(x);
    // c(x) = ((x + c2) x + c1) x + c0, then times 1 / m(x)
    let e0 = fadd(x, c20), e1 = c21, e2 = c22, e3 = c23;
    e0 = fadd(mmul(e0, xm), c10);
    e1 = fadd(mmul(e1, xm), c11);
    e2 = fadd(mmul(e2, xm), c12);
    e3 = fadd(mmul(e3, xm), c13);
    e0 = fadd(mmul(e0, xm), c00);
    e1 = fadd(mmul(e1, xm), c01);
    e2 = fadd(mmul(e2, xm), c02);
    e3 = fadd(mmul(e3, xm), c03);
    // Montgomery form of e / m(x): mmul(e, im) = e m^-1 (canonical); one more toMont for the product below.
    const b0 = toMont(mmul(e0, im)), b1 = toMont(mmul(e1, im)), b2 = toMont(mmul(e2, im)), b3 = toMont(mmul(e3, im));
    const ai = acc + (<usize>k << 4);
    const a0 = load<u32>(ai), a1 = load<u32>(ai + 4), a2 = load<u32>(ai + 8), a3 = load<u32>(ai + 12);
    const o = out + (<usize>k << 4);
    const w1 = mmul(b1, wm), w2 = mmul(b2, wm), w3 = mmul(b3, wm);
    store<u32>(o, fadd(load<u32>(o), fadd(fadd(mmul(a0, b0), mmul(a1, w3)), fadd(mmul(a2, w2), mmul(a3, w1)))));
    store<u32>(o + 4, fadd(load<u32>(o + 4), fadd(fadd(mmul(a0, b1), mmul(a1, b0)), fadd(mmul(a2, w3), mmul(a3, w2)))));
    store<u32>(o + 8, fadd(load<u32>(o + 8), fadd(fadd(mmul(a0, b2), mmul(a1, b1)), fadd(mmul(a2, b0), mmul(a3, w3)))));
    store<u32>(o + 12, fadd(load<u32>(o + 12), fadd(fadd(mmul(a0, b3), mmul(a1, b2)), fadd(mmul(a2, b1), mmul(a3, b0)))));
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
  for (let i: u32 = 0; i < rows; i++) {
    const p = pows + (<usize>i << 4);
    const p0 = toMont(load<u32>(p)), p1 = toMont(load<u32>(p + 4)), p2 = toMont(load<u32>(p + 8)), p3 = toMont(load<u32>(p + 12));
    const row = mat + ((<usize>i * <usize>width) << 2);
    for (let c: u32 = 0; c < width; c++) {
      const v = load<u32>(row + (<usize>c << 2));
      const o = acc + (<usize>c << 4);
      store<u32>(o, fadd(load<u32>(o), mmul(v, p0)));
      store<u32>(o + 4, fadd(load<u32>(o + 4), mmul(v, p1)));
      store<u32>(o + 8, fadd(load<u32>(o + 8), mmul(v, p2)));
      store<u32>(o + 12, fadd(load<u32>(o + 12), mmul(v, p3)));
    }
  }
}
