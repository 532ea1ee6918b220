/**
 * Test scaffolding for the VM's own tables (cpu, program, elem, memory image and boundary) on real
 * segment witnesses: a run of a real program through `generateWitness`, every table of every
 * segment as the bus partners of the table under test, and the verifier's own terms (`publicTerms`)
 * as `checkBuses`' extra terms.
 *
 * Checking a whole segment after each attack with `checkBuses` costs ~0.6 s (the 2^16-row lookup
 * tables), so `Checker` does it incrementally: the honest witness balances (checked once, fully),
 * so an attacked witness balances iff the interactions of the rows that changed (and of the rows
 * whose `next` changed) cancel against those rows' honest interactions. The result is the same set
 * of unbalanced buses `checkBuses` would report. Constraints are checked on every input of the
 * table under test (with `skip`), and on every other input whose trace changed (labels prefixed
 * with its table name, never skipped), so a cheat that breaks another table does not count as
 * passing.
 *
 * Cheats built from a variant program (`relabelled`, the way test/vm/malicious.test.ts does): run P'
 * (P with one instruction changed), then give every CPU row P's decode (fetched columns and flags)
 * and recompute every lookup multiplicity (range, bytes, program fetches, elem entries) against P's
 * tables. What remains is the one false statement the attack names.
 */
import type { AnyTable } from '../../../prover/air/builder.ts';
import { checkAllConstraints, checkBuses, traceInputs, type BusCheckInput, type ExtraBusTerm } from '../../../prover/air/debug.ts';
import { compile, registerFile, run, type Program as EvalProgram } from '../../../prover/air/program.ts';
import { P as FIELD_P, add, sub } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { assembleWat } from '../../../guest/compiler/wat.ts';
import { compileWasm } from '../../../guest/compiler/index.ts';
import { execute } from '../../../vm/executor.ts';
import { INSTR_WORDS, ISA } from '../../../vm/isa.ts';
import { makeProgram, type Program } from '../../../vm/program.ts';
import { vmMachine, type VmMachine } from '../../../vm/machine.ts';
import { generateWitness, type RunWitness, type SegmentWitness } from '../../../vm/trace.ts';
import { publicTerms, type RunClaim } from '../../../vm/prove.ts';
import { ALU_TABLES } from '../../../vm/machine.ts';
import type { AluEvents } from '../../../vm/tables/alu.ts';
import { bytes } from '../../../vm/tables/bytes.ts';
import { CpuCols } from '../../../vm/tables/cpu.ts';
import { BoundaryCols, HEAP_KEY_BASE } from '../../../vm/tables/memory.ts';
import { range16, range8 } from '../../../vm/tables/range.ts';
import { FLAGS, fetchTuple, type Decoded } from '../../../vm/tables/program.ts';
import { rederiveLookups } from '../_cheat.ts';

export const C = CpuCols as unknown as Readonly<Record<string, number>>;

/** A run's witness with the claim a prover would make for it. */
export interface Run {
  readonly vm: VmMachine;
  readonly witness: RunWitness;
  readonly claim: RunClaim;
}

export function watProgram(src: string, name = 'h5'): Program {
  return compileWasm(assembleWat(src), { name });
}

/** Executes `p` and builds its witness (segments of `segmentCycles` rows). */
export function runOf(p: Program, io: { publicInput?: Uint8Array; input?: Uint8Array }, segmentCycles = 1 << 16): Run {
  const r = execute(p, io, { record: true });
  const vm = vmMachine(p);
  const witness = generateWitness(vm, r.record!, segmentCycles);
  r.record!.release();
  return { vm, witness, claim: { publicInput: io.publicInput ?? new Uint8Array(0), output: r.output, pubConsumed: witness.pubConsumed } };
}

/** Every table of every segment, with P's fixed columns (`vm` is P's machine). */
export function inputsOf(vm: VmMachine, w: RunWitness): BusCheckInput[] {
  const out: BusCheckInput[] = [];
  for (const seg of w.segments) {
    vm.machine.tables.forEach((table, i) => out.push({ table, trace: seg.traces[i]!, publics: seg.publics[i], preprocessed: table.preprocessed?.values() }));
  }
  return out;
}

