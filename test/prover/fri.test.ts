import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as bb from '../../prover/field/babybear.ts';
import { P } from '../../prover/field/babybear.ts';
import * as e4 from '../../prover/field/ext4.ts';
import { TsBackend } from '../../prover/backend-ts.ts';
import { blake3Hasher } from '../../prover/hash/blake3.ts';
import { proofOptions, type ProofOptions } from '../../prover/options.ts';
import { Transcript } from '../../prover/transcript.ts';
import { mulF, extMulF } from '../../prover/fri/_arith.ts';
import {
  FRI_SHIFT, evalPolyAtBase, foldCodeword, foldLeaf, friProve, friSchedule, friVerify, interpolateCoset, layerShift, type FriProof,
} from '../../prover/fri/index.ts';
import { reverseBits } from '../../prover/ntt.ts';
import { deepKernels, usePcsWasm } from '../../prover/fri/_wasm.ts';
import { checkOf } from './_verify-check.ts';

const backend = new TsBackend();

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % P;
  };
}

/** Bit-reversed evaluations on FRI_SHIFT * H_(2^logN) of a random ext4 polynomial with `numCoeffs` coefficients. */
async function codeword(logN: number, numCoeffs: number, seed: number): Promise<Uint32Array> {
  const r = rng(seed);
  const n = 2 ** logN;
  const coeffs = new Uint32Array(4 * n);
  for (let i = 0; i < 4 * numCoeffs; i++) coeffs[i] = r();
  const m = await backend.evaluateOnCoset({ values: coeffs, width: 4, height: n }, 0, FRI_SHIFT, true);
  return m.values;
}

function randomWord(logN: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: 4 * 2 ** logN }, r);
}

const opts = (o: Partial<ProofOptions> = {}): ProofOptions =>
  proofOptions({ logBlowup: 2, numQueries: 8, foldingArity: 4, logFinalPolyLen: 1, powBits: 2, ...o });

async function prove(inputs: Map<number, Uint32Array>, o: ProofOptions) {
  return friProve(inputs, o, blake3Hasher, new Transcript('fri-test'));
}

function verify(inputs: Map<number, Uint32Array>, proof: FriProof, o: ProofOptions): void {
  friVerify([...inputs.keys()], proof, o, blake3Hasher, new Transcript('fri-test'), (indices) =>
    indices.map((i) => {
      const m = new Map<number, Uint32Array>();
      for (const [logN, v] of inputs) {
        const j = i >>> (Math.max(...inputs.keys()) - logN);
        m.set(logN, v.slice(4 * j, 4 * j + 4));
      }
      return m;
    }),
  );
}


describe('fast arithmetic', () => {
  it('mulF equals babybear.mul, edges included', () => {
    const edge = [0, 1, 2, P - 1, P - 2, (P - 1) / 2, 65535, 65536, 2 ** 30];
    for (const a of edge) for (const b of edge) expect(mulF(a, b)).toBe(bb.mul(a, b));
    fc.assert(fc.property(fc.nat({ max: P - 1 }), fc.nat({ max: P - 1 }), (a, b) => mulF(a, b) === bb.mul(a, b)), { numRuns: 20000 });
  });
  it('extMulF equals ext4 mulAt', () => {
    const arb = fc.array(fc.nat({ max: P - 1 }), { minLength: 4, maxLength: 4 }).map((a) => Uint32Array.from(a));
    fc.assert(fc.property(arb, arb, (a, b) => {
      const out = new Uint32Array(4);
      extMulF(out, 0, a, 0, b, 0);
      expect(out).toEqual(e4.eMul(a, b));
    }));
  });
});

describe('FRI schedule', () => {
  it('folds by the arity, lands on every input size and on the final size', () => {
    const s = friSchedule([12, 9, 7], opts({ foldingArity: 8, logFinalPolyLen: 2 }));
    expect(s.layerLogSizes).toEqual([12, 9, 7]);
    expect(s.layerLogArities).toEqual([3, 2, 3]);
    expect(s.logFinalSize).toBe(4);
    expect(s.finalPolyLen).toBe(4);
    const t = friSchedule([3], opts());
    expect(t.layerLogSizes).toEqual([]);
    expect(t.finalPolyLen).toBe(2);
    expect(() => friSchedule([1], opts())).toThrow(RangeError);
  });
});

