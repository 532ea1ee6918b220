import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, attacksPassingWithout, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { P, add, inv, mul, sub } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { OP } from '../../../vm/isa.ts';
import { ALU_ARITY } from '../../../vm/tables/alu.ts';
import { BITCOUNT_OPS, BitcountCols as C, bitcountTable, bitcountTrace } from '../../../vm/tables/bitcount.ts';
import { aluWitness, cpuStub, debugCheck, freshCounts, proveAndVerify, toEvents, type AluEvent, type AluWitness } from './_alu-harness.ts';
import { rederive } from './_alu-cheat.ts';
import { forgedProofCheck, refEvent } from './_alu-ref.ts';

const EDGES = [0, 1, -1, 0x80000000, 0x7fffffff, 0xffff, 0x10000, 0x8000, 0x00010000, 0xaaaaaaaa, 0x55555555, 0x00f00000, 2, 0x40000000];
const NARROW = new Set(['clz', 'ctz', 'popcnt'].map((m) => OP[m]!));
const ev = (op: number, x: number, xh = 0): AluEvent => (NARROW.has(op) ? refEvent(op, x) : refEvent(op, x, 0, xh));
const witness = (list: readonly AluEvent[]): AluWitness => aluWitness(list, bitcountTrace);

describe('bitcount table', () => {
  it('costs: 103 columns, degree 3, one ALU receive and no lookups', () => {
    expect(bitcountTable.info.width).toBe(103);
    expect(bitcountTable.info.maxDegree).toBe(3);
    expect(bitcountTable.info.buses).toEqual([{ bus: 'alu', kind: 'receive', arity: ALU_ARITY }]);
    expect(BITCOUNT_OPS).toHaveLength(6);
  });

  it('computes every opcode exactly as ISA semantics on edge values (constraints and buses hold)', () => {
    const list = BITCOUNT_OPS.flatMap((op) => EDGES.flatMap((x) => (NARROW.has(op) ? [ev(op, x)] : EDGES.map((xh) => ev(op, x, xh)))));
    const w = witness(list);
    list.forEach((e, i) => expect(w.trace.values[i * C.width + C.count], `${e.op} ${e.x} ${e.xh}`).toBe(e.z));
    expect(debugCheck(bitcountTable, w)).toEqual({ ok: true, failures: [] });
    // spot values (independent of isa.ts)
    const z = (op: string, x: number, xh = 0) => ev(OP[op]!, x, xh).z;
    expect([z('clz', 0), z('ctz', 0), z('popcnt', -1), z('clz', 1), z('ctz', 0x80000000)]).toEqual([32, 32, 32, 31, 31]);
    expect([z('clz64', 0), z('ctz64', 0), z('popcnt64', -1, -1), z('clz64', 1), z('ctz64', 0, 0x80000000), z('clz64', 0, 1), z('ctz64', 0, 1)]).toEqual([64, 64, 64, 63, 63, 31, 32]);
  });

  it('accepts honest traces of random words (fast-check)', () => {
    const word = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    const e = fc.tuple(fc.constantFrom(...BITCOUNT_OPS), word, word).map(([op, x, xh]) => ev(op, x, xh));
    fc.assert(fc.property(fc.array(e, { minLength: 1, maxLength: 40 }), (list) => debugCheck(bitcountTable, witness(list)).ok), { numRuns: 10 });
  });

  it('refuses events of another table, operands that do not fit, and wrong results', () => {
    const c = freshCounts();
    expect(() => bitcountTrace(toEvents([refEvent(OP.extend_u!, 1)]), c)).toThrow(/opcode \d+ \(extend_u\) is not proved in this table/);
    expect(() => bitcountTrace(toEvents([{ ...refEvent(OP.clz!, 1), xh: 1 }]), c)).toThrow(/32-bit op \d+ has xh/);
    expect(() => bitcountTrace(toEvents([{ ...refEvent(OP.popcnt64!, 1, 0, 1), yh: 1 }]), c)).toThrow(/unary/);
    expect(() => bitcountTrace(toEvents([{ ...refEvent(OP.ctz!, 8), z: 4 }]), c)).toThrow(/recorded result .* but the operation gives/);
  });
});

// ---- attacks (STYLE §5) ----

