import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, attacksPassingWithout, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { P, add, inv, mul, sub } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { ISA, OP } from '../../../vm/isa.ts';
import { ALU_ARITY } from '../../../vm/tables/alu.ts';
import { SHIFT_KINDS, SHIFT_OPS, ShiftCols, shiftTable, shiftTrace } from '../../../vm/tables/shift.ts';
import { aluWitness, debugCheck, freshCounts, others, proveAndVerify, toEvents, type AluEvent, type AluWitness } from './_alu-harness.ts';
import { rederive } from './_alu-cheat.ts';
import { forgedProofCheck, refEvent } from './_alu-ref.ts';

const EDGES = [0, 1, -1, 0x80000000, 0x7fffffff, 0xffff, 0x10000, 0x8000, 0x12345678, 0x89abcdef, 0xfffffffe];
/** Amounts: around 0, 8, 16, 32, 64 and beyond, with high limbs (only y mod N counts). */
const AMOUNTS = [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 39, 47, 48, 63, 64, 65, 95, 127, 0xffff, 0x10000, 0x10021, -1, 0x7fffffe0];
const is64op = (op: number): boolean => ISA[op]!.semantics.kind === 'bin64';
const ev = (op: number, x: number, y: number, xh = 0, yh = 0): AluEvent => (is64op(op) ? refEvent(op, x, y, xh, yh) : refEvent(op, x, y));
const witness = (list: readonly AluEvent[]): AluWitness => aluWitness(list, shiftTrace);
const C = ShiftCols;

