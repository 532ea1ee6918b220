/**
 * Runs hashing kernel calls on all cores: the main thread plus `availableParallelism() - 1`
 * worker threads, each with an instance of the same compiled kernel module over the same shared
 * memory (the loader's), so work is split by pointer ranges with no copying.
 *
 * A worker is a few lines of plain JavaScript (no TypeScript loader needed inside workers): it
 * instantiates the module and executes lists of `[export name, arguments]` calls. Workers are
 * unreferenced while idle so they never keep the process alive. If workers cannot be started, all
 * calls run on the calling thread.
 * TODO(pool): move onto the shared worker pool (`prover/_pool.ts`) once it lands, so hashing and the
 * NTTs share threads instead of each keeping their own.
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { kernelModule } from '../wasm/kernels.ts';
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
        const i = workers!.indexOf(w);
        if (i >= 0) workers!.splice(i, 1);
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

/**
 * Runs independent tasks, at most one per thread: task 0 on this thread, task i on worker i - 1.
 * Each task gets its thread's scratch for `ops` and returns the calls to run, in order.
 */
export async function runTasks(ops: KernelHashOps, tasks: readonly ((scratch: number) => KernelCall[])[]): Promise<void> {
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
 * Splits [0, count) into one contiguous range per thread (none smaller than `minPerThread`) and runs
 * `calls(start, end, scratch)` for each: the first range on this thread, the others on workers.
 * `scratch` is that thread's scratch for `ops`. Resolves when every range is done.
 */
export async function parallelRanges(
  ops: KernelHashOps,
  count: number,
  minPerThread: number,
  calls: (start: number, end: number, scratch: number) => KernelCall[],
): Promise<void> {
  const hk = hashKernels();
  const ws = startWorkers();
  const parts = Math.max(1, Math.min(1 + ws.length, Math.floor(count / Math.max(1, minPerThread))));
  const per = Math.ceil(count / parts);
  const remote: Promise<void>[] = [];
  for (let p = 1; p < parts; p++) {
    const start = p * per;
    const end = Math.min(count, start + per);
    if (start >= end) break;
    const w = ws[p - 1]!;
    remote.push(runOnWorker(w, calls(start, end, scratchFor(w, ops))));
  }
  for (const c of calls(0, Math.min(count, per), hk.scratch(ops))) runCall(hk.e, c);
  await Promise.all(remote);
}
