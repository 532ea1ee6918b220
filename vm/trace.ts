/**
 * Trace generation: an ExecutionRecord -> the traces of every table, one witness per segment.
 *
 * The run is cut into segments of `segmentCycles` CPU rows. Memory is replayed once, in time
 * order, across all segments (`MemoryState`): each CPU row's slot accesses at ts, ts + 1, ts + 2,
 * then the heap accesses of its load/store or bulk rows from ts + 3, so every access finds the
 * previous value and timestamp the memory argument needs. Each segment gets its own lookup
 * counters; the first segment carries the memory image, the last the memory boundary.
 *
 * `segmentWitnesses` is an iterator: it builds one segment's traces per step, so a caller that
 * drops each segment before asking for the next holds one segment's traces at a time (plus the
 * memory replay state, which only grows with the cells touched). The replay runs in order, so
 * segment k is only reachable by replaying segments 0..k-1 again (cheap next to proving them);
 * the boundary trace is only known with the last segment. `generateWitness` collects every
 * segment (tests, and the concurrent proving path of vm/prove.ts).
 * @module
 */
import type { Matrix } from '../prover/matrix.ts';
import { inv } from '../prover/field/babybear.ts';
import type { ExtraBusTerm } from '../prover/air/debug.ts';
import type { ExecutionRecord } from './record.ts';
import { ISA, OP, type ProofTable } from './isa.ts';
import { ALU_TABLES, type VmMachine } from './machine.ts';
import { CpuCols } from './tables/cpu.ts';
import { FLAGS, FLAG_BIT, NotProvableError, type Decoded } from './tables/program.ts';
import { boundaryTrace, emptyBoundaryTrace, type AccessRecord, type MemoryState } from './tables/memory.ts';
import { heightFor, type AluEvents, type LookupCounts } from './tables/alu.ts';
import { range8, range16 } from './tables/range.ts';
import { bytes } from './tables/bytes.ts';
import { LoadStoreCols, loadStoreRow } from './tables/load-store.ts';
import { BulkBuilder } from './tables/bulk.ts';

/** First CPU timestamp (0 is the initial state of every cell). */
export const TS0 = 1;

/** The state a segment starts from (the `state` bus tuple). */
export interface SegmentState {
  readonly ts: number;
  readonly pc: number;
  readonly fp: number;
  readonly pages: number;
  readonly pubPos: number;
  readonly outPos: number;
  readonly inEof: number;
}

export interface SegmentWitness {
  readonly index: number;
  /** CPU rows [start, end) of the run. */
  readonly start: number;
  readonly end: number;
  readonly traces: Matrix[];
  readonly publics: (number[] | undefined)[];
  readonly entry: SegmentState;
  /** The state after its last row (the next segment's entry; for the last segment, pubPos is the public input consumed). */
  readonly exit: SegmentState;
}

export interface RunWitness {
  readonly segments: SegmentWitness[];
  readonly initial: SegmentState;
  /** Public-input bytes the guest consumed (the verifier sends exactly these). */
  readonly pubConsumed: number;
}

class Events implements AluEvents {
  length = 0;
  op = new Int32Array(64);
  x = new Int32Array(64);
  xh = new Int32Array(64);
  y = new Int32Array(64);
  yh = new Int32Array(64);
  z = new Int32Array(64);
  zh = new Int32Array(64);
  push(op: number, x: number, xh: number, y: number, yh: number, z: number, zh: number): void {
    if (this.length === this.op.length) {
      for (const k of ['op', 'x', 'xh', 'y', 'yh', 'z', 'zh'] as const) {
        const a = new Int32Array(this.length * 2);
        a.set(this[k]);
        this[k] = a;
      }
    }
    const i = this.length++;
    this.op[i] = op;
    this.x[i] = x;
    this.xh[i] = xh;
    this.y[i] = y;
    this.yh[i] = yh;
    this.z[i] = z;
    this.zh[i] = zh;
  }
}

