import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { defineTable } from '../../../prover/air/builder.ts';
import { layout } from '../../../prover/air/layout.ts';
import { checkAllConstraints, checkBuses } from '../../../prover/air/debug.ts';
import { eachLabel, rejectionsOf, attacksPassingWithout, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { defineMachine } from '../../../prover/stark/machine.ts';
import { prove, setup, type ProvingKey } from '../../../prover/stark/prove.ts';
import { verify } from '../../../prover/stark/verify.ts';
import { ProofOptions } from '../../../prover/options.ts';
import { VerifyError } from '../../../prover/errors.ts';
import { P, add, inv, mul, sub } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { AddSubCols, addSubBus, addSubTable, addSubTrace, addSubTuple, type AddSubEvent } from '../../../vm/tables/add-sub.ts';
import { range16, range8, defineRangeCheck } from '../../../vm/tables/range.ts';

/** Test-only CPU side: sends one add-sub tuple per row with multiplicity isReal. */
const StubCols = layout({ tuple: 8, isReal: 1 });
const cpuStub = defineTable({
  name: 'cpu-stub',
  cols: StubCols,
  eval(b) {
    const r = b.local(StubCols);
    addSubBus.send(b, r.tuple, r.isReal);
  },
});

function stubTrace(events: readonly AddSubEvent[], height: number): Matrix {
  const v = new Uint32Array(height * StubCols.width);
  events.forEach((e, i) => {
    v.set(addSubTuple(e, e.clk ?? i), i * StubCols.width);
    v[i * StubCols.width + StubCols.isReal] = 1;
  });
  return { values: v, width: StubCols.width, height };
}

const EDGES = [0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 0xffff, 0x10000];

function randomEvents(seed: number, count: number): AddSubEvent[] {
  let s = seed >>> 0 || 1;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const word = (): number => (next() & 3) === 0 ? EDGES[next() % EDGES.length]! : next();
  return Array.from({ length: count }, () => ({ op: next() & 1 ? 'sub' : 'add', a: word(), b: word() }));
}

/** a + b and a - b as WebAssembly's i32.add / i32.sub, as unsigned words. */
const wasmAdd = (a: number, b: number): number => (a + b) | 0;
const wasmSub = (a: number, b: number): number => (a - b) | 0;

function witness(events: readonly AddSubEvent[]) {
  const counts = range16.counts();
  const trace = addSubTrace(events, counts);
  return { trace, stub: stubTrace(events, trace.height), range: range16.trace(counts) };
}

describe('range tables', () => {
  it('have 2^bits rows with every value once, and record counts what lookups send', () => {
    expect(range8.table.preprocessed!.values().values).toEqual(Uint32Array.from({ length: 256 }, (_, i) => i));
    expect(range16.table.preprocessed!.values().height).toBe(65536);
    const c = range8.counts();
    range8.record(c, 7);
    range8.record(c, 7);
    range8.record(c, 255);
    expect([c[7], c[255], c[0]]).toEqual([2, 1, 0]);
    expect(() => range8.record(c, 256)).toThrow(RangeError);
    expect(() => range8.record(c, -1)).toThrow(RangeError);
    expect(() => defineRangeCheck(0)).toThrow(RangeError);
    expect(range16.table.info).toMatchObject({ width: 1, preprocessedWidth: 1, buses: [{ bus: 'range16', kind: 'receive', arity: 1 }] });
  });

  it('a range8 lookup balances only for values below 256', () => {
    const C = layout({ x: 1 });
    const user = defineTable({ name: 'user8', cols: C, eval: (b) => range8.lookup(b, 'x is a byte', [b.local(C).x], 1) });
    const counts = range8.counts();
    const xs = [0, 5, 255, 5];
    xs.forEach((x) => range8.record(counts, x));
    const t = { values: Uint32Array.from(xs), width: 1, height: 4 };
    expect(checkBuses([{ table: user, trace: t }, { table: range8.table, trace: range8.trace(counts) }]).ok).toBe(true);
    t.values[2] = 256;
    const r = checkBuses([{ table: user, trace: t }, { table: range8.table, trace: range8.trace(counts) }]);
    expect(r.busFailures).toContainEqual({ bus: 'range8', table: 'user8', row: 2, tuple: [256], multiplicity: 1 });
  });
});

describe('add-sub table', () => {
  it('costs: 11 columns, degree 3, receives on add-sub and looks up 2 limbs on range16', () => {
    expect(addSubTable.info).toMatchObject({ width: 11, maxDegree: 3 });
    expect(addSubTable.info.buses).toEqual([
      { bus: 'range16', kind: 'send', arity: 1 },
      { bus: 'range16', kind: 'send', arity: 1 },
      { bus: 'add-sub', kind: 'receive', arity: 8 },
    ]);
  });

  it('computes c exactly as i32.add / i32.sub on edge values', () => {
    for (const a of EDGES) {
      for (const b of EDGES) {
        for (const op of ['add', 'sub'] as const) {
          const { trace } = witness([{ op, a, b }]);
          const c = trace.values[AddSubCols.c]! + trace.values[AddSubCols.c + 1]! * 0x10000;
          expect(c | 0).toBe(op === 'add' ? wasmAdd(a, b) : wasmSub(a, b));
        }
      }
    }
    // negative i32 inputs are the same words
    expect(addSubTuple({ op: 'sub', a: -1, b: 1 }, 0)).toEqual(addSubTuple({ op: 'sub', a: 0xffffffff, b: 1 }, 0));
  });

  it('accepts honest traces: constraints and buses (fast-check over u32 pairs incl. edges)', () => {
    const word = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: 0, max: 0xffffffff }));
    const ev = fc.record({ op: fc.constantFrom<'add' | 'sub'>('add', 'sub'), a: word, b: word });
    fc.assert(
      fc.property(fc.array(ev, { minLength: 1, maxLength: 40 }), (events) => {
        const w = witness(events);
        const c = checkAllConstraints(addSubTable, w.trace);
        const b = checkBuses([
          { table: addSubTable, trace: w.trace },
          { table: cpuStub, trace: w.stub },
          { table: range16.table, trace: w.range },
        ]);
        return c.ok && b.ok;
      }),
      { numRuns: 25 },
    );
  });

  it('refuses events that are not u32 add/sub', () => {
    const counts = range16.counts();
    expect(() => addSubTrace([{ op: 'mul' as 'add', a: 1, b: 2 }], counts)).toThrow(TypeError);
    expect(() => addSubTrace([{ op: 'add', a: 2 ** 32, b: 2 }], counts)).toThrow(RangeError);
    expect(() => addSubTrace([{ op: 'add', a: 1.5, b: 2 }], counts)).toThrow(RangeError);
  });
});

