import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, attacksPassingWithout, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { checkBuses } from '../../../prover/air/debug.ts';
import { P } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { ISA, OP } from '../../../vm/isa.ts';
import { ALU_ARITY } from '../../../vm/tables/alu.ts';
import { MUL_OPS, MulCols, mulTable, mulTrace } from '../../../vm/tables/mul.ts';
import { aluWitness, debugCheck, freshCounts, others, proveAndVerify, toEvents, type AluEvent, type AluWitness } from './_alu-harness.ts';
import { forgedProofCheck } from './_alu-ref.ts';
import { rederive } from './_alu-cheat.ts';

const MUL = OP['mul']!, MULI = OP['mul.i']!, MUL64 = OP['mul64']!;

/** The reference result of a mul-table opcode, from ISA[op].semantics. */
function refEvent(op: number, x: number, y: number, xh = 0, yh = 0): AluEvent {
  const s = ISA[op]!.semantics;
  if (s.kind === 'bin32') return { op, x, y, z: s.fn(x | 0, y | 0) };
  if (s.kind !== 'bin64') throw new Error('not a binary op');
  const X = (BigInt(xh | 0) << 32n) | BigInt(x >>> 0), Y = (BigInt(yh | 0) << 32n) | BigInt(y >>> 0);
  const Z = s.fn(BigInt.asIntN(64, X), BigInt.asIntN(64, Y));
  return { op, x, xh, y, yh, z: Number(BigInt.asIntN(32, Z)), zh: Number(BigInt.asIntN(32, Z >> 32n)) };
}

const EDGES = [0, 1, -1, 2, 0x80000000 | 0, 0x7fffffff, 0xffff, 0x10000, 0x12345678, -0x10001];

function randomEvents(seed: number, count: number): AluEvent[] {
  let s = seed >>> 0 || 1;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const word = (): number => ((next() & 3) === 0 ? EDGES[next() % EDGES.length]! : next() | 0);
  return Array.from({ length: count }, () => {
    const op = MUL_OPS[next() % 3]!;
    return op === MUL64 ? refEvent(op, word(), word(), word(), word()) : refEvent(op, word(), word());
  });
}

const W = MulCols.width;
const get = (t: Matrix, row: number, col: number): number => t.values[row * W + col]!;
const set = (t: Matrix, row: number, col: number, v: number): void => {
  t.values[row * W + col] = ((v % P) + P) % P;
};

describe('mul table', () => {
  it('costs: 27 columns, degree 3; 8 byte-pair, 12 range16 lookups and one ALU receive', () => {
    expect(mulTable.info).toMatchObject({ width: 27, maxDegree: 3 });
    const buses = mulTable.info.buses;
    expect(buses.filter((b) => b.bus === 'bytes').length).toBe(8);
    expect(buses.filter((b) => b.bus === 'range16').length).toBe(12);
    expect(buses.filter((b) => b.bus === 'alu')).toEqual([{ bus: 'alu', kind: 'receive', arity: ALU_ARITY }]);
  });

  it('proves every opcode on edge values exactly as ISA semantics (constraints and buses)', () => {
    const list: AluEvent[] = [];
    for (const x of EDGES) {
      for (const y of EDGES) {
        list.push(refEvent(MUL, x, y), refEvent(MULI, x, y));
        list.push(refEvent(MUL64, x, y, x, y), refEvent(MUL64, x, y, -1, 0), refEvent(MUL64, y, x, 0x80000000 | 0, 0x7fffffff), refEvent(MUL64, x, y, 0, 0));
      }
    }
    const w = aluWitness(list, mulTrace);
    expect(debugCheck(mulTable, w)).toEqual({ ok: true, failures: [] });
    // the table's z limbs are the reference result
    list.forEach((e, i) => {
      const z = (get(w.trace, i, MulCols.z) | (get(w.trace, i, MulCols.z + 1) << 16)) | 0;
      expect(z).toBe(e.z);
      if (e.op === MUL64) expect((get(w.trace, i, MulCols.z + 2) | (get(w.trace, i, MulCols.z + 3) << 16)) | 0).toBe(e.zh);
    });
    expect(refEvent(MUL, 0x10000, 0x10000).z).toBe(0);
    expect(refEvent(MUL64, 0, 0, 1, 1)).toMatchObject({ z: 0, zh: 0 });
    expect(refEvent(MUL64, -1, -1, -1, -1)).toMatchObject({ z: 1, zh: 0 });
  });

  it('accepts honest traces of random words (fast-check)', () => {
    const word = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    const ev = fc.tuple(fc.constantFrom(...MUL_OPS), word, word, word, word).map(([op, x, y, xh, yh]) => (op === MUL64 ? refEvent(op, x, y, xh, yh) : refEvent(op, x, y)));
    fc.assert(
      fc.property(fc.array(ev, { minLength: 1, maxLength: 24 }), (list) => debugCheck(mulTable, aluWitness(list, mulTrace)).ok),
      { numRuns: 12 },
    );
  });

  it('refuses events of another opcode, a wrong product, or a 32-bit event with a high word', () => {
    const c = freshCounts();
    expect(() => mulTrace(toEvents([{ op: OP['add']!, x: 1, y: 2, z: 3 }]), c)).toThrow(/opcode .* not one of the mul table/);
    expect(() => mulTrace(toEvents([{ op: MUL, x: 3, y: 5, z: 16 }]), c)).toThrow(RangeError);
    expect(() => mulTrace(toEvents([{ ...refEvent(MUL64, 3, 5, 1, 0), zh: 0 }]), c)).toThrow(/not the product/);
    expect(() => mulTrace(toEvents([{ op: MUL, x: 3, xh: 1, y: 5, z: 15 }]), c)).toThrow(/nonzero high word/);
  });
});

