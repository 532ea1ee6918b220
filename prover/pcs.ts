/**
 * The two-adic FRI polynomial commitment scheme (the shape of Plonky3's `TwoAdicFriPcs`,
 * `fri/src/two_adic_pcs.rs`): commit to the columns of matrices given by their evaluations on a
 * two-adic subgroup, then prove their values at arbitrary extension-field points.
 *
 * - commit: each matrix of height h (evaluations on H_h, natural order) is interpolated and
 *   evaluated on the coset FRI_SHIFT * H_(h << logBlowup) in bit-reversed order (its LDE); one
 *   Merkle tree (mixed heights, `merkle.ts`) over all LDEs of the round gives the root.
 * - open: the prover evaluates every requested column at every requested point z (from the
 *   interpolated coefficients), the transcript observes those values, then alpha is drawn and the
 *   DEEP quotients are batched, per LDE size N, into one codeword
 *       Q_N(x) = sum over (round, matrix, z) of alpha^off * (R(x) - R(z)) / (x - z),
 *       R(x) = sum_j alpha^j f_j(x),
 *   where `off` runs over all (round, matrix, point) triples in order, advancing by the matrix
 *   width, so every (column, point) pair gets its own power of alpha. Each term is a polynomial
 *   of degree < h exactly when the claimed value f_j(z) is right (DEEP-FRI, Ben-Sasson et al. 2019).
 *   FRI (`fri/index.ts`) proves all Q_N low-degree, rolling the smaller ones in.
 * - verify: at each FRI query the verifier opens every round's tree at the query index (shifted
 *   down for shorter trees: row i >> (logMax - log N) of an LDE of size N), recomputes Q_N there
 *   from the opened rows and the claimed values, and hands it to the FRI check.
 *
 * Transcript order inside `open` / `verify`: opened values (per round, matrix, point, one
 * `observeExts` each) -> alpha -> FRI (layer roots and betas, final polynomial, nonce, queries).
 * The caller must have observed the roots (and everything else of the statement) before.
 *
 * Usage (prover, then verifier):
 * ```ts
 * const pcs = new TwoAdicFriPcs(options, backend, blake3Hasher);
 * const main = await pcs.commit([trace]);            t.observeDigest(main.root);
 * ... zeta = t.sampleExt() ...
 * const { values, proof } = await pcs.open([{ data: main.data, points: [[zeta, zetaNext]] }], t);
 * verifyPcs(options, blake3Hasher, [{ root, dims: [{ width, height }], points: [[zeta, zetaNext]], values: values[0] }], proof, t2);
 * ```
 *
 * Performance (the prover's hot loops run in WASM, `prover/wasm/assembly/deep.ts`, with the
 * TypeScript twins kept as reference and fallback; `TZKVM_NO_WASM_PCS=1` forces the fallback):
 * - the DEEP quotient never inverts in the extension (1/(x - z) = c(x)/m(x) with z's minimal
 *   polynomial m, one base-field batch inversion), folds alpha^off into the powers of narrow
 *   matrices, streams the LDE through kernel memory in chunks, is split over the WASM backend's
 *   worker pool, and writes its codeword in place in kernel memory;
 * - FRI folds a layer by its whole arity per chunk inside kernel memory;
 * - a Merkle leaf packs up to 16 elements of consecutive LDE rows (`rowsPerLeaf`): 8x fewer
 *   leaf hashes and nodes for a 2-column trace;
 * - LDEs stay in kernel memory (`release` frees them): large fresh JS arrays cost first-touch
 *   page faults, about 3.5 ms per MB on the target machine.
 * Measured with `TZKVM_PCS_TIMING=1 npx tsx bench/pcs.ts --log-rows 20 --runs 3` (a 2-column
 * trace opened at zeta and zeta w, one ext4 quotient chunk at zeta; standard options; 2 cores
 * shared with other jobs, so noisy): first run commit 1.1 s + 0.8 s, open 1.8 s; steady state
 * commit 0.16 s + 0.32 s, open 1.3 s (DEEP 0.8 s, FRI 0.47 s); PCS proof 87.6 KiB; PCS verify
 * about 20 ms cold, 5-8 ms warm.
 * @module
 */
