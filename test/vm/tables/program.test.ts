/**
 * The program (fetch) and elem tables (vm/tables/program.ts): the committed decode of a real
 * program, and fetches a cheating CPU row could try: an instruction the program does not contain,
 * a trap (no row), the all-zero tuple a zero padding row would offer, another decoded field; and
 * call_indirect to a null entry, past the table, with the wrong signature or frame size. Neither
 * table states a constraint of its own (only its bus receives), so the attacks name the bus.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Matrix } from '../../../prover/matrix.ts';
import { ISA, INSTR_WORDS } from '../../../vm/isa.ts';
import type { Program } from '../../../vm/program.ts';
import type { VmMachine } from '../../../vm/machine.ts';
import { vmMachine } from '../../../vm/machine.ts';
import { cpuTable } from '../../../vm/tables/cpu.ts';
import { DecodedCols, ElemFixedCols, FLAG_BIT, NotProvableError, STACK_SLOTS, decode, fetchTuple, programTables } from '../../../vm/tables/program.ts';
import { C, Checker, cell, cloneWitness, extraOf, inputsOf, pcOf, rederive, rowsOf, runOf, setCell, watProgram, type Attempt, type Run } from './_vm-harness.ts';
import { WAT } from './_vm-program.ts';

const IO = { publicInput: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), input: Uint8Array.of(11, 12, 13, 14, 15) };

let P: Program;
let vmP: VmMachine;
let base: Run;
let checker: Checker;
const attempt = (r: Run): Attempt => ({ inputs: inputsOf(vmP, r.witness), extra: extraOf(P, r.claim) });
const cpuOf = (r: Run): Matrix => r.witness.segments[0]!.traces[vmP.index.cpu!]!;
const FETCHED = ['pc', 'op', 'aluOp', 'xOff', 'yOff', 'zOff', 'imm', 'imm+1', 'immH', 'immH+1', 'target', 'frame', 'typeId'];

/** Writes a fetch tuple (fields and packed flags) into CPU row r. */
function setFetch(m: Matrix, r: number, t: readonly number[]): void {
  FETCHED.forEach((name, k) => {
    const [b, plus] = name.split('+');
    setCell(m, r, C[b!]! + (plus ? 1 : 0), t[k]!);
  });
  for (const [f, bit] of Object.entries(FLAG_BIT)) setCell(m, r, C[f]!, (t[13]! >>> bit) & 1);
}

/** P's honest witness with cells edited and the lookups re-derived. */
function edited(edit: (m: Matrix, w: Run['witness']) => void): Run {
  const w = cloneWitness(base.witness);
  edit(w.segments[0]!.traces[vmP.index.cpu!]!, w);
  rederive(vmP, w);
  return { vm: vmP, witness: w, claim: base.claim };
}

const firstRow = (mnemonic: string): number => rowsOf(vmP, base.witness, (m) => m === mnemonic)[0]!.r;

beforeAll(() => {
  P = watProgram(WAT);
  base = runOf(P, IO);
  vmP = base.vm;
  checker = new Checker(cpuTable, attempt(base));
}, 60_000);

describe('program table (the committed decode)', () => {
  it('has one row per provable instruction, none for trap or panic, padding rows repeating the first', () => {
    const t = vmP.tables;
    const fixed = t.program.preprocessed!.values();
    expect(fixed.width).toBe(DecodedCols.width);
    const n = P.code.length / INSTR_WORDS;
    let rows = 0;
    for (let pc = 0; pc < n; pc++) {
      const m = ISA[P.code[pc * INSTR_WORDS]!]!.mnemonic;
      if (m === 'trap' || m === 'panic') {
        expect(t.decoded[pc]).toBeUndefined();
        expect(t.rowOf[pc]).toBe(-1);
        continue;
      }
      expect(Array.from(fixed.values.subarray(t.rowOf[pc]! * fixed.width, (t.rowOf[pc]! + 1) * fixed.width))).toEqual(fetchTuple(t.decoded[pc]!));
      rows++;
    }
    expect(n - rows).toBeGreaterThan(0); // the program has a trap
    const first = Array.from(fixed.values.subarray(0, fixed.width));
    for (let r = rows; r < fixed.height; r++) expect(Array.from(fixed.values.subarray(r * fixed.width, (r + 1) * fixed.width))).toEqual(first);
    // so no row is the all-zero tuple a zero padding row would offer (pc 0, halt, no operands, no flags)
    for (let r = 0; r < fixed.height; r++) expect(fixed.values.subarray(r * fixed.width, (r + 1) * fixed.width).some((v, i) => i > 0 && v !== 0)).toBe(true);
  });

  it('decodes calls with the callee entry, its frame size and the stack top', () => {
    const pc = pcOf(P, 'call');
    const d = decode(P, pc)!;
    const fn = P.functions[P.code[pc * INSTR_WORDS + 1]!]!;
    expect(d.target).toBe(fn.entry);
    expect(d.typeId).toBe(fn.frameSize);
    expect(d.imm).toBe(P.globals.length + STACK_SLOTS);
    const ci = decode(P, pcOf(P, 'call_indirect'))!;
    expect(ci.typeId).toBe(P.code[pcOf(P, 'call_indirect') * INSTR_WORDS + 3]);
    expect(ci.imm).toBe(P.globals.length + STACK_SLOTS);
  });

  it('refuses a load offset it cannot prove (2^28 or more) with NotProvableError', () => {
    const big = watProgram('(module (memory 1) (func (export "main") (drop (i32.load offset=268435456 (i32.const 0)))))');
    expect(() => programTables(big)).toThrow(NotProvableError);
    expect(() => programTables(big)).toThrow(/offset 268435456 is not below 2\^28/);
  });

  it('accepts the honest run', () => {
    expect(checker.rejections(attempt(base))).toEqual([]);
  });

  const FETCH_ATTACKS: ReadonlyArray<[string, () => Run]> = [
    ['the all-zero fetch (pc 0, opcode 0, no flags): a no-op at pc 0 a zero padding row would offer', () => edited((m) => {
      // `call main` (pc 0) claims to be that no-op: it falls through to pc 1
      const r = firstRow('call');
      setFetch(m, r, new Array(14).fill(0));
      setCell(m, r, C.npc!, 1);
    })],
    ['a trap fetched (its pc has no row)', () => edited((m) => {
      const r = firstRow('br_le_u.i');
      const t = fetchTuple(decode(P, pcOf(P, 'br_le_u.i'))!);
      t[0] = pcOf(P, 'trap');
      setFetch(m, r, t);
    })],
    ['an instruction with another target than the program\'s', () => edited((m) => {
      const r = firstRow('jmp');
      setCell(m, r, C.target!, cell(m, r, C.target!) + 1);
      setCell(m, r, C.npc!, cell(m, r, C.npc!) + 1);
    })],
    ['an instruction with another opcode (add executed as sub)', () => edited((m) => setCell(m, firstRow('add'), C.op!, ISA.findIndex((d) => d.mnemonic === 'sub')))],
    ['an instruction with other flags (a store that also claims isLS off)', () => edited((m) => setCell(m, firstRow('store'), C.isLS!, 0))],
  ];
  it.each(FETCH_ATTACKS)('rejects: %s (fetch)', (_, build) => {
    expect(checker.rejections(attempt(build()))).toContain('fetch');
  });
});

