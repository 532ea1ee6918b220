/**
 * The hot loop of the LogUp aux trace (`bus.ts` `buildAuxTrace`): for rows [start, end) of a
 * table, each aux column's term `s1 m1 / d1 (+ s2 m2 / d2)` with d_k = beta - fingerprint_k.
 * Split out of bus.ts so that pool workers (`prover/_pool.ts` `runTask`) can run it over row ranges
 * of one table: everything it needs is in a plain, structured-cloneable `AuxPlan`.
 *
 * Per block of `AUX_LANES` rows: the compiled program (`air/program.ts`) evaluates every tuple
 * entry and multiplicity over the block, then per row and column
 *   - a term whose multiplicities are all zero is zero: no fingerprint, no inversion (padding rows,
 *     and rows where a gated lookup is off; most of a VM table's interactions on most rows);
 *   - a pair with one zero multiplicity is a single term: one fingerprint, den = d;
 *   - otherwise den = d1 d2 and num = s1 m1 d2 + s2 m2 d1 (or den = d, num = s m for a single);
 * and the block's dens are inverted together (Montgomery's trick, in place over flat typed arrays,
 * skipping zero terms), then term = num / den. The values are exactly those of the column
 * definition (a zero multiplicity contributes 0 whatever its fingerprint), so the aux trace does
 * not change. A den equal to zero (beta equals a fingerprint of a term with nonzero multiplicity,
 * probability ~ rows / p^4) throws, as before.
 *
 * Two implementations of the same values: `auxTermsInto` (TypeScript; pool task `auxRows`) and
 * `auxTermsWasm` (the kernel `prog_aux` of prover/wasm/assembly/program.ts, split over the pool by
 * kernel calls; what `bus.ts` uses when the kernels are built). test/prover/fast-paths.test.ts
 * checks both against the row-by-row definition.
 * @module
 */
import { P as P_ } from './field/babybear.ts';
import { mulFast, addMod, subMod } from './air/_mul.ts';
import { eInv } from './field/ext4.ts';
import { registerFile, run, type EvalInputs, type Program } from './air/program.ts';
import type { Kernels, SharedMatrix } from './wasm/kernels.ts';

// Imported bindings are read through getters under some loaders (tsx); hot loops use local copies.
const P = P_;
const mul = mulFast;
const addm = addMod;
const subm = subMod;

/** Rows per block: the register file is (registers x lanes) words, ~1-2 MB for the VM's CPU table. */
export const AUX_LANES = 512;

/** What `auxTermsInto` needs of a table, as plain typed arrays (cloneable to a worker). */
export interface AuxPlan {
  /** Compiled over roots: for each interaction its tuple entries, then its multiplicity. */
  readonly program: Program;
  /** Per interaction k: offset of its tuple's registers in `tupleReg`, its arity, mult register, sign (1 or -1), bus id. */
  readonly tupleStart: Int32Array;
  readonly arity: Int32Array;
  readonly tupleReg: Int32Array;
  readonly multReg: Int32Array;
  readonly sign: Int8Array;
  readonly busId: Uint32Array;
  /** Per aux column g: its interactions (k2 = -1 for a column of one). */
  readonly k1: Int32Array;
  readonly k2: Int32Array;
}

/** Checks every den of a block before use: a zero one is a failed (or adversarial) challenge draw. */
export class AuxZeroDenominator extends RangeError {}

/**
 * Fills ext columns 0..G-1 of rows [first, last) of `out` (row-major, `outWidth` base columns,
 * row r at (r - outBase) * outWidth) with the terms; the running-sum column is left alone.
 */