/** Rows of a table filled one at a time (height grows by doubling). */
class RowBuffer {
  values: Uint32Array;
  rows = 0;
  constructor(readonly width: number) {
    this.values = new Uint32Array(64 * width);
  }
  /** Index of a fresh zeroed row. */
  next(): number {
    if ((this.rows + 1) * this.width > this.values.length) {
      const v = new Uint32Array(this.values.length * 2);
      v.set(this.values);
      this.values = v;
    }
    return this.rows++;
  }
  matrix(): Matrix {
    const h = heightFor(this.rows);
    const need = h * this.width;
    const values = this.values.length === need ? this.values : this.values.length > need ? this.values.slice(0, need) : (() => { const v = new Uint32Array(need); v.set(this.values); return v; })();
    return { values, width: this.width, height: h };
  }
}

/** Per-row high words of the record's wide events (0 where none). */
function wideByRow(rec: ExecutionRecord): { xh: Int32Array; yh: Int32Array; zh: Int32Array } {
  const n = rec.cycles;
  const xh = new Int32Array(n), yh = new Int32Array(n), zh = new Int32Array(n);
  const w = rec.wide;
  for (let k = 0; k < w.row.length; k++) {
    const r = w.row[k]!;
    xh[r] = w.xh[k]!;
    yh[r] = w.yh[k]!;
    zh[r] = w.zh[k]!;
  }
  return { xh, yh, zh };
}

const F = FLAG_BIT;
const has = (d: Decoded, bit: number): boolean => ((d.flags >>> bit) & 1) === 1;

function checkSegmentCycles(segmentCycles: number): void {
  if (!(Number.isInteger(segmentCycles) && segmentCycles >= 2 && (segmentCycles & (segmentCycles - 1)) === 0)) {
    throw new RangeError(`segment size must be a power of two >= 2, got ${segmentCycles}`);
  }
}

/** The number of segments a run of `cycles` CPU rows is cut into (at least one). */
export function segmentCount(cycles: number, segmentCycles: number): number {
  checkSegmentCycles(segmentCycles);
  return Math.max(1, Math.ceil(cycles / segmentCycles));
}

/** The state every run starts from (the verifier sends it on the `state` bus). */
export function initialState(vm: VmMachine): SegmentState {
  const { program } = vm;
  return { ts: TS0, pc: program.entry, fp: program.globals.length, pages: program.memory.initialPages, pubPos: 0, outPos: 0, inEof: 0 };
}

/**
 * Builds every segment's traces from a halting run's record. Throws NotProvableError for runs the
 * proof system cannot prove (a trap or panic row, limits).
 */
export function generateWitness(vm: VmMachine, rec: ExecutionRecord, segmentCycles: number): RunWitness {
  const segments = [...segmentWitnesses(vm, rec, segmentCycles)];
  return { segments, initial: initialState(vm), pubConsumed: segments[segments.length - 1]!.exit.pubPos };
}

/**
 * The segments' witnesses, one per step, in order (`segmentCount(rec.cycles, segmentCycles)` of
 * them). The replay's state lives in the iterator: each call starts from the record's first row,
 * and `rec` must stay alive (not released) until the iterator is done. The run's checks (ends with
 * halt) come before the first segment; a row that cannot be proved throws NotProvableError when its
 * segment is built. Each yielded witness is the caller's: the iterator keeps no reference to it.
 */
