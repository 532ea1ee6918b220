import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { defineTable } from '../../prover/air/builder.ts';
import { layout } from '../../prover/air/layout.ts';
import { defineBus, fingerprint, logUpTerms, type BusChallenges, type BusTerm } from '../../prover/bus.ts';
import { defineMachine, type Machine } from '../../prover/stark/machine.ts';
import { prove, type Witness } from '../../prover/stark/prove.ts';
import { verify } from '../../prover/stark/verify.ts';
import { defaultBackend } from '../../prover/stark/pcs.ts';
import { checkBuses, EXTRA_TERMS } from '../../prover/air/debug.ts';
import { encodeProof, decodeProof } from '../../prover/proof-format.ts';
import { proofOptions } from '../../prover/options.ts';
import { ConstraintError, VerifyError } from '../../prover/errors.ts';
import { Transcript } from '../../prover/transcript.ts';
import { P } from '../../prover/field/babybear.ts';
import { eAdd, eDiv, eMul, eSub, equals, ext, type Ext4 } from '../../prover/field/ext4.ts';
import type { ProverBackend } from '../../prover/backend.ts';
import { observeSegment, type SegmentStatement, type StarkProof } from '../../prover/stark/proof.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { checkOf } from './_verify-check.ts';

/**
 * A toy machine proved in two segments: `sender` sends (x, y) pairs on `pairs`, `receiver` receives
 * pairs with a count. Segment 1's senders are received in segment 2, and one pair received in
 * segment 2 is sent by the verifier itself (a public value), so neither segment balances alone.
 */
const pairs = defineBus('segment-pairs', { arity: 2 });

const SendCols = layout({ x: 1, y: 1, isReal: 1 });
const sender = defineTable({
  name: 'sender',
  cols: SendCols,
  eval(b) {
    const r = b.local(SendCols);
    b.assertBool('isReal is a bit', r.isReal);
    pairs.send(b, [r.x, r.y], r.isReal);
  },
});

const RecvCols = layout({ x: 1, y: 1, count: 1 });
const receiver = defineTable({
  name: 'receiver',
  cols: RecvCols,
  eval(b) {
    const r = b.local(RecvCols);
    pairs.receive(b, [r.x, r.y], r.count);
  },
});

const machine = defineMachine('segments', [sender, receiver]);
const OPTS = proofOptions({ logBlowup: 2, numQueries: 6, foldingArity: 4, logFinalPolyLen: 2, powBits: 4 });
const LOOSE = { minSecurityBits: 0 };

function matrix(width: number, height: number, rows: readonly (readonly number[])[]): Matrix {
  const values = new Uint32Array(width * height);
  rows.forEach((r, i) => values.set(r, i * width));
  return { values, width, height };
}

/** Segment 1: three pairs sent, nothing received. Segment 2: one more sent, all five received. */
function segments(): [Witness, Witness] {
  return [
    { traces: [matrix(3, 4, [[1, 10, 1], [2, 20, 1], [3, 30, 1]]), matrix(3, 2, [])] },
    { traces: [matrix(3, 2, [[4, 40, 1]]), matrix(3, 8, [[1, 10, 1], [2, 20, 1], [3, 30, 1], [4, 40, 1], [5, 50, 1]])] },
  ];
}

/** The verifier sends the public pair (5, 50) itself. */
const PUBLIC: BusTerm[] = [{ bus: pairs, tuple: [5, 50], multiplicity: 1 }];

/**
 * The challenges as the VM will derive them: from a transcript that observed every segment's
 * statement (main root, heights, public values) and the public terms.
 */
function challengesOf(segs: readonly SegmentStatement[], terms: readonly BusTerm[] = PUBLIC): BusChallenges {
  const t = new Transcript('test/segments/bus-challenges');
  t.observeU32(segs.length);
  for (const s of segs) observeSegment(t, s);
  t.observeU32(terms.length);
  for (const term of terms) {
    t.observeU32(term.bus.id);
    for (const v of term.tuple) t.observeBase(v);
    t.observeBase(term.multiplicity < 0 ? term.multiplicity + P : term.multiplicity);
  }
  return { beta: t.sampleExt(), gamma: t.sampleExt() };
}

