/**
 * Benchmark: prove and verify the two-column Fibonacci AIR (`fib-air.ts`) at 2^logRows rows.
 *
 * `runFibBench({ logRows, options })` returns the figures the CLI prints (`npx zkvm bench fib
 * --log-rows N --json`); run as a script it prints them: `npx tsx bench/fib.ts [logRows]`.
 * Prove time excludes trace generation; proof size is the encoded binary proof; peak memory is the
 * largest RSS sampled during proving.
 *
 * Verify time covers what a verifier does with the file: decoding the bytes and verifying them,
 * with the default 100-bit minimum (or the options' own bits when a caller asks for less);
 * `verifyMs` is the steady state, `verifyFirstMs` the first call in the process.
 *
 * Measured 2026-11-25 on the quiet 2-core machine, ProofOptions.bench() (blowup 4, 42 queries,
 * 16 grinding bits = 100 bits), WASM backend, BLAKE3, `npx zkvm bench fib --log-rows 20 --json`:
 * the first proof of a process takes about 2.6 s (WASM start-up, workers, fresh memory), later
 * ones about 1.4 s; verify 10-23 ms; proof 117 KiB. See BENCHMARKS.md.
 * @module
 */
import { ProofOptions, securityBits } from '../prover/options.ts';
import { defineMachine } from '../prover/stark/machine.ts';
import { prove } from '../prover/stark/prove.ts';
import { verify } from '../prover/stark/verify.ts';
import { decodeProof, encodeProof } from '../prover/proof-format.ts';
import { DEFAULT_MIN_SECURITY_BITS } from '../prover/stark/verify.ts';
import { defaultBackend } from '../prover/stark/pcs.ts';
import { fibTable, fibTrace } from './fib-air.ts';

export interface FibBenchResult {
  readonly rows: number;
  readonly cells: number;
  readonly proveMs: number;
  /** Decode + verify of the proof bytes, median of three runs after the first. */
  readonly verifyMs: number;
  /** The first decode + verify in this process (JIT warm-up included). */
  readonly verifyFirstMs: number;
  readonly proofBytes: number;
  readonly securityBits: number;
  readonly peakMemoryBytes: number;
}

export const fibMachine = defineMachine('fib', [fibTable]);

export async function runFibBench({ logRows, options = ProofOptions.bench() }: { logRows: number; options?: ProofOptions }): Promise<FibBenchResult> {
  if (!Number.isInteger(logRows) || logRows < 1 || logRows > 24) throw new RangeError(`logRows must be an integer in [1, 24], got ${logRows}`);
  const { trace, publics } = fibTrace(logRows);
  const backend = await defaultBackend();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const t0 = performance.now();
    const proof = await prove(fibMachine, { traces: [trace], publics: [publics] }, { options, backend, debug: false });
    const proveMs = performance.now() - t0;
    peak = Math.max(peak, process.memoryUsage().rss);
    const bytes = encodeProof(proof);
    const minSecurityBits = Math.min(DEFAULT_MIN_SECURITY_BITS, securityBits(options));
    // The first verification in a process is mostly JIT warm-up; a verifier service is warm. Both are reported.
    const verifyOnce = (): number => {
      const t1 = performance.now();
      verify(fibMachine, decodeProof(bytes), { minSecurityBits, publics: [publics] });
      return performance.now() - t1;
    };
    const verifyFirstMs = verifyOnce();
    const warm = [verifyOnce(), verifyOnce(), verifyOnce()].sort((a, b) => a - b);
    const verifyMs = warm[1]!;
    return {
      rows: trace.height,
      cells: trace.height * fibTable.info.cellsPerRow,
      proveMs: Math.round(proveMs),
      verifyMs: Math.round(verifyMs * 10) / 10,
      verifyFirstMs: Math.round(verifyFirstMs * 10) / 10,
      proofBytes: bytes.length,
      securityBits: securityBits(options),
      peakMemoryBytes: peak,
    };
  } finally {
    clearInterval(timer);
    await backend.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npx tsx bench/fib.ts [logRows] [repeat]`: repeat > 1 proves again in the same process, to show
  // the first proof's start-up costs apart from a warm prover's.
  const logRows = Number(process.argv[2] ?? 16);
  const repeat = Number(process.argv[3] ?? 1);
  (async () => {
    for (let i = 0; i < repeat; i++) console.log(JSON.stringify({ run: i + 1, ...(await runFibBench({ logRows })) }));
  })().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
