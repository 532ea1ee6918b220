import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { P, add, mul } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { ISA, OP } from '../../../vm/isa.ts';
import { LT_OPS, LtCols, ltTable, ltTrace } from '../../../vm/tables/lt.ts';
import { aluWitness, debugCheck, freshCounts, others, proveAndVerify, toEvents, type AluEvent, type AluWitness } from './_alu-harness.ts';
import { rederive } from './_alu-cheat.ts';
import { forgedProofCheck } from './_alu-ref.ts';

/** The reference result of an lt opcode, from ISA[op].semantics (y = 0 for eqz / eqz64). */
function ref(op: number, x: number, y: number, xh = 0, yh = 0): AluEvent {
  const s = ISA[op]!.semantics;
  const X = (BigInt(xh | 0) << 32n) | BigInt(x >>> 0), Y = (BigInt(yh | 0) << 32n) | BigInt(y >>> 0);
  switch (s.kind) {
    case 'bin32': return { op, x: x | 0, y: y | 0, z: s.fn(x | 0, y | 0) };
    case 'un32': return { op, x: x | 0, y: 0, z: s.fn(x | 0) };
    case 'cmp64': return { op, x: x | 0, xh: xh | 0, y: y | 0, yh: yh | 0, z: s.fn(BigInt.asIntN(64, X), BigInt.asIntN(64, Y)) };
    case 'test64': return { op, x: x | 0, xh: xh | 0, y: 0, yh: 0, z: s.fn(BigInt.asIntN(64, X)) };
    default: throw new Error(`not an lt op: ${ISA[op]!.mnemonic}`);
  }
}
const is64 = (op: number): boolean => ISA[op]!.semantics.kind === 'cmp64' || ISA[op]!.semantics.kind === 'test64';
const EDGES = [0, 1, -1, 2, 0x80000000 | 0, 0x7fffffff, 0xffff, 0x10000, 0x8000, 0x7fff, -0x10000, 0x12345678];
const W = LtCols.width;
const get = (t: Matrix, row: number, col: number): number => t.values[row * W + col]!;
const set = (t: Matrix, row: number, col: number, v: number): void => {
  t.values[row * W + col] = ((v % P) + P) % P;
};

describe('lt table', () => {
  it('costs: 30 columns, main constraints of degree 2; 3 range16 lookups and one ALU receive', () => {
    expect(ltTable.info.width).toBe(30);
    expect(ltTable.info.maxDegree).toBeLessThanOrEqual(3);
    const sys = ltTable.system;
    for (const c of sys.constraints.filter((c) => c.phase === 'main')) expect(sys.dag.degree[c.id]).toBeLessThanOrEqual(2);
    expect(ltTable.info.buses.filter((b) => b.bus === 'range16').length).toBe(3);
    expect(ltTable.info.buses.filter((b) => b.bus === 'alu').length).toBe(1);
  });

  it('LT_OPS are exactly the ISA opcodes of the lt table (52)', () => {
    expect(LT_OPS).toEqual(ISA.filter((d) => d.table === 'lt').map((d) => d.op));
    expect(LT_OPS.length).toBe(52);
  });

  it('proves every opcode on edge values exactly as ISA semantics (constraints and buses)', () => {
    const list: AluEvent[] = [];
    for (const op of LT_OPS) {
      for (const x of EDGES) {
        for (const y of EDGES) {
          if (is64(op)) list.push(ref(op, x, y, y, x), ref(op, x, y, x, x), ref(op, y, x, -1, -1));
          else list.push(ref(op, x, y));
        }
        list.push(is64(op) ? ref(op, x, x, x, x) : ref(op, x, x));
      }
    }
    const w = aluWitness(list, ltTrace);
    expect(debugCheck(ltTable, w)).toEqual({ ok: true, failures: [] });
    list.forEach((e, i) => expect(get(w.trace, i, LtCols.z)).toBe(e.z));
  });

  it('accepts honest traces of random words (fast-check)', () => {
    const word = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    const ev = fc.tuple(fc.constantFrom(...LT_OPS), word, word, word, word).map(([op, x, y, xh, yh]) => (is64(op) ? ref(op, x, y, xh, yh) : ref(op, x, y)));
    fc.assert(fc.property(fc.array(ev, { minLength: 1, maxLength: 24 }), (list) => debugCheck(ltTable, aluWitness(list, ltTrace)).ok), { numRuns: 12 });
  });

  it('refuses events of another opcode, a wrong result, a 32-bit event with a high word, eqz with y != 0', () => {
    const c = freshCounts();
    expect(() => ltTrace(toEvents([{ op: OP['add']!, x: 1, y: 2, z: 3 }]), c)).toThrow(TypeError);
    expect(() => ltTrace(toEvents([{ op: OP['lt_s']!, x: -1, y: 0, z: 0 }]), c)).toThrow(/claims/);
    expect(() => ltTrace(toEvents([{ op: OP['lt_u']!, x: 1, xh: 1, y: 2, z: 1 }]), c)).toThrow(/high words/);
    expect(() => ltTrace(toEvents([{ op: OP['eqz']!, x: 0, y: 1, z: 1 }]), c)).toThrow(/y != 0/);
  });
});

