import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as F from '../../prover/field/babybear.ts';
import { kernels } from '../../prover/wasm/kernels.ts';

const k = kernels();
const p = BigInt(F.P);
const elem = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: F.P - 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, F.P - 1, F.P - 2, (F.P - 1) / 2, 2 ** 31 - 2 ** 27) },
);
/** Vectors of 0..37 elements: covers the SIMD body and every scalar tail length. */
const vecs = (count: number) =>
  fc.integer({ min: 0, max: 37 }).chain((n) => fc.tuple(...Array.from({ length: count }, () => fc.array(elem, { minLength: n, maxLength: n }))));
const u32 = (xs: number[]) => Uint32Array.from(xs);

describe('WASM BabyBear vector kernels', () => {
  it('add, sub, mul equal the TypeScript field on random vectors with edge values', () => {
    fc.assert(fc.property(vecs(2), ([a, b]) => {
      expect([...k.add(u32(a), u32(b))]).toEqual(a.map((x, i) => F.add(x, b[i]!)));
      expect([...k.sub(u32(a), u32(b))]).toEqual(a.map((x, i) => F.sub(x, b[i]!)));
      expect([...k.mul(u32(a), u32(b))]).toEqual(a.map((x, i) => Number((BigInt(x) * BigInt(b[i]!)) % p)));
    }), { numRuns: 300 });
  });

  it('mulAdd computes a * b + c', () => {
    fc.assert(fc.property(vecs(3), ([a, b, c]) => {
      expect([...k.mulAdd(u32(a), u32(b), u32(c))]).toEqual(a.map((x, i) => F.add(F.mul(x, b[i]!), c[i]!)));
    }), { numRuns: 200 });
  });

  it('scalar multiply and scalar add', () => {
    fc.assert(fc.property(vecs(1), elem, ([a], s) => {
      expect([...k.scale(u32(a), s)]).toEqual(a.map((x) => F.mul(x, s)));
      expect([...k.addScalar(u32(a), s)]).toEqual(a.map((x) => F.add(x, s)));
    }), { numRuns: 200 });
  });

  it('Montgomery conversions round-trip and bb_mont_mul by a Montgomery operand is the product', () => {
    fc.assert(fc.property(vecs(2), ([a, b]) => {
      const n = a.length;
      const pa = k.put(u32(a)), pb = k.put(u32(b)), pm = k.alloc(n * 4), po = k.alloc(n * 4);
      try {
        k.exports.bb_to_mont(pm, pb, n);
        expect([...k.u32(pm, n)]).toEqual(b.map((x) => Number((BigInt(x) << 32n) % p)));
        k.exports.bb_mont_mul(po, pa, pm, n);
        expect([...k.u32(po, n)]).toEqual(a.map((x, i) => F.mul(x, b[i]!)));
        k.exports.bb_mont_mul_scalar(po, pa, pm, n);
        expect([...k.u32(po, n)]).toEqual(a.map((x, i) => F.mul(x, b[i]!)));
        k.exports.bb_from_mont(pm, pm, n);
        expect([...k.u32(pm, n)]).toEqual(b);
      } finally {
        for (const ptr of [pa, pb, pm, po]) k.free(ptr);
      }
    }), { numRuns: 200 });
  });

  it('outputs are canonical even for the largest operands', () => {
    const big = u32(Array.from({ length: 9 }, () => F.P - 1));
    for (const r of [k.add(big, big), k.mul(big, big), k.sub(u32(Array(9).fill(0)), big)]) for (const x of r) expect(x).toBeLessThan(F.P);
    expect(k.mul(big, big)[0]).toBe(1);
  });

  it('rejects mismatched lengths and non-canonical scalars', () => {
    expect(() => k.add(new Uint32Array(3), new Uint32Array(4))).toThrow(RangeError);
    expect(() => k.scale(new Uint32Array(3), F.P)).toThrow(RangeError);
  });
});

describe('kernel memory allocator', () => {
  it('gives aligned, disjoint regions and reuses freed space', () => {
    const before = k.liveBytes();
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 20 }), fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), (sizes, frees) => {
      const regions = sizes.map((s) => ({ ptr: k.alloc(s), s }));
      for (const r of regions) expect(r.ptr % 64).toBe(0);
      const sorted = [...regions].sort((x, y) => x.ptr - y.ptr);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.ptr).toBeGreaterThanOrEqual(sorted[i - 1]!.ptr + sorted[i - 1]!.s);
      regions.forEach((r, i) => frees[i] && k.free(r.ptr));
      regions.forEach((r, i) => !frees[i] && k.free(r.ptr));
      expect(k.liveBytes()).toBe(before);
    }));
    expect(k.exports.heap_base()).toBeLessThanOrEqual(k.alloc(1));
  });

  it('grows the memory for a large region and refuses a double free', () => {
    const bytes = k.memory.buffer.byteLength + 1_000_000;
    const ptr = k.alloc(bytes);
    k.u32(ptr + bytes - 4, 1)[0] = 7;
    expect(k.memory.buffer.byteLength).toBeGreaterThanOrEqual(ptr + bytes);
    k.free(ptr);
    expect(() => k.free(ptr)).toThrow(/not a live allocation/);
  });
});

describe('benchmark kernel', () => {
  it('bb_mul_throughput multiplies in place by the factor once per round', () => {
    const xs = Uint32Array.from({ length: 12 }, (_, i) => (i * 48271 + 1) % F.P);
    const f = 987654321;
    const ptr = k.put(xs);
    try {
      const fMont = Number((BigInt(f) << 32n) % p);
      k.exports.bb_mul_throughput(ptr, fMont, 12, 3);
      const f3 = F.pow(f, 3);
      expect([...k.read(ptr, 12)]).toEqual([...xs].map((x) => F.mul(x, f3)));
    } finally {
      k.free(ptr);
    }
  });
});
