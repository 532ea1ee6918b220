/**
 * Benchmark: prove and verify the two-column Fibonacci AIR (`fib-air.ts`) at 2^logRows rows.
 *
 * `runFibBench({ logRows, options })` returns the figures the CLI prints (`npx zkvm bench fib
 * --log-rows N --json`); run as a script it prints them: `npx tsx bench/fib.ts [logRows]`.
 * Prove time excludes trace generation; proof size is the encoded binary proof; peak memory is the
 * largest RSS sampled during proving.
 *
 * Measured 2026-11-25 on the 2-core machine while other jobs ran (load 1-3, so noisy; the lead
 * re-measures), `npx tsx bench/fib.ts N`, ProofOptions.bench() (100 bits), WASM backend, BLAKE3:
 * - 2^16 rows: prove 457-550 ms, verify 24-27 ms (cold), proof 62.6 KB, peak RSS 171 MB;
 * - 2^20 rows: prove 4.45-5.3 s, verify 17.6-26 ms, proof 90.2 KB, peak RSS 760-840 MB.
 * Phases at 2^20 (`TZKVM_STARK_TIMING=1`): main commitment 1.35 s (first WASM use included),
 * quotient (domain LDE 0.1 s, selectors 0.18 s, constraints 0.38 s, chunk split 0.37 s),
 * quotient commitment 0.8 s, PCS opening 2.1 s. The 2 s goal is not met; most of the time is
 * the PCS (LDE, DEEP, FRI).
 * @module
 */
import { ProofOptions, securityBits } from '../prover/options.ts';
import { defineMachine } from '../prover/stark/machine.ts';
import { prove } from '../prover/stark/prove.ts';
import { verify } from '../prover/stark/verify.ts';
import { encodeProof } from '../prover/proof-format.ts';
import { defaultBackend } from '../prover/stark/pcs.ts';
import { fibTable, fibTrace } from './fib-air.ts';

export interface FibBenchResult {
  readonly rows: number;
  readonly cells: number;
  readonly proveMs: number;
  readonly verifyMs: number;
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
    const t1 = performance.now();
    verify(fibMachine, proof, { minSecurityBits: 0, publics: [publics] });
    const verifyMs = performance.now() - t1;
    return {
      rows: trace.height,
      cells: trace.height * fibTable.info.cellsPerRow,
      proveMs: Math.round(proveMs),
      verifyMs: Math.round(verifyMs * 10) / 10,
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
  const logRows = Number(process.argv[2] ?? 16);
  runFibBench({ logRows }).then(
    (r) => console.log(JSON.stringify(r)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