// ---- attacks (STYLE §5) ----

const FIXED: AluEvent[] = [
  ref(OP['lt_s']!, -1, 1), // row 0: signs differ, z = 1
  ref(OP['lt_u']!, -1, 1), // row 1: z = 0
  ref(OP['eq']!, 5, 5), // row 2: z = 1
  ref(OP['ne']!, 0x10005, 5), // row 3: differ at limb 1 only, z = 1
  ref(OP['lt_u64']!, 1, 0, 0, 1), // row 4: differ at limbs 2 and 0, z = 1
  ref(OP['br_ge_s.i']!, 0x7fff, 0x8000), // row 5: z = 0
  ref(OP['eqz64']!, 0, 0, 0, 0), // row 6: z = 1
];
const PAD = 7;
let current: AluWitness | undefined;
const scenario: Scenario = {
  table: ltTable,
  honest() {
    current = aluWitness(FIXED, ltTrace);
    return { trace: current.trace, others: others(current) };
  },
};
const cheat = (f: (t: Matrix) => void, cpuFollows: boolean): Attack['mutate'] => (t) => {
  f(t);
  rederive(ltTable, t, current!, cpuFollows);
};

const ATTACKS: Attack[] = [
  {
    attack: 'claims lt_s(-1, 1) = 0 (flips c, v kept)',
    mutate: cheat((t) => { set(t, 0, LtCols.c, 0); set(t, 0, LtCols.z, 0); }, true),
    caughtBy: 'v = d + 2^16 M - c (2^16 + 1) (d: y - x on the marked limb, top limb sign-flipped if signed)',
  },
  {
    attack: 'claims lt_s(-1, 1) = 0 by also re-deriving v (v out of range)',
    mutate: cheat((t) => { set(t, 0, LtCols.c, 0); set(t, 0, LtCols.z, 0); set(t, 0, LtCols.v, get(t, 0, LtCols.v) + 0x10001); }, true),
    caughtBy: 'range16',
  },
  {
    attack: 'claims lt_s(-1, 1) = 0 by lying about the sign of x (sx = 0, xr = 0xffff)',
    mutate: cheat((t) => {
      set(t, 0, LtCols.sx, 0); set(t, 0, LtCols.xr, 0xffff); set(t, 0, LtCols.c, 0); set(t, 0, LtCols.z, 0);
      // d = y1 - x1 = 0 - 0xffff; v = d + 2^16 = 1
      set(t, 0, LtCols.v, 1);
    }, true),
    caughtBy: 'range16',
  },
  {
    attack: 'claims eq(5, 5) = 0 (z only)',
    mutate: cheat((t) => set(t, 2, LtCols.z, 0), true),
    caughtBy: 'z = onLt [x<y] + onGt [x>y] + onEq [x=y]',
  },
  {
    attack: 'claims ne(0x10005, 5) = 0: no marker although limb 1 differs',
    mutate: cheat((t) => { set(t, 3, LtCols.marker + 1, 0); set(t, 3, LtCols.c, 0); set(t, 3, LtCols.v, 0); set(t, 3, LtCols.z, 0); }, true),
    caughtBy: 'limbs above the marker are equal (limb 1)',
  },
  {
    attack: 'claims lt_u64((1:0), (0:1)) = 0: marks limb 0 instead of limb 2',
    mutate: cheat((t) => {
      set(t, 4, LtCols.marker + 2, 0); set(t, 4, LtCols.marker, 1); set(t, 4, LtCols.c, 0); set(t, 4, LtCols.z, 0);
      set(t, 4, LtCols.v, 0 - 1 + 0x10000); // d = y0 - x0 = -1
    }, true),
    caughtBy: 'limbs above the marker are equal (limb 2)',
  },
  {
    attack: 'relabels br_ge_s.i as br_lt_s.i (op changed, z kept)',
    mutate: cheat((t) => set(t, 5, LtCols.op, OP['br_lt_s.i']!), true),
    caughtBy: 'op = the ISA opcode of (form, kind)',
  },
  {
    attack: 'a padding row receives eq-free tuple (0, ...) the CPU never sent',
    mutate: cheat((t) => set(t, PAD, LtCols.onEq, 1), false),
    caughtBy: 'alu',
  },
  {
    attack: 'proves eq(5, 6) = 0 while the CPU asked eq(5, 5) (y changed in the table only)',
    mutate: cheat((t) => {
      const one = ltTrace(toEvents([ref(OP['eq']!, 5, 6)]), freshCounts());
      t.values.set(one.values.subarray(0, W), 2 * W);
    }, false),
    caughtBy: 'alu',
  },
];


