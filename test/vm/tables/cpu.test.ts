/**
 * The CPU table on real segment witnesses (STYLE §5): honest runs of a program that executes every
 * control kind, move, constant, link, memory size/grow, I/O and bulk row are accepted with every
 * other table of the segment and the verifier's own terms as bus partners; named attacks are
 * rejected by the check they name; every CPU constraint label is needed (some attack passes when
 * it alone is skipped), except the ones listed in NO_ATTACK with the reason.
 *
 * Cheats are made as strongly as we can: either a variant program P' runs and its rows are
 * relabelled with P's decode (test/vm/malicious.test.ts's way), or cells of P's honest witness are
 * edited; then slot memory is replayed (previous values and timestamps of every port, the
 * boundary's slot cells), the ALU tables rebuilt from the tuples the CPU now sends when the cheat
 * touches one, and every lookup multiplicity recomputed (`_vm-harness.ts`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { eachLabel } from '../../../prover/air/harness.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { inv } from '../../../prover/field/babybear.ts';
import { tableInfo } from '../../../prover/air/builder.ts';
import { ISA } from '../../../vm/isa.ts';
import { ProofOptions } from '../../../prover/options.ts';
import { VerifyError } from '../../../prover/errors.ts';
import { proveWitness, verifyRun } from '../../../vm/prove.ts';
import type { Program } from '../../../vm/program.ts';
import type { VmMachine } from '../../../vm/machine.ts';
import type { RunWitness } from '../../../vm/trace.ts';
import { BulkCols } from '../../../vm/tables/bulk.ts';
import { BoundaryCols } from '../../../vm/tables/memory.ts';
import { CpuCols, cpuTable } from '../../../vm/tables/cpu.ts';
import { FLAGS } from '../../../vm/tables/program.ts';
import { aluTupleCol, partnerOf } from '../_cheat.ts';
import {
  C, Checker, cell, cloneWitness, extraOf, inputsOf, pcOf, rebuildAlu, rederive, relabelled, replaySlots, rowsOf, runOf, setCell, variant, watProgram,
  type Attempt, type Run,
} from './_vm-harness.ts';
import { WAT } from './_vm-program.ts';

const PUB = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
/** Private input: the reads of 2, 8, 0 and 4 bytes get 2, 3 (short: the end), 0 and 0 (short). */
const IO = { publicInput: PUB, input: Uint8Array.of(11, 12, 13, 14, 15) };

let P: Program;
let vmP: VmMachine;
const base: Record<1 | 2, Run> = {} as Record<1 | 2, Run>;
const checker: Record<1 | 2, Checker> = {} as Record<1 | 2, Checker>;
const SEG: Record<1 | 2, number> = { 1: 1 << 16, 2: 64 };

const attempt = (r: Run): Attempt => ({ inputs: inputsOf(vmP, r.witness), extra: extraOf(P, r.claim) });
const cpuOf = (w: RunWitness, s = 0): Matrix => w.segments[s]!.traces[vmP.index.cpu!]!;
const word = (m: Matrix, r: number, c: number): number => (cell(m, r, c) | (cell(m, r, c + 1) << 16)) | 0;
const put = (m: Matrix, r: number, c: number, v: number): void => {
  setCell(m, r, c, v & 0xffff);
  setCell(m, r, c + 1, v >>> 16);
};
/** Row of the `nth` execution of pc in a witness (single segment unless s given). */
function rowAt(w: RunWitness, pc: number, nth = 0, s = 0): number {
  const cpu = cpuOf(w, s);
  let k = 0;
  for (let r = 0; r < cpu.height; r++) if (cell(cpu, r, C.isReal!) && cell(cpu, r, C.pc!) === pc && k++ === nth) return r;
  throw new Error(`pc ${pc} not executed ${nth + 1} times`);
}
const lastReal = (m: Matrix): number => {
  let r = 0;
  while (r + 1 < m.height && cell(m, r + 1, C.isReal!)) r++;
  return r;
};

/** Cells of P's honest witness edited, then the cheater's re-derivation (slot memory, ALU tables when asked, lookups). */
function direct(segs: 1 | 2, edit: (w: RunWitness) => void, opts: { replay?: boolean; alu?: boolean; claim?: (c: Run['claim']) => Run['claim'] } = {}): Run {
  const w = cloneWitness(base[segs].witness);
  edit(w);
  if (opts.replay !== false) replaySlots(vmP, w);
  if (opts.alu) rebuildAlu(vmP, w);
  rederive(vmP, w);
  const claim = opts.claim ? opts.claim(base[segs].claim) : base[segs].claim;
  return { vm: vmP, witness: w, claim };
}

/** A variant program's run relabelled as P's, with further cell edits and the full re-derivation. */
function fromVariant(pc: number, change: (w: Int32Array) => void, edit?: (w: RunWitness) => void, opts: { alu?: boolean; segs?: 1 | 2 } = {}): Run {
  const segs = opts.segs ?? 1;
  return relabelled(vmP, variant(P, pc, change), IO, SEG[segs], (w) => {
    edit?.(w);
    replaySlots(vmP, w);
    if (opts.alu) rebuildAlu(vmP, w);
  });
}

/** Moves CPU rows [from, last] of segment s down by one (the freed row is zeroed), for inserted rows. */
function shiftDown(m: Matrix, from: number): void {
  const w = m.width;
  m.values.copyWithin((from + 1) * w, from * w, (m.height - 1) * w);
  m.values.fill(0, from * w, (from + 1) * w);
}

// ---- slot access chains, for the order-check attacks ----

type Port = 'x' | 'xh' | 'y' | 'yh' | 'z' | 'zh';
interface Acc { s: number; r: number; port: Port; at: number; sent: number }
const PORT_COLS: Record<Port, { ts: number; diff: number; value: number; flag: string; dt: number }> = {
  x: { ts: CpuCols.xTs, diff: CpuCols.xDiff, value: CpuCols.x, flag: 'xRead', dt: 0 },
  xh: { ts: CpuCols.xhTs, diff: CpuCols.xhDiff, value: CpuCols.xh, flag: 'xWide', dt: 0 },
  y: { ts: CpuCols.yTs, diff: CpuCols.yDiff, value: CpuCols.y, flag: 'yRead', dt: 1 },
  yh: { ts: CpuCols.yhTs, diff: CpuCols.yhDiff, value: CpuCols.yh, flag: 'yWide', dt: 1 },
  z: { ts: CpuCols.zTs, diff: CpuCols.zDiff, value: CpuCols.z, flag: 'zWrite', dt: 2 },
  zh: { ts: CpuCols.zhTs, diff: CpuCols.zhDiff, value: CpuCols.zh, flag: 'zWide', dt: 2 },
};

