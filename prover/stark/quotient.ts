/**
 * The prover's quotient: evaluate a table's constraints over the quotient domain, combine them with
 * powers of alpha, divide by the vanishing polynomial of the trace domain, and split the result
 * into chunks of degree < n.
 *
 * Quotient domain: the coset s * K with s = GENERATOR and |K| = n 2^logQ >= (D - 1) n, where D is the
 * max constraint degree; s is a generator of the whole multiplicative group, so s K never meets
 * H_n and Z_H(x) = x^n - 1 is nonzero there (it takes only 2^logQ distinct values). The selectors are
 * the normalized Lagrange polynomials, as in `air/ood.ts`:
 *   isFirstRow(x) = Z_H(x) / (n (x - 1)),  isLastRow(x) = Z_H(x) w^-1 / (n (x - w^-1)).
 * Chunks: with q(x) = sum_j c_j x^j (degree < Q n) and q_i(x) = sum_{j<n} c_{i n + j} x^j,
 * q(x) = sum_i x^{i n} q_i(x); each q_i is committed by its evaluations on H_n, as 4 base columns.
 * Evaluation: `quotientValuesParallel` runs the compiled program on the WASM kernels when they are
 * built (`_quotient-wasm.ts`, split over the pool by kernel calls), else this file's TypeScript
 * interpreter (over the pool's workers for wide tables); both give the same values.
 * @module
 */
import { P as P_, GENERATOR, inv, pow, rootOfUnity, sub as sub_ } from '../field/babybear.ts';
import { mulFast, addMod } from '../air/_mul.ts';
import type { ProverBackend } from '../backend.ts';
import type { Matrix } from '../matrix.ts';
import type { ConstraintSystem } from '../air/builder.ts';
import { compile, registerFile, run, type EvalInputs, type Program } from '../air/program.ts';
import type { Kernels } from '../wasm/kernels.ts';
import { quotientValuesWasm, wasmQuotientUsable, type KernelCallRunner, type KernelPointers } from './_quotient-wasm.ts';

// Imported bindings are read through getters under some loaders (tsx); hot loops use local copies.
const P = P_;
const sub = sub_;
const mul = mulFast;
const addm = addMod;

export const QUOTIENT_SHIFT = GENERATOR;

/** Montgomery's batch inversion with the fast product (no zero allowed: callers pass nonzero values). */
function batchInverse(values: Uint32Array): Uint32Array {
  const n = values.length;
  const out = new Uint32Array(n);
  let acc = 1;
  for (let i = 0; i < n; i++) {
    out[i] = acc;
    acc = mul(acc, values[i]!);
  }
  let invAcc = inv(acc);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = mul(invAcc, out[i]!);
    invAcc = mul(invAcc, values[i]!);
  }
  return out;
}

/** log2 of the quotient domain's size over the trace domain's: ceil(log2(chunks)). */
export function logQuotientBlowup(chunks: number): number {
  let l = 0;
  while (1 << l < chunks) l++;
  return l;
}

/** The three selectors on the quotient domain (natural order) and 1/Z_H per coset class. */
export interface DomainSelectors {
  readonly isFirstRow: Uint32Array;
  readonly isLastRow: Uint32Array;
  readonly isTransition: Uint32Array;
  readonly invZ: Uint32Array;
}

/** A few recent domains' selectors: tables of equal height (and repeated proofs) share them. Read-only. */
const selectorCache = new Map<string, DomainSelectors>();
const SELECTOR_CACHE_SIZE = 4;

export function domainSelectors(logN: number, logQ: number): DomainSelectors {
  const key = `${logN},${logQ}`;
  const hit = selectorCache.get(key);
  if (hit) return hit;
  const sel = computeSelectors(logN, logQ);
  if (selectorCache.size >= SELECTOR_CACHE_SIZE) selectorCache.delete(selectorCache.keys().next().value!);
  selectorCache.set(key, sel);
  return sel;
}

function computeSelectors(logN: number, logQ: number): DomainSelectors {
  const n = 2 ** logN;
  const N = n << logQ;
  const omega = rootOfUnity(logN + logQ);
  const wInv = inv(rootOfUnity(logN));
  const nInv = inv(n % P);
  // x_i^n = s^n * omega^(i n): period 2^logQ.
  const period = 1 << logQ;
  const sn = pow(QUOTIENT_SHIFT, n);
  const omegaN = pow(omega, n);
  const z = new Uint32Array(period);
  let t = sn;
  for (let j = 0; j < period; j++) {
    z[j] = sub(t, 1);
    t = mul(t, omegaN);
  }
  const invZ = batchInverse(z);
  const dens = new Uint32Array(2 * N);
  let x = QUOTIENT_SHIFT;
  for (let i = 0; i < N; i++) {
    dens[i] = sub(x, 1);
    dens[N + i] = sub(x, wInv);
    x = mul(x, omega);
  }
  const invs = batchInverse(dens);
  const isFirstRow = new Uint32Array(N);
  const isLastRow = new Uint32Array(N);
  const isTransition = new Uint32Array(N);
  const lastScale = mul(nInv, wInv);
  for (let i = 0; i < N; i++) {
    const zi = z[i & (period - 1)]!;
    isFirstRow[i] = mul(mul(zi, nInv), invs[i]!);
    const l = mul(mul(zi, lastScale), invs[N + i]!);
    isLastRow[i] = l;
    isTransition[i] = sub(1, l);
  }
  return { isFirstRow, isLastRow, isTransition, invZ };
}