describe('elem table (call_indirect entries)', () => {
  it('holds (index, entry, type, frame size) of every non-null entry, padding repeating the first', () => {
    const fixed = vmP.tables.elem.preprocessed!.values();
    expect(fixed.width).toBe(ElemFixedCols.width);
    const live = Array.from(P.table).flatMap((fn, k) => (fn >= 0 ? [[k, P.functions[fn]!.entry, P.functions[fn]!.typeId, P.functions[fn]!.frameSize]] : []));
    expect(live.length).toBe(3);
    for (let r = 0; r < fixed.height; r++) {
      expect(Array.from(fixed.values.subarray(r * fixed.width, (r + 1) * fixed.width))).toEqual(live[r] ?? live[0]);
    }
    expect(Array.from(vmP.tables.elemRowOf)).toEqual([0, 1, 2, -1]);
    // a program without a table: the one padding entry points at a pc no fetch has
    const none = vmMachine(watProgram('(module (func (export "main")))'));
    expect(Array.from(none.tables.elem.preprocessed!.values().values.subarray(0, 4))).toEqual([0, 0xffffff, 0, 0]);
  });

  /** A call_indirect row of P's run claims index `x` (entering `entry` with frame size `frame`). */
  const callAt = (x: number, entry: number, frame: number, typeId?: number): Run => edited((m) => {
    const r = firstRow('call_indirect');
    setCell(m, r, C.x!, x & 0xffff);
    setCell(m, r, C.x! + 1, x >>> 16);
    setCell(m, r, C.npc!, entry);
    setCell(m, r, C.calleeFrame!, frame);
    if (typeId !== undefined) setCell(m, r, C.typeId!, typeId);
  });
  const fn = (k: number): { entry: number; frameSize: number; typeId: number } => P.functions[P.table[k]!]!;

  const ELEM_ATTACKS: ReadonlyArray<[string, () => Run]> = [
    ['a null entry (index 3) entered at its would-be callee', () => callAt(3, fn(0).entry, fn(0).frameSize)],
    ['an index past the table (4)', () => callAt(4, fn(0).entry, fn(0).frameSize)],
    ['an index past 2^16 whose low limb is a live entry (0x10001)', () => callAt(0x10001, fn(1).entry, fn(1).frameSize)],
    ['an entry of another signature (index 2, i32 i32 -> i32)', () => callAt(2, fn(2).entry, fn(2).frameSize)],
    ['a live entry with the expected type changed to the entry\'s (the fetched type is pinned)', () => callAt(2, fn(2).entry, fn(2).frameSize, fn(2).typeId)],
    ['a live entry with another callee frame size', () => edited((m) => {
      const r = firstRow('call_indirect');
      setCell(m, r, C.calleeFrame!, cell(m, r, C.calleeFrame!) + 1);
    })],
  ];
  it.each(ELEM_ATTACKS)('rejects: %s', (_, build) => {
    const rej = checker.rejections(attempt(build()));
    expect(rej.some((r) => r === 'elem' || r === 'fetch')).toBe(true);
    expect(rej).toContain(_.includes('type changed') ? 'fetch' : 'elem');
  });
});
