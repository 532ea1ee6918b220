/**
 * The WASM paths of the PCS's hot loops: the binary FRI fold and the DEEP quotient, over the
 * kernels of `prover/wasm/assembly/deep.ts`. Each function equals its TypeScript twin in
 * `fri/index.ts` / `pcs.ts` exactly (tests compare them) and returns null when the kernels are not
 * built, so callers fall back to TypeScript. Work is streamed through kernel memory in chunks, so
 * the kernel heap stays small whatever the codeword size.
 * @module
 */
import * as bb from '../field/babybear.ts';
import { P } from '../field/babybear.ts';
import * as e4 from '../field/ext4.ts';
import type { Ext4 } from '../field/ext4.ts';
import type { Matrix } from '../matrix.ts';
import { kernels, kernelsAvailable, type Kernels } from '../wasm/kernels.ts';
import { reverseBits } from '../ntt.ts';
import { bitReversedPowersOf } from './_arith.ts';

interface DeepExports {
  fri_fold_scaled(out: number, inp: number, table: number, scale: number, n: number, b0: number, b1: number, b2: number, b3: number): void;
  ext_combine_rows(out: number, mat: number, width: number, rows: number, powm: number): void;
  deep_accumulate(acc: number, r: number, n: number, rz0: number, rz1: number, rz2: number, rz3: number, k0: number, k1: number, k2: number, k3: number): void;
  bb_scale(out: number, a: number, s: number, n: number): void;
  ext_combine_rows_acc(acc: number, mat: number, width: number, rows: number, powm: number, rz0: number, rz1: number, rz2: number, rz3: number): void;
  deep_divide_acc(out: number, acc: number, xs: number, n: number, m0: number, m1: number, m2: number, m3: number, cc: number, scratch: number): number;
  ext_powers(out: number, n: number, z0: number, z1: number, z2: number, z3: number): void;
  ext_dot_columns(acc: number, mat: number, width: number, rows: number, pows: number): void;
}

let cached: { k: Kernels; e: DeepExports } | null | undefined;

/** The kernels, or null when build/wasm/kernels.wasm is missing or predates them. */
export function deepKernels(): { k: Kernels; e: DeepExports } | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (process.env.TZKVM_NO_WASM_PCS) return cached;
  try {
    if (!kernelsAvailable()) return cached;
    const k = kernels();
    const e = k.exports as unknown as DeepExports;
    if (typeof e.fri_fold_scaled === 'function' && typeof e.deep_divide_acc === 'function' && typeof e.ext_dot_columns === 'function') cached = { k, e };
  } catch {
    cached = null;
  }
  return cached;
}

/** Turns the WASM paths off (TypeScript only) or back on; for tests that compare the two. */
export function usePcsWasm(on: boolean): void {
  cached = on ? undefined : null;
}

const CHUNK = 1 << 13;
const POOL_CHUNK = 1 << 15;

/**
 * A whole fold by 2^logArity of a bit-reversed codeword of size 2^logSize on shift * H, chunk by
 * chunk: each chunk of leaves goes through every binary step inside kernel memory, so the only
 * fresh array is the output (large fresh arrays cost page faults, ~3.5 ms per MB here).
 *
 * Inverse points: at binary step s the sub-layer has K = 2^(logSize - s - 1) pairs and pair u sits
 * at 1/(2x_u) = c_s g^rev_K(u), g = w_(2K)^-1, c_s = 1/(2 shift^(2^s)). For a chunk of P pairs
 * starting at u0 (a multiple of P), rev_K(u0 + t) = rev_K(u0) + (K/P) rev_P(t): the chunk's values
 * are c_s g^rev_K(u0) times one table g^((K/P) rev_P(t)) shared by all chunks.
 */