function chains(w: RunWitness): Map<number, Acc[]> {
  const out = new Map<number, Acc[]>();
  w.segments.forEach((_, s) => {
    const cpu = cpuOf(w, s);
    for (let r = 0; r < cpu.height; r++) {
      if (!cell(cpu, r, C.isReal!)) continue;
      const f = (n: string): boolean => cell(cpu, r, C[n]!) !== 0;
      const ts = cell(cpu, r, C.ts!), fp = cell(cpu, r, C.fp!);
      const keys: Record<Port, number> = {
        x: cell(cpu, r, C.xOff!) + (f('xAbs') ? 0 : fp),
        xh: cell(cpu, r, C.xOff!) + (f('xAbs') ? 0 : fp) + 1,
        y: cell(cpu, r, C.yOff!) + fp,
        yh: cell(cpu, r, C.yOff!) + fp + 1,
        z: cell(cpu, r, C.zOff!) + (f('zAbs') ? 0 : fp),
        zh: cell(cpu, r, C.zOff!) + (f('zAbs') ? 0 : fp) + 1,
      };
      for (const port of ['x', 'xh', 'y', 'yh', 'z', 'zh'] as Port[]) {
        const pc = PORT_COLS[port];
        if (!(f(pc.flag) || (port === 'z' && f('zRead')))) continue;
        const key = keys[port];
        if (!out.has(key)) out.set(key, []);
        out.get(key)!.push({ s, r, port, at: ts + pc.dt, sent: word(cpu, r, pc.value) });
      }
    }
  });
  return out;
}

/**
 * Two accesses of one slot swapped in the memory chain (A_i now follows A_{i+1}), with values that
 * let the chain balance (A_{i-1}, A_i and A_{i+1} leave the same value): A_i claims as its previous
 * access the LATER A_{i+1}, with order-check limbs (0, 0).
 */
function swapAttack(port: Port): Run {
  return direct(1, (w) => {
    const initial = new Map<number, number>();
    P.globals.forEach((g, s) => initial.set(s, g | 0));
    for (const [key, ch] of chains(w)) {
      for (let i = 0; i + 1 < ch.length; i++) {
        const a = ch[i]!, b = ch[i + 1]!, c = ch[i + 2];
        const before = i > 0 ? ch[i - 1]! : undefined;
        const v0 = before ? before.sent : (initial.get(key) ?? 0);
        if (a.port !== port || a.sent !== v0 || b.sent !== v0 || a.at >= b.at) continue;
        const setPrev = (x: Acc, prevTs: number, forged = false): void => {
          const m = cpuOf(w, x.s);
          const pc = PORT_COLS[x.port];
          setCell(m, x.r, pc.ts, prevTs);
          const d = forged ? 0 : x.at - prevTs - 1;
          setCell(m, x.r, pc.diff, d & 0xffff);
          setCell(m, x.r, pc.diff + 1, Math.floor(d / 0x10000));
        };
        setPrev(b, before ? before.at : 0);
        setPrev(a, b.at, true);
        if (c) setPrev(c, a.at);
        else {
          // a is now the slot's last access: its final state is at a's time
          const bd = w.segments[w.segments.length - 1]!.traces[vmP.index['memory-boundary']!]!;
          for (let r = 0; r < bd.height; r++) if (cell(bd, r, BoundaryCols.isReal) && cell(bd, r, BoundaryCols.key) === key) setCell(bd, r, BoundaryCols.ts, a.at);
        }
        return;
      }
    }
    throw new Error(`no swappable access on port ${port}`);
  }, { replay: false });
}

/**
 * Single-row cheats with one flag off its bits, found by searching every executed instruction for a
 * weight moved between two flags (2^j = 2^(j-i) 2^i) that no other check rejects. Values "1/k" are
 * field inverses. Each turns a real instruction into another behaviour: e.g. an add64 that sends no
 * ALU tuple (its result then unproved), or a const that no longer writes, or is no longer a const.
 */
const FLAG_CHEATS: ReadonlyArray<[string, () => number, ReadonlyArray<[string, number | string]>, string]> = [
  ['xAbs', () => pcOf(P, 'const'), [['zWrite', 0], ['xAbs', 16]], 'const s2, 0 skips its write'],
  ['yImm', () => pcOf(P, 'const'), [['zWrite', 0], ['yImm', 2]], 'const s2, 0 skips its write'],
  ['zAbs', () => pcOf(P, 'const'), [['zWrite', 0], ['zAbs', '1/8']], 'const s2, 0 skips its write'],
  ['isLS', () => pcOf(P, 'add64'), [['send', 0], ['isLS', '1/2']], 'add64 sends no ALU tuple, so nothing proves its result'],
  ['isBulk', () => pcOf(P, 'const'), [['isConst', 0], ['isBulk', 16]], 'const s2, 0 is no longer a const (z = imm not enforced)'],
  ['bulkZ', () => pcOf(P, 'const'), [['isConst', 0], ['bulkZ', 8]], 'const s2, 0 is no longer a const'],
  ['isReadPub', () => pcOf(P, 'const'), [['isConst', 0], ['isReadPub', 4]], 'const s2, 0 is no longer a const'],
  ['isCommit', () => pcOf(P, 'const'), [['isConst', 0], ['isCommit', 2]], 'const s2, 0 is no longer a const'],
  ['isConst', () => pcOf(P, 'const'), [['isConst', -1], ['isMov', 1]], 'const s2, 0 also claims to be a move'],
  ['isMov', () => pcOf(P, 'const'), [['isConst', 0], ['isMov', '1/2']], 'const s2, 0 becomes a move of an unread x'],
  ['isJmp', () => pcOf(P, 'br_table'), [['isBrTable', 0], ['isJmp', 16]], 'br_table is no longer a table jump'],
  ['isBrnz', () => pcOf(P, 'brnz'), [['isBrnz', -1], ['isBrCmp', 1]], 'brnz also claims to be a compare-and-branch'],
  ['isBrCmp', () => pcOf(P, 'br_table'), [['isBrTable', 0], ['isBrCmp', 2]], 'br_table becomes a compare-and-branch'],
  ['isBrTable', () => jmpPc(29), [['isJmp', 0], ['isBrTable', '1/16']], 'jmp becomes a fraction of a table jump'],
  ['isSize', () => pcOf(P, 'br_table'), [['xRead', 0], ['isSize', '1/134217728']], 'br_table no longer reads its index (x free, and it picks the target)'],
  ['isGrow', () => pcOf(P, 'br_table'), [['xRead', 0], ['isGrow', '1/268435456']], 'br_table no longer reads its index (x free, and it picks the target)'],
];

