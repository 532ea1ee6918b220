/**
 * Helpers shared by the benchmark subjects: seeded inputs (the same on every machine) and
 * best-of-N timing (contention on a shared machine only ever slows a run down, so the minimum is
 * the figure closest to the machine's speed).
 * @module
 */
import { P } from '../prover/field/babybear.ts';

/** n field elements from a xorshift32 stream seeded with `seed`. */
export function seededField(n: number, seed: number): Uint32Array {
  const v = new Uint32Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[i] = (x >>> 0) % P;
  }
  return v;
}

/** Best of `samples` timed runs of a synchronous `f`, in ms, after one warm-up run. */
export function bestMsSync(samples: number, f: () => unknown): number {
  f();
  let best = Infinity;
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** Best of `samples` timed runs of `f` (awaited), in ms, after one warm-up run. */
export async function bestMs(samples: number, f: () => unknown): Promise<number> {
  await f();
  let best = Infinity;
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}