import * as bb from './field/babybear.ts';
import { P } from './field/babybear.ts';
import * as e4 from './field/ext4.ts';
import type { Ext4 } from './field/ext4.ts';
import type { ProverBackend } from './backend.ts';
import { VerifyError } from './errors.ts';
import type { Hasher } from './hash/hasher.ts';
import type { Matrix } from './matrix.ts';
import { commit as merkleCommit, open as merkleOpen, verifyOpening, type MerkleOpening, type MerkleTree } from './merkle.ts';
import { reverseBits } from './ntt.ts';
import type { ProofOptions } from './options.ts';
import type { Transcript } from './transcript.ts';
import { FRI_SHIFT, MAX_LOG_SIZE, friProve, friVerify, merkleToVerify, root, type FriProof } from './fri/index.ts';
import { bitReversedPowersOf, extBatchInverseF, extMulF, mulF } from './fri/_arith.ts';
import { deepCodewordWasm, evaluateColumnsWasm, type KernelCallPool } from './fri/_wasm.ts';

/** What the prover keeps of one commitment round. */
export interface PcsProverData {
  /**
   * Merkle tree over the LDEs (bit-reversed, on FRI_SHIFT * H_(height << logBlowup)), each
   * reshaped so that a leaf holds `rowsPerLeaf(width, ldeHeight)` consecutive rows.
   */
  readonly tree: MerkleTree;
  /** Per matrix: its LDE, one row per point (the same values as the tree's reshaped matrix). */
  readonly ldes: readonly Matrix[];
  /** Per matrix: the coefficients (row i = coefficient of x^i), for openings and other domains. */
  readonly coeffs: readonly Matrix[];
}

/**
 * The PCS proof, plain data (typed arrays and numbers; nothing to compute to serialize it):
 * - inputOpenings[r]: the Merkle opening of round r's tree at the FRI query indices (index
 *   >> (logMax - log2 of the round's tallest LDE)), `numQueries` row sets in query order:
 *   rows[q][m] is a Uint32Array of matrix m's width (known from the statement's dims), and
 *   siblings a variable-length list of 32-byte digests (its length depends on which query paths
 *   share nodes, so an encoder writes the count);
 * - fri: the FRI proof of the batched DEEP quotients (see `FriProof`): layer roots (count fixed by
 *   the statement via `friSchedule`), final polynomial (4 * finalPolyLen words), the nonce (u32),
 *   per layer an opening with one leaf of 4 * arity_k words per query and its sibling list.
 * Every count that the statement fixes is checked by `verifyPcs` before use ('shape').
 * `pcsProofParts` lists the parts with their sizes.
 */
export interface PcsProof {
  readonly inputOpenings: readonly MerkleOpening[];
  readonly fri: FriProof;
}

export interface PcsOpenRound {
  readonly data: PcsProverData;
  /** points[m]: the points at which to open every column of matrix m (may be empty). */
  readonly points: readonly (readonly Ext4[])[];
}

export interface PcsVerifyRound {
  readonly root: Uint8Array;
  /** The committed matrices' trace dimensions (height before the blowup). */
  readonly dims: readonly { readonly width: number; readonly height: number }[];
  readonly points: readonly (readonly Ext4[])[];
  /** values[m][p][c]: claimed value of column c of matrix m at points[m][p]. */
  readonly values: readonly (readonly (readonly Ext4[])[])[];
}

function log2Int(n: number): number {
  const l = Math.log2(n);
  return Number.isInteger(l) ? l : -1;
}

/** Field elements per BLAKE3 block: leaves up to this size cost one compression. */
const LEAF_WORDS = 16;

/**
 * How many consecutive LDE rows one Merkle leaf holds for a matrix of this width and LDE height:
 * the largest power of two g with g * width <= 16 (at most the height). Narrow matrices then
 * cost a fraction of the leaf hashes and tree nodes (a leaf of up to 64 bytes is one compression)
 * and their openings lose log2(g) sibling levels for g - 1 extra rows. Width > 8 gives 1.
 */
export function rowsPerLeaf(width: number, ldeHeight: number): number {
  let g = 1;
  while (2 * g * width <= LEAF_WORDS && 2 * g <= ldeHeight) g *= 2;
  return g;
}

/** Powers of the generator of H_N in bit-reversed order: entry i = w_N^reverseBits(i). */
function bitReversedPowers(logN: number): Uint32Array {
  return bitReversedPowersOf(bb.rootOfUnity(logN), logN);
}

/** Flat powers [1, a, ..., a^(n-1)] of an ext4 element. */
function extPowers(a: Ext4, n: number): Uint32Array {
  const out = new Uint32Array(4 * Math.max(n, 1));
  out[0] = 1;
  for (let i = 1; i < n; i++) extMulF(out, 4 * i, out, 4 * (i - 1), a, 0);
  return out;
}