interface CpuAttack {
  readonly attack: string;
  readonly caughtBy: string;
  readonly segs?: 1 | 2;
  build(): Run;
}

const readRows = (w: RunWitness): number[] => rowsOf(vmP, w, (m) => m === 'read').map((x) => x.r);
const commitRows = (w: RunWitness): number[] => rowsOf(vmP, w, (m) => m === 'commit').map((x) => x.r);

const ATTACKS: CpuAttack[] = [
  // ---- fetch ----
  {
    attack: 'a flag flipped: an add.i row claims not to write its result (zWrite 0)',
    caughtBy: 'fetch',
    build: () => direct(1, (w) => setCell(cpuOf(w), rowAt(w, pcOf(P, 'add.i', 1)), C.zWrite!, 0)),
  },
  {
    attack: 'a fetched field changed: an add row reads its x operand from another slot offset',
    caughtBy: 'fetch',
    build: () => direct(1, (w) => setCell(cpuOf(w), rowAt(w, pcOf(P, 'add')), C.xOff!, 2)),
  },
  {
    attack: 'an instruction the program does not contain: br_le_u.i at its pc executed as jmp to its target',
    caughtBy: 'fetch',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), r = rowAt(w, pcOf(P, 'br_le_u.i'));
      asJmp(m, r, cell(m, r, C.pc!), cell(m, r, C.target!));
    }, { alu: true }),
  },
  {
    attack: 'a trap executed as a jump over itself (no program row exists for trap)',
    caughtBy: 'fetch',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), r = rowAt(w, pcOf(P, 'br_le_u.i'));
      // the branch row becomes the trap after it (pc + 1) jumping to the branch's target
      asJmp(m, r, cell(m, r, C.pc!) + 1, cell(m, r, C.target!));
      setCell(m, r, C.op!, OP('trap'));
      setCell(m, r - 1, C.npc!, cell(m, r, C.pc!));
    }, { alu: true }),
  },
  // ---- memory read-back and values the CPU proves ----
  {
    attack: 'x changed: a mov claims another value than its source slot holds (memory read-back)',
    caughtBy: 'memory',
    build: () => fromVariant(pcOf(P, 'mov'), (w) => (w[2] = w[2]! + 1)),
  },
  {
    attack: 'move: mov s10, s1 writes s1 + 5 (P\' ran add.i there)',
    caughtBy: 'move: z = x, zh = xh [0]',
    build: () => fromVariant(pcOf(P, 'mov'), (w) => (w[0] = OP('add.i'), w[3] = 5), undefined, { alu: true }),
  },
  {
    attack: 'move: mov s10, s1 writes s1 + 2^16 (P\' ran add.i there)',
    caughtBy: 'move: z = x, zh = xh [1]',
    build: () => fromVariant(pcOf(P, 'mov'), (w) => (w[0] = OP('add.i'), w[3] = 0x10000), undefined, { alu: true }),
  },
  {
    attack: 'move: gget64 copies g1 with another high word (P\' ran const64 there)',
    caughtBy: 'move: z = x, zh = xh [2]',
    build: () => ggetAsConst(2, 7),
  },
  {
    attack: 'move: gget64 copies g1 with a high word off by 2^16 (P\' ran const64 there)',
    caughtBy: 'move: z = x, zh = xh [3]',
    build: () => ggetAsConst(2, 1 + 0x10000),
  },
  {
    attack: 'const: const s6, 1 (the grow amount) writes 2',
    caughtBy: 'const: z = imm, zh = immH [0]',
    build: () => fromVariant(pcOf(P, 'memory.grow') - 1, (w) => (w[2] = 2)),
  },
  {
    attack: 'const: const s6, 171 (the fill byte) writes 171 + 2^16',
    caughtBy: 'const: z = imm, zh = immH [1]',
    build: () => fromVariant(constPc(171), (w) => (w[2] = 171 + 0x10000)),
  },
  {
    attack: 'const64: the high word 1 written as 2',
    caughtBy: 'const: z = imm, zh = immH [2]',
    build: () => fromVariant(pcOf(P, 'const64'), (w) => (w[3] = 2)),
  },
  {
    attack: 'const64: the high word 1 written as 1 + 2^16',
    caughtBy: 'const: z = imm, zh = immH [3]',
    build: () => fromVariant(pcOf(P, 'const64'), (w) => (w[3] = 1 + 0x10000)),
  },
  {
    attack: 'y is the immediate: add.i s2, s2, 1 (the loop counter) adds 2',
    caughtBy: 'y is the immediate [0]',
    build: () => fromVariant(counterPc(), (w) => (w[3] = 2), undefined, {}),
  },
  {
    attack: 'y is the immediate: and.i s5, s2, 1 uses 1 + 2^16',
    caughtBy: 'y is the immediate [1]',
    build: () => fromVariant(pcOf(P, 'and.i'), (w) => (w[3] = 1 + 0x10000)),
  },
  {
    attack: 'memory.size claims 7 pages (P\' ran const s6, 7 there)',
    caughtBy: 'memory.size / grow: z = pages [0]',
    build: () => fromVariant(pcOf(P, 'memory.size'), (w) => (w[0] = OP('const'), w[2] = 7)),
  },
  {
    attack: 'memory.size claims pages + 2^16',
    caughtBy: 'memory.size / grow: z = pages [1]',
    build: () => fromVariant(pcOf(P, 'memory.size'), (w) => (w[0] = OP('const'), w[2] = 2 + 0x10000)),
  },
  {
    attack: 'memory.grow compares x with maxPages - pages + 5 (a grow past the maximum would pass)',
    caughtBy: 'memory.grow: y = maxPages - pages + 1 [0]',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), r = rowAt(w, pcOf(P, 'memory.grow'));
      setCell(m, r, C.y!, cell(m, r, C.y!) + 4);
    }, { alu: true }),
  },
  {
    attack: 'memory.grow compares x with maxPages - pages + 1 + 2^16',
    caughtBy: 'memory.grow: y = maxPages - pages + 1 [1]',
    build: () => direct(1, (w) => setCell(cpuOf(w), rowAt(w, pcOf(P, 'memory.grow')), C.y! + 1, 1), { alu: true }),
  },
  {
    attack: 'port Z read: mcopy copies 2 bytes while its count slot holds 4 (P\' set the count to 2)',
    caughtBy: 'port Z read: z is the slot value [0]',
    build: () => fromVariant(mcopyCountPc(), (w) => (w[2] = 2), (w) => {
      const m = cpuOf(w), r = rowAt(w, mcopyCountPc());
      put(m, r, C.z!, 4);
    }),
  },
  {
    attack: 'the call link claims a callee frame of 5 for `call main` (ret then restores fp - 5)',
    caughtBy: 'call: the link is (pc + 1) | frame << 16 [1]',
    build: () => direct(1, (w) => {
      const m = cpuOf(w);
      const call = rowAt(w, 0), ret = lastReal(m) - 1;
      setCell(m, call, C.z! + 1, 5);
      setCell(m, ret, C.x! + 1, 5);
      setCell(m, lastReal(m), C.fp!, cell(m, ret, C.fp!) - 5);
    }),
  },
  {
    attack: 'a call states another callee frame size (stack room adjusted to match)',
    caughtBy: 'call: calleeFrame is the fetched callee frame size',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), r = rowAt(w, 0);
      setCell(m, r, C.calleeFrame!, cell(m, r, C.calleeFrame!) + 1);
      put(m, r, C.stackRoom!, word(m, r, C.stackRoom!) - 1);
    }),
  },
  {
    attack: 'a call states more stack room than is left',
    caughtBy: 'call: the callee frame fits below the stack top',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), r = rowAt(w, 0);
      put(m, r, C.stackRoom!, word(m, r, C.stackRoom!) + 1);
    }),
  },
  // ---- the ALU bus ----
  {
    attack: 'the result of an add differs from what add-sub proves',
    caughtBy: 'alu',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), r = rowAt(w, pcOf(P, 'add'));
      setCell(m, r, C.z!, cell(m, r, C.z!) ^ 1);
    }),
  },
  // ---- control flow ----
  {
    attack: 'jmp @32 lands at 29 (P\' jumped there: g0 incremented once more)',
    caughtBy: 'npc: the next pc',
    build: () => fromVariant(jmpPc(32), (w) => (w[1] = 29)),
  },
  {
    attack: 'a jump lands elsewhere than its npc (npc = 32 as fetched, the next row from P\' jumping to 29)',
    caughtBy: 'next pc',
    build: () => fromVariant(jmpPc(32), (w) => (w[1] = 29), (w) => {
      const m = cpuOf(w);
      for (let r = 0; r < m.height; r++) if (cell(m, r, C.isReal!) && cell(m, r, C.pc!) === jmpPc(32)) setCell(m, r, C.npc!, 32);
    }),
  },
  ...(['brz', 'brnz'] as const).flatMap((op) => [true, false].map((taken): CpuAttack => ({
    attack: `${op} ${taken ? 'taken' : 'not taken'} goes to the other side`,
    caughtBy: 'npc: the next pc',
    build: () => npcEdit((mn, m, r) => mn === op && (cell(m, r, C.npc!) !== cell(m, r, C.pc!) + 1) === taken, (m, r) => (taken ? cell(m, r, C.pc!) + 1 : cell(m, r, C.target!))),
  }))),
  ...[true, false].map((taken): CpuAttack => ({
    attack: `br_cmp ${taken ? 'taken' : 'not taken'} goes to the other side`,
    caughtBy: 'npc: the next pc',
    build: () => npcEdit((mn, m, r) => mn === 'br_ge_u.i' && (cell(m, r, C.npc!) !== cell(m, r, C.pc!) + 1) === taken, (m, r) => (taken ? cell(m, r, C.pc!) + 1 : cell(m, r, C.target!))),
  })),
  ...[true, false].map((inRange): CpuAttack => ({
    attack: `br_table ${inRange ? 'in range' : 'out of range (default)'} takes another entry`,
    caughtBy: 'npc: the next pc',
    build: () => npcEdit((mn, m, r) => mn === 'br_table' && cell(m, r, C.z!) === (inRange ? 1 : 0), (m, r) => cell(m, r, C.npc!) + (inRange ? 1 : -1)),
  })),
  {
    attack: 'call enters the callee one instruction late',
    caughtBy: 'npc: the next pc',
    build: () => npcEdit((mn) => mn === 'call', (m, r) => cell(m, r, C.npc!) + 1),
  },
  {
    attack: 'call_indirect enters another function than the table entry',
    caughtBy: 'elem',
    build: () => npcEdit((mn) => mn === 'call_indirect', (m, r) => cell(m, r, C.npc!) + 3),
  },
  {
    attack: 'ret returns elsewhere than its link',
    caughtBy: 'npc: the next pc',
    build: () => npcEdit((mn) => mn === 'ret', (m, r) => cell(m, r, C.npc!) + 1),
  },
  {
    attack: 'halt claims a next pc (a harmless lie, but npc must be pinned on every row)',
    caughtBy: 'npc: the next pc',
    build: () => direct(1, (w) => {
      const m = cpuOf(w);
      setCell(m, lastReal(m), C.npc!, 7);
    }),
  },
  {
    attack: 'is-zero: brz with x != 0 claims x = 0 and jumps (P\' jumped unconditionally)',
    caughtBy: 'is-zero: s * cz = 0',
    build: () => fromVariant(pcOf(P, 'brz'), (w) => (w[0] = OP('jmp'), w[1] = w[2]!, w[2] = 0), (w) => fixBrz(w, true)),
  },
  {
    attack: 'is-zero: brz with x = 0 claims x != 0 and falls through (P\' never jumped)',
    caughtBy: 'is-zero: cz = 1 - s * sInv',
    build: () => fromVariant(pcOf(P, 'brz'), (w) => (w[2] = pcOf(P, 'brz') + 1), (w) => fixBrz(w, false)),
  },
  // ---- state transitions ----
  {
    attack: 'ts jumps by 8 after the last ret (the halt row at a later time)',
    caughtBy: 'next ts',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), h = lastReal(m);
      setCell(m, h, C.ts!, cell(m, h, C.ts!) + 4);
    }),
  },
  {
    attack: 'the frame pointer after the last ret is not the caller\'s',
    caughtBy: 'next fp',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), h = lastReal(m);
      setCell(m, h, C.fp!, cell(m, h, C.fp!) + 3);
    }),
  },
  {
    attack: 'pages change without a memory.grow (on the halt row)',
    caughtBy: 'next pages',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), h = lastReal(m);
      setCell(m, h, C.pages!, cell(m, h, C.pages!) + 1);
    }),
  },
  {
    attack: 'the two commits swap places in the output (outPos not advanced by the commit counts)',
    caughtBy: 'next output position',
    build: () => direct(1, (w) => {
      const m = cpuOf(w);
      const [c1, c2] = commitRows(w) as [number, number];
      const n1 = word(m, c1, C.y!), n2 = word(m, c2, C.y!);
      setCell(m, c1, C.outPos!, n2);
      setCell(m, c2, C.outPos!, 0);
      for (let r = c1 + 1; r < c2; r++) setCell(m, r, C.outPos!, 0);
      shiftBulkPositions(w, 4, [[cell(m, c1, C.ts!), n2], [cell(m, c2, C.ts!), -n1]]);
    }, { claim: (c) => ({ ...c, output: swapOutput(c.output, commitCounts()) }) }),
  },
  {
    attack: 'the two read_public calls take the public input in the other order (P run on the reordered input)',
    caughtBy: 'next public-input position',
    build: () => {
      const [n1, n2] = [4, 3];
      const reordered = Uint8Array.from([...PUB.subarray(n2, n2 + n1), ...PUB.subarray(0, n2), ...PUB.subarray(n1 + n2)]);
      const run = runOf(P, { ...IO, publicInput: reordered }, SEG[1]);
      const w = run.witness, m = cpuOf(w);
      const [a, b] = rowsOf(vmP, w, (mn) => mn === 'read_public').map((x) => x.r) as [number, number];
      expect([word(m, a, C.z!), word(m, b, C.z!)]).toEqual([n1, n2]);
      setCell(m, a, C.pubPos!, n2);
      for (let r = a + 1; r <= b; r++) setCell(m, r, C.pubPos!, 0);
      shiftBulkPositions(w, 3, [[cell(m, a, C.ts!), n2], [cell(m, b, C.ts!), -n1]]);
      rederive(vmP, w);
      return { vm: vmP, witness: w, claim: { ...run.claim, publicInput: PUB } };
    },
  },
  // ---- private input: one stream that ends once ----
  {
    attack: 'a read returns 3 of 8 bytes without declaring the end of the input (short = 0)',
    caughtBy: 'a read that is not short returns every byte asked for [0]',
    build: () => direct(1, (w) => {
      const m = cpuOf(w);
      const [, r2, , r4] = readRows(w);
      setCell(m, r2, C.short!, 0);
      for (let r = r2 + 1; r <= r4; r++) setCell(m, r, C.inEof!, 0);
    }),
  },
  {
    attack: 'the end of the input is declared but not remembered (inEof stays 0 after a short read)',
    caughtBy: 'next end-of-input flag',
    build: () => direct(1, (w) => {
      const m = cpuOf(w);
      const [, r2, , r4] = readRows(w);
      for (let r = r2 + 1; r <= r4; r++) setCell(m, r, C.inEof!, 0);
    }),
  },
  {
    attack: 'a row that is not a read declares the end of the input',
    caughtBy: 'short only on private reads',
    build: () => direct(1, (w) => {
      const [, , , r4] = readRows(w);
      setCell(cpuOf(w), r4 + 1, C.short!, 1);
    }),
  },
  {
    attack: 'input resumed after its declared end (a run with 14 input bytes whose 8-byte read claims to end it)',
    caughtBy: 'after the end of the input a read returns 0 [0]',
    build: () => {
      const run = runOf(P, { publicInput: PUB, input: Uint8Array.from({ length: 14 }, (_, i) => i + 1) }, SEG[1]);
      const w = run.witness;
      const m = cpuOf(w);
      const [, r2] = readRows(w);
      setCell(m, r2, C.short!, 1);
      for (let r = r2 + 1; r < m.height && cell(m, r, C.isReal!); r++) setCell(m, r, C.inEof!, 1);
      rederive(vmP, w);
      return { vm: vmP, witness: w, claim: run.claim };
    },
  },
  {
    attack: 'the input ends (short = 2, inEof = 2) and a zero-length read with short = 2 resets inEof to 2 + 2 - 4 = 0, so reads go on',
    caughtBy: 'short is a bit',
    build: () => {
      // counts 2, 8, 0, 4 are what 14 bytes give; with a short read before (count < len) this would resume a declared end
      const run = runOf(P, { publicInput: PUB, input: Uint8Array.from({ length: 14 }, (_, i) => i + 1) }, SEG[1]);
      const w = run.witness;
      const m = cpuOf(w);
      const [, r2, r3] = readRows(w);
      setCell(m, r2, C.short!, 2);
      setCell(m, r3, C.short!, 2);
      for (let r = r2 + 1; r <= r3; r++) setCell(m, r, C.inEof!, 2);
      rederive(vmP, w);
      return { vm: vmP, witness: w, claim: run.claim };
    },
  },
  // ---- row kinds ----
  {
    attack: 'an idle padding row inside the execution (the row before ends, the padding re-receives its state)',
    caughtBy: 'executed rows form a prefix',
    build: () => direct(1, (w) => {
      const m = cpuOf(w);
      const k = 20;
      shiftDown(m, k + 1);
      // padding row k+1: no flags, state one step before row k+2, isLast = -1 (receives next state)
      for (const c of ['ts', 'pc', 'fp', 'pages', 'pubPos', 'outPos'] as const) setCell(m, k + 1, C[c]!, cell(m, k + 2, C[c]!));
      setCell(m, k + 1, C.ts!, cell(m, k + 2, C.ts!) - 4);
      setCell(m, k + 1, C.pc!, cell(m, k + 2, C.pc!) - 1);
      setCell(m, k + 1, C.npc!, cell(m, k + 2, C.pc!));
      setCell(m, k + 1, C.isLast!, -1);
      setCell(m, k, C.isLast!, 1);
      fixPaddingNpc(m);
    }, { replay: false }),
  },
  {
    attack: 'a jmp inserted between two rows (the row before claims to end the segment, the inserted row re-receives the state)',
    caughtBy: 'isLast marks the last executed row',
    build: () => direct(1, (w) => {
      const m = cpuOf(w);
      const target = 21;
      const jmp = jmpPc(target);
      let k = 0;
      while (!(cell(m, k, C.npc!) === target && cell(m, k, C.pc!) !== jmp)) k++;
      shiftDown(m, k + 1);
      for (const c of ['fp', 'pages', 'pubPos', 'outPos'] as const) setCell(m, k + 1, C[c]!, cell(m, k + 2, C[c]!));
      setCell(m, k + 1, C.ts!, cell(m, k + 2, C.ts!) - 4);
      setCell(m, k + 1, C.pc!, jmp);
      setCell(m, k + 1, C.op!, OP('jmp'));
      setCell(m, k + 1, C.target!, target);
      setCell(m, k + 1, C.isJmp!, 1);
      setCell(m, k + 1, C.npc!, target);
      setCell(m, k + 1, C.isReal!, 1);
      setCell(m, k + 1, C.isLast!, -1);
      setCell(m, k, C.isLast!, 1);
      fixPaddingNpc(m);
    }, { replay: false }),
  },
  {
    attack: 'a row executed after halt (a const overwriting a slot)',
    caughtBy: 'halt is the last executed row',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), h = lastReal(m), src = rowAt(w, pcOf(P, 'const', 1));
      m.values.copyWithin((h + 1) * m.width, src * m.width, (src + 1) * m.width);
      for (const c of ['fp', 'pages', 'pubPos', 'outPos'] as const) setCell(m, h + 1, C[c]!, cell(m, h, C[c]!));
      setCell(m, h + 1, C.ts!, cell(m, h, C.ts!) + 4);
      setCell(m, h, C.isLast!, 0);
      setCell(m, h + 1, C.isLast!, 1);
    }),
  },
  {
    attack: 'a padding row writes a slot after the halt (zWrite on a padding row)',
    caughtBy: 'padding rows have no flags',
    build: () => direct(1, (w) => {
      const m = cpuOf(w), h = lastReal(m);
      const r = h + 1;
      setCell(m, r, C.zWrite!, 1);
      setCell(m, r, C.zOff!, 3);
      setCell(m, r, C.fp!, 0);
      setCell(m, r, C.ts!, cell(m, h, C.ts!) + 4);
      put(m, r, C.z!, 0xdead);
    }),
  },
  // ---- segments ----
  {
    attack: 'the second segment starts from another frame pointer than the first one ends with',
    caughtBy: 'state',
    segs: 2,
    build: () => direct(2, (w) => {
      const m = cpuOf(w, 1);
      setCell(m, 0, C.fp!, cell(m, 0, C.fp!) + 1);
    }, { replay: false }),
  },
  {
    attack: 'the halt row claims another output length than the run committed',
    caughtBy: 'halt',
    build: () => direct(1, (w) => {
      const m = cpuOf(w);
      setCell(m, lastReal(m), C.outPos!, cell(m, lastReal(m), C.outPos!) - 1);
    }),
  },
  // ---- high words of 32-bit operands ----
  ...(['x', 'y', 'z'] as const).map((o): CpuAttack => ({
    attack: `a 32-bit ALU row sends a nonzero high word ${o}h (the 32-bit tables rely on it being 0)`,
    caughtBy: `${o}h is zero for 32-bit ${o} [0]`,
    build: () => highWord(o, 0),
  })),
  ...(['x', 'y', 'z'] as const).map((o): CpuAttack => ({
    attack: `a 32-bit ALU row sends a nonzero high limb ${o}h[1]`,
    caughtBy: `${o}h is zero for 32-bit ${o} [1]`,
    build: () => highWord(o, 1),
  })),
  // ---- flags that are not bits (the fetch pins only their packed sum) ----
  ...FLAG_CHEATS.map(([flag, at, values, what]): CpuAttack => ({
    attack: `flag ${flag} is not a bit: ${what} (${values.map(([f, v]) => `${f} = ${v}`).join(', ')}; the packed flags still match the fetch)`,
    caughtBy: `flag ${flag} is a bit`,
    build: () => direct(1, (w) => {
      const m = cpuOf(w), r = rowAt(w, at());
      for (const [f, v] of values) setCell(m, r, C[f]!, typeof v === 'number' ? v : inv(Number(v.slice(2))));
    }, { alu: true }),
  })),
  // ---- the port order checks ----
  ...(['x', 'xh', 'y', 'yh', 'z', 'zh'] as Port[]).map((port): CpuAttack => ({
    attack: `port ${port}: an access claims a later access of its slot as its previous one (chain reordered)`,
    caughtBy: `port ${{ x: 'X', xh: 'X high', y: 'Y', yh: 'Y high', z: 'Z', zh: 'Z high' }[port]}: previous access is earlier: hi - lo - 1 = d0 + 2^16 d1`,
    build: () => swapAttack(port),
  })),
];

