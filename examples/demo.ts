/**
 * `npm run demo`: the project's main job as it stands today, end to end on this machine.
 *
 * 1. Builds the sha256 guest (AssemblyScript -> WebAssembly -> zkVM bytecode) and prints its digest.
 * 2. Executes it in the VM on a message, recording the trace, and checks the output against
 *    @noble/hashes.
 * 3. Proves and verifies with the STARK core. Proving a VM execution needs the VM's own tables
 *    (CPU, memory, program, range), which are being built (issue 5); until they land, the demo
 *    proves the proof system's Fibonacci AIR at 2^20 rows with the default 100-bit options, so the
 *    figures printed are those of the real prover and verifier.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { buildProgram } from '../guest/build.ts';
import { encodeProgram } from '../vm/program.ts';
import { execute } from '../vm/executor.ts';
import { runFibBench } from '../bench/fib.ts';

const LOG_ROWS = Number(process.env.DEMO_LOG_ROWS ?? 20);

function ms(t: number): string {
  return t < 10 ? `${t.toFixed(1)} ms` : `${Math.round(t)} ms`;
}

async function main(): Promise<void> {
  console.log('tensor-zkvm demo\n');

  let t0 = performance.now();
  const program = await buildProgram('examples/sha256');
  const buildMs = performance.now() - t0;
  console.log(`1. built examples/sha256 in ${ms(buildMs)}`);
  console.log(`   program digest ${program.digest}`);
  console.log(`   ${encodeProgram(program).length} bytes of bytecode image\n`);

  const message = new TextEncoder().encode('tensor-zkvm: proving ML inference, one cycle at a time. '.repeat(16));
  t0 = performance.now();
  const run = execute(program, { input: message }, { record: true });
  const runMs = performance.now() - t0;
  const expected = sha256(message);
  const same = bytesToHex(run.output) === bytesToHex(expected);
  console.log(`2. executed SHA-256 of a ${message.length}-byte private input in ${ms(runMs)}`);
  console.log(`   output   ${bytesToHex(run.output)}`);
  console.log(`   expected ${bytesToHex(expected)} (@noble/hashes) ${same ? 'match' : 'MISMATCH'}`);
  const top = Object.entries(run.cyclesByClass)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  console.log(`   ${run.cycles} cycles (${top})\n`);
  if (!same) throw new Error('the VM computed a wrong SHA-256 digest');

  console.log(`3. proving a Fibonacci AIR of 2^${LOG_ROWS} rows with the STARK core (VM execution proofs land with issue 5)...`);
  const fib = await runFibBench({ logRows: LOG_ROWS });
  console.log(`   rows            ${fib.rows}`);
  console.log(`   prove           ${ms(fib.proveMs)}`);
  console.log(`   verify          ${ms(fib.verifyMs)} (accepted)`);
  console.log(`   proof size      ${(fib.proofBytes / 1024).toFixed(1)} KiB`);
  console.log(`   security        ${fib.securityBits} bits (conjectured)`);
  console.log(`   peak memory     ${(fib.peakMemoryBytes / 2 ** 20).toFixed(0)} MiB`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