/** sum_j alphaPows[j] * v[j] for ext4 values (the claimed R(z)). */
function combineExt(values: readonly Ext4[], alphaPows: Uint32Array): Ext4 {
  const acc = new Uint32Array(4);
  const t = new Uint32Array(4);
  values.forEach((v, j) => {
    extMulF(t, 0, v, 0, alphaPows, 4 * j);
    for (let c = 0; c < 4; c++) acc[c] = bb.add(acc[c]!, t[c]!);
  });
  return acc;
}

/** Values of every column of `coeffs` at the point whose powers are `zPows`: one Ext4 per column. */
function evaluateColumns(coeffs: Matrix, zPows: Uint32Array): Ext4[] {
  const { width, height, values } = coeffs;
  const acc = new Float64Array(4 * width);
  // Unreduced sums of products below p stay exact up to 2^22 terms; reduce every 2^20 rows.
  for (let i0 = 0; i0 < height; i0 += 1 << 20) {
    const i1 = Math.min(height, i0 + (1 << 20));
    for (let i = i0; i < i1; i++) {
      const z0 = zPows[4 * i]!, z1 = zPows[4 * i + 1]!, z2 = zPows[4 * i + 2]!, z3 = zPows[4 * i + 3]!;
      const row = i * width;
      for (let c = 0; c < width; c++) {
        const v = values[row + c]!;
        if (v === 0) continue;
        acc[4 * c] += mulF(v, z0);
        acc[4 * c + 1] += mulF(v, z1);
        acc[4 * c + 2] += mulF(v, z2);
        acc[4 * c + 3] += mulF(v, z3);
      }
    }
    for (let k = 0; k < acc.length; k++) acc[k] = acc[k]! % P;
  }
  const out: Ext4[] = [];
  for (let c = 0; c < width; c++) out.push(Uint32Array.from(acc.subarray(4 * c, 4 * c + 4)));
  return out;
}

/** One (round, matrix) opened at some points, as the DEEP batching sees it. */
interface DeepTerm {
  readonly round: number;
  readonly matrix: number;
  readonly width: number;
  /** Per point: index into the group's distinct points, alpha^off, and R(z) = sum_j alpha^j v_j. */
  readonly points: readonly { readonly zi: number; readonly alphaOff: Ext4; readonly rz: Ext4 }[];
}

interface DeepGroup {
  readonly logSize: number;
  readonly zs: Ext4[];
  readonly terms: DeepTerm[];
}

/**
 * Groups the opened (round, matrix, point) triples by LDE size, with their alpha offsets and R(z).
 * `logLde(r, m)` is the LDE size of a matrix, `values[r][m][p]` the opened values.
 */
function deepGroups(
  rounds: readonly { readonly points: readonly (readonly Ext4[])[] }[],
  widths: (r: number, m: number) => number,
  logLde: (r: number, m: number) => number,
  values: readonly (readonly (readonly (readonly Ext4[])[])[])[],
  alpha: Ext4,
  alphaPows: Uint32Array,
): DeepGroup[] {
  const groups = new Map<number, DeepGroup>();
  let off = 0;
  rounds.forEach((round, r) => {
    round.points.forEach((pts, m) => {
      if (pts.length === 0) return;
      const logN = logLde(r, m);
      let g = groups.get(logN);
      if (!g) {
        g = { logSize: logN, zs: [], terms: [] };
        groups.set(logN, g);
      }
      const group = g;
      const points = pts.map((z, p) => {
        let zi = group.zs.findIndex((y) => e4.equals(y, z));
        if (zi < 0) {
          zi = group.zs.length;
          group.zs.push(z);
        }
        const term = { zi, alphaOff: e4.ePow(alpha, off), rz: combineExt(values[r]![m]![p]!, alphaPows) };
        off += widths(r, m);
        return term;
      });
      group.terms.push({ round: r, matrix: m, width: widths(r, m), points });
    });
  });
  return [...groups.values()].sort((a, b) => b.logSize - a.logSize);
}

const CHUNK = 1 << 14;

