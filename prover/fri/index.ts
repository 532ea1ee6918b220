/**
 * FRI: a proof that a committed ext4 codeword is close to a Reed-Solomon code word, i.e. the
 * evaluations of a polynomial of degree < size / blowup (Ben-Sasson et al., "Fast Reed-Solomon
 * Interactive Oracle Proofs of Proximity", 2018; the batched, mixed-height form of Plonky3
 * `fri/src/prover.rs` and `verifier.rs`).
 *
 * Terms:
 * - a codeword of size N lives on the coset `shift * H_N` (H_N the subgroup of order N) in
 *   bit-reversed order: entry i is the value at shift * w_N^reverseBits(i). Then entries 2j and 2j+1
 *   sit at x and -x, and the `arity` entries [arity j, arity (j + 1)) form the coset x * H_arity:
 *   exactly what one fold consumes, so one Merkle leaf (a row of width 4 * arity) holds them.
 * - folding with challenge beta and arity m = 2^a: f(X) = sum_{i<m} X^i f_i(X^m) becomes
 *   sum_{i<m} beta^i f_i(Y), on the coset shift^m * H_(N/m), again bit-reversed. It is computed as
 *   a binary folds with beta, beta^2, beta^4, ...: f(x) = f_e(x^2) + x f_o(x^2) gives
 *   f_e + beta f_o = (f(x) + f(-x)) / 2 + beta (f(x) - f(-x)) / (2x), and composing a of them
 *   yields the same sum.
 * - inputs of several sizes (tables of different heights): a smaller input is "rolled in" when the
 *   folded codeword reaches its size: layer += beta^m * input. The input is evaluated on
 *   g * H_N but the layer's coset is g^(N0/N) * H_N; reading the same entries as values on the
 *   other coset is the polynomial p(g^(1 - N0/N) Y), of the same degree, so low degree is kept.
 * - the schedule (layer sizes and arities) is a function of the input sizes and the options:
 *   each fold uses `foldingArity`, or less to land exactly on the next input size or on the
 *   final size. The final codeword (size 2^(logFinalPolyLen + logBlowup), or the smallest input)
 *   is sent as its polynomial's coefficients; the verifier evaluates them at each query.
 *
 * Transcript order: per layer, root -> beta; final polynomial; grinding nonce; query indices.
 * @module
 */
import * as bb from '../field/babybear.ts';
import { GENERATOR, P } from '../field/babybear.ts';
import * as e4 from '../field/ext4.ts';
import type { Ext4 } from '../field/ext4.ts';
import { VerifyError } from '../errors.ts';
import type { Hasher } from '../hash/hasher.ts';
import { commit as merkleCommit, open as merkleOpen, verifyOpening, MerkleError, type MerkleOpening, type MerkleTree } from '../merkle.ts';
import { inttRows, reverseBits, bitReverseRows } from '../ntt.ts';
import type { ProofOptions } from '../options.ts';
import { checkPow, grind } from '../pow.ts';
import type { Transcript } from '../transcript.ts';
import { mulF, extMulF, bitReversedPowersOf } from './_arith.ts';
import { foldCodewordWasm } from './_wasm.ts';

/** The coset shift of every input codeword (the LDE domain g * H_N). */
export const FRI_SHIFT = GENERATOR;

/** Largest codeword FRI accepts: the field's two-adicity. */
export const MAX_LOG_SIZE = bb.TWO_ADICITY;

export interface FriSchedule {
  /** log2 of the largest input: the size of layer 0 and the range of query indices. */
  readonly logMaxSize: number;
  /** log2 sizes of the committed layers, largest first (empty when the input is already final). */
  readonly layerLogSizes: readonly number[];
  /** log2 of each layer's folding arity; layer k + 1 (or the final codeword) has size L_k >> a_k. */
  readonly layerLogArities: readonly number[];
  /** log2 size of the final codeword. */
  readonly logFinalSize: number;
  /** Number of final polynomial coefficients: final size >> logBlowup. */
  readonly finalPolyLen: number;
  /** The distinct input sizes (log2), descending. */
  readonly inputLogSizes: readonly number[];
}

/**
 * The layer schedule for inputs of the given log2 sizes (each an LDE size, so >= logBlowup).
 * Throws RangeError on sizes FRI cannot handle.
 */
