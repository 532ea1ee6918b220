/**
 * Whole-program proving throughput: the SHA-256 and sort examples proved and verified at about
 * 2^16, 2^18 and (opt-in) 2^20 cycles, with `proveRun` / `verifyRun` at the standard 100-bit
 * options and the default segment size (2^18 cycles), as `zkvm prove` does.
 *
 * Inputs come from `examples/sizing.ts` (`inputForCycles`), aimed at 0.97 * 2^k cycles so the CPU
 * table is not padded to the next power of two. Each (example, size) runs in a FRESH child process
 * (`node --import tsx bench/vm.ts --child FILE`), so its peak RSS (`process.resourceUsage().maxRSS`,
 * taken right after proving; the child never loads the guest compiler) belongs to that proof
 * alone, and each proof is the first of its process (WASM start-up and first-touch of memory
 * included, as for a user running `zkvm prove`). Figures per run:
 *   cycles, segments, cells (committed base-field cells, all segments), proveMs (execution, trace
 *   generation and proof), cyclesPerSec, peakRssBytes, proofBytes (the encoded TZKV file),
 *   verifyMs (decode + verifyRun, the second call: steady state) and verifyFirstMs.
 *
 * Run: `npm run bench -- vm` (2^16 and 2^18, about a minute on a quiet machine);
 * `BENCH_VM_MAX_LOG=20` adds 2^20 (opt-in: 40-60 s per example, 2-4 GiB);
 * `BENCH_VM_SEGMENT_LOG=k` proves with segments of 2^k cycles instead of the default 2^18 (one
 * 2^20-cycle segment does not fit the WASM backend's 4 GiB memory; a size that fails is reported
 * as {error} and the others still run). `npx tsx bench/vm.ts [--json]` runs it directly.
 * Issue 5's goals: >= 100,000 cycles/s at 2^20, peak < 4 GB, verify < 100 ms, proof < 300 KB.
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SizedExample } from '../examples/sizing.ts';

export interface VmBenchRun {
  readonly example: SizedExample;
  readonly logTarget: number;
  readonly cycles: number;
  readonly segments: number;
  readonly cells: number;
  readonly proveMs: number;
  readonly cyclesPerSec: number;
  readonly peakRssBytes: number;
  readonly proofBytes: number;
  readonly verifyMs: number;
  readonly verifyFirstMs: number;
}

export interface VmBenchOptions {
  readonly examples?: readonly SizedExample[];
  /** log2 cycle targets (default 16, 18 and up to BENCH_VM_MAX_LOG, itself 18 by default). */
  readonly logs?: readonly number[];
  /** Fraction of 2^k aimed at (default 0.97). */
  readonly fill?: number;
  /** Segment size in cycles (default BENCH_VM_SEGMENT_LOG, else proveRun's default 2^20). */
  readonly segmentCycles?: number;
}

const SELF = fileURLToPath(import.meta.url);
const ROOT = join(SELF, '..', '..');

/** What the parent hands a child: the encoded program and the input, in one JSON file. */
interface ChildJob {
  readonly example: SizedExample;
  readonly logTarget: number;
  readonly programFile: string;
  readonly inputFile: string;
  readonly expectedCycles: number;
  readonly segmentCycles: number | undefined;
}

function defaultLogs(): number[] {
  const max = Number(process.env.BENCH_VM_MAX_LOG ?? 18);
  if (!Number.isInteger(max) || max < 16 || max > 22) throw new RangeError(`BENCH_VM_MAX_LOG must be an integer in [16, 22], got ${process.env.BENCH_VM_MAX_LOG}`);
  const logs: number[] = [];
  for (let k = 16; k <= max; k += 2) logs.push(k);
  return logs;
}

function runChild(jobFile: string): Promise<VmBenchRun> {
  return new Promise((done, fail) => {
    execFile(process.execPath, ['--import', 'tsx', SELF, '--child', jobFile], { cwd: ROOT, maxBuffer: 1 << 24, timeout: 60 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.split('\n').filter((l) => l.trim().length > 0 && !/^\s+at /.test(l)).slice(-3).join(' | ');
        return fail(new Error(`bench vm child failed: ${why || err.message}`));
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        done(JSON.parse(last) as VmBenchRun);
      } catch {
        fail(new Error(`bench vm child printed no figures (stdout: '${stdout.slice(-200)}', stderr: '${stderr.trim().slice(-300)}')`));
      }
    });
  });
}

