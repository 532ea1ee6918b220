/**
 * The WASM prover backend: the `ProverBackend` transforms run by the AssemblyScript kernels
 * (prover/wasm) over a shared memory, split across a worker pool (prover/_pool.ts) when more than
 * one thread is asked for. Results equal the reference `TsBackend` exactly (tests compare them);
 * `createBackend` falls back to that reference when the kernels are not built.
 *
 * Each call copies its input matrix into kernel memory, runs the plan (prover/wasm/ntt.ts) and
 * copies the result out into a fresh array, so callers keep plain `Uint32Array` matrices. The
 * `*Shared` variants skip the copy out and return a `SharedMatrix` in kernel memory instead, for
 * work that continues in the pool's workers by pointer (quotient evaluation, hashing); the caller
 * frees it. Such a matrix passed back in as an input is read in place (no copy in); it must not
 * be freed before the call returns.
 *
 * Inputs must be canonical (every value in [0, p)), as for `TsBackend`; they are not checked
 * element by element, and a non-canonical value gives unspecified (but memory-safe) output.
 * @module
 */
import type { ProverBackend } from './backend.ts';
import type { Matrix } from './matrix.ts';
import { TsBackend } from './backend-ts.ts';
import { TWO_ADICITY } from './field/babybear.ts';
import { kernels, kernelsAvailable, type Kernels, type SharedMatrix } from './wasm/kernels.ts';
import { WasmNtt, localRunner, checkShape, checkShift, type StepRunner } from './wasm/ntt.ts';
import { WorkerPool } from './_pool.ts';

export interface BackendOptions {
  /** Threads for the transforms: 1 runs on the calling thread; default `os.availableParallelism()`. */
  readonly threads?: number;
  /** Use an existing pool (not disposed by the backend); overrides `threads`. */
  readonly pool?: WorkerPool;
}

export class WasmBackend implements ProverBackend {
  readonly name: string;
  private readonly ntt: WasmNtt;
  private readonly runner: StepRunner;
  private disposed = false;
  /** Matrices this backend left in kernel memory: read in place (by `ptr`) when passed back in. */
  private readonly own = new WeakSet<object>();

  private constructor(
    readonly kernels: Kernels,
    readonly pool: WorkerPool | undefined,
    private readonly ownsPool: boolean,
  ) {
    this.ntt = new WasmNtt(kernels);
    this.runner = pool ? pool.runner() : localRunner(kernels);
    this.name = `wasm-${pool ? pool.size : 1}t`;
  }

  /** Loads the kernels and, for more than one thread, starts (or adopts) a pool. */
  static async create(opts: BackendOptions = {}): Promise<WasmBackend> {
    if (opts.pool) return new WasmBackend(opts.pool.kernels, opts.pool, false);
    const k = kernels();
    const threads = opts.threads ?? (await import('node:os')).availableParallelism();
    if (threads <= 1) return new WasmBackend(k, undefined, false);
    return new WasmBackend(k, await WorkerPool.create({ threads, kernels: k }), true);
  }

  /** Number of threads the transforms are split over. */
  get threads(): number {
    return this.runner.parts;
  }

  async interpolate(evals: Matrix): Promise<Matrix> {
    return copyOut(await this.interpolateShared(evals));
  }

  async evaluateOnCoset(coeffs: Matrix, logBlowup: number, shift: number, bitReversed: boolean): Promise<Matrix> {
    return copyOut(await this.extend(coeffs, logBlowup, shift, bitReversed, 'evaluateOnCoset'));
  }

  async lde(evals: Matrix, logBlowup: number, shift: number, bitReversed: boolean): Promise<Matrix> {
    return copyOut(await this.extend(evals, logBlowup, shift, bitReversed, 'lde'));
  }

  /**
   * A zeroed width x height matrix in kernel memory that this backend reads in place when it is
   * passed back in (e.g. a trace built there, then committed). The caller frees it.
   */
  allocShared(width: number, height: number): SharedMatrix {
    this.check();
    const m = this.kernels.allocMatrix(width, height, true);
    this.own.add(m);
    return m;
  }

