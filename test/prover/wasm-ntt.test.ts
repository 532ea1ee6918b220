import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { P, GENERATOR, rootOfUnity } from '../../prover/field/babybear.ts';
import { naiveDft, nttRows, inttRows, bitReverseRows, reverseBits } from '../../prover/ntt.ts';
import { TsBackend } from '../../prover/backend-ts.ts';
import { kernels } from '../../prover/wasm/kernels.ts';
import { WasmNtt, localRunner, difPlan, ditPlan, runPlan, type StepRunner } from '../../prover/wasm/ntt.ts';

const k = kernels();
const engine = new WasmNtt(k);
const ts = new TsBackend();

/** Runs every step on this thread but asks plans for `parts` parts: exercises the split plans. */
const split = (parts: number): StepRunner => ({ parts, run: localRunner(k).run });

function randomMatrix(width: number, logN: number, seed: number): Uint32Array {
  let s = seed >>> 0 || 1;
  const edges = [0, 1, P - 1];
  return Uint32Array.from({ length: width << logN }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return i % 13 === 5 ? edges[s % 3]! : s % P;
  });
}

function withRegions<T>(sizes: number[], f: (...ptrs: number[]) => Promise<T>): Promise<T> {
  const ptrs = sizes.map((b) => k.alloc(b));
  return f(...ptrs).finally(() => ptrs.forEach((p) => k.free(p)));
}

