/**
 * Test scaffolding for the tables that touch the heap (load-store, bulk): a CPU stand-in sending
 * full 15-element ALU tuples (with ts and e), the memory image and boundary tables around the
 * table under test, the lookup tables, and an I/O stand-in playing the verifier's part on the io bus.
 * Runs come from the executor's record of small WAT programs; CPU timestamps and heap size per row
 * are recomputed the way the CPU table does (T0 = 1, T += 4 + 2 n per row).
 */
import { defineTable, type AnyTable } from '../../../prover/air/builder.ts';
import { layout } from '../../../prover/air/layout.ts';
import { checkAllConstraints, checkBuses, traceInputs, type BusCheckInput } from '../../../prover/air/debug.ts';
import { compile, registerFile, run } from '../../../prover/air/program.ts';
import { P } from '../../../prover/field/babybear.ts';
import { defineMachine } from '../../../prover/stark/machine.ts';
import { prove, setup } from '../../../prover/stark/prove.ts';
import { verify } from '../../../prover/stark/verify.ts';
import { ProofOptions } from '../../../prover/options.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { assembleWat } from '../../../guest/compiler/wat.ts';
import { compileWasm } from '../../../guest/compiler/index.ts';
import { execute } from '../../../vm/executor.ts';
import { INSTR_WORDS, OP, PAGE_SIZE } from '../../../vm/isa.ts';
import type { Program } from '../../../vm/program.ts';
import type { ExecutionRecord } from '../../../vm/record.ts';
import { ALU_ARITY, aluBus, heightFor, type LookupCounts } from '../../../vm/tables/alu.ts';
import { BoundaryCols, boundaryTable, boundaryTrace, defineImageTable, MemoryState } from '../../../vm/tables/memory.ts';
import { range16, range8 } from '../../../vm/tables/range.ts';
import { bytes } from '../../../vm/tables/bytes.ts';
import { ioBus } from '../../../vm/tables/io.ts';

/** Test-only CPU side: one full ALU tuple per row, multiplicity isReal. */
export const Stub15Cols = layout({ tuple: ALU_ARITY, isReal: 1 });
export const cpuStub15 = defineTable({
  name: 'cpu-stub',
  cols: Stub15Cols,
  eval(b) {
    const r = b.local(Stub15Cols);
    aluBus.send(b, r.tuple, r.isReal);
  },
});

/** Test-only verifier side of the io bus: sends (kind, pos, byte) with `send`, receives with `recv`. */
export const IoStubCols = layout({ tuple: 3, send: 1, recv: 1 });
export const ioStub = defineTable({
  name: 'io-stub',
  cols: IoStubCols,
  eval(b) {
    const r = b.local(IoStubCols);
    ioBus.send(b, r.tuple, r.send);
    ioBus.receive(b, r.tuple, r.recv);
  },
});

/** The ALU tuple with its ts and e. */
export function tuple15(op: number, x: number, xh: number, y: number, yh: number, z: number, zh: number, ts: number, e: number): number[] {
  const t = [op];
  for (const w of [x, xh, y, yh, z, zh]) t.push(w & 0xffff, (w >>> 16) & 0xffff);
  t.push(ts, e);
  return t;
}

export function stub15Trace(tuples: readonly (readonly number[])[]): Matrix {
  const height = heightFor(tuples.length);
  const w = Stub15Cols.width;
  const v = new Uint32Array(height * w);
  tuples.forEach((t, i) => {
    v.set(t, i * w);
    v[i * w + Stub15Cols.isReal] = 1;
  });
  return { values: v, width: w, height };
}

export function freshCounts(): LookupCounts {
  return { range8: range8.counts(), range16: range16.counts(), bytes: bytes.counts() };
}

/** A program from WAT (the executor tests' way). */
export function wat(src: string): Program {
  return compileWasm(assembleWat(src));
}

/** The heap at start: data segments over the initial pages. */
export function heapImage(p: Program): Uint8Array {
  const h = new Uint8Array(p.memory.initialPages * PAGE_SIZE);
  for (const seg of p.data) h.set(seg.bytes, seg.offset);
  return h;
}