/** The batched DEEP quotient Q_N over the whole LDE of one group (bit-reversed, flat ext4). */
async function deepCodeword(group: DeepGroup, ldes: (r: number, m: number) => Matrix, alphaPows: Uint32Array, pool?: KernelCallPool): Promise<{ values: Uint32Array; free(): void }> {
  const logN = group.logSize;
  const n = 2 ** logN;
  const mats = group.terms.map((term) => ldes(term.round, term.matrix));
  const fast = await deepCodewordWasm(logN, FRI_SHIFT, group.zs, group.terms.map((term, ti) => ({ lde: mats[ti]!, points: term.points })), alphaPows, pool);
  if (fast) return fast;
  const xs = bitReversedPowers(logN);
  for (let i = 0; i < n; i++) xs[i] = mulF(xs[i]!, FRI_SHIFT);
  const nz = group.zs.length;
  const chunk = Math.min(CHUNK, n);
  const den = new Uint32Array(4 * chunk);
  const scratch = new Uint32Array(4 * chunk);
  const invs = group.zs.map(() => new Uint32Array(4 * chunk));
  const accs = new Uint32Array(4 * nz);
  const r = new Float64Array(4);
  const rx = new Uint32Array(4);
  const t = new Uint32Array(4);
  const out = new Uint32Array(4 * n);
  for (let c0 = 0; c0 < n; c0 += chunk) {
    const len = Math.min(chunk, n - c0);
    group.zs.forEach((z, zi) => {
      for (let k = 0; k < len; k++) {
        const x = xs[c0 + k]!;
        den[4 * k] = bb.sub(x, z[0]!);
        den[4 * k + 1] = bb.neg(z[1]!);
        den[4 * k + 2] = bb.neg(z[2]!);
        den[4 * k + 3] = bb.neg(z[3]!);
      }
      extBatchInverseF(den, invs[zi]!, scratch, len, e4.eInv);
    });
    for (let k = 0; k < len; k++) {
      const i = c0 + k;
      accs.fill(0);
      group.terms.forEach((term, ti) => {
        const m = mats[ti]!;
        const w = term.width;
        const vals = m.values;
        const row = i * w;
        r[0] = r[1] = r[2] = r[3] = 0;
        for (let j = 0; j < w; j++) {
          const v = vals[row + j]!;
          r[0] += mulF(v, alphaPows[4 * j]!);
          r[1] += mulF(v, alphaPows[4 * j + 1]!);
          r[2] += mulF(v, alphaPows[4 * j + 2]!);
          r[3] += mulF(v, alphaPows[4 * j + 3]!);
        }
        for (let c = 0; c < 4; c++) rx[c] = r[c]! % P;
        for (const pt of term.points) {
          for (let c = 0; c < 4; c++) t[c] = bb.sub(rx[c]!, pt.rz[c]!);
          extMulF(t, 0, t, 0, pt.alphaOff, 0);
          const o = 4 * pt.zi;
          for (let c = 0; c < 4; c++) accs[o + c] = bb.add(accs[o + c]!, t[c]!);
        }
      });
      for (let zi = 0; zi < nz; zi++) {
        extMulF(t, 0, accs, 4 * zi, invs[zi]!, 4 * k);
        for (let c = 0; c < 4; c++) out[4 * i + c] = bb.add(out[4 * i + c]!, t[c]!);
      }
    }
  }
  return { values: out, free: () => undefined };
}

/** Array.isArray without its narrowing to any[] (which would erase the declared element types). */
function isArray(v: unknown): boolean {
  return Array.isArray(v);
}

/** With TZKVM_PCS_TIMING set, logs the time since the previous call (for benchmarks). */
function phaseTimer(): (what: string) => void {
  if (!process.env.TZKVM_PCS_TIMING) return () => undefined;
  let last = performance.now();
  return (what) => {
    const now = performance.now();
    console.error(`  ${what}: ${(now - last).toFixed(0)} ms`);
    last = now;
  };
}

function shapeError(msg: string, detail: Record<string, number> = {}): VerifyError {
  return new VerifyError('shape', `pcs: ${msg}`, detail);
}

function isExt(v: unknown): v is Ext4 {
  return v instanceof Uint32Array && v.length === 4 && v[0]! < P && v[1]! < P && v[2]! < P && v[3]! < P;
}

/** Kernel buffers of commitments, freed by `release` or when the commitment is collected. */
const releasers = new WeakMap<PcsProverData, (() => void)[]>();
const lostData = new FinalizationRegistry<(() => void)[]>((fs) => {
  for (const f of fs) f();
});

export class TwoAdicFriPcs {
  constructor(
    readonly options: ProofOptions,
    readonly backend: ProverBackend,
    readonly hasher: Hasher,
  ) {}

