/**
 * The memory image and boundary tables (offline memory checking, vm/tables/memory.ts) on real
 * segment witnesses: the honest run is accepted with every table of every segment and the
 * verifier's terms; named attacks on the boundary and the image are rejected by the check they
 * name; every boundary and image label is needed, except those in NO_ATTACK with the reason.
 *
 * The main cheat is a stale read: the loop's `br_le_u.i s2, 100` (taken for any counter below 100)
 * reads the counter as 0 in its third iteration, from a SECOND chain of the counter's slot that a
 * second boundary row starts at (key, 0, ts 0) and ends; the first chain skips the read. Where the
 * second row goes decides which check must catch it: next to the first (keys strictly increase),
 * after a wrap of the keys through p (key is small), after a padding row (real rows form a prefix),
 * or in an earlier segment's boundary table (cell rows only in the last segment).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { eachLabel } from '../../../prover/air/harness.ts';
import { P as FIELD_P } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { tableInfo, type AnyTable } from '../../../prover/air/builder.ts';
import type { Program } from '../../../vm/program.ts';
import type { VmMachine } from '../../../vm/machine.ts';
import type { RunWitness } from '../../../vm/trace.ts';
import { cpuTable } from '../../../vm/tables/cpu.ts';
import { BoundaryCols, boundaryTable, HEAP_KEY_BASE, LIMIT, MemoryState, recordLess, recordSmall } from '../../../vm/tables/memory.ts';
import {
  boundaryFromRows, boundaryRows, C, Checker, cell, cloneWitness, extraOf, inputsOf, pcOf, rebuildAlu, rederive, runOf, setCell, watProgram,
  type Attempt, type BoundaryRow, type Run,
} from './_vm-harness.ts';
import { WAT } from './_vm-program.ts';

const IO = { publicInput: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), input: Uint8Array.of(11, 12, 13, 14, 15) };
const SEG: Record<1 | 2, number> = { 1: 1 << 16, 2: 64 };

let P: Program;
let vmP: VmMachine;
let imageTable: AnyTable;
const base = {} as Record<1 | 2, Run>;
const checkers = new Map<string, Checker>();
const checker = (table: AnyTable, segs: 1 | 2): Checker => {
  const k = `${table.name}/${segs}`;
  if (!checkers.has(k)) checkers.set(k, new Checker(table, attempt(base[segs])));
  return checkers.get(k)!;
};
const attempt = (r: Run): Attempt => ({ inputs: inputsOf(vmP, r.witness), extra: extraOf(P, r.claim) });
const bIdx = (): number => vmP.index['memory-boundary']!;

/** The nth execution of pc over all segments. */
function find(w: RunWitness, pc: number, nth: number): { s: number; r: number } {
  let k = 0;
  for (let s = 0; s < w.segments.length; s++) {
    const m = w.segments[s]!.traces[vmP.index.cpu!]!;
    for (let r = 0; r < m.height; r++) if (cell(m, r, C.isReal!) && cell(m, r, C.pc!) === pc && k++ === nth) return { s, r };
  }
  throw new Error(`pc ${pc} not executed ${nth + 1} times`);
}

type Place = 'adjacent' | 'wrapped' | 'after a gap' | 'earlier segment';

/**
 * The stale read (module doc), with the second boundary row of the counter's slot placed as `place`
 * says. Returns the run; `limbs` lets the caller see the forged order-check limbs are in range.
 */
