/**
 * The u32 add/sub table: proves c = a + b mod 2^32 (`add`, `add.i`) and c = a - b mod 2^32
 * (`sub`, `sub.i`), exactly WebAssembly's i32.add / i32.sub, one row per event.
 *
 * Words are two u16 limbs (low first). One selector `isSub` lets one table prove both: it permutes
 * the operands into (p, q, r) = (a, b, c) for add and (b, c, a) for sub, and the table proves
 * p + q = r + carry1 * 2^32 limb by limb:
 *   low:  p0 + q0          = r0 + carry0 * 2^16
 *   high: p1 + q1 + carry0 = r1 + carry1 * 2^16
 * For sub that is b + c = a (mod 2^32), i.e. c = a - b. Soundness: with every limb in [0, 2^16)
 * and the carries bits, both sides are integers below 2^18 < p, so the field equations are integer
 * equations and c is the unique wrapped result. The limbs of c are range-checked here on
 * `range16`; the limbs of a and b arrive on the `add-sub` bus from the CPU, which must only send
 * u16 limbs (its operands are memory words, range-checked where they are written).
 *
 * Bus: receives (isSub, a0, a1, b0, b1, c0, c1, clk) on `add-sub` with multiplicity isReal
 * (docs/buses.md). SP1 `alu/add_sub` has the same shape with bytes instead of u16 limbs.
 * @module
 */
import { defineTable } from '../../prover/air/builder.ts';
import { layout } from '../../prover/air/layout.ts';
import { defineBus } from '../../prover/bus.ts';
import { P } from '../../prover/field/babybear.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { range16, type RangeCounts } from './range.ts';

/** (isSub, a0, a1, b0, b1, c0, c1, clk): the CPU sends, this table receives. */
export const addSubBus = defineBus('add-sub', { arity: 8, kind: 'permutation' });

export const AddSubCols = layout({
  a: 2, // first operand, u16 limbs: pinned by the add-sub bus (the CPU's value)
  b: 2, // second operand, u16 limbs: pinned by the add-sub bus
  c: 2, // result, u16 limbs: pinned by the limb equations and range16
  carry: 2, // carry out of each limb: pinned boolean, and by the limb equations
  isSub: 1, // 1 for sub, 0 for add: pinned boolean, and by the add-sub bus (the CPU's opcode)
  clk: 1, // the CPU row (clock) of the instruction: pinned by the add-sub bus
  isReal: 1, // 1 on event rows, 0 on padding: pinned boolean; gates every constraint and interaction
});

export interface AddSubEvent {
  readonly op: 'add' | 'sub';
  /** u32 operands (plain numbers; negative i32 values are taken mod 2^32). */
  readonly a: number;
  readonly b: number;
  /** The CPU row that issued it; defaults to the event's index. */
  readonly clk?: number;
}

const TWO16 = 0x10000;

export const addSubTable = defineTable({
  name: 'add-sub',
  cols: AddSubCols,
  eval(b) {
    const r = b.local(AddSubCols);
    b.assertBool('isReal is a bit', r.isReal);
    b.assertBool('isSub is a bit', r.isSub);
    const on = b.when(r.isReal);
    on.assertBools('carries are bits', r.carry);
    // (p, q, r) = (a, b, c) for add, (b, c, a) for sub: x + isSub * (y - x) selects y when isSub = 1.
    const sel = (x: (typeof r.a)[number], y: (typeof r.a)[number]) => b.add(x, b.mul(r.isSub, b.sub(y, x)));
    const p = [0, 1].map((j) => sel(r.a[j]!, r.b[j]!));
    const q = [0, 1].map((j) => sel(r.b[j]!, r.c[j]!));
    const s = [0, 1].map((j) => sel(r.c[j]!, r.a[j]!));
    on.assertZero('low limb: p0 + q0 = r0 + carry0 * 2^16', b.sub(b.add(p[0]!, q[0]!), b.add(s[0]!, b.mul(TWO16, r.carry[0]!))));
    on.assertZero('high limb: p1 + q1 + carry0 = r1 + carry1 * 2^16', b.sub(b.add(p[1]!, q[1]!, r.carry[0]!), b.add(s[1]!, b.mul(TWO16, r.carry[1]!))));
    range16.lookup(b, 'c limbs are u16', r.c, r.isReal);
    addSubBus.receive(b, [r.isSub, ...r.a, ...r.b, ...r.c, r.clk], r.isReal);
  },
});

/** The add-sub bus tuple of an event, as the CPU side sends it (for senders and tests). */
export function addSubTuple(e: AddSubEvent, clk: number): number[] {
  const a = e.a >>> 0, b = e.b >>> 0;
  const c = (e.op === 'add' ? a + b : a - b) >>> 0;
  return [e.op === 'sub' ? 1 : 0, a & 0xffff, a >>> 16, b & 0xffff, b >>> 16, c & 0xffff, c >>> 16, clk];
}

/**
 * The add-sub trace for `events` (height: the next power of two >= max(events, 2); padding rows
 * are all zero), recording the limbs of each c into `counts16` (range16's counters).
 */
export function addSubTrace(events: readonly AddSubEvent[], counts16: RangeCounts): Matrix {
  let n = 2;
  while (n < events.length) n *= 2;
  const w = AddSubCols.width;
  const v = new Uint32Array(n * w);
  events.forEach((e, i) => {
    if (e.op !== 'add' && e.op !== 'sub') throw new TypeError(`addSubTrace: event ${i} has op ${String(e.op)}`);
    for (const [k, x] of [['a', e.a], ['b', e.b]] as const) {
      if (!Number.isInteger(x) || x < -0x80000000 || x > 0xffffffff) throw new RangeError(`addSubTrace: event ${i}: ${k} = ${x} is not a 32-bit integer`);
    }
    const clk = e.clk ?? i;
    if (!Number.isInteger(clk) || clk < 0 || clk >= P) throw new RangeError(`addSubTrace: event ${i}: clk ${clk} is not a field element`);
    const a = e.a >>> 0, b = e.b >>> 0;
    const isSub = e.op === 'sub';
    const c = (isSub ? a - b : a + b) >>> 0;
    // carries of p + q = r: (a, b) for add, (b, c) for sub
    const [p, q] = isSub ? [b, c] : [a, b];
    const lo = (p & 0xffff) + (q & 0xffff);
    const carry0 = lo >>> 16;
    const carry1 = ((p >>> 16) + (q >>> 16) + carry0) >>> 16;
    const o = i * w;
    v[o + AddSubCols.a] = a & 0xffff;
    v[o + AddSubCols.a + 1] = a >>> 16;
    v[o + AddSubCols.b] = b & 0xffff;
    v[o + AddSubCols.b + 1] = b >>> 16;
    v[o + AddSubCols.c] = c & 0xffff;
    v[o + AddSubCols.c + 1] = c >>> 16;
    v[o + AddSubCols.carry] = carry0;
    v[o + AddSubCols.carry + 1] = carry1;
    v[o + AddSubCols.isSub] = isSub ? 1 : 0;
    v[o + AddSubCols.clk] = clk;
    v[o + AddSubCols.isReal] = 1;
    range16.record(counts16, c & 0xffff);
    range16.record(counts16, c >>> 16);
  });
  return { values: v, width: w, height: n };
}
