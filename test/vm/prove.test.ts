/**
 * Proving whole runs: every example proved and verified at small size (checked against the
 * executor's output), a run split into segments, and the claims a proof must not support: another
 * program, output or public input, a segment dropped or swapped, a damaged proof file.
 */
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../guest/build.ts';
import { ProofOptions } from '../../prover/options.ts';
import { VerifyError, ProofFormatError } from '../../prover/errors.ts';
import { execute } from '../../vm/executor.ts';
import { decodeVmProof, encodeVmProof, proveRun, verifyRun, type VmProof } from '../../vm/prove.ts';
import { encodeInput as fibInput } from '../../examples/fibonacci/input.ts';
import { encodeInput as sortInput } from '../../examples/sort/input.ts';
import { encodeInput as shaInput } from '../../examples/sha256/input.ts';
import { encodeInput as matmulInput } from '../../examples/matmul/input.ts';
import { encodeInput as mlpInput } from '../../examples/mlp/input.ts';

const options = ProofOptions.testing();
const lenient = { minSecurityBits: 0 };

async function rejection(p: Promise<unknown>): Promise<VerifyError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VerifyError);
    return e as VerifyError;
  }
  throw new Error('the proof was accepted');
}

const EXAMPLES: ReadonlyArray<[string, Uint8Array]> = [
  ['fibonacci', fibInput(20)],
  ['sort', sortInput([5, 3, 0xffffffff, 9, 1, 7, 3, 0])],
  ['sha256', shaInput('abc')],
  ['matmul', matmulInput(2, 3, 2, [1, -2, 3, -4, 5, -6], [7, -8, 9, 10, -11, 12])],
  ['mlp', mlpInput({ dims: [4, 3, 2], layers: [{ weights: [1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12], bias: [5, -5, 0], multiplier: 1 << 30, shift: 3 }, { weights: [3, -1, 2, 2, -3, 1], bias: [1, -1] }] }, [10, -20, 30, -40], { commitLogits: true })],
];

describe('proving examples', () => {
  for (const [name, input] of EXAMPLES) {
    it(`${name}: proved, verified, output as executed`, async () => {
      const program = await buildProgram(`examples/${name}`);
      const expected = execute(program, { input }).output;
      const r = await proveRun(program, { input }, { options, debug: true });
      expect(Buffer.from(r.output).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
      expect(r.segments).toBe(1);
      expect(r.rowsByTable.cpu).toBeGreaterThanOrEqual(r.cycles);
      const bytes = encodeVmProof(r.proof);
      await verifyRun(program.digest, { output: expected }, decodeVmProof(bytes), lenient);
    }, 120_000);
  }
});

describe('segments and claims', () => {
  let program: Awaited<ReturnType<typeof buildProgram>>;
  let proof: VmProof;
  const input = fibInput(12);
  it('a run over several segments verifies as one claim', async () => {
    program = await buildProgram('examples/fibonacci');
    const cycles = execute(program, { input }).cycles;
    const seg = 2 ** Math.ceil(Math.log2(cycles / 3));
    const r = await proveRun(program, { input }, { options, segmentCycles: seg, debug: true });
    expect(r.segments).toBeGreaterThanOrEqual(2);
    proof = r.proof;
    await verifyRun(program.digest, {}, proof, lenient);
  }, 120_000);

  it('is rejected for another program', async () => {
    const other = await buildProgram('examples/sort');
    const e = await rejection(verifyRun(other.digest, {}, proof, lenient));
    expect(e.check).toBe('public-values');
    // the same proof relabelled with the other program: the fixed tables differ
    await rejection(verifyRun(other.digest, {}, { ...proof, program: other }, lenient));
  });

  it('is rejected with another claimed output or public input', async () => {
    const out = Uint8Array.from(proof.output);
    out[0] ^= 1;
    expect((await rejection(verifyRun(program.digest, { output: out }, proof, lenient))).check).toBe('public-values');
    expect((await rejection(verifyRun(program.digest, {}, { ...proof, output: out }, lenient))).check).toMatch(/ood|bus-balance/);
    await rejection(verifyRun(program.digest, {}, { ...proof, output: proof.output.subarray(1) }, lenient));
    await rejection(verifyRun(program.digest, {}, { ...proof, publicInput: Uint8Array.of(1) }, lenient));
  });

  it('is rejected with a segment dropped, swapped or repeated', async () => {
    const s = proof.segments;
    await rejection(verifyRun(program.digest, {}, { ...proof, segments: s.slice(1) }, lenient));
    await rejection(verifyRun(program.digest, {}, { ...proof, segments: s.slice(0, -1) }, lenient));
    await rejection(verifyRun(program.digest, {}, { ...proof, segments: [s[1]!, s[0]!, ...s.slice(2)] }, lenient));
    await rejection(verifyRun(program.digest, {}, { ...proof, segments: [s[0]!, s[0]!, ...s.slice(2)] }, lenient));
  });

  it('a damaged proof file is refused with a reason, never a crash', async () => {
    const bytes = encodeVmProof(proof);
    expect(() => decodeVmProof(bytes.subarray(0, bytes.length - 3))).toThrow(ProofFormatError);
    expect(() => decodeVmProof(Uint8Array.of(1, 2, 3))).toThrow(ProofFormatError);
    let rejected = 0;
    for (let k = 0; k < 12; k++) {
      const b = Uint8Array.from(bytes);
      b[(k * 7919 + 100) % b.length] ^= 0x10;
      try {
        await verifyRun(program.digest, {}, decodeVmProof(b), lenient);
      } catch (e) {
        expect(e instanceof VerifyError || e instanceof ProofFormatError).toBe(true);
        rejected++;
      }
    }
    expect(rejected).toBe(12);
  });

  it('is refused below the verifier\'s security floor', async () => {
    expect((await rejection(verifyRun(program.digest, {}, proof))).check).toBe('options');
  });
});