function staleRead(place: Place): Run {
  const segs = place === 'earlier segment' ? 2 : 1;
  const w = cloneWitness(base[segs].witness);
  const cpuAt = (s: number): Matrix => w.segments[s]!.traces[vmP.index.cpu!]!;
  const brLe = find(w, pcOf(P, 'br_le_u.i'), 2);
  const inc = find(w, counterPc(), 2); // add.i s2, s2, 1 of the same iteration reads the counter next
  const m = cpuAt(brLe.s);
  const key = cell(m, brLe.r, C.xOff!) + cell(m, brLe.r, C.fp!);
  const at = cell(m, brLe.r, C.ts!);
  const prevTs = cell(m, brLe.r, C.xTs!);
  expect(cell(m, brLe.r, C.x!)).toBe(2);
  // the read: x = 0 from the second chain (key, 0, 0) -> (key, 0, at)
  setCell(m, brLe.r, C.x!, 0);
  setCell(m, brLe.r, C.xTs!, 0);
  setCell(m, brLe.r, C.xDiff!, (at - 1) & 0xffff);
  setCell(m, brLe.r, C.xDiff! + 1, (at - 1) >>> 16);
  // the first chain goes from the access before the read straight to the increment's read
  const mi = cpuAt(inc.s);
  const incAt = cell(mi, inc.r, C.ts!);
  expect(cell(mi, inc.r, C.xTs!)).toBe(at);
  setCell(mi, inc.r, C.xTs!, prevTs);
  setCell(mi, inc.r, C.xDiff!, (incAt - prevTs - 1) & 0xffff);
  setCell(mi, inc.r, C.xDiff! + 1, (incAt - prevTs - 1) >>> 16);
  rebuildAlu(vmP, w); // the lt table now proves 0 <= 100 for that row
  const second: BoundaryRow = { key, v: 0, ts: at, fromImage: 0 };
  const last = w.segments[w.segments.length - 1]!;
  const rows = boundaryRows(last.traces[bIdx()]!);
  if (place === 'adjacent') {
    const i = rows.findIndex((c) => c.key === key);
    rows.splice(i + 1, 0, second);
    const b = boundaryFromRows(rows);
    // key - key - 1 = -1: the cheater picks in-range limbs, so only the difference equation fails
    setCell(b, i + 1, BoundaryCols.keyDiff, 0);
    setCell(b, i + 1, BoundaryCols.keyDiff + 1, 0);
    last.traces[bIdx()] = b;
  } else if (place === 'wrapped') {
    // past the largest key in steps below 2^29 until the next step reaches key + p
    let c = rows[rows.length - 1]!.key;
    const big: BoundaryRow[] = [];
    while (key + FIELD_P - c - 1 >= LIMIT - 1) {
      c += LIMIT - 2;
      big.push({ key: c % FIELD_P, v: 0, ts: 0, fromImage: 0 });
    }
    const all = [...rows, ...big, second];
    const b = boundaryFromRows(all);
    // keys past 2^29 + 2^16 have no in-range limbs: the cheater writes (0, 0), which only "key is small" rejects
    all.forEach((row, i) => {
      if (row.key >= LIMIT) {
        setCell(b, i, BoundaryCols.keyLimbs, 0);
        setCell(b, i, BoundaryCols.keyLimbs + 1, 0);
      }
    });
    last.traces[bIdx()] = b;
  } else if (place === 'after a gap') {
    const b = boundaryFromRows(rows, 2 * boundaryFromRows(rows).height);
    // a padding row, then the second row: the order check only runs between real rows
    const gap = rows.length + 1;
    const one = boundaryFromRows([second]);
    b.values.set(one.values.subarray(0, BoundaryCols.width), gap * BoundaryCols.width);
    setCell(b, gap, BoundaryCols.keyDiff, (key - 0 - 1) & 0xffff);
    setCell(b, gap, BoundaryCols.keyDiff + 1, (key - 1) >>> 16);
    last.traces[bIdx()] = b;
  } else {
    const first = w.segments[0]!;
    expect(w.segments.length).toBeGreaterThan(1);
    first.traces[bIdx()] = boundaryFromRows([second]);
  }
  rederive(vmP, w);
  return { vm: vmP, witness: w, claim: base[segs].claim };
}

function counterPc(): number {
  const at = pcOf(P, 'br_ge_u.i');
  const slot = P.code[at * 4 + 1]!;
  for (let pc = 0; pc < P.code.length / 4; pc++) {
    const o = pc * 4;
    if (P.code[o + 1] === slot && P.code[o + 2] === slot && P.code[o + 3] === 1 && pc > at) return pc;
  }
  throw new Error('no loop counter');
}