/** A fresh heap-only memory replay (slots are not part of these tests). */
export function heapMemory(p: Program): MemoryState {
  return new MemoryState(new Int32Array(0), heapImage(p));
}

export interface CpuView {
  readonly rec: ExecutionRecord;
  /** Per cpu row: opcode, immediate c, timestamp T, heap pages. */
  readonly op: Int32Array;
  readonly imm: Int32Array;
  readonly ts: Int32Array;
  readonly pages: Int32Array;
  readonly pubPos: Int32Array;
  readonly outPos: Int32Array;
}

/** Runs `p` with record and derives the CPU-side values the table tests need. */
export function runView(p: Program, io: { input?: Uint8Array; publicInput?: Uint8Array } = {}): CpuView {
  const rec = execute(p, io, { record: true }).record!;
  const cpu = rec.cpu();
  const n = rec.cycles;
  const op = new Int32Array(n), imm = new Int32Array(n), ts = new Int32Array(n), pages = new Int32Array(n), pubPos = new Int32Array(n), outPos = new Int32Array(n);
  let t = 1, pg = p.memory.initialPages, pp = 0, oo = 0;
  for (let r = 0; r < n; r++) {
    const pc = cpu.pc[r]!;
    const o = p.code[pc * INSTR_WORDS]!;
    op[r] = o;
    imm[r] = p.code[pc * INSTR_WORDS + 3]!;
    ts[r] = t;
    pages[r] = pg;
    pubPos[r] = pp;
    outPos[r] = oo;
    const x = cpu.x[r]!, y = cpu.y[r]!, z = cpu.z[r]!;
    let nb = 0;
    if (o === OP.mcopy || o === OP.mfill || o === OP.read || o === OP.read_public) nb = z >>> 0;
    if (o === OP.commit) nb = y >>> 0;
    if (o === OP['memory.grow'] && z !== -1) pg += x >>> 0;
    if (o === OP.read_public) pp += z >>> 0;
    if (o === OP.commit) oo += y >>> 0;
    t += 4 + 2 * nb;
  }
  return { rec, op, imm, ts, pages, pubPos, outPos };
}

export const LOOKUPS: readonly AnyTable[] = [range8.table, range16.table, bytes.table];

/** Everything around the table under test, as built by `witness`. */
export interface MemWitness {
  readonly trace: Matrix;
  readonly publics: number[];
  readonly stub: Matrix;
  readonly image: ReturnType<typeof defineImageTable>;
  readonly imageTrace: Matrix;
  readonly boundary: Matrix;
  readonly lookups: Matrix[];
  readonly io?: Matrix;
  readonly mem: MemoryState;
}

/**
 * Builds a witness: `fill(mem, counts)` generates the table's trace (doing its accesses on `mem`) and
 * returns it with the stub's tuples; the image and boundary close the memory argument.
 */
export function witness(
  p: Program,
  fill: (mem: MemoryState, counts: LookupCounts) => { trace: Matrix; tuples: number[][]; publics?: number[]; io?: Matrix },
): MemWitness {
  const mem = heapMemory(p);
  const counts = freshCounts();
  const { trace, tuples, publics, io } = fill(mem, counts);
  const boundary = boundaryTrace(mem, counts.range16);
  const image = defineImageTable(mem.imageKeys, mem.imageValues);
  const ih = image.preprocessed!.values().height;
  return {
    trace, publics: publics ?? [], stub: stub15Trace(tuples), image, imageTrace: { values: new Uint32Array(ih), width: 1, height: ih }, boundary,
    lookups: [range8.trace(counts.range8), range16.trace(counts.range16), bytes.trace(counts.bytes)], mem, ...(io ? { io } : {}),
  };
}

