/**
 * The examples, end to end: each guest's output in Node's WebAssembly engine equals a plain
 * TypeScript (or @noble/hashes) reference on random inputs, and the VM gives the same output bytes,
 * or the same panic or trap, as Node for the same .wasm. Inputs are small: the suite must stay fast.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { compileAssemblyScriptSource } from '../../guest/asc.ts';
import { compileWasm } from '../../guest/compiler/index.ts';
import type { Program } from '../../vm/program.ts';
import * as fib from '../../examples/fibonacci/input.ts';
import * as sort from '../../examples/sort/input.ts';
import * as sha from '../../examples/sha256/input.ts';
import * as mm from '../../examples/matmul/input.ts';
import * as mlp from '../../examples/mlp/input.ts';
import { EXAMPLES_DIR } from '../../guest/build.ts';
import { CACHE_DIR, comparableNodeOutcome, exampleProgram, exampleWasm, outcomeInVm, type ExampleName, type Outcome } from './_harness.ts';
import { runInNode } from './_node-host.ts';

const RUNS = 12;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function nodeOutput(wasm: Uint8Array, input: Uint8Array): Uint8Array {
  const r = runInNode(wasm, { input });
  if (!r.ok) throw new Error(`guest failed in Node: ${r.panic ?? r.trap}`);
  return r.output;
}

/** VM vs Node on one input: same output, or same failure. */
function expectSameInVm(program: Program, wasm: Uint8Array, input: Uint8Array): Outcome {
  const node = comparableNodeOutcome(wasm, { input });
  expect(outcomeInVm(program, { input })).toEqual(node);
  return node;
}

const int8 = fc.oneof(fc.integer({ min: -128, max: 127 }), fc.constantFrom(-128, 127, 0, -1, 1));
const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff));

describe('fibonacci', () => {
  let wasm: Uint8Array;
  beforeAll(async () => {
    wasm = await exampleWasm('fibonacci');
  });
  const ns = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constantFrom(0, 1, 2, 92, 93, 94));

  it('commits fib(n) mod 2^64 in Node', () => {
    fc.assert(fc.property(ns, (n) => {
      expect(fib.decodeOutput(nodeOutput(wasm, fib.encodeInput(n)))).toBe(fib.fibReference(n));
    }), { numRuns: 30 });
  });
  it('gives the same output in the VM', async () => {
    const program = await exampleProgram('fibonacci');
    fc.assert(fc.property(ns, (n) => {
      expect(expectSameInVm(program, wasm, fib.encodeInput(n)).kind).toBe('ok');
    }), { numRuns: RUNS });
  });
  it('panics the same way on a short input', async () => {
    const program = await exampleProgram('fibonacci');
    const o = expectSameInVm(program, wasm, Uint8Array.from([1, 2]));
    expect(o).toMatchObject({ kind: 'panic', message: 'readU32: private input ended after 2 of 4 bytes' });
  });
});

describe('sort', () => {
  let wasm: Uint8Array;
  beforeAll(async () => {
    wasm = await exampleWasm('sort');
  });
  const arrays = fc.array(u32, { maxLength: 80 });

  it('sorts the u32s ascending in Node', () => {
    fc.assert(fc.property(arrays, (a) => {
      expect(Array.from(sort.decodeOutput(nodeOutput(wasm, sort.encodeInput(a))))).toEqual(Array.from(sort.sortReference(a)));
    }), { numRuns: 30 });
  });
  it('gives the same output in the VM', async () => {
    const program = await exampleProgram('sort');
    fc.assert(fc.property(arrays, (a) => {
      expect(expectSameInVm(program, wasm, sort.encodeInput(a)).kind).toBe('ok');
    }), { numRuns: RUNS });
  });
  it('panics the same way when the input is not whole u32s', async () => {
    const program = await exampleProgram('sort');
    const o = expectSameInVm(program, wasm, Uint8Array.from([1, 2, 3, 4, 5]));
    expect(o).toMatchObject({ kind: 'panic', message: 'sort: input length 5 is not a multiple of 4' });
  });
});