/** A barrier for n provers: each callback resolves once all n statements are in. */
function barrier(n: number) {
  const segs: SegmentStatement[] = new Array(n);
  let arrived = 0;
  let release!: (ch: BusChallenges) => void;
  const done = new Promise<BusChallenges>((res) => (release = res));
  return {
    callback: (i: number) => async (_root: Uint8Array, statement: SegmentStatement): Promise<BusChallenges> => {
      segs[i] = statement;
      if (++arrived === n) release(challengesOf(segs));
      return done;
    },
    challenges: done,
  };
}

async function proveSegments(backend: ProverBackend, ws: readonly Witness[], m: Machine = machine): Promise<{ proofs: StarkProof[]; ch: BusChallenges }> {
  const bar = barrier(ws.length);
  const proofs = await Promise.all(ws.map((w, i) => prove(m, w, { options: OPTS, backend, debug: 'constraints', busChallenges: bar.callback(i) })));
  return { proofs, ch: await bar.challenges };
}

const total = (sums: readonly Ext4[], terms: Ext4): Ext4 => sums.reduce((a, s) => eAdd(a, s), terms);
const isZero = (e: Ext4): boolean => equals(e, ext(0));
/** A verifier's view of a segment's statement: rebuilt from the proof. */
const statementOf = (p: StarkProof): SegmentStatement => ({ mainRoot: p.roots.main, tables: p.tables });

describe('debug checks over a segmented witness', () => {
  const inputs = (ws: readonly Witness[]) => ws.flatMap((w) => machine.tables.map((table, i) => ({ table, trace: w.traces[i]! })));

  it('all segments plus the public terms balance; without the public term the pair is named', () => {
    const ws = segments();
    expect(checkBuses(inputs(ws), { extra: [{ bus: pairs, tuple: [5, 50], multiplicity: 1 }] }).ok).toBe(true);
    expect(checkBuses(inputs(ws), { extra: [{ bus: 'segment-pairs', tuple: [5, 50], multiplicity: 1 }] }).ok).toBe(true);
    expect(checkBuses(inputs(ws)).busFailures).toEqual([{ bus: 'segment-pairs', table: 'receiver', row: 4, tuple: [5, 50], multiplicity: -1 }]);
    const wrong = checkBuses(inputs(ws), { extra: [{ bus: pairs, tuple: [5, 51], multiplicity: 1 }] });
    expect(wrong.busFailures).toContainEqual({ bus: 'segment-pairs', table: EXTRA_TERMS, row: 0, tuple: [5, 51], multiplicity: 1 });
  });

  it('one segment alone does not balance', () => {
    expect(checkBuses(inputs([segments()[0]])).ok).toBe(false);
  });

  it('refuses malformed extra terms', () => {
    expect(() => checkBuses([], { extra: [{ bus: pairs, tuple: [P], multiplicity: 1 }] })).toThrow(RangeError);
    expect(() => checkBuses([], { extra: [{ bus: pairs, tuple: [1], multiplicity: 1.5 }] })).toThrow(RangeError);
  });
});