export function extraOf(p: Program, claim: RunClaim): ExtraBusTerm[] {
  return publicTerms(p, claim).map((t) => ({ bus: t.bus, tuple: t.tuple, multiplicity: t.multiplicity }));
}

/** A deep copy of a witness (attacks mutate it). */
export function cloneWitness(w: RunWitness): RunWitness {
  const seg = (s: SegmentWitness): SegmentWitness => ({
    ...s,
    traces: s.traces.map((m) => ({ values: m.values.slice(), width: m.width, height: m.height })),
    publics: s.publics.map((p) => (p ? [...p] : undefined)),
  });
  return { ...w, segments: w.segments.map(seg) };
}

/** What an attack hands the checker: every table input (all segments) and the verifier's terms. */
export interface Attempt {
  readonly inputs: readonly BusCheckInput[];
  readonly extra: readonly ExtraBusTerm[];
}

const LANES = 64;
const progCache = new Map<AnyTable, { prog: EvalProgram; regs: Uint32Array }>();
function busProgram(table: AnyTable): { prog: EvalProgram; regs: Uint32Array } {
  let hit = progCache.get(table);
  if (!hit) {
    const roots: number[] = [];
    for (const it of table.system.interactions) roots.push(...it.tuple, it.multiplicity);
    const prog = compile(table.system.dag, roots);
    hit = { prog, regs: registerFile(prog, LANES) };
    progCache.set(table, hit);
  }
  return hit;
}

/** Adds sign * (interactions of `rows` of `input`) to `delta` (key "bus|tuple"). */
function tallyRows(input: BusCheckInput, rows: readonly number[], sign: 1 | -1, delta: Map<string, number>): void {
  const { table, trace } = input;
  const sys = table.system;
  if (sys.interactions.length === 0 || rows.length === 0) return;
  const { prog, regs } = busProgram(table);
  const inp = traceInputs(table, trace, { publics: input.publics, preprocessed: input.preprocessed });
  let i = 0;
  while (i < rows.length) {
    let j = i + 1;
    while (j < rows.length && rows[j] === rows[j - 1]! + 1 && j - i < LANES) j++;
    const start = rows[i]!, len = j - i;
    run(prog, inp, start, len, regs, LANES);
    for (let l = 0; l < len; l++) {
      let k = 0;
      for (const it of sys.interactions) {
        const tuple: number[] = [];
        for (let t = 0; t < it.tuple.length; t++) tuple.push(regs[prog.rootReg[k++]! * LANES + l]!);
        let m = regs[prog.rootReg[k++]! * LANES + l]!;
        if (m === 0) continue;
        if ((it.sign > 0) !== (sign > 0)) m = sub(0, m);
        const key = `${it.bus.name}|${tuple.join(',')}`;
        delta.set(key, add(delta.get(key) ?? 0, m));
      }
    }
    i = j;
  }
}