export function foldCodewordWasm(values: Uint32Array, logSize: number, shift: number, beta: Ext4, logArity: number): Uint32Array | null {
  const kk = deepKernels();
  if (!kk) return null;
  const { k, e } = kk;
  const arity = 2 ** logArity;
  const rowsTotal = 2 ** (logSize - logArity);
  const rows = Math.min(rowsTotal, Math.max(1, CHUNK >> logArity) * 4);
  const out = new Uint32Array(4 * rowsTotal);
  const inv2 = bb.inv(2);
  const steps: { table: number; c: number; g: number; logK: number; pairs: number; beta: Ext4 }[] = [];
  const ptrs: number[] = [];
  const alloc = (bytes: number) => {
    const ptr = k.alloc(bytes);
    ptrs.push(ptr);
    return ptr;
  };
  try {
    let b = beta;
    let s = shift;
    for (let st = 0; st < logArity; st++) {
      const logK = logSize - st - 1;
      const pairs = (rows * arity) >> (st + 1);
      const g = bb.inv(bb.rootOfUnity(logK + 1));
      const tab = bitReversedPowersOf(bb.pow(g, 2 ** logK / pairs), Math.log2(pairs));
      const table = alloc(4 * pairs);
      k.u32(table, pairs).set(tab);
      steps.push({ table, c: bb.mul(bb.inv(s), inv2), g, logK, pairs, beta: b });
      b = e4.eMul(b, b);
      s = bb.mul(s, s);
    }
    const bufA = alloc(16 * rows * arity);
    const bufB = alloc(16 * rows * arity);
    for (let r0 = 0; r0 < rowsTotal; r0 += rows) {
      k.u32(bufA, 4 * rows * arity).set(values.subarray(4 * r0 * arity, 4 * (r0 + rows) * arity));
      let src = bufA;
      let dst = bufB;
      steps.forEach((st, si) => {
        const u0 = (r0 * arity) >> (si + 1);
        const scale = bb.mul(st.c, bb.pow(st.g, reverseBits(u0, st.logK)));
        e.fri_fold_scaled(dst, src, st.table, scale, st.pairs, st.beta[0]!, st.beta[1]!, st.beta[2]!, st.beta[3]!);
        [src, dst] = [dst, src];
      });
      out.set(k.u32(src, 4 * rows), 4 * r0);
    }
  } finally {
    for (const ptr of ptrs.reverse()) k.free(ptr);
  }
  return out;
}

/** 2^32 mod p: multiplying by it puts a canonical value in Montgomery form. */
const R_MOD_P = 4294967296 % P;

export interface DeepTermInput {
  readonly lde: Matrix;
  /** Per point: which distinct z, alpha^off and R(z). */
  readonly points: readonly { readonly zi: number; readonly alphaOff: Ext4; readonly rz: Ext4 }[];
}

/**
 * 1 / (x - z) = c(x) / m(x) for base x: m(X) = prod_k (X - z^(p^k)) (base coefficients m0..m3,
 * monic) and c(X) = m(X) / (X - z) (monic cubic, ext coefficients c0, c1, c2).
 */
export function minPolyCofactor(z: Ext4): { m: Uint32Array; c: Uint32Array } {
  const z1 = e4.ePow(z, P);
  const z2 = e4.ePow(z1, P);
  const z3 = e4.ePow(z2, P);
  const s1 = e4.eAdd(e4.eAdd(z1, z2), z3);
  const s2 = e4.eAdd(e4.eAdd(e4.eMul(z1, z2), e4.eMul(z1, z3)), e4.eMul(z2, z3));
  const s3 = e4.eMul(e4.eMul(z1, z2), z3);
  const c2 = e4.eNeg(s1), c1 = s2, c0 = e4.eNeg(s3);
  const m3 = e4.eSub(c2, z), m2 = e4.eSub(c1, e4.eMul(z, c2)), m1 = e4.eSub(c0, e4.eMul(z, c1)), m0 = e4.eNeg(e4.eMul(z, c0));
  for (const mk of [m0, m1, m2, m3]) if (!e4.isBase(mk)) throw new Error('pcs: the minimal polynomial of an opening point is not over the base field');
  const c = new Uint32Array(12);
  c.set(c0, 0);
  c.set(c1, 4);
  c.set(c2, 8);
  return { m: Uint32Array.of(m0[0]!, m1[0]!, m2[0]!, m3[0]!), c };
}

/** A pool that runs raw kernel calls over the same memory as `deepKernels()` (WasmBackend.pool). */
export interface KernelCallPool {
  readonly size: number;
  readonly kernels: unknown;
  run(calls: readonly (readonly [string, ...number[]])[]): Promise<void>;
}