export function auxTermsInto(plan: AuxPlan, inputs: EvalInputs, first: number, last: number, out: Uint32Array, outWidth: number, outBase: number): void {
  const prog = plan.program;
  const L = AUX_LANES;
  const regs = registerFile(prog, L);
  const G = plan.k1.length;
  const ch = inputs.challenges;
  const b0 = ch[0]!, b1 = ch[1]!, b2 = ch[2]!, b3 = ch[3]!;
  // Challenges by coordinate: gc[j] = coordinate c of gamma^(j + 1).
  const maxArity = (ch.length >> 2) - 1;
  const g0 = new Uint32Array(maxArity), g1 = new Uint32Array(maxArity), g2 = new Uint32Array(maxArity), g3 = new Uint32Array(maxArity);
  for (let j = 0; j < maxArity; j++) {
    g0[j] = ch[4 * j + 4]!;
    g1[j] = ch[4 * j + 5]!;
    g2[j] = ch[4 * j + 6]!;
    g3[j] = ch[4 * j + 7]!;
  }
  const { tupleStart, arity, tupleReg, multReg, sign, busId, k1: K1, k2: K2 } = plan;
  // Per block, per (row, column) slot s = i * G + g: den and num (ext4, flat), live flag.
  const den = new Uint32Array(L * G * 4);
  const num = new Uint32Array(L * G * 4);
  const pre = new Uint32Array(L * G * 4);
  const live = new Uint8Array(L * G);
  // Fingerprint scratch (d = beta - fp) of the two interactions of a column.
  let d10 = 0, d11 = 0, d12 = 0, d13 = 0;
  const fp = (k: number, i: number): void => {
    const a = arity[k]!;
    const t0 = tupleStart[k]!;
    let f0 = busId[k]!, f1 = 0, f2 = 0, f3 = 0;
    for (let j = 0; j < a; j++) {
      const t = regs[tupleReg[t0 + j]! * L + i]!;
      if (t === 0) continue;
      f0 = addm(f0, mul(g0[j]!, t));
      f1 = addm(f1, mul(g1[j]!, t));
      f2 = addm(f2, mul(g2[j]!, t));
      f3 = addm(f3, mul(g3[j]!, t));
    }
    d10 = subm(b0, f0);
    d11 = subm(b1, f1);
    d12 = subm(b2, f2);
    d13 = subm(b3, f3);
  };
  for (let start = first; start < last; start += L) {
    const len = Math.min(L, last - start);
    run(prog, inputs, start, len, regs, L);
    // 1. dens and nums.
    for (let g = 0; g < G; g++) {
      const ka = K1[g]!, kb = K2[g]!;
      const ma = multReg[ka]! * L;
      const mb = kb >= 0 ? multReg[kb]! * L : -1;
      const sa = sign[ka]!, sb = kb >= 0 ? sign[kb]! : 1;
      for (let i = 0; i < len; i++) {
        const s = i * G + g;
        const o = 4 * s;
        let m1 = regs[ma + i]!;
        let m2 = mb >= 0 ? regs[mb + i]! : 0;
        if (m1 === 0 && m2 === 0) {
          live[s] = 0;
          continue;
        }
        live[s] = 1;
        if (m2 === 0 || m1 === 0) {
          // One term: den = d, num = s m (base).
          const k = m1 !== 0 ? ka : kb;
          const m = m1 !== 0 ? m1 : m2;
          const sg = m1 !== 0 ? sa : sb;
          fp(k, i);
          den[o] = d10;
          den[o + 1] = d11;
          den[o + 2] = d12;
          den[o + 3] = d13;
          num[o] = sg > 0 || m === 0 ? m : P - m;
          num[o + 1] = 0;
          num[o + 2] = 0;
          num[o + 3] = 0;
          continue;
        }
        if (sa < 0) m1 = P - m1;
        if (sb < 0) m2 = P - m2;
        fp(kb, i);
        const e0 = d10, e1 = d11, e2 = d12, e3 = d13;
        fp(ka, i);
        // den = d1 d2 (x^4 = 11)
        den[o] = addm(mul(d10, e0), mul(11, addm(mul(d11, e3), addm(mul(d12, e2), mul(d13, e1)))));
        den[o + 1] = addm(mul(d10, e1), addm(mul(d11, e0), mul(11, addm(mul(d12, e3), mul(d13, e2)))));
        den[o + 2] = addm(addm(mul(d10, e2), mul(d11, e1)), addm(mul(d12, e0), mul(11, mul(d13, e3))));
        den[o + 3] = addm(addm(mul(d10, e3), mul(d11, e2)), addm(mul(d12, e1), mul(d13, e0)));
        // num = s1 m1 d2 + s2 m2 d1
        num[o] = addm(mul(m1, e0), mul(m2, d10));
        num[o + 1] = addm(mul(m1, e1), mul(m2, d11));
        num[o + 2] = addm(mul(m1, e2), mul(m2, d12));
        num[o + 3] = addm(mul(m1, e3), mul(m2, d13));
      }
    }
    // 2. Batch inversion of the live dens: pre[s] = product of the live dens before s.
    const S = len * G;
    let a0 = 1, a1 = 0, a2 = 0, a3 = 0;
    for (let s = 0; s < S; s++) {
      if (!live[s]) continue;
      const o = 4 * s;
      pre[o] = a0;
      pre[o + 1] = a1;
      pre[o + 2] = a2;
      pre[o + 3] = a3;
      const x0 = den[o]!, x1 = den[o + 1]!, x2 = den[o + 2]!, x3 = den[o + 3]!;
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) throw new AuxZeroDenominator('LogUp: beta equals a fingerprint (probability ~ rows / p^4); retry with another transcript');
      const c0 = addm(mul(a0, x0), mul(11, addm(mul(a1, x3), addm(mul(a2, x2), mul(a3, x1)))));
      const c1 = addm(mul(a0, x1), addm(mul(a1, x0), mul(11, addm(mul(a2, x3), mul(a3, x2)))));
      const c2 = addm(addm(mul(a0, x2), mul(a1, x1)), addm(mul(a2, x0), mul(11, mul(a3, x3))));
      const c3 = addm(addm(mul(a0, x3), mul(a1, x2)), addm(mul(a2, x1), mul(a3, x0)));
      a0 = c0;
      a1 = c1;
      a2 = c2;
      a3 = c3;
    }
    const inv = eInv(Uint32Array.of(a0, a1, a2, a3)); // 1 / (product of all live dens)
    let v0 = inv[0]!, v1 = inv[1]!, v2 = inv[2]!, v3 = inv[3]!;
    for (let s = S - 1; s >= 0; s--) {
      const i = (s / G) | 0;
      const g = s - i * G;
      const ob = (start + i - outBase) * outWidth + 4 * g;
      if (!live[s]) {
        out[ob] = 0;
        out[ob + 1] = 0;
        out[ob + 2] = 0;
        out[ob + 3] = 0;
        continue;
      }
      const o = 4 * s;
      const p0 = pre[o]!, p1 = pre[o + 1]!, p2 = pre[o + 2]!, p3 = pre[o + 3]!;
      // 1/den_s = v * pre_s
      const y0 = addm(mul(v0, p0), mul(11, addm(mul(v1, p3), addm(mul(v2, p2), mul(v3, p1)))));
      const y1 = addm(mul(v0, p1), addm(mul(v1, p0), mul(11, addm(mul(v2, p3), mul(v3, p2)))));
      const y2 = addm(addm(mul(v0, p2), mul(v1, p1)), addm(mul(v2, p0), mul(11, mul(v3, p3))));
      const y3 = addm(addm(mul(v0, p3), mul(v1, p2)), addm(mul(v2, p1), mul(v3, p0)));
      // v <- v * den_s: 1 / (product of the live dens before s)
      const x0 = den[o]!, x1 = den[o + 1]!, x2 = den[o + 2]!, x3 = den[o + 3]!;
      const w0 = addm(mul(v0, x0), mul(11, addm(mul(v1, x3), addm(mul(v2, x2), mul(v3, x1)))));
      const w1 = addm(mul(v0, x1), addm(mul(v1, x0), mul(11, addm(mul(v2, x3), mul(v3, x2)))));
      const w2 = addm(addm(mul(v0, x2), mul(v1, x1)), addm(mul(v2, x0), mul(11, mul(v3, x3))));
      const w3 = addm(addm(mul(v0, x3), mul(v1, x2)), addm(mul(v2, x1), mul(v3, x0)));
      v0 = w0;
      v1 = w1;
      v2 = w2;
      v3 = w3;
      // term = num / den
      const n0 = num[o]!, n1 = num[o + 1]!, n2 = num[o + 2]!, n3 = num[o + 3]!;
      if (n1 === 0 && n2 === 0 && n3 === 0) {
        out[ob] = mul(n0, y0);
        out[ob + 1] = mul(n0, y1);
        out[ob + 2] = mul(n0, y2);
        out[ob + 3] = mul(n0, y3);
      } else {
        out[ob] = addm(mul(n0, y0), mul(11, addm(mul(n1, y3), addm(mul(n2, y2), mul(n3, y1)))));
        out[ob + 1] = addm(mul(n0, y1), addm(mul(n1, y0), mul(11, addm(mul(n2, y3), mul(n3, y2)))));
        out[ob + 2] = addm(addm(mul(n0, y2), mul(n1, y1)), addm(mul(n2, y0), mul(11, mul(n3, y3))));
        out[ob + 3] = addm(addm(mul(n0, y3), mul(n1, y2)), addm(mul(n2, y1), mul(n3, y0)));
      }
    }
  }
}


