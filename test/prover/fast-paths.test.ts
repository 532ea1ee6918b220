import { describe, it, expect } from 'vitest';
import { defineTable } from '../../prover/air/builder.ts';
import { layout } from '../../prover/air/layout.ts';
import { buildAuxTrace, buildAuxTraceParallel, busChallenges, defineBus } from '../../prover/bus.ts';
import { traceInputs } from '../../prover/air/debug.ts';
import { addMod, subMod, negMod, mulFast } from '../../prover/air/_mul.ts';
import { P, add, sub, neg, mul } from '../../prover/field/babybear.ts';
import { eAdd, eInv, eMul, eSub, ext, type Ext4 } from '../../prover/field/ext4.ts';
import { domainSelectors, quotientValues, quotientValuesParallel } from '../../prover/stark/quotient.ts';
import type { Matrix } from '../../prover/matrix.ts';

/**
 * The prover's fast paths give exactly the values of their definitions: the aux trace (blocks,
 * skipped zero multiplicities, one inversion per block, worker split) against a row-by-row
 * reference, and the WASM quotient interpreter against the TypeScript one.
 */
const busA = defineBus('fast-a', { arity: 3 });
const busB = defineBus('fast-b', { arity: 1 });
const Cols = layout({ x: 3, y: 3, m: 3, s: 1 });
const table = defineTable({
  name: 'fast-paths',
  cols: Cols,
  publicValues: 1,
  eval(b) {
    const r = b.local(Cols);
    const n = b.next(Cols);
    b.assertZero('cubic', b.sub(b.mul(r.x[0]!, r.x[1]!, r.x[2]!), r.s));
    b.whenTransition().assertEq('next y0', n.y[0]!, b.add(r.y[0]!, b.publicValue(0)));
    busA.send(b, [r.x[0]!, r.y[0]!, 7], r.m[0]!);
    busA.receive(b, [r.x[1]!, r.y[1]!, b.mul(r.x[1]!, r.y[1]!)], r.m[1]!);
    busB.send(b, [r.y[2]!], r.m[2]!);
    busB.receive(b, [r.x[2]!], b.add(r.m[0]!, r.m[2]!));
    busA.send(b, [n.x[0]!, 1, 2], r.m[1]!);
  },
});

/** Random rows with multiplicities zero about half of the time, so both the skipped and the paired paths run. */
function randomTrace(logN: number, seed: number): Matrix {
  const n = 2 ** logN;
  const v = new Uint32Array(n * Cols.width);
  let x = seed | 1;
  const rnd = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % P;
  };
  for (let i = 0; i < n * Cols.width; i++) v[i] = rnd();
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) if (rnd() & 1) v[i * Cols.width + Cols.m + k] = 0;
  return { values: v, width: Cols.width, height: n };
}

/** The aux trace by its definition: per row, per column, sum of s m / (beta - fp), with eInv per term. */
function referenceAux(trace: Matrix, ch: Uint32Array, publics: number[]): Uint32Array {
  const sys = table.system;
  const n = trace.height;
  const G = sys.auxGroups.length;
  const w = 4 * (G + 1);
  const out = new Uint32Array(n * w);
  const inputs = { ...traceInputs(table, trace, { publics }), challenges: ch };
  // Evaluate the tuple and multiplicity expressions with the (already tested) debug evaluator's program.
  const rows = evalRoots(inputs);
  let s: Ext4 = ext(0);
  for (let i = 0; i < n; i++) {
    sys.auxGroups.forEach((g, c) => {
      let col: Ext4 = ext(0);
      for (const k of g) {
        const it = sys.interactions[k]!;
        const { tuple, m } = rows[i]![k]!;
        let fp: Ext4 = ext(it.bus.id);
        tuple.forEach((t, j) => (fp = eAdd(fp, eMul(ch.subarray(4 * (j + 1), 4 * (j + 2)), ext(t)))));
        const sm = it.sign > 0 ? m : neg(m);
        if (sm !== 0) col = eAdd(col, eMul(ext(sm), eInv(eSub(ch.subarray(0, 4), fp))));
      }
      out.set(col, i * w + 4 * c);
      s = eAdd(s, col);
    });
    out.set(s, i * w + 4 * G);
  }
  return out;
}

