import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, attacksPassingWithout, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { P, inv, mul, sub } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { OP } from '../../../vm/isa.ts';
import { ALU_ARITY } from '../../../vm/tables/alu.ts';
import { EXTEND_OPS, ExtendCols, extendTable, extendTrace } from '../../../vm/tables/extend.ts';
import { aluWitness, debugCheck, freshCounts, others, proveAndVerify, toEvents, type AluEvent, type AluWitness } from './_alu-harness.ts';
import { rederive } from './_alu-cheat.ts';
import { forgedProofCheck, refEvent } from './_alu-ref.ts';

const EDGES = [0, 1, -1, 0x80000000, 0x7fffffff, 0xffff, 0x10000, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff8000, 0x12345678, 0x89abcdef];
/** Opcodes whose operand is an i32 (xh = 0 in the tuple). */
const NARROW_IN = new Set(['extend8_s', 'extend16_s', 'extend_s', 'extend_u'].map((m) => OP[m]!));
const ev = (op: number, x: number, xh = 0x5a5a5a5a): AluEvent => (NARROW_IN.has(op) ? refEvent(op, x) : refEvent(op, x, 0, xh));
const witness = (list: readonly AluEvent[]): AluWitness => aluWitness(list, extendTrace);

describe('extend table', () => {
  it('costs: 14 columns, degree <= 3, one byte-range lookup, one range16 lookup, one ALU receive', () => {
    expect(extendTable.info.width).toBe(14);
    expect(extendTable.info.maxDegree).toBeLessThanOrEqual(3);
    expect(extendTable.info.buses).toEqual([
      { bus: 'bytes', kind: 'send', arity: 4 },
      { bus: 'range16', kind: 'send', arity: 1 },
      { bus: 'alu', kind: 'receive', arity: ALU_ARITY },
    ]);
    expect(EXTEND_OPS).toHaveLength(7);
  });

  it('computes every opcode exactly as ISA semantics on edge values (constraints and buses hold)', () => {
    const list = EXTEND_OPS.flatMap((op) => EDGES.flatMap((x) => [ev(op, x), ev(op, x, -1), ev(op, x, 0)]));
    const w = witness(list);
    // the stub sends the reference result: the bus check compares it with the table's tuple
    expect(debugCheck(extendTable, w)).toEqual({ ok: true, failures: [] });
    // spot values (independent of isa.ts)
    const z = (op: string, x: number) => ev(OP[op]!, x);
    expect(z('extend8_s', 0x80)).toMatchObject({ z: -128, zh: 0 });
    expect(z('extend8_s64', 0x17f)).toMatchObject({ z: 0x7f, zh: 0 });
    expect(z('extend16_s64', 0x8000)).toMatchObject({ z: -32768, zh: -1 });
    expect(z('extend32_s64', 0x80000000)).toMatchObject({ z: -0x80000000, zh: -1 });
    expect(z('extend_s', -1)).toMatchObject({ z: -1, zh: -1 });
    expect(z('extend_u', -1)).toMatchObject({ z: -1, zh: 0 });
  });

  it('accepts honest traces of random words (fast-check)', () => {
    const word = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    const e = fc.tuple(fc.constantFrom(...EXTEND_OPS), word, word).map(([op, x, xh]) => ev(op, x, xh));
    fc.assert(fc.property(fc.array(e, { minLength: 1, maxLength: 40 }), (list) => debugCheck(extendTable, witness(list)).ok), { numRuns: 6 });
  });

  it('refuses events of another table, operands that do not fit, and wrong results', () => {
    const c = freshCounts();
    expect(() => extendTrace(toEvents([refEvent(OP.clz!, 1)]), c)).toThrow(/opcode \d+ \(clz\) is not proved in this table/);
    expect(() => extendTrace(toEvents([{ ...refEvent(OP.extend_u!, 1), xh: 1 }]), c)).toThrow(/i32 operand but xh/);
    expect(() => extendTrace(toEvents([{ ...refEvent(OP.extend8_s!, 1), y: 1 }]), c)).toThrow(/unary/);
    expect(() => extendTrace(toEvents([{ ...refEvent(OP.extend_s!, -5), zh: 0 }]), c)).toThrow(/recorded result .* but the operation gives/);
  });
});

// ---- attacks (STYLE §5) ----

const FIXED: AluEvent[] = [
  ev(OP.extend8_s!, 0x80), // row 0: z = 0xffffff80
  ev(OP.extend32_s64!, 0x7fffffff), // row 1: zh = 0
  ev(OP.extend16_s!, 0x1234), // row 2: z = 0x1234
  ev(OP.extend8_s!, 0x05), // row 3: z = 5
  ev(OP.extend_u!, 0), // row 4: x = 0
  ev(OP.extend_s!, -1), // row 5: zh = -1
];
const EVENTS: AluEvent[] = [...FIXED, ...Array.from({ length: 8 }, (_, i) => ev(EXTEND_OPS[i % 7]!, Math.imul(0x9e3779b9, i + 1), i))];
const PAD = 15; // 14 events, height 16
const W = ExtendCols.width;

let current: AluWitness;
const scenario: Scenario = {
  table: extendTable,
  honest() {
    current = witness(EVENTS);
    return { trace: current.trace, others: others(current) };
  },
};
const cheat = (f: (t: Matrix) => void, cpuFollows = true): Attack['mutate'] => (t) => {
  f(t);
  rederive(extendTable, t, current, cpuFollows);
};
const set = (t: Matrix, row: number, col: number, v: number): void => {
  t.values[row * W + col] = ((v % P) + P) % P;
};
const sel = (op: number): number => ExtendCols.sel + EXTEND_OPS.indexOf(op);

