/**
 * NTT and LDE benchmarks: the WASM kernels on one thread and across the worker pool, beside the
 * TypeScript reference (prover/ntt.ts, backend-ts.ts).
 *
 * Figures (milliseconds, best of `samples` after a warm-up):
 * - `ntt*`: forward NTT of 2^logN elements (one column), natural order in and out; `dif*` is the
 *   same transform leaving its output bit-reversed (what the prover's LDE uses; no permutation).
 *   Both run on data already in kernel memory. `difScalar1tMs` is the same DIF without SIMD.
 * - `lde*`: coset LDE of a 2^logN x 2 matrix with blowup 2 (logBlowup 1), natural order; `Kernel`
 *   on kernel memory, `Backend` through `WasmBackend.lde` (copies in and out included).
 * - `ldeWide*`: a trace-like shape, 2^(logN - 4) x 64 with blowup 4 (logBlowup 2), bit-reversed
 *   output (what a Merkle commitment of the LDE wants), on kernel memory.
 * - `ts*`: the TypeScript reference on the same inputs (one sample: it is slow).
 * Run: `npx tsx bench/ntt.ts [--log-n N] [--samples K] [--no-ts] [--json]`.
 * @module
 */
import { pathToFileURL } from 'node:url';
import { GENERATOR } from '../prover/field/babybear.ts';
import { nttRows } from '../prover/ntt.ts';
import { TsBackend } from '../prover/backend-ts.ts';
import { WasmBackend } from '../prover/backend-wasm.ts';
import { WorkerPool } from '../prover/_pool.ts';
import { kernels } from '../prover/wasm/kernels.ts';
import { WasmNtt, localRunner, type StepRunner } from '../prover/wasm/ntt.ts';
import { bestMs, seededField } from './_util.ts';

const bestMsRounded = async (samples: number, f: () => unknown): Promise<number> => Math.round((await bestMs(samples, f)) * 100) / 100;

export interface NttBenchOptions {
  /** log2 of the transform size (default 20). */
  readonly logN?: number;
  readonly samples?: number;
  /** Threads for the pooled figures (default 2). */
  readonly threads?: number;
  /** Skip the slow TypeScript reference figures. */
  readonly skipTs?: boolean;
}

export interface NttBenchFigures {
  readonly logN: number;
  readonly threads: number;
  readonly ntt1tMs: number;
  readonly nttPoolMs: number;
  readonly dif1tMs: number;
  readonly difPoolMs: number;
  readonly difScalar1tMs: number;
  readonly ldeKernel1tMs: number;
  readonly ldeKernelPoolMs: number;
  readonly ldeBackend1tMs: number;
  readonly ldeBackendPoolMs: number;
  readonly ldeWide1tMs: number;
  readonly ldeWidePoolMs: number;
  readonly tsNttMs?: number;
  readonly tsLdeMs?: number;
}



export async function benchNtt(opts: NttBenchOptions = {}): Promise<NttBenchFigures> {
  const logN = opts.logN ?? 20;
  const samples = opts.samples ?? 5;
  const threads = opts.threads ?? 2;
  const n = 2 ** logN;
  const k = kernels();
  const engine = new WasmNtt(k);
  engine.twiddles.ensure(logN + 1);
  if (logN < 8) throw new RangeError(`benchNtt: logN must be at least 8, got ${logN}`);
  const pool = await WorkerPool.create({ threads, kernels: k });
  const one = localRunner(k);
  const many = pool.runner();
  const col = seededField(n, 7);
  const mat = seededField(2 * n, 11);
  const src = k.put(col);
  const dst = k.alloc(4 * n);
  const lsrc = k.alloc(8 * n);
  const ldst = k.alloc(16 * n);
  const logWide = logN - 4;
  const wide = seededField(64 << logWide, 13);
  const wsrc = k.alloc(wide.length * 4);
  const wdst = k.alloc(wide.length * 16);
  const b1 = await WasmBackend.create({ threads: 1 });
  const bp = await WasmBackend.create({ pool });
  try {
    const ntt = (r: StepRunner) => () => engine.forward(r, dst, src, 1, logN);
    const dif = (r: StepRunner) => () => engine.difInPlace(r, dst, 1, logN, false);
    const lde = (r: StepRunner) => async () => {
      k.u32(lsrc, 2 * n).set(mat); // the LDE uses its source as scratch
      await engine.lde(r, ldst, lsrc, 2, logN, 1, GENERATOR, false);
    };
    const ldeWide = (r: StepRunner) => async () => {
      k.u32(wsrc, wide.length).set(wide);
      await engine.lde(r, wdst, wsrc, 64, logWide, 2, GENERATOR, true);
    };
    const m = { values: mat, width: 2, height: n };
    const figures: NttBenchFigures = {
      logN,
      threads: many.parts,
      ntt1tMs: await bestMsRounded(samples, ntt(one)),
      nttPoolMs: await bestMsRounded(samples, ntt(many)),
      dif1tMs: await bestMsRounded(samples, dif(one)),
      difPoolMs: await bestMsRounded(samples, dif(many)),
      difScalar1tMs: await bestMsRounded(samples, () => k.exports.ntt_dif_scalar(dst, logN, engine.twiddles.ensure(logN).fwd)),
      ldeKernel1tMs: await bestMsRounded(samples, lde(one)),
      ldeKernelPoolMs: await bestMsRounded(samples, lde(many)),
      ldeBackend1tMs: await bestMsRounded(samples, () => b1.lde(m, 1, GENERATOR, false)),
      ldeBackendPoolMs: await bestMsRounded(samples, () => bp.lde(m, 1, GENERATOR, false)),
      ldeWide1tMs: await bestMsRounded(samples, ldeWide(one)),
      ldeWidePoolMs: await bestMsRounded(samples, ldeWide(many)),
    };
    if (opts.skipTs) return figures;
    const t0 = performance.now();
    nttRows(col.slice(), 1);
    const tsNttMs = Math.round(performance.now() - t0);
    const t1 = performance.now();
    await new TsBackend().lde(m, 1, GENERATOR, false);
    const tsLdeMs = Math.round(performance.now() - t1);
    return { ...figures, tsNttMs, tsLdeMs };
  } finally {
    for (const p of [src, dst, lsrc, ldst, wsrc, wdst]) k.free(p);
    await b1.dispose();
    await bp.dispose();
    await pool.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const figures = await benchNtt({ logN: arg('--log-n'), samples: arg('--samples'), threads: arg('--threads'), skipTs: process.argv.includes('--no-ts') });
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else for (const [key, v] of Object.entries(figures)) console.log(`${key.padEnd(18)} ${v}`);
}
