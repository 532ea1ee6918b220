import { describe, it, expect } from 'vitest';
import { fibTable, fibTrace } from '../../bench/fib-air.ts';
import { defineTable, type AnyTable } from '../../prover/air/builder.ts';
import { layout } from '../../prover/air/layout.ts';
import { traceInputs } from '../../prover/air/debug.ts';
import { evaluateConstraintsAt, selectorsAt, combine, quotientAt } from '../../prover/air/ood.ts';
import { domainSelectors, quotientValues, splitQuotient, logQuotientBlowup, QUOTIENT_SHIFT } from '../../prover/stark/quotient.ts';
import { TsBackend } from '../../prover/backend-ts.ts';
import { cosetLde, inttRows } from '../../prover/ntt.ts';
import { eAdd, eMul, ext, equals, type Ext4 } from '../../prover/field/ext4.ts';
import { mul, rootOfUnity } from '../../prover/field/babybear.ts';
import type { Matrix } from '../../prover/matrix.ts';

/** Column polynomials of a trace evaluated at an ext4 point (Horner on the coefficients). */
function openAt(m: Matrix, zeta: Ext4): Ext4[] {
  const c = m.values.slice();
  inttRows(c, m.width);
  const out: Ext4[] = [];
  for (let col = 0; col < m.width; col++) {
    let acc = ext(0);
    for (let j = m.height - 1; j >= 0; j--) acc = eAdd(eMul(acc, zeta), ext(c[j * m.width + col]!));
    out.push(acc);
  }
  return out;
}

function shiftPoint(zeta: Ext4, logN: number): Ext4 {
  const w = rootOfUnity(logN);
  return Uint32Array.of(mul(zeta[0]!, w), mul(zeta[1]!, w), mul(zeta[2]!, w), mul(zeta[3]!, w));
}

async function quotientIdentityHolds(table: AnyTable, trace: Matrix, publics: number[]): Promise<boolean> {
  const sys = table.system;
  const logN = Math.log2(trace.height);
  const chunks = table.info.quotientChunks;
  const logQ = logQuotientBlowup(chunks);
  const lde = cosetLde(trace, logQ, QUOTIENT_SHIFT);
  const sel = domainSelectors(logN, logQ);
  const alpha = Uint32Array.of(7, 3, 5, 1);
  const alphaPowers = new Uint32Array(4 * sys.constraints.length);
  let ak = ext(1);
  for (let k = 0; k < sys.constraints.length; k++) {
    alphaPowers.set(ak, 4 * k);
    ak = eMul(ak, alpha);
  }
  const base = traceInputs(table, trace, { publics });
  const q = quotientValues(sys, { ...base, main: lde.values, height: lde.height, nextStride: 1 << logQ, ...sel }, sel.invZ, alphaPowers);
  const chunkEvals = await splitQuotient(new TsBackend(), q, logN, logQ, chunks, false);
  const zeta = Uint32Array.of(123456, 789, 42, 999);
  const main = openAt(trace, zeta);
  const mainNext = openAt(trace, shiftPoint(zeta, logN));
  const s = selectorsAt(zeta, logN);
  const cs = evaluateConstraintsAt(sys, { main, mainNext, pre: [], preNext: [], aux: [], auxNext: [], publics, challenges: base.challenges, busSum: ext(0) }, s);
  const lhs = combine(cs, alpha);
  const rhs = eMul(s.vanishing, quotientAt(openAt(chunkEvals, zeta), chunks, zeta, logN));
  return equals(lhs, rhs);
}

const Cube = layout({ x: 1, y: 1 });
/** y' = x^3 + y on transitions: degree 4, so 3 chunks on a 4x domain. */
const cubeTable = defineTable({
  name: 'cube',
  cols: Cube,
  eval(b) {
    const r = b.local(Cube);
    const n = b.next(Cube);
    b.whenTransition().assertEq("y' = x^3 + y", n.y, b.add(b.mul(r.x, r.x, r.x), r.y));
    b.whenFirstRow().assertZero('y starts at 0', r.y);
  },
});

function cubeTrace(logN: number): Matrix {
  const n = 2 ** logN;
  const v = new Uint32Array(2 * n);
  let y = 0;
  for (let i = 0; i < n; i++) {
    const x = (i * 7 + 3) % 1000;
    v[2 * i] = x;
    v[2 * i + 1] = y;
    y = (y + mul(mul(x, x), x)) % 2013265921;
  }
  return { values: v, width: 2, height: n };
}

describe('quotient and OOD evaluation agree', () => {
  it('Fibonacci: C(zeta) = Z_H(zeta) q(zeta) for an honest trace', async () => {
    const { trace, publics } = fibTrace(6);
    expect(await quotientIdentityHolds(fibTable, trace, publics)).toBe(true);
  });

  it('Fibonacci: the identity fails when one cell is wrong', async () => {
    const { trace, publics } = fibTrace(6);
    trace.values[21] = (trace.values[21]! + 1) % 2013265921;
    expect(await quotientIdentityHolds(fibTable, trace, publics)).toBe(false);
  });

  it('a degree-4 table splits its quotient into 3 chunks', async () => {
    expect(cubeTable.info.maxDegree).toBe(4);
    expect(cubeTable.info.quotientChunks).toBe(3);
    expect(await quotientIdentityHolds(cubeTable, cubeTrace(5), [])).toBe(true);
  });

  it('the strict split rejects a quotient of too high degree', async () => {
    const t = cubeTrace(5);
    t.values[11] = 5;
    const sys = cubeTable.system;
    const sel = domainSelectors(5, 2);
    const lde = cosetLde(t, 2, QUOTIENT_SHIFT);
    const base = traceInputs(cubeTable, t);
    const ap = new Uint32Array(4 * sys.constraints.length).fill(1);
    const q = quotientValues(sys, { ...base, main: lde.values, height: lde.height, nextStride: 4, ...sel }, sel.invZ, ap);
    await expect(splitQuotient(new TsBackend(), q, 5, 2, 3, true)).rejects.toThrow(/degree/);
  });
});

describe('parallel quotient', () => {
  it('equals the single-thread values when split across a 2-worker pool', async () => {
    const { createBackend } = await import('../../prover/backend-wasm.ts');
    const { quotientValuesParallel } = await import('../../prover/stark/quotient.ts');
    const backend = await createBackend({ threads: 2 });
    try {
      const pool = (backend as { pool?: import('../../prover/stark/quotient.ts').TaskPool }).pool;
      if (!pool) return; // kernels not built: nothing to compare
      const { trace, publics } = fibTrace(15);
      const sys = fibTable.system;
      const sel = domainSelectors(15, 0);
      const lde = cosetLde(trace, 0, QUOTIENT_SHIFT);
      const inputs = { ...traceInputs(fibTable, trace, { publics }), main: lde.values, ...sel };
      const ap = Uint32Array.from({ length: 4 * sys.constraints.length }, (_, i) => (i * 7919 + 13) % 2013265921);
      const serial = quotientValues(sys, inputs, sel.invZ, ap);
      const par = await quotientValuesParallel(sys, inputs, sel.invZ, ap, pool, true);
      expect(Array.from(par)).toEqual(Array.from(serial));
    } finally {
      await backend.dispose();
    }
  });
});
