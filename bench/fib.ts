/**
 * Benchmark: prove and verify the two-column Fibonacci AIR (`fib-air.ts`) at 2^logRows rows.
 *
 * `runFibBench({ logRows, options })` returns the figures the CLI prints (`npx zkvm bench fib
 * --log-rows N --json`); run as a script it prints them: `npx tsx bench/fib.ts [logRows]`.
 * Prove time excludes trace generation; proof size is the encoded binary proof; peak memory is the
 * largest RSS sampled during proving.
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