/** Pool task (`prover/_pool.ts` `runTask`): the terms of rows [start, end) into a shared `out`. */
export interface AuxTask {
  readonly plan: AuxPlan;
  readonly inputs: EvalInputs;
  readonly start: number;
  readonly end: number;
  readonly out: Uint32Array;
  readonly outWidth: number;
}

export function auxRows(_ctx: unknown, t: AuxTask): number {
  auxTermsInto(t.plan, t.inputs, t.start, t.end, t.out, t.outWidth, 0);
  return t.end - t.start;
}

/** Runs kernel calls on a pool's workers (`WorkerPool.run`: call i on worker i). */
export interface AuxKernelRunner {
  readonly size: number;
  run(calls: readonly (readonly [string, ...number[]])[]): Promise<void>;
}

/** Rows per block of the WASM kernel. */
const WASM_LANES = 256;
/** Calls per worker for one table (see `auxTermsWasm`). */
const CALLS_PER_WORKER = 8;

/** True when the kernels have `prog_aux` and the table is tall enough for its blocks. */
export function wasmAuxUsable(k: Kernels | undefined, height: number): k is Kernels {
  return k !== undefined && typeof (k.exports as unknown as Record<string, unknown>).prog_aux === 'function' && height >= 4 * WASM_LANES;
}

