/**
 * The byte lookup table: every pair of bytes (x, y) once, with x AND y, x OR y, x XOR y.
 *
 * A LogUp lookup table (like `range.ts`) of 2^16 rows whose columns are fixed at setup, receiving
 * on the `bytes` bus the tuples (kind, x, y, z) with one multiplicity column per kind:
 *
 * | kind | tuple | proves |
 * |---|---|---|
 * | `BYTE_RANGE` (0) | (0, x, y, 0) | x and y are both bytes (two range checks in one lookup) |
 * | `BYTE_AND` (1) | (1, x, y, x & y) | z = x AND y |
 * | `BYTE_OR` (2) | (2, x, y, x \| y) | z = x OR y |
 * | `BYTE_XOR` (3) | (3, x, y, x ^ y) | z = x XOR y |
 *
 * A table looks a tuple up with `bytes.lookup(b, kind, x, y, z, gate)` in its eval and records the
 * same tuple with `bytes.record(counts, kind, x, y)` in trace generation; `bytes.trace(counts)` is
 * this table's trace. SP1's byte chip has the same shape.
 * @module
 */
import { defineTable, type AirBuilder, type Table } from '../../prover/air/builder.ts';
import type { ExprLike } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import { defineBus } from '../../prover/bus.ts';
import type { Matrix } from '../../prover/matrix.ts';

export const BYTE_RANGE = 0;
export const BYTE_AND = 1;
export const BYTE_OR = 2;
export const BYTE_XOR = 3;
export type ByteKind = typeof BYTE_RANGE | typeof BYTE_AND | typeof BYTE_OR | typeof BYTE_XOR;
const KINDS = 4;

export const BytesFixedCols = layout({
  x: 1, // row i: i & 255
  y: 1, // row i: i >> 8
  and: 1,
  or: 1,
  xor: 1,
});

export const BytesCols = layout({
  multiplicity: KINDS, // lookups of (kind, x, y, .) made by the other tables: pinned by the bus balance
});

/** Multiplicities, index kind * 65536 + (y << 8 | x). */
export type ByteCounts = Uint32Array;

export const bytesBus = defineBus('bytes', { arity: 4, kind: 'lookup' });

let fixed: Matrix | undefined;
function fixedValues(): Matrix {
  if (fixed) return fixed;
  const n = 1 << 16;
  const w = BytesFixedCols.width;
  const v = new Uint32Array(n * w);
  for (let i = 0; i < n; i++) {
    const x = i & 255, y = i >>> 8;
    v[i * w] = x;
    v[i * w + 1] = y;
    v[i * w + 2] = x & y;
    v[i * w + 3] = x | y;
    v[i * w + 4] = x ^ y;
  }
  return (fixed = { values: v, width: w, height: n });
}

export const bytesTable: Table<typeof BytesCols.spec> = defineTable({
  name: 'bytes',
  cols: BytesCols,
  preprocessed: { cols: BytesFixedCols, values: fixedValues },
  eval(b) {
    const f = b.fixed(BytesFixedCols);
    const m = b.local(BytesCols).multiplicity;
    bytesBus.receive(b, [BYTE_RANGE, f.x, f.y, 0], m[BYTE_RANGE]!);
    bytesBus.receive(b, [BYTE_AND, f.x, f.y, f.and], m[BYTE_AND]!);
    bytesBus.receive(b, [BYTE_OR, f.x, f.y, f.or], m[BYTE_OR]!);
    bytesBus.receive(b, [BYTE_XOR, f.x, f.y, f.xor], m[BYTE_XOR]!);
  },
});

/** The reference result of a byte operation (0 for BYTE_RANGE). */
export function byteOp(kind: ByteKind, x: number, y: number): number {
  return kind === BYTE_AND ? x & y : kind === BYTE_OR ? x | y : kind === BYTE_XOR ? x ^ y : 0;
}

export const bytes = Object.freeze({
  table: bytesTable,
  bus: bytesBus,
  /** In a table's eval: one lookup of (kind, x, y, z) with multiplicity `gate`. */
  lookup(b: AirBuilder, kind: ByteKind, x: ExprLike, y: ExprLike, z: ExprLike, gate: ExprLike): void {
    bytesBus.send(b, [kind, x, y, kind === BYTE_RANGE ? 0 : z], gate);
  },
  /** In a table's eval: x and y are bytes (one lookup). */
  range(b: AirBuilder, x: ExprLike, y: ExprLike, gate: ExprLike): void {
    bytesBus.send(b, [BYTE_RANGE, x, y, 0], gate);
  },
  counts: (): ByteCounts => new Uint32Array(KINDS << 16),
  /** In trace generation: the twin of one `lookup` / `range` on a real row. */
  record(counts: ByteCounts, kind: ByteKind, x: number, y: number): void {
    if (!(x >= 0 && x < 256 && y >= 0 && y < 256 && Number.isInteger(x) && Number.isInteger(y))) throw new RangeError(`bytes.record: (${x}, ${y}) are not bytes`);
    counts[(kind << 16) | (y << 8) | x]!++;
  },
  /** This table's trace from the counts of every user table. */
  trace(counts: ByteCounts): Matrix {
    if (!(counts instanceof Uint32Array) || counts.length !== KINDS << 16) throw new TypeError('bytes.trace: counts must come from bytes.counts()');
    const n = 1 << 16;
    const v = new Uint32Array(n * KINDS);
    for (let k = 0; k < KINDS; k++) for (let i = 0; i < n; i++) v[i * KINDS + k] = counts[(k << 16) | i]!;
    return { values: v, width: KINDS, height: n };
  },
});