/** Cheater's free choices for a forged row; the derived columns are solved from their equations. */
interface Forge { L?: number; G?: number; E?: number; isU?: number; is64?: number; isBr?: number; isImm?: number; isEqz?: number; m?: number[]; c?: number; sx?: number; sy?: number; kind?: number; xr?: number; yr?: number; isS?: number }
const fe = (v: number): number => ((v % P) + P) % P;
const S = (...xs: number[]): number => xs.reduce((a, b) => add(a, fe(b)), 0);
const X = (...xs: number[]): number => xs.reduce((a, b) => mul(a, fe(b)), 1);
function forge(t: Matrix, row: number, x: number[], y: number[], f: Forge): void {
  const L = f.L ?? 0, G = f.G ?? 0, E = f.E ?? 0, isU = f.isU ?? 0, w64 = f.is64 ?? 0, isBr = f.isBr ?? 0, isImm = f.isImm ?? 0, isEqz = f.isEqz ?? 0;
  const m = f.m ?? [0, 0, 0, 0], c = f.c ?? 0, sx = f.sx ?? 0, sy = f.sy ?? 0;
  const isReal = S(L, G, E, -X(L, G), -X(L, E), -X(G, E));
  const isSigned = f.isS ?? S(L, G, -X(2, L, G), -isU);
  const kind = f.kind ?? S(X(2, L), X(4, G), -X(5, L, G), X(4, L, E), X(4, G, E), isU);
  const op = S(X(OP['eq']!, isReal), X(OP['br_eq']! - OP['eq']!, isBr), X(OP['eq64']! - OP['eq']!, w64), X(OP['eqz']! - OP['eq']!, isEqz), X(OP['eqz64']! - OP['eqz']! - OP['eq64']! + OP['eq']!, w64, isEqz), X(S(2, -w64), kind), isImm);
  const top = (l: number[]): number => S(l[1]!, X(w64, S(l[3]!, -l[1]!)));
  const xr = f.xr ?? S(top(x), -X(0x8000, sx)), yr = f.yr ?? S(top(y), -X(0x8000, sy));
  const M = S(...m);
  const d = S(...m.map((mj, j) => X(mj, S(y[j]!, -x[j]!))), X(0x10000, isSigned, S(sx, -sy)));
  const v = S(d, X(0x10000, M), -X(0x10001, c));
  const z = S(X(L, c), X(G, S(M, -c)), X(E, S(1, -M)));
  const C = LtCols;
  const cols: [number, number][] = [[C.z, z], [C.c, c], [C.v, v], [C.sx, sx], [C.sy, sy], [C.xr, xr], [C.yr, yr], [C.onLt, L], [C.onGt, G], [C.onEq, E],
    [C.isSigned, isSigned], [C.isUnsigned, isU], [C.is64, w64], [C.isBr, isBr], [C.isImm, isImm], [C.isEqz, isEqz], [C.kind, kind], [C.op, op]];
  x.forEach((v, j) => cols.push([C.x + j, v]));
  y.forEach((v, j) => cols.push([C.y + j, v]));
  m.forEach((v, j) => cols.push([C.marker + j, v]));
  for (const [col, val] of cols) set(t, row, col, val);
}
const Z4 = [0, 0, 0, 0];
/** One attack per constraint label, each a false claim on a forged row the CPU sends too (found with a small search). */
const LABEL_ATTACKS: Attack[] = [
  { attack: 'onLt = -1: claims ge_s(0, 0) = 0', caughtBy: 'relation bits are bits (onLt, onGt, onEq) [0]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: -1, G: 1, isU: 1 }), true) },
  { attack: 'onGt = 2: claims or64(0, 0) = 1', caughtBy: 'relation bits are bits (onLt, onGt, onEq) [1]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { G: 2, E: 1, isU: 1 }), true) },
  { attack: 'onEq = 2: claims clz(0) = 2', caughtBy: 'relation bits are bits (onLt, onGt, onEq) [2]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: 1, E: 2 }), true) },
  { attack: 'isSigned = -1, isUnsigned = 1 on eq: claims ne(0, 0) = 1', caughtBy: 'form bits are bits (isSigned, isUnsigned, is64, isBr, isImm, isEqz) [0]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { E: 1, isU: 1 }), true) },
  { attack: 'isUnsigned = -1 on ne: claims eq(0, 0) = 0', caughtBy: 'form bits are bits (isSigned, isUnsigned, is64, isBr, isImm, isEqz) [1]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: 1, G: 1, isU: -1 }), true) },
  { attack: 'is64 = a fraction: claims ge_s.i(0, 0) = 0', caughtBy: 'form bits are bits (isSigned, isUnsigned, is64, isBr, isImm, isEqz) [2]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: 1, is64: -671088640 }), true) },
  { attack: 'isBr = a fraction: claims clz64(0) = 0', caughtBy: 'form bits are bits (isSigned, isUnsigned, is64, isBr, isImm, isEqz) [3]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: 1, isBr: -1006632960 }), true) },
  { attack: 'isImm = 5: claims le_s.i(0, 0) = 0', caughtBy: 'form bits are bits (isSigned, isUnsigned, is64, isBr, isImm, isEqz) [4]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { G: 1, isImm: 5 }), true) },
  { attack: 'isEqz = 2: claims gt_u64(0, 0) = 1', caughtBy: 'form bits are bits (isSigned, isUnsigned, is64, isBr, isImm, isEqz) [5]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { E: 1, isEqz: 2 }), true) },
  { attack: '.i on a 64-bit row: claims ne64(0, 0) = 1', caughtBy: 'br and .i forms are 32-bit binary forms (not 64-bit, not eqz)', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { E: 1, is64: 1, isImm: 1 }), true) },
  { attack: 'eqz with onLt: claims xor64(0, 0) = 1', caughtBy: 'eqz is the eq relation', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: 1, E: 1, isEqz: 1 }), true) },
  { attack: 'eqz with y = 5 from the CPU: claims eqz(5) = 1', caughtBy: 'eqz compares with y = 0', mutate: cheat((t) => forge(t, PAD, [5, 0, 0, 0], [5, 0, 0, 0], { E: 1, isEqz: 1 }), true) },
  { attack: 'kind + 1 on eq(1, 2): claims ne(1, 2) = 0', caughtBy: 'kind = 2 onLt + 4 onGt - 5 onLt onGt + 4 onLt onEq + 4 onGt onEq + isUnsigned', mutate: cheat((t) => forge(t, PAD, [1, 0, 0, 0], [2, 0, 0, 0], { E: 1, m: [1, 0, 0, 0], c: 1, kind: 1 }), true) },
  { attack: 'markers (-1, 1, 1, 0): claims lt_s64(1, 2) = 0', caughtBy: 'markers are bits [0]', mutate: cheat((t) => forge(t, PAD, [1, 0, 0, 0], [2, 0, 0, 0], { L: 1, is64: 1, m: [-1, 1, 1, 0] }), true) },
  { attack: 'markers (0, -1, 1, 1): claims lt_u64(2^16, 2^17) = 0', caughtBy: 'markers are bits [1]', mutate: cheat((t) => forge(t, PAD, [0, 1, 0, 0], [0, 2, 0, 0], { L: 1, isU: 1, is64: 1, m: [0, -1, 1, 1] }), true) },
  { attack: 'two markers: claims lt_s(0, 0) = 1', caughtBy: 'at most one marker', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: 1, m: [1, 1, 0, 0], c: 1 }), true) },
  { attack: '32-bit ne marks a high limb the CPU filled: claims ne(0, 0) = 1', caughtBy: '32-bit rows mark no high limb', mutate: cheat((t) => forge(t, PAD, [0, 0, 1, 0], Z4, { L: 1, G: 1, m: [0, 0, 1, 0] }), true) },
  ...[0, 1, 2, 3].map((k) => ({
    attack: `no marker although limb ${k} differs: claims eq${k >= 2 ? '64' : ''} = 1`,
    caughtBy: `limbs above the marker are equal (limb ${k})`,
    mutate: cheat((t) => forge(t, PAD, Z4.map((_, j) => (j === k ? 1 : 0)), Z4, { E: 1, is64: k >= 2 ? 1 : 0 }), true),
  })),
  { attack: 'sx = 30720: claims gt_s(0, 0) = 1', caughtBy: 'sign bits are bits (sx, sy) [0]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { G: 1, m: [1, 0, 0, 0], sx: 30720 }), true) },
  { attack: 'sy = 30720: claims lt_s(0, 0) = 1', caughtBy: 'sign bits are bits (sx, sy) [1]', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: 1, m: [1, 0, 0, 0], c: 1, sy: 30720 }), true) },
  { attack: 'x = -65536 claimed non-negative (sx = 0, xr = 0x7fff): claims lt_s(-65536, 65536) = 0', caughtBy: 'top limb of x = xr + 2^15 sx', mutate: cheat((t) => forge(t, PAD, [0, 0xffff, 0, 0], [0, 1, 0, 0], { L: 1, m: [0, 1, 0, 0], xr: 0x7fff }), true) },
  { attack: 'isSigned = isUnsigned = 1 on lt_u: claims lt_u(-1, 1) = 1', caughtBy: 'isSigned + isUnsigned = onLt XOR onGt (order relations only)', mutate: cheat((t) => forge(t, PAD, [0xffff, 0xffff, 0, 0], [1, 0, 0, 0], { L: 1, isU: 1, isS: 1, m: [0, 1, 0, 0], sx: 1, c: 1 }), true) },
  { attack: 'y = -65536 claimed non-negative (sy = 0, yr = 0x7fff): claims lt_s(65536, -65536) = 1', caughtBy: 'top limb of y = yr + 2^15 sy', mutate: cheat((t) => forge(t, PAD, [0, 1, 0, 0], [0, 0xffff, 0, 0], { L: 1, m: [0, 1, 0, 0], c: 1, yr: 0x7fff }), true) },
  { attack: 'c = -30720: claims lt_s(0, 0) = -30720', caughtBy: 'c is a bit', mutate: cheat((t) => forge(t, PAD, Z4, Z4, { L: 1, c: -30720 }), true) },
];