function OP(m: string): number {
  return ISA.findIndex((d) => d.mnemonic === m);
}
function constPc(imm: number): number {
  for (let pc = 0; pc < P.code.length / 4; pc++) if (ISA[P.code[pc * 4]!]!.mnemonic === 'const' && P.code[pc * 4 + 2] === imm) return pc;
  throw new Error(`no const ${imm}`);
}
function jmpPc(target: number): number {
  for (let pc = 0; pc < P.code.length / 4; pc++) if (ISA[P.code[pc * 4]!]!.mnemonic === 'jmp' && P.code[pc * 4 + 1] === target) return pc;
  throw new Error(`no jmp @${target}`);
}
/** add.i s2, s2, 1: the loop counter. */
function counterPc(): number {
  const at = pcOf(P, 'br_ge_u.i');
  const slot = P.code[at * 4 + 1]!;
  for (let pc = 0; pc < P.code.length / 4; pc++) {
    const o = pc * 4;
    if (ISA[P.code[o]!]!.mnemonic === 'add.i' && P.code[o + 1] === slot && P.code[o + 2] === slot && P.code[o + 3] === 1) return pc;
  }
  throw new Error('no loop counter');
}
/** The const that sets mcopy's count slot (the instruction before mcopy). */
function mcopyCountPc(): number {
  return pcOf(P, 'mcopy') - 1;
}
function commitCounts(): [number, number] {
  const m = cpuOf(base[1].witness);
  const [a, b] = commitRows(base[1].witness) as [number, number];
  return [word(m, a, C.y!), word(m, b, C.y!)];
}
function swapOutput(out: Uint8Array, [n1, n2]: [number, number]): Uint8Array {
  return Uint8Array.from([...out.subarray(n1, n1 + n2), ...out.subarray(0, n1)]);
}
/**
 * Adds `delta` to the io position of the bulk rows (selector `sel`: 3 read_public, 4 commit) of the
 * instruction whose CPU timestamp is `ts`; a read_public's first row gets its `avail` limbs
 * (L - pos - len) recomputed.
 */
