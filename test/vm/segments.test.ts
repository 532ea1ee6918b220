/**
 * Continuations with bounded memory: a run of 3+ segments proved one segment at a time (commit
 * pass, shared challenges, prove pass; vm/prove.ts module doc) verifies, and gives the same proof
 * as the concurrent path (`parallelSegments`); the segment iterator matches `generateWitness`; the
 * prove job refuses a main commitment that differs from its commit job's; and the claims a proof
 * must not support (a segment dropped, swapped or repeated) are still rejected.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { buildProgram } from '../../guest/build.ts';
import { ProofOptions } from '../../prover/options.ts';
import { VerifyError } from '../../prover/errors.ts';
import { createBackend } from '../../prover/backend-wasm.ts';
import { execute } from '../../vm/executor.ts';
import type { Program } from '../../vm/program.ts';
import { vmMachine } from '../../vm/machine.ts';
import { generateWitness, segmentCount, segmentWitnesses } from '../../vm/trace.ts';
import { commitSegment, encodeVmProof, proveRun, proveSegment, sharedChallenges, verifyRun, type VmProof } from '../../vm/prove.ts';
import { encodeInput as fibInput } from '../../examples/fibonacci/input.ts';

const options = ProofOptions.testing();
const lenient = { minSecurityBits: 0 };
const input = fibInput(12);

async function rejection(p: Promise<unknown>): Promise<VerifyError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VerifyError);
    return e as VerifyError;
  }
  throw new Error('the proof was accepted');
}

let program: Program;
let seg: number;
let sequential: VmProof;

beforeAll(async () => {
  program = await buildProgram('examples/fibonacci');
  const cycles = execute(program, { input }).cycles;
  seg = 2 ** Math.ceil(Math.log2(cycles / 4));
}, 60_000);

describe('segment iterator', () => {
  it('yields the witnesses generateWitness collects, one at a time, chained by entry/exit state', () => {
    const vm = vmMachine(program);
    const run = execute(program, { input }, { record: true });
    const rec = run.record!;
    try {
      const all = generateWitness(vm, rec, seg);
      const n = segmentCount(rec.cycles, seg);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(all.segments.length).toBe(n);
      let k = 0;
      for (const w of segmentWitnesses(vm, rec, seg)) {
        const a = all.segments[k]!;
        expect([w.index, w.start, w.end]).toEqual([a.index, a.start, a.end]);
        expect(w.entry).toEqual(k === 0 ? all.initial : all.segments[k - 1]!.exit);
        w.traces.forEach((t, i) => {
          expect(t.height).toBe(a.traces[i]!.height);
          expect(Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength).equals(Buffer.from(a.traces[i]!.values.buffer, a.traces[i]!.values.byteOffset, a.traces[i]!.values.byteLength))).toBe(true);
        });
        expect(w.publics).toEqual(a.publics);
        k++;
      }
      expect(k).toBe(n);
      expect(all.pubConsumed).toBe(all.segments[n - 1]!.exit.pubPos);
    } finally {
      rec.release();
    }
  });

  it('refuses a segment size that is not a power of two', () => {
    expect(() => segmentCount(100, 3)).toThrow(RangeError);
  });
});

describe('proving one segment at a time', () => {
  it('a 3+-segment run verifies, and its proof equals the concurrent path\'s', async () => {
    const phases: number[] = [];
    const r = await proveRun(program, { input }, { options, segmentCycles: seg, onProgress: (_p, f) => phases.push(f) });
    expect(r.segments).toBeGreaterThanOrEqual(3);
    expect(r.proof.segments.length).toBe(r.segments);
    expect(r.output).toEqual(execute(program, { input }).output);
    expect(phases.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= phases[i - 1]!))).toBe(true);
    expect(phases[phases.length - 1]).toBe(1);
    sequential = r.proof;
    await verifyRun(program.digest, { output: r.output }, sequential, lenient);

    const c = await proveRun(program, { input }, { options, segmentCycles: seg, parallelSegments: true });
    expect(c.segments).toBe(r.segments);
    expect(c.cells).toBe(r.cells);
    expect(c.rowsByTable).toEqual(r.rowsByTable);
    await verifyRun(program.digest, { output: c.output }, c.proof, lenient);
    // Same statements, same challenges, same (deterministic) proofs.
    expect(c.proof.segments.map((s) => Buffer.from(s.roots.main).toString('hex'))).toEqual(sequential.segments.map((s) => Buffer.from(s.roots.main).toString('hex')));
    expect(Buffer.from(encodeVmProof(c.proof)).equals(Buffer.from(encodeVmProof(sequential)))).toBe(true);
  }, 120_000);

  it('is rejected with a segment dropped, swapped or repeated', async () => {
    const s = sequential.segments;
    await rejection(verifyRun(program.digest, {}, { ...sequential, segments: s.slice(1) }, lenient));
    await rejection(verifyRun(program.digest, {}, { ...sequential, segments: s.slice(0, -1) }, lenient));
    await rejection(verifyRun(program.digest, {}, { ...sequential, segments: [s[1]!, s[0]!, ...s.slice(2)] }, lenient));
    await rejection(verifyRun(program.digest, {}, { ...sequential, segments: [s[0]!, ...s.slice(0, -1)] }, lenient));
    const out = Uint8Array.from(sequential.output);
    out[0] ^= 1;
    await rejection(verifyRun(program.digest, {}, { ...sequential, output: out }, lenient));
  });

  it('the jobs run by hand give the same proof; a prove job refuses another main commitment', async () => {
    const vm = vmMachine(program);
    const run = execute(program, { input }, { record: true });
    const rec = run.record!;
    const backend = await createBackend({ threads: 1 });
    try {
      const job = { options, backend };
      const statements = [];
      let pubConsumed = 0;
      for (const w of segmentWitnesses(vm, rec, seg)) {
        statements.push(await commitSegment(vm, w, job));
        pubConsumed = w.exit.pubPos;
      }
      const claim = { publicInput: new Uint8Array(0), output: run.output, pubConsumed };
      const ch = sharedChallenges(program, claim, seg, statements);
      const it = segmentWitnesses(vm, rec, seg);
      const w0 = it.next().value!;
      const w1 = it.next().value!;
      // segment 1's witness against segment 0's statement: the roots differ
      await expect(proveSegment(vm, w1, statements[0]!, ch, job)).rejects.toThrow(/main commitment differs/);
      const p0 = await proveSegment(vm, w0, statements[0]!, ch, job);
      expect(Buffer.from(encodeVmProof({ ...sequential, segments: [p0] })).equals(Buffer.from(encodeVmProof({ ...sequential, segments: [sequential.segments[0]!] })))).toBe(true);
    } finally {
      rec.release();
      await backend.dispose();
    }
  }, 120_000);
});