  /**
   * Commits to `matrices` (evaluations on H_height, natural order; heights powers of two, they
   * may differ; width >= 1). The matrices are not modified.
   */
  async commit(matrices: readonly Matrix[]): Promise<{ root: Uint8Array; data: PcsProverData }> {
    if (!Array.isArray(matrices) || matrices.length === 0) throw new RangeError('pcs commit: no matrices');
    matrices.forEach((m, i) => {
      const l = log2Int(m.height);
      if (!Number.isInteger(m.width) || m.width < 1) throw new RangeError(`pcs commit: matrix ${i} has width ${m.width}`);
      if (l < 0 || l + this.options.logBlowup > MAX_LOG_SIZE) throw new RangeError(`pcs commit: matrix ${i} has height ${m.height}, not a power of two up to 2^${MAX_LOG_SIZE - this.options.logBlowup}`);
      if (m.values.length !== m.width * m.height) throw new RangeError(`pcs commit: matrix ${i} has ${m.values.length} values for ${m.height} x ${m.width}`);
    });
    const timer = phaseTimer();
    const kernelBuffers: (() => void)[] = [];
    const coeffs: Matrix[] = [];
    const ldes: Matrix[] = [];
    // With the WASM backend the coefficients stay in kernel memory (freed by `release`): the LDE
    // below, the quotient's evaluations and the opening read them there, with no copy out and in.
    const interpolateShared = (this.backend as { interpolateShared?: (m: Matrix) => Promise<Matrix & { free(): void }> }).interpolateShared;
    for (const m of matrices) {
      let c: Matrix;
      if (typeof interpolateShared === 'function') {
        const sc = await interpolateShared.call(this.backend, m);
        kernelBuffers.push(() => sc.free());
        c = sc;
      } else c = await this.backend.interpolate(m);
      coeffs.push(c);
      timer('commit: interpolate');
      ldes.push(await this.extend(c, kernelBuffers));
      timer('commit: evaluate on the LDE coset');
    }
    const leaves = ldes.map((l) => {
      const g = rowsPerLeaf(l.width, l.height);
      return { values: l.values, width: l.width * g, height: l.height / g };
    });
    const tree = await merkleCommit(this.hasher, leaves);
    timer('commit: Merkle tree');
    const data: PcsProverData = { tree, coeffs, ldes };
    if (kernelBuffers.length > 0) {
      releasers.set(data, kernelBuffers);
      lostData.register(data, kernelBuffers, data);
    }
    return { root: tree.root, data };
  }

  /**
   * Frees the kernel memory that holds a commitment's LDEs (with the WASM backend they stay there
   * to save a copy). Call it when the commitment will not be opened again; `data` is unusable
   * afterwards. Optional: the memory is also freed when `data` is garbage-collected.
   */
  release(data: PcsProverData): void {
    const fs = releasers.get(data);
    if (!fs) return;
    releasers.delete(data);
    lostData.unregister(data);
    for (const f of fs) f();
  }

  /** The LDE of coefficients `c`, left in kernel memory when the backend can (no copy). */
  private async extend(c: Matrix, buffers: (() => void)[]): Promise<Matrix> {
    const shared = (this.backend as { evaluateOnCosetShared?: (m: Matrix, lb: number, s: number, br: boolean) => Promise<Matrix & { free(): void }> }).evaluateOnCosetShared;
    if (typeof shared === 'function') {
      const m = await shared.call(this.backend, c, this.options.logBlowup, FRI_SHIFT, true);
      buffers.push(() => m.free());
      // ptr: the quotient reads cosets of this LDE in place (prove.ts).
      return { values: m.values, width: m.width, height: m.height, ptr: (m as { ptr?: number }).ptr } as Matrix;
    }
    return this.backend.evaluateOnCoset(c, this.options.logBlowup, FRI_SHIFT, true);
  }

  /**
   * Evaluations of matrix `matrixIndex` of a commitment on shift * H_(2^logSize), natural order
   * (for the quotient domain). logSize must be at least log2 of the matrix height.
   */
  async evaluationsOnDomain(data: PcsProverData, matrixIndex: number, logSize: number, shift: number): Promise<Matrix> {
    const c = data.coeffs[matrixIndex];
    if (!c) throw new RangeError(`pcs evaluationsOnDomain: no matrix ${matrixIndex}`);
    const logH = log2Int(c.height);
    if (!Number.isInteger(logSize) || logSize < logH || logSize > MAX_LOG_SIZE) {
      throw new RangeError(`pcs evaluationsOnDomain: domain 2^${logSize} is smaller than the matrix height 2^${logH} or too large`);
    }
    return this.backend.evaluateOnCoset(c, logSize - logH, shift, false);
  }

