/**
 * Fast BabyBear and ext4 arithmetic for the PCS's hot loops (DEEP quotient, FRI folding), where
 * `babybear.mul`'s two `%` per product dominate.
 *
 * `mulF(a, b)`: the quotient q = floor(a b / p) is estimated in floating point, biased down so it is
 * never too large (a b is 62 bits, its double is off by at most 2^9, so a b / p is off by well
 * under 1e-6); a b - q p is then exact modulo 2^32 with Math.imul and lies in [0, 2p), below 2^32,
 * so one conditional subtraction finishes. No BigInt, no `%`, no allocation. Tested against
 * `babybear.mul`.
 * @module
 */
import { P } from '../field/babybear.ts';

const INV_P = 1 / P;

/** a * b mod p for canonical a, b. */
export function mulF(a: number, b: number): number {
  const q = Math.floor(a * b * INV_P - 1e-5);
  const r = (Math.imul(a, b) - Math.imul(q, P)) >>> 0;
  return r >= P ? r - P : r;
}

/** out[o..o+4] = a[ao..ao+4] * b[bo..bo+4] in F[x]/(x^4 - 11); out may alias a or b. */
export function extMulF(out: Uint32Array, o: number, a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number): void {
  const a0 = a[ao]!, a1 = a[ao + 1]!, a2 = a[ao + 2]!, a3 = a[ao + 3]!;
  const b0 = b[bo]!, b1 = b[bo + 1]!, b2 = b[bo + 2]!, b3 = b[bo + 3]!;
  // Unreduced sums of at most 4 reduced products (< 2^33), and 11 times a sum of 3 (< 2^37): exact.
  const c0 = mulF(a0, b0) + 11 * (mulF(a1, b3) + mulF(a2, b2) + mulF(a3, b1));
  const c1 = mulF(a0, b1) + mulF(a1, b0) + 11 * (mulF(a2, b3) + mulF(a3, b2));
  const c2 = mulF(a0, b2) + mulF(a1, b1) + mulF(a2, b0) + 11 * mulF(a3, b3);
  const c3 = mulF(a0, b3) + mulF(a1, b2) + mulF(a2, b1) + mulF(a3, b0);
  out[o] = c0 % P;
  out[o + 1] = c1 % P;
  out[o + 2] = c2 % P;
  out[o + 3] = c3 % P;
}

/**
 * Inverts `n` ext4 elements of `src` (flat, from offset 0) into `dst` with one extension inversion
 * (Montgomery's trick); `prefix` is caller-provided scratch of 4n words. Throws on a zero element.
 */
export function extBatchInverseF(src: Uint32Array, dst: Uint32Array, prefix: Uint32Array, n: number, inv1: (e: Uint32Array) => Uint32Array): void {
  const acc = Uint32Array.of(1, 0, 0, 0);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    if (src[o] === 0 && src[o + 1] === 0 && src[o + 2] === 0 && src[o + 3] === 0) {
      throw new RangeError(`ext batch inverse: zero at index ${i}`);
    }
    prefix[o] = acc[0]!;
    prefix[o + 1] = acc[1]!;
    prefix[o + 2] = acc[2]!;
    prefix[o + 3] = acc[3]!;
    extMulF(acc, 0, acc, 0, src, o);
  }
  const invAcc = inv1(acc);
  const tmp = new Uint32Array(4);
  for (let i = n - 1; i >= 0; i--) {
    const o = 4 * i;
    extMulF(tmp, 0, invAcc, 0, prefix, o);
    extMulF(invAcc, 0, invAcc, 0, src, o);
    dst[o] = tmp[0]!;
    dst[o + 1] = tmp[1]!;
    dst[o + 2] = tmp[2]!;
    dst[o + 3] = tmp[3]!;
  }
}

/** out[i] = gen^reverseBits(i, logN) for i < 2^logN, with one multiplication per entry. */
export function bitReversedPowersOf(gen: number, logN: number): Uint32Array {
  const out = new Uint32Array(2 ** logN);
  out[0] = 1;
  // rev(i + 2^(l-1)) = rev(i) + 2^(logN - l) for i < 2^(l-1): the new half is the old times gen^(2^(logN-l)).
  let m = gen;
  const steps: number[] = [];
  for (let l = logN; l >= 1; l--) {
    steps.push(m);
    m = mulF(m, m);
  }
  for (let l = 1; l <= logN; l++) {
    const half = 2 ** (l - 1);
    const g = steps[logN - l]!;
    for (let i = 0; i < half; i++) out[half + i] = mulF(out[i]!, g);
  }
  return out;
}