  /** `interpolate`, leaving the result in kernel memory (the caller frees it). */
  async interpolateShared(evals: Matrix): Promise<SharedMatrix> {
    this.check();
    const { width, height } = evals;
    const logN = checkShape(width, height, 'interpolate');
    checkValues(evals, 'interpolate');
    const k = this.kernels;
    const inPlace = this.own.has(evals);
    const src = inPlace ? (evals as SharedMatrix).ptr : k.put(evals.values);
    const out = k.allocMatrix(width, height, false);
    try {
      await this.ntt.interpolate(this.runner, out.ptr, src, width, logN);
      this.own.add(out);
      return out;
    } catch (e) {
      out.free();
      throw e;
    } finally {
      if (!inPlace) k.free(src);
    }
  }

  /** `evaluateOnCoset`, leaving the result in kernel memory (the caller frees it). */
  evaluateOnCosetShared(coeffs: Matrix, logBlowup: number, shift: number, bitReversed: boolean): Promise<SharedMatrix> {
    return this.extend(coeffs, logBlowup, shift, bitReversed, 'evaluateOnCoset');
  }

  /** `lde`, leaving the result in kernel memory (the caller frees it). */
  ldeShared(evals: Matrix, logBlowup: number, shift: number, bitReversed: boolean): Promise<SharedMatrix> {
    return this.extend(evals, logBlowup, shift, bitReversed, 'lde');
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.ntt.twiddles.dispose();
    if (this.ownsPool) await this.pool?.dispose();
  }

  private async extend(m: Matrix, logBlowup: number, shift: number, bitReversed: boolean, what: 'lde' | 'evaluateOnCoset'): Promise<SharedMatrix> {
    this.check();
    const { width, height } = m;
    const logN = checkShape(width, height, what);
    if (!Number.isInteger(logBlowup) || logBlowup < 0 || logN + logBlowup > TWO_ADICITY) {
      throw new RangeError(`${what}: logBlowup must be an integer with log2(height) + logBlowup <= ${TWO_ADICITY}, got ${logBlowup}`);
    }
    checkShift(shift, what);
    checkValues(m, what);
    const k = this.kernels;
    const inPlace = this.own.has(m);
    const src = inPlace ? (m as SharedMatrix).ptr : k.put(m.values);
    const out = k.allocMatrix(width, height * 2 ** logBlowup, false);
    try {
      if (what === 'lde') await this.ntt.lde(this.runner, out.ptr, src, width, logN, logBlowup, shift, bitReversed);
      else await this.ntt.evaluateOnCoset(this.runner, out.ptr, src, width, logN, logBlowup, shift, bitReversed);
      this.own.add(out);
      return out;
    } catch (e) {
      out.free();
      throw e;
    } finally {
      if (!inPlace) k.free(src);
    }
  }

  private check(): void {
    if (this.disposed) throw new Error('WasmBackend: used after dispose()');
  }
}

/** A plain copy of a shared matrix, freeing the shared one. */
function copyOut(m: SharedMatrix): Matrix {
  try {
    return { values: m.values.slice(), width: m.width, height: m.height };
  } finally {
    m.free();
  }
}

function checkValues(m: Matrix, what: string): void {
  if (!(m.values instanceof Uint32Array)) throw new TypeError(`${what}: values must be a Uint32Array`);
  if (m.values.length !== m.width * m.height) {
    throw new RangeError(`${what}: ${m.values.length} values for a ${m.height} x ${m.width} matrix`);
  }
}

/**
 * The fastest backend available: `WasmBackend` over `threads` threads (default all cores), or the
 * TypeScript reference when the kernels are not built or `wasm: false`.
 */
export async function createBackend(opts: BackendOptions & { readonly wasm?: boolean } = {}): Promise<ProverBackend> {
  if (opts.wasm === false || !kernelsAvailable()) return new TsBackend();
  return WasmBackend.create(opts);
}
