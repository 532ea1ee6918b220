/**
 * Hashing benchmarks: BLAKE3 (WASM kernel vs @noble/hashes), Poseidon2 (WASM kernel vs the
 * TypeScript reference) and Merkle commitment throughput for both hashers.
 *
 * Throughput is MB (10^6 bytes) of input per second: row bytes for leaf hashing (4 bytes per
 * field element), field data committed for Merkle trees. Inputs are seeded; each figure is the
 * best of `samples` runs after one warm-up run (the best, not the median: on a shared 2-core
 * machine other jobs only ever slow a run down).
 * Run: `npx tsx bench/hash.ts [--log-rows N] [--samples K] [--json]`.
 * @module
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { blake3Hasher } from '../prover/hash/blake3.ts';
import type { Hasher } from '../prover/hash/hasher.ts';
import { poseidon2HashElements } from '../prover/hash/poseidon2.ts';
import { poseidon2Hasher } from '../prover/hash/poseidon2-hasher.ts';
import { hashThreads } from '../prover/hash/_workers.ts';
import { type Matrix, matrix } from '../prover/matrix.ts';
import { commit } from '../prover/merkle.ts';
import { WorkerPool } from '../prover/_pool.ts';
import { bestMs, seededField } from './_util.ts';

export interface HashBenchOptions {
  /** log2 of the Merkle matrix height (default 16). */
  readonly logRows?: number;
  /** Matrix width in field elements for the Merkle benchmark (default 16). */
  readonly width?: number;
  readonly samples?: number;
}

export interface HashBenchFigures {
  readonly blake3NobleMBps64: number;
  readonly blake3NobleMBpsWide: number;
  readonly blake3WasmMBps64: number;
  readonly blake3WasmMBpsWide: number;
  readonly poseidon2TsMBps64: number;
  readonly poseidon2WasmMBps64: number;
  /** `threads`: 'local' = this thread + light workers, 'pool' = the prover's worker pool. */
  readonly merkle: readonly { hasher: string; threads: string; rows: number; width: number; ms: number; MBps: number }[];
  /** Width in field elements of the "wide" rows. */
  readonly wideWidth: number;
  /** Threads the batched kernels were split over. */
  readonly threads: number;
}



const mbps = (bytes: number, ms: number) => Math.round(bytes / 1e3 / ms);

export async function benchHash(opts: HashBenchOptions = {}): Promise<HashBenchFigures> {
  const logRows = opts.logRows ?? 16;
  const width = opts.width ?? 16;
  const samples = opts.samples ?? 5;
  const wideWidth = 256;

  // Leaf hashing: 64-byte rows (16 elements) and wide rows (256 elements = 1 KiB).
  const small = matrix(seededField(16 * 4096, 1), 16);
  const wide = matrix(seededField(wideWidth * 256, 2), wideWidth);
  const bytes = (m: Matrix) => m.values.length * 4;
  const nobleRows = (m: Matrix, rows: number) => () => {
    for (let r = 0; r < rows; r++) blake3(new Uint8Array(m.values.buffer, r * m.width * 4, m.width * 4));
  };
  const nobleSmallRows = 1024;
  const blake3NobleMBps64 = mbps(nobleSmallRows * 64, await bestMs(samples, nobleRows(small, nobleSmallRows)));
  const blake3NobleMBpsWide = mbps(64 * wideWidth * 4, await bestMs(samples, nobleRows(wide, 64)));
  const blake3WasmMBps64 = mbps(bytes(small), await bestMs(samples, () => blake3Hasher.hashRows(small)));
  const blake3WasmMBpsWide = mbps(bytes(wide), await bestMs(samples, () => blake3Hasher.hashRows(wide)));
  const tsRows = 256;
  const poseidon2TsMBps64 = mbps(tsRows * 64, await bestMs(samples, () => {
    for (let r = 0; r < tsRows; r++) poseidon2HashElements(small.values.subarray(r * 16, r * 16 + 16));
  }));
  const poseidon2WasmMBps64 = mbps(bytes(small), await bestMs(samples, () => poseidon2Hasher.hashRows(small)));

  const merkle: { hasher: string; threads: string; rows: number; width: number; ms: number; MBps: number }[] = [];
  const m = matrix(seededField(width << logRows, 3), width);
  const pool = await WorkerPool.create();
  try {
    for (const h of [blake3Hasher, poseidon2Hasher] as Hasher[]) {
      // Poseidon2 is ~20x slower: a 16x smaller tree keeps the run short, the rate is what counts.
      const mm = h.name === 'poseidon2' ? matrix(m.values.subarray(0, width << Math.max(logRows - 4, 1)), width) : m;
      for (const [threads, opts] of [['local', {}], [`pool of ${pool.size}`, { pool }]] as const) {
        const ms = await bestMs(h.name === 'poseidon2' ? 2 : samples, () => commit(h, [mm], opts));
        merkle.push({ hasher: h.name, threads, rows: mm.height, width, ms: Math.round(ms * 10) / 10, MBps: mbps(bytes(mm), ms) });
      }
    }
  } finally {
    await pool.dispose();
  }
  return { blake3NobleMBps64, blake3NobleMBpsWide, blake3WasmMBps64, blake3WasmMBpsWide, poseidon2TsMBps64, poseidon2WasmMBps64, merkle, wideWidth, threads: hashThreads() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const figures = await benchHash({ logRows: arg('--log-rows'), samples: arg('--samples'), width: arg('--width') });
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else {
    console.log(`BLAKE3 leaf hashing, MB/s: noble 64 B ${figures.blake3NobleMBps64}, ${figures.wideWidth * 4} B ${figures.blake3NobleMBpsWide}; ` +
      `WASM 64 B ${figures.blake3WasmMBps64}, ${figures.wideWidth * 4} B ${figures.blake3WasmMBpsWide}`);
    console.log(`Poseidon2 leaf hashing (16 elements), MB/s: TS ${figures.poseidon2TsMBps64}, WASM ${figures.poseidon2WasmMBps64}`);
    for (const r of figures.merkle) {
      const threads = r.threads === 'local' ? `${figures.threads} local threads` : r.threads;
      console.log(`Merkle commit ${r.hasher}: ${r.rows} x ${r.width} in ${r.ms} ms = ${r.MBps} MB/s (${threads})`);
    }
  }
}