// ---- attacks (STYLE §5) ----

/** Rows 0..5 hold these events; then random ones; rows >= EVENTS.length are padding. */
const FIXED: AluEvent[] = [
  refEvent(MUL64, 0xffff, 0xffff, 0, 0), // row 0: carry out of limb 0
  refEvent(MUL64, -1, -1, -1, -1), // row 1: every limb carries
  refEvent(MUL, 1, 0x100), // row 2: y = 0x100, bytes (0, 1)
  refEvent(MUL, 6, 7), // row 3
  refEvent(MUL64, 3, 5, 0, 0), // row 4: small wide product, high limbs 0
  refEvent(MUL64, 0x12345678, 0x9abcdef, 0x1111, 0x2222), // row 5
];
const EVENTS = [...FIXED, ...randomEvents(11, 8)]; // 14 events: rows 14, 15 are padding
const PAD = 15;

let current: AluWitness | undefined;
const scenario: Scenario = {
  table: mulTable,
  honest() {
    current = aluWitness(EVENTS, mulTrace);
    return { trace: current.trace, others: others(current) };
  },
};

/** A forged change followed by the cheater's best re-derivation (lookup counts; CPU too if `cpuFollows`). */
const cheat = (f: (t: Matrix) => void, cpuFollows: boolean): Attack['mutate'] => (t) => {
  f(t);
  rederive(mulTable, t, current!, cpuFollows);
};

/** The honest row of another event, written over row `row` (selector included). */
function putRow(t: Matrix, row: number, e: AluEvent): void {
  const one = mulTrace(toEvents([e]), freshCounts());
  t.values.set(one.values.subarray(0, W), row * W);
}

const SEL = (k: number) => MulCols.sel + k;