function shiftBulkPositions(w: RunWitness, sel: number, moves: readonly [number, number][]): void {
  const bulk = w.segments[0]!.traces[vmP.index.bulk!]!;
  for (const [ts, delta] of moves) {
    for (let r = 0; r < bulk.height; r++) {
      if (cell(bulk, r, BulkCols.sel + sel) !== 1 || !belongs(bulk, r, ts)) continue;
      const pos = cell(bulk, r, BulkCols.pos) + delta;
      setCell(bulk, r, BulkCols.pos, pos);
      if (sel === 3 && cell(bulk, r, BulkCols.first)) {
        const avail = PUB.length - pos - word(bulk, r, BulkCols.y);
        setCell(bulk, r, BulkCols.avail, avail & 0xffff);
        setCell(bulk, r, BulkCols.avail + 1, avail >>> 16);
      }
    }
  }
}
/** Whether bulk row r is part of the instruction started at CPU time ts (walk back to its first row). */
function belongs(bulk: Matrix, r: number, ts: number): boolean {
  let k = r;
  while (k > 0 && !cell(bulk, k, BulkCols.first)) k--;
  return cell(bulk, k, BulkCols.t) === ts + 3;
}
/** Padding rows keep npc = pc + 1 (the shifted-in rows must too). */
function fixPaddingNpc(m: Matrix): void {
  for (let r = 0; r < m.height; r++) if (!cell(m, r, C.isReal!) && cell(m, r, C.isLast!) === 0 && cell(m, r, C.npc!) !== cell(m, r, C.pc!) + 1) setCell(m, r, C.npc!, cell(m, r, C.pc!) + 1);
}
/** P' ran gget64 s5:6, g1 as const64 s5:6, (2, hi): the rows read g1 as P does and copy another high word. */
function ggetAsConst(lo: number, hi: number): Run {
  const pc = pcOf(P, 'gget64');
  return fromVariant(pc, (w) => (w[0] = OP('const64'), w[2] = lo, w[3] = hi), (w) => {
    const m = cpuOf(w), r = rowAt(w, pc);
    put(m, r, C.x!, 2);
    put(m, r, C.xh!, 1);
  });
}
/** brz rows of a relabelled P' (a jmp, or a brz to pc + 1): cz/sInv as the cheat claims. */
function fixBrz(w: RunWitness, jumped: boolean): void {
  const m = cpuOf(w), pc = pcOf(P, 'brz');
  for (let r = 0; r < m.height; r++) {
    if (!cell(m, r, C.isReal!) || cell(m, r, C.pc!) !== pc) continue;
    const s = cell(m, r, C.x!) + cell(m, r, C.x! + 1);
    if (jumped) {
      // every execution jumped: cz = 1 claimed whatever x is
      setCell(m, r, C.cz!, 1);
      setCell(m, r, C.sInv!, 0);
      if (jumped) put(m, r, C.x!, word(cpuOf(base[1].witness), rowAt(base[1].witness, pc, brzIndex(w, r)), C.x!));
    } else {
      setCell(m, r, C.cz!, 0);
      setCell(m, r, C.sInv!, s === 0 ? 0 : inv(s));
    }
  }
}
function brzIndex(w: RunWitness, row: number): number {
  const m = cpuOf(w), pc = pcOf(P, 'brz');
  let k = 0;
  for (let r = 0; r < row; r++) if (cell(m, r, C.isReal!) && cell(m, r, C.pc!) === pc) k++;
  return k;
}
/** Changes npc (and the next row's pc, so only npc's rule is broken) on the first row matching. */
function npcEdit(pred: (mnemonic: string, m: Matrix, r: number) => boolean, npc: (m: Matrix, r: number) => number): Run {
  return direct(1, (w) => {
    const m = cpuOf(w);
    const hit = rowsOf(vmP, w, pred)[0];
    if (!hit) throw new Error('no row for the npc attack');
    setCell(m, hit.r, C.npc!, npc(m, hit.r));
  }, { replay: false });
}
/**
 * A nonzero high word on a 32-bit operand. x: a load's base address with xh = 1, the load-store
 * row's received xh changed to match (that table relies on the CPU's xh = 0). y, z: a
 * memory.size row, where yh and zh are otherwise unused (the ALU tables check the high words of
 * the tuples they receive themselves: add-sub "32-bit rows: zh = 0", lt's limb equalities).
 */
