import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, attacksPassingWithout, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { P, inv, mul, sub } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { ISA, OP } from '../../../vm/isa.ts';
import { ADD_SUB_OPS, AddSubCols, addSubTable, addSubTrace } from '../../../vm/tables/add-sub.ts';
import { range8, range16, defineRangeCheck } from '../../../vm/tables/range.ts';
import { aluWitness, debugCheck, freshCounts, others, proveAndVerify, toEvents, type AluEvent, type AluWitness } from './_alu-harness.ts';
import { rederive } from './_alu-cheat.ts';
import { forgedProofCheck } from './_alu-ref.ts';

const ADD = OP['add']!, ADDI = OP['add.i']!, SUB = OP['sub']!, SUBI = OP['sub.i']!, ADD64 = OP['add64']!, SUB64 = OP['sub64']!;

/** The reference result, from ISA[op].semantics. */
function ref(op: number, x: number, y: number, xh = 0, yh = 0): AluEvent {
  const s = ISA[op]!.semantics;
  if (s.kind === 'bin32') return { op, x: x | 0, y: y | 0, z: s.fn(x | 0, y | 0) };
  if (s.kind !== 'bin64') throw new Error('not a binary op');
  const X = (BigInt(xh | 0) << 32n) | BigInt(x >>> 0), Y = (BigInt(yh | 0) << 32n) | BigInt(y >>> 0);
  const Z = s.fn(BigInt.asIntN(64, X), BigInt.asIntN(64, Y));
  return { op, x: x | 0, xh: xh | 0, y: y | 0, yh: yh | 0, z: Number(BigInt.asIntN(32, Z)), zh: Number(BigInt.asIntN(32, Z >> 32n)) };
}
const is64 = (op: number): boolean => op === ADD64 || op === SUB64;
const EDGES = [0, 1, -1, 2, 0x80000000 | 0, 0x7fffffff, 0xffff, 0x10000, -0x10000, 0x12345678];
const W = AddSubCols.width;
const get = (t: Matrix, row: number, col: number): number => t.values[row * W + col]!;
const set = (t: Matrix, row: number, col: number, v: number): void => {
  t.values[row * W + col] = ((v % P) + P) % P;
};

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
  });
});

describe('add-sub table', () => {
  it('costs: 22 columns, main constraints of degree 2; 4 range16 lookups and one ALU receive', () => {
    expect(addSubTable.info.width).toBe(22);
    const sys = addSubTable.system;
    for (const c of sys.constraints.filter((c) => c.phase === 'main')) expect(sys.dag.degree[c.id]).toBeLessThanOrEqual(2);
    expect(addSubTable.info.buses.filter((b) => b.bus === 'range16').length).toBe(4);
    expect(addSubTable.info.buses.filter((b) => b.bus === 'alu').length).toBe(1);
    expect(ADD_SUB_OPS).toEqual(ISA.filter((d) => d.table === 'add-sub').map((d) => d.op));
  });

  it('proves every opcode on edge values exactly as ISA semantics (constraints and buses)', () => {
    const list: AluEvent[] = [];
    for (const x of EDGES) {
      for (const y of EDGES) {
        for (const op of ADD_SUB_OPS) list.push(is64(op) ? ref(op, x, y, y, x) : ref(op, x, y));
        list.push(ref(ADD64, x, y, -1, 0), ref(SUB64, x, y, 0, -1), ref(ADD64, -1, x, -1, y));
      }
    }
    const w = aluWitness(list, addSubTrace);
    expect(debugCheck(addSubTable, w)).toEqual({ ok: true, failures: [] });
    list.forEach((e, i) => {
      expect((get(w.trace, i, AddSubCols.z) | (get(w.trace, i, AddSubCols.z + 1) << 16)) | 0).toBe(e.z);
      expect((get(w.trace, i, AddSubCols.z + 2) | (get(w.trace, i, AddSubCols.z + 3) << 16)) | 0).toBe(e.zh ?? 0);
    });
  });

  it('accepts honest traces of random words (fast-check)', () => {
    const word = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    const ev = fc.tuple(fc.constantFrom(...ADD_SUB_OPS), word, word, word, word).map(([op, x, y, xh, yh]) => (is64(op) ? ref(op, x, y, xh, yh) : ref(op, x, y)));
    fc.assert(fc.property(fc.array(ev, { minLength: 1, maxLength: 24 }), (list) => debugCheck(addSubTable, aluWitness(list, addSubTrace)).ok), { numRuns: 12 });
  });

  it('refuses events of another opcode, a wrong result, a 32-bit event with a high word', () => {
    const c = freshCounts();
    expect(() => addSubTrace(toEvents([{ op: OP['mul']!, x: 1, y: 2, z: 2 }]), c)).toThrow(TypeError);
    expect(() => addSubTrace(toEvents([{ op: ADD, x: 1, y: 2, z: 4 }]), c)).toThrow(/claims/);
    expect(() => addSubTrace(toEvents([{ ...ref(ADD64, -1, 1, 0, 0), zh: 0 }]), c)).toThrow(/claims/);
    expect(() => addSubTrace(toEvents([{ op: ADD, x: 1, xh: 1, y: 2, z: 3 }]), c)).toThrow(/high words/);
  });
});