// ---- attacks (STYLE §5) ----

/** Rows 0..3 hold these events; the rest are random; rows >= 20 are padding. */
const FIXED: AddSubEvent[] = [
  { op: 'add', a: 0xffff, b: 1 }, // row 0: c = 0x10000 (carry out of the low limb)
  { op: 'add', a: 0x1ffff, b: 1 }, // row 1: c = 0x20000, carry0 = 1, c1 = 2
  { op: 'sub', a: 0, b: 1 }, // row 2: c = 0xffffffff (borrow)
  { op: 'add', a: 1, b: 1 }, // row 3: c = 2
];
const EVENTS = [...FIXED, ...randomEvents(7, 16)];
const W = AddSubCols.width;

/** The other tables of the current honest witness, which a cheater re-derives after each mutation. */
let current: { stub: Matrix; range: Matrix } | undefined;

const scenario: Scenario = {
  table: addSubTable,
  honest() {
    const w = witness(EVENTS);
    current = { stub: w.stub, range: w.range };
    return { trace: w.trace, others: [{ table: cpuStub, trace: w.stub }, { table: range16.table, trace: w.range }] };
  },
};

/**
 * A cheat on the add-sub trace followed by the best re-derivation: range16 counts always follow
 * the limbs of c actually looked up (those in range); with `cpuFollows` the CPU side sends exactly
 * the (possibly forged) rows, as a CPU writing the forged result would.
 */