/** Changes boundary rows of the last segment in place (no re-sorting), then the lookups. */
function editBoundary(segs: 1 | 2, edit: (b: Matrix, rows: BoundaryRow[]) => void): Run {
  const w = cloneWitness(base[segs].witness);
  const last = w.segments[w.segments.length - 1]!;
  edit(last.traces[bIdx()]!, boundaryRows(last.traces[bIdx()]!));
  rederive(vmP, w);
  return { vm: vmP, witness: w, claim: base[segs].claim };
}
const rowOfKey = (rows: BoundaryRow[], pred: (c: BoundaryRow) => boolean): number => {
  const i = rows.findIndex(pred);
  if (i < 0) throw new Error('no such boundary row');
  return i;
};

interface MemAttack {
  readonly attack: string;
  readonly caughtBy: string;
  readonly table: 'boundary' | 'image' | 'cpu';
  readonly segs?: 1 | 2;
  build(): Run;
}

const ATTACKS: MemAttack[] = [
  { attack: 'stale read: the counter\'s slot initialized twice, the second row next to the first', caughtBy: 'keys strictly increase: hi - lo - 1 = d0 + 2^16 d1', table: 'boundary', build: () => staleRead('adjacent') },
  { attack: 'stale read: the second row of the slot after keys that wrap around p', caughtBy: 'key is small: x = l0 + 2^16 l1', table: 'boundary', build: () => staleRead('wrapped') },
  { attack: 'stale read: the second row of the slot after a padding row', caughtBy: 'real rows form a prefix', table: 'boundary', build: () => staleRead('after a gap') },
  { attack: 'stale read: the second row of the slot in the first segment\'s boundary', caughtBy: 'cell rows only in the last segment', table: 'boundary', segs: 2, build: () => staleRead('earlier segment') },
  {
    attack: 'a duplicate key: a cell finalized twice (an untouched copy of the last row)',
    caughtBy: 'keys strictly increase: hi - lo - 1 = d0 + 2^16 d1',
    table: 'boundary',
    build: () => editBoundary(1, (b, rows) => {
      const i = rows.length;
      b.values.copyWithin(i * b.width, (i - 1) * b.width, i * b.width);
      setCell(b, i, BoundaryCols.keyDiff, 0);
      setCell(b, i, BoundaryCols.keyDiff + 1, 0);
    }),
  },
  {
    attack: 'keys not increasing: two rows swapped',
    caughtBy: 'keys strictly increase: hi - lo - 1 = d0 + 2^16 d1',
    table: 'boundary',
    build: () => {
      const w = cloneWitness(base[1].witness);
      const last = w.segments[0]!;
      const rows = boundaryRows(last.traces[bIdx()]!);
      [rows[3], rows[4]] = [rows[4]!, rows[3]!];
      const b = boundaryFromRows(rows, last.traces[bIdx()]!.height);
      // the step down has no in-range limbs: the cheater writes (0, 0), which the difference equation rejects
      setCell(b, 4, BoundaryCols.keyDiff, 0);
      setCell(b, 4, BoundaryCols.keyDiff + 1, 0);
      last.traces[bIdx()] = b;
      rederive(vmP, w);
      return { vm: vmP, witness: w, claim: base[1].claim };
    },
  },
  {
    attack: 'fromImage lies (0 for a global with an initial value): the cell is initialized twice',
    caughtBy: 'memory',
    table: 'boundary',
    build: () => editBoundary(1, (b, rows) => setCell(b, rowOfKey(rows, (c) => c.fromImage === 1), BoundaryCols.fromImage, 0)),
  },
  {
    attack: 'fromImage lies (1 for a stack slot): the cell is never initialized',
    caughtBy: 'memory',
    table: 'boundary',
    build: () => editBoundary(1, (b, rows) => setCell(b, rowOfKey(rows, (c) => c.fromImage === 0 && c.key < HEAP_KEY_BASE), BoundaryCols.fromImage, 1)),
  },
  {
    attack: 'a final value other than the last write',
    caughtBy: 'memory',
    table: 'boundary',
    build: () => editBoundary(1, (b, rows) => {
      const i = rowOfKey(rows, (c) => c.key >= HEAP_KEY_BASE);
      setCell(b, i, BoundaryCols.v, cell(b, i, BoundaryCols.v) ^ 1);
    }),
  },
  {
    attack: 'a cell left out of the boundary (its accesses never closed)',
    caughtBy: 'memory',
    table: 'boundary',
    build: () => {
      const w = cloneWitness(base[1].witness);
      const last = w.segments[0]!;
      const rows = boundaryRows(last.traces[bIdx()]!);
      rows.splice(2, 1);
      last.traces[bIdx()] = boundaryFromRows(rows, last.traces[bIdx()]!.height);
      rederive(vmP, w);
      return { vm: vmP, witness: w, claim: base[1].claim };
    },
  },
  {
    attack: 'the image sent again in the second segment (public value 1 there): every image cell initialized twice',
    caughtBy: 'memory',
    table: 'image',
    segs: 2,
    build: () => {
      const w = cloneWitness(base[2].witness);
      w.segments[1]!.publics[vmP.index['memory-image']!] = [1];
      return { vm: vmP, witness: w, claim: base[2].claim };
    },
  },
  {
    attack: 'the image table\'s spare main column carries a value (every witness cell must be pinned)',
    caughtBy: 'the unused column is zero',
    table: 'image',
    build: () => {
      const w = cloneWitness(base[1].witness);
      w.segments[0]!.traces[vmP.index['memory-image']!]!.values[0] = 7;
      return { vm: vmP, witness: w, claim: base[1].claim };
    },
  },
  {
    attack: 'a read whose previous access is at its own timestamp (prevTs = ts, limbs in range)',
    caughtBy: 'port X: previous access is earlier: hi - lo - 1 = d0 + 2^16 d1',
    table: 'cpu',
    build: () => {
      const w = cloneWitness(base[1].witness);
      const m = w.segments[0]!.traces[vmP.index.cpu!]!;
      const r = find(w, pcOf(P, 'br_le_u.i'), 1).r;
      setCell(m, r, C.xTs!, cell(m, r, C.ts!));
      setCell(m, r, C.xDiff!, 0);
      setCell(m, r, C.xDiff! + 1, 0);
      rederive(vmP, w);
      return { vm: vmP, witness: w, claim: base[1].claim };
    },
  },
];