/**
 * The batched DEEP quotient on a bit-reversed LDE of size n = 2^logN on shift * H_n:
 * out[i] = sum_z (sum_terms alphaOff (R(x_i) - R(z))) / (x_i - z), R(x) = sum_j alpha^j f_j(x).
 * A term opened at few points with few columns folds alpha^off into its powers (4 w products per
 * point instead of 4 w once plus 16 per point). With a pool over the same kernel memory, each
 * round of chunks is split across its workers (this thread copies rows in and results out, the
 * workers run the kernels). Throws RangeError when some z lies in the domain.
 */
export async function deepCodewordWasm(
  logN: number,
  shift: number,
  zs: readonly Ext4[],
  terms: readonly DeepTermInput[],
  alphaPows: Uint32Array,
  pool?: KernelCallPool,
): Promise<{ values: Uint32Array; free(): void } | null> {
  const kk = deepKernels();
  if (!kk) return null;
  const { k, e } = kk;
  const n = 2 ** logN;
  const nz = zs.length;
  const shiftN = bb.pow(shift, n);
  zs.forEach((z, zi) => {
    // z = shift w^i for some i iff z is in the base field and (z / shift)^n = 1
    if (e4.isBase(z) && z[0] !== 0 && bb.pow(z[0]!, n) === shiftN) throw new RangeError(`pcs: opening point ${zi} lies in the LDE domain`);
  });
  // Larger chunks with a pool: fewer round trips, each long enough to hide the message latency.
  const usable = pool && pool.size > 1 && pool.kernels === k && (pool.size & (pool.size - 1)) === 0 && n >= pool.size * POOL_CHUNK;
  const workers = usable ? pool.size : 1;
  const ch = Math.min(usable ? POOL_CHUNK : CHUNK, n);
  // x_i = shift w^rev(i); a chunk [c0, c0 + ch) is shift w^rev(c0) times the table w^((n/ch) rev_ch(t)).
  const w = bb.rootOfUnity(logN);
  const xTable = bitReversedPowersOf(bb.pow(w, n / ch), Math.log2(ch));
  const maxW = Math.max(1, ...terms.map((t) => t.lde.width));
  const toMontArr = (a: Uint32Array) => a.map((v) => bb.mul(v, R_MOD_P));
  const basePowm = toMontArr(alphaPows.subarray(0, 4 * maxW));
  // Per term: shared powers (A) or per-point shifted powers (B).
  const plans = terms.map((t) => {
    const tw = t.lde.width;
    const p = t.points.length;
    const shifted = p === 1 || tw * (p - 1) < 4 * p;
    const perPoint = shifted
      ? t.points.map((pt) => {
          const pw = new Uint32Array(4 * tw);
          for (let j = 0; j < tw; j++) pw.set(e4.eMul(pt.alphaOff, alphaPows.subarray(4 * j, 4 * j + 4)), 4 * j);
          return { powm: toMontArr(pw), rz: e4.eMul(pt.alphaOff, pt.rz) };
        })
      : null;
    return { shifted, perPoint };
  });
  const polys = zs.map(minPolyCofactor);
  const ptrs: number[] = [];
  const alloc = (bytes: number) => {
    const ptr = k.alloc(bytes);
    ptrs.push(ptr);
    return ptr;
  };
  // The codeword is written in place in kernel memory (no copy, and no fresh JS pages to fault).
  const out = k.allocMatrix(4, n, false);
  try {
    const pPow = alloc(16 * maxW);
    k.u32(pPow, 4 * maxW).set(basePowm);
    const pPowShift = plans.map((pl) => (pl.perPoint ?? []).map((pp) => {
      const ptr = alloc(pp.powm.length * 4);
      k.u32(ptr, pp.powm.length).set(pp.powm);
      return ptr;
    }));
    const pCc = polys.map((pc) => {
      const ptr = alloc(48);
      k.u32(ptr, 12).set(pc.c);
      return ptr;
    });
    const pXTable = alloc(4 * ch);
    k.u32(pXTable, ch).set(xTable);
    const bufs = Array.from({ length: workers }, () => ({
      xs: alloc(4 * ch),
      scratch: alloc(8 * ch + 64),
      acc: zs.map(() => alloc(16 * ch)),
      r: alloc(16 * ch),
      mats: terms.map((t) => alloc(4 * ch * t.lde.width)),
      out: 0,
    }));
    type KCall = readonly [string, ...number[]];
    const chunkCalls = (c0: number, b: (typeof bufs)[number]): KCall[] => {
      const calls: KCall[] = [['bb_scale', b.xs, pXTable, bb.mul(shift, bb.pow(w, reverseBits(c0, logN))), ch]];
      terms.forEach((term, ti) => {
        const tw = term.lde.width;
        const plan = plans[ti]!;
        if (plan.shifted) {
          term.points.forEach((pt, pi) => {
            const rz = plan.perPoint![pi]!.rz;
            calls.push(['ext_combine_rows_acc', b.acc[pt.zi]!, b.mats[ti]!, tw, ch, pPowShift[ti]![pi]!, rz[0]!, rz[1]!, rz[2]!, rz[3]!]);
          });
        } else {
          calls.push(['ext_combine_rows', b.r, b.mats[ti]!, tw, ch, pPow]);
          for (const pt of term.points) {
            const rz = pt.rz;
            const a = pt.alphaOff;
            calls.push(['deep_accumulate', b.acc[pt.zi]!, b.r, ch, rz[0]!, rz[1]!, rz[2]!, rz[3]!, a[0]!, a[1]!, a[2]!, a[3]!]);
          }
        }
      });
      polys.forEach((pc, zi) => {
        const m = pc.m;
        calls.push(['deep_divide_acc', b.out, b.acc[zi]!, b.xs, ch, m[0]!, m[1]!, m[2]!, m[3]!, pCc[zi]!, b.scratch]);
      });
      return calls;
    };
    const exports = e as unknown as Record<string, (...args: number[]) => number | void>;
    for (let s0 = 0; s0 < n; s0 += workers * ch) {
      const lists = bufs.map((b, wi) => {
        const c0 = s0 + wi * ch;
        b.out = out.ptr + 16 * c0;
        for (let zi = 0; zi < nz; zi++) k.u32(b.acc[zi]!, 4 * ch).fill(0);
        k.u32(b.out, 4 * ch).fill(0);
        terms.forEach((term, ti) => {
          const tw = term.lde.width;
          k.u32(b.mats[ti]!, tw * ch).set(term.lde.values.subarray(tw * c0, tw * (c0 + ch)));
        });
        return chunkCalls(c0, b);
      });
      if (usable) {
        // call i goes to worker i % size: interleave the workers' lists (all the same length)
        const step: KCall[] = [];
        for (let i = 0; i < lists[0]!.length; i++) for (const l of lists) step.push(l[i]!);
        await pool.run(step);
      } else {
        for (const [name, ...args] of lists[0]!) exports[name]!(...args);
      }
    }
  } catch (err) {
    out.free();
    throw err;
  } finally {
    for (const ptr of ptrs.reverse()) k.free(ptr);
  }
  return out;
}

