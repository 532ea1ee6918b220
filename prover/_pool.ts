/**
 * A worker_threads pool over the WASM kernels' shared memory: every worker instantiates the same
 * compiled kernel module over the same `WebAssembly.Memory`, so a job is split by pointer ranges
 * and nothing is copied.
 *
 * Two kinds of jobs:
 * - `run(calls)`: kernel calls `[exportName, ...numbers]` (one step of a plan, see
 *   prover/wasm/ntt.ts); call i goes to worker i % size and the promise settles when all are done.
 * - `runTask(moduleUrl, exportName, args)`: worker i imports a TypeScript (or JS) module and calls
 *   `exportName(ctx, args[i])`, where `ctx.kernels` is that worker's kernel instance over the shared
 *   memory; results come back structured-cloned. Use this for work that is not one kernel call,
 *   e.g. "hash rows [a, b)" or "evaluate this constraint program over rows [a, b)".
 *
 * Usage:
 * ```ts
 * const pool = await WorkerPool.create();          // one worker per core; pool.kernels owns the memory
 * const m = pool.kernels.shareMatrix(lde);         // or WasmBackend.ldeShared(...)
 * await pool.run([['ntt_dif', ...], ['ntt_dif', ...]]);   // one call per worker, then a barrier
 * // my-task.ts: export function evalRows(ctx: TaskContext, a: { ptr: number; from: number; to: number }) {...}
 * const parts = await pool.runTask(new URL('./my-task.ts', import.meta.url), 'evalRows', [{ ... }, { ... }]);
 * ```
 * A worker is a few lines of JavaScript that instantiate the kernels, so it starts in
 * milliseconds; its first task loads TypeScript through tsx's ESM API (Node 20 does not pass
 * `--import tsx` loaders to workers) and the `Kernels` wrapper. Idle workers are unref'd, so the
 * pool never keeps the process alive; a failing call or task rejects with the worker index, the
 * job and the original message; a worker that dies rejects its jobs with its exit code.
 * `dispose()` terminates the workers.
 * @module
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { type Kernels, kernels, kernelModule } from './wasm/kernels.ts';
import type { Call, Step, StepRunner } from './wasm/ntt.ts';

/** What a task function receives in the worker. */
export interface TaskContext {
  /** This worker's kernel instance over the pool's shared memory (cannot allocate). */
  readonly kernels: Kernels;
  readonly memory: WebAssembly.Memory;
  readonly workerIndex: number;
}

/** A task module's exported function: `(ctx, arg) => result`; result must be structured-cloneable. */
export type TaskFn<A, R> = (ctx: TaskContext, arg: A) => R | Promise<R>;

export interface PoolOptions {
  /** Worker count; default `os.availableParallelism()`. */
  readonly threads?: number;
  /** Kernels whose memory the workers share; default this thread's `kernels()`. */
  readonly kernels?: Kernels;
}

/** A job failed in a worker, or a worker died. */
export class PoolError extends Error {
  override readonly name = 'PoolError';
}

interface WorkerInit {
  readonly index: number;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** tsx's ESM registration API and the kernels loader, imported by a worker's first task. */
  readonly tsxApi: string;
  readonly kernelsUrl: string;
}

type Request =
  | { readonly id: number; readonly type: 'calls'; readonly calls: readonly Call[] }
  | { readonly id: number; readonly type: 'task'; readonly url: string; readonly name: string; readonly arg: unknown };

/** id -1: the worker is ready; otherwise the reply to request `id`. */
interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly message?: string;
  readonly stack?: string;
}

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly what: string;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  dead: Error | undefined;

  constructor(readonly index: number, readonly worker: Worker) {}

  send(req: Request, what: string): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(req.id, { resolve, reject, what });
      this.worker.postMessage(req);
    });
  }

  settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    return p;
  }

  fail(err: Error): void {
    this.dead ??= err;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new PoolError(`pool worker ${this.index}: ${p.what}: ${err.message}`));
    }
    this.worker.unref();
  }
}