describe('FRI folding', () => {
  it('the prover fold of a whole codeword equals the verifier fold of each leaf', async () => {
    for (const logArity of [1, 2, 3, 4]) {
      const logN = 6;
      const w = randomWord(logN, 7 + logArity);
      const beta = Uint32Array.of(5, 6, 7, 8);
      const shift = layerShift(9, logN);
      const folded = foldCodeword(w, logN, shift, beta, logArity);
      for (let row = 0; row < 2 ** (logN - logArity); row++) {
        const leaf = w.subarray(4 * row * 2 ** logArity, 4 * (row + 1) * 2 ** logArity);
        expect(foldLeaf(leaf, row, logN, shift, beta, logArity)).toEqual(folded.slice(4 * row, 4 * row + 4));
      }
    }
  });

  it('the WASM fold kernel equals the TypeScript fold', () => {
    expect(deepKernels()).not.toBeNull();
    // 2^16 values: several kernel chunks for every arity
    for (const [logN, logArity] of [[9, 1], [9, 3], [16, 4]] as const) {
      const w = randomWord(logN, 40 + logArity);
      const beta = Uint32Array.of(P - 1, 2, 0, 123456789);
      const shift = layerShift(logN + 3, logN);
      const fast = foldCodeword(w, logN, shift, beta, logArity);
      usePcsWasm(false);
      try {
        expect(foldCodeword(w, logN, shift, beta, logArity)).toEqual(fast);
      } finally {
        usePcsWasm(true);
      }
    }
  });

  it('folding a degree < d codeword gives the polynomial sum beta^i f_i (checked by interpolation)', async () => {
    const logN = 7;
    const cw = await codeword(logN, 32, 3);
    const coeffs = interpolateCoset(cw, logN, FRI_SHIFT);
    const beta = Uint32Array.of(11, 0, 3, 1);
    const folded = foldCodeword(cw, logN, FRI_SHIFT, beta, 2);
    const fc2 = interpolateCoset(folded, logN - 2, bb.pow(FRI_SHIFT, 4));
    for (let j = 0; j < 2 ** (logN - 2); j++) {
      let expected = e4.zero();
      for (let i = 0; i < 4; i++) expected = e4.eAdd(expected, e4.eMul(e4.ePow(beta, i), coeffs.slice(4 * (4 * j + i), 4 * (4 * j + i) + 4)));
      expect(fc2.slice(4 * j, 4 * j + 4)).toEqual(expected);
    }
  });

  it('interpolateCoset inverts evaluation and evalPolyAtBase evaluates', async () => {
    const cw = await codeword(5, 32, 9);
    const c = interpolateCoset(cw, 5, FRI_SHIFT);
    for (const i of [0, 1, 17, 31]) {
      const x = bb.mul(FRI_SHIFT, bb.pow(bb.rootOfUnity(5), reverseBits(i, 5)));
      expect(evalPolyAtBase(c, x)).toEqual(cw.slice(4 * i, 4 * i + 4));
    }
  });
});