// ---- attacks (STYLE §5) ----

const FIXED: AluEvent[] = [
  ref(ADD, 0xffff, 1), // row 0: carry out of limb 0
  ref(ADD, 0x1ffff, 1), // row 1: z = 0x20000
  ref(SUB, 0, 1), // row 2: borrow, z = -1
  ref(ADD, 1, 1), // row 3: z = 2
  ref(ADD64, 1, 1, 0, 0), // row 4: z = 2, zh = 0
  ref(ADD64, 5, 3, 7, 1), // row 5
  ref(SUB, 5, 3), // row 6: z = 2
  ref(ADDI, 5, 3), // row 7
  ref(SUBI, 9, 3), // row 8
  ref(SUB64, 5, 3, 1, 1), // row 9
];
const PAD = 12;
let current: AluWitness | undefined;
const scenario: Scenario = {
  table: addSubTable,
  honest() {
    current = aluWitness(FIXED, addSubTrace);
    return { trace: current.trace, others: others(current) };
  },
};
const cheat = (f: (t: Matrix) => void, cpuFollows: boolean): Attack['mutate'] => (t) => {
  f(t);
  rederive(addSubTable, t, current!, cpuFollows);
};
/** Sets a row's six selectors. */
const sels = (t: Matrix, row: number, s: readonly number[]): void => s.forEach((v, k) => set(t, row, AddSubCols.sel + k, v));
const Z = (j: number) => AddSubCols.z + j, CARRY = (j: number) => AddSubCols.carry + j;
const TWO16_INV = inv(0x10000);