/** Path of tsx's ESM registration API, resolved from this package. */
function tsxApiUrl(): string {
  const req = createRequire(import.meta.url);
  return pathToFileURL(join(dirname(req.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
}

export class WorkerPool {
  private nextId = 0;
  private disposed = false;

  private constructor(
    private readonly workers: PoolWorker[],
    readonly kernels: Kernels,
  ) {}

  /** Starts the workers and waits until each has instantiated the kernels. */
  static async create(opts: PoolOptions = {}): Promise<WorkerPool> {
    const threads = opts.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`WorkerPool: threads must be an integer in [1, 256], got ${threads}`);
    const k = opts.kernels ?? kernels();
    const module = kernelModule();
    const tsxApi = tsxApiUrl();
    const kernelsUrl = new URL('./wasm/kernels.ts', import.meta.url).href;
    const workers: PoolWorker[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < threads; i++) {
      const init: WorkerInit = { index: i, module, memory: k.memory, tsxApi, kernelsUrl };
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: init });
      const pw = new PoolWorker(i, w);
      workers.push(pw);
      ready.push(
        new Promise<void>((resolve, reject) => {
          w.on('message', (msg: Reply) => {
            if (msg.id === -1) return resolve();
            const p = pw.settle(msg.id);
            if (!p) return;
            if (msg.ok) p.resolve(msg.result);
            else {
              const err = new PoolError(`pool worker ${i}: ${p.what}: ${msg.message ?? 'unknown error'}`);
              if (msg.stack) err.stack = `${err.name}: ${err.message}\n    in worker:\n${msg.stack}`;
              p.reject(err);
            }
          });
          w.on('error', (e: Error) => {
            pw.fail(e);
            reject(new PoolError(`pool worker ${i} crashed: ${e.message}`));
          });
          w.on('exit', (code) => {
            pw.fail(new PoolError(`exited with code ${code}`));
            reject(new PoolError(`pool worker ${i} exited with code ${code} before it was ready`));
          });
        }),
      );
    }
    const pool = new WorkerPool(workers, k);
    try {
      await Promise.all(ready);
      // Referenced only while a job is pending from here on.
      for (const w of workers) if (w.pending.size === 0) w.worker.unref();
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs kernel calls across the workers (call i on worker i % size) and waits for all. */
  async run(calls: Step): Promise<void> {
    this.check();
    const perWorker: Call[][] = this.workers.map(() => []);
    calls.forEach((c, i) => perWorker[i % this.workers.length]!.push(c));
    await Promise.all(
      perWorker.map((cs, i) => {
        if (cs.length === 0) return undefined;
        const what = cs.length === 1 ? `kernel ${cs[0]![0]}` : `kernels ${[...new Set(cs.map((c) => c[0]))].join(', ')}`;
        return this.workers[i]!.send({ id: this.nextId++, type: 'calls', calls: cs }, what);
      }),
    );
  }

  /**
   * Runs `exportName` of the module at `moduleUrl` in worker i with `args[i]` (args.length at most
   * `size`), and resolves to the results in order.
   */
  async runTask<A, R>(moduleUrl: string | URL, exportName: string, args: readonly A[]): Promise<R[]> {
    this.check();
    if (args.length > this.workers.length) throw new RangeError(`runTask: ${args.length} arguments for ${this.workers.length} workers`);
    const url = String(moduleUrl);
    return (await Promise.all(
      args.map((arg, i) =>
        this.workers[i]!.send({ id: this.nextId++, type: 'task', url, name: exportName, arg }, `task ${exportName} of ${url}`),
      ),
    )) as R[];
  }

  /** A step runner over this pool for plans (parts = the largest power of two <= size). */
  runner(): StepRunner {
    let parts = 1;
    while (parts * 2 <= this.workers.length) parts *= 2;
    return { parts, run: (step: Step) => this.run(step) };
  }

  /** Terminates every worker; pending jobs reject. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.workers) w.fail(new PoolError('the pool was disposed'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private check(): void {
    if (this.disposed) throw new PoolError('the pool was disposed');
  }
}

// ---- worker side ----

/**
 * The worker program, plain JavaScript so that a worker starts in milliseconds: kernel calls need
 * nothing else. tsx and the TypeScript `Kernels` class are loaded on the first task only.
 */
const WORKER_SOURCE = `
// Valid as a CommonJS or an ES module script (a worker inherits --input-type from its parent).
import('node:worker_threads').then(({ parentPort, workerData }) => {
  const { module, memory, index, tsxApi, kernelsUrl } = workerData;
  const abort = (_m, _f, line, col) => { throw new Error('kernel abort at ' + line + ':' + col); };
  const ex = new WebAssembly.Instance(module, { env: { memory, abort } }).exports;
  let ctx;
  const context = () => (ctx ??= (async () => {
    (await import(tsxApi)).register();
    const { Kernels } = await import(kernelsUrl);
    return { kernels: new Kernels(module, memory, false), memory, workerIndex: index };
  })());
  parentPort.on('message', async (req) => {
    try {
      if (req.type === 'calls') {
        for (const [name, ...args] of req.calls) {
          const f = ex[name];
          if (typeof f !== 'function') throw new Error('no kernel export named ' + name);
          f(...args);
        }
        parentPort.postMessage({ id: req.id, ok: true });
      } else {
        const c = await context();
        const mod = await import(req.url);
        const f = mod[req.name];
        if (typeof f !== 'function') throw new Error(req.url + ' has no exported function ' + req.name);
        const result = await f(c, req.arg);
        parentPort.postMessage({ id: req.id, ok: true, result });
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort.postMessage({ id: req.id, ok: false, message: err.name + ': ' + err.message, stack: err.stack });
    }
  });
  parentPort.postMessage({ id: -1, ok: true });
});
`;
