/**
 * Benchmark: proving a whole run of the SHA-256 guest at about 2^logCycles cycles with
 * `ProofOptions.standard()`, end to end (execute, trace, setup, segment proof), then verifying it.
 * Prints cycles, prove time, cycles/s, committed cells, proof size, peak RSS, rows per table and
 * verify time. With TZKVM_STARK_TIMING=1 the prover prints its phases; PROG=1 prints progress.
 *
 * The input is sized for `2^logCycles - margin` cycles (default margin 4400, about one SHA-256
 * block, so that the CPU table stays at 2^logCycles rows; margin 200 lands just above 2^16 and
 * doubles the CPU table).
 *
 * `node --import ./bench/_tsx-preload.mjs bench/vm-profile.ts [logCycles] [margin]`
 * @module
 */
import { buildProgram } from '../guest/build.ts';
import { inputForCycles } from '../examples/sizing.ts';
import { proveRun, verifyRun, encodeVmProof } from '../vm/prove.ts';
import { ProofOptions } from '../prover/options.ts';

const log = Number(process.argv[2] ?? 16);
const margin = Number(process.argv[3] ?? 4400);
const program = await buildProgram('examples/sha256');
const { input } = inputForCycles('sha256', 2 ** log - margin, program);
const t0 = performance.now();
const r = await proveRun(program, { input }, { options: ProofOptions.standard(), onProgress: (p, f) => process.env.PROG && console.error(p, f, Math.round(performance.now() - t0)) });
const ms = performance.now() - t0;
const bytes = encodeVmProof(r.proof);
console.log('cycles', r.cycles, 'prove ms', Math.round(ms), 'cycles/s', Math.round((r.cycles / ms) * 1000), 'cells', r.cells, 'proof KiB', (bytes.length / 1024).toFixed(1), 'maxRSS MiB', Math.round(process.resourceUsage().maxRSS / 1024));
console.log(JSON.stringify(r.rowsByTable));
const t1 = performance.now();
await verifyRun(program.digest, {}, r.proof);
console.log('verify ms', Math.round(performance.now() - t1));