const ATTACKS: Attack[] = [
  {
    attack: 'claims extend8_s(0x80) = 0x80 (sign 0)',
    mutate: cheat((t) => set(t, 0, ExtendCols.sign, 0)),
    caughtBy: 'range16',
  },
  {
    attack: 'claims extend32_s64(0x7fffffff) has high word 0xffffffff (sign 1)',
    mutate: cheat((t) => set(t, 1, ExtendCols.sign, 1)),
    caughtBy: 'range16',
  },
  {
    attack: 'claims extend_s(-1) has high word 0 (sign 0)',
    mutate: cheat((t) => set(t, 5, ExtendCols.sign, 0)),
    caughtBy: 'range16',
  },
  {
    // 2 (t - 2^15 s) = 0 for s = t / 2^15: the range check passes, z1 = 0xffff s is no u16
    attack: 'extend16_s(0x1234) with sign = 0x1234 / 2^15 (a field element, z1 = 0xffff sign)',
    mutate: cheat((t) => set(t, 2, ExtendCols.sign, mul(0x1234, inv(0x8000)))),
    caughtBy: 'sign is a bit',
  },
  {
    attack: 'claims extend8_s(0x80) = 0x80 with the bytes of x0 written as (0, 0)',
    mutate: cheat((t) => {
      set(t, 0, ExtendCols.xb, 0);
      set(t, 0, ExtendCols.xb + 1, 0);
      set(t, 0, ExtendCols.sign, 0);
    }),
    caughtBy: 'x0 = xb0 + 256 xb1',
  },
  {
    // b0 = 1/256: t = 256 b0 = 1 passes the sign check; z0 = b0 + 0xff00 s is no u16
    attack: 'extend8_s(5) with a low "byte" 1/256 and high "byte" (5 - 1/256) / 256',
    mutate: cheat((t) => {
      const b0 = inv(256);
      set(t, 3, ExtendCols.xb, b0);
      set(t, 3, ExtendCols.xb + 1, mul(sub(5, b0), inv(256)));
    }),
    caughtBy: 'bytes',
  },
  {
    attack: 'relabels extend16_s(0x1234) as extend_u (the same words; the CPU asked for extend16_s)',
    mutate: cheat((t) => {
      set(t, 2, sel(OP.extend16_s!), 0);
      set(t, 2, sel(OP.extend_u!), 1);
    }, false),
    caughtBy: 'alu',
  },
  {
    attack: 'a padding row receives an extend_u of 0 the CPU never sent',
    mutate: cheat((t) => set(t, PAD, sel(OP.extend_u!), 1), false),
    caughtBy: 'alu',
  },
  {
    attack: 'a padding row selects extend8_s + extend_u (opcode sum) and is received twice',
    mutate: cheat((t) => {
      set(t, PAD, sel(OP.extend8_s!), 1);
      set(t, PAD, sel(OP.extend_u!), 1);
    }),
    caughtBy: 'at most one selector (isReal = sum of selectors is a bit)',
  },
  // on the row of x = 0 (every check sees zeros), a selector of -1 balanced by two others:
  // receives a forged opcode op_a + op_b - op_i
  ...EXTEND_OPS.map((_, i): Attack => {
    const a = 6; // row 4 is an extend_u
    const b = i === 0 ? 1 : 0;
    return {
      attack: `selector ${i} = -1 with two others on (receives opcode ${EXTEND_OPS[a]! + EXTEND_OPS[b]! - EXTEND_OPS[i]!})`,
      mutate: cheat((t) => {
        if (i === a) {
          set(t, 4, ExtendCols.sel + 1, 1);
          set(t, 4, ExtendCols.sel + 2, 1);
        } else set(t, 4, ExtendCols.sel + b, 1);
        set(t, 4, ExtendCols.sel + i, -1);
      }),
      caughtBy: `selectors are bits [${i}]`,
    };
  }),
];

describe('extend attacks', () => {
  it('the scenario is honest', () => {
    expect(rejectionsOf(scenario, { attack: 'none', mutate: cheat(() => {}), caughtBy: '' })).toEqual([]);
  });

  it.each(ATTACKS)('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  it('rejects any single-cell change in a real row (CPU side unchanged, lookups re-derived)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EVENTS.length - 1 }), fc.integer({ min: 0, max: ExtendCols.width - 1 }), fc.integer({ min: 1, max: P - 1 }), (row, col, delta) => {
        const mutate = cheat((t) => set(t, row, col, t.values[row * W + col]! + delta), false);
        return rejectionsOf(scenario, { attack: 'cell', mutate, caughtBy: '' }).length > 0;
      }),
      { numRuns: 30 },
    );
  });

  it('every constraint and bus is needed: dropping it lets its attack through', () => {
    const labels = [...eachLabel(extendTable), 'bytes', 'range16', 'alu'];
    expect(labels).toHaveLength(10 + 3);
    for (const label of labels) {
      const mine = ATTACKS.filter((a) => a.caughtBy === label);
      expect(mine.length, label).toBeGreaterThan(0);
      expect(attacksPassingWithout(scenario, label, mine).length, label).toBeGreaterThan(0);
    }
  });
});

describe('extend end to end (real prover and verifier)', () => {
  const small = [...FIXED, ev(OP.extend16_s64!, 0xffff8000, 7), ev(OP.extend8_s64!, 0x7f, -1)];

  it('proves and verifies extend + lookups + a CPU stub', async () => {
    await expect(proveAndVerify(extendTable, witness(small))).resolves.toBeUndefined();
  });

  it('rejects a proof whose trace claims extend8_s(0x80) = 0x80 (debug off)', async () => {
    const w = witness(small);
    w.trace.values[0 * W + ExtendCols.sign] = 0;
    rederive(extendTable, w.trace, w, true);
    expect(await forgedProofCheck(extendTable, w)).toBe('bus-balance');
  });
});