describe('shift table', () => {
  it('costs: 45 columns, degree 3, six byte-pair lookups, two range16 lookups, one ALU receive', () => {
    expect(shiftTable.info.width).toBe(45);
    expect(shiftTable.info.maxDegree).toBe(3);
    const buses = shiftTable.info.buses;
    expect(buses.filter((x) => x.bus === 'bytes')).toHaveLength(6);
    expect(buses.filter((x) => x.bus === 'range16')).toHaveLength(2);
    expect(buses.filter((x) => x.bus === 'alu')).toEqual([{ bus: 'alu', kind: 'receive', arity: ALU_ARITY }]);
    expect(buses).toHaveLength(9);
    expect(SHIFT_OPS.map((op) => ISA[op]!.mnemonic).sort()).toEqual(
      [...SHIFT_KINDS, ...SHIFT_KINDS.map((k) => `${k}.i`), ...SHIFT_KINDS.map((k) => `${k}64`)].sort(),
    );
    expect(SHIFT_OPS.every((op) => ISA[op]!.table === 'shift')).toBe(true);
    expect(ISA.filter((d) => d.table === 'shift')).toHaveLength(SHIFT_OPS.length);
  });

  it('computes every opcode exactly as ISA semantics on edge values (constraints and buses hold)', () => {
    const list: AluEvent[] = [];
    for (const op of SHIFT_OPS) {
      for (const x of EDGES) {
        for (const y of AMOUNTS) {
          if (is64op(op)) {
            list.push(ev(op, x, y, 0x5a5a5a5a), ev(op, 0x9abcdef0, y, x), ev(op, x, y, x, y));
          } else list.push(ev(op, x, y));
        }
      }
    }
    const w = witness(list);
    expect(debugCheck(shiftTable, w)).toEqual({ ok: true, failures: [] });
    // the z columns are the reference results (the stub sends them; read back here too)
    list.forEach((e, i) => {
      const o = i * C.width;
      expect((w.trace.values[o + C.z]! | (w.trace.values[o + C.z + 1]! << 16)) | 0).toBe(e.z);
      if (is64op(e.op)) expect((w.trace.values[o + C.z + 2]! | (w.trace.values[o + C.z + 3]! << 16)) | 0).toBe(e.zh);
    });
    // spot values, independent of isa.ts
    const z = (m: string, x: number, y: number, xh = 0) => {
      const e = ev(OP[m]!, x, y, xh);
      return [e.z >>> 0, (e.zh ?? 0) >>> 0];
    };
    expect(z('shl', 1, 33)).toEqual([2, 0]);
    expect(z('shr_s', -8, 1)).toEqual([0xfffffffc, 0]);
    expect(z('shr_s', 0x80000000, 31)).toEqual([0xffffffff, 0]);
    expect(z('shr_u', 0x80000000, 31)).toEqual([1, 0]);
    expect(z('rotl', 0x80000001, 1)).toEqual([3, 0]);
    expect(z('rotr.i', 1, 32)).toEqual([1, 0]);
    expect(z('shl64', 1, 63)).toEqual([0, 0x80000000]);
    expect(z('rotr64', 1, 1)).toEqual([0, 0x80000000]);
    expect(z('shr_s64', 0, 4, 0x80000000)).toEqual([0, 0xf8000000]);
    expect(z('shr_u64', 0, 36, 0x80000000)).toEqual([0x08000000, 0]);
    expect(z('rotl64', 0x12345678, 64 + 32, 0x9abcdef0)).toEqual([0x9abcdef0, 0x12345678]);
  });

  it('accepts honest traces of random words and amounts (fast-check)', () => {
    const word = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    const amount = fc.oneof(fc.constantFrom(...AMOUNTS), fc.integer({ min: 0, max: 127 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    const e = fc.tuple(fc.constantFrom(...SHIFT_OPS), word, amount, word, amount).map(([op, x, y, xh, yh]) => ev(op, x, y, xh, yh));
    fc.assert(fc.property(fc.array(e, { minLength: 1, maxLength: 40 }), (list) => debugCheck(shiftTable, witness(list)).ok), { numRuns: 12 });
  });

  it('refuses events of another table, i32 events with high words, and wrong results', () => {
    const c = freshCounts();
    expect(() => shiftTrace(toEvents([refEvent(OP.add!, 1, 2)]), c)).toThrow(/opcode \d+ \(add\), not a shift/);
    expect(() => shiftTrace(toEvents([{ ...refEvent(OP.shl!, 1, 2), xh: 1 }]), c)).toThrow(/i32 but has a nonzero high word/);
    expect(() => shiftTrace(toEvents([{ ...refEvent(OP.rotl!, 1, 2), yh: 1 }]), c)).toThrow(/i32 but has a nonzero high word/);
    expect(() => shiftTrace(toEvents([{ ...refEvent(OP.shr_s!, -8, 1), z: 0x7ffffffc }]), c)).toThrow(/result .* the shift gives 0x0:0xfffffffc/);
    expect(() => shiftTrace(toEvents([{ ...refEvent(OP.shl64!, 1, 32), zh: 0 }]), c)).toThrow(/the shift gives 0x1:0x0/);
  });
});

// ---- attacks (STYLE §5) ----

const FIXED: AluEvent[] = [
  ev(OP.shl!, 0x12345678, 12), // row 0: q = 1, r = 4
  ev(OP.shr_s!, 0x80000000, 4), // row 1: z = 0xf8000000
  ev(OP.shr_u!, 0x80000000, 0), // row 2: e = 32
  ev(OP.rotl64!, 0x89abcdef, 12, 0x01234567), // row 3
  ev(OP['shl.i']!, 0x1234, 34), // row 4: s = 2 (q = 0, r = 2), rest = 1
  ev(OP.shr_s64!, 0x76543210, 40, 0xfedcba98), // row 5: negative
  ev(OP.rotr!, 0x0000ffff, 8), // row 6
  ev(OP.shl64!, 0x9abcdef0, 12, 0x12345678), // row 7: positive x
  ev(OP.shr_u64!, -1, 63, -1), // row 8: z = 1
];
const EVENTS: AluEvent[] = [...FIXED, ...Array.from({ length: 9 }, (_, i) => ev(SHIFT_OPS[(i * 7) % 15]!, Math.imul(0x9e3779b9, i + 1), i * 13, i * 0x01010101, i))];
const PAD = 30; // 18 events, height 32
const W = C.width;

let current: AluWitness;
const scenario: Scenario = {
  table: shiftTable,
  honest() {
    current = witness(EVENTS);
    return { trace: current.trace, others: others(current) };
  },
};
const get = (t: Matrix, row: number, col: number): number => t.values[row * W + col]!;
const set = (t: Matrix, row: number, col: number, v: number): void => {
  t.values[row * W + col] = ((v % P) + P) % P;
};

/** The digits of x_i * M for the row's (possibly forged) x, m and kind columns, if they are < 2^24. */
function redigit(t: Matrix, row: number): void {
  const isRight = add(add(get(t, row, C.kind + 1), get(t, row, C.kind + 2)), get(t, row, C.kind + 4));
  const M = mul(get(t, row, C.m), add(1, isRight));
  for (let i = 0; i < 4; i++) {
    const p = mul(get(t, row, C.x + i), M);
    if (p >= 1 << 24) continue;
    set(t, row, C.la + i, p & 0xff);
    set(t, row, C.lb + i, (p >>> 8) & 0xff);
    set(t, row, C.hi + i, p >>> 16);
  }
}

/** The result columns from the row's other columns, in the field, as the result constraint states them. */
function rezero(t: Matrix, row: number): void {
  const g = (col: number) => get(t, row, col);
  const K = [0, 1, 2, 3, 4].map((k) => g(C.kind + k));
  const q = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => g(C.q + k));
  const la = (i: number) => g(C.la + i), lb = (i: number) => g(C.lb + i), hi = (i: number) => g(C.hi + i);
  const Yb = [la(0), lb(0), add(la(1), hi(0)), lb(1), add(la(2), hi(1)), lb(2), add(la(3), hi(2)), lb(3), hi(3)];
  const yb = (j: number) => (j >= 0 && j < 9 ? Yb[j]! : 0);
  const Zl = Array.from({ length: 8 }, (_, j) => q.reduce((acc, qk, k) => add(acc, mul(qk, add(yb(2 * j - k), mul(256, yb(2 * j + 1 - k))))), 0));
  const sum = (xs: number[]) => xs.reduce(add, 0);
  const fillByte = (j: number) => {
    const above = j < 4 ? sum(q.slice(0, j)) : sub(g(C.is64), sum(q.slice(j)));
    return add(mul(255, above), mul(q[j]!, sub(256, mul(2, g(C.m)))));
  };
  for (let j = 0; j < 4; j++) {
    const fill = add(fillByte(2 * j), mul(256, fillByte(2 * j + 1)));
    let z = mul(K[0]!, Zl[j]!);
    z = add(z, mul(add(K[3]!, K[4]!), add(Zl[j]!, Zl[4 + j]!)));
    z = add(z, mul(add(K[1]!, K[2]!), Zl[4 + j]!));
    z = add(z, mul(g(C.neg), fill));
    set(t, row, C.z + j, z);
  }
}

/** A cheat on rows of the trace, then digits and results recomputed (unless told not to), lookups and the CPU re-derived. */
const cheat = (f: (t: Matrix) => void, opts: { cpuFollows?: boolean; redo?: number[]; digits?: boolean } = {}): Attack['mutate'] => (t) => {
  f(t);
  for (const row of opts.redo ?? []) {
    if (opts.digits !== false) redigit(t, row);
    rezero(t, row);
  }
  rederive(shiftTable, t, current, opts.cpuFollows ?? true);
};

const ATTACKS: Attack[] = [
  {
    attack: 'claims shl(0x12345678, 12) = 0x45678124 (a rotation), the CPU writing it',
    mutate: cheat((t) => {
      set(t, 0, C.z, 0x8124);
      set(t, 0, C.z + 1, 0x4567);
    }),
    caughtBy: 'result: z = LO (shl), LO + HI (rot), HI + fill (shr) of x * 2^e',
  },
  {
    attack: 'shl(0x12345678, 12) with the low digit of x0 * 16 off by one (result follows)',
    mutate: cheat((t) => set(t, 0, C.la, get(t, 0, C.la) + 1), { redo: [0], digits: false }),
    caughtBy: 'limb product: x_i * 2^rho = la + 256 lb + 2^16 hi',
  },
  {
    attack: 'shl(0x12345678, 12) written with a 17-bit low limb: digits (la + 256, lb - 1) of the same product',
    mutate: cheat((t) => {
      set(t, 0, C.la, get(t, 0, C.la) + 256);
      set(t, 0, C.lb, get(t, 0, C.lb) - 1);
    }, { redo: [0], digits: false }),
    caughtBy: 'bytes',
  },
  {
    attack: 'claims shl.i(0x1234, 34) = 0x1234 * 3 with m = 3',
    mutate: cheat((t) => set(t, 4, C.m, 3), { redo: [4] }),
    caughtBy: 'm = 2^r',
  },
  {
    attack: 'shl.i(0x1234, 34) with r bits (2, 0, 0): r = 2 still, but m = 3',
    mutate: cheat((t) => {
      set(t, 4, C.r, 2);
      set(t, 4, C.r + 1, 0);
      set(t, 4, C.m, 3);
    }, { redo: [4] }),
    caughtBy: 'r bits are bits',
  },
  {
    attack: 'shl(0x12345678, 12) with byte offsets (1, -1, 1): Z = Y (1 - 256 + 65536)',
    mutate: cheat((t) => {
      set(t, 0, C.q, 1);
      set(t, 0, C.q + 1, -1);
      set(t, 0, C.q + 2, 1);
    }, { redo: [0] }),
    caughtBy: 'q bits are bits',
  },
  {
    attack: 'claims shl.i(0x1234, 34) = 0 with no byte offset selected',
    mutate: cheat((t) => set(t, 4, C.q, 0), { redo: [4] }),
    caughtBy: 'q is one-hot on real rows, zero on padding',
  },
  {
    attack: 'claims shl.i(0x1234, 34) = 0 by shifting by 34 (q = 4, rest = 0) instead of 2',
    mutate: cheat((t) => {
      set(t, 4, C.q, 0);
      set(t, 4, C.q + 4, 1);
      set(t, 4, C.rest, 0);
    }, { redo: [4] }),
    caughtBy: 'i32 rows: byte offset q < 4',
  },
  {
    attack: 'claims shl.i(0x1234, 34) = 0x1234 << 3 (r = 3)',
    mutate: cheat((t) => {
      set(t, 4, C.r, 1);
      set(t, 4, C.r + 1, 1);
      set(t, 4, C.m, 8);
    }, { redo: [4] }),
    caughtBy: 'amount: y0 = s + N * rest',
  },
  {
    attack: 'claims shl.i(0x1234, 34) = 0x1234 << 3 with rest = 31 / 32 (a field element)',
    mutate: cheat((t) => {
      set(t, 4, C.r, 1);
      set(t, 4, C.r + 1, 1);
      set(t, 4, C.m, 8);
      set(t, 4, C.rest, mul(31, inv(32)));
    }, { redo: [4] }),
    caughtBy: 'range16',
  },
  {
    attack: 'claims shr_s(0x80000000, 4) = 0x08000000 (sign 0)',
    mutate: cheat((t) => set(t, 1, C.neg, 0), { redo: [1] }),
    caughtBy: 'range16',
  },
  {
    attack: 'shr_s64 of a negative word with neg = x3 / 2^15 (passes the sign lookup, fills garbage)',
    mutate: cheat((t) => set(t, 5, C.neg, mul(get(t, 5, C.x + 3), inv(0x8000))), { redo: [5] }),
    caughtBy: 'neg is a bit',
  },
  {
    attack: 'claims shr_u64(-1, 63) = -1 (sign fill on a shr_u row)',
    mutate: cheat((t) => set(t, 8, C.neg, 1), { redo: [8] }),
    caughtBy: 'neg only on shr_s rows',
  },
  {
    attack: 'rotr(0xffff, 8) computed on x:x\' with another high word',
    mutate: cheat((t) => set(t, 6, C.x + 3, 0x4321), { redo: [6] }),
    caughtBy: 'i32 rows: the high word is a copy of x',
  },
  {
    attack: 'isImm = 2 on a shl row: receives shr_s (opcode + 2) with the shl result',
    mutate: cheat((t) => set(t, 0, C.isImm, 2)),
    caughtBy: 'isImm is a bit',
  },
  {
    attack: 'is64 = 2 on an i32 shl row: receives another opcode with doubled high limbs',
    mutate: cheat((t) => set(t, 0, C.is64, 2), { redo: [0] }),
    caughtBy: 'is64 is a bit',
  },
  {
    attack: 'isImm on a rotl64 row: receives rotr64 (the next opcode) with the rotl64 result',
    mutate: cheat((t) => set(t, 3, C.isImm, 1)),
    caughtBy: 'no immediate form of an i64 shift',
  },
  {
    // shl - shr_s + shr_u: the opcode of shr_s64 (T - (T + 1) + (T + 2)), still computed as a left shift
    attack: 'kinds (1, -1, 1, 0, 0) on a shl64 row: receives shr_s64 with the shl64 result',
    mutate: cheat((t) => {
      set(t, 7, C.kind + 1, -1);
      set(t, 7, C.kind + 2, 1);
    }, { redo: [7] }),
    caughtBy: 'kind selectors are bits',
  },
  {
    attack: 'a padding row selects shl + rotl (opcode sum) and is received twice',
    mutate: cheat((t) => {
      set(t, PAD, C.kind, 1);
      set(t, PAD, C.kind + 3, 1);
      set(t, PAD, C.q, 1);
      set(t, PAD, C.q + 1, 1);
      set(t, PAD, C.m, 2);
      set(t, PAD, C.y, 8);
    }),
    caughtBy: 'at most one kind per row (isReal is a bit)',
  },
  {
    attack: 'relabels shl(0x12345678, 12) as rotl (the CPU asked for shl)',
    mutate: cheat((t) => {
      set(t, 0, C.kind, 0);
      set(t, 0, C.kind + 3, 1);
    }, { redo: [0], cpuFollows: false }),
    caughtBy: 'alu',
  },
  {
    attack: 'a padding row receives shl(0, 0) = 0 that the CPU never sent',
    mutate: cheat((t) => {
      set(t, PAD, C.kind, 1);
      set(t, PAD, C.q, 1);
      set(t, PAD, C.m, 1);
    }, { cpuFollows: false }),
    caughtBy: 'alu',
  },
];

describe('shift attacks', () => {
  it('the scenario is honest', () => {
    expect(rejectionsOf(scenario, { attack: 'none', mutate: cheat(() => {}, { redo: [0, 1, 2, 3, 4, 5, 6, 7, 8] }), caughtBy: '' })).toEqual([]);
  });

  it.each(ATTACKS)('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  it('every constraint and bus is needed: dropping it lets its attack through', () => {
    const labels = [...eachLabel(shiftTable), 'bytes', 'range16', 'alu'];
    expect(labels).toHaveLength(16 + 3);
    for (const label of labels) {
      const mine = ATTACKS.filter((a) => a.caughtBy === label);
      expect(mine.length, label).toBeGreaterThan(0);
      expect(attacksPassingWithout(scenario, label, mine).length, label).toBeGreaterThan(0);
    }
  });

  it('rejects any single-cell change in x, y, z of a real row (CPU side unchanged)', () => {
    const cols = [0, 1, 2, 3].flatMap((j) => [C.x + j, C.y + j, C.z + j]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EVENTS.length - 1 }), fc.constantFrom(...cols), fc.integer({ min: 1, max: P - 1 }), (row, col, delta) => {
        const mutate = cheat((t) => set(t, row, col, get(t, row, col) + delta), { cpuFollows: false });
        return rejectionsOf(scenario, { attack: 'cell', mutate, caughtBy: '' }).length > 0;
      }),
      { numRuns: 30 },
    );
  });
});

describe('shift end to end (real prover and verifier)', () => {
  const small = [...FIXED.slice(0, 6), ev(OP['rotr.i']!, 0x80000001, 33)];

  it('proves and verifies shift + lookups + a CPU stub', async () => {
    await expect(proveAndVerify(shiftTable, witness(small))).resolves.toBeUndefined();
  });

  it('rejects a proof whose trace claims shr_s(0x80000000, 4) = 0x08000000 (debug off)', async () => {
    const w = witness(small);
    w.trace.values[1 * W + C.neg] = 0;
    rezero(w.trace, 1);
    rederive(shiftTable, w.trace, w, true);
    expect(await forgedProofCheck(shiftTable, w)).toBe('bus-balance');
  });
});