function highWord(o: 'x' | 'y' | 'z', limb: 0 | 1): Run {
  return direct(1, (w) => {
    const seg = w.segments[0]!;
    const m = cpuOf(w);
    if (o === 'x') {
      const r = rowAt(w, pcOf(P, 'load'));
      setCell(m, r, C.xh! + limb, 1);
      const part = partnerOf(vmP, seg, r)!;
      seg.traces[part.index] = { ...seg.traces[part.index]! };
      setCell(seg.traces[part.index]!, part.row, aluTupleCol(part.table, 3 + limb)!, 1);
    } else {
      setCell(m, rowAt(w, pcOf(P, 'memory.size')), C[`${o}h`]! + limb, 1);
    }
  });
}
/** Row r becomes `jmp target` fetched at pc (no operands, no ALU tuple). */
function asJmp(m: Matrix, r: number, pc: number, target: number): void {
  for (const f of FLAGS) setCell(m, r, C[f]!, 0);
  for (const c of ['aluOp', 'xOff', 'yOff', 'zOff', 'imm', 'imm+', 'immH', 'immH+', 'frame', 'typeId', 'x', 'x+', 'y', 'y+', 'z', 'z+']) {
    setCell(m, r, C[c.replace('+', '')]! + (c.endsWith('+') ? 1 : 0), 0);
  }
  setCell(m, r, C.pc!, pc);
  setCell(m, r, C.op!, OP('jmp'));
  setCell(m, r, C.isJmp!, 1);
  setCell(m, r, C.target!, target);
  setCell(m, r, C.npc!, target);
}