  /**
   * `evaluationsOnDomain`, left in the backend's shared kernel memory when it has one (no copy out;
   * pool workers read it in place): the caller calls `free()` when done. Other backends: a plain
   * matrix and a no-op `free`.
   */
  async evaluationsOnDomainShared(data: PcsProverData, matrixIndex: number, logSize: number, shift: number): Promise<Matrix & { free(): void }> {
    const b = this.backend as ProverBackend & { evaluateOnCosetShared?: (coeffs: Matrix, logBlowup: number, shift: number, bitReversed: boolean) => Promise<Matrix & { free(): void }> };
    if (typeof b.evaluateOnCosetShared !== 'function') return { ...(await this.evaluationsOnDomain(data, matrixIndex, logSize, shift)), free: () => {} };
    const c = data.coeffs[matrixIndex];
    if (!c) throw new RangeError(`pcs evaluationsOnDomain: no matrix ${matrixIndex}`);
    const logH = log2Int(c.height);
    if (!Number.isInteger(logSize) || logSize < logH || logSize > MAX_LOG_SIZE) {
      throw new RangeError(`pcs evaluationsOnDomain: domain 2^${logSize} is smaller than the matrix height 2^${logH} or too large`);
    }
    return b.evaluateOnCosetShared(c, logSize - logH, shift, false);
  }

  /**
   * Opens every column of every matrix of each round at its points; returns the values
   * [round][matrix][point][column] and the proof. Observes the values, then runs FRI.
   */
  async open(rounds: readonly PcsOpenRound[], t: Transcript): Promise<{ values: Ext4[][][][]; proof: PcsProof }> {
    if (rounds.length === 0) throw new RangeError('pcs open: no rounds');
    rounds.forEach((round, r) => {
      if (round.points.length !== round.data.coeffs.length) {
        throw new RangeError(`pcs open: round ${r} gives points for ${round.points.length} matrices, it has ${round.data.coeffs.length}`);
      }
    });
    // Powers of each distinct point, as long as the tallest matrix opened there.
    const powCache: { z: Ext4; pows: Uint32Array }[] = [];
    const zPowers = (z: Ext4, n: number): Uint32Array => {
      let e = powCache.find((p) => e4.equals(p.z, z));
      if (!e || e.pows.length < 4 * n) {
        const need = Math.max(n, rounds.reduce((mx, rd) => Math.max(mx, ...rd.data.coeffs.map((c) => c.height)), 1));
        e = { z, pows: extPowers(z, need) };
        powCache.push(e);
      }
      return e.pows;
    };
    const timer = phaseTimer();
    const values: Ext4[][][][] = rounds.map((round) =>
      round.points.map((pts, m) => {
        const c = round.data.coeffs[m]!;
        return pts.map((z) => {
          if (!isExt(z)) throw new TypeError(`pcs open: a point is not a canonical ext4 element`);
          return evaluateColumnsWasm(c, z) ?? evaluateColumns(c, zPowers(z, c.height));
        });
      }),
    );
    timer('open: values at the points');
    for (const rv of values) for (const mv of rv) for (const pv of mv) t.observeExts(pv);
    const alpha = t.sampleExt();
    const maxWidth = Math.max(...rounds.flatMap((rd) => rd.data.coeffs.map((c) => c.width)));
    const alphaPows = extPowers(alpha, maxWidth);
    const lb = this.options.logBlowup;
    const groups = deepGroups(
      rounds,
      (r, m) => rounds[r]!.data.coeffs[m]!.width,
      (r, m) => log2Int(rounds[r]!.data.coeffs[m]!.height) + lb,
      values,
      alpha,
      alphaPows,
    );
    if (groups.length === 0) throw new RangeError('pcs open: no points to open at');
    rounds.forEach((round, r) => {
      if (Math.max(...round.data.ldes.map((l) => log2Int(l.height))) > groups[0]!.logSize) {
        throw new RangeError(`pcs open: round ${r} has a matrix taller than every opened matrix; open it or commit it apart`);
      }
    });
    const inputs = new Map<number, Uint32Array>();
    // The WASM backend's worker pool shares the kernels' memory: the DEEP kernels can use it too.
    const pool = (this.backend as { readonly pool?: KernelCallPool }).pool;
    const codewords: { free(): void }[] = [];
    let fri: FriProof;
    let queryIndices: readonly number[];
    try {
      for (const g of groups) {
        const cw = await deepCodeword(g, (r, m) => rounds[r]!.data.ldes[m]!, alphaPows, pool);
        codewords.push(cw);
        inputs.set(g.logSize, cw.values);
      }
      timer('open: DEEP quotients');
      ({ proof: fri, queryIndices } = await friProve(inputs, this.options, this.hasher, t));
      timer('open: FRI');
    } finally {
      // FRI's proof holds copies (Merkle openings slice their rows): the codewords can go.
      for (const cw of codewords) cw.free();
    }
    const logMax = groups[0]!.logSize;
    const inputOpenings = rounds.map((round) => {
      // The reshaped tree is shorter; a leaf index I opens row I >> (logT - log(N/g)) of each
      // matrix, which is its LDE row (i >> (logMax - log N)) >> log g, as needed.
      const tree = round.data.tree;
      return merkleOpen(tree, queryIndices.map((i) => i >>> (logMax - tree.logMaxHeight)));
    });
    return { values, proof: { inputOpenings, fri } };
  }