export function friSchedule(inputLogSizes: readonly number[], opts: ProofOptions): FriSchedule {
  if (inputLogSizes.length === 0) throw new RangeError('fri: no inputs');
  const sizes = [...new Set(inputLogSizes)].sort((a, b) => b - a);
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < opts.logBlowup || s > MAX_LOG_SIZE) {
      throw new RangeError(`fri: input of size 2^${s} is outside [2^${opts.logBlowup}, 2^${MAX_LOG_SIZE}]`);
    }
  }
  const logMax = sizes[0]!;
  const logFinal = Math.min(opts.logFinalPolyLen + opts.logBlowup, sizes[sizes.length - 1]!);
  const logArity = Math.log2(opts.foldingArity);
  const layerLogSizes: number[] = [];
  const layerLogArities: number[] = [];
  let cur = logMax;
  while (cur > logFinal) {
    let next = Math.max(cur - logArity, logFinal);
    for (const s of sizes) if (s < cur && s > next) next = s;
    layerLogSizes.push(cur);
    layerLogArities.push(cur - next);
    cur = next;
  }
  return {
    logMaxSize: logMax,
    layerLogSizes,
    layerLogArities,
    logFinalSize: logFinal,
    finalPolyLen: 2 ** (logFinal - opts.logBlowup),
    inputLogSizes: sizes,
  };
}

const rootCache: number[] = [];
/** The generator of H_(2^logN), cached (the verifier asks for the same few many times). */
export function root(logN: number): number {
  return (rootCache[logN] ??= bb.rootOfUnity(logN));
}

/** The coset shift of a codeword of size 2^logSize in a schedule whose largest input is 2^logMax. */
export function layerShift(logMax: number, logSize: number): number {
  return bb.pow(FRI_SHIFT, 2 ** (logMax - logSize));
}

/**
 * The FRI proof. Plain data: byte arrays, u32 arrays and numbers.
 * - layerRoots[k]: Merkle root of layer k, committed as one matrix of height L_k / arity_k and
 *   width 4 * arity_k (row j = the arity ext values j * arity .. (j + 1) * arity - 1).
 * - finalPoly: finalPolyLen ext coefficients, lowest degree first, flat (4 words each).
 * - powNonce: the grinding nonce (u32).
 * - layerOpenings[k]: the Merkle opening of layer k at the rows of the query indices
 *   (index >> (logMax - log L_k + a_k)), one row per query in query order; rows[q][0] is the leaf.
 */
export interface FriProof {
  readonly layerRoots: readonly Uint8Array[];
  readonly finalPoly: Uint32Array;
  readonly powNonce: number;
  readonly layerOpenings: readonly MerkleOpening[];
}

/** Inverse of (2 x) for the first x of every pair (2u, 2u + 1) of a bit-reversed codeword. */
function halfInversePoints(logSize: number, shift: number): Uint32Array {
  // Entry 2u of a codeword of size N is at shift * w_N^rev_N(2u), and rev_N(2u) = rev_(N/2)(u) < N/2.
  const out = bitReversedPowersOf(bb.inv(bb.rootOfUnity(logSize)), logSize - 1);
  const c = bb.mul(bb.inv(shift), bb.inv(2));
  for (let u = 0; u < out.length; u++) out[u] = mulF(c, out[u]!);
  return out;
}

/**
 * Folds a bit-reversed ext4 codeword of size 2^logSize on `shift * H` by 2^logArity with `beta`.
 * Returns the 2^(logSize - logArity) folded values (bit-reversed on shift^arity * H').
 */
export function foldCodeword(values: Uint32Array, logSize: number, shift: number, beta: Ext4, logArity: number): Uint32Array {
  const fast = foldCodewordWasm(values, logSize, shift, beta, logArity);
  if (fast) return fast;
  let cur = values;
  let logN = logSize;
  let s = shift;
  const b = beta.slice();
  const inv2 = bb.inv(2);
  const t = new Uint32Array(4);
  for (let step = 0; step < logArity; step++) {
    const half = 2 ** (logN - 1);
    const invX2 = halfInversePoints(logN, s);
    const out = new Uint32Array(4 * half);
    for (let u = 0; u < half; u++) {
      const o0 = 8 * u;
      const ix = invX2[u]!;
      for (let c = 0; c < 4; c++) {
        const v0 = cur[o0 + c]!;
        const v1 = cur[o0 + 4 + c]!;
        const sum = v0 + v1;
        const diff = v0 >= v1 ? v0 - v1 : v0 + P - v1;
        out[4 * u + c] = mulF(sum >= P ? sum - P : sum, inv2);
        t[c] = mulF(diff, ix);
      }
      extMulF(t, 0, t, 0, b, 0);
      for (let c = 0; c < 4; c++) {
        const r = out[4 * u + c]! + t[c]!;
        out[4 * u + c] = r >= P ? r - P : r;
      }
    }
    cur = out;
    logN--;
    s = bb.mul(s, s);
    extMulF(b, 0, b, 0, b, 0);
  }
  return cur;
}

