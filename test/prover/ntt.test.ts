import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { P, GENERATOR, mul, pow, add, rootOfUnity } from '../../prover/field/babybear.ts';
import { ntt, intt, naiveDft, nttRows, inttRows, cosetLde, bitReverseRows, reverseBits, log2Exact } from '../../prover/ntt.ts';
import { column, fromColumns } from '../../prover/matrix.ts';

const elem = fc.oneof(fc.integer({ min: 0, max: P - 1 }), fc.constantFrom(0, 1, P - 1));
const column$ = (logN: number) => fc.uint32Array({ minLength: 2 ** logN, maxLength: 2 ** logN }).map((a) => a.map((x) => x % P));

/** Evaluates a polynomial (coefficients, low first) at x by Horner's rule. */
function evalPoly(coeffs: ArrayLike<number>, x: number): number {
  let acc = 0;
  for (let j = coeffs.length - 1; j >= 0; j--) acc = add(mul(acc, x), coeffs[j]!);
  return acc;
}

describe('reference NTT (prover/ntt.ts)', () => {
  it('naiveDft evaluates the polynomial at the powers of the root of unity', () => {
    const c = Uint32Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
    const w = rootOfUnity(3);
    const got = naiveDft(c);
    for (let i = 0; i < 8; i++) expect(got[i]).toBe(evalPoly(c, pow(w, i)));
  });

  it.each([0, 1, 2, 3, 5, 8, 10])('equals the naive DFT for n = 2^%i', (logN) => {
    fc.assert(
      fc.property(column$(logN), (c) => {
        expect([...ntt(c)]).toEqual([...naiveDft(c)]);
      }),
      { numRuns: logN >= 8 ? 2 : 20 },
    );
  });

  it('inverts: intt(ntt(c)) = c, including edge values', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 9 }).chain((l) => fc.array(elem, { minLength: 2 ** l, maxLength: 2 ** l })), (xs) => {
      const c = Uint32Array.from(xs);
      expect([...intt(ntt(c))]).toEqual(xs);
    }));
  });

  it('transforms every column of a row-major matrix independently', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 6 }), fc.integer(), (width, logN, seed) => {
      const cols = Array.from({ length: width }, (_, c) => Uint32Array.from({ length: 2 ** logN }, (_, i) => ((seed * 7919 + c * 104729 + i * 1299709) >>> 0) % P));
      const m = fromColumns(cols);
      const v = m.values.slice();
      nttRows(v, width);
      for (let c = 0; c < width; c++) expect([...column({ values: v, width, height: m.height }, c)]).toEqual([...naiveDft(cols[c]!)]);
      inttRows(v, width);
      expect([...v]).toEqual([...m.values]);
    }), { numRuns: 30 });
  });

  it('coset LDE: interpolating the extension gives the coefficients, zero-padded, scaled by shift powers', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), (logN, logBlowup, width) => {
      const n = 2 ** logN;
      const evals = Uint32Array.from({ length: n * width }, (_, i) => (i * 2654435761) % P);
      const coeffs = evals.slice();
      inttRows(coeffs, width);
      const big = cosetLde({ values: evals, width, height: n }, logBlowup, GENERATOR);
      expect(big.height).toBe(n << logBlowup);
      // Interpolating over the coset: intt of the values on s*H gives coefficients c_i * s^i.
      const back = big.values.slice();
      inttRows(back, width);
      const sInv = pow(GENERATOR, P - 2);
      for (let i = 0; i < big.height; i++) {
        const unscale = pow(sInv, i);
        for (let c = 0; c < width; c++) {
          const want = i < n ? coeffs[i * width + c]! : 0;
          expect(mul(back[i * width + c]!, unscale)).toBe(want);
        }
      }
    }), { numRuns: 25 });
  });

  it('bit reversal is an involution and matches reverseBits', () => {
    for (const logN of [0, 1, 4, 7]) {
      const v = Uint32Array.from({ length: 2 ** logN }, (_, i) => i);
      bitReverseRows(v);
      for (let i = 0; i < v.length; i++) expect(v[i]).toBe(reverseBits(i, logN));
      bitReverseRows(v);
      expect([...v]).toEqual(Array.from({ length: 2 ** logN }, (_, i) => i));
    }
    expect(() => log2Exact(12)).toThrow(RangeError);
  });
});