/** Boundary and image labels with no attack that passes when only they are skipped, and why. */
const NO_ATTACK: Record<string, string> = {
  'isReal is a bit':
    'no cheat found: a row with isReal = m not 0 or 1 must be the last real row (prefix rule); it then sends its init m (1 - fromImage) times and receives its final state m times, and the key\'s balance forces fromImage = 0 (non-image key) and m chains ending in the same (value, ts), which distinct access times rule out, so only an untouched cell (init = final) can carry it, harmlessly',
  'fromImage is a bit':
    'implied by the memory bus: the key\'s sends and receives balance only if the boundary sends its init (1 - fromImage) times where the image sends none, and 0 times where it does, so fromImage is the image indicator',
  'fromImage only on real rows': 'redundant: fromImage only gates the init send, whose gate isReal (1 - fromImage) is 0 on padding rows anyway',
  'last-segment flag is a bit': 'a public value the verifier sets itself (1 in the last segment, 0 before): a prover cannot choose it',
  'first-segment flag is a bit': 'a public value the verifier sets itself (1 in the first segment, 0 after): a prover cannot choose it',
};

describe('memory image and boundary tables', () => {
  beforeAll(() => {
    P = watProgram(WAT);
    for (const k of [1, 2] as const) base[k] = runOf(P, IO, SEG[k]);
    vmP = base[1].vm;
    imageTable = vmP.machine.tables[vmP.index['memory-image']!]!;
  }, 60_000);

  it('have degree at most 3 and the documented widths', () => {
    expect(tableInfo(boundaryTable).maxDegree).toBeLessThanOrEqual(3);
    expect(tableInfo(imageTable).maxDegree).toBeLessThanOrEqual(3);
    expect(tableInfo(boundaryTable).width).toBe(BoundaryCols.width);
  });

  it('accept the honest run (one and two segments; the boundary in the last, the image in the first)', () => {
    for (const k of [1, 2] as const) {
      expect(checker(boundaryTable, k).rejections(attempt(base[k]))).toEqual([]);
      const w = base[k].witness;
      expect(w.segments[0]!.publics[vmP.index['memory-image']!]).toEqual([1]);
      expect(w.segments[w.segments.length - 1]!.publics[bIdx()]).toEqual([1]);
      if (k === 2) expect(boundaryRows(w.segments[0]!.traces[bIdx()]!)).toEqual([]);
    }
    const rows = boundaryRows(base[1].witness.segments[0]!.traces[bIdx()]!);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.key).toBeGreaterThan(rows[i - 1]!.key);
    expect(rows.filter((c) => c.fromImage).map((c) => c.key)).toEqual(Array.from(P.globals).flatMap((g, s) => (g !== 0 ? [s] : [])));
  });

  it('the replay refuses what the order checks could not prove (a key or timestamp at or past 2^29, time going back)', () => {
    const counts = new Uint32Array(1 << 16);
    expect(() => recordSmall(counts, LIMIT)).toThrow(RangeError);
    expect(() => recordLess(counts, 10, 10)).toThrow(RangeError);
    expect(recordLess(counts, 10, 11 + 0x10000 * 3 + 5)).toEqual([5, 3]);
    const mem = new MemoryState(new Int32Array(4), new Uint8Array(0));
    const out = { prev: 0, prevTs: 0, d0: 0, d1: 0 };
    mem.access(2, 10, 7, counts, out);
    expect(() => mem.access(2, 10, undefined, counts, out)).toThrow(/after ts 10/);
    mem.access(2, 12, undefined, counts, out);
    expect(out).toEqual({ prev: 7, prevTs: 10, d0: 1, d1: 0 });
  });

  describe('attacks', () => {
    const seen = new Map<string, { rej: string[]; at: Attempt; table: AnyTable }>();
    const tableOf = (a: MemAttack): AnyTable => (a.table === 'boundary' ? boundaryTable : a.table === 'image' ? imageTable : cpuTable);
    const result = (a: MemAttack): { rej: string[]; at: Attempt; table: AnyTable } => {
      if (!seen.has(a.attack)) {
        const at = attempt(a.build());
        const table = tableOf(a);
        seen.set(a.attack, { rej: checker(table, a.segs ?? 1).rejections(at), at, table });
      }
      return seen.get(a.attack)!;
    };
    it.each(ATTACKS.map((a) => [a.attack, a] as const))('rejects: %s', (_, a) => {
      const r = result(a).rej;
      if (process.env.H5_DEBUG) console.log(a.attack, '=>', JSON.stringify(r));
      expect(r).toContain(a.caughtBy);
    });

    it('every boundary and image constraint is needed (some attack passes when it alone is skipped)', () => {
      const missing: string[] = [];
      for (const table of [boundaryTable, imageTable]) {
        for (const label of eachLabel(table)) {
          const a = ATTACKS.find((x) => tableOf(x) === table && result(x).rej.length === 1 && result(x).rej[0] === label);
          if (!a) {
            missing.push(label);
            continue;
          }
          expect(checker(table, a.segs ?? 1).rejections(result(a).at, new Set([label])), label).toEqual([]);
        }
      }
      expect(missing.sort()).toEqual(Object.keys(NO_ATTACK).sort());
    });
  });
});