  verify(rounds: readonly PcsVerifyRound[], proof: PcsProof, t: Transcript): void {
    verifyPcs(this.options, this.hasher, rounds, proof, t);
  }
}

/**
 * Verifies the openings claimed in `rounds` against their roots. Needs no backend. Throws
 * VerifyError: 'shape' (counts and sizes, checked before use), 'merkle', 'fri-fold', 'fri-final',
 * 'pow'.
 */
export function verifyPcs(
  options: ProofOptions,
  hasher: Hasher,
  rounds: readonly PcsVerifyRound[],
  proof: PcsProof,
  t: Transcript,
): void {
  const lb = options.logBlowup;
  if (!isArray(rounds) || rounds.length === 0) throw shapeError('no rounds');
  if (typeof proof !== 'object' || proof === null || !isArray(proof.inputOpenings)) throw shapeError('proof is malformed');
  if (proof.inputOpenings.length !== rounds.length) throw shapeError(`${proof.inputOpenings.length} input openings for ${rounds.length} rounds`);
  let anyPoint = false;
  rounds.forEach((round, r) => {
    if (!(round.root instanceof Uint8Array) || round.root.length !== 32) throw shapeError(`round ${r} root is not 32 bytes`, { round: r });
    if (!isArray(round.dims) || round.dims.length === 0) throw shapeError(`round ${r} has no matrices`, { round: r });
    if (!isArray(round.points) || round.points.length !== round.dims.length) throw shapeError(`round ${r}: points for ${round.points?.length} of ${round.dims.length} matrices`, { round: r });
    if (!isArray(round.values) || round.values.length !== round.dims.length) throw shapeError(`round ${r}: values for ${round.values?.length} of ${round.dims.length} matrices`, { round: r });
    round.dims.forEach((d, m) => {
      const l = log2Int(d.height);
      if (!Number.isInteger(d.width) || d.width < 1 || l < 0 || l + lb > MAX_LOG_SIZE) throw shapeError(`round ${r}, matrix ${m}: bad dimensions ${d.width} x ${d.height}`, { round: r, matrix: m });
      const pts = round.points[m]!;
      const vals = round.values[m]!;
      if (!isArray(pts) || !isArray(vals) || vals.length !== pts.length) throw shapeError(`round ${r}, matrix ${m}: ${vals?.length} value sets for ${pts?.length} points`, { round: r, matrix: m });
      pts.forEach((z, p) => {
        if (!isExt(z)) throw shapeError(`round ${r}, matrix ${m}: point ${p} is not an ext4 element`, { round: r, matrix: m });
        const vs = vals[p]!;
        if (!isArray(vs) || vs.length !== d.width) throw shapeError(`round ${r}, matrix ${m}, point ${p}: ${vs?.length} values for ${d.width} columns`, { round: r, matrix: m, point: p });
        vs.forEach((v) => {
          if (!isExt(v)) throw shapeError(`round ${r}, matrix ${m}, point ${p}: a value is not an ext4 element`, { round: r, matrix: m, point: p });
        });
        anyPoint = true;
      });
    });
    const op = proof.inputOpenings[r]!;
    if (typeof op !== 'object' || op === null || !isArray(op.rows) || !isArray(op.siblings) || op.rows.length !== options.numQueries) {
      throw shapeError(`round ${r}: the input opening does not have ${options.numQueries} queries`, { round: r });
    }
  });
  if (!anyPoint) throw shapeError('no points to open at');

  for (const round of rounds) for (const mv of round.values) for (const pv of mv) t.observeExts(pv);
  const alpha = t.sampleExt();
  const maxWidth = Math.max(...rounds.flatMap((rd) => rd.dims.map((d) => d.width)));
  const alphaPows = extPowers(alpha, maxWidth);
  const groups = deepGroups(
    rounds,
    (r, m) => rounds[r]!.dims[m]!.width,
    (r, m) => log2Int(rounds[r]!.dims[m]!.height) + lb,
    rounds.map((rd) => rd.values),
    alpha,
    alphaPows,
  );
  const logMax = groups[0]!.logSize;
  const ldeLogMax = rounds.map((rd) => Math.max(...rd.dims.map((d) => log2Int(d.height) + lb)));
  const leafRows = rounds.map((rd) => rd.dims.map((d) => rowsPerLeaf(d.width, d.height << lb)));
  const treeLogMax = rounds.map((rd, r) => Math.max(...rd.dims.map((d, m) => log2Int(d.height) + lb - log2Int(leafRows[r]![m]!))));
  if (Math.max(...ldeLogMax) > logMax) {
    // A committed matrix taller than every opened one: its tree's indices would outrun the queries.
    throw shapeError('a round has a matrix taller than every opened matrix');
  }

  friVerify(groups.map((g) => g.logSize), proof.fri, options, hasher, t, (indices) => {
    rounds.forEach((round, r) => {
      const dims = round.dims.map((d, m) => ({ width: d.width * leafRows[r]![m]!, height: (d.height << lb) / leafRows[r]![m]! }));
      try {
        verifyOpening(hasher, round.root, dims, indices.map((i) => i >>> (logMax - treeLogMax[r]!)), proof.inputOpenings[r]!);
      } catch (e) {
        merkleToVerify(e, { round: r });
      }
    });
    return indices.map((index, q) => {
      const out = new Map<number, Ext4>();
      for (const g of groups) {
        const pos = index >>> (logMax - g.logSize);
        const x = bb.mul(FRI_SHIFT, bb.pow(root(g.logSize), reverseBits(pos, g.logSize)));
        const invs = g.zs.map((z) => {
          const d = e4.eSub(e4.fromBase(x), z);
          if (e4.equals(d, e4.zero())) throw shapeError('an opening point lies in the evaluation domain');
          return e4.eInv(d);
        });
        const accs = g.zs.map(() => e4.zero());
        for (const term of g.terms) {
          const leaf = proof.inputOpenings[term.round]!.rows[q]![term.matrix]!;
          const slot = pos & (leafRows[term.round]![term.matrix]! - 1);
          const row = leaf.subarray(slot * term.width, (slot + 1) * term.width);
          let rx = e4.zero();
          for (let j = 0; j < term.width; j++) rx = e4.eAdd(rx, e4.eScale(alphaPows.subarray(4 * j, 4 * j + 4), row[j]!));
          for (const pt of term.points) accs[pt.zi] = e4.eAdd(accs[pt.zi]!, e4.eMul(pt.alphaOff, e4.eSub(rx, pt.rz)));
        }
        let v = e4.zero();
        accs.forEach((a, zi) => {
          v = e4.eAdd(v, e4.eMul(a, invs[zi]!));
        });
        out.set(g.logSize, v);
      }
      return out;
    });
  });
}

