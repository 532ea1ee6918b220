/**
 * Runs hashing kernel calls on all cores, through a `HashExecutor`:
 * - `poolExecutor(pool)`: the prover's worker pool (`prover/_pool.ts`), whose workers share the
 *   kernels' memory; this thread only stages rows while the workers hash. The STARK prover passes
 *   its backend's pool so hashing and the NTTs use the same threads.
 * - `localExecutor`, the default when no pool is given (tests, tools, a hasher used on its own):
 *   this thread plus `availableParallelism() - 1` light workers started on first use. Such a worker
 *   is a few lines of plain JavaScript (no TypeScript loader, so it starts in milliseconds) that
 *   instantiates the kernel module over the same memory and runs lists of calls. Workers are
 *   unreferenced while idle so they never keep the process alive; if they cannot be started, or
 *   with the environment variable ZKVM_HASH_THREADS=1, everything runs on this thread.
 * Either way each thread gets its own scratch region per hash function, and a task is a list of
 * kernel calls run in order on one thread.
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerPool } from '../_pool.ts';
import { kernelModule } from '../wasm/kernels.ts';
import type { Call } from '../wasm/ntt.ts';
import { type KernelCall, type KernelHashOps, hashKernels, runCall } from './_wasm.ts';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory, abort(_m, _f, line, col) { throw new Error('kernel abort at ' + line + ':' + col); } } }).exports;
parentPort.on('message', (msg) => {
  try {
    for (const [name, args] of msg.calls) exports[name](...args);
    parentPort.postMessage({ id: msg.id });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: String(e && e.stack || e) });
  }
});
`;

interface HashWorker {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: () => void; reject: (e: Error) => void }>;
  /** Per-worker scratch regions, by hash function. */
  readonly scratch: Map<KernelHashOps, number>;
}

let workers: HashWorker[] | undefined;
let nextId = 1;
let remoteTasks = 0;

/** How many task lists have been run on worker threads so far (lets tests see the split happen). */
export function remoteTaskCount(): number {
  return remoteTasks;
}

function startWorkers(): HashWorker[] {
  if (workers) return workers;
  workers = [];
  const extra = Math.max(0, availableParallelism() - 1);
  if (extra === 0 || process.env['ZKVM_HASH_THREADS'] === '1') return workers;
  const { k } = hashKernels();
  try {
    for (let i = 0; i < extra; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: kernelModule(), memory: k.memory } });
      const w: HashWorker = { worker, pending: new Map(), scratch: new Map() };
      worker.on('message', (m: { id: number; error?: string }) => {
        const p = w.pending.get(m.id);
        if (!p) return;
        w.pending.delete(m.id);
        if (w.pending.size === 0) worker.unref();
        if (m.error) p.reject(new Error(`hash worker: ${m.error}`));
        else p.resolve();
      });
      // A worker that dies takes its pending tasks with it and leaves the set: later work runs on
      // the remaining threads.
      const drop = (e: Error) => {
        for (const p of w.pending.values()) p.reject(e);
        w.pending.clear();
        const at = workers!.indexOf(w);
        if (at >= 0) workers!.splice(at, 1);
      };
      worker.on('error', drop);
      worker.on('exit', (code) => drop(new Error(`hash worker exited with code ${code}`)));
      worker.unref();
      workers.push(w);
    }
  } catch {
    // No worker threads here (or no shared memory across them): stay single-threaded.
    workers = [];
  }
  return workers;
}

/** Number of threads kernel work is split over (main thread included). */
export function hashThreads(): number {
  return 1 + startWorkers().length;
}

function runOnWorker(w: HashWorker, calls: KernelCall[]): Promise<void> {
  const id = nextId++;
  remoteTasks++;
  return new Promise<void>((resolve, reject) => {
    w.pending.set(id, { resolve, reject });
    w.worker.ref();
    w.worker.postMessage({ id, calls });
  });
}

function scratchFor(w: HashWorker, ops: KernelHashOps): number {
  let p = w.scratch.get(ops);
  if (p === undefined) {
    const { k } = hashKernels();
    p = k.alloc(ops.scratchBytes);
    ops.initScratch(k.u8(p, ops.scratchBytes));
    w.scratch.set(ops, p);
  }
  return p;
}