/** The bus-check inputs of everything around the table. */
export function others(w: MemWitness): BusCheckInput[] {
  return [
    { table: cpuStub15, trace: w.stub },
    { table: w.image, trace: w.imageTrace, publics: [1], preprocessed: w.image.preprocessed!.values() },
    { table: boundaryTable, trace: w.boundary, publics: [1] },
    ...LOOKUPS.map((t, i) => ({ table: t, trace: w.lookups[i]!, preprocessed: t.preprocessed!.values() })),
    ...(w.io ? [{ table: ioStub, trace: w.io }] : []),
  ];
}

export function debugCheck(table: AnyTable, w: MemWitness): { ok: boolean; failures: string[] } {
  const c = checkAllConstraints(table, w.trace, { publics: w.publics });
  const b = checkBuses([{ table, trace: w.trace, publics: w.publics }, ...others(w)]);
  return { ok: c.ok && b.ok, failures: [...c.failures.map((f) => `${f.label} @${f.row}`), ...b.busFailures.map((f) => `${f.bus} ${f.table}@${f.row} [${f.tuple.join(',')}]`)] };
}

/** The heap key's row in the boundary trace (for attacks that re-derive the final state). */
export function boundaryRow(w: MemWitness, key: number): number {
  const bw = w.boundary.width;
  for (let r = 0; r < w.boundary.height; r++) if (w.boundary.values[r * bw] === key && w.boundary.values[r * bw + 5] === 1) return r;
  throw new Error(`no boundary row for key ${key}`);
}

/** A real proof over [stub, table, image, boundary, lookups (, io stub)]; verification throws on rejection. */
export async function proveAndVerify(table: AnyTable, w: MemWitness, opts: { debug?: boolean } = {}): Promise<void> {
  const tables: AnyTable[] = [cpuStub15, table, w.image, boundaryTable, ...LOOKUPS, ...(w.io ? [ioStub] : [])];
  const traces: Matrix[] = [w.stub, w.trace, w.imageTrace, w.boundary, ...w.lookups, ...(w.io ? [w.io] : [])];
  const publics = [undefined, w.publics, [1], [1], undefined, undefined, undefined, ...(w.io ? [undefined] : [])];
  const machine = defineMachine(`mem-test-${table.name}`, tables);
  const options = ProofOptions.testing();
  const proof = await prove(machine, { traces, publics }, { options, ...(opts.debug === false ? { debug: false } : {}) });
  const pk = await setup(machine, options);
  verify(machine, proof, { vk: pk.vk, minSecurityBits: 0 });
}

/** Every interaction of one table's trace on the named buses: (bus, row, tuple, signed multiplicity as a field element). */
export function interactionsOf(input: BusCheckInput, buses: ReadonlySet<string>): { bus: string; row: number; tuple: number[]; m: number }[] {
  const { table, trace } = input;
  const sys = table.system;
  const inp = traceInputs(table, trace, { publics: input.publics, preprocessed: input.preprocessed });
  const roots: number[] = [];
  for (const it of sys.interactions) roots.push(...it.tuple, it.multiplicity);
  const prog = compile(sys.dag, roots);
  const lanes = 256;
  const regs = registerFile(prog, lanes);
  const out: { bus: string; row: number; tuple: number[]; m: number }[] = [];
  for (let start = 0; start < trace.height; start += lanes) {
    const len = Math.min(lanes, trace.height - start);
    run(prog, inp, start, len, regs, lanes);
    for (let i = 0; i < len; i++) {
      let k = 0;
      for (const it of sys.interactions) {
        if (!buses.has(it.bus.name)) {
          k += it.tuple.length + 1;
          continue;
        }
        const tuple: number[] = [];
        for (let j = 0; j < it.tuple.length; j++) tuple.push(regs[prog.rootReg[k++]! * lanes + i]!);
        const m = regs[prog.rootReg[k++]! * lanes + i]!;
        if (m !== 0) out.push({ bus: it.bus.name, row: start + i, tuple, m: it.sign > 0 ? m : (P - m) % P });
      }
    }
  }
  return out;
}

/**
 * A cheater's best re-derivation after changing the table's trace: the CPU stub sends exactly the
 * tuples the table now receives (a CPU row writing the forged result), and the lookup tables'
 * multiplicities count every lookup the table and the boundary now make (values out of a lookup
 * table's range cannot be counted and stay unbalanced). Memory (boundary values) and the io stub
 * (the verifier's terms) are not touched here.
 */