const FIXED: AluEvent[] = [
  ev(OP.clz!, 0x00010000), // row 0: 15
  ev(OP.ctz!, 0x00010000), // row 1: 16
  ev(OP.popcnt64!, 0xaaaaaaaa, 0xaaaaaaaa), // row 2: odd bits set
  ev(OP.popcnt64!, 0x55555555, 0x55555555), // row 3: even bits set
  ev(OP.clz64!, 0, 0), // row 4: 64, every a[j] = 1
  ev(OP.ctz64!, 0, 0x100), // row 5: 40
];
const EVENTS: AluEvent[] = [...FIXED, ...Array.from({ length: 6 }, (_, i) => ev(BITCOUNT_OPS[i]!, Math.imul(0x9e3779b9, i + 1), i << 20))];
const PAD = 15; // 12 events, height 16
const W = C.width;

let current: AluWitness;
const scenario: Scenario = {
  table: bitcountTable,
  honest() {
    current = witness(EVENTS);
    return { trace: current.trace, others: [{ table: cpuStub, trace: current.stub }] };
  },
};
const set = (t: Matrix, row: number, col: number, v: number): void => {
  t.values[row * W + col] = ((v % P) + P) % P;
};
const get = (t: Matrix, row: number, col: number): number => t.values[row * W + col]!;

/**
 * The cheater's re-derivation of a row in field arithmetic: the chain a[j] for j < from from the
 * (possibly forged) bits and selectors, then count from its formula.
 */
function fixRow(t: Matrix, row: number, from = 32): void {
  const s = (i: number) => get(t, row, C.sel + i);
  const isReal = [0, 1, 2, 3, 4, 5].reduce((acc, i) => add(acc, s(i)), 0);
  const c = (k: number) => get(t, row, C.c + k);
  const nc = (k: number) => sub(1, c(k));
  const a = (j: number) => (j === 32 ? isReal : get(t, row, C.a + j));
  for (let j = from - 1; j >= 0; j--) set(t, row, C.a + j, mul(mul(a(j + 1), nc(2 * j + 1)), nc(2 * j)));
  const e = (k: number) => (k % 2 === 0 ? a(k / 2) : k === 63 ? nc(63) : mul(a((k + 1) / 2), nc(k)));
  const sum = (lo: number, hi: number, f: (k: number) => number) => Array.from({ length: hi - lo }, (_, i) => f(lo + i)).reduce(add, 0);
  const popHi = sum(32, 64, c), popLo = sum(0, 32, c), lzHi = sum(32, 64, e), lzLo = sum(0, 32, e);
  const count = [mul(s(2), popHi), mul(s(5), add(popHi, popLo)), mul(add(s(0), s(1)), lzHi), mul(add(s(3), s(4)), add(lzHi, lzLo))].reduce(add, 0);
  set(t, row, C.count, count);
}

const cheat = (f: (t: Matrix) => void, cpuFollows = true): Attack['mutate'] => (t) => {
  f(t);
  rederive(bitcountTable, t, current, cpuFollows);
};

