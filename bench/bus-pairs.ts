/**
 * Benchmark: the LogUp aux trace of a table with many interactions (8 sends of 3-tuples per row,
 * like a VM table doing several lookups), at 2^logRows rows, in two variants: `deg2` (the sends are
 * the only constraints of degree 2) and `deg3` (plus one main constraint of degree 3, as most VM
 * tables have). Prints committed cells, the best prove time of `samples` warm proofs (debug
 * checks off; the proof is verified with busBalance 'external', as its sends are not received)
 * and the best CPU time of building the aux trace alone.
 *
 * `npx tsx bench/bus-pairs.ts [logRows] [samples]`.
 * @module
 */
import { ProofOptions } from '../prover/options.ts';
import { defineMachine } from '../prover/stark/machine.ts';
import { defineTable } from '../prover/air/builder.ts';
import { layout } from '../prover/air/layout.ts';
import { buildAuxTrace, busChallenges, defineBus } from '../prover/bus.ts';
import { traceInputs } from '../prover/air/debug.ts';
import { prove } from '../prover/stark/prove.ts';
import { verify } from '../prover/stark/verify.ts';
import { defaultBackend } from '../prover/stark/pcs.ts';
import { seededField } from './_util.ts';

const K = 8;
const lookups = defineBus('bench-lookups', { arity: 3 });
const Cols = layout({ a: K, b: K, isReal: 1, c: 1 });

function tableOf(degree3: boolean) {
  return defineTable({
    name: degree3 ? 'lookups-deg3' : 'lookups-deg2',
    cols: Cols,
    eval(b) {
      const r = b.local(Cols);
      b.assertBool('isReal is a bit', r.isReal);
      if (degree3) b.when(r.isReal).assertEq('c = a0 b0', r.c, b.mul(r.a[0]!, r.b[0]!));
      else b.assertZero('c is zero', r.c);
      for (let k = 0; k < K; k++) lookups.send(b, [k, r.a[k]!, r.b[k]!], r.isReal);
    },
  });
}

export interface BusPairsResult {
  readonly variant: string;
  readonly rows: number;
  readonly auxWidth: number;
  readonly maxDegree: number;
  readonly cells: number;
  readonly proveMs: number;
  /** CPU time of building the aux trace alone (single-threaded, so less sensitive to a loaded machine). */
  readonly auxCpuMs: number;
}

export async function runBusPairsBench({ logRows = 16, samples = 3 }: { logRows?: number; samples?: number } = {}): Promise<Record<string, BusPairsResult>> {
  const n = 2 ** logRows;
  const backend = await defaultBackend();
  const options = ProofOptions.bench();
  const out: Record<string, BusPairsResult> = {};
  try {
    for (const degree3 of [false, true]) {
      const table = tableOf(degree3);
      const machine = defineMachine('bus-pairs', [table]);
      const values = new Uint32Array(n * Cols.width);
      const rnd = seededField(n * 2 * K, 7);
      for (let i = 0; i < n; i++) {
        const row = i * Cols.width;
        for (let k = 0; k < 2 * K; k++) values[row + k] = rnd[i * 2 * K + k]! & 0xffff;
        values[row + Cols.isReal] = 1;
        if (degree3) values[row + Cols.c] = Number((BigInt(values[row + Cols.a]!) * BigInt(values[row + Cols.b]!)) % 2013265921n);
      }
      const w = { traces: [{ values, width: Cols.width, height: n }] };
      let best = Infinity;
      for (let s = 0; s < samples + 1; s++) {
        const t0 = performance.now();
        const proof = await prove(machine, w, { options, backend, debug: false });
        const ms = performance.now() - t0;
        if (s > 0) best = Math.min(best, ms); // the first proof warms the backend up
        if (s === 0) verify(machine, proof, { busBalance: 'external' });
      }
      const challenges = busChallenges(Uint32Array.of(5, 6, 7, 8), Uint32Array.of(9, 10, 11, 12), table.system.maxArity);
      const inputs = { ...traceInputs(table, w.traces[0]!), challenges };
      let auxCpu = Infinity;
      for (let s = 0; s < samples; s++) {
        const c0 = process.cpuUsage();
        buildAuxTrace(table.system, inputs);
        const c = process.cpuUsage(c0);
        auxCpu = Math.min(auxCpu, (c.user + c.system) / 1000);
      }
      out[degree3 ? 'deg3' : 'deg2'] = {
        variant: table.name,
        rows: n,
        auxWidth: table.info.auxWidth,
        maxDegree: table.info.maxDegree,
        cells: n * table.info.cellsPerRow,
        proveMs: Math.round(best),
        auxCpuMs: Math.round(auxCpu),
      };
    }
  } finally {
    await backend.dispose();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const logRows = Number(process.argv[2] ?? 16);
  const samples = Number(process.argv[3] ?? 3);
  runBusPairsBench({ logRows, samples }).then(
    (r) => {
      for (const v of Object.values(r)) console.log(JSON.stringify(v));
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
