import { describe, it, expect } from 'vitest';
import { defineTable, type AnyTable } from '../../prover/air/builder.ts';
import { layout } from '../../prover/air/layout.ts';
import { buildAuxTrace, busChallenges, defineBus, logUpTerms, pairInteractions, PAIRING_MIN_DEGREE, type BusChallenges, type BusTerm } from '../../prover/bus.ts';
import { defineMachine } from '../../prover/stark/machine.ts';
import { prove } from '../../prover/stark/prove.ts';
import { verify } from '../../prover/stark/verify.ts';
import { checkConstraints, traceInputs } from '../../prover/air/debug.ts';
import { proofOptions } from '../../prover/options.ts';
import { Transcript } from '../../prover/transcript.ts';
import { P } from '../../prover/field/babybear.ts';
import { eAdd, equals, ext } from '../../prover/field/ext4.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { checkOf } from './_verify-check.ts';

/**
 * Paired LogUp aux columns: one ext4 column holds m1/d1 + m2/d2 when the pair's constraint
 * col d1 d2 = s1 m1 d2 + s2 m2 d1 keeps the table's degree at most max(its degree, 3).
 */
const lk = defineBus('pairs-test', { arity: 2 });
const wide = defineBus('pairs-test-wide', { arity: 3 });
const OPTS = proofOptions({ logBlowup: 2, numQueries: 6, foldingArity: 4, logFinalPolyLen: 2, powBits: 4 });
const LOOSE = { minSecurityBits: 0 };

const SendCols = layout({ a: 5, b: 5, isReal: 1 });
/** Five sends (k, a_k, b_k) of degree 2 each: paired as [0,1], [2,3], [4]. */
const fiveSends = defineTable({
  name: 'five-sends',
  cols: SendCols,
  eval(b) {
    const r = b.local(SendCols);
    b.assertBool('isReal is a bit', r.isReal);
    for (let k = 0; k < 5; k++) wide.send(b, [k, r.a[k]!, r.b[k]!], r.isReal);
  },
});

const RecvCols = layout({ k: 1, a: 1, b: 1, count: 1, k2: 1, a2: 1, b2: 1, count2: 1 });
/** Receives with two interactions per row (one paired column). */
const receiver = defineTable({
  name: 'receiver',
  cols: RecvCols,
  eval(b) {
    const r = b.local(RecvCols);
    wide.receive(b, [r.k, r.a, r.b], r.count);
    wide.receive(b, [r.k2, r.a2, r.b2], r.count2);
  },
});

function matrix(width: number, height: number, rows: readonly (readonly number[])[]): Matrix {
  const values = new Uint32Array(width * height);
  rows.forEach((r, i) => values.set(r, i * width));
  return { values, width, height };
}

/** 4 real rows of five-sends (pseudo-random limbs), and the receiver holding all 20 tuples. */
function witness(): { send: Matrix; recv: Matrix; tuples: number[][] } {
  const rows: number[][] = [];
  const tuples: number[][] = [];
  let s = 7;
  for (let i = 0; i < 4; i++) {
    const a: number[] = [], b: number[] = [];
    for (let k = 0; k < 5; k++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      a.push(s >>> 16);
      b.push(s & 0xffff);
      tuples.push([k, a[k]!, b[k]!]);
    }
    rows.push([...a, ...b, 1]);
  }
  const recvRows: number[][] = [];
  for (let i = 0; i < tuples.length; i += 2) recvRows.push([...tuples[i]!, 1, ...tuples[i + 1]!, 1]);
  return { send: matrix(11, 8, rows), recv: matrix(8, 16, recvRows), tuples };
}

function challenges(): BusChallenges {
  const t = new Transcript('test/bus-pairs');
  return { beta: t.sampleExt(), gamma: t.sampleExt() };
}

function auxOf(table: AnyTable, trace: Matrix, ch: BusChallenges) {
  const flat = busChallenges(ch.beta, ch.gamma, table.system.maxArity);
  const { aux, busSum } = buildAuxTrace(table.system, { ...traceInputs(table, trace), challenges: flat });
  return { aux, busSum, flat };
}

