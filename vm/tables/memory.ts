/**
 * Memory: offline memory checking over the `memory` bus (Blum et al. 1991; the form SP1 and
 * Jolt use), for the slot space (frames and globals) and the heap, in one argument.
 *
 * Cells. A cell is a 32-bit word named by a key: a slot s has key s, heap word w (bytes 4w..4w+3)
 * has key `HEAP_KEY_BASE + w`. Both stay below `LIMIT` = 2^29 (slots < 2^28, heap < 1 GiB).
 * Values travel as two u16 limbs. Every writer range-checks the limbs it writes, so every value on
 * the bus is a u32.
 *
 * Accesses. Every access, read or write, at timestamp `ts` RECEIVES the cell's previous state
 * (key, v_prev, ts_prev) and SENDS its new state (key, v, ts) (v = v_prev for a read), and proves
 * ts_prev < ts. The initial state of every cell is sent once at ts = 0: by the image table
 * (`memory-image`: the Program's data segments and globals, fixed at setup) or, for any other
 * cell, with value 0 by the boundary table; the boundary table also receives every cell's final
 * state. Its rows are sorted by strictly increasing key, so no cell is initialized twice: with
 * one final state per key, sends and receives of a key balance only with one initial state.
 * Then, by the standard argument, each access's (v_prev, ts_prev) is the latest earlier write.
 *
 * Order checks. `assertLess(lo, hi)` proves lo < hi with one difference d = hi - lo - 1 = d0 + 2^16 d1,
 * looking up d0 and 8 d1 on range16. Whatever field element d1 is, 8 d1 = v < 2^16 gives
 * d = d0 + 2^13 v < D = 2^29 + 2^16 (an honest d < 2^29 has d1 = d >> 16 < 2^13). Sound for lo, hi
 * below B = 2^29 + 2^16 as integers: a wrong order would need d = p - k with 1 <= k <= B, and
 * p - B > D. Timestamps are below 2^29 because every one is a CPU timestamp (the verifier bounds
 * the rows of all segments, vm/machine.ts) or 0; keys because `assertSmall` decomposes each key
 * of the boundary table the same way (key < B), and accesses only match keys on the bus.
 *
 * Trace side: `MemoryState` replays the accesses in order (the prover's view of memory) and
 * returns, for each, the previous value and timestamp the trace needs, recording the range lookups.
 * @module
 */
import { defineTable, type AirBuilder } from '../../prover/air/builder.ts';
import type { Expr, ExprLike } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import { defineBus } from '../../prover/bus.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { range16, type RangeCounts } from './range.ts';

/** (key, v0, v1, ts) */
export const memoryBus = defineBus('memory', { arity: 4, kind: 'permutation' });

export const LIMIT = 2 ** 29;
/** Heap word w has key HEAP_KEY_BASE + w. */
export const HEAP_KEY_BASE = 2 ** 28;
/** Largest heap in words (1 GiB): keys stay below LIMIT. */
export const MAX_HEAP_WORDS = 2 ** 28;
/** Slot keys are slot indices below this. */
export const MAX_SLOTS = 2 ** 28;

const TWO16 = 0x10000;

/** In eval: proves lo < hi (both in [0, LIMIT)) when `gate` is 1, with diff = [d0, d1] columns. */
export function assertLess(b: AirBuilder, label: string, lo: ExprLike, hi: ExprLike, diff: readonly Expr[], gate: ExprLike): void {
  b.when(gate).assertZero(`${label}: hi - lo - 1 = d0 + 2^16 d1`, b.sub(b.sub(b.sub(hi, lo), 1), b.add(diff[0]!, b.mul(TWO16, diff[1]!))));
  range16.lookup(b, `${label}: d0 and 8 d1 are u16`, [diff[0]!, b.mul(8, diff[1]!)], gate);
}

/** Trace twin of `assertLess`: the diff limbs, with their range16 lookups recorded. */
export function recordLess(counts: RangeCounts, lo: number, hi: number): [number, number] {
  return recordSmall(counts, hi - lo - 1);
}

