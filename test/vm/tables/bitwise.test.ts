import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, attacksPassingWithout, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { P } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { OP } from '../../../vm/isa.ts';
import { ALU_ARITY } from '../../../vm/tables/alu.ts';
import { BITWISE_OPS, BitwiseCols, bitwiseTable, bitwiseTrace } from '../../../vm/tables/bitwise.ts';
import { aluWitness, debugCheck, freshCounts, others, proveAndVerify, toEvents, type AluEvent, type AluWitness } from './_alu-harness.ts';
import { rederive } from './_alu-cheat.ts';
import { forgedProofCheck, refEvent } from './_alu-ref.ts';

const EDGES = [0, 1, -1, 0x80000000, 0x7fffffff, 0xffff, 0x10000, 0xff00ff00, 0x0ff00ff0];
const NARROW = new Set(['and', 'and.i', 'or', 'or.i', 'xor', 'xor.i'].map((m) => OP[m]!));
const witness = (list: readonly AluEvent[]): AluWitness => aluWitness(list, bitwiseTrace);

/** Result words of row i read back from the trace bytes. */
function resultOf(t: Matrix, i: number): [number, number] {
  const z = (k: number) => t.values[i * BitwiseCols.width + BitwiseCols.z + k]!;
  return [(z(0) | (z(1) << 8) | (z(2) << 16) | (z(3) << 24)) | 0, (z(4) | (z(5) << 8) | (z(6) << 16) | (z(7) << 24)) | 0];
}

describe('bitwise table', () => {
  it('costs: 33 columns, degree <= 3, 8 byte lookups and one ALU receive', () => {
    expect(bitwiseTable.info.width).toBe(33);
    expect(bitwiseTable.info.maxDegree).toBeLessThanOrEqual(3);
    expect(bitwiseTable.info.buses.filter((x) => x.bus === 'bytes')).toHaveLength(8);
    expect(bitwiseTable.info.buses.filter((x) => x.bus === 'alu')).toEqual([{ bus: 'alu', kind: 'receive', arity: ALU_ARITY }]);
    expect(BITWISE_OPS).toHaveLength(9);
  });

  it('computes every opcode exactly as ISA semantics on edge values (constraints and buses hold)', () => {
    const list: AluEvent[] = [];
    for (const op of BITWISE_OPS) {
      for (const x of EDGES) {
        for (const y of EDGES) {
          list.push(NARROW.has(op) ? refEvent(op, x, y) : refEvent(op, x, y, y ^ 0x5a5a5a5a, x));
        }
      }
    }
    const w = witness(list);
    list.forEach((e, i) => expect(resultOf(w.trace, i), `${e.op} ${e.x} ${e.y}`).toEqual([e.z, e.zh ?? 0]));
    expect(debugCheck(bitwiseTable, w)).toEqual({ ok: true, failures: [] });
  });

  it('accepts honest traces of random words (fast-check)', () => {
    const word = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    const ev = fc.tuple(fc.constantFrom(...BITWISE_OPS), word, word, word, word).map(([op, x, y, xh, yh]) => (NARROW.has(op) ? refEvent(op, x, y) : refEvent(op, x, y, xh, yh)));
    fc.assert(fc.property(fc.array(ev, { minLength: 1, maxLength: 40 }), (list) => debugCheck(bitwiseTable, witness(list)).ok), { numRuns: 6 });
  });

  it('refuses events of another table, 32-bit events with a high word, and wrong results', () => {
    const c = freshCounts();
    expect(() => bitwiseTrace(toEvents([refEvent(OP.add!, 1, 2)]), c)).toThrow(/opcode \d+ \(add\) is not proved in this table/);
    expect(() => bitwiseTrace(toEvents([{ ...refEvent(OP.and!, 1, 2), xh: 1 }]), c)).toThrow(/high word/);
    expect(() => bitwiseTrace(toEvents([{ ...refEvent(OP.xor64!, 1, 2, 3, 4), zh: 0 }]), c)).toThrow(/recorded result .* but the operation gives/);
    expect(() => bitwiseTrace(toEvents([{ ...refEvent(OP['or.i']!, 1, 2), z: 4 }]), c)).toThrow(RangeError);
  });
});