const ATTACKS: Attack[] = [
  { attack: 'add64 row relabelled sub64 by selectors (-1, 1, 0, 0, 1, 0): claims sub64(5:7, 3:1) = 8:8', mutate: cheat((t) => sels(t, 5, [-1, 1, 0, 0, 1, 0]), true), caughtBy: 'op selectors are bits [0]' },
  { attack: 'add64 row with selectors (1, -1, 0, 0, 1, 0): claims extend16_s(x) = x + y', mutate: cheat((t) => sels(t, 5, [1, -1, 0, 0, 1, 0]), true), caughtBy: 'op selectors are bits [1]' },
  { attack: 'add64 row with selectors (0, 0, -1, 1, 1, 0): claims sub64 = the sum', mutate: cheat((t) => sels(t, 5, [0, 0, -1, 1, 1, 0]), true), caughtBy: 'op selectors are bits [2]' },
  { attack: 'add64 row with selectors (0, 0, 1, -1, 1, 0): claims extend16_s(x) = x + y', mutate: cheat((t) => sels(t, 5, [0, 0, 1, -1, 1, 0]), true), caughtBy: 'op selectors are bits [3]' },
  { attack: 'sub row 5 - 3 = 2 with selectors (1, 0, 0, 0, -1, 1): claims add.i(5, 3) = 2', mutate: cheat((t) => sels(t, 6, [1, 0, 0, 0, -1, 1]), true), caughtBy: 'op selectors are bits [4]' },
  { attack: 'add row 1 + 1 = 2 with selectors (0, 0, 0, 1, 1, -1): claims sub(1, 1) = 2', mutate: cheat((t) => sels(t, 3, [0, 0, 0, 1, 1, -1]), true), caughtBy: 'op selectors are bits [5]' },
  { attack: 'two selectors: receives (add + add.i = opcode 21, 1, 1, 2) twice', mutate: cheat((t) => sels(t, 3, [1, 1, 0, 0, 0, 0]), true), caughtBy: 'at most one op selector (isReal is a bit)' },
  {
    attack: 'claims 1 + 1 = 30720 * 2^16 + 3 with carry0 = 30720 (= -1 / 2^16)',
    mutate: cheat((t) => { set(t, 3, Z(0), 3); set(t, 3, Z(1), 30720); set(t, 3, CARRY(0), 30720); }, true),
    caughtBy: 'carries are bits [0]',
  },
  {
    attack: 'claims 1 + 1 = 7 * 2^16 + 2 with carry1 = -7 / 2^16',
    mutate: cheat((t) => { set(t, 3, Z(1), 7); set(t, 3, CARRY(1), mul(sub(0, 7), TWO16_INV)); }, true),
    caughtBy: 'carries are bits [1]',
  },
  {
    attack: 'claims add64 1 + 1 has zh = 30720 * 2^16 + 1 with carry2 = 30720',
    mutate: cheat((t) => { set(t, 4, Z(2), 1); set(t, 4, Z(3), 30720); set(t, 4, CARRY(2), 30720); }, true),
    caughtBy: 'carries are bits [2]',
  },
  {
    attack: 'claims add64 1 + 1 has zh = 7 * 2^16 with carry3 = -7 / 2^16',
    mutate: cheat((t) => { set(t, 4, Z(3), 7); set(t, 4, CARRY(3), mul(sub(0, 7), TWO16_INV)); }, true),
    caughtBy: 'carries are bits [3]',
  },
  ...[0, 1, 2, 3].map((j) => ({
    attack: `claims limb ${j} of add64 (5:7) + (3:1) is one more`,
    mutate: cheat((t) => set(t, 5, Z(j), get(t, 5, Z(j)) + 1), true),
    caughtBy: ['limb 0: p0 + q0 = s0 + carry0 * 2^16', 'limb 1: p1 + q1 + carry0 = s1 + carry1 * 2^16', 'limb 2: p2 + q2 + is64 * carry1 = s2 + carry2 * 2^16 (32-bit rows wrap at limb 1)', 'limb 3: p3 + q3 + carry2 = s3 + carry3 * 2^16'][j]!,
  })),
  {
    attack: 'claims 0 - 1 = 0 (drops the borrow)',
    mutate: cheat((t) => [Z(0), Z(1), CARRY(0), CARRY(1)].forEach((c) => set(t, 2, c, 0)), true),
    caughtBy: 'limb 0: p0 + q0 = s0 + carry0 * 2^16',
  },
  {
    attack: 'a 32-bit add row with xh = 1 from the CPU sends zh = 1',
    mutate: cheat((t) => {
      const one = addSubTrace(toEvents([ref(ADD64, 1, 1, 1, 0)]), freshCounts());
      t.values.set(one.values.subarray(0, W), 3 * W);
      sels(t, 3, [1, 0, 0, 0, 0, 0]);
    }, true),
    caughtBy: '32-bit rows: zh = 0',
  },
  {
    attack: 'limb out of range: 0x1ffff + 1 written as limbs (0x10000, 1) with carry0 = 0',
    mutate: cheat((t) => { set(t, 1, Z(0), 0x10000); set(t, 1, Z(1), 1); set(t, 1, CARRY(0), 0); }, true),
    caughtBy: 'range16',
  },
  { attack: 'a padding row receives 0 + 0 = 0 that the CPU never sent', mutate: cheat((t) => set(t, PAD, AddSubCols.sel, 1), false), caughtBy: 'alu' },
  {
    attack: 'relabels an add as a sub (the CPU asked for add)',
    mutate: cheat((t) => { sels(t, 3, [0, 0, 1, 0, 0, 0]); set(t, 3, Z(0), 0); set(t, 3, CARRY(0), 0); }, false),
    caughtBy: 'alu',
  },
];

describe('add-sub attacks', () => {
  it('the scenario is honest', () => {
    expect(rejectionsOf(scenario, { attack: 'none', mutate: cheat(() => {}, true), caughtBy: '' })).toEqual([]);
  });
  it.each(ATTACKS)('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });
  it('every constraint and bus is needed: dropping it lets some attack through', () => {
    for (const label of [...eachLabel(addSubTable), 'range16', 'alu']) {
      expect(attacksPassingWithout(scenario, label, ATTACKS.filter((a) => a.caughtBy === label)).length, label).toBeGreaterThan(0);
    }
  });
});

describe('add-sub end to end (real prover and verifier)', () => {
  it('proves and verifies all six opcodes', async () => {
    await proveAndVerify(addSubTable, aluWitness(FIXED, addSubTrace));
  });
  it('rejects a proof of a forged sum (debug off): the verifier refuses', async () => {
    const w = aluWitness(FIXED, addSubTrace);
    set(w.trace, 3, AddSubCols.z, 3); // 1 + 1 = 3
    rederive(addSubTable, w.trace, w, true);
    expect(await forgedProofCheck(addSubTable, w)).not.toBe('accepted');
  });
});