/**
 * Verifier's fold of one leaf: the 2^logArity values at entries [row * arity, (row + 1) * arity) of
 * a codeword of size 2^logSize on shift * H; returns the folded value at entry `row`.
 */
export function foldLeaf(leaf: Uint32Array, row: number, logSize: number, shift: number, beta: Ext4, logArity: number): Ext4 {
  let vals: Ext4[] = [];
  for (let k = 0; k < 2 ** logArity; k++) vals.push(leaf.subarray(4 * k, 4 * k + 4));
  let logN = logSize;
  let s = shift;
  let b = beta;
  const inv2 = bb.inv(2);
  for (let step = 0; step < logArity; step++) {
    const n = vals.length;
    const logn = Math.log2(n);
    const next: Ext4[] = [];
    // rev_N(row n + j) = rev_N(row n) + rev_n(j) N/n for j < n: one large power per step.
    const base = bb.mul(s, bb.pow(root(logN), reverseBits(row * n, logN)));
    for (let u = 0; u < n / 2; u++) {
      const x = bb.mul(base, bb.pow(root(logn), reverseBits(2 * u, logn)));
      const v0 = vals[2 * u]!;
      const v1 = vals[2 * u + 1]!;
      const even = e4.eScale(e4.eAdd(v0, v1), inv2);
      const odd = e4.eScale(e4.eSub(v0, v1), bb.mul(inv2, bb.inv(x)));
      next.push(e4.eAdd(even, e4.eMul(b, odd)));
    }
    vals = next;
    logN--;
    s = bb.mul(s, s);
    b = e4.eMul(b, b);
  }
  return vals[0]!;
}

/** Evaluates an ext4 polynomial (flat coefficients, lowest first) at a base-field point. */
export function evalPolyAtBase(coeffs: Uint32Array, x: number): Ext4 {
  const acc = new Uint32Array(4);
  for (let i = coeffs.length / 4 - 1; i >= 0; i--) {
    for (let c = 0; c < 4; c++) acc[c] = bb.add(bb.mul(acc[c]!, x), coeffs[4 * i + c]!);
  }
  return acc;
}

/**
 * Coefficients of the polynomial whose evaluations on shift * H_N (bit-reversed) are `values`.
 * Returns all N coefficients (flat ext4).
 */
export function interpolateCoset(values: Uint32Array, logSize: number, shift: number): Uint32Array {
  const c = values.slice();
  bitReverseRows(c, 4);
  inttRows(c, 4);
  // The iNTT gives the coefficients of p(shift * X); divide the i-th by shift^i.
  const sInv = bb.inv(shift);
  let s = 1;
  for (let i = 0; i < 2 ** logSize; i++) {
    for (let k = 0; k < 4; k++) c[4 * i + k] = mulF(c[4 * i + k]!, s);
    s = mulF(s, sInv);
  }
  return c;
}

function addScaled(acc: Uint32Array, input: Uint32Array, scale: Ext4): void {
  const t = new Uint32Array(4);
  for (let i = 0; i < acc.length; i += 4) {
    extMulF(t, 0, input, i, scale, 0);
    for (let c = 0; c < 4; c++) {
      const r = acc[i + c]! + t[c]!;
      acc[i + c] = r >= P ? r - P : r;
    }
  }
}

export interface FriProverResult {
  readonly proof: FriProof;
  /** The query indices in [0, 2^logMaxSize), in order; the caller opens its inputs there. */
  readonly queryIndices: readonly number[];
}

/**
 * Proves that every input (log2 size -> bit-reversed ext4 evaluations on FRI_SHIFT * H, flat) is
 * low-degree, rolling the smaller ones in. Inputs are not modified.
 */