/** In eval: x = l0 + 2^16 l1 with l0 and 8 l1 looked up on range16, so x < 2^29 + 2^16 as an integer. */
export function assertSmall(b: AirBuilder, label: string, x: ExprLike, limbs: readonly Expr[], gate: ExprLike): void {
  b.when(gate).assertZero(`${label}: x = l0 + 2^16 l1`, b.sub(x, b.add(limbs[0]!, b.mul(TWO16, limbs[1]!))));
  range16.lookup(b, `${label}: l0 and 8 l1 are u16`, [limbs[0]!, b.mul(8, limbs[1]!)], gate);
}

/** Trace twin of `assertSmall` for x in [0, 2^29). */
export function recordSmall(counts: RangeCounts, x: number): [number, number] {
  if (!(x >= 0 && x < LIMIT && Number.isInteger(x))) throw new RangeError(`memory: ${x} is not in [0, 2^29) (order check or key)`);
  const l0 = x & 0xffff, l1 = x >>> 16;
  range16.record(counts, l0);
  range16.record(counts, 8 * l1);
  return [l0, l1];
}

export interface AccessSpec {
  readonly key: ExprLike;
  /** The cell's value before the access (for a pure read, the value itself). */
  readonly prev: readonly ExprLike[];
  /** The value after the access. */
  readonly value: readonly ExprLike[];
  readonly prevTs: ExprLike;
  readonly ts: ExprLike;
  /** Limbs of ts - prevTs - 1. */
  readonly diff: readonly Expr[];
  readonly gate: ExprLike;
}

/** In eval: one memory access (receive the previous state, send the new one, prove time moves on). */
export function access(b: AirBuilder, label: string, a: AccessSpec): void {
  memoryBus.receive(b, [a.key, a.prev[0]!, a.prev[1]!, a.prevTs], a.gate);
  memoryBus.send(b, [a.key, a.value[0]!, a.value[1]!, a.ts], a.gate);
  assertLess(b, `${label}: previous access is earlier`, a.prevTs, a.ts, a.diff, a.gate);
}

/** The columns an access needs in its table's trace (for a read, prev is the value). */
export interface AccessRecord {
  prev: number;
  prevTs: number;
  d0: number;
  d1: number;
}

/**
 * The prover's replay of memory: value and last timestamp of every cell. Cells untouched so far
 * hold their initial value at ts 0. Slot and heap arrays grow on demand.
 */
export class MemoryState {
  private val: Int32Array;
  private ts: Int32Array;
  /** Keys of cells with a nonzero initial value (the image). */
  readonly imageKeys: Int32Array;
  readonly imageValues: Int32Array;
  private heapVal: Int32Array;
  private heapTs: Int32Array;

  constructor(slotInit: Int32Array, heapInit: Uint8Array) {
    this.val = new Int32Array(Math.max(1024, slotInit.length * 2));
    this.val.set(slotInit);
    this.ts = new Int32Array(this.val.length);
    const words = (heapInit.length + 3) >>> 2;
    this.heapVal = new Int32Array(words);
    new Uint8Array(this.heapVal.buffer).set(heapInit);
    this.heapTs = new Int32Array(words);
    const keys: number[] = [];
    const vals: number[] = [];
    for (let s = 0; s < slotInit.length; s++) if (slotInit[s] !== 0) (keys.push(s), vals.push(slotInit[s]!));
    for (let w = 0; w < words; w++) if (this.heapVal[w] !== 0) (keys.push(HEAP_KEY_BASE + w), vals.push(this.heapVal[w]!));
    this.imageKeys = Int32Array.from(keys);
    this.imageValues = Int32Array.from(vals);
  }

  private growSlots(s: number): void {
    if (s >= MAX_SLOTS) throw new RangeError(`slot ${s} beyond the provable 2^28 slots`);
    let n = this.val.length;
    while (n <= s) n *= 2;
    const v = new Int32Array(n), t = new Int32Array(n);
    v.set(this.val);
    t.set(this.ts);
    this.val = v;
    this.ts = t;
  }