export function follow(table: AnyTable, w: MemWitness, trace: Matrix, publics: readonly number[] = w.publics): void {
  const alu = interactionsOf({ table, trace, publics }, new Set(['alu']));
  const sw = Stub15Cols.width;
  w.stub.values.fill(0);
  if (alu.length > w.stub.height) throw new Error('follow: the stub is too short');
  alu.forEach((a, i) => {
    w.stub.values.set(a.tuple, i * sw);
    w.stub.values[i * sw + Stub15Cols.isReal] = (P - a.m) % P;
  });
  const lk = new Set(['range8', 'range16', 'bytes']);
  const all = [...interactionsOf({ table, trace, publics }, lk), ...interactionsOf({ table: boundaryTable, trace: w.boundary, publics: [1] }, lk)];
  for (const m of w.lookups) m.values.fill(0);
  for (const a of all) {
    if (a.bus === 'range8' && a.tuple[0]! < 256) w.lookups[0]!.values[a.tuple[0]!] = (w.lookups[0]!.values[a.tuple[0]!]! + a.m) % P;
    if (a.bus === 'range16' && a.tuple[0]! < 65536) w.lookups[1]!.values[a.tuple[0]!] = (w.lookups[1]!.values[a.tuple[0]!]! + a.m) % P;
    if (a.bus === 'bytes') {
      const [kind, x, y] = a.tuple as [number, number, number];
      if (kind < 4 && x < 256 && y < 256) {
        const row = (y << 8) | x;
        const v = w.lookups[2]!.values;
        v[row * 4 + kind] = (v[row * 4 + kind]! + a.m) % P;
      }
    }
  }
}

/** Boundary edits for attacks that re-derive the final memory state: set a cell's final value limb or timestamp, or drop a cell. */
export const boundaryEdit = {
  value(w: MemWitness, key: number, limb: 0 | 1, v: number): void {
    w.boundary.values[boundaryRow(w, key) * w.boundary.width + BoundaryCols.v + limb] = v;
  },
  ts(w: MemWitness, key: number, ts: number): void {
    w.boundary.values[boundaryRow(w, key) * w.boundary.width + BoundaryCols.ts] = ts;
  },
  /** Renames a cell (the key must stay between its neighbours) and redoes the order-check limbs. */
  rekey(w: MemWitness, from: number, to: number): void {
    const b = w.boundary, bw = b.width, r = boundaryRow(w, from);
    b.values[r * bw + BoundaryCols.key] = to;
    b.values[r * bw + BoundaryCols.keyLimbs] = to & 0xffff;
    b.values[r * bw + BoundaryCols.keyLimbs + 1] = to >>> 16;
    for (const i of [r, r + 1]) {
      if (i === 0 || !b.values[i * bw + BoundaryCols.isReal]) continue;
      const d = b.values[i * bw]! - b.values[(i - 1) * bw]! - 1;
      b.values[i * bw + BoundaryCols.keyDiff] = d & 0xffff;
      b.values[i * bw + BoundaryCols.keyDiff + 1] = d >>> 16;
    }
  },
  /** Removes the cell's row (it was never accessed after all) and redoes the order-check limbs. */
  drop(w: MemWitness, key: number): void {
    const b = w.boundary, bw = b.width, r = boundaryRow(w, key);
    b.values.copyWithin(r * bw, (r + 1) * bw);
    b.values.fill(0, (b.height - 1) * bw);
    for (let i = 1; i < b.height && b.values[i * bw + BoundaryCols.isReal]; i++) {
      const d = b.values[i * bw]! - b.values[(i - 1) * bw]! - 1;
      b.values[i * bw + BoundaryCols.keyDiff] = d & 0xffff;
      b.values[i * bw + BoundaryCols.keyDiff + 1] = d >>> 16;
    }
    b.values[BoundaryCols.keyDiff] = 0;
    b.values[BoundaryCols.keyDiff + 1] = 0;
  },
};