/** A task: given its thread's scratch for the hash function, the calls to run in order. */
export type HashTask = (scratch: number) => KernelCall[];

export interface HashExecutor {
  /** How many tasks `runTasks` accepts at once (threads that hash). */
  readonly threads: number;
  /**
   * Runs independent tasks, at most `threads`, one per thread, and resolves when all are done. A
   * task function is called (to build its calls, with that thread's scratch) just before it runs.
   */
  runTasks(ops: KernelHashOps, tasks: readonly HashTask[]): Promise<void>;
}

/** This thread plus the light workers. */
export const localExecutor: HashExecutor = {
  get threads() {
    return hashThreads();
  },
  runTasks: (ops, tasks) => runTasks(ops, tasks),
};

const poolScratch = new WeakMap<WorkerPool, Map<KernelHashOps, number[]>>();

/** The prover's worker pool; it must run over this thread's kernel memory. */
export function poolExecutor(pool: WorkerPool): HashExecutor {
  const hk = hashKernels();
  if (pool.kernels.memory !== hk.k.memory) throw new RangeError('hashing: the pool does not share this thread\'s kernel memory');
  return {
    threads: pool.size,
    async runTasks(ops, tasks) {
      if (tasks.length > pool.size) throw new RangeError(`runTasks: ${tasks.length} tasks for ${pool.size} pool workers`);
      let byOps = poolScratch.get(pool);
      if (!byOps) poolScratch.set(pool, (byOps = new Map()));
      let scratch = byOps.get(ops);
      if (!scratch) byOps.set(ops, (scratch = []));
      for (let i = scratch.length; i < pool.size; i++) {
        const p = hk.k.alloc(ops.scratchBytes);
        ops.initScratch(hk.k.u8(p, ops.scratchBytes));
        scratch.push(p);
      }
      const lists = tasks.map((t, i) => t(scratch![i]!));
      // The pool sends call j to worker j % size, in order: interleave the lists, padding with
      // empty copies, so that list i runs on worker i.
      const rows = Math.max(0, ...lists.map((l) => l.length));
      const step: Call[] = [];
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < pool.size; i++) {
          const c = lists[i]?.[r];
          step.push((c ? [c[0], ...c[1]] : ['hash_copy_bytes', 0, 0, 0]) as unknown as Call);
        }
      }
      await pool.run(step);
    },
  };
}

/**
 * Runs independent tasks, at most one per thread: task 0 on this thread, task i on worker i - 1.
 * Each task gets its thread's scratch for `ops` and returns the calls to run, in order.
 */
export async function runTasks(ops: KernelHashOps, tasks: readonly HashTask[]): Promise<void> {
  const hk = hashKernels();
  const ws = startWorkers();
  if (tasks.length > 1 + ws.length) throw new RangeError(`runTasks: ${tasks.length} tasks for ${1 + ws.length} threads`);
  const remote: Promise<void>[] = [];
  for (let i = 1; i < tasks.length; i++) {
    const w = ws[i - 1]!;
    remote.push(runOnWorker(w, tasks[i]!(scratchFor(w, ops))));
  }
  try {
    if (tasks.length > 0) for (const c of tasks[0]!(hk.scratch(ops))) runCall(hk.e, c);
  } finally {
    await Promise.all(remote);
  }
}

/**
 * Splits [0, count) into one contiguous range per thread of `exec` (none smaller than
 * `minPerThread`) and runs `calls(start, end, scratch)` for each, `scratch` being that thread's
 * scratch for `ops`. Resolves when every range is done.
 */
export async function parallelRanges(
  ops: KernelHashOps,
  count: number,
  minPerThread: number,
  calls: (start: number, end: number, scratch: number) => KernelCall[],
  exec: HashExecutor = localExecutor,
): Promise<void> {
  const parts = Math.max(1, Math.min(exec.threads, Math.floor(count / Math.max(1, minPerThread))));
  const per = Math.ceil(count / parts);
  const tasks: HashTask[] = [];
  for (let start = 0; start < count; start += per) {
    const end = Math.min(count, start + per);
    tasks.push((scratch) => calls(start, end, scratch));
  }
  await exec.runTasks(ops, tasks);
}