// ---- attacks (STYLE §5) ----

const and = OP.and!, or64 = OP.or64!, xorI = OP['xor.i']!;
const FIXED: AluEvent[] = [
  refEvent(and, 0xff00ff00, 0x0ff00ff0), // row 0
  refEvent(or64, 0x12345678, 0x0f0f0f0f, -1, 0x10000), // row 1
  refEvent(xorI, 0x1234, 0xff), // row 2: high bytes zero
  refEvent(OP.or!, 0x00ff, 0x0f00), // row 3: high bytes zero
];
const EVENTS: AluEvent[] = [...FIXED, ...Array.from({ length: 10 }, (_, i) => refEvent(BITWISE_OPS[i % 9]!, 0x9e3779b9 * (i + 1), 0x7f4a7c15 ^ i, i * 0x01010101, ~i))];
const PAD = 15; // a padding row (14 events, height 16)
const W = BitwiseCols.width;

let current: AluWitness;
const scenario: Scenario = {
  table: bitwiseTable,
  honest() {
    current = witness(EVENTS);
    return { trace: current.trace, others: others(current) };
  },
};
const cheat = (f: (t: Matrix) => void, cpuFollows = true): Attack['mutate'] => (t) => {
  f(t);
  rederive(bitwiseTable, t, current, cpuFollows);
};
/** The same cheat on a given witness (for the end-to-end test). */
const cheatOn = (w: AluWitness, f: (t: Matrix) => void): void => {
  f(w.trace);
  rederive(bitwiseTable, w.trace, w, true);
};
const set = (t: Matrix, row: number, col: number, v: number): void => {
  t.values[row * W + col] = ((v % P) + P) % P;
};
const get = (t: Matrix, row: number, col: number): number => t.values[row * W + col]!;
const sel = (op: number): number => BitwiseCols.sel + BITWISE_OPS.indexOf(op);
const KIND_OF = (i: number): number => [1, 1, 2, 2, 3, 3, 1, 2, 3][i]!;

