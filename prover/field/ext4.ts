/**
 * The degree-4 extension of BabyBear, F[x] / (x^4 - 11), where verifier challenges live.
 *
 * Why degree 4: a challenge from BabyBear alone (~2^31) gives Schwartz-Zippel bounds far too weak
 * for 100 bits; the extension has ~2^124 elements. x^4 - 11 is irreducible over BabyBear (11 is not
 * a square and p = 1 mod 4), the same binomial extension Plonky3 uses.
 *
 * An element is four base coefficients `[c0, c1, c2, c3]` meaning c0 + c1 x + c2 x^2 + c3 x^3, held in
 * a `Uint32Array` of length 4; vectors of them are flat `Uint32Array`s of length 4n. The functions
 * that return a fresh element are for the verifier and for tests; hot loops use the `*At` forms that
 * read and write at offsets without allocating.
 * @module
 */
import { P, add, sub, mul, inv, neg } from './babybear.ts';

/** x^4 = W in the extension. */
export const W = 11;
export const DEGREE = 4;

export type Ext4 = Uint32Array;

/** Fresh zero (typed arrays cannot be frozen, so constants are handed out as new values). */
export function zero(): Ext4 {
  return new Uint32Array(4);
}

export function one(): Ext4 {
  return Uint32Array.of(1, 0, 0, 0);
}

export function ext(c0: number, c1 = 0, c2 = 0, c3 = 0): Ext4 {
  return Uint32Array.of(c0, c1, c2, c3);
}

/** Embeds a base-field element. */
export function fromBase(a: number): Ext4 {
  return Uint32Array.of(a, 0, 0, 0);
}

export function isBase(a: Ext4): boolean {
  return a[1] === 0 && a[2] === 0 && a[3] === 0;
}

export function equals(a: Ext4, b: Ext4): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

export function eAdd(a: Ext4, b: Ext4): Ext4 {
  return Uint32Array.of(add(a[0]!, b[0]!), add(a[1]!, b[1]!), add(a[2]!, b[2]!), add(a[3]!, b[3]!));
}

export function eSub(a: Ext4, b: Ext4): Ext4 {
  return Uint32Array.of(sub(a[0]!, b[0]!), sub(a[1]!, b[1]!), sub(a[2]!, b[2]!), sub(a[3]!, b[3]!));
}

export function eNeg(a: Ext4): Ext4 {
  return Uint32Array.of(neg(a[0]!), neg(a[1]!), neg(a[2]!), neg(a[3]!));
}

/** Multiplies by a base-field scalar. */
export function eScale(a: Ext4, s: number): Ext4 {
  return Uint32Array.of(mul(a[0]!, s), mul(a[1]!, s), mul(a[2]!, s), mul(a[3]!, s));
}

/** Adds a base-field element. */
export function eAddBase(a: Ext4, s: number): Ext4 {
  return Uint32Array.of(add(a[0]!, s), a[1]!, a[2]!, a[3]!);
}

export function eMul(a: Ext4, b: Ext4): Ext4 {
  const out = new Uint32Array(4);
  mulAt(out, 0, a, 0, b, 0);
  return out;
}

export function eSquare(a: Ext4): Ext4 {
  return eMul(a, a);
}

export function ePow(base: Ext4, exp: number): Ext4 {
  let result: Ext4 = Uint32Array.of(1, 0, 0, 0);
  let b = base;
  let e = exp;
  while (e > 0) {
    if (e % 2 === 1) result = eMul(result, b);
    b = eMul(b, b);
    e = Math.floor(e / 2);
  }
  return result;
}

/**
 * Inverse via the norm to the quadratic subfield: a(x) a(-x) = b(x^2) with b in F[y]/(y^2 - W), and
 * b(y) b(-y) = b0^2 - W b1^2 lies in F. So 1/a = a(-x) (b0 - b1 x^2) / (b0^2 - W b1^2).
 */
export function eInv(a: Ext4): Ext4 {
  const [a0, a1, a2, a3] = [a[0]!, a[1]!, a[2]!, a[3]!];
  const b0 = sub(add(mul(a0, a0), mul(W, mul(a2, a2))), mul(2 * W, mul(a1, a3)));
  const b1 = sub(sub(mul(2, mul(a0, a2)), mul(a1, a1)), mul(W, mul(a3, a3)));
  const norm = sub(mul(b0, b0), mul(W, mul(b1, b1)));
  if (norm === 0) throw new RangeError('Ext4: inverse of zero');
  const nInv = inv(norm);
  const aConj = Uint32Array.of(a0, neg(a1), a2, neg(a3));
  return eMul(aConj, Uint32Array.of(mul(b0, nInv), 0, neg(mul(b1, nInv)), 0));
}

export function eDiv(a: Ext4, b: Ext4): Ext4 {
  return eMul(a, eInv(b));
}

/** out[o..o+4] = a[ao..ao+4] * b[bo..bo+4]; out may alias a or b. */
export function mulAt(out: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
  const a0 = a[ao]!, a1 = a[ao + 1]!, a2 = a[ao + 2]!, a3 = a[ao + 3]!;
  const b0 = b[bo]!, b1 = b[bo + 1]!, b2 = b[bo + 2]!, b3 = b[bo + 3]!;
  // Sums of up to four products are reduced per product; the W-multiple terms are grouped first.
  const c0 = add(mul(a0, b0), mul(W, add(add(mul(a1, b3), mul(a2, b2)), mul(a3, b1))));
  const c1 = add(add(mul(a0, b1), mul(a1, b0)), mul(W, add(mul(a2, b3), mul(a3, b2))));
  const c2 = add(add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0)), mul(W, mul(a3, b3)));
  const c3 = add(add(mul(a0, b3), mul(a1, b2)), add(mul(a2, b1), mul(a3, b0)));
  out[o] = c0;
  out[o + 1] = c1;
  out[o + 2] = c2;
  out[o + 3] = c3;
}

/** out[o..o+4] = a[ao..ao+4] + b[bo..bo+4]. */
export function addAt(out: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
  for (let i = 0; i < 4; i++) out[o + i] = add(a[ao + i]!, b[bo + i]!);
}

/** Inverts a flat vector of n extension elements with one extension inversion. */
export function eBatchInverse(values: Uint32Array): Uint32Array {
  const n = values.length / 4;
  const prefix = new Uint32Array(values.length);
  const acc = Uint32Array.of(1, 0, 0, 0);
  for (let i = 0; i < n; i++) {
    if (values[4 * i] === 0 && values[4 * i + 1] === 0 && values[4 * i + 2] === 0 && values[4 * i + 3] === 0) {
      throw new RangeError(`Ext4: batch inverse of zero at index ${i}`);
    }
    prefix.set(acc, 4 * i);
    mulAt(acc, 0, acc, 0, values, 4 * i);
  }
  const invAcc = eInv(acc);
  const out = new Uint32Array(values.length);
  for (let i = n - 1; i >= 0; i--) {
    mulAt(out, 4 * i, invAcc, 0, prefix, 4 * i);
    mulAt(invAcc, 0, invAcc, 0, values, 4 * i);
  }
  return out;
}

/** Canonical check for untrusted input (proof parsing). */
export function isCanonicalExt(a: ArrayLike<number>): boolean {
  if (a.length !== 4) return false;
  for (let i = 0; i < 4; i++) if (!(a[i]! < P)) return false;
  return true;
}
