/**
 * Range tables: `range8` and `range16` prove that values lie in [0, 2^8) and [0, 2^16).
 *
 * Each is a LogUp lookup table (Haboeck, ePrint 2022/1530): a preprocessed column holding every
 * value 0..2^bits - 1 once (fixed at setup, so the verifying key pins it) and a main column with
 * the multiplicity of each value, receiving `(value)` on the bus of the same name. A table that
 * needs a limb in range calls `range16.lookup(b, label, limbs, gate)` in its eval (one send of
 * multiplicity `gate` per limb), and its trace generator calls `range16.record(counts, limb)` for
 * exactly the same limbs on real rows; `range16.trace(counts)` is then the range table's trace.
 * Lookup and record sit on one object so the two sides cannot drift apart.
 * @module
 */
import { defineTable, type AirBuilder, type Table } from '../../prover/air/builder.ts';
import type { ExprLike } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import { defineBus, type Bus } from '../../prover/bus.ts';
import type { Matrix } from '../../prover/matrix.ts';

export const RangeFixedCols = layout({
  value: 1, // row index i, 0..2^bits - 1: fixed at setup (preprocessed), pinned by the verifying key
});

export const RangeCols = layout({
  multiplicity: 1, // how many lookups of `value` the other tables made: pinned by the bus balance
});

/** Multiplicity per value, indexed by value; filled by `record`, consumed by `trace`. */
export type RangeCounts = Uint32Array;

export interface RangeCheck {
  /** Width of the range in bits (the table has 2^bits rows). */
  readonly bits: number;
  readonly bus: Bus;
  readonly table: Table<typeof RangeCols.spec>;
  /**
   * In a table's eval: looks each expression up once, with multiplicity `gate` (normally the
   * row's `isReal`). `label` names the check for readers; a failure is reported by bus name.
   */
  lookup(b: AirBuilder, label: string, values: readonly ExprLike[], gate: ExprLike): void;
  /** Fresh multiplicity counters (all zero). */
  counts(): RangeCounts;
  /** In trace generation: one lookup of `value`, the twin of one entry of `lookup`. */
  record(counts: RangeCounts, value: number): void;
  /** The range table's trace (one multiplicity per row) from the counts of every user table. */
  trace(counts: RangeCounts): Matrix;
}

/** Builds the range check of `bits` bits (1..20): its bus, its table and both helpers. */
export function defineRangeCheck(bits: number): RangeCheck {
  if (!Number.isInteger(bits) || bits < 1 || bits > 20) throw new RangeError(`defineRangeCheck: bits must be an integer in [1, 20], got ${bits}`);
  const n = 2 ** bits;
  const name = `range${bits}`;
  const bus = defineBus(name, { arity: 1, kind: 'lookup' });
  let fixed: Matrix | undefined;
  const table = defineTable({
    name,
    cols: RangeCols,
    preprocessed: {
      cols: RangeFixedCols,
      values: (): Matrix => (fixed ??= { values: Uint32Array.from({ length: n }, (_, i) => i), width: 1, height: n }),
    },
    eval(b) {
      const f = b.fixed(RangeFixedCols);
      const r = b.local(RangeCols);
      bus.receive(b, [f.value], r.multiplicity);
    },
  });
  const assertCounts = (counts: RangeCounts): void => {
    if (!(counts instanceof Uint32Array) || counts.length !== n) throw new TypeError(`${name}: counts must be a Uint32Array of length ${n}`);
  };
  return Object.freeze({
    bits,
    bus,
    table,
    lookup(b: AirBuilder, label: string, values: readonly ExprLike[], gate: ExprLike): void {
      if (typeof label !== 'string' || label.length === 0) throw new TypeError(`${name}.lookup: the label comes first`);
      for (const v of values) bus.send(b, [v], gate);
    },
    counts: (): RangeCounts => new Uint32Array(n),
    record(counts: RangeCounts, value: number): void {
      if (!Number.isInteger(value) || value < 0 || value >= n) throw new RangeError(`${name}.record: ${value} is not in [0, 2^${bits})`);
      counts[value]!++;
    },
    trace(counts: RangeCounts): Matrix {
      assertCounts(counts);
      return { values: Uint32Array.from(counts), width: 1, height: n };
    },
  });
}

export const range8 = defineRangeCheck(8);
export const range16 = defineRangeCheck(16);