describe('FRI', () => {
  it.each([2, 4, 8, 16])('accepts a low-degree codeword with folding arity %i', async (arity) => {
    for (const logFinalPolyLen of [0, 2]) {
      const o = opts({ foldingArity: arity, logFinalPolyLen });
      const inputs = new Map([[11, await codeword(11, 2 ** 9, arity)]]);
      const { proof } = await prove(inputs, o);
      expect(checkOf(() => verify(inputs, proof, o))).toBe('accepted');
    }
  });

  it('accepts mixed sizes rolled in, including one at the final size', async () => {
    const o = opts({ foldingArity: 8, logFinalPolyLen: 1 });
    const inputs = new Map([
      [10, await codeword(10, 2 ** 8, 1)],
      [8, await codeword(8, 2 ** 6, 2)],
      [5, await codeword(5, 2 ** 3, 3)],
      [3, await codeword(3, 2 ** 1, 4)],
    ]);
    const { proof } = await prove(inputs, o);
    expect(checkOf(() => verify(inputs, proof, o))).toBe('accepted');
  });

  it('rejects a codeword of degree just above the bound, and a random word', async () => {
    const o = opts({ numQueries: 16 });
    for (const input of [await codeword(10, 2 ** 8 + 1, 5), randomWord(10, 6)]) {
      const inputs = new Map([[10, input]]);
      const { proof } = await prove(inputs, o);
      expect(checkOf(() => verify(inputs, proof, o))).toBe('fri-final');
    }
    // a low-degree main input with a too-high-degree rolled-in one
    const mixed = new Map([[10, await codeword(10, 2 ** 8, 1)], [7, await codeword(7, 2 ** 5 + 1, 2)]]);
    const { proof } = await prove(mixed, o);
    expect(checkOf(() => verify(mixed, proof, o))).toBe('fri-final');
  });

  it('rejects with fri-fold when the committed first layer is not the input the verifier computes', async () => {
    const o = opts({ numQueries: 4 });
    const honest = await codeword(9, 2 ** 7, 12);
    const { proof } = await prove(new Map([[9, honest]]), o);
    const other = honest.slice();
    for (let i = 0; i < other.length; i += 4) other[i] = (other[i]! + 1) % P;
    expect(checkOf(() => verify(new Map([[9, other]]), proof, o))).toBe('fri-fold');
  });

  it('names the failed check for each corruption', async () => {
    const o = opts({ powBits: 4 });
    const inputs = new Map([[10, await codeword(10, 2 ** 8, 8)]]);
    const { proof } = await prove(inputs, o);
    const clone = (): { layerRoots: Uint8Array[]; finalPoly: Uint32Array; powNonce: number; layerOpenings: { rows: Uint32Array[][]; siblings: Uint8Array[] }[] } => ({
      layerRoots: proof.layerRoots.map((r) => r.slice()),
      finalPoly: proof.finalPoly.slice(),
      powNonce: proof.powNonce,
      layerOpenings: proof.layerOpenings.map((op) => ({ rows: op.rows.map((rs) => rs.map((r) => r.slice())), siblings: op.siblings.map((s) => s.slice()) })),
    });
    let p = clone(); p.finalPoly[0] = (p.finalPoly[0]! + 1) % P;
    expect(checkOf(() => verify(inputs, p, o))).toMatch(/fri-final|pow/); // the transcript changes too
    p = clone(); p.powNonce ^= 1;
    expect(checkOf(() => verify(inputs, p, o))).toBe('pow');
    p = clone(); p.layerOpenings[1]!.rows[0]![0]![1] = (p.layerOpenings[1]!.rows[0]![0]![1]! + 1) % P;
    expect(checkOf(() => verify(inputs, p, o))).toBe('merkle');
    p = clone(); p.layerOpenings[0]!.siblings[0]![0]! ^= 1;
    expect(checkOf(() => verify(inputs, p, o))).toBe('merkle');
    p = clone(); p.layerOpenings[0]!.siblings.pop();
    expect(checkOf(() => verify(inputs, p, o))).toBe('merkle');
    p = clone(); p.layerRoots.pop();
    expect(checkOf(() => verify(inputs, p, o))).toBe('shape');
    p = clone(); p.finalPoly = p.finalPoly.slice(4);
    expect(checkOf(() => verify(inputs, p, o))).toBe('shape');
  });
});

describe('bit-reversed powers', () => {
  it('entry i is gen^reverseBits(i)', async () => {
    const { bitReversedPowersOf } = await import('../../prover/fri/_arith.ts');
    for (const logN of [0, 1, 5]) {
      const g = bb.rootOfUnity(logN + 2);
      const got = bitReversedPowersOf(g, logN);
      for (let i = 0; i < 2 ** logN; i++) expect(got[i]).toBe(bb.pow(g, reverseBits(i, logN)));
    }
  });
});