describe('cpu table', () => {
  beforeAll(() => {
    P = watProgram(WAT);
    for (const k of [1, 2] as const) {
      base[k] = runOf(P, IO, SEG[k]);
      vmP = base[k].vm;
      checker[k] = new Checker(cpuTable, attempt(base[k]));
    }
  }, 60_000);

  it('has the documented shape: degree at most 3', () => {
    const info = tableInfo(cpuTable);
    expect(info.maxDegree).toBeLessThanOrEqual(3);
    expect(info.width).toBe(CpuCols.width);
  });

  it('accepts the honest run in one segment and in two (every table, the verifier\'s terms)', () => {
    expect(base[1].witness.segments.length).toBe(1);
    expect(base[2].witness.segments.length).toBeGreaterThan(1);
    const executed = new Set(rowsOf(vmP, base[1].witness, () => true).map(({ r }) => ISA[cell(cpuOf(base[1].witness), r, C.op!)]!.mnemonic));
    for (const m of ['jmp', 'brz', 'brnz', 'br_ge_u.i', 'br_table', 'call', 'call_indirect', 'ret', 'halt', 'const', 'const64', 'mov', 'gget', 'gset', 'gget64', 'gset64', 'memory.size', 'memory.grow', 'mcopy', 'mfill', 'read_public', 'commit', 'load', 'store64']) {
      expect(executed, m).toContain(m);
    }
    // a fresh re-derivation of the honest witness is still honest
    for (const k of [1, 2] as const) expect(checker[k].rejections(attempt(direct(k, () => {}, { alu: true })))).toEqual([]);
  });

  it('a forged witness is rejected by the real verifier too (add64 proves nothing: send = 0, isLS = 1/2)', async () => {
    const cheat = ATTACKS.find((a) => a.caughtBy === 'flag isLS is a bit')!.build();
    const proof = await proveWitness(vmP, cheat.witness, cheat.claim, { options: ProofOptions.testing(), segmentCycles: SEG[1] });
    const err = await verifyRun(P.digest, {}, proof, { minSecurityBits: 0 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyError);
    expect((err as VerifyError).check).toMatch(/ood|fri/);
  }, 120_000);

  describe('attacks', () => {
    const seen = new Map<string, string[]>();
    const built = new Map<string, Attempt>();
    const rejections = (a: CpuAttack): string[] => {
      if (!seen.has(a.attack)) {
        const at = attempt(a.build());
        built.set(a.attack, at);
        seen.set(a.attack, checker[a.segs ?? 1].rejections(at));
      }
      return seen.get(a.attack)!;
    };
    it.each(ATTACKS.map((a) => [a.attack, a] as const))('rejects: %s', (_, a) => {
      if (process.env.H5_DEBUG) console.log(a.attack, '=>', JSON.stringify(rejections(a)));
      expect(rejections(a)).toContain(a.caughtBy);
    });

    it('every constraint is needed: for each label some attack passes when it alone is skipped', () => {
      const missing: string[] = [];
      for (const label of eachLabel(cpuTable)) {
        const a = ATTACKS.find((x) => {
          const r = rejections(x);
          return r.length === 1 && r[0] === label;
        });
        if (!a) {
          missing.push(label);
          continue;
        }
        expect(checker[a.segs ?? 1].rejections(built.get(a.attack)!, new Set([label])), label).toEqual([]);
      }
      expect(missing.sort()).toEqual(Object.keys(NO_ATTACK).sort());
    });
  });
});

const NO_FLAG_CHEAT =
  'no single-row cheat found: searching the first execution of every instruction for a weight moved between this flag and any other (by powers of two, field inverses included), every candidate changed an access, a bus tuple or npc that another check rejects; multi-row cheats were not searched';

/** CPU labels with no attack that passes when only they are skipped, and why. */
const NO_ATTACK: Record<string, string> = {
  'isReal is a bit':
    'implied where it matters: a non-bit isReal on the row after the last real one breaks the prefix rule (unless it is the table\'s last row), and with isReal = m != 0, 1 that row must fetch with "no flags" (packed flags times (1 - m) = 0), which no instruction has; found no cheat',
  'isLast on a full table':
    'implied on a full table: isLast != 1 on the last row turns on the wrap-around transition row h-1 -> row 0, which ts (strictly growing) cannot satisfy; on a padded table a nonzero isLast on the last padding row would send or receive row 0\'s entry state once more, which only a duplicated segment could balance; found no cheat',
  'a segment executes at least one row':
    'implied by the state and halt buses: an empty segment receives a state and sends nothing, and counting sends and receives (the verifier sends one state, receives one halt; each non-empty segment receives one state and sends one state or one halt) leaves no room for it',
  'halt is the last executed row':
    'implied by npc (halt: npc = pc) and the halt bus: a halt followed by a real row is followed by another halt, and the verifier receives exactly one halt tuple',
  'call: the link is (pc + 1) | frame << 16 [0]':
    'a forged return pc makes the rest of the run skip or repeat instructions, shifting every later timestamp; this harness does not re-derive the load-store and bulk tables for shifted time. The [1] limb is attacked (a forged callee frame size)',
  'port Z read: z is the slot value [1]':
    'needs an mcopy/mfill count whose high limb differs (>= 2^16 bytes: a 2^17-row bulk table); the [0] limb is attacked',
  'a read that is not short returns every byte asked for [1]': 'needs a read of >= 2^16 bytes; the [0] limb is attacked',
  'after the end of the input a read returns 0 [1]': 'needs a read of >= 2^16 bytes; the [0] limb is attacked',
  'flag xRead is a bit': NO_FLAG_CHEAT,
  'flag xWide is a bit': NO_FLAG_CHEAT,
  'flag yRead is a bit': NO_FLAG_CHEAT,
  'flag yWide is a bit': NO_FLAG_CHEAT,
  'flag zWrite is a bit': NO_FLAG_CHEAT,
  'flag zWide is a bit': NO_FLAG_CHEAT,
  'flag zRead is a bit': NO_FLAG_CHEAT,
  'flag send is a bit': NO_FLAG_CHEAT,
  'flag isBrz is a bit': NO_FLAG_CHEAT,
  'flag isCall is a bit': NO_FLAG_CHEAT,
  'flag isCallInd is a bit': NO_FLAG_CHEAT,
  'flag isRet is a bit': NO_FLAG_CHEAT,
  'flag isHalt is a bit': NO_FLAG_CHEAT,
};