describe('WASM NTT kernels', () => {
  it('twiddle table: tw[2h + j] = w_(2h)^j and tw[3h + j] = floor(w * 2^32 / p), its Shoup companion', () => {
    const logN = 6;
    const tw = k.alloc(8 << logN);
    k.exports.ntt_twiddles(tw, logN, rootOfUnity(logN));
    const t = k.read(tw, 2 << logN);
    k.free(tw);
    for (let h = 1; h < 1 << logN; h *= 2) {
      const w = rootOfUnity(31 - Math.clz32(2 * h));
      let acc = 1n;
      for (let j = 0; j < h; j++) {
        expect(t[2 * h + j]).toBe(Number(acc));
        expect(t[3 * h + j]).toBe(Number((acc << 32n) / BigInt(P)));
        acc = (acc * BigInt(w)) % BigInt(P);
      }
    }
  });

  it.each([0, 1, 2, 3, 4, 6, 9])('DIF gives the naive DFT in bit-reversed order, DIT inverts the order (n = 2^%i)', async (logN) => {
    for (const parts of [1, 2, 4]) {
      for (const width of [1, 2, 3, 4, 5, 8]) {
        const m = randomMatrix(width, logN, logN * 100 + width + parts);
        await withRegions([m.length * 4], async (ptr) => {
          k.u32(ptr, m.length).set(m);
          const tw = engine.twiddles.ensure(logN);
          await runPlan(split(parts), difPlan(ptr, width, logN, tw.fwd, parts));
          const got = k.read(ptr, m.length);
          bitReverseRows(got, width);
          for (let c = 0; c < width; c++) {
            const col = Uint32Array.from({ length: 1 << logN }, (_, r) => m[r * width + c]!);
            const want = naiveDft(col);
            for (let r = 0; r < 1 << logN; r++) expect(got[r * width + c]).toBe(want[r]);
          }
          // DIT of the bit-reversed input gives the natural-order transform too.
          const br = m.slice();
          bitReverseRows(br, width);
          k.u32(ptr, m.length).set(br);
          await runPlan(split(parts), ditPlan(ptr, width, logN, 0, tw.fwd, parts));
          const nat = m.slice();
          nttRows(nat, width);
          expect([...k.read(ptr, m.length)]).toEqual([...nat]);
        });
      }
    }
  });

  it('interpolate, evaluateOnCoset and lde equal the TypeScript reference (random shapes, shifts, orders, splits)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 3 }),
        fc.boolean(), fc.constantFrom(1, 2, 4), fc.oneof(fc.constant(31), fc.integer({ min: 1, max: P - 1 })), fc.integer(),
        async (logN, width, logBlowup, bitReversed, parts, shift, seed) => {
          const n = 1 << logN, big = n << logBlowup;
          const vals = randomMatrix(width, logN, seed);
          const m = { values: vals, width, height: n };
          await withRegions([vals.length * 4, big * width * 4, vals.length * 4], async (src, dst, co) => {
            k.u32(src, vals.length).set(vals);
            await engine.lde(split(parts), dst, src, width, logN, logBlowup, shift, bitReversed);
            expect([...k.read(dst, big * width)]).toEqual([...(await ts.lde(m, logBlowup, shift, bitReversed)).values]);
            k.u32(src, vals.length).set(vals);
            await engine.interpolate(split(parts), co, src, width, logN);
            const coeffs = (await ts.interpolate(m)).values;
            expect([...k.read(co, vals.length)]).toEqual([...coeffs]);
            await engine.evaluateOnCoset(split(parts), dst, co, width, logN, logBlowup, shift, bitReversed);
            const want = await ts.evaluateOnCoset({ values: coeffs, width, height: n }, logBlowup, shift, bitReversed);
            expect([...k.read(dst, big * width)]).toEqual([...want.values]);
            expect([...k.read(co, vals.length)]).toEqual([...coeffs]); // evaluateOnCoset leaves its source alone
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each([[1, 15], [2, 14], [3, 13], [4, 12], [5, 12]] as const)(
    'blocks larger than the cache (recursive split) agree with the reference: width %i, n = 2^%i',
    async (width, logN) => {
      const vals = randomMatrix(width, logN, width * 31 + logN);
      const m = { values: vals, width, height: 1 << logN };
      for (const parts of [1, 2]) {
        for (const bitReversed of [false, true]) {
          await withRegions([vals.length * 4, vals.length * 8], async (src, dst) => {
            k.u32(src, vals.length).set(vals);
            await engine.lde(split(parts), dst, src, width, logN, 1, GENERATOR, bitReversed);
            const want = (await ts.lde(m, 1, GENERATOR, bitReversed)).values;
            const got = k.u32(dst, want.length);
            let diff = 0;
            for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) diff++;
            expect(diff).toBe(0);
          });
        }
      }
    },
  );

  it('forward transform round-trips through interpolation (n = 2^12, width 3)', async () => {
    const logN = 12, width = 3;
    const coeffs = randomMatrix(width, logN, 9);
    await withRegions([coeffs.length * 4, coeffs.length * 4, coeffs.length * 4], async (a, b, c) => {
      k.u32(a, coeffs.length).set(coeffs);
      await engine.forward(split(2), b, a, width, logN);
      const ref = coeffs.slice();
      nttRows(ref, width);
      expect([...k.read(b, coeffs.length)]).toEqual([...ref]);
      await engine.interpolate(split(2), c, b, width, logN);
      expect([...k.read(c, coeffs.length)]).toEqual([...coeffs]);
    });
    const back = coeffs.slice();
    nttRows(back, width);
    inttRows(back, width);
    expect([...back]).toEqual([...coeffs]);
  });

  it('the scalar DIF twin (benchmark only) equals the SIMD DIF', () => {
    for (const logN of [0, 1, 2, 3, 5, 14]) {
      const v = randomMatrix(1, logN, 77 + logN);
      const tw = engine.twiddles.ensure(logN).fwd;
      const a = k.put(v), b = k.put(v);
      k.exports.ntt_dif(a, 1, logN, tw);
      k.exports.ntt_dif_scalar(b, logN, tw);
      expect([...k.read(b, v.length)]).toEqual([...k.read(a, v.length)]);
      k.free(a);
      k.free(b);
    }
  });

  it('bit-reversal kernel swaps rows i and rev(i)', () => {
    for (const [width, logN] of [[1, 5], [3, 4], [4, 6], [7, 3]] as const) {
      const n = 1 << logN;
      const v = Uint32Array.from({ length: n * width }, (_, i) => i);
      const ptr = k.put(v);
      k.exports.ntt_bitrev_rows(ptr, width, logN, 0, n);
      const got = k.read(ptr, n * width);
      k.free(ptr);
      for (let r = 0; r < n; r++) for (let c = 0; c < width; c++) expect(got[r * width + c]).toBe(reverseBits(r, logN) * width + c);
    }
  });

  it('twiddles of a larger size serve smaller transforms (tables are prefixes)', async () => {
    engine.twiddles.ensure(14);
    const vals = randomMatrix(1, 5, 3);
    await withRegions([128, 128], async (src, dst) => {
      k.u32(src, 32).set(vals);
      await engine.interpolate(localRunner(k), dst, src, 1, 5);
      const c = k.read(dst, 32);
      expect([...naiveDft(c)]).toEqual([...vals]);
    });
  });
});
