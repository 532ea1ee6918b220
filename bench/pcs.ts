/**
 * PCS benchmark: the commitments and the opening of a Fibonacci-shaped STARK (a 2-column trace of
 * 2^logRows rows opened at zeta and zeta * w, a quotient of `chunks` ext4 chunks, i.e. 4 * chunks
 * base columns, opened at zeta), with the given options. Prints per-phase times, proof size by
 * part, and verification time. Inputs are seeded.
 * Run: `npx tsx bench/pcs.ts [--log-rows 20] [--log-blowup 3] [--queries 28] [--arity 8]
 *       [--final 3] [--pow 16] [--chunks 1] [--threads 2] [--runs 1] [--ts]`.
 * With --runs N the whole commit/open/verify is repeated N times (later runs reuse kernel memory
 * that the first one grew, so they show the steady state of a long-lived prover).
 * @module
 */
import { createBackend } from '../prover/backend-wasm.ts';
import { TsBackend } from '../prover/backend-ts.ts';
import { P } from '../prover/field/babybear.ts';
import * as bb from '../prover/field/babybear.ts';
import * as e4 from '../prover/field/ext4.ts';
import { blake3Hasher } from '../prover/hash/blake3.ts';
import { proofOptions, securityBits } from '../prover/options.ts';
import { TwoAdicFriPcs, pcsProofParts, verifyPcs } from '../prover/pcs.ts';
import { Transcript } from '../prover/transcript.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const logRows = arg('log-rows', 20);
const opts = proofOptions({
  logBlowup: arg('log-blowup', 3),
  numQueries: arg('queries', 28),
  foldingArity: arg('arity', 8),
  logFinalPolyLen: arg('final', 3),
  powBits: arg('pow', 16),
});
const chunks = arg('chunks', 1);
const backend = process.argv.includes('--ts') ? new TsBackend() : await createBackend({ threads: arg('threads', 2) });

let s = 12345;
const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % P; };
const n = 2 ** logRows;
const trace = { values: Uint32Array.from({ length: 2 * n }, rnd), width: 2, height: n };
const quotient = { values: Uint32Array.from({ length: 4 * chunks * n }, rnd), width: 4 * chunks, height: n };

const pcs = new TwoAdicFriPcs(opts, backend, blake3Hasher);
for (let run = 0; run < arg('runs', 1); run++) {
  const t = new Transcript('bench');
  let t0 = performance.now();
  const main = await pcs.commit([trace]);
  const tMain = performance.now() - t0;
  t.observeDigest(main.root);
  t0 = performance.now();
  const q = await pcs.commit([quotient]);
  const tQuot = performance.now() - t0;
  t.observeDigest(q.root);
  const zeta = t.sampleExt();
  const zetaNext = e4.eScale(zeta, bb.rootOfUnity(logRows));
  t0 = performance.now();
  const { values, proof } = await pcs.open([{ data: main.data, points: [[zeta, zetaNext]] }, { data: q.data, points: [[zeta]] }], t);
  const tOpen = performance.now() - t0;

  const vt = new Transcript('bench');
  vt.observeDigest(main.root);
  vt.observeDigest(q.root);
  vt.sampleExt();
  t0 = performance.now();
  verifyPcs(opts, blake3Hasher, [
    { root: main.root, dims: [{ width: 2, height: n }], points: [[zeta, zetaNext]], values: values[0]! },
    { root: q.root, dims: [{ width: 4 * chunks, height: n }], points: [[zeta]], values: values[1]! },
  ], proof, vt);
  const tVerify = performance.now() - t0;

  const parts = pcsProofParts(proof);
  const total = parts.reduce((a, p) => a + p.bytes, 0);
  console.log(`backend ${backend.name}, 2^${logRows} rows, options ${JSON.stringify(opts)} (${securityBits(opts)} bits)`);
  console.log(`commit main ${tMain.toFixed(0)} ms, commit quotient ${tQuot.toFixed(0)} ms, open ${tOpen.toFixed(0)} ms, verify ${tVerify.toFixed(1)} ms`);
  for (const p of parts) console.log(`  ${p.name}: ${p.count} (${p.bytes} B)`);
  console.log(`PCS proof ${total} B (${(total / 1024).toFixed(1)} KiB)`);
  pcs.release(main.data);
  pcs.release(q.data);
}
await backend.dispose();