export function* segmentWitnesses(vm: VmMachine, rec: ExecutionRecord, segmentCycles: number): Generator<SegmentWitness, void, undefined> {
  checkSegmentCycles(segmentCycles);
  const { program, tables } = vm;
  const cpu = rec.cpu();
  const wide = wideByRow(rec);
  const bulkEv = rec.bulk;
  const bulkAt = new Map<number, number>();
  for (let k = 0; k < bulkEv.row.length; k++) bulkAt.set(bulkEv.row[k]!, k);
  const mem: MemoryState = vm.initialMemory();
  const nSeg = segmentCount(rec.cycles, segmentCycles);
  const last = rec.cycles - 1;
  if (rec.cycles === 0 || program.code[cpu.pc[last]! * 4] !== OP.halt) throw new NotProvableError('only runs that end with halt can be proved');

  let state: SegmentState = initialState(vm);
  const W = CpuCols.width;
  const acc: AccessRecord = { prev: 0, prevTs: 0, d0: 0, d1: 0 };
  const pubLen = rec.publicInput.length;

  for (let s = 0; s < nSeg; s++) {
    const start = s * segmentCycles;
    const end = Math.min(rec.cycles, start + segmentCycles);
    const entry = { ...state };
    const counts: LookupCounts = { range8: range8.counts(), range16: range16.counts(), bytes: bytes.counts() };
    const h = heightFor(end - start);
    const t = new Uint32Array(h * W);
    const alu = new Map<ProofTable, Events>(ALU_TABLES.map((a) => [a.name, new Events()]));
    const ls = new RowBuffer(LoadStoreCols.width);
    const bk = new BulkBuilder(pubLen);
    const fetches = new Uint32Array(tables.program.preprocessed!.values().height);
    const elemFetches = new Uint32Array(tables.elem.preprocessed!.values().height);
    let { ts, fp, pages, pubPos, outPos, inEof } = state;

    for (let r = start; r < end; r++) {
      const pc = cpu.pc[r]!;
      const d = tables.decoded[pc];
      if (!d) throw new NotProvableError(`row ${r}: pc ${pc} (${ISA[program.code[pc * 4]!]!.mnemonic}) cannot be proved`);
      fetches[tables.rowOf[pc]!]!++;
      const o = (r - start) * W;
      let x = cpu.x[r]!, y = cpu.y[r]!, z = cpu.z[r]!;
      let xh = has(d, F.xWide) ? wide.xh[r]! : 0;
      const yh = has(d, F.yWide) ? wide.yh[r]! : 0;
      const zh = has(d, F.zWide) ? wide.zh[r]! : 0;
      if (!has(d, F.xWide)) xh = 0;
      const op = d.op;
      // Values the record leaves implicit.
      if (has(d, F.isBrTable)) {
        y = d.imm;
        z = (x >>> 0) < (d.imm >>> 0) ? 1 : 0;
      }
      if (has(d, F.isGrow)) {
        if (z === -1) throw new NotProvableError(`row ${r}: memory.grow by ${x >>> 0} pages failed (returned -1); only growth that succeeds can be proved`);
        if ((x >>> 0) > d.imm - pages) throw new NotProvableError(`row ${r}: memory.grow to ${pages + (x >>> 0)} pages: the proof system handles at most ${d.imm} (1 GiB)`);
        y = d.imm - pages + 1;
      }
      if (has(d, F.yImm) && !has(d, F.isBrTable)) y = d.imm | 0;

      // decoded fields and flags
      t[o + CpuCols.pc] = pc;
      t[o + CpuCols.op] = op;
      t[o + CpuCols.aluOp] = d.aluOp;
      t[o + CpuCols.xOff] = d.xOff;
      t[o + CpuCols.yOff] = d.yOff;
      t[o + CpuCols.zOff] = d.zOff;
      t[o + CpuCols.imm] = d.imm & 0xffff;
      t[o + CpuCols.imm + 1] = d.imm >>> 16;
      t[o + CpuCols.immH] = d.immH & 0xffff;
      t[o + CpuCols.immH + 1] = d.immH >>> 16;
      t[o + CpuCols.target] = d.target;
      t[o + CpuCols.frame] = d.frame;
      t[o + CpuCols.typeId] = d.typeId;
      for (let i = 0; i < FLAGS.length; i++) t[o + (CpuCols as unknown as Record<string, number>)[FLAGS[i]!]!] = (d.flags >>> i) & 1;
      t[o + CpuCols.ts] = ts;
      t[o + CpuCols.fp] = fp;
      t[o + CpuCols.pages] = pages;
      t[o + CpuCols.pubPos] = pubPos;
      t[o + CpuCols.outPos] = outPos;
      t[o + CpuCols.inEof] = inEof;
      const put2 = (col: number, v: number): void => {
        t[o + col] = v & 0xffff;
        t[o + col + 1] = v >>> 16;
      };
      put2(CpuCols.x, x);
      put2(CpuCols.xh, xh);
      put2(CpuCols.y, y);
      put2(CpuCols.yh, yh);
      put2(CpuCols.z, z);
      put2(CpuCols.zh, zh);

      // memory ports
      const c16 = counts.range16;
      const read = (key: number, at: number, want: number, tsCol: number, diffCol: number, what: string): void => {
        mem.access(key, at, undefined, c16, acc);
        if (acc.prev !== want) throw new Error(`trace: row ${r} (pc ${pc}) ${what} reads ${acc.prev}, the record says ${want}`);
        t[o + tsCol] = acc.prevTs;
        t[o + diffCol] = acc.d0;
        t[o + diffCol + 1] = acc.d1;
      };
      const write = (key: number, at: number, v: number, prevCol: number, tsCol: number, diffCol: number): void => {
        mem.access(key, at, v, c16, acc);
        put2(prevCol, acc.prev);
        t[o + tsCol] = acc.prevTs;
        t[o + diffCol] = acc.d0;
        t[o + diffCol + 1] = acc.d1;
      };
      const xKey = d.xOff + (has(d, F.xAbs) ? 0 : fp);
      const yKey = d.yOff + fp;
      const zKey = d.zOff + (has(d, F.zAbs) ? 0 : fp);
      if (has(d, F.xRead)) read(xKey, ts, x, CpuCols.xTs, CpuCols.xDiff, 'x');
      if (has(d, F.xWide)) read(xKey + 1, ts, xh, CpuCols.xhTs, CpuCols.xhDiff, 'xh');
      if (has(d, F.yRead)) read(yKey, ts + 1, y, CpuCols.yTs, CpuCols.yDiff, 'y');
      if (has(d, F.yWide)) read(yKey + 1, ts + 1, yh, CpuCols.yhTs, CpuCols.yhDiff, 'yh');
      if (has(d, F.zRead)) {
        read(zKey, ts + 2, z, CpuCols.zTs, CpuCols.zDiff, 'z');
        put2(CpuCols.zPrev, z);
      }
      if (has(d, F.zWrite)) write(zKey, ts + 2, z, CpuCols.zPrev, CpuCols.zTs, CpuCols.zDiff);
      if (has(d, F.zWide)) write(zKey + 1, ts + 2, zh, CpuCols.zhPrev, CpuCols.zhTs, CpuCols.zhDiff);

      // delegated work
      if (has(d, F.send)) {
        if (has(d, F.isLS)) {
          const store = has(d, F.yRead);
          const row = ls.next(); // may grow the buffer: take the row before the array
          loadStoreRow(ls.values, row, op, store ? y : x, store ? x : z, store ? xh : zh, ts, d.imm, pages, mem, counts);
        }
        else if (has(d, F.isBulk)) {
          const k = bulkAt.get(r);
          const src = k === undefined ? 0 : bulkEv.src[k]!;
          bk.add({ op, x, y, z, ts, pos: op === OP.read_public ? pubPos : op === OP.commit ? outPos : src, pages }, mem, counts, rec);
        } else {
          const table = ISA[d.aluOp]!.table;
          alu.get(table)!.push(d.aluOp, x, xh, y, yh, has(d, F.isGrow) ? 1 : z, zh);
        }
      }

      // control
      const npc = r < last ? cpu.pc[r + 1]! : pc;
      t[o + CpuCols.npc] = npc;
      if (has(d, F.isBrz) || has(d, F.isBrnz)) {
        const sum = (x & 0xffff) + (x >>> 16);
        t[o + CpuCols.cz] = sum === 0 ? 1 : 0;
        t[o + CpuCols.sInv] = sum === 0 ? 0 : inv(sum);
      }
      if (has(d, F.isCallInd)) elemFetches[tables.elemRowOf[x >>> 0]!]!++;
      if (has(d, F.isCall) || has(d, F.isCallInd)) {
        const callee = has(d, F.isCall) ? d.typeId : program.functions[program.table[x >>> 0]!]!.frameSize;
        const room = d.imm - (fp + d.frame + callee);
        if (room < 0) throw new NotProvableError(`row ${r}: the call overflows the 2^20-slot stack`);
        t[o + CpuCols.calleeFrame] = callee;
        t[o + CpuCols.stackRoom] = room & 0xffff;
        t[o + CpuCols.stackRoom + 1] = room >>> 16;
        counts.range16[room & 0xffff]!++;
        counts.range16[2048 * (room >>> 16)]!++;
      }
      t[o + CpuCols.isReal] = 1;
      if (r === end - 1) t[o + CpuCols.isLast] = 1;

      // next state
      const nBulk = has(d, F.bulkZ) ? z >>> 0 : has(d, F.isCommit) ? y >>> 0 : 0;
      ts += 4 + 2 * nBulk;
      if (has(d, F.isCall) || has(d, F.isCallInd)) fp += d.frame;
      if (has(d, F.isRet)) fp -= x >>> 16;
      if (has(d, F.isGrow)) pages += x >>> 0;
      if (has(d, F.isReadPub)) pubPos += z >>> 0;
      if (has(d, F.isCommit)) outPos += y >>> 0;
      if (op === OP.read && (z >>> 0) < (y >>> 0)) {
        t[o + CpuCols.short] = 1;
        inEof = 1;
      }
    }
    // padding rows: npc = pc + 1 = 1 keeps the (ungated) npc constraint
    for (let r = end - start; r < h; r++) t[r * W + CpuCols.npc] = 1;
    const exit: SegmentState = { ts, pc: cpu.pc[Math.min(end, last)]!, fp, pages, pubPos, outPos, inEof };
    state = exit;

    const traces: Matrix[] = new Array(vm.machine.tables.length);
    const publics: (number[] | undefined)[] = new Array(vm.machine.tables.length).fill(undefined);
    const idx = vm.index;
    traces[idx.cpu!] = { values: t, width: W, height: h };
    traces[idx.program!] = { values: fetches, width: 1, height: fetches.length };
    traces[idx.elem!] = { values: elemFetches, width: 1, height: elemFetches.length };
    const imageHeight = vm.machine.tables[idx['memory-image']!]!.preprocessed!.values().height;
    traces[idx['memory-image']!] = { values: new Uint32Array(imageHeight), width: 1, height: imageHeight };
    publics[idx['memory-image']!] = [s === 0 ? 1 : 0];
    for (const a of ALU_TABLES) traces[idx[a.table.name]!] = a.trace(alu.get(a.name)!, counts);
    traces[idx['load-store']!] = ls.matrix();
    traces[idx.bulk!] = bk.trace();
    publics[idx.bulk!] = bk.publics();
    traces[idx['memory-boundary']!] = s === nSeg - 1 ? boundaryTrace(mem, counts.range16) : emptyBoundaryTrace();
    publics[idx['memory-boundary']!] = [s === nSeg - 1 ? 1 : 0];
    traces[idx.range8!] = range8.trace(counts.range8);
    traces[idx.range16!] = range16.trace(counts.range16);
    traces[idx.bytes!] = bytes.trace(counts.bytes);
    yield { index: s, start, end, traces, publics, entry, exit };
  }
}

/** The verifier-side bus terms of a run (see vm/prove.ts): the initial state, halt, and the I/O bytes. */
export type { ExtraBusTerm };