const ATTACKS: Attack[] = [
  {
    attack: 'claims clz(0x10000) = 16 (count changed, the CPU writes it)',
    mutate: cheat((t) => set(t, 0, C.count, 16)),
    caughtBy: 'count = popcnt or leading-zero count of the selected range',
  },
  {
    attack: 'proves ctz of 0x30000 (a bit added, chain and count re-derived) while the CPU sent 0x10000',
    mutate: cheat((t) => {
      set(t, 1, C.c + 63 - 17, 1);
      fixRow(t, 1);
    }, false),
    caughtBy: 'alu',
  },
  {
    attack: 'a padding row receives a clz of 0 = 32 the CPU never sent',
    mutate: cheat((t) => {
      set(t, PAD, C.sel, 1);
      fixRow(t, PAD);
    }, false),
    caughtBy: 'alu',
  },
  {
    attack: 'a padding row selects popcnt + popcnt64 (opcode sum) and is received twice',
    mutate: cheat((t) => {
      set(t, PAD, C.sel + 2, 1);
      set(t, PAD, C.sel + 5, 1);
      fixRow(t, PAD);
    }),
    caughtBy: 'at most one selector (isReal = sum of selectors is a bit)',
  },
  // a selector of -1 balanced by two others on the clz row: receives a forged opcode and count
  ...BITCOUNT_OPS.map((_, i): Attack => ({
    attack: `selector ${i} = -1 with two others on (receives opcode ${i === 0 ? BITCOUNT_OPS[1]! + BITCOUNT_OPS[2]! - BITCOUNT_OPS[0]! : BITCOUNT_OPS[0]! + BITCOUNT_OPS[i === 1 ? 2 : 1]! - BITCOUNT_OPS[i]!})`,
    mutate: cheat((t) => {
      if (i === 0) {
        set(t, 0, C.sel + 1, 1);
        set(t, 0, C.sel + 2, 1);
      } else set(t, 0, C.sel + (i === 1 ? 2 : 1), 1);
      set(t, 0, C.sel + i, -1);
      fixRow(t, 0);
    }),
    caughtBy: `selectors are bits [${i}]`,
  })),
  // bit k non-boolean with the limb kept: 2 * 2^i = 2^(i+1), or 2^15 / 2 = 2^14 at a limb's top
  ...Array.from({ length: 64 }, (_, k): Attack => {
    const top = k % 16 === 15;
    const row = k % 2 === 0 ? 2 : 3; // row 2 has the odd bits set, row 3 the even ones
    return {
      attack: top ? `popcnt64 with bit ${k} = 1/2 and bit ${k - 1} cleared` : `popcnt64 with bit ${k} = 2 and bit ${k + 1} cleared (count + 1)`,
      mutate: cheat((t) => {
        set(t, row, C.c + k, top ? inv(2) : 2);
        set(t, row, C.c + (top ? k - 1 : k + 1), 0);
        fixRow(t, row);
      }),
      caughtBy: `bits are bits [${k}]`,
    };
  }),
  // the chain broken at pair j (a[j] = 0 although c[2j..63] are all 0), re-derived below it
  ...Array.from({ length: 32 }, (_, j): Attack => ({
    attack: `claims clz64(0) = ${64 - 2 * (j + 1)} (a[${j}] = 0)`,
    mutate: cheat((t) => {
      set(t, 4, C.a + j, 0);
      fixRow(t, 4, j);
    }),
    caughtBy: `chain: a[j] = a[j+1] (1 - c[2j+1]) (1 - c[2j]), a[32] = isReal [${j}]`,
  })),
];

describe('bitcount attacks', () => {
  it('the scenario is honest', () => {
    expect(rejectionsOf(scenario, { attack: 'none', mutate: cheat(() => {}), caughtBy: '' })).toEqual([]);
  });

  it.each(ATTACKS)('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  it('rejects any single-cell change in a real row (CPU side unchanged, lookups re-derived)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EVENTS.length - 1 }), fc.integer({ min: 0, max: C.width - 1 }), fc.integer({ min: 1, max: P - 1 }), (row, col, delta) => {
        const mutate = cheat((t) => set(t, row, col, t.values[row * W + col]! + delta), false);
        return rejectionsOf(scenario, { attack: 'cell', mutate, caughtBy: '' }).length > 0;
      }),
      { numRuns: 30 },
    );
  });

  it('every constraint and bus is needed: dropping it lets its attack through', () => {
    const labels = [...eachLabel(bitcountTable), 'alu'];
    expect(labels).toHaveLength(6 + 1 + 64 + 32 + 1 + 1);
    for (const label of labels) {
      const mine = ATTACKS.filter((a) => a.caughtBy === label);
      expect(mine.length, label).toBeGreaterThan(0);
      expect(attacksPassingWithout(scenario, label, mine).length, label).toBeGreaterThan(0);
    }
  });
});

describe('bitcount end to end (real prover and verifier)', () => {
  const small = [...FIXED, ev(OP.popcnt!, -1), ev(OP.clz64!, 0, 1)];

  it('proves and verifies bitcount + lookups + a CPU stub', async () => {
    await expect(proveAndVerify(bitcountTable, witness(small))).resolves.toBeUndefined();
  });

  it('rejects a proof whose trace proves ctz of another operand than the CPU sent (debug off)', async () => {
    const w = witness(small);
    set(w.trace, 1, C.c + 63 - 17, 1);
    fixRow(w.trace, 1);
    rederive(bitcountTable, w.trace, w, false);
    expect(await forgedProofCheck(bitcountTable, w)).toBe('bus-balance');
  });
});