const LANES = 512;

/**
 * Values of the combined quotient sum_k alpha^k C_k(x) / Z_H(x) on the quotient domain, row-major
 * ext4 (width 4). `inputs` hold the LDE on that domain (nextStride = 2^logQ) and its selectors.
 * `alphaPowers` is flat ext4, one per constraint, in constraint order.
 */
export function quotientValues(sys: ConstraintSystem, inputs: EvalInputs, invZ: Uint32Array, alphaPowers: Uint32Array, rows: { start: number; end: number } = { start: 0, end: inputs.height }): Uint32Array {
  const prog = compile(sys.dag, sys.constraints.map((c) => c.id));
  const out = new Uint32Array((rows.end - rows.start) * 4);
  quotientRowsInto(prog, inputs, invZ, alphaPowers, rows.start, rows.end, out, rows.start);
  return out;
}

/** A pool that can run a task module over shared memory (`prover/_pool.ts`'s WorkerPool). */
export interface TaskPool {
  readonly size: number;
  runTask<A, R>(moduleUrl: string | URL, exportName: string, args: readonly A[]): Promise<R[]>;
}

function shared(a: Uint32Array): Uint32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Uint32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/**
 * Work (rows x (ops + constraints)) below which splitting costs more than it saves. Measured on
 * the Fibonacci AIR at 2^20 rows (about 2^24 units): serial 250-310 ms, two workers 217-225 ms
 * warm but +500 ms for the workers' first TypeScript load and ~20 MB of copies into shared
 * memory, so small programs stay on this thread; wide tables (VM, precompiles) get the split.
 */
const PARALLEL_MIN_WORK = 1 << 25;

/**
 * `quotientValues` split by row ranges across the pool's workers (inputs copied once into
 * SharedArrayBuffers, results written in place); the same values as the single-thread path.
 */
export async function quotientValuesParallel(sys: ConstraintSystem, inputs: EvalInputs, invZ: Uint32Array, alphaPowers: Uint32Array, pool: TaskPool | undefined, forceParallel = false, kernels?: Kernels, inKernel?: KernelPointers): Promise<Uint32Array> {
  const n = inputs.height;
  const program = compile(sys.dag, sys.constraints.map((c) => c.id));
  // The WASM interpreter when the kernels have it (same values; TZKVM_QUOTIENT_TS=1 forces this file's).
  const k = kernels ?? (pool as { readonly kernels?: Kernels } | undefined)?.kernels;
  if (wasmQuotientUsable(k, n) && process.env.TZKVM_QUOTIENT_TS !== '1') {
    const runner = pool && typeof (pool as Partial<KernelCallRunner>).run === 'function' ? (pool as TaskPool & KernelCallRunner) : undefined;
    return quotientValuesWasm(k, program, inputs, invZ, alphaPowers, runner, inKernel);
  }
  const work = n * (program.code.length / 4 + program.rootReg.length);
  if (!pool || pool.size < 2 || (work < PARALLEL_MIN_WORK && !forceParallel)) return quotientValues(sys, inputs, invZ, alphaPowers);
  const sh: EvalInputs = {
    ...inputs,
    main: shared(inputs.main),
    pre: inputs.pre && shared(inputs.pre),
    aux: inputs.aux && shared(inputs.aux),
    isFirstRow: shared(inputs.isFirstRow),
    isLastRow: shared(inputs.isLastRow),
    isTransition: shared(inputs.isTransition),
  };
  const out = new Uint32Array(new SharedArrayBuffer(n * 16));
  const parts = pool.size;
  const step = Math.ceil(n / parts / LANES) * LANES;
  const args = [];
  for (let a = 0; a < n; a += step) args.push({ program, inputs: sh, invZ, alphaPowers, start: a, end: Math.min(n, a + step), out });
  await pool.runTask(new URL('./_quotient-task.ts', import.meta.url), 'quotientRows', args);
  return out;
}

