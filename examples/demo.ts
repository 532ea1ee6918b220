/**
 * `npm run demo`: the project's main job as it stands today, end to end on this machine.
 *
 * 1. Builds the sha256 guest (AssemblyScript -> WebAssembly -> zkVM bytecode) and prints its digest.
 * 2. Executes it in the VM on a message, recording the trace, and checks the output against
 *    @noble/hashes.
 * 3. Proves that run (every instruction, the memory, the output) with the default 100-bit
 *    options, writes nothing to disk, and verifies the proof against the program digest and the
 *    claimed output, as `zkvm prove` / `zkvm verify` do.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { buildProgram } from '../guest/build.ts';
import { encodeProgram } from '../vm/program.ts';
import { execute } from '../vm/executor.ts';
import { decodeVmProof, encodeVmProof, proveRun, verifyRun } from '../vm/prove.ts';
import { ProofOptions, securityBits } from '../prover/options.ts';

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

  const message = new TextEncoder().encode('tensor-zkvm: proving ML inference, one cycle at a time. '.repeat(Number(process.env.DEMO_REPEAT ?? 4)));
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

  console.log(`3. proving the run (${run.cycles} cycles, 100-bit options)...`);
  const options = ProofOptions.standard();
  t0 = performance.now();
  let last = '';
  const proved = await proveRun(program, { input: message }, {
    options,
    onProgress: (phase, f) => {
      const line = `${phase} ${Math.round(f * 100)}%`;
      if (line !== last && performance.now() - t0 > 1000) process.stderr.write(`   ${line}\n`);
      last = line;
    },
  });
  const proveMs = performance.now() - t0;
  const bytes = encodeVmProof(proved.proof);
  console.log(`   prove           ${ms(proveMs)} (${Math.round((proved.cycles / proveMs) * 1000)} cycles/s, ${proved.segments} segment${proved.segments > 1 ? 's' : ''})`);
  console.log(`   committed cells ${proved.cells}`);
  console.log(`   proof size      ${(bytes.length / 1024).toFixed(1)} KiB`);
  console.log(`   security        ${securityBits(options)} bits (conjectured)`);
  t0 = performance.now();
  await verifyRun(program.digest, { output: expected }, decodeVmProof(bytes));
  console.log(`   verify          ${ms(performance.now() - t0)} (accepted: this program, this output)`);
  const forged = Uint8Array.from(expected);
  forged[0]! ^= 1;
  const refused = await verifyRun(program.digest, { output: forged }, decodeVmProof(bytes)).then(() => false, () => true);
  console.log(`   another output  ${refused ? 'rejected' : 'ACCEPTED (bug)'}`);
  console.log(`   peak memory     ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  if (!refused) throw new Error('a forged output was accepted');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
