import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { layout } from '../../prover/air/layout.ts';
import { defineTable } from '../../prover/air/builder.ts';
import { checkConstraints, checkAllConstraints, checkBuses } from '../../prover/air/debug.ts';
import { fibTable, fibTrace } from '../../bench/fib-air.ts';
import { userTable, rangeTable, rangeWitness, rangeMachine } from '../fixtures/range-machine.ts';
import { defineMachine } from '../../prover/stark/machine.ts';
import { defineBus } from '../../prover/bus.ts';
import { eachLabel, rejectionsOf, attacksPassingWithout } from '../../prover/air/harness.ts';
import { P } from '../../prover/field/babybear.ts';

describe('layout', () => {
  it('maps names to start columns and column indices back to names', () => {
    const L = layout({ a: 2, b: 1, carry: 3 });
    expect([L.width, L.a, L.b, L.carry]).toEqual([6, 0, 2, 3]);
    expect([0, 1, 2, 3, 5, 6].map((i) => L.name(i))).toEqual(['a[0]', 'a[1]', 'b', 'carry[0]', 'carry[2]', 'col6']);
  });

  it('refuses reserved names and bad counts', () => {
    expect(() => layout({ width: 1 })).toThrow(/reserved/);
    expect(() => layout({ a: 0 })).toThrow(RangeError);
    expect(() => layout({ a: 1.5 })).toThrow(RangeError);
  });
});

describe('symbolic builder', () => {
  it('counts the Fibonacci AIR: 2 columns, 5 constraints, degree 2, one quotient chunk', () => {
    expect(fibTable.info).toMatchObject({ width: 2, constraints: 5, busConstraints: 0, maxDegree: 2, quotientChunks: 1, auxWidth: 0, cellsPerRow: 6 });
  });

  it('counts bus usage: one interaction gives 2 aux ext columns and 4 bus constraints', () => {
    expect(userTable.info).toMatchObject({ width: 3, constraints: 3, auxWidth: 2, busConstraints: 4, buses: [{ bus: 'range-test', kind: 'send', arity: 1 }] });
    expect(rangeTable.info).toMatchObject({ width: 1, preprocessedWidth: 1, constraints: 0, auxWidth: 2, buses: [{ bus: 'range-test', kind: 'receive', arity: 1 }] });
  });

  it('computes degrees through gates and products', () => {
    const C = layout({ x: 1, y: 1, s: 1 });
    const t = defineTable({
      name: 'deg',
      cols: C,
      eval(b) {
        const r = b.local(C);
        b.when(r.s).assertBool('bool under a gate', r.x); // s * x * (x - 1): 3
        b.when(r.s).when(r.y).assertZero('double gate', b.mul(r.x, r.x, r.x)); // 5
        b.whenTransition().assertZero('transition', r.x); // 2
      },
    });
    expect(t.info.maxDegree).toBe(5);
    expect(t.info.quotientChunks).toBe(4);
    expect(t.system.dag.degree[t.system.constraints[0]!.id]).toBe(3);
  });

  it('shares identical sub-expressions and folds constants', () => {
    const C = layout({ x: 1 });
    let same = false;
    let folded = false;
    defineTable({
      name: 'cse',
      cols: C,
      eval(b) {
        const r = b.local(C);
        same = b.add(r.x, 1) === b.add(1, r.x);
        folded = b.mul(b.add(2, 3), 4) === b.constant(20);
        b.assertZero('x', r.x);
      },
    }).system;
    expect(same).toBe(true);
    expect(folded).toBe(true);
  });

  it('refuses a constraint without a label and a table stating nothing', () => {
    const C = layout({ x: 1 });
    const t = defineTable({ name: 'nothing', cols: C, eval() {} });
    expect(() => t.system).toThrow(/no constraint/);
    const bad = defineTable({
      name: 'nolabel',
      cols: C,
      eval(b) {
        (b.assertZero as (...a: unknown[]) => void)(b.local(C).x);
      },
    });
    expect(() => bad.system).toThrow(TypeError);
  });

  it('refuses public values and columns out of range', () => {
    const C = layout({ x: 1 });
    expect(() => defineTable({ name: 'pv', cols: C, eval: (b) => b.assertZero('pv', b.publicValue(0)) }).system).toThrow(/public value 0/);
    expect(() => defineTable({ name: 'col', cols: C, eval: (b) => b.assertZero('c', b.col(1)) }).system).toThrow(/no main column/);
  });
});