function evalRoots(inputs: ReturnType<typeof traceInputs>): { tuple: number[]; m: number }[][] {
  // Row by row through `quotientValues`-independent arithmetic: the DAG evaluated directly.
  const sys = table.system;
  const dag = sys.dag;
  const n = inputs.height;
  const rows: { tuple: number[]; m: number }[][] = [];
  for (let i = 0; i < n; i++) {
    const memo = new Map<number, number>();
    const ev = (id: number): number => {
      const hit = memo.get(id);
      if (hit !== undefined) return hit;
      const op = dag.op[id]!, a = dag.a[id]!, b = dag.b[id]!;
      let v: number;
      switch (op) {
        case 0: v = a; break;
        case 1: v = inputs.main[((i + b) % n) * inputs.mainWidth + a]!; break;
        case 4: v = inputs.publics[a]!; break;
        case 10: v = add(ev(a), ev(b)); break;
        case 11: v = sub(ev(a), ev(b)); break;
        case 12: v = mul(ev(a), ev(b)); break;
        case 13: v = neg(ev(a)); break;
        default: throw new Error(`op ${op} not expected in a tuple`);
      }
      memo.set(id, v);
      return v;
    };
    rows.push(sys.interactions.map((it) => ({ tuple: it.tuple.map(ev), m: ev(it.multiplicity) })));
  }
  return rows;
}

const challenges = busChallenges(Uint32Array.of(11, 22, 33, 44), Uint32Array.of(5, 6, 7, 8), table.system.maxArity);

describe('prover fast paths', () => {
  it('branchless addMod / subMod / negMod and mulFast equal the field operations', () => {
    const xs = [0, 1, 2, P - 1, P - 2, 1 << 30, (P >>> 1) + 1, 123456789];
    for (const a of xs) {
      expect(negMod(a)).toBe(neg(a));
      for (const b of xs) {
        expect(addMod(a, b)).toBe(add(a, b));
        expect(subMod(a, b)).toBe(sub(a, b));
        expect(mulFast(a, b)).toBe(mul(a, b));
      }
    }
  });

  it('buildAuxTrace equals the row-by-row definition (zero, single and paired terms)', () => {
    expect(table.system.auxGroups.some((g) => g.length === 2)).toBe(true);
    expect(table.system.auxGroups.some((g) => g.length === 1)).toBe(true);
    const trace = randomTrace(11, 3);
    const inputs = { ...traceInputs(table, trace, { publics: [9] }), challenges };
    const { aux, busSum } = buildAuxTrace(table.system, inputs);
    const ref = referenceAux(trace, challenges, [9]);
    expect(Array.from(aux.values)).toEqual(Array.from(ref));
    expect(Array.from(busSum)).toEqual(Array.from(ref.subarray(ref.length - 4)));
  });

  it('buildAuxTraceParallel over a 2-worker pool equals buildAuxTrace', async () => {
    const { createBackend } = await import('../../prover/backend-wasm.ts');
    const backend = await createBackend({ threads: 2 });
    try {
      const pool = (backend as { pool?: Parameters<typeof buildAuxTraceParallel>[2] }).pool;
      if (!pool) return; // kernels not built
      const trace = randomTrace(12, 5);
      const inputs = { ...traceInputs(table, trace, { publics: [4] }), challenges };
      const one = buildAuxTrace(table.system, inputs);
      const par = await buildAuxTraceParallel(table.system, inputs, pool, true);
      expect(Array.from(par.aux.values)).toEqual(Array.from(one.aux.values));
      expect(Array.from(par.busSum)).toEqual(Array.from(one.busSum));
    } finally {
      await backend.dispose();
    }
  });

  it('the WASM quotient interpreter equals the TypeScript one (one thread and a 2-worker pool)', async () => {
    const { createBackend } = await import('../../prover/backend-wasm.ts');
    const { kernelsAvailable, kernels } = await import('../../prover/wasm/kernels.ts');
    if (!kernelsAvailable()) return;
    const logN = 10, logQ = 2;
    const N = 1 << (logN + logQ);
    const sys = table.system;
    const sel = domainSelectors(logN, logQ);
    const G = sys.auxGroups.length;
    const rnd = randomTrace(logN + logQ, 9).values;
    const aux = randomTrace(logN + logQ + 3, 10).values.subarray(0, N * 4 * (G + 1)); // any values
    const inputs = {
      main: rnd, mainWidth: Cols.width, aux, auxWidth: 4 * (G + 1), height: N, nextStride: 1 << logQ,
      isFirstRow: sel.isFirstRow, isLastRow: sel.isLastRow, isTransition: sel.isTransition,
      publics: Uint32Array.of(77), challenges, busSum: Uint32Array.of(1, 2, 3, 4),
    };
    const ap = Uint32Array.from({ length: 4 * sys.constraints.length }, (_, i) => (i * 7919 + 13) % P);
    const ts = quotientValues(sys, inputs, sel.invZ, ap);
    const one = await quotientValuesParallel(sys, inputs, sel.invZ, ap, undefined, false, kernels());
    expect(Array.from(one)).toEqual(Array.from(ts));
    const backend = await createBackend({ threads: 2 });
    try {
      const pool = (backend as { pool?: Parameters<typeof quotientValuesParallel>[4] }).pool;
      const two = await quotientValuesParallel(sys, inputs, sel.invZ, ap, pool, true);
      expect(Array.from(two)).toEqual(Array.from(ts));
    } finally {
      await backend.dispose();
    }
  });
});