/** Values of every column of `coeffs` (row i = coefficient of x^i) at z: one Ext4 per column. */
export function evaluateColumnsWasm(coeffs: Matrix, z: Ext4): Ext4[] | null {
  const kk = deepKernels();
  if (!kk) return null;
  const { k, e } = kk;
  const { width, height, values } = coeffs;
  const ch = Math.min(CHUNK, height);
  const total = new Uint32Array(4 * width);
  const zch = e4.ePow(z, ch);
  let zc = e4.one(); // z^c0
  const pPows = k.alloc(16 * ch);
  const pMat = k.alloc(4 * ch * width);
  const pAcc = k.alloc(16 * width);
  try {
    e.ext_powers(pPows, ch, z[0]!, z[1]!, z[2]!, z[3]!);
    for (let c0 = 0; c0 < height; c0 += ch) {
      const len = Math.min(ch, height - c0);
      k.u32(pAcc, 4 * width).fill(0);
      k.u32(pMat, width * len).set(values.subarray(width * c0, width * (c0 + len)));
      e.ext_dot_columns(pAcc, pMat, width, len, pPows);
      const part = k.u32(pAcc, 4 * width);
      for (let c = 0; c < width; c++) {
        const v = e4.eMul(part.subarray(4 * c, 4 * c + 4), zc);
        for (let q = 0; q < 4; q++) total[4 * c + q] = bb.add(total[4 * c + q]!, v[q]!);
      }
      zc = e4.eMul(zc, zch);
    }
  } finally {
    k.free(pAcc);
    k.free(pMat);
    k.free(pPows);
  }
  const out: Ext4[] = [];
  for (let c = 0; c < width; c++) out.push(total.slice(4 * c, 4 * c + 4));
  return out;
}