describe('pairing interactions into aux columns', () => {
  it('pairs five degree-2 interactions into three columns without raising the degree above 3', () => {
    expect(PAIRING_MIN_DEGREE).toBe(3);
    expect(fiveSends.system.auxGroups).toEqual([[0, 1], [2, 3], [4]]);
    expect(fiveSends.info).toMatchObject({ auxWidth: 4, maxDegree: 3, quotientChunks: 2 });
    expect(receiver.system.auxGroups).toEqual([[0, 1]]);
    expect(receiver.info).toMatchObject({ auxWidth: 2, maxDegree: 3 });
  });

  it('never pairs beyond max(table degree, 3): a degree-2 tuple stays alone in a degree-3 table, pairs in a degree-4 one', () => {
    const C = layout({ x: 1, y: 1, m: 1 });
    const mk = (deg4: boolean) =>
      defineTable({
        name: deg4 ? 't4' : 't3',
        cols: C,
        eval(b) {
          const r = b.local(C);
          if (deg4) b.assertZero('x^4 = 0', b.mul(b.mul(r.x, r.x), b.mul(r.x, r.x)));
          lk.send(b, [b.mul(r.x, r.y), r.y], r.m); // degree 2 tuple: alone, degree 3
          lk.send(b, [r.x, r.y], r.m); // degree 1
          lk.send(b, [r.y, r.x], b.mul(r.m, r.m)); // degree 2 multiplicity
        },
      });
    const t3 = mk(false);
    expect(t3.system.auxGroups).toEqual([[0], [1, 2]]);
    expect(t3.info.maxDegree).toBe(3);
    const t4 = mk(true);
    expect(t4.system.auxGroups).toEqual([[0, 1], [2]]);
    expect(t4.info.maxDegree).toBe(4);
    // The rule itself, on the first table's interactions and a main degree of 1 and 5.
    expect(pairInteractions(t3.system.dag, t3.system.interactions, 1)).toEqual([[0], [1, 2]]);
    expect(pairInteractions(t3.system.dag, t3.system.interactions, 5)).toEqual([[0, 1], [2]]);
  });

  it('a single interaction keeps one inverse column', () => {
    const C = layout({ x: 1 });
    const t = defineTable({ name: 'one', cols: C, eval: (b) => lk.send(b, [b.local(C).x, 0]) });
    expect(t.system.auxGroups).toEqual([[0]]);
    expect(t.info).toMatchObject({ auxWidth: 2, maxDegree: 2 });
  });
});

describe('paired aux trace', () => {
  it('satisfies the bus constraints; its sum equals logUpTerms of the same tuples', () => {
    const w = witness();
    const ch = challenges();
    const { aux, busSum, flat } = auxOf(fiveSends, w.send, ch);
    expect(aux.width).toBe(4 * 4);
    expect(checkConstraints(fiveSends, w.send, { bus: { aux, challenges: flat, busSum } }).ok).toBe(true);
    const terms: BusTerm[] = w.tuples.map((tuple) => ({ bus: wide, tuple, multiplicity: 1 }));
    expect(busSum).toEqual(logUpTerms(terms, ch));
    const r = auxOf(receiver, w.recv, ch);
    expect(checkConstraints(receiver, w.recv, { bus: { aux: r.aux, challenges: flat, busSum: r.busSum } }).ok).toBe(true);
    expect(equals(eAdd(busSum, r.busSum), ext(0))).toBe(true);
  });

  it('a paired column holding only one of its two terms (and a running sum to match) fails the pair constraint', () => {
    const w = witness();
    const ch = challenges();
    const { aux, busSum, flat } = auxOf(fiveSends, w.send, ch);
    // Row 0, column 0 := m0/d0 (the first term alone); re-derive the running sum and bus sum.
    const single = logUpTerms([{ bus: wide, tuple: w.tuples[0]!, multiplicity: 1 }], ch);
    const W = aux.width;
    const old = aux.values.slice(0, 4);
    aux.values.set(single, 0);
    for (let row = 0; row < aux.height; row++) {
      for (let c = 0; c < 4; c++) aux.values[row * W + 12 + c] = (aux.values[row * W + 12 + c]! - old[c]! + single[c]! + 2 * P) % P;
    }
    const forgedSum = aux.values.slice((aux.height - 1) * W + 12, (aux.height - 1) * W + 16);
    expect(forgedSum).not.toEqual(busSum);
    const report = checkConstraints(fiveSends, w.send, { bus: { aux, challenges: flat, busSum: forgedSum } });
    expect(report.failures[0]).toMatchObject({ row: 0, label: expect.stringMatching(/aux column 0 is m1 \/ \(beta - fp1\) \+ m2 \/ \(beta - fp2\)/) });
  });
});

describe('paired columns in a real proof', () => {
  const machine = defineMachine('pairs', [fiveSends, receiver]);

  it('proves and verifies; a changed received tuple is rejected by the verifier', async () => {
    const w = witness();
    const proof = await prove(machine, { traces: [w.send, w.recv] }, { options: OPTS });
    expect(checkOf(() => verify(machine, proof, LOOSE))).toBe('accepted');
    w.recv.values[8 * 3 + 5] = (w.recv.values[8 * 3 + 5]! + 1) % P; // second tuple of receiver row 3
    const forged = await prove(machine, { traces: [w.send, w.recv] }, { options: OPTS, debug: false });
    expect(checkOf(() => verify(machine, forged, LOOSE))).toBe('bus-balance');
  });
});