/** One part of a PCS proof, for size reports and for the binary format's writer. */
export interface ProofPart {
  readonly name: string;
  /** Number of items (digests, field elements, nonces). */
  readonly count: number;
  /** Bytes at 4 per field element, 32 per digest, 4 per nonce. */
  readonly bytes: number;
}

/** Lists the parts of a PCS proof with their sizes (no headers or length prefixes counted). */
export function pcsProofParts(proof: PcsProof): ProofPart[] {
  const rowWords = (ops: readonly MerkleOpening[]) => ops.reduce((s, op) => s + op.rows.reduce((a, rs) => a + rs.reduce((b, row) => b + row.length, 0), 0), 0);
  const sibs = (ops: readonly MerkleOpening[]) => ops.reduce((s, op) => s + op.siblings.length, 0);
  const parts: ProofPart[] = [
    { name: 'input opened rows (field elements)', count: rowWords(proof.inputOpenings), bytes: 4 * rowWords(proof.inputOpenings) },
    { name: 'input Merkle siblings (digests)', count: sibs(proof.inputOpenings), bytes: 32 * sibs(proof.inputOpenings) },
    { name: 'FRI layer roots (digests)', count: proof.fri.layerRoots.length, bytes: 32 * proof.fri.layerRoots.length },
    { name: 'FRI opened leaves (field elements)', count: rowWords(proof.fri.layerOpenings), bytes: 4 * rowWords(proof.fri.layerOpenings) },
    { name: 'FRI Merkle siblings (digests)', count: sibs(proof.fri.layerOpenings), bytes: 32 * sibs(proof.fri.layerOpenings) },
    { name: 'FRI final polynomial (field elements)', count: proof.fri.finalPoly.length, bytes: 4 * proof.fri.finalPoly.length },
    { name: 'grinding nonce', count: 1, bytes: 4 },
  ];
  return parts;
}