describe('sha256', () => {
  let wasm: Uint8Array;
  beforeAll(async () => {
    wasm = await exampleWasm('sha256');
  });
  // Around the padding boundaries (55/56 bytes: length fits or not; 64: whole block) and beyond one read chunk.
  const LENGTHS = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 1025];
  const message = (len: number, seed: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i * 31 + seed * 7 + (i >> 3)) & 0xff);

  it.each(LENGTHS)('equals @noble/hashes for a %i-byte message in Node', (len) => {
    const input = sha.encodeInput(message(len, len));
    expect(hex(nodeOutput(wasm, input))).toBe(hex(sha256(input)));
  });
  it('equals @noble/hashes at every boundary length in the VM', async () => {
    const program = await exampleProgram('sha256');
    for (const len of LENGTHS) {
      const input = sha.encodeInput(message(len, len));
      expect(outcomeInVm(program, { input })).toEqual({ kind: 'ok', output: hex(sha256(input)) });
    }
  });
  it('equals @noble/hashes on random messages in the VM', async () => {
    const program = await exampleProgram('sha256');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (m) => {
        expect(outcomeInVm(program, { input: m })).toEqual({ kind: 'ok', output: hex(sha256(m)) });
      }),
      { numRuns: RUNS },
    );
  });
  it('hashes a string the same as TextEncoder + noble', () => {
    expect(hex(nodeOutput(wasm, sha.encodeInput('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('matmul', () => {
  let wasm: Uint8Array;
  beforeAll(async () => {
    wasm = await exampleWasm('matmul');
  });
  const problem = fc
    .record({ n: fc.integer({ min: 0, max: 6 }), k: fc.integer({ min: 0, max: 7 }), m: fc.integer({ min: 0, max: 6 }) })
    .chain(({ n, k, m }) =>
      fc.record({ n: fc.constant(n), k: fc.constant(k), m: fc.constant(m), a: fc.array(int8, { minLength: n * k, maxLength: n * k }), b: fc.array(int8, { minLength: k * m, maxLength: k * m }) }),
    );

  it('equals the TypeScript reference in Node, extremes included', () => {
    fc.assert(
      fc.property(problem, ({ n, k, m, a, b }) => {
        expect(Array.from(mm.decodeOutput(nodeOutput(wasm, mm.encodeInput(n, k, m, a, b))))).toEqual(Array.from(mm.matmulReference(n, k, m, a, b)));
      }),
      { numRuns: 40 },
    );
    // All -128: the largest magnitudes an int8 product sum can reach.
    const k = 64;
    const all = new Array<number>(k).fill(-128);
    expect(Array.from(mm.decodeOutput(nodeOutput(wasm, mm.encodeInput(1, k, 1, all, all))))).toEqual([k * 16384]);
  });
  it('gives the same output in the VM', async () => {
    const program = await exampleProgram('matmul');
    fc.assert(fc.property(problem, ({ n, k, m, a, b }) => {
      expect(expectSameInVm(program, wasm, mm.encodeInput(n, k, m, a, b)).kind).toBe('ok');
    }), { numRuns: RUNS });
  });
  it('panics the same way on a truncated matrix and on oversized dimensions', async () => {
    const program = await exampleProgram('matmul');
    const full = mm.encodeInput(2, 2, 2, [1, 2, 3, 4], [5, 6, 7, 8]);
    expect(expectSameInVm(program, wasm, full.subarray(0, full.length - 1))).toMatchObject({ kind: 'panic', message: 'readInt8Array: private input ended after 3 of 4 bytes' });
    const huge = Uint8Array.from([0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0]); // n = k = 65536: A would have 2^32 elements
    expect(expectSameInVm(program, wasm, huge)).toMatchObject({ kind: 'panic', message: expect.stringMatching(/^matmul: A has 4294967296 elements/) });
  });
});

describe('mlp', () => {
  let wasm: Uint8Array;
  beforeAll(async () => {
    wasm = await exampleWasm('mlp');
  });
  const modelAndInput = fc
    .array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 4 })
    .chain((dims) =>
      fc.record({
        model: fc.record({
          dims: fc.constant(dims),
          layers: fc.tuple(
            ...dims.slice(1).map((out, l) =>
              fc.record({
                weights: fc.array(int8, { minLength: dims[l]! * out, maxLength: dims[l]! * out }),
                bias: fc.array(fc.integer({ min: -(1 << 20), max: 1 << 20 }), { minLength: out, maxLength: out }),
                multiplier: fc.oneof(fc.integer({ min: 0, max: 0x7fffffff }), fc.constantFrom(0x7fffffff, 1 << 30, 0)),
                shift: fc.integer({ min: 0, max: 31 }),
              }),
            ),
          ),
        }),
        x: fc.array(int8, { minLength: dims[0]!, maxLength: dims[0]! }),
        commitLogits: fc.boolean(),
      }),
    );

  it('equals the TypeScript reference (matmul, bias, ReLU, TFLite requantize, argmax) in Node', () => {
    fc.assert(
      fc.property(modelAndInput, ({ model, x, commitLogits }) => {
        const got = mlp.decodeOutput(nodeOutput(wasm, mlp.encodeInput(model, x, { commitLogits })));
        const want = mlp.mlpReference(model, x);
        expect(got.classIndex).toBe(want.classIndex);
        if (commitLogits) expect(Array.from(got.logits!)).toEqual(Array.from(want.logits));
        else expect(got.logits).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });
  it('gives the same output in the VM', async () => {
    const program = await exampleProgram('mlp');
    fc.assert(
      fc.property(modelAndInput, ({ model, x, commitLogits }) => {
        expect(expectSameInVm(program, wasm, mlp.encodeInput(model, x, { commitLogits })).kind).toBe('ok');
      }),
      { numRuns: RUNS },
    );
  });
  it('panics the same way on a bad header', async () => {
    const program = await exampleProgram('mlp');
    const noLayers = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(expectSameInVm(program, wasm, noLayers)).toMatchObject({ kind: 'panic', message: 'mlp: layer count 0 is not in 1..64' });
    const badShift = mlp.encodeInput({ dims: [1, 1, 1], layers: [{ weights: [1], bias: [0], multiplier: 1, shift: 32 }, { weights: [1], bias: [0] }] }, [1]);
    expect(expectSameInVm(program, wasm, badShift)).toMatchObject({ kind: 'panic', message: 'mlp: layer 0 shift 32 is not in 0..31' });
  });

  describe('requantize layer', () => {
    const EDGES = [-0x80000000, -0x7fffffff, -65536, -257, -1, 0, 1, 255, 65535, 0x7fffffff];
    let twin: Uint8Array;
    beforeAll(async () => {
      // A harness guest around the mlp example's own layer functions: reads (acc, multiplier,
      // shift) triples and commits srdhm, rdbpot and the clamped int8 for each.
      twin = await compileAssemblyScriptSource(
        `import { readInput, commitI32 } from "zkvm-sdk";
import { saturatingRoundingDoublingHighMul, roundingDivideByPOT, requantize } from "./mlp/assembly/layers";
export function main(): void {
  const inp = readInput();
  for (let p = 0; p + 12 <= inp.length; p += 12) {
    const acc = load<i32>(inp.dataStart + p), mul = load<i32>(inp.dataStart + p + 4), sh = load<i32>(inp.dataStart + p + 8);
    const h = saturatingRoundingDoublingHighMul(acc, mul);
    commitI32(h);
    commitI32(roundingDivideByPOT(h, sh));
    const one = new Int32Array(1); one[0] = acc;
    commitI32(<i32>requantize(one, mul, sh)[0]);
  }
}`,
        { baseDir: EXAMPLES_DIR, cacheDir: CACHE_DIR },
      );
    });
    const triple = fc.tuple(
      fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(...EDGES)),
      fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(...EDGES)),
      fc.oneof(fc.integer({ min: 0, max: 31 }), fc.constantFrom(0, 1, 30, 31)),
    );
    const encode = (ts: Array<[number, number, number]>): Uint8Array => {
      const out = new Uint8Array(ts.length * 12);
      const v = new DataView(out.buffer);
      ts.forEach(([a, m, s], i) => {
        v.setInt32(i * 12, a, true);
        v.setInt32(i * 12 + 4, m, true);
        v.setInt32(i * 12 + 8, s, true);
      });
      return out;
    };
    const expected = (ts: Array<[number, number, number]>): number[] =>
      ts.flatMap(([a, m, s]) => {
        const h = mlp.srdhmReference(a, m);
        return [h, mlp.rdbpotReference(h, s), mlp.requantizeReference(a, m, s)];
      });

    const edges: Array<[number, number, number]> = [];
    for (const a of EDGES) for (const m of EDGES) for (const s of [0, 1, 31]) edges.push([a, m, s]);
    const asBytes = (values: number[]): number[] => Array.from(new Uint8Array(Int32Array.from(values).buffer));

    it('matches the gemmlowp reference on edge and random operands in Node', () => {
      expect(Array.from(nodeOutput(twin, encode(edges)))).toEqual(asBytes(expected(edges)));
      fc.assert(
        fc.property(fc.array(triple, { minLength: 1, maxLength: 30 }), (ts) => {
          expect(Array.from(nodeOutput(twin, encode(ts)))).toEqual(asBytes(expected(ts)));
        }),
        { numRuns: 30 },
      );
    });
    it('gives the same results in the VM', () => {
      const twinProgram = compileWasm(twin, { name: 'requantize-twin' });
      expect(outcomeInVm(twinProgram, { input: encode(edges) })).toEqual({ kind: 'ok', output: hex(Uint8Array.from(asBytes(expected(edges)))) });
      fc.assert(
        fc.property(fc.array(triple, { minLength: 1, maxLength: 30 }), (ts) => {
          expect(outcomeInVm(twinProgram, { input: encode(ts) })).toEqual({ kind: 'ok', output: hex(Uint8Array.from(asBytes(expected(ts)))) });
        }),
        { numRuns: 8 },
      );
    });
    it('saturates the one overflowing product and rounds ties away from zero', () => {
      expect(mlp.srdhmReference(-0x80000000, -0x80000000)).toBe(0x7fffffff);
      expect(mlp.rdbpotReference(5, 1)).toBe(3);
      expect(mlp.rdbpotReference(-5, 1)).toBe(-3);
      expect(mlp.rdbpotReference(4, 1)).toBe(2);
    });
  });
});

it('every example folder is covered here', async () => {
  const { listExamples } = await import('../../guest/build.ts');
  expect(await listExamples()).toEqual(['fibonacci', 'matmul', 'mlp', 'sha256', 'sort']);
});

describe('sample inputs (examples/make-inputs.ts)', () => {
  it('every sample runs to completion in Node and matches its reference', async () => {
    const { sampleInputs } = await import('../../examples/make-inputs.ts');
    const samples = sampleInputs();
    expect(Object.keys(samples).sort()).toEqual(['fibonacci', 'matmul', 'mlp', 'sha256', 'sort']);
    expect(fib.decodeOutput(nodeOutput(await exampleWasm('fibonacci'), samples.fibonacci!))).toBe(fib.fibReference(1000));
    expect(hex(nodeOutput(await exampleWasm('sha256'), samples.sha256!))).toBe('d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592');
    for (const name of ['sort', 'matmul', 'mlp'] as const) expect(runInNode(await exampleWasm(name), { input: samples[name]! }).ok).toBe(true);
  });
  it('every sample gives the same output in the VM', async () => {
    const { sampleInputs } = await import('../../examples/make-inputs.ts');
    for (const [name, input] of Object.entries(sampleInputs())) {
      expect(expectSameInVm(await exampleProgram(name as ExampleName), await exampleWasm(name as ExampleName), input).kind).toBe('ok');
    }
  });
});

it('the mlp host script agrees with the reference', async () => {
  const { runMlpExample } = await import('../../examples/mlp/host.ts');
  const r = await runMlpExample(16, 8, 4);
  expect(r.matchesReference).toBe(true);
  expect(r.cycles).toBeGreaterThan(16 * 8);
});

describe.skipIf(!process.env.SLOW)('larger inputs (npm run test:slow)', () => {
  const words = (n: number, seed: number): number[] => {
    let x = seed;
    return Array.from({ length: n }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    });
  };
  it('sha256 of 64 KiB, sort of 5,000 values and a 784-128-10 mlp agree in the VM, Node and the references', async () => {
    const msg = Uint8Array.from(words(65536, 3), (w) => w & 0xff);
    const shaOut = outcomeInVm(await exampleProgram('sha256'), { input: msg });
    expect(shaOut).toEqual({ kind: 'ok', output: hex(sha256(msg)) });

    const values = words(5000, 5);
    const sortOut = outcomeInVm(await exampleProgram('sort'), { input: sort.encodeInput(values) });
    expect(sortOut).toEqual({ kind: 'ok', output: hex(sort.encodeInput(sort.sortReference(values))) });

    const i8 = (n: number, seed: number) => words(n, seed).map((w) => (w % 256) - 128);
    const model: mlp.MlpModel = {
      dims: [784, 128, 10],
      layers: [
        { weights: i8(784 * 128, 7), bias: i8(128, 8).map((b) => b * 64), multiplier: 1_518_500_250, shift: 12 },
        { weights: i8(128 * 10, 9), bias: i8(10, 10) },
      ],
    };
    const x = i8(784, 11);
    const input = mlp.encodeInput(model, x, { commitLogits: true });
    const vm = outcomeInVm(await exampleProgram('mlp'), { input });
    expect(vm).toEqual(comparableNodeOutcome(await exampleWasm('mlp'), { input }));
    const want = mlp.mlpReference(model, x);
    expect(mlp.decodeOutput(Buffer.from((vm as { output: string }).output, 'hex'))).toEqual({ classIndex: want.classIndex, logits: want.logits });
  });
});

describe('inputs sized to a cycle budget (examples/sizing.ts)', () => {
  it.each([
    ['sha256', 1 << 14],
    ['sha256', 1 << 16],
    ['sort', 1 << 14],
    ['sort', 1 << 16],
  ] as const)('%s at %i cycles lands close to the target', async (name, target) => {
    const { inputForCycles } = await import('../../examples/sizing.ts');
    const program = await exampleProgram(name);
    const { input, cycles } = inputForCycles(name, target, program);
    // SHA-256 moves in whole 64-byte blocks (~4,300 cycles), which bounds how close it can land.
    const granularity = name === 'sha256' ? 4400 : 0;
    expect(Math.abs(cycles - target)).toBeLessThan(Math.max(0.05 * target, granularity));
    expect(outcomeInVm(program, { input }).kind).toBe('ok');
  });
});