export async function friProve(
  inputs: ReadonlyMap<number, Uint32Array>,
  opts: ProofOptions,
  hasher: Hasher,
  t: Transcript,
): Promise<FriProverResult> {
  for (const [logN, v] of inputs) {
    if (v.length !== 4 * 2 ** logN) throw new RangeError(`fri: input of size 2^${logN} has ${v.length / 4} values`);
  }
  const sched = friSchedule([...inputs.keys()], opts);
  const logMax = sched.logMaxSize;
  const t0 = performance.now();
  let cur = inputs.get(logMax)!;
  const trees: MerkleTree[] = [];
  for (let k = 0; k < sched.layerLogSizes.length; k++) {
    const logN = sched.layerLogSizes[k]!;
    const a = sched.layerLogArities[k]!;
    const tree = await merkleCommit(hasher, [{ values: cur, width: 4 * 2 ** a, height: 2 ** (logN - a) }]);
    trees.push(tree);
    t.observeDigest(tree.root);
    const beta = t.sampleExt();
    cur = foldCodeword(cur, logN, layerShift(logMax, logN), beta, a);
    const roll = inputs.get(logN - a);
    if (roll) addScaled(cur, roll, e4.ePow(beta, 2 ** a));
  }
  // An honest prover's higher coefficients are zero; the verifier catches it if they are not.
  if (process.env.TZKVM_PCS_TIMING) console.error(`  fri: layers committed and folded: ${(performance.now() - t0).toFixed(0)} ms`);
  const finalPoly = interpolateCoset(cur, sched.logFinalSize, layerShift(logMax, sched.logFinalSize)).slice(0, 4 * sched.finalPolyLen);
  t.observeBases(finalPoly);
  const tPow = performance.now();
  const powNonce = await grind(t, opts.powBits);
  if (process.env.TZKVM_PCS_TIMING) console.error(`  fri: grinding ${opts.powBits} bits: ${(performance.now() - tPow).toFixed(0)} ms`);
  const queryIndices = t.sampleIndices(opts.numQueries, logMax);
  const layerOpenings = trees.map((tree, k) => {
    const drop = logMax - sched.layerLogSizes[k]! + sched.layerLogArities[k]!;
    return merkleOpen(tree, queryIndices.map((i) => i >>> drop));
  });
  return { proof: { layerRoots: trees.map((tr) => tr.root), finalPoly, powNonce, layerOpenings }, queryIndices };
}

/**
 * Values of the inputs at the queries: for query q (index i in [0, 2^logMax)), a map from each
 * input's log2 size N to its value at entry i >> (logMax - N). The callback checks whatever backs
 * these values (the PCS's Merkle openings) and throws VerifyError itself.
 */
export type FriInputOracle = (queryIndices: readonly number[]) => readonly ReadonlyMap<number, Ext4>[];

function shapeError(msg: string, detail: Record<string, number> = {}): VerifyError {
  return new VerifyError('shape', `fri: ${msg}`, detail);
}

/** Checks the proof's sizes against the schedule before anything is used. */
export function checkFriShape(proof: FriProof, sched: FriSchedule, opts: ProofOptions): void {
  const r = sched.layerLogSizes.length;
  if (typeof proof !== 'object' || proof === null) throw shapeError('proof is not an object');
  if (!Array.isArray(proof.layerRoots) || proof.layerRoots.length !== r) throw shapeError(`expected ${r} layer roots, got ${proof.layerRoots?.length}`);
  proof.layerRoots.forEach((root, k) => {
    if (!(root instanceof Uint8Array) || root.length !== 32) throw shapeError(`layer ${k} root is not 32 bytes`, { layer: k });
  });
  if (!(proof.finalPoly instanceof Uint32Array) || proof.finalPoly.length !== 4 * sched.finalPolyLen) {
    throw shapeError(`final polynomial has ${proof.finalPoly?.length} words, expected ${4 * sched.finalPolyLen}`);
  }
  for (let i = 0; i < proof.finalPoly.length; i++) {
    if (!(proof.finalPoly[i]! < P)) throw shapeError(`final polynomial word ${i} is not a field element`);
  }
  if (!Number.isInteger(proof.powNonce) || proof.powNonce < 0 || proof.powNonce > 0xffffffff) throw shapeError(`nonce ${proof.powNonce} is not a u32`);
  if (!Array.isArray(proof.layerOpenings) || proof.layerOpenings.length !== r) throw shapeError(`expected ${r} layer openings, got ${proof.layerOpenings?.length}`);
  proof.layerOpenings.forEach((op, k) => {
    const width = 4 * 2 ** sched.layerLogArities[k]!;
    if (typeof op !== 'object' || op === null || !Array.isArray(op.rows) || !Array.isArray(op.siblings)) throw shapeError(`layer ${k} opening is malformed`, { layer: k });
    if (op.rows.length !== opts.numQueries) throw shapeError(`layer ${k} opens ${op.rows.length} rows, expected ${opts.numQueries}`, { layer: k });
    op.rows.forEach((rs: readonly Uint32Array[], q: number) => {
      if (!Array.isArray(rs) || rs.length !== 1 || !(rs[0] instanceof Uint32Array) || rs[0].length !== width) {
        throw shapeError(`layer ${k}, query ${q}: leaf is not ${width} words`, { layer: k, query: q });
      }
    });
  });
}