describe('two segment proofs with shared bus challenges', () => {
  let backend: ProverBackend;
  let proofs: StarkProof[];
  let ch: BusChallenges;
  beforeAll(async () => {
    backend = await defaultBackend();
    ({ proofs, ch } = await proveSegments(backend, segments()));
  });
  afterAll(async () => backend?.dispose());

  const ext_ = { ...LOOSE, busBalance: 'external' as const };

  it('both verify with the shared challenges; their sums plus the public terms are zero', () => {
    const sums = proofs.map((p) => verify(machine, p, { ...ext_, busChallenges: ch }).busSum);
    expect(sums.every(isZero)).toBe(false);
    expect(isZero(total(sums, logUpTerms(PUBLIC, ch)))).toBe(true);
    // The same after a round trip through the wire format (unchanged by segmentation).
    const again = proofs.map((p) => verify(machine, decodeProof(encodeProof(p)), { ...ext_, busChallenges: ch }).busSum);
    expect(again).toEqual(sums);
  });

  it('the verifier derives the same challenges from the proofs (the barrier saw both statements)', () => {
    expect(challengesOf(proofs.map(statementOf))).toEqual(ch);
    expect(challengesOf([statementOf(proofs[1]!), statementOf(proofs[0]!)])).not.toEqual(ch);
  });

  it("a segment verified alone with busBalance 'zero' (the default) fails bus-balance", () => {
    expect(checkOf(() => verify(machine, proofs[0]!, { ...LOOSE, busChallenges: ch }))).toBe('bus-balance');
  });

  it('a changed public term leaves a nonzero total', () => {
    const sums = proofs.map((p) => verify(machine, p, { ...ext_, busChallenges: ch }).busSum);
    expect(isZero(total(sums, logUpTerms([{ bus: pairs, tuple: [5, 51], multiplicity: 1 }], ch)))).toBe(false);
    expect(isZero(total(sums, logUpTerms([{ bus: pairs, tuple: [5, 50], multiplicity: 2 }], ch)))).toBe(false);
    expect(isZero(total(sums, logUpTerms([], ch)))).toBe(false);
    // A dropped segment leaves a nonzero total too.
    expect(isZero(total([sums[1]!], logUpTerms(PUBLIC, ch)))).toBe(false);
  });

  it('proofs verified with other challenges are rejected', () => {
    const other = challengesOf(proofs.map(statementOf), []);
    for (const p of proofs) expect(checkOf(() => verify(machine, p, { ...ext_, busChallenges: other }))).toBe('ood');
  });

  it('swapped challenges (beta for gamma) are rejected', () => {
    for (const p of proofs) expect(checkOf(() => verify(machine, p, { ...ext_, busChallenges: { beta: ch.gamma, gamma: ch.beta } }))).toBe('ood');
  });

  it('a segment proof verified without the shared challenges (drawing its own) is rejected', () => {
    for (const p of proofs) expect(checkOf(() => verify(machine, p, ext_))).toBe('ood');
  });

  it('a proof made with its own challenges is rejected when verified with the shared ones', async () => {
    const own = await prove(machine, segments()[0], { options: OPTS, backend, debug: 'constraints' });
    expect(checkOf(() => verify(machine, own, { ...ext_, busChallenges: ch }))).toBe('ood');
    expect(checkOf(() => verify(machine, own, ext_))).toBe('accepted');
  });

  it('malformed challenges: verify throws VerifyError(options), prove a TypeError', async () => {
    const bad = { beta: Uint32Array.of(P, 0, 0, 0), gamma: ch.gamma };
    expect(checkOf(() => verify(machine, proofs[0]!, { ...ext_, busChallenges: bad }))).toBe('options');
    await expect(prove(machine, segments()[0], { options: OPTS, backend, debug: 'constraints', busChallenges: () => bad })).rejects.toBeInstanceOf(TypeError);
  });

  it('a rejected callback (another segment failed) makes prove reject with that error', async () => {
    const gone = new Error('segment 2 failed');
    await expect(prove(machine, segments()[0], { options: OPTS, backend, debug: 'constraints', busChallenges: async () => Promise.reject(gone) })).rejects.toBe(gone);
  });

  it("debug: true refuses a lone segment (its buses do not balance); 'constraints' still checks constraints", async () => {
    await expect(prove(machine, segments()[0], { options: OPTS, backend, busChallenges: () => ch })).rejects.toBeInstanceOf(ConstraintError);
    const w = segments()[0];
    w.traces[0]!.values[2] = 2; // isReal = 2
    const err = await prove(machine, w, { options: OPTS, backend, debug: 'constraints', busChallenges: () => ch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConstraintError);
    expect((err as ConstraintError).report.failures[0]).toMatchObject({ table: 'sender', row: 0, label: 'isReal is a bit' });
  });

  it('a forged pair in one segment: each segment verifies, the total does not', async () => {
    const ws = segments();
    ws[0].traces[0]!.values.set([6, 60, 1], 9); // row 3 sends (6, 60), which nobody receives
    const forged = await proveSegments(backend, ws);
    const sums = forged.proofs.map((p) => verify(machine, p, { ...ext_, busChallenges: forged.ch }).busSum);
    expect(isZero(total(sums, logUpTerms(PUBLIC, forged.ch)))).toBe(false);
  });
});

describe('fingerprint and logUpTerms agree with the prover', () => {
  const senderOnly = defineMachine('senders', [sender]);
  const rows = [[1, 10, 1], [7, 70, 1], [7, 70, 1], [P - 1, 3, 1], [0, 0, 0]];
  const w: Witness = { traces: [matrix(3, 8, rows)] };
  /** What the verifier receives to cancel every send: (7, 70) twice as one term of multiplicity -2. */
  const receives: BusTerm[] = [
    { bus: pairs, tuple: [1, 10], multiplicity: -1 },
    { bus: pairs, tuple: [7, 70], multiplicity: -2 },
    { bus: pairs, tuple: [P - 1, 3], multiplicity: -1 },
  ];

  it('fingerprint = busId + gamma t1 + gamma^2 t2; logUpTerms = sum m / (beta - fp)', () => {
    const ch = challengesOf([{ mainRoot: new Uint8Array(32), tables: [] }]);
    const g = ch.gamma;
    const fp = fingerprint(pairs, [7, 70], ch);
    expect(fp).toEqual(eAdd(eAdd(ext(pairs.id), eMul(g, ext(7))), eMul(eMul(g, g), ext(70))));
    const want = eAdd(eDiv(ext(P - 1), eSub(ch.beta, fingerprint(pairs, [1, 10], ch))), eDiv(ext(3), eSub(ch.beta, fp)));
    expect(logUpTerms([{ bus: pairs, tuple: [1, 10], multiplicity: -1 }, { bus: pairs, tuple: [7, 70], multiplicity: 3 }], ch)).toEqual(want);
    expect(logUpTerms([], ch)).toEqual(ext(0));
  });

  it('a one-table proof whose sends are cancelled exactly by verifier-side receives', async () => {
    const backend = await defaultBackend();
    try {
      let ch: BusChallenges | undefined;
      const proof = await prove(senderOnly, w, { options: OPTS, backend, debug: 'constraints', busChallenges: (_root, st) => (ch = challengesOf([st], receives)) });
      expect(checkBuses([{ table: sender, trace: w.traces[0]! }], { extra: receives }).ok).toBe(true);
      const { busSum } = verify(senderOnly, proof, { ...LOOSE, busChallenges: ch!, busBalance: 'external' });
      expect(busSum).toEqual(proof.tables[0]!.busSum);
      expect(isZero(eAdd(busSum, logUpTerms(receives, ch!)))).toBe(true);
      expect(isZero(eAdd(busSum, logUpTerms(receives.slice(1), ch!)))).toBe(false);
      expect(checkOf(() => verify(senderOnly, proof, { ...LOOSE, busChallenges: ch! }))).toBe('bus-balance');
    } finally {
      await backend.dispose();
    }
  });

  it('a self-contained proof returns a zero bus sum', async () => {
    const { rangeMachine, rangeWitness } = await import('../fixtures/range-machine.ts');
    const { setup } = await import('../../prover/stark/prove.ts');
    const pk = await setup(rangeMachine, OPTS);
    const proof = await prove(rangeMachine, rangeWitness(4), { options: OPTS, provingKey: pk });
    expect(isZero(verify(rangeMachine, proof, { ...LOOSE, vk: pk.vk }).busSum)).toBe(true);
  });

  it('refuses bad terms and a beta equal to a fingerprint, naming the term', () => {
    const ch = challengesOf([{ mainRoot: new Uint8Array(32), tables: [] }]);
    expect(() => logUpTerms([{ bus: pairs, tuple: [1], multiplicity: 1 }], ch)).toThrow(/2-tuples/);
    expect(() => logUpTerms([{ bus: pairs, tuple: [1, P], multiplicity: 1 }], ch)).toThrow(/not a field element/);
    expect(() => logUpTerms([{ bus: pairs, tuple: [1, 2], multiplicity: P }], ch)).toThrow(/multiplicity/);
    const bad = { beta: fingerprint(pairs, [3, 4], ch), gamma: ch.gamma };
    expect(() => logUpTerms([{ bus: pairs, tuple: [1, 2], multiplicity: 1 }, { bus: pairs, tuple: [3, 4], multiplicity: 1 }], bad)).toThrow(/term 1 .*\[3, 4\]/);
  });
});

describe('VerifyError only', () => {
  it('a bad busBalance option is an options error', async () => {
    const p = {} as StarkProof;
    expect(() => verify(machine, p, { busBalance: 'sometimes' as 'zero' })).toThrow(VerifyError);
  });
});
