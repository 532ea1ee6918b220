import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as F from '../../prover/field/babybear.ts';
import * as E from '../../prover/field/ext4.ts';

const p = BigInt(F.P);
const elem = fc.integer({ min: 0, max: F.P - 1 });
const edge = fc.constantFrom(0, 1, 2, F.P - 1, F.P - 2, (F.P - 1) / 2, 65535, 65536, 2 ** 30);
const anyElem = fc.oneof(elem, edge);
const ext = fc.tuple(anyElem, anyElem, anyElem, anyElem).map((c) => Uint32Array.from(c));

/** Reference product in F[x]/(x^4 - 11) with BigInt schoolbook multiplication. */
function refExtMul(a: Uint32Array, b: Uint32Array): bigint[] {
  const prod = new Array<bigint>(7).fill(0n);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) prod[i + j]! += BigInt(a[i]!) * BigInt(b[j]!);
  const out = [0n, 0n, 0n, 0n];
  for (let k = 0; k < 7; k++) {
    if (k < 4) out[k]! += prod[k]!;
    else out[k - 4]! += 11n * prod[k]!;
  }
  return out.map((x) => x % p);
}

describe('BabyBear', () => {
  it('adds, subtracts and multiplies like BigInt arithmetic mod p', () => {
    fc.assert(
      fc.property(anyElem, anyElem, (a, b) => {
        expect(F.add(a, b)).toBe(Number((BigInt(a) + BigInt(b)) % p));
        expect(F.sub(a, b)).toBe(Number((BigInt(a) - BigInt(b) + p) % p));
        expect(F.mul(a, b)).toBe(Number((BigInt(a) * BigInt(b)) % p));
      }),
      { numRuns: 2000 },
    );
  });

  it('inverts every nonzero element and refuses zero', () => {
    fc.assert(fc.property(elem.filter((a) => a !== 0), (a) => F.mul(a, F.inv(a)) === 1));
    expect(() => F.inv(0)).toThrow(RangeError);
  });

  it('batch inversion equals element-wise inversion', () => {
    fc.assert(
      fc.property(fc.array(elem.filter((a) => a !== 0), { maxLength: 64 }), (xs) => {
        expect(Array.from(F.batchInverse(xs))).toEqual(xs.map(F.inv));
      }),
    );
  });

  it('has a two-adic generator of exact order 2^27', () => {
    const g = F.TWO_ADIC_GENERATOR;
    expect(F.pow(g, 2 ** 27)).toBe(1);
    expect(F.pow(g, 2 ** 26)).toBe(F.P - 1);
    for (let k = 0; k <= 27; k++) {
      const w = F.rootOfUnity(k);
      expect(F.pow(w, 2 ** k)).toBe(1);
      if (k > 0) expect(F.pow(w, 2 ** (k - 1))).not.toBe(1);
    }
    expect(() => F.rootOfUnity(28)).toThrow(RangeError);
  });

  it('31 generates the whole multiplicative group', () => {
    // p - 1 = 2^27 * 3 * 5: 31 is a generator iff it is not a (p-1)/q-th power residue for q in {2,3,5}.
    for (const q of [2, 3, 5]) expect(F.pow(F.GENERATOR, (F.P - 1) / q)).not.toBe(1);
  });

  it('pow agrees with BigInt modular exponentiation', () => {
    fc.assert(
      fc.property(anyElem, fc.integer({ min: 0, max: 2 ** 40 }), (a, e) => {
        let r = 1n, b = BigInt(a), k = BigInt(e);
        while (k > 0n) { if (k & 1n) r = (r * b) % p; b = (b * b) % p; k >>= 1n; }
        expect(F.pow(a, e)).toBe(Number(r));
      }),
    );
  });
});

describe('BabyBear^4', () => {
  it('multiplies like BigInt polynomial arithmetic mod x^4 - 11', () => {
    fc.assert(
      fc.property(ext, ext, (a, b) => {
        expect(Array.from(E.eMul(a, b)).map(BigInt)).toEqual(refExtMul(a, b));
      }),
      { numRuns: 1000 },
    );
  });

  it('satisfies the field axioms on random elements', () => {
    fc.assert(
      fc.property(ext, ext, ext, (a, b, c) => {
        expect(E.eMul(a, E.eAdd(b, c))).toEqual(E.eAdd(E.eMul(a, b), E.eMul(a, c)));
        expect(E.eMul(E.eMul(a, b), c)).toEqual(E.eMul(a, E.eMul(b, c)));
        expect(E.eSub(E.eAdd(a, b), b)).toEqual(a);
      }),
    );
  });

  it('inverts nonzero elements, alone and in batches', () => {
    const nonzero = ext.filter((a) => !E.equals(a, E.zero()));
    fc.assert(fc.property(nonzero, (a) => E.equals(E.eMul(a, E.eInv(a)), E.one())));
    fc.assert(
      fc.property(fc.array(nonzero, { minLength: 1, maxLength: 16 }), (xs) => {
        const flat = new Uint32Array(xs.length * 4);
        xs.forEach((x, i) => flat.set(x, 4 * i));
        const invs = E.eBatchInverse(flat);
        xs.forEach((x, i) => expect(invs.subarray(4 * i, 4 * i + 4)).toEqual(E.eInv(x)));
      }),
    );
    expect(() => E.eInv(E.zero())).toThrow(RangeError);
  });

  it('x^4 = 11', () => {
    expect(E.ePow(E.ext(0, 1), 4)).toEqual(E.ext(11));
  });
});