/** The quotient of rows [start, end) into out[(row - outBase) * 4 ..]. */
export function quotientRowsInto(prog: Program, inputs: EvalInputs, invZ: Uint32Array, alphaPowers: Uint32Array, first: number, last: number, out: Uint32Array, outBase: number): void {
  const regs = registerFile(prog, LANES);
  const period = invZ.length;
  const K = prog.rootReg.length;
  const L = LANES;
  const acc = new Uint32Array(4 * L);
  const extRoot = prog.rootIsExt;
  const rootReg = prog.rootReg;
  for (let start = first; start < last; start += L) {
    const len = Math.min(L, last - start);
    run(prog, inputs, start, len, regs, L);
    acc.fill(0);
    for (let k = 0; k < K; k++) {
      const src = rootReg[k]! * L;
      const a0 = alphaPowers[4 * k]!, a1 = alphaPowers[4 * k + 1]!, a2 = alphaPowers[4 * k + 2]!, a3 = alphaPowers[4 * k + 3]!;
      if (extRoot[k]) {
        for (let i = 0; i < len; i++) {
          const b0 = regs[src + i]!, b1 = regs[src + L + i]!, b2 = regs[src + 2 * L + i]!, b3 = regs[src + 3 * L + i]!;
          acc[i] = addm(acc[i]!, addm(mul(a0, b0), mul(11, addm(addm(mul(a1, b3), mul(a2, b2)), mul(a3, b1)))));
          acc[L + i] = addm(acc[L + i]!, addm(addm(mul(a0, b1), mul(a1, b0)), mul(11, addm(mul(a2, b3), mul(a3, b2)))));
          acc[2 * L + i] = addm(acc[2 * L + i]!, addm(addm(mul(a0, b2), mul(a1, b1)), addm(mul(a2, b0), mul(11, mul(a3, b3)))));
          acc[3 * L + i] = addm(acc[3 * L + i]!, addm(addm(mul(a0, b3), mul(a1, b2)), addm(mul(a2, b1), mul(a3, b0))));
        }
      } else {
        for (let i = 0; i < len; i++) {
          const c = regs[src + i]!;
          acc[i] = addm(acc[i]!, mul(c, a0));
          acc[L + i] = addm(acc[L + i]!, mul(c, a1));
          acc[2 * L + i] = addm(acc[2 * L + i]!, mul(c, a2));
          acc[3 * L + i] = addm(acc[3 * L + i]!, mul(c, a3));
        }
      }
    }
    for (let i = 0; i < len; i++) {
      const zi = invZ[(start + i) & (period - 1)]!;
      const o = (start + i - outBase) * 4;
      out[o] = mul(acc[i]!, zi);
      out[o + 1] = mul(acc[L + i]!, zi);
      out[o + 2] = mul(acc[2 * L + i]!, zi);
      out[o + 3] = mul(acc[3 * L + i]!, zi);
    }
  }
}

/**
 * Splits quotient values on s K (row-major ext4, natural order, |K| = n 2^logQ) into `chunks`
 * polynomials of degree < n and returns their evaluations on H_n: a matrix of height n and width
 * 4 chunks (chunk i, coordinate c in column 4 i + c). With `strict`, throws if q has degree >=
 * chunks * n (which means the trace does not satisfy the constraints).
 */
export async function splitQuotient(backend: ProverBackend, values: Uint32Array, logN: number, logQ: number, chunks: number, strict: boolean): Promise<Matrix> {
  const n = 2 ** logN;
  const N = n << logQ;
  const coeffs = await backend.interpolate({ values, width: 4, height: N });
  // coeffs are those of q(s y); unscale coefficient j by s^-j.
  const sInv = inv(QUOTIENT_SHIFT);
  const c = coeffs.values;
  let f = 1;
  for (let j = 0; j < N; j++) {
    const o = 4 * j;
    c[o] = mul(c[o]!, f);
    c[o + 1] = mul(c[o + 1]!, f);
    c[o + 2] = mul(c[o + 2]!, f);
    c[o + 3] = mul(c[o + 3]!, f);
    f = mul(f, sInv);
  }
  if (strict) {
    for (let j = chunks * n * 4; j < 4 * N; j++) {
      if (c[j] !== 0) throw new RangeError(`quotient has degree >= ${chunks} n: the trace does not satisfy the constraints`);
    }
  }
  const w = 4 * chunks;
  const m = new Uint32Array(n * w);
  for (let i = 0; i < chunks; i++) {
    for (let j = 0; j < n; j++) {
      const src = 4 * (i * n + j);
      const dst = j * w + 4 * i;
      m[dst] = c[src]!;
      m[dst + 1] = c[src + 1]!;
      m[dst + 2] = c[src + 2]!;
      m[dst + 3] = c[src + 3]!;
    }
  }
  return backend.evaluateOnCoset({ values: m, width: w, height: n }, 0, 1, false);
}