function cheat(f: (t: Matrix) => void, cpuFollows: boolean): Attack['mutate'] {
  return (t) => {
    f(t);
    const cur = current!;
    const counts = cur.range.values;
    counts.fill(0);
    for (let i = 0; i < t.height; i++) {
      const o = i * W;
      const m = t.values[o + AddSubCols.isReal]!;
      for (let j = 0; j < 2; j++) {
        const v = t.values[o + AddSubCols.c + j]!;
        if (v < 0x10000) counts[v] = add(counts[v]!, m);
      }
      if (cpuFollows) {
        const s = cur.stub.values;
        const so = i * StubCols.width;
        const row = [AddSubCols.isSub, AddSubCols.a, AddSubCols.a + 1, AddSubCols.b, AddSubCols.b + 1, AddSubCols.c, AddSubCols.c + 1, AddSubCols.clk];
        row.forEach((col, k) => (s[so + k] = t.values[o + col]!));
        s[so + StubCols.isReal] = m;
      }
    }
  };
}

const set = (t: Matrix, row: number, col: number, v: number): void => {
  t.values[row * W + col] = ((v % P) + P) % P;
};
const get = (t: Matrix, row: number, col: number): number => t.values[row * W + col]!;
const TWO16_INV = inv(0x10000);

const ATTACKS: Attack[] = [
  {
    attack: 'claims 0xffff + 1 = 0 with carry 0',
    mutate: cheat((t) => [AddSubCols.c, AddSubCols.c + 1, AddSubCols.carry, AddSubCols.carry + 1].forEach((c) => set(t, 0, c, 0)), true),
    caughtBy: 'low limb: p0 + q0 = r0 + carry0 * 2^16',
  },
  {
    attack: 'claims 1 + 1 = 0x10002 (high limb off by one)',
    mutate: cheat((t) => set(t, 3, AddSubCols.c + 1, 1), true),
    caughtBy: 'high limb: p1 + q1 + carry0 = r1 + carry1 * 2^16',
  },
  {
    attack: 'claims 0 - 1 = 0 (drops the borrow)',
    mutate: cheat((t) => [AddSubCols.c, AddSubCols.c + 1, AddSubCols.carry, AddSubCols.carry + 1].forEach((c) => set(t, 2, c, 0)), true),
    caughtBy: 'low limb: p0 + q0 = r0 + carry0 * 2^16',
  },
  {
    // carry0 = 30720 is -1 / 2^16 in the field, so the low limb takes one extra and the high limb 30720
    attack: 'claims 1 + 1 = 30720 * 2^16 + 3 with carry0 = 30720 (= -1 / 2^16)',
    mutate: cheat((t) => {
      expect(mul(30720, 0x10000)).toBe(P - 1);
      set(t, 3, AddSubCols.c, 3);
      set(t, 3, AddSubCols.c + 1, 30720);
      set(t, 3, AddSubCols.carry, 30720);
    }, true),
    caughtBy: 'carries are bits [0]',
  },
  {
    attack: 'claims 1 + 1 = 7 * 2^16 + 2 with carry1 = -7 / 2^16',
    mutate: cheat((t) => {
      set(t, 3, AddSubCols.c + 1, 7);
      set(t, 3, AddSubCols.carry + 1, mul(sub(0, 7), TWO16_INV));
    }, true),
    caughtBy: 'carries are bits [1]',
  },
  {
    attack: 'carry = 2 (low limb result pushed below zero)',
    mutate: cheat((t) => {
      set(t, 3, AddSubCols.carry, 2);
      set(t, 3, AddSubCols.c, 2 - 0x20000);
      set(t, 3, AddSubCols.c + 1, 2);
    }, true),
    caughtBy: 'carries are bits [0]',
  },
  {
    attack: 'limb out of range: 0x1ffff + 1 written as limbs (0x10000, 1) with carry0 = 0',
    mutate: cheat((t) => {
      set(t, 1, AddSubCols.c, 0x10000);
      set(t, 1, AddSubCols.c + 1, 1);
      set(t, 1, AddSubCols.carry, 0);
    }, true),
    caughtBy: 'range16',
  },
  {
    attack: 'isReal = 2 (receives a tuple twice)',
    mutate: cheat((t) => set(t, 3, AddSubCols.isReal, 2), true),
    caughtBy: 'isReal is a bit',
  },
  {
    attack: 'isSub = 2 (neither add nor sub) on a zero row',
    mutate: cheat((t) => {
      set(t, 25, AddSubCols.isReal, 1);
      set(t, 25, AddSubCols.isSub, 2);
    }, true),
    caughtBy: 'isSub is a bit',
  },
  {
    attack: 'padding row sends a value: receives 0 + 0 = 0 that the CPU never sent',
    mutate: cheat((t) => set(t, 25, AddSubCols.isReal, 1), false),
    caughtBy: 'add-sub',
  },
  {
    attack: 'proves a + 1 = c + 1 instead of the CPU operands (a changed in the table only)',
    mutate: cheat((t) => {
      set(t, 3, AddSubCols.a, get(t, 3, AddSubCols.a) + 1);
      set(t, 3, AddSubCols.c, get(t, 3, AddSubCols.c) + 1);
    }, false),
    caughtBy: 'add-sub',
  },
  {
    attack: 'relabels an add as a sub (the CPU asked for add)',
    mutate: cheat((t) => {
      // 1 + 1 = 2 as a sub row: b + c = a means 1 + c = 1, so c = 0
      set(t, 3, AddSubCols.isSub, 1);
      set(t, 3, AddSubCols.c, 0);
      set(t, 3, AddSubCols.carry, 0);
    }, false),
    caughtBy: 'add-sub',
  },
];

