import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { P, GENERATOR } from '../../prover/field/babybear.ts';
import { TsBackend } from '../../prover/backend-ts.ts';
import { WasmBackend, createBackend } from '../../prover/backend-wasm.ts';
import type { Matrix } from '../../prover/matrix.ts';

const ts = new TsBackend();
const backends: WasmBackend[] = [];

beforeAll(async () => {
  backends.push(await WasmBackend.create({ threads: 1 }), await WasmBackend.create({ threads: 2 }));
});
afterAll(async () => {
  for (const b of backends) await b.dispose();
});

const matrix$ = fc
  .record({ width: fc.integer({ min: 1, max: 12 }), logN: fc.integer({ min: 0, max: 9 }), seed: fc.integer() })
  .map(({ width, logN, seed }): Matrix => {
    let s = seed >>> 0;
    const values = Uint32Array.from({ length: width << logN }, () => {
      s = (Math.imul(s, 747796405) + 2891336453) >>> 0;
      return s % 7 === 0 ? [0, 1, P - 1][s % 3]! : s % P;
    });
    return { values, width, height: 1 << logN };
  });

describe('WasmBackend', () => {
  it('uses 1 and 2 threads as asked', () => {
    expect(backends.map((b) => b.threads)).toEqual([1, 2]);
    expect(backends[1]!.name).toBe('wasm-2t');
  });

  it('equals TsBackend on random matrices: interpolate, evaluateOnCoset, lde, natural and bit-reversed', async () => {
    await fc.assert(
      fc.asyncProperty(matrix$, fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.constantFrom(GENERATOR, 7, P - 1), async (m, logBlowup, br, shift) => {
        const input = m.values.slice();
        const wantI = await ts.interpolate(m);
        const wantE = await ts.evaluateOnCoset(wantI, logBlowup, shift, br);
        const wantL = await ts.lde(m, logBlowup, shift, br);
        for (const b of backends) {
          const gotI = await b.interpolate(m);
          expect([...gotI.values]).toEqual([...wantI.values]);
          const gotE = await b.evaluateOnCoset(gotI, logBlowup, shift, br);
          expect({ w: gotE.width, h: gotE.height }).toEqual({ w: wantE.width, h: wantE.height });
          expect([...gotE.values]).toEqual([...wantE.values]);
          expect([...(await b.lde(m, logBlowup, shift, br)).values]).toEqual([...wantL.values]);
        }
        expect([...m.values]).toEqual([...input]); // inputs are never modified
      }),
      { numRuns: 40 },
    );
  });

  it('handles a tall matrix split across both threads (2^14 x 3, blowup 4)', async () => {
    const m: Matrix = { values: Uint32Array.from({ length: 3 << 14 }, (_, i) => (i * 2654435761) % P), width: 3, height: 1 << 14 };
    const want = await ts.lde(m, 2, GENERATOR, false);
    const got = await backends[1]!.lde(m, 2, GENERATOR, false);
    expect(got.values.length).toBe(want.values.length);
    let diff = 0;
    for (let i = 0; i < want.values.length; i++) if (got.values[i] !== want.values[i]) diff++;
    expect(diff).toBe(0);
  });

  it('runs concurrent calls of different sizes (growing the twiddle tables mid-flight) correctly', async () => {
    const b = await WasmBackend.create({ threads: 2 });
    try {
      const shapes = [[2, 6, 1], [5, 11, 2], [1, 9, 3], [8, 4, 1], [3, 12, 1]] as const;
      const ms = shapes.map(([w, lg], i): Matrix => ({ values: Uint32Array.from({ length: w << lg }, (_, j) => (j * 2654435761 + i) % P), width: w, height: 1 << lg }));
      const got = await Promise.all(ms.map((m, i) => b.lde(m, shapes[i]![2], GENERATOR, i % 2 === 0)));
      for (let i = 0; i < ms.length; i++) {
        const want = await ts.lde(ms[i]!, shapes[i]![2], GENERATOR, i % 2 === 0);
        expect([...got[i]!.values]).toEqual([...want.values]);
      }
    } finally {
      await b.dispose();
    }
  });

  it('does not leak kernel memory across calls', async () => {
    const b = backends[0]!;
    const m: Matrix = { values: new Uint32Array(64).fill(5), width: 2, height: 32 };
    await b.lde(m, 1, GENERATOR, true);
    const before = b.kernels.liveBytes();
    for (let i = 0; i < 5; i++) await b.lde(m, 1, GENERATOR, i % 2 === 0);
    expect(b.kernels.liveBytes()).toBe(before);
  });

  it('shared variants return the same values in kernel memory, usable by pointer in the pool, until freed', async () => {
    const b = backends[1]!;
    const m: Matrix = { values: Uint32Array.from({ length: 3 * 64 }, (_, i) => (i * 40503) % P), width: 3, height: 64 };
    const before = b.kernels.liveBytes();
    const lde = await b.ldeShared(m, 2, GENERATOR, true);
    expect([...lde.values]).toEqual([...(await ts.lde(m, 2, GENERATOR, true)).values]);
    const coeffs = await b.interpolateShared(m);
    expect([...coeffs.values]).toEqual([...(await ts.interpolate(m)).values]);
    const ev = await b.evaluateOnCosetShared(coeffs, 1, 7, false);
    expect([...ev.values]).toEqual([...(await ts.evaluateOnCoset(coeffs, 1, 7, false)).values]);
    // A worker doubles the LDE in place by pointer; the view sees it.
    const first = lde.values[5]!;
    await b.pool!.run([['bb_add', lde.ptr, lde.ptr, lde.ptr, lde.values.length]]);
    expect(lde.values[5]).toBe((2 * first) % P);
    for (const s of [lde, coeffs, ev]) s.free();
    lde.free(); // idempotent
    expect(b.kernels.liveBytes()).toBe(before);
  });

  it('rejects bad shapes and parameters with clear errors', async () => {
    const b = backends[0]!;
    const odd: Matrix = { values: new Uint32Array(6), width: 2, height: 3 };
    await expect(b.interpolate(odd)).rejects.toThrow(/height must be a power of two/);
    const m: Matrix = { values: new Uint32Array(8), width: 2, height: 4 };
    await expect(b.lde(m, -1, GENERATOR, false)).rejects.toThrow(RangeError);
    await expect(b.lde(m, 26, GENERATOR, false)).rejects.toThrow(/logBlowup/);
    await expect(b.lde(m, 1, 0, false)).rejects.toThrow(/shift/);
    await expect(b.lde({ values: new Uint32Array(7), width: 2, height: 4 }, 1, GENERATOR, false)).rejects.toThrow(/7 values/);
  });

  it('createBackend falls back to the TypeScript reference when asked', async () => {
    const b = await createBackend({ wasm: false });
    expect(b.name).toBe('ts-reference');
    const w = await createBackend({ threads: 1 });
    expect(w.name).toBe('wasm-1t');
    await w.dispose();
    await expect(w.interpolate({ values: new Uint32Array(2), width: 1, height: 2 })).rejects.toThrow(/after dispose/);
  });
});

describe.skipIf(!process.env.SLOW)('WasmBackend at full size (SLOW)', () => {
  it('equals TsBackend on a 2^18 x 2 LDE with blowup 4, both orders, 1 and 2 threads', async () => {
    const m: Matrix = { values: Uint32Array.from({ length: 2 << 18 }, (_, i) => (i * 2246822519) % P), width: 2, height: 1 << 18 };
    for (const br of [false, true]) {
      const want = (await ts.lde(m, 2, GENERATOR, br)).values;
      for (const b of backends) {
        const got = (await b.lde(m, 2, GENERATOR, br)).values;
        let diff = 0;
        for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) diff++;
        expect(diff).toBe(0);
      }
    }
  });
});