const ATTACKS: Attack[] = [
  {
    attack: 'claims 0xff00ff00 and 0x0ff00ff0 = 0x0f000f01 (a result byte changed, CPU writes it)',
    mutate: cheat((t) => set(t, 0, BitwiseCols.z, 1)),
    caughtBy: 'bytes',
  },
  {
    attack: 'keeps the result limb but splits it into non-bytes (z[0] + 256, z[1] - 1)',
    mutate: cheat((t) => {
      set(t, 1, BitwiseCols.z, get(t, 1, BitwiseCols.z) + 256);
      set(t, 1, BitwiseCols.z + 1, get(t, 1, BitwiseCols.z + 1) - 1);
    }),
    caughtBy: 'bytes',
  },
  {
    attack: 'proves or on x = 0x0fff instead of the CPU\'s 0x00ff (same result; the table\'s x only)',
    mutate: cheat((t) => {
      set(t, 3, BitwiseCols.x + 1, 0x0f); // 0x0fff | 0x0f00 = 0x0fff = 0x00ff | 0x0f00
    }, false),
    caughtBy: 'alu',
  },
  {
    attack: 'relabels an or as a xor (the CPU asked for or)',
    mutate: cheat((t) => {
      set(t, 3, sel(OP.or!), 0);
      set(t, 3, sel(OP.xor!), 1); // 0x00ff ^ 0x0f00 = 0x0fff = the or: only the opcode differs
    }, false),
    caughtBy: 'alu',
  },
  {
    attack: 'a padding row receives an and the CPU never sent',
    mutate: cheat((t) => set(t, PAD, sel(and), 1), false),
    caughtBy: 'alu',
  },
  {
    attack: 'a padding row selects and + and.i (opcode sum, looked up as or) and is received twice',
    mutate: cheat((t) => {
      set(t, PAD, sel(and), 1);
      set(t, PAD, sel(OP['and.i']!), 1);
    }),
    caughtBy: 'at most one selector (isReal = sum of selectors is a bit)',
  },
  // a selector of -1 balanced by two others of which one has its kind: the row still looks up a
  // real byte operation but receives a forged opcode op_a + op_b - op_i
  ...BITWISE_OPS.map((_, i): Attack => {
    const row = KIND_OF(i) === 1 ? 3 : 0; // row 3 is an or, row 0 an and
    const a = KIND_OF(i) === 1 ? 2 : 0;
    const b = [0, 1, 2, 3, 4, 5, 6, 7, 8].find((k) => k !== i && k !== a && KIND_OF(k) === KIND_OF(i))!;
    return {
      attack: `selector ${i} = -1 with two others on (receives opcode ${BITWISE_OPS[a]! + BITWISE_OPS[b]! - BITWISE_OPS[i]!})`,
      mutate: cheat((t) => {
        set(t, row, BitwiseCols.sel + i, -1);
        set(t, row, BitwiseCols.sel + b, 1);
      }),
      caughtBy: `selectors are bits [${i}]`,
    };
  }),
  // a 32-bit row whose CPU tuple carries a high word: the forged zh = xh op yh rides along
  ...Array.from({ length: 8 }, (_, k): Attack => ({
    attack: `xor.i with a non-zero ${k < 4 ? 'x' : 'y'} high byte ${k % 4} (and a non-zero zh)`,
    mutate: cheat((t) => {
      set(t, 2, (k < 4 ? BitwiseCols.x : BitwiseCols.y) + 4 + (k % 4), 0x11);
      set(t, 2, BitwiseCols.z + 4 + (k % 4), 0x11);
    }),
    caughtBy: `32-bit rows: high bytes of x and y are zero [${k}]`,
  })),
];

describe('bitwise attacks', () => {
  it('the scenario is honest', () => {
    expect(rejectionsOf(scenario, { attack: 'none', mutate: cheat(() => {}), caughtBy: '' })).toEqual([]);
  });

  it.each(ATTACKS)('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  it('rejects any single-cell change in a real row (CPU side unchanged, lookups re-derived)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EVENTS.length - 1 }), fc.integer({ min: 0, max: BitwiseCols.width - 1 }), fc.integer({ min: 1, max: P - 1 }), (row, col, delta) => {
        const mutate = cheat((t) => set(t, row, col, t.values[row * W + col]! + delta), false);
        return rejectionsOf(scenario, { attack: 'cell', mutate, caughtBy: '' }).length > 0;
      }),
      { numRuns: 20 },
    );
  });

  it('every constraint and bus is needed: dropping it lets its attack through', () => {
    const labels = [...eachLabel(bitwiseTable), 'bytes', 'alu'];
    expect(labels).toHaveLength(18 + 2);
    for (const label of labels) {
      const mine = ATTACKS.filter((a) => a.caughtBy === label);
      expect(mine.length, label).toBeGreaterThan(0);
      expect(attacksPassingWithout(scenario, label, mine).length, label).toBeGreaterThan(0);
    }
  });
});

describe('bitwise end to end (real prover and verifier)', () => {
  const small = [...FIXED, refEvent(OP.and64!, -1, 0x55555555, 0x80000000, -1), refEvent(OP['or.i']!, 0x10000, 0xffff)];

  it('proves and verifies bitwise + lookups + a CPU stub', async () => {
    await expect(proveAndVerify(bitwiseTable, witness(small))).resolves.toBeUndefined();
  });

  it('rejects a proof whose trace claims another result (debug off)', async () => {
    const w = witness(small);
    cheatOn(w, (t) => set(t, 0, BitwiseCols.z, 1)); // the first attack: and with a result byte changed
    expect(await forgedProofCheck(bitwiseTable, w)).toBe('bus-balance');
  });
});
