/**
 * Test scaffolding shared by the ALU table suites: a CPU stand-in that sends ALU tuples, the
 * lookup tables, the debug checks and a real prove/verify over [stub, table, lookups].
 */
import { defineTable, type AnyTable } from '../../../prover/air/builder.ts';
import { layout } from '../../../prover/air/layout.ts';
import { checkAllConstraints, checkBuses, type BusCheckInput } from '../../../prover/air/debug.ts';
import { defineMachine } from '../../../prover/stark/machine.ts';
import { prove } from '../../../prover/stark/prove.ts';
import { verify } from '../../../prover/stark/verify.ts';
import { ProofOptions } from '../../../prover/options.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { ALU_ARITY, aluBus, aluTuple, heightFor, type AluEvents, type LookupCounts } from '../../../vm/tables/alu.ts';
import { range16, range8 } from '../../../vm/tables/range.ts';
import { bytes } from '../../../vm/tables/bytes.ts';

/** Test-only CPU side: sends one ALU tuple per row with multiplicity isReal. */
export const StubCols = layout({ tuple: ALU_ARITY, isReal: 1 });
export const cpuStub = defineTable({
  name: 'cpu-stub',
  cols: StubCols,
  eval(b) {
    const r = b.local(StubCols);
    aluBus.send(b, r.tuple, r.isReal);
  },
});

export interface AluEvent {
  readonly op: number;
  readonly x: number;
  readonly xh?: number;
  readonly y: number;
  readonly yh?: number;
  readonly z: number;
  readonly zh?: number;
}

export function toEvents(list: readonly AluEvent[]): AluEvents {
  const col = (f: (e: AluEvent) => number | undefined) => Int32Array.from(list, (e) => (f(e) ?? 0) | 0);
  return { length: list.length, op: col((e) => e.op), x: col((e) => e.x), xh: col((e) => e.xh), y: col((e) => e.y), yh: col((e) => e.yh), z: col((e) => e.z), zh: col((e) => e.zh) };
}

export function stubTrace(list: readonly AluEvent[], height = heightFor(list.length)): Matrix {
  const w = StubCols.width;
  const v = new Uint32Array(height * w);
  list.forEach((e, i) => {
    v.set(aluTuple(e.op, e.x, e.xh ?? 0, e.y, e.yh ?? 0, e.z, e.zh ?? 0), i * w);
    v[i * w + StubCols.isReal] = 1;
  });
  return { values: v, width: w, height };
}

export function freshCounts(): LookupCounts {
  return { range8: range8.counts(), range16: range16.counts(), bytes: bytes.counts() };
}

export const LOOKUP_TABLES: readonly AnyTable[] = [range8.table, range16.table, bytes.table];

/** Everything a table under test needs: its trace, the stub's, and the lookup tables'. */
export interface AluWitness {
  readonly trace: Matrix;
  readonly stub: Matrix;
  readonly lookups: readonly Matrix[];
}

export function aluWitness(list: readonly AluEvent[], traceOf: (ev: AluEvents, counts: LookupCounts) => Matrix): AluWitness {
  const counts = freshCounts();
  const trace = traceOf(toEvents(list), counts);
  return { trace, stub: stubTrace(list), lookups: [range8.trace(counts.range8), range16.trace(counts.range16), bytes.trace(counts.bytes)] };
}

/** The bus-check inputs of the tables around `table` (stub and lookups). */
export function others(w: AluWitness): BusCheckInput[] {
  return [{ table: cpuStub, trace: w.stub }, ...LOOKUP_TABLES.map((t, i) => ({ table: t, trace: w.lookups[i]!, preprocessed: t.preprocessed!.values() }))];
}

/** Constraint and bus checks together: ok, or the failures. */
export function debugCheck(table: AnyTable, w: AluWitness): { ok: boolean; failures: string[] } {
  const c = checkAllConstraints(table, w.trace);
  const b = checkBuses([{ table, trace: w.trace }, ...others(w)]);
  return { ok: c.ok && b.ok, failures: [...c.failures.map((f) => `${f.label} @${f.row}`), ...b.busFailures.map((f) => `${f.bus} ${f.table}@${f.row}`)] };
}

/** A real proof over [stub, table, range8, range16, bytes] at testing options; throws if verification fails. */
export async function proveAndVerify(table: AnyTable, w: AluWitness): Promise<void> {
  const machine = defineMachine(`alu-test-${table.name}`, [cpuStub, table, ...LOOKUP_TABLES]);
  const options = ProofOptions.testing();
  const proof = await prove(machine, { traces: [w.stub, w.trace, ...w.lookups] }, { options });
  const { setup } = await import('../../../prover/stark/prove.ts');
  const pk = await setup(machine, options);
  verify(machine, proof, { vk: pk.vk, minSecurityBits: 0 });
}