const ATTACKS: Attack[] = [
  ...[0, 1, 2, 3].map((k) => ({
    attack: `claims limb ${k} of 0x1234_5678... * ... is one more (CPU writes it too)`,
    mutate: cheat((t) => set(t, 5, MulCols.z + k, get(t, 5, MulCols.z + k) + 1), true),
    caughtBy: `limb ${k}: P${2 * k} + 256 P${2 * k + 1}${k > 0 ? ` + c${k - 1}` : ''} = z${k} + 2^16 c${k}`,
  })),
  {
    attack: 'claims 0xffff * 0xffff has low limb 0xffff + 2^16 = 0x1ffff, carry one less (limb out of range)',
    mutate: cheat((t) => {
      set(t, 0, MulCols.z, get(t, 0, MulCols.z) + 0x10000);
      set(t, 0, MulCols.carry, get(t, 0, MulCols.carry) - 1);
    }, true),
    caughtBy: 'range16',
  },
  {
    // 30720 * 2^16 = -1 mod p: the top carry grows by 30720 (< 2^16, so a plain u16 check passes) and z3 by 1
    attack: 'claims (-1:-1) * (-1:-1) has z3 + 1, with top carry c3 + 30720 (u16 but not below 2^14)',
    mutate: cheat((t) => {
      set(t, 1, MulCols.z + 3, get(t, 1, MulCols.z + 3) + 1);
      set(t, 1, MulCols.carry + 3, get(t, 1, MulCols.carry + 3) + 30720);
    }, true),
    caughtBy: 'range16',
  },
  {
    attack: 'splits y = 0x100 into bytes (256, 0) instead of (0, 1) (same limb, same product)',
    mutate: cheat((t) => {
      set(t, 2, MulCols.y, 256);
      set(t, 2, MulCols.y + 1, 0);
    }, true),
    caughtBy: 'bytes',
  },
  {
    attack: 'a 32-bit mul row with xh = 1 (the tuple carries a high word; z low is unchanged)',
    mutate: cheat((t) => {
      putRow(t, 3, refEvent(MUL64, 6, 7, 1, 0));
      set(t, 3, SEL(2), 0);
      set(t, 3, SEL(0), 1);
    }, true),
    caughtBy: '32-bit rows: high bytes of x and y are 0',
  },
  {
    attack: 'selectors (-1, 1, 1) on a mul64 row: receives opcode mul.i + mul64 - mul (= div_s64) with mul64 semantics',
    mutate: cheat((t) => {
      set(t, 4, SEL(0), -1);
      set(t, 4, SEL(1), 1);
    }, true),
    caughtBy: 'selectors are bits',
  },
  {
    attack: 'selectors (1, 1, 0): one row receives the tuple (2 mul + 1, ...) twice',
    mutate: cheat((t) => set(t, 3, SEL(1), 1), true),
    caughtBy: 'at most one selector (isReal is a bit)',
  },
  {
    attack: 'a padding row receives 0 * 0 = 0 that the CPU never sent',
    mutate: cheat((t) => set(t, PAD, SEL(0), 1), false),
    caughtBy: 'alu',
  },
  {
    attack: 'proves 7 * 7 = 49 while the CPU asked 6 * 7 (x changed in the table only)',
    mutate: cheat((t) => putRow(t, 3, refEvent(MUL, 7, 7)), false),
    caughtBy: 'alu',
  },
  {
    attack: 'relabels the mul64 row 3 * 5 as mul (the CPU asked for mul64)',
    mutate: cheat((t) => {
      set(t, 4, SEL(2), 0);
      set(t, 4, SEL(0), 1);
    }, false),
    caughtBy: 'alu',
  },
];

/** attacksPassingWithout(...).length > 0, trying the attacks aimed at `label` first and stopping at the first that passes. */
const passesWithout = (label: string): boolean =>
  [...ATTACKS.filter((a) => a.caughtBy === label), ...ATTACKS.filter((a) => a.caughtBy !== label)].some((a) => attacksPassingWithout(scenario, label, [a]).length > 0);

describe('mul attacks', () => {
  it('the scenario is honest', () => {
    expect(rejectionsOf(scenario, { attack: 'none', mutate: cheat(() => {}, true), caughtBy: '' })).toEqual([]);
  });

  it.each(ATTACKS)('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  it('every constraint and bus is needed: dropping it lets some attack through', () => {
    for (const label of [...eachLabel(mulTable), 'range16', 'bytes', 'alu']) {
      expect(passesWithout(label), label).toBe(true);
    }
  });

  it('rejects any single-cell change of a real row (CPU side unchanged)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EVENTS.length - 1 }), fc.integer({ min: 0, max: W - 1 }), fc.integer({ min: 1, max: P - 1 }), (row, col, delta) => {
        const mutate = cheat((t) => set(t, row, col, get(t, row, col) + delta), false);
        return rejectionsOf(scenario, { attack: 'cell', mutate, caughtBy: '' }).length > 0;
      }),
      { numRuns: 30 },
    );
  });
});

describe('mul end to end (real prover and verifier)', () => {
  const list = FIXED;

  it('proves and verifies mul, mul.i and mul64 rows', async () => {
    await proveAndVerify(mulTable, aluWitness(list, mulTrace));
  });

  it('rejects a proof of a forged product (debug off): the verifier, not the helper, refuses', async () => {
    const w = aluWitness(list, mulTrace);
    set(w.trace, 3, MulCols.z, get(w.trace, 3, MulCols.z) + 1); // 6 * 7 = 43
    rederive(mulTable, w.trace, w, true);
    expect(checkBuses([{ table: mulTable, trace: w.trace }, ...others(w)]).ok).toBe(true);
    expect(await forgedProofCheck(mulTable, w)).toBe('ood'); // the quotient no longer matches the constraints at the out-of-domain point
  });
});
