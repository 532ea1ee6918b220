// Task module for test/prover/pool.test.ts: runs inside pool workers.
import type { TaskContext } from '../../prover/_pool.ts';

export function sumRange(ctx: TaskContext, arg: { ptr: number; from: number; to: number }): { sum: number; worker: number } {
  const v = ctx.kernels.u32(arg.ptr, arg.to);
  let sum = 0;
  for (let i = arg.from; i < arg.to; i++) sum += v[i]!;
  return { sum, worker: ctx.workerIndex };
}

export function fail(_ctx: TaskContext, arg: string): never {
  throw new TypeError(`bad argument ${arg}`);
}

export function exitWorker(_ctx: TaskContext, code: number): void {
  process.exit(code);
}