describe('add-sub attacks', () => {
  it('the scenario is honest', () => {
    expect(rejectionsOf(scenario, { attack: 'none', mutate: () => {}, caughtBy: '' })).toEqual([]);
  });

  it.each(ATTACKS)('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  it('every constraint and bus is needed: dropping it lets some attack through', () => {
    for (const label of [...eachLabel(addSubTable), 'range16', 'add-sub']) {
      expect(attacksPassingWithout(scenario, label, ATTACKS).length, label).toBeGreaterThan(0);
    }
  });

  it('rejects any single-cell change in a, b, c of a real row (CPU side unchanged)', () => {
    const cols = [AddSubCols.a, AddSubCols.a + 1, AddSubCols.b, AddSubCols.b + 1, AddSubCols.c, AddSubCols.c + 1];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EVENTS.length - 1 }), fc.constantFrom(...cols), fc.integer({ min: 1, max: P - 1 }), (row, col, delta) => {
        const mutate = cheat((t) => set(t, row, col, get(t, row, col) + delta), false);
        return rejectionsOf(scenario, { attack: 'cell', mutate, caughtBy: '' }).length > 0;
      }),
      { numRuns: 30 },
    );
  });
});

describe('add-sub end to end (real prover and verifier)', () => {
  const machine = defineMachine('add-sub-test', [cpuStub, addSubTable, range16.table]);
  const OPTS = ProofOptions.testing();
  let pk: ProvingKey;
  beforeAll(async () => {
    pk = await setup(machine, OPTS);
  });
  const events = [...FIXED, ...randomEvents(3, 4)];

  it('proves and verifies add-sub + range16 + a CPU stub', async () => {
    const w = witness(events);
    const proof = await prove(machine, { traces: [w.stub, w.trace, w.range] }, { options: OPTS, provingKey: pk });
    expect(() => verify(machine, proof, { minSecurityBits: 0, vk: pk.vk })).not.toThrow();
  });

  it('rejects the proof when the CPU sends another result (debug off)', async () => {
    const w = witness(events);
    const o = 3 * StubCols.width + 5; // row 3, tuple[5] = c0
    w.stub.values[o] = w.stub.values[o]! + 1;
    expect(checkBuses([{ table: cpuStub, trace: w.stub }, { table: addSubTable, trace: w.trace }, { table: range16.table, trace: w.range }]).busFailures[0]).toMatchObject({ bus: 'add-sub' });
    const proof = await prove(machine, { traces: [w.stub, w.trace, w.range] }, { options: OPTS, provingKey: pk, debug: false });
    let check = 'accepted';
    try {
      verify(machine, proof, { minSecurityBits: 0, vk: pk.vk });
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      check = e.check;
    }
    expect(check).toBe('bus-balance');
  });
});