describe('lt attacks', () => {
  it('the scenario is honest', () => {
    expect(rejectionsOf(scenario, { attack: 'none', mutate: cheat(() => {}, true), caughtBy: '' })).toEqual([]);
  });
  it.each([...ATTACKS, ...LABEL_ATTACKS])('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });
  // Not yet shown needed by an attack (see the report): markers [2], [3].
  const PENDING = new Set(['markers are bits [2]', 'markers are bits [3]']);
  it('every constraint and bus is needed: dropping it lets some attack through', () => {
    const all = [...ATTACKS, ...LABEL_ATTACKS];
    for (const label of [...eachLabel(ltTable), 'range16', 'alu'].filter((l) => !PENDING.has(l))) {
      const some = all.filter((a) => a.caughtBy === label);
      expect(some.map((a) => rejectionsOf(scenario, a, new Set([label]))).find((r) => r.length === 0), `${label}: ${JSON.stringify(some.map((a) => rejectionsOf(scenario, a, new Set([label]))))}`).toEqual([]);
    }
  });
});

describe('lt end to end (real prover and verifier)', () => {
  it('proves and verifies a few comparisons', async () => {
    await proveAndVerify(ltTable, aluWitness(FIXED, ltTrace));
  });
  it('rejects a proof of a forged comparison (debug off): the verifier refuses', async () => {
    const w = aluWitness(FIXED, ltTrace);
    set(w.trace, 2, LtCols.z, 0); // eq(5, 5) = 0
    rederive(ltTable, w.trace, w, true);
    expect(await forgedProofCheck(ltTable, w)).not.toBe('accepted');
  });
});