/**
 * The terms of every row on the WASM kernels (`prover/wasm/assembly/program.ts` `prog_aux`: the
 * same values as `auxTermsInto`, ext4 arithmetic one element per v128), split by row ranges over
 * `runner`'s workers, into ext columns 0..G-1 of a fresh (n x outWidth) array, or of `outMatrix`
 * (in this kernel memory, n x outWidth) whose values are then returned.
 */
export async function auxTermsWasm(k: Kernels, plan: AuxPlan, inputs: EvalInputs, outWidth: number, runner: AuxKernelRunner | undefined, outMatrix?: SharedMatrix): Promise<Uint32Array> {
  const n = inputs.height;
  const G = plan.k1.length;
  const K = plan.arity.length;
  const owned: number[] = [];
  const put = (a: Uint32Array | undefined): number => {
    if (!a || a.length === 0) return 0;
    const p = k.put(a);
    owned.push(p);
    return p;
  };
  try {
    const prog = plan.program;
    const nch = inputs.challenges.length >> 2;
    const ctx = Uint32Array.of(
      put(inputs.main), inputs.mainWidth,
      put(inputs.pre), inputs.preWidth ?? 0,
      0, 0,
      n, inputs.nextStride,
      put(inputs.isFirstRow), put(inputs.isLastRow), put(inputs.isTransition),
      put(inputs.publics), put(inputs.challenges), put(inputs.busSum),
      0, 0, 0, 0, 0, 0,
      nch, 0,
    );
    const its = new Uint32Array(5 * K);
    for (let j = 0; j < K; j++) {
      its[5 * j] = plan.tupleStart[j]!;
      its[5 * j + 1] = plan.arity[j]!;
      its[5 * j + 2] = plan.multReg[j]!;
      its[5 * j + 3] = plan.sign[j]! > 0 ? 1 : 0;
      its[5 * j + 4] = plan.busId[j]!;
    }
    const groups = new Uint32Array(2 * G);
    for (let g = 0; g < G; g++) {
      groups[2 * g] = plan.k1[g]!;
      groups[2 * g + 1] = plan.k2[g]! < 0 ? 0xffffffff : plan.k2[g]!;
    }
    const ctxPtr = put(ctx);
    const code = put(new Uint32Array(prog.code.buffer, prog.code.byteOffset, prog.code.length));
    const itsPtr = put(its);
    const tupPtr = put(Uint32Array.from(plan.tupleReg));
    const grpPtr = put(groups);
    let out: number;
    if (outMatrix) out = outMatrix.ptr;
    else {
      out = k.alloc(n * outWidth * 4);
      owned.push(out);
    }
    const parts = runner && runner.size > 1 ? runner.size : 1;
    // Several calls per worker (call c runs on worker c % parts, in order, so those share a
    // register file): V8 runs a wasm function's first call in its baseline tier to the end, and
    // the optimized code is ready for the later ones.
    const step = Math.max(WASM_LANES, Math.ceil(n / (parts * CALLS_PER_WORKER) / WASM_LANES) * WASM_LANES);
    const calls: [string, ...number[]][] = [];
    const statuses: number[] = [];
    const perWorker: [number, number, number][] = [];
    for (let w = 0; w < parts; w++) {
      const regs = k.alloc(Math.max(prog.registers, 1) * WASM_LANES * 4);
      const scratch = k.alloc(49 * G * WASM_LANES + 16 * (nch + 2));
      const status = k.alloc(4);
      k.u32(status, 1)[0] = 0;
      owned.push(regs, scratch, status);
      statuses.push(status);
      perWorker.push([regs, scratch, status]);
    }
    for (let a = 0, c = 0; a < n; a += step, c++) {
      const [regs, scratch, status] = perWorker[c % parts]!;
      calls.push(['prog_aux', code, prog.code.length / 4, regs, WASM_LANES, ctxPtr, a, Math.min(n, a + step), out, outWidth, 0, itsPtr, tupPtr, grpPtr, G, scratch, status]);
    }
    if (parts > 1) await runner!.run(calls);
    else {
      const f = (k.exports as unknown as Record<string, (...args: number[]) => void>).prog_aux!;
      for (const [, ...args] of calls) f(...args);
    }
    for (const s of statuses) if (k.u32(s, 1)[0] !== 0) throw new AuxZeroDenominator('LogUp: beta equals a fingerprint (probability ~ rows / p^4); retry with another transcript');
    return outMatrix ? outMatrix.values : k.u32(out, n * outWidth).slice();
  } finally {
    for (const p of owned) k.free(p);
  }
}