/** Every (example, size) in its own child process, one after the other. */
export async function benchVm(opts: VmBenchOptions = {}): Promise<Record<string, VmBenchRun | { error: string }>> {
  const examples = opts.examples ?? (['sha256', 'sort'] as const);
  const logs = opts.logs ?? defaultLogs();
  const fill = opts.fill ?? 0.97;
  const segLog = process.env.BENCH_VM_SEGMENT_LOG;
  if (segLog !== undefined && !/^(1\d|2[0-2])$/.test(segLog)) throw new RangeError(`BENCH_VM_SEGMENT_LOG must be an integer in [10, 22], got ${segLog}`);
  const segmentCycles = opts.segmentCycles ?? (segLog === undefined ? undefined : 2 ** Number(segLog));
  const { buildWasm } = await import('../guest/build.ts');
  const { compileWasm } = await import('../guest/compiler/index.ts');
  const { encodeProgram } = await import('../vm/program.ts');
  const { inputForCycles } = await import('../examples/sizing.ts');
  const dir = mkdtempSync(join(tmpdir(), 'bench-vm-'));
  const out: Record<string, VmBenchRun | { error: string }> = {};
  try {
    for (const example of examples) {
      const program = compileWasm(await buildWasm(`examples/${example}`), { name: example });
      const programFile = join(dir, `${example}.zkvm`);
      writeFileSync(programFile, encodeProgram(program));
      for (const logTarget of logs) {
        const { input, cycles } = inputForCycles(example, Math.floor(fill * 2 ** logTarget), program);
        const inputFile = join(dir, `${example}-${logTarget}.bin`);
        writeFileSync(inputFile, input);
        const jobFile = join(dir, `${example}-${logTarget}.json`);
        const job: ChildJob = { example, logTarget, programFile, inputFile, expectedCycles: cycles, segmentCycles };
        writeFileSync(jobFile, JSON.stringify(job));
        process.stderr.write(`bench vm: ${example} at ~2^${logTarget} (${cycles} cycles) ...\n`);
        const key = `${example}@2^${logTarget}${segmentCycles === undefined ? '' : `/seg2^${Math.log2(segmentCycles)}`}`;
        let run: VmBenchRun;
        try {
          run = await runChild(jobFile);
        } catch (e) {
          // One size that cannot be proved (a segment beyond the WASM memory) does not hide the others.
          process.stderr.write(`bench vm:   ${(e as Error).message}\n`);
          out[key] = { error: (e as Error).message };
          continue;
        }
        process.stderr.write(`bench vm:   ${run.cyclesPerSec} cycles/s, prove ${run.proveMs} ms, peak ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MiB, proof ${(run.proofBytes / 1024).toFixed(1)} KiB, verify ${run.verifyMs} ms\n`);
        out[key] = run;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The child: prove one run, then decode + verify its bytes twice. Prints one JSON line. */
async function child(jobFile: string): Promise<VmBenchRun> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as ChildJob;
  const { decodeProgram } = await import('../vm/program.ts');
  const { proveRun, verifyRun, encodeVmProof, decodeVmProof } = await import('../vm/prove.ts');
  const program = decodeProgram(new Uint8Array(readFileSync(job.programFile)));
  const input = new Uint8Array(readFileSync(job.inputFile));
  const t0 = performance.now();
  const r = await proveRun(program, { input }, job.segmentCycles === undefined ? {} : { segmentCycles: job.segmentCycles });
  const proveMs = performance.now() - t0;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  if (r.cycles !== job.expectedCycles) throw new Error(`proved ${r.cycles} cycles, the sizing run had ${job.expectedCycles}`);
  const bytes = encodeVmProof(r.proof);
  const verifyOnce = async (): Promise<number> => {
    const t = performance.now();
    await verifyRun(program.digest, { output: r.output }, decodeVmProof(bytes));
    return performance.now() - t;
  };
  const verifyFirstMs = await verifyOnce();
  const verifyMs = await verifyOnce();
  const round1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    example: job.example,
    logTarget: job.logTarget,
    cycles: r.cycles,
    segments: r.segments,
    cells: r.cells,
    proveMs: Math.round(proveMs),
    cyclesPerSec: Math.round(r.cycles / (proveMs / 1000)),
    peakRssBytes,
    proofBytes: bytes.length,
    verifyMs: round1(verifyMs),
    verifyFirstMs: round1(verifyFirstMs),
  };
}

if (process.argv[1] === SELF) {
  const at = process.argv.indexOf('--child');
  const job = at >= 0 ? child(process.argv[at + 1]!) : benchVm();
  job.then(
    (r) => {
      process.stdout.write(`${at >= 0 || process.argv.includes('--json') ? JSON.stringify(r) : JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