/**
 * Maps a Merkle failure to the verifier's checks: wrong row counts or widths (fixed by the
 * statement) are 'shape'; everything else, the sibling count included (it depends on which query
 * paths share nodes, so on the transcript), is 'merkle'.
 */
export function merkleToVerify(e: unknown, where: Record<string, number>): never {
  if (e instanceof MerkleError) {
    const check = e.reason === 'shape' ? 'shape' : 'merkle';
    throw new VerifyError(check, e.message, { ...where, ...e.detail });
  }
  throw e;
}

/**
 * Verifies a FRI proof for inputs of the given log2 sizes. `inputs` supplies (and checks) the
 * input values at the query indices. Throws VerifyError ('shape' | 'merkle' | 'fri-fold' |
 * 'fri-final' | 'pow', or whatever `inputs` throws).
 */
export function friVerify(
  inputLogSizes: readonly number[],
  proof: FriProof,
  opts: ProofOptions,
  hasher: Hasher,
  t: Transcript,
  inputs: FriInputOracle,
): void {
  let sched: FriSchedule;
  try {
    sched = friSchedule(inputLogSizes, opts);
  } catch (e) {
    throw shapeError((e as Error).message);
  }
  checkFriShape(proof, sched, opts);
  const logMax = sched.logMaxSize;
  const r = sched.layerLogSizes.length;
  const betas: Ext4[] = [];
  for (let k = 0; k < r; k++) {
    t.observeDigest(proof.layerRoots[k]!);
    betas.push(t.sampleExt());
  }
  t.observeBases(proof.finalPoly);
  checkPow(t, opts.powBits, proof.powNonce);
  const indices = t.sampleIndices(opts.numQueries, logMax);
  const inputValues = inputs(indices);
  if (inputValues.length !== indices.length) throw shapeError('input oracle returned the wrong number of queries');

  for (let k = 0; k < r; k++) {
    const drop = logMax - sched.layerLogSizes[k]! + sched.layerLogArities[k]!;
    const dims = [{ width: 4 * 2 ** sched.layerLogArities[k]!, height: 2 ** (sched.layerLogSizes[k]! - sched.layerLogArities[k]!) }];
    try {
      verifyOpening(hasher, proof.layerRoots[k]!, dims, indices.map((i) => i >>> drop), proof.layerOpenings[k]!);
    } catch (e) {
      merkleToVerify(e, { layer: k });
    }
  }

  const rollScales = betas.map((b, k) => e4.ePow(b, 2 ** sched.layerLogArities[k]!));
  const shiftFinal = layerShift(logMax, sched.logFinalSize);
  const shifts = sched.layerLogSizes.map((l) => layerShift(logMax, l));
  indices.forEach((index, q) => {
    const vals = inputValues[q]!;
    const need = (logN: number): Ext4 => {
      const v = vals.get(logN);
      if (!v) throw shapeError(`no input value of size 2^${logN} at query ${q}`, { query: q });
      return v;
    };
    let cur = need(logMax);
    for (let k = 0; k < r; k++) {
      const logN = sched.layerLogSizes[k]!;
      const a = sched.layerLogArities[k]!;
      const pos = index >>> (logMax - logN);
      const row = pos >>> a;
      const leaf = proof.layerOpenings[k]!.rows[q]![0]!;
      const slot = pos & (2 ** a - 1);
      if (!e4.equals(leaf.subarray(4 * slot, 4 * slot + 4), cur)) {
        throw new VerifyError('fri-fold', `layer ${k} disagrees with the ${k === 0 ? 'input' : 'fold of layer ' + (k - 1)} at query ${q}`, { layer: k, query: q });
      }
      cur = foldLeaf(leaf, row, logN, shifts[k]!, betas[k]!, a);
      if (sched.inputLogSizes.includes(logN - a)) cur = e4.eAdd(cur, e4.eMul(rollScales[k]!, need(logN - a)));
    }
    const pos = index >>> (logMax - sched.logFinalSize);
    const x = bb.mul(shiftFinal, bb.pow(root(sched.logFinalSize), reverseBits(pos, sched.logFinalSize)));
    if (!e4.equals(evalPolyAtBase(proof.finalPoly, x), cur)) {
      throw new VerifyError('fri-final', `the final polynomial does not match the folded value at query ${q}`, { query: q });
    }
  });
}
