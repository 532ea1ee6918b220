/**
 * Executor speed on real guests and the build time of the largest example.
 *
 * Cycles per second of `execute` with the ExecutionRecord kept (what proving needs), on the sort
 * example (heapsort of seeded u32s) and the SHA-256 example (a seeded message), median of
 * `samples` runs after one warm-up; and the time to build the mlp example from AssemblyScript
 * (asc -O3, no cache) and to compile its .wasm to a Program. Issue 4's goal: >= 20 M cycles/s.
 * Run: `npx tsx bench/executor-examples.ts [--json]`.
 * @module
 */
import { compileAssemblyScript, compileAssemblyScriptSource } from '../guest/asc.ts';
import { buildWasm } from '../guest/build.ts';
import { compileWasm } from '../guest/compiler/index.ts';
import { execute } from '../vm/executor.ts';
import type { Program } from '../vm/program.ts';
import { encodeInput as sortInput } from '../examples/sort/input.ts';
import { encodeInput as shaInput } from '../examples/sha256/input.ts';
import { seededWords } from '../examples/sizing.ts';

export interface ExecutorExamplesOptions {
  /** Number of u32 values sorted (default 20,000). */
  readonly sortValues?: number;
  /** SHA-256 message length in bytes (default 64 KiB). */
  readonly shaBytes?: number;
  readonly samples?: number;
}

export interface ExecutorExamplesFigures {
  readonly sortCycles: number;
  readonly sortMs: number;
  readonly sortCyclesPerSec: number;
  readonly sha256Cycles: number;
  readonly sha256Ms: number;
  readonly sha256CyclesPerSec: number;
  /** A trivial guest's build including loading asc and binaryen (once per process). */
  readonly ascFirstBuildMs: number;
  /** mlp: AssemblyScript -> .wasm (asc -O3, no cache), compiler already loaded. */
  readonly mlpAscMs: number;
  /** mlp: .wasm -> Program. */
  readonly mlpCompileMs: number;
  readonly mlpInstructions: number;
}


function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Median time of a recording run; each record is released before the next, as a prover would. */
function timeRun(program: Program, input: Uint8Array, samples: number): { cycles: number; ms: number } {
  const first = execute(program, { input }, { record: true });
  first.record?.release();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const r = execute(program, { input }, { record: true });
    times.push(performance.now() - t);
    r.record?.release();
  }
  return { cycles: first.cycles, ms: median(times) };
}

export async function benchExecutorExamples(opts: ExecutorExamplesOptions = {}): Promise<ExecutorExamplesFigures> {
  const samples = opts.samples ?? 3;
  const sortProgram = compileWasm(await buildWasm('examples/sort'), { name: 'sort' });
  const shaProgram = compileWasm(await buildWasm('examples/sha256'), { name: 'sha256' });
  const sort = timeRun(sortProgram, sortInput(seededWords(opts.sortValues ?? 20_000, 7)), samples);
  const msg = Uint8Array.from(seededWords(opts.shaBytes ?? 65_536, 11), (w) => w & 0xff);
  const sha = timeRun(shaProgram, shaInput(msg), samples);

  const { EXAMPLES_DIR } = await import('../guest/build.ts');
  // Load the compiler first (under tsx that alone takes ~20 s), so the figure is the build itself.
  const tLoad = performance.now();
  await compileAssemblyScriptSource('export function main(): void {}');
  const ascFirstBuildMs = performance.now() - tLoad;
  const t0 = performance.now();
  const mlpWasm = await compileAssemblyScript(`${EXAMPLES_DIR}/mlp/assembly/index.ts`);
  const t1 = performance.now();
  const mlpProgram = compileWasm(mlpWasm, { name: 'mlp' });
  const t2 = performance.now();

  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    sortCycles: sort.cycles,
    sortMs: round(sort.ms),
    sortCyclesPerSec: Math.round(sort.cycles / (sort.ms / 1000)),
    sha256Cycles: sha.cycles,
    sha256Ms: round(sha.ms),
    sha256CyclesPerSec: Math.round(sha.cycles / (sha.ms / 1000)),
    ascFirstBuildMs: round(ascFirstBuildMs),
    mlpAscMs: round(t1 - t0),
    mlpCompileMs: round(t2 - t1),
    mlpInstructions: mlpProgram.code.length / 4,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchExecutorExamples().then(
    (r) => console.log(process.argv.includes('--json') ? JSON.stringify(r) : r),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
