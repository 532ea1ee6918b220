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
import type { Ext4 } from '../field/ext4.ts';
import type { Matrix } from '../matrix.ts';
import { kernels, kernelsAvailable, type Kernels } from '../wasm/kernels.ts';

interface DeepExports {
  fri_fold(out: number, inp: number, invx2: number, n: number, b0: number, b1: number, b2: number, b3: number): void;
  ext_combine_rows(out: number, mat: number, width: number, rows: number, powm: number): void;
  deep_accumulate(acc: number, r: number, n: number, rz0: number, rz1: number, rz2: number, rz3: number, k0: number, k1: number, k2: number, k3: number): void;
  deep_combine(out: number, a: number, b: number, n: number): void;
  deep_inverse_den(out: number, xs: number, n: number, z0: number, z1: number, z2: number, z3: number, prefix: number): number;
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
    if (typeof e.fri_fold === 'function' && typeof e.deep_inverse_den === 'function') cached = { k, e };
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

/** One binary fold of `values` (2n ext values) with inverse points `invX2` (n of them). */
export function foldStepWasm(values: Uint32Array, invX2: Uint32Array, beta: Ext4): Uint32Array | null {
  const kk = deepKernels();
  if (!kk) return null;
  const { k, e } = kk;
  const n = invX2.length;
  const out = new Uint32Array(4 * n);
  const ch = Math.min(CHUNK, n);
  const pIn = k.alloc(32 * ch);
  const pIx = k.alloc(4 * ch);
  const pOut = k.alloc(16 * ch);
  try {
    for (let u0 = 0; u0 < n; u0 += ch) {
      const len = Math.min(ch, n - u0);
      k.u32(pIn, 8 * len).set(values.subarray(8 * u0, 8 * (u0 + len)));
      k.u32(pIx, len).set(invX2.subarray(u0, u0 + len));
      e.fri_fold(pOut, pIn, pIx, len, beta[0]!, beta[1]!, beta[2]!, beta[3]!);
      out.set(k.u32(pOut, 4 * len), 4 * u0);
    }
  } finally {
    k.free(pOut);
    k.free(pIx);
    k.free(pIn);
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
 * The batched DEEP quotient on a bit-reversed LDE of size n with points `xs` (base, length n):
 * out[i] = sum_z (sum_terms alphaOff (R(x_i) - R(z))) / (x_i - z), R(x) = sum_j alpha^j f_j(x).
 * Throws RangeError when some z lies in the domain.
 */
export function deepCodewordWasm(xs: Uint32Array, zs: readonly Ext4[], terms: readonly DeepTermInput[], alphaPows: Uint32Array): Uint32Array | null {
  const kk = deepKernels();
  if (!kk) return null;
  const { k, e } = kk;
  const n = xs.length;
  const nz = zs.length;
  const ch = Math.min(CHUNK, n);
  const maxW = Math.max(1, ...terms.map((t) => t.lde.width));
  const powm = new Uint32Array(4 * maxW);
  for (let i = 0; i < powm.length; i++) powm[i] = bb.mul(alphaPows[i] ?? 0, R_MOD_P);
  const ptrs: number[] = [];
  const alloc = (bytes: number) => {
    const p = k.alloc(bytes);
    ptrs.push(p);
    return p;
  };
  const out = new Uint32Array(4 * n);
  try {
    const pPow = alloc(16 * maxW);
    const pXs = alloc(4 * ch);
    const pPrefix = alloc(16 * ch + 64);
    const pInv = zs.map(() => alloc(16 * ch));
    const pAcc = zs.map(() => alloc(16 * ch));
    const pR = alloc(16 * ch);
    const pMat = alloc(4 * ch * maxW);
    const pOut = alloc(16 * ch);
    k.u32(pPow, 4 * maxW).set(powm);
    for (let c0 = 0; c0 < n; c0 += ch) {
      const len = Math.min(ch, n - c0);
      k.u32(pXs, len).set(xs.subarray(c0, c0 + len));
      for (let zi = 0; zi < nz; zi++) {
        const z = zs[zi]!;
        const bad = e.deep_inverse_den(pInv[zi]!, pXs, len, z[0]!, z[1]!, z[2]!, z[3]!, pPrefix);
        if (bad !== 0) throw new RangeError(`pcs: opening point ${zi} lies in the LDE domain (index ${c0 + bad - 1})`);
        k.u32(pAcc[zi]!, 4 * len).fill(0);
      }
      for (const term of terms) {
        const w = term.lde.width;
        k.u32(pMat, w * len).set(term.lde.values.subarray(w * c0, w * (c0 + len)));
        e.ext_combine_rows(pR, pMat, w, len, pPow);
        for (const pt of term.points) {
          const rz = pt.rz;
          const a = pt.alphaOff;
          e.deep_accumulate(pAcc[pt.zi]!, pR, len, rz[0]!, rz[1]!, rz[2]!, rz[3]!, a[0]!, a[1]!, a[2]!, a[3]!);
        }
      }
      k.u32(pOut, 4 * len).fill(0);
      for (let zi = 0; zi < nz; zi++) e.deep_combine(pOut, pAcc[zi]!, pInv[zi]!, len);
      out.set(k.u32(pOut, 4 * len), 4 * c0);
    }
  } finally {
    for (const p of ptrs.reverse()) k.free(p);
  }
  return out;
}
