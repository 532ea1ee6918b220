/**
 * Inputs sized to a cycle budget, for benchmarks that want "SHA-256 / sort at 2^16, 2^18, 2^20
 * cycles". A cost model (measured on these guests: ~4,290 cycles per SHA-256 block, ~29 cycles per
 * n·log2(n) for heapsort) gives a first size; one corrective run of the executor on the actual
 * program rescales it, so the result stays close even if the compiler's code changes.
 */
import { execute } from '../vm/executor.ts';
import type { Program } from '../vm/program.ts';
import { encodeInput as sortInput } from './sort/input.ts';
import { encodeInput as shaInput } from './sha256/input.ts';

export type SizedExample = 'sha256' | 'sort';

/** Seeded xorshift words, so sized inputs are the same on every machine. */
export function seededWords(n: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  });
}

function make(example: SizedExample, size: number): Uint8Array {
  return example === 'sort' ? sortInput(seededWords(size, 7)) : shaInput(Uint8Array.from(seededWords(size, 11), (w) => w & 0xff));
}

/** Work as a function of size: bytes for SHA-256 (linear), values for sort (n log n). */
function work(example: SizedExample, size: number): number {
  return example === 'sort' ? size * Math.log2(Math.max(2, size)) : size;
}

/** The size whose work is `w` (inverse of `work`; bisection for n log n). */
function sizeForWork(example: SizedExample, w: number): number {
  if (example === 'sha256') return Math.max(0, Math.round(w));
  let lo = 0;
  let hi = 1 << 30;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (work('sort', mid) < w) lo = mid;
    else hi = mid;
  }
  return hi;
}

const MODEL: Record<SizedExample, number> = { sha256: 4290 / 64, sort: 29 };

/**
 * A seeded private input for `example` whose run takes about `targetCycles` cycles, measured on
 * `program`: within a few percent for sort, within one block (~4,300 cycles) for SHA-256.
 */
export function inputForCycles(example: SizedExample, targetCycles: number, program: Program): { input: Uint8Array; cycles: number } {
  if (!Number.isSafeInteger(targetCycles) || targetCycles <= 0) throw new RangeError(`targetCycles: expected a positive integer, got ${targetCycles}`);
  let size = sizeForWork(example, targetCycles / MODEL[example]);
  let input = make(example, size);
  let cycles = execute(program, { input }).cycles;
  for (let round = 0; round < 2 && Math.abs(cycles - targetCycles) > targetCycles * 0.02; round++) {
    const perWork = cycles / Math.max(1, work(example, size));
    size = sizeForWork(example, targetCycles / perWork);
    input = make(example, size);
    cycles = execute(program, { input }).cycles;
  }
  return { input, cycles };
}
