import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { WorkerPool, PoolError } from '../../prover/_pool.ts';
import { kernels } from '../../prover/wasm/kernels.ts';
import { P, mul } from '../../prover/field/babybear.ts';

const k = kernels();
const pool = await WorkerPool.create({ threads: 2 });
afterAll(() => pool.dispose());
const TASKS = new URL('./_pool-tasks.ts', import.meta.url);

describe('WorkerPool', () => {
  it('runs kernel calls in the workers over the shared memory, no copying', async () => {
    const n = 1000;
    const a = k.put(Uint32Array.from({ length: n }, (_, i) => (i * 7919) % P));
    const b = k.put(Uint32Array.from({ length: n }, (_, i) => P - 1 - i));
    // Two halves, one per worker, writing in place.
    await pool.run([
      ['bb_mul', a, a, b, 500],
      ['bb_mul', a + 2000, a + 2000, b + 2000, 500],
    ]);
    const got = k.read(a, n);
    for (let i = 0; i < n; i++) expect(got[i]).toBe(mul((i * 7919) % P, P - 1 - i));
    k.free(a);
    k.free(b);
  });

  it('runs a TypeScript task module in every worker and returns results in order', async () => {
    const ptr = k.put(Uint32Array.from({ length: 8 }, (_, i) => i + 1));
    const sums = await pool.runTask<{ ptr: number; from: number; to: number }, { sum: number; worker: number }>(TASKS, 'sumRange', [
      { ptr, from: 0, to: 4 },
      { ptr, from: 4, to: 8 },
    ]);
    expect(sums).toEqual([{ sum: 10, worker: 0 }, { sum: 26, worker: 1 }]);
    k.free(ptr);
  });

  it('sees memory the owner grew after the workers started', async () => {
    const bytes = k.memory.buffer.byteLength + (4 << 20);
    const ptr = k.alloc(bytes);
    const last = ptr + bytes - 4;
    k.u32(last, 1)[0] = 41;
    await pool.run([['bb_add_scalar', last, last, 1, 1]]);
    expect(k.u32(last, 1)[0]).toBe(42);
    k.free(ptr);
  });

  it('rejects a failing kernel with the worker, the kernel and the trap', async () => {
    await expect(pool.run([['bb_add', 0xfffffff0, 0xfffffff0, 0, 1000]])).rejects.toThrow(/pool worker 0: kernel bb_add: RuntimeError: memory access out of bounds/);
    // The pool stays usable after a failed job.
    await expect(pool.runTask(TASKS, 'sumRange', [{ ptr: k.put(new Uint32Array([3])), from: 0, to: 1 }])).resolves.toEqual([{ sum: 3, worker: 0 }]);
  });

  it('rejects a throwing task, a missing export and a missing module with clear errors', async () => {
    await expect(pool.runTask(TASKS, 'fail', ['x'])).rejects.toThrow(/task fail .*TypeError: bad argument x/);
    await expect(pool.runTask(TASKS, 'nope', [1])).rejects.toThrow(PoolError);
    await expect(pool.runTask(new URL('./_missing.ts', import.meta.url), 'f', [1])).rejects.toThrow(/_missing/);
    await expect(pool.runTask(TASKS, 'sumRange', [1, 2, 3])).rejects.toThrow(RangeError);
  });

  it('rejects the pending job when a worker dies, and later jobs on that worker', async () => {
    const p = await WorkerPool.create({ threads: 1 });
    try {
      await expect(p.runTask(TASKS, 'exitWorker', [3])).rejects.toThrow(/pool worker 0: task exitWorker .*exited with code 3/);
      await expect(p.run([['bb_modulus']])).rejects.toThrow(/exited with code 3/);
    } finally {
      await p.dispose();
    }
  });

  it('refuses work after dispose', async () => {
    const p = await WorkerPool.create({ threads: 1 });
    await p.dispose();
    await expect(p.run([['bb_modulus']])).rejects.toThrow(/disposed/);
  });

  it('never keeps the process alive', () => {
    const script = `import { WorkerPool } from './prover/_pool.ts'; const p = await WorkerPool.create({ threads: 2 }); await p.run([['bb_modulus'], ['bb_modulus']]); console.log('done');`;
    const t = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout.trim()).toBe('done');
    expect(r.status).toBe(0);
    expect(Date.now() - t).toBeLessThan(60_000);
  });
});