function sameValues(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rows of `t` that differ from `h` (same shape), plus each one's previous row (its `next` changed). */
function dirtyRows(h: Matrix, t: Matrix): number[] {
  const w = t.width, n = t.height;
  const hv = h.values, tv = t.values;
  const mark = new Uint8Array(n);
  let any = false;
  for (let r = 0; r < n; r++) {
    const o = r * w;
    for (let c = 0; c < w; c++) {
      if (hv[o + c] !== tv[o + c]) {
        mark[r] = 1;
        mark[(r - 1 + n) % n] = 1;
        any = true;
        break;
      }
    }
  }
  if (!any) return [];
  const out: number[] = [];
  for (let r = 0; r < n; r++) if (mark[r]) out.push(r);
  return out;
}

const allRows = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Checks attempts against an honest baseline. `rejections` returns the constraint labels (of the
 * table under test; others prefixed "table: ") and bus names that reject the attempt.
 */
export class Checker {
  constructor(
    readonly table: AnyTable,
    private readonly honest: Attempt,
  ) {
    const b = checkBuses(honest.inputs, { extra: honest.extra });
    if (!b.ok) throw new Error(`the honest witness does not balance: ${JSON.stringify(b.busFailures.slice(0, 3))}`);
    for (const i of honest.inputs) {
      const c = checkAllConstraints(i.table, i.trace, { publics: i.publics, preprocessed: i.preprocessed, maxFailures: 3 });
      if (!c.ok) throw new Error(`the honest witness fails ${i.table.name}: ${c.failures.map((f) => `${f.label} @${f.row}`).join('; ')}`);
    }
  }

  rejections(a: Attempt, skip: ReadonlySet<string> = new Set()): string[] {
    const out = new Set<string>();
    const delta = new Map<string, number>();
    const h = this.honest.inputs;
    const n = Math.max(h.length, a.inputs.length);
    for (let i = 0; i < n; i++) {
      const hi = h[i], ai = a.inputs[i];
      if (ai && ai.table === this.table) {
        const c = checkAllConstraints(ai.table, ai.trace, { publics: ai.publics, preprocessed: ai.preprocessed, skipLabels: skip, maxFailures: 1000 });
        for (const f of c.failures) out.add(f.label);
      }
      const same = hi && ai && hi.table === ai.table && hi.trace.height === ai.trace.height && hi.trace.width === ai.trace.width && sameValues(hi.publics, ai.publics) && hi.preprocessed === ai.preprocessed;
      if (same) {
        const rows = dirtyRows(hi.trace, ai.trace);
        if (rows.length === 0) continue;
        tallyRows(hi, rows, -1, delta);
        tallyRows(ai, rows, 1, delta);
      } else {
        if (hi) tallyRows(hi, allRows(hi.trace.height), -1, delta);
        if (ai) tallyRows(ai, allRows(ai.trace.height), 1, delta);
      }
      if (ai && ai.table !== this.table) {
        const c = checkAllConstraints(ai.table, ai.trace, { publics: ai.publics, preprocessed: ai.preprocessed, maxFailures: 5 });
        for (const f of c.failures) out.add(`${ai.table.name}: ${f.label}`);
      }
    }
    const term = (t: ExtraBusTerm, sign: 1 | -1): void => {
      const name = typeof t.bus === 'string' ? t.bus : t.bus.name;
      const key = `${name}|${t.tuple.join(',')}`;
      const m = t.multiplicity < 0 ? t.multiplicity + FIELD_P : t.multiplicity;
      delta.set(key, add(delta.get(key) ?? 0, sign > 0 ? m : sub(0, m)));
    };
    const ek = (t: ExtraBusTerm): string => `${typeof t.bus === 'string' ? t.bus : t.bus.name}|${t.tuple.join(',')}|${t.multiplicity}`;
    const hk = new Set(this.honest.extra.map(ek)), ak = new Set(a.extra.map(ek));
    for (const t of this.honest.extra) if (!ak.has(ek(t))) term(t, -1);
    for (const t of a.extra) if (!hk.has(ek(t))) term(t, 1);
    for (const [key, v] of delta) {
      if (v === 0) continue;
      const bus = key.slice(0, key.indexOf('|'));
      if (!skip.has(bus)) out.add(bus);
    }
    return [...out];
  }
}

/** P with the instruction at `pc` changed by `edit` (opcode and/or operands). */
export function variant(p: Program, pc: number, edit: (w: Int32Array) => void): Program {
  const code = Int32Array.from(p.code);
  edit(code.subarray(pc * INSTR_WORDS, pc * INSTR_WORDS + INSTR_WORDS));
  return makeProgram({ ...p, code });
}

/** The pc of the `nth` instruction `mnemonic` of `p`. */
export function pcOf(p: Program, mnemonic: string, nth = 0): number {
  let seen = 0;
  for (let pc = 0; pc < p.code.length / INSTR_WORDS; pc++) if (ISA[p.code[pc * INSTR_WORDS]!]!.mnemonic === mnemonic && seen++ === nth) return pc;
  throw new Error(`no ${mnemonic} #${nth}`);
}

const FETCHED = ['pc', 'op', 'aluOp', 'xOff', 'yOff', 'zOff', 'imm', 'imm+1', 'immH', 'immH+1', 'target', 'frame', 'typeId'];

export function cell(m: Matrix, r: number, c: number): number {
  return m.values[r * m.width + c]!;
}
export function setCell(m: Matrix, r: number, c: number, v: number): void {
  m.values[r * m.width + c] = ((v % FIELD_P) + FIELD_P) % FIELD_P;
}

/** Writes decode `d` (fetched columns and flags) into CPU row `r`. */
export function writeDecode(cpu: Matrix, r: number, d: Decoded): void {
  const t = fetchTuple(d);
  FETCHED.forEach((name, k) => {
    const [base, plus] = name.split('+');
    setCell(cpu, r, C[base!]! + (plus ? 1 : 0), t[k]!);
  });
  FLAGS.forEach((f, i) => setCell(cpu, r, C[f]!, (d.flags >>> i) & 1));
}

/** Recomputes the elem table's multiplicities from what the CPU rows of `seg` send (P's entries). */
export function rederiveElem(vm: VmMachine, seg: SegmentWitness): void {
  const cpu = seg.traces[vm.index.cpu!]!;
  const elem = seg.traces[vm.index.elem!]!;
  const fixed = vm.tables.elem.preprocessed!.values();
  elem.values.fill(0);
  for (let r = 0; r < cpu.height; r++) {
    if (!cell(cpu, r, C.isCallInd!)) continue;
    const want = [cell(cpu, r, C.x!), cell(cpu, r, C.x! + 1), cell(cpu, r, C.npc!), cell(cpu, r, C.typeId!), cell(cpu, r, C.calleeFrame!)];
    for (let e = 0; e < fixed.height; e++) {
      const f = [fixed.values[e * fixed.width]!, 0, ...Array.from(fixed.values.subarray(e * fixed.width + 1, (e + 1) * fixed.width))];
      if (f.every((v, k) => v === want[k])) {
        elem.values[e] = add(elem.values[e]!, 1);
        break;
      }
    }
  }
}

/** What a cheater recomputes freely after editing cells: every lookup multiplicity, in every segment. */
export function rederive(vm: VmMachine, w: RunWitness): void {
  for (const seg of w.segments) {
    rederiveLookups(vm, seg);
    rederiveElem(vm, seg);
  }
}

/**
 * The run of `prog` (a variant of P), with every executed CPU row given P's decode, and the lookups
 * re-derived against P's tables: a P-shaped witness whose only lie is P' vs P at the changed rows.
 * `edit` runs before the re-derivation (further cell changes).
 */
export function relabelled(vmP: VmMachine, prog: Program, io: { publicInput?: Uint8Array; input?: Uint8Array }, segmentCycles: number, edit?: (w: RunWitness) => void): Run {
  const r = runOf(prog, io, segmentCycles);
  for (const seg of r.witness.segments) {
    const cpu = seg.traces[vmP.index.cpu!]!;
    for (let row = 0; row < cpu.height; row++) {
      if (!cell(cpu, row, C.isReal!)) continue;
      writeDecode(cpu, row, vmP.tables.decoded[cell(cpu, row, C.pc!)]!);
    }
  }
  edit?.(r.witness);
  rederive(vmP, r.witness);
  return { vm: vmP, witness: r.witness, claim: r.claim };
}

/** CPU rows (segment, row) executing `mnemonic` in a witness of P. */
export function rowsOf(vm: VmMachine, w: RunWitness, pred: (mnemonic: string, cpu: Matrix, row: number) => boolean): { s: number; r: number }[] {
  const out: { s: number; r: number }[] = [];
  w.segments.forEach((seg, s) => {
    const cpu = seg.traces[vm.index.cpu!]!;
    for (let r = 0; r < cpu.height; r++) if (cell(cpu, r, C.isReal!) && pred(ISA[cell(cpu, r, C.op!)]!.mnemonic, cpu, r)) out.push({ s, r });
  });
  return out;
}

// ---- re-derivations a cheater does after editing CPU rows ----

const word = (m: Matrix, r: number, c: number): number => (cell(m, r, c) | (cell(m, r, c + 1) << 16)) | 0;

/** One boundary row: a cell's final state. */
export interface BoundaryRow {
  key: number;
  v: number;
  ts: number;
  fromImage: number;
}

/** The boundary rows of a trace (real rows only). */
export function boundaryRows(m: Matrix): BoundaryRow[] {
  const out: BoundaryRow[] = [];
  for (let r = 0; r < m.height; r++) {
    if (!cell(m, r, BoundaryCols.isReal)) continue;
    out.push({ key: cell(m, r, BoundaryCols.key), v: word(m, r, BoundaryCols.v), ts: cell(m, r, BoundaryCols.ts), fromImage: cell(m, r, BoundaryCols.fromImage) });
  }
  return out;
}

/**
 * A boundary trace from rows in the given order, with honest order-check and key limbs (computed
 * from the field elements as given, so a cheater's out-of-range keys get whatever limbs the
 * formula yields); `height` defaults to the smallest power of two above the rows.
 */
export function boundaryFromRows(rows: readonly BoundaryRow[], height?: number): Matrix {
  let n = 2;
  while (n < rows.length + 1) n *= 2;
  n = Math.max(n, height ?? 0);
  const w = BoundaryCols.width;
  const m: Matrix = { values: new Uint32Array(n * w), width: w, height: n };
  rows.forEach((c, i) => {
    setCell(m, i, BoundaryCols.key, c.key);
    setCell(m, i, BoundaryCols.v, c.v & 0xffff);
    setCell(m, i, BoundaryCols.v + 1, c.v >>> 16);
    setCell(m, i, BoundaryCols.ts, c.ts);
    setCell(m, i, BoundaryCols.fromImage, c.fromImage);
    setCell(m, i, BoundaryCols.isReal, 1);
    if (i > 0) {
      const d = (((c.key - rows[i - 1]!.key - 1) % FIELD_P) + FIELD_P) % FIELD_P;
      setCell(m, i, BoundaryCols.keyDiff, d & 0xffff);
      setCell(m, i, BoundaryCols.keyDiff + 1, Math.floor(d / 0x10000));
    }
    const k = ((c.key % FIELD_P) + FIELD_P) % FIELD_P;
    setCell(m, i, BoundaryCols.keyLimbs, k & 0xffff);
    setCell(m, i, BoundaryCols.keyLimbs + 1, Math.floor(k / 0x10000));
  });
  return m;
}

/**
 * Replays the slot memory over the CPU rows of every segment (slots are touched only by CPU ports;
 * the heap only by load-store and bulk), recomputing each port's previous timestamp, order-check
 * limbs and previous value, and the boundary's slot cells. Read values are kept as the rows claim
 * them (a forged read stays unbalanced); what a read sends on is what it claims.
 */
export function replaySlots(vm: VmMachine, w: RunWitness): void {
  const val = new Map<number, number>(), last = new Map<number, number>();
  vm.program.globals.forEach((g, s) => val.set(s, g | 0));
  const image = new Set<number>();
  vm.program.globals.forEach((g, s) => g !== 0 && image.add(s));
  for (const seg of w.segments) {
    const cpu = seg.traces[vm.index.cpu!]!;
    // every row whose flags make accesses, padding rows included (a cheater's flagged padding row)
    for (let r = 0; r < cpu.height; r++) {
      const f = (n: string): boolean => cell(cpu, r, C[n]!) !== 0;
      const ts = cell(cpu, r, C.ts!), fp = cell(cpu, r, C.fp!);
      const xKey = cell(cpu, r, C.xOff!) + (f('xAbs') ? 0 : fp);
      const yKey = cell(cpu, r, C.yOff!) + fp;
      const zKey = cell(cpu, r, C.zOff!) + (f('zAbs') ? 0 : fp);
      const port = (on: boolean, key: number, at: number, valueCol: number, prevCol: number | undefined, tsCol: number, diffCol: number): void => {
        if (!on) return;
        const prevTs = last.get(key) ?? 0;
        const d = at - prevTs - 1;
        setCell(cpu, r, tsCol, prevTs);
        setCell(cpu, r, diffCol, d & 0xffff);
        setCell(cpu, r, diffCol + 1, Math.floor(d / 0x10000));
        if (prevCol !== undefined) {
          const prev = val.get(key) ?? 0;
          setCell(cpu, r, prevCol, prev & 0xffff);
          setCell(cpu, r, prevCol + 1, prev >>> 16);
        }
        val.set(key, word(cpu, r, valueCol));
        last.set(key, at);
      };
      port(f('xRead'), xKey, ts, C.x!, undefined, C.xTs!, C.xDiff!);
      port(f('xWide'), xKey + 1, ts, C.xh!, undefined, C.xhTs!, C.xhDiff!);
      port(f('yRead'), yKey, ts + 1, C.y!, undefined, C.yTs!, C.yDiff!);
      port(f('yWide'), yKey + 1, ts + 1, C.yh!, undefined, C.yhTs!, C.yhDiff!);
      port(f('zRead') || f('zWrite'), zKey, ts + 2, C.z!, C.zPrev!, C.zTs!, C.zDiff!);
      port(f('zWide'), zKey + 1, ts + 2, C.zh!, C.zhPrev!, C.zhTs!, C.zhDiff!);
    }
  }
  const lastSeg = w.segments[w.segments.length - 1]!;
  const bi = vm.index['memory-boundary']!;
  const heap = boundaryRows(lastSeg.traces[bi]!).filter((c) => c.key >= HEAP_KEY_BASE);
  const slots: BoundaryRow[] = [];
  for (const key of new Set([...val.keys()])) {
    const ts = last.get(key) ?? 0;
    if (ts === 0 && !image.has(key)) continue;
    slots.push({ key, v: val.get(key)!, ts, fromImage: image.has(key) ? 1 : 0 });
  }
  slots.sort((a, b) => a.key - b.key);
  const old = lastSeg.traces[bi]!;
  const rows = [...slots, ...heap];
  lastSeg.traces[bi] = boundaryFromRows(rows, rows.length + 1 <= old.height ? old.height : undefined);
}

/** Rebuilds every ALU table's trace from the tuples the CPU rows now send (segment by segment). */
export function rebuildAlu(vm: VmMachine, w: RunWitness): void {
  for (const seg of w.segments) {
    const cpu = seg.traces[vm.index.cpu!]!;
    for (const a of ALU_TABLES) {
      const rows: number[] = [];
      for (let r = 0; r < cpu.height; r++) {
        if (!cell(cpu, r, C.isReal!) || !cell(cpu, r, C.send!) || cell(cpu, r, C.isLS!) || cell(cpu, r, C.isBulk!)) continue;
        if (ISA[cell(cpu, r, C.aluOp!)]!.table === a.name) rows.push(r);
      }
      const col = (f: (r: number) => number): Int32Array => Int32Array.from(rows, f);
      const ev: AluEvents = {
        length: rows.length,
        op: col((r) => cell(cpu, r, C.aluOp!)),
        x: col((r) => word(cpu, r, C.x!)),
        xh: col((r) => word(cpu, r, C.xh!)),
        y: col((r) => word(cpu, r, C.y!)),
        yh: col((r) => word(cpu, r, C.yh!)),
        z: col((r) => (cell(cpu, r, C.isGrow!) ? 1 : word(cpu, r, C.z!))),
        zh: col((r) => word(cpu, r, C.zh!)),
      };
      seg.traces[vm.index[a.table.name]!] = a.trace(ev, { range8: range8.counts(), range16: range16.counts(), bytes: bytes.counts() });
    }
  }
}

/** The full cheater's re-derivation after CPU edits: slot memory, ALU tables, lookups. */
export function rederiveAll(vm: VmMachine, w: RunWitness, opts: { alu?: boolean } = {}): void {
  replaySlots(vm, w);
  if (opts.alu) rebuildAlu(vm, w);
  rederive(vm, w);
}
