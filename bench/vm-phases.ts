/**
 * Benchmark: the prover's TypeScript paths of two phases (the prover itself runs them on the WASM
 * kernels when built; `TZKVM_AUX_TS=1` / `TZKVM_QUOTIENT_TS=1` make it use these) on a real VM witness (the SHA-256 guest at about
 * 2^logCycles cycles), one table at a time, so a change to the aux trace or the quotient evaluator
 * can be measured without the rest of the proof. Prints per table: rows, aux-trace CPU ms and
 * quotient-evaluation CPU ms (single thread, on random "LDE" inputs of the quotient domain's size:
 * the evaluator's cost does not depend on the values). CPU time, not wall time, so that other
 * processes on the machine disturb it less. Also writes a digest of every aux trace, so two
 * versions of `buildAuxTrace` can be checked to agree: `BENCH_DIGEST=1`.
 *
 * `BENCH_REPS=3 node --import ./bench/_tsx-preload.mjs bench/vm-phases.ts [logCycles] [aux|quotient|all] [table]`
 * @module
 */
import { createHash } from 'node:crypto';
import { buildProgram } from '../guest/build.ts';
import { inputForCycles } from '../examples/sizing.ts';
import { execute } from '../vm/executor.ts';
import { vmMachine } from '../vm/machine.ts';
import { generateWitness } from '../vm/trace.ts';
import { buildAuxTrace, busChallenges } from '../prover/bus.ts';
import { traceInputs } from '../prover/air/debug.ts';
import { domainSelectors, logQuotientBlowup, quotientValues } from '../prover/stark/quotient.ts';
import { seededField } from './_util.ts';

const logCycles = Number(process.argv[2] ?? 16);
const what = process.argv[3] ?? 'all';
const only = process.argv[4];
const program = await buildProgram('examples/sha256');
const { input } = inputForCycles('sha256', 2 ** logCycles - 1200, program);
const run = execute(program, { input }, { record: true });
const vm = vmMachine(program);
const witness = generateWitness(vm, run.record!, 1 << 22);
run.record!.release();
const seg = witness.segments[0]!;
const beta = seededField(4, 11);
const gamma = seededField(4, 13);
const challenges = busChallenges(beta, gamma, vm.machine.maxArity);

/** Best CPU time of BENCH_REPS (default 1) runs: contention only ever adds to it. */
const reps = Number(process.env.BENCH_REPS ?? 1);
const cpuMs = (f: () => void): number => {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = process.cpuUsage();
    f();
    const d = process.cpuUsage(t);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return best;
};

console.log(`cycles ${run.cycles}`);
let auxTotal = 0;
let qTotal = 0;
const digest = createHash('sha256');
for (let i = 0; i < vm.machine.tables.length; i++) {
  const table = vm.machine.tables[i]!;
  if (only && table.name !== only) continue;
  const sys = table.system;
  const trace = seg.traces[i]!;
  const line = [`${table.name.padEnd(18)} rows 2^${Math.log2(trace.height)} width ${trace.width} interactions ${sys.interactions.length} constraints ${sys.constraints.length}`];
  let busSum: Uint32Array = new Uint32Array(4);
  let auxW = 0;
  if (sys.interactions.length > 0 && (what === 'aux' || what === 'all')) {
    const inputs = { ...traceInputs(table, trace, { publics: seg.publics?.[i] ?? [] }), challenges };
    let r!: ReturnType<typeof buildAuxTrace>;
    const ms = cpuMs(() => {
      r = buildAuxTrace(sys, inputs);
    });
    auxTotal += ms;
    busSum = r.busSum;
    auxW = r.aux.width;
    digest.update(r.aux.values);
    line.push(`aux ${ms.toFixed(0)} ms`);
  }
  if (what === 'quotient' || what === 'all') {
    const logN = Math.log2(trace.height);
    const logQ = logQuotientBlowup(table.info.quotientChunks);
    const N = trace.height << logQ;
    const sel = domainSelectors(logN, logQ);
    const fill = (w: number): Uint32Array => seededField(w * N, 17 + w);
    const auxWidth = auxW || (sys.interactions.length > 0 ? 4 * (sys.auxGroups.length + 1) : 0);
    const inputs = {
      main: fill(trace.width),
      mainWidth: trace.width,
      pre: sys.preWidth > 0 ? fill(sys.preWidth) : undefined,
      preWidth: sys.preWidth,
      aux: auxWidth > 0 ? fill(auxWidth) : undefined,
      auxWidth,
      height: N,
      nextStride: 1 << logQ,
      isFirstRow: sel.isFirstRow,
      isLastRow: sel.isLastRow,
      isTransition: sel.isTransition,
      publics: Uint32Array.from(seg.publics?.[i] ?? []),
      challenges,
      busSum,
    };
    const alphaPowers = seededField(4 * sys.constraints.length, 19);
    let q!: Uint32Array;
    const ms = cpuMs(() => {
      q = quotientValues(sys, inputs, sel.invZ, alphaPowers);
    });
    digest.update(q.subarray(0, 4096));
    qTotal += ms;
    line.push(`quotient(2^${logN + logQ}) ${ms.toFixed(0)} ms`);
  }
  console.log(line.join('  '));
}
console.log(`total aux ${auxTotal.toFixed(0)} ms, quotient ${qTotal.toFixed(0)} ms`);
if (process.env.BENCH_DIGEST) console.log(`digest ${digest.digest('hex').slice(0, 16)}`);