describe('debug checks', () => {
  it('accepts an honest Fibonacci trace', () => {
    const { trace, publics } = fibTrace(6);
    expect(checkAllConstraints(fibTable, trace, { publics })).toEqual({ ok: true, failures: [], busFailures: [] });
  });

  it('names the table, row, label and column values of a broken row', () => {
    const { trace, publics } = fibTrace(4);
    trace.values[2 * 5 + 1] = 1000; // b on row 5
    const r = checkConstraints(fibTable, trace, { publics });
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([{ table: 'fib', row: 4, label: "transition: b' = a + b", values: { a: trace.values[8], b: trace.values[9], "b'": 1000 } }]);
    const all = checkAllConstraints(fibTable, trace, { publics });
    expect(all.failures.map((f) => `${f.row}:${f.label}`)).toEqual(["4:transition: b' = a + b", "5:transition: a' = b", "5:transition: b' = a + b"]);
    expect(checkAllConstraints(fibTable, trace, { publics, maxFailures: 2 }).failures).toHaveLength(2);
  });

  it('checks the last row and the public values (next of the last row wraps, but transitions are gated)', () => {
    const { trace, publics } = fibTrace(4);
    expect(checkConstraints(fibTable, trace, { publics: [1, 1, publics[2]! + 1] }).failures.map((f) => f.label)).toEqual(['last row: b = out']);
    expect(checkConstraints(fibTable, trace, { publics: [2, 1, publics[2]!] }).failures.map((f) => [f.row, f.label])).toEqual([[0, 'first row: a = a0']]);
  });

  it('reads label thunks only on failure, and skipLabels drops a constraint', () => {
    const C = layout({ x: 4 });
    let calls = 0;
    const t = defineTable({
      name: 'thunks',
      cols: C,
      eval(b) {
        const r = b.local(C);
        r.x.forEach((x, j) => b.assertBool(() => (calls++, `x[${j}] is a bit`), x));
      },
    });
    const trace = { values: Uint32Array.from({ length: 16 }, (_, i) => i % 2), width: 4, height: 4 };
    expect(checkAllConstraints(t, trace).ok).toBe(true);
    expect(calls).toBe(0);
    trace.values[6] = 2;
    expect(checkAllConstraints(t, trace).failures).toMatchObject([{ row: 1, label: 'x[2] is a bit', values: { 'x[2]': 2 } }]);
    expect(checkAllConstraints(t, trace, { skipLabels: new Set(['x[2] is a bit']) }).ok).toBe(true);
  });

  it('detects any single-cell change of a Fibonacci trace', () => {
    const { trace, publics } = fibTrace(5);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: P - 1 }), (cell, delta) => {
        const v = trace.values.slice();
        v[cell] = (v[cell]! + delta) % P;
        return !checkAllConstraints(fibTable, { ...trace, values: v }, { publics }).ok;
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkBuses', () => {
  const inputs = (traces: { values: Uint32Array; width: number; height: number }[]) => [
    { table: userTable, trace: traces[0]! },
    { table: rangeTable, trace: traces[1]! },
  ];

  it('accepts balanced buses', () => {
    const { traces } = rangeWitness(4);
    expect(checkBuses(inputs(traces))).toEqual({ ok: true, failures: [], busFailures: [] });
  });

  it('names the bus, table, row and tuple of an unmatched send', () => {
    const { traces } = rangeWitness(4);
    traces[0]!.values[3 * 2] = 9; // row 2 now sends 9, out of the range table
    const r = checkBuses(inputs(traces));
    expect(r.ok).toBe(false);
    expect(r.busFailures).toContainEqual({ bus: 'range-test', table: 'user', row: 2, tuple: [9], multiplicity: 1 });
  });

  it('sees a wrong multiplicity on the receiving side', () => {
    const { traces } = rangeWitness(4);
    traces[1]!.values[0]! += 1;
    const r = checkBuses(inputs(traces));
    expect(r.busFailures).toContainEqual({ bus: 'range-test', table: 'range', row: 0, tuple: [0], multiplicity: -traces[1]!.values[0]! });
  });
});

describe('machines', () => {
  it('refuse duplicate table names and buses of one name with different arities', () => {
    expect(() => defineMachine('dup', [fibTable, fibTable])).toThrow(/two tables/);
    const C = layout({ x: 2 });
    const bus = defineBus('loose');
    const t1 = defineTable({ name: 't1', cols: C, eval: (b) => bus.send(b, [b.local(C).x[0]!]) });
    const t2 = defineTable({ name: 't2', cols: C, eval: (b) => bus.receive(b, b.local(C).x) });
    expect(() => defineMachine('arity', [t1, t2])).toThrow(/1-tuples/);
    expect(rangeMachine.maxArity).toBe(1);
  });
});

describe('constraint harness (STYLE §5) on the Fibonacci AIR', () => {
  /** A whole trace from a cheating recurrence, with the output public value re-derived. */
  const regenerate = (t: { values: Uint32Array }, publics: number[], a0: number, b0: number, da: number, db: number) => {
    const n = t.values.length / 2;
    let a = a0;
    let b = b0;
    for (let i = 0; i < n; i++) {
      t.values[2 * i] = a;
      t.values[2 * i + 1] = b;
      [a, b] = [(b + da) % P, (a + b + db) % P];
    }
    publics[2] = t.values[2 * n - 1]!;
  };
  const scenario = { table: fibTable, honest: () => ({ ...fibTrace(4) }) };
  const ATTACKS = [
    { attack: 'runs from a0 = 2 while claiming a0 = 1', mutate: (t: { values: Uint32Array }, p: number[]) => regenerate(t, p, 2, 1, 0, 0), caughtBy: 'first row: a = a0' },
    { attack: 'runs from b0 = 5 while claiming b0 = 1', mutate: (t: { values: Uint32Array }, p: number[]) => regenerate(t, p, 1, 5, 0, 0), caughtBy: 'first row: b = b0' },
    { attack: "shifts a' = b + 1", mutate: (t: { values: Uint32Array }, p: number[]) => regenerate(t, p, 1, 1, 1, 0), caughtBy: "transition: a' = b" },
    { attack: "adds one to b' = a + b", mutate: (t: { values: Uint32Array }, p: number[]) => regenerate(t, p, 1, 1, 0, 1), caughtBy: "transition: b' = a + b" },
    { attack: 'claims another output', mutate: (_t: unknown, p: number[]) => void (p[2] = (p[2]! + 1) % P), caughtBy: 'last row: b = out' },
  ];

  it.each(ATTACKS)('rejects: $attack', (a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  it('every constraint is needed', () => {
    for (const label of eachLabel(fibTable)) expect(attacksPassingWithout(scenario, label, ATTACKS).length, label).toBeGreaterThan(0);
  });
});