  private growHeap(w: number): void {
    if (w >= MAX_HEAP_WORDS) throw new RangeError(`heap word ${w} beyond the provable 1 GiB`);
    let n = Math.max(this.heapVal.length, 16384);
    while (n <= w) n *= 2;
    const v = new Int32Array(n), t = new Int32Array(n);
    v.set(this.heapVal);
    t.set(this.heapTs);
    this.heapVal = v;
    this.heapTs = t;
  }

  /**
   * Accesses cell `key` at `ts`, writing `value` (or reading when value is undefined); fills `out`
   * with the previous value and timestamp and the order-check limbs, recorded on `counts`.
   */
  access(key: number, ts: number, value: number | undefined, counts: RangeCounts, out: AccessRecord): void {
    let vals: Int32Array, tss: Int32Array, i: number;
    if (key >= HEAP_KEY_BASE) {
      i = key - HEAP_KEY_BASE;
      if (i >= this.heapVal.length) this.growHeap(i);
      vals = this.heapVal;
      tss = this.heapTs;
    } else {
      i = key;
      if (i >= this.val.length) this.growSlots(i);
      vals = this.val;
      tss = this.ts;
    }
    const prevTs = tss[i]!;
    const d = ts - prevTs - 1;
    if (!(d >= 0 && ts < LIMIT)) throw new RangeError(`memory: access to key ${key} at ts ${ts} after ts ${prevTs}`);
    out.prev = vals[i]!;
    out.prevTs = prevTs;
    out.d0 = d & 0xffff;
    out.d1 = d >>> 16;
    counts[out.d0]!++;
    counts[8 * out.d1]!++;
    if (value !== undefined) vals[i] = value;
    tss[i] = ts;
  }

  /** Value of a cell now (for trace generation that needs it without an access). */
  peek(key: number): number {
    if (key >= HEAP_KEY_BASE) return this.heapVal[key - HEAP_KEY_BASE] ?? 0;
    return this.val[key] ?? 0;
  }

  /** Every cell with an initial image value or an access, in key order: (key, value, ts, fromImage). */
  finalCells(): { key: Int32Array; value: Int32Array; ts: Int32Array; fromImage: Uint8Array } {
    const img = new Set<number>(this.imageKeys);
    const key: number[] = [], value: number[] = [], ts: number[] = [], from: number[] = [];
    const emit = (k: number, v: number, t: number): void => {
      const f = img.has(k);
      if (t === 0 && !f) return;
      key.push(k), value.push(v), ts.push(t), from.push(f ? 1 : 0);
    };
    for (let s = 0; s < this.val.length; s++) emit(s, this.val[s]!, this.ts[s]!);
    for (let w = 0; w < this.heapVal.length; w++) emit(HEAP_KEY_BASE + w, this.heapVal[w]!, this.heapTs[w]!);
    return { key: Int32Array.from(key), value: Int32Array.from(value), ts: Int32Array.from(ts), fromImage: Uint8Array.from(from) };
  }
}

// ---- the image table: initial nonzero cells, fixed at setup ----

export const ImageFixedCols = layout({
  key: 1,
  v: 2,
  isReal: 1,
});
/** A main column is required by the prover; it is pinned to zero. */
export const ImageCols = layout({ unused: 1 });

/** The image table of a program: sends its cells at ts 0 in the first segment (public value 0 = 1). */
export function defineImageTable(keys: Int32Array, values: Int32Array): ReturnType<typeof defineTable<typeof ImageCols.spec>> {
  let n = 2;
  while (n < keys.length) n *= 2;
  let fixed: Matrix | undefined;
  const w = ImageFixedCols.width;
  return defineTable({
    name: 'memory-image',
    cols: ImageCols,
    publicValues: 1,
    preprocessed: {
      cols: ImageFixedCols,
      values: (): Matrix => {
        if (fixed) return fixed;
        const v = new Uint32Array(n * w);
        for (let i = 0; i < keys.length; i++) {
          v[i * w] = keys[i]!;
          v[i * w + 1] = values[i]! & 0xffff;
          v[i * w + 2] = values[i]! >>> 16;
          v[i * w + 3] = 1;
        }
        return (fixed = { values: v, width: w, height: n });
      },
    },
    eval(b) {
      const f = b.fixed(ImageFixedCols);
      const r = b.local(ImageCols);
      b.assertZero('the unused column is zero', r.unused);
      const first = b.publicValue(0);
      b.assertBool('first-segment flag is a bit', first);
      memoryBus.send(b, [f.key, f.v[0]!, f.v[1]!, 0], b.mul(f.isReal, first));
    },
  });
}

// ---- the boundary table: one row per cell, sorted by key ----

export const BoundaryCols = layout({
  key: 1, // pinned: matched on the bus with the cell's accesses; strictly increasing (assertLess on keyDiff)
  v: 2, // final value: pinned by the bus (the last access's send)
  ts: 1, // final timestamp: pinned by the bus
  fromImage: 1, // 1 if the image table initializes the cell: pinned by the bus balance (see module doc)
  isReal: 1, // 1 on cell rows (a prefix of the table), 0 on padding
  keyDiff: 2, // key - previous key - 1 as limbs: pinned by assertLess
  keyLimbs: 2, // key as l0 + 2^16 l1: pinned by assertSmall (key < 2^29 + 2^16, so the order cannot wrap mod p)
});

export const boundaryTable = defineTable({
  name: 'memory-boundary',
  cols: BoundaryCols,
  publicValues: 1,
  eval(b) {
    const r = b.local(BoundaryCols);
    const n = b.next(BoundaryCols);
    const last = b.publicValue(0);
    b.assertBool('last-segment flag is a bit', last);
    b.assertBool('isReal is a bit', r.isReal);
    b.assertBool('fromImage is a bit', r.fromImage);
    b.assertZero('fromImage only on real rows', b.mul(r.fromImage, b.sub(1, r.isReal)));
    b.assertZero('cell rows only in the last segment', b.mul(r.isReal, b.sub(1, last)));
    b.whenTransition().assertZero('real rows form a prefix', b.mul(n.isReal, b.sub(1, r.isReal)));
    assertLess(b, 'keys strictly increase', r.key, n.key, n.keyDiff, b.mul(b.isTransition, n.isReal));
    assertSmall(b, 'key is small', r.key, r.keyLimbs, r.isReal);
    memoryBus.send(b, [r.key, 0, 0, 0], b.mul(r.isReal, b.sub(1, r.fromImage)));
    memoryBus.receive(b, [r.key, r.v[0]!, r.v[1]!, r.ts], r.isReal);
  },
});

/** The boundary trace (last segment) from the final memory state. */
export function boundaryTrace(mem: MemoryState, counts: RangeCounts): Matrix {
  const c = mem.finalCells();
  const rows = c.key.length;
  let n = 2;
  while (n < rows + 1) n *= 2;
  const w = BoundaryCols.width;
  const v = new Uint32Array(n * w);
  for (let i = 0; i < rows; i++) {
    const o = i * w;
    const k = c.key[i]!;
    v[o + BoundaryCols.key] = k;
    v[o + BoundaryCols.v] = c.value[i]! & 0xffff;
    v[o + BoundaryCols.v + 1] = c.value[i]! >>> 16;
    v[o + BoundaryCols.ts] = c.ts[i]!;
    v[o + BoundaryCols.fromImage] = c.fromImage[i]!;
    v[o + BoundaryCols.isReal] = 1;
    if (i > 0) {
      const [d0, d1] = recordLess(counts, c.key[i - 1]!, k);
      v[o + BoundaryCols.keyDiff] = d0;
      v[o + BoundaryCols.keyDiff + 1] = d1;
    }
    const [l0, l1] = recordSmall(counts, k);
    v[o + BoundaryCols.keyLimbs] = l0;
    v[o + BoundaryCols.keyLimbs + 1] = l1;
  }
  return { values: v, width: w, height: n };
}

/** An empty boundary trace (segments before the last). */
export function emptyBoundaryTrace(): Matrix {
  return { values: new Uint32Array(2 * BoundaryCols.width), width: BoundaryCols.width, height: 2 };
}
