/**
 * Column layouts: one map from column names to trace column indices, shared by trace generation,
 * constraints, tests and debug reports.
 *
 * `layout({ a: 2, b: 2, carry: 2, isReal: 1 })` gives `{ width: 7, a: 0, b: 2, carry: 4, isReal: 6,
 * name(i) }`: each entry is the first column of its group, a count of 1 is a scalar column and any
 * other count an array. `b.local(Cols)` turns the same map into expressions (`Expr` for scalars,
 * `Expr[]` for arrays), and `name(i)` turns a column index back into `'carry[1]'` for reports.
 * @module
 */

export type LayoutSpec = Readonly<Record<string, number>>;

/** Column groups of a layout: the start column of each name. */
export type LayoutOffsets<S extends LayoutSpec> = { readonly [K in keyof S]: number };

/** What every layout has, whatever its column names (the type tables are handled by generically). */
export interface LayoutBase {
  /** Total number of columns. */
  readonly width: number;
  /** The spec it was built from (name -> count). */
  readonly spec: LayoutSpec;
  /** `'name'` or `'name[j]'` for column i (`'col<i>'` if out of range). */
  name(i: number): string;
}

export type Layout<S extends LayoutSpec> = LayoutOffsets<S> & LayoutBase & { readonly spec: S };

/** The start column of group `key` of a layout. */
export function offsetOf(cols: LayoutBase, key: string): number {
  const v = (cols as unknown as Record<string, unknown>)[key];
  if (typeof v !== 'number') throw new RangeError(`layout has no column group '${key}'`);
  return v;
}

const RESERVED = new Set(['width', 'spec', 'name']);

/** Builds a layout; throws on a reserved name or a count that is not a positive integer. */
export function layout<const S extends LayoutSpec>(spec: S): Layout<S> {
  const names: string[] = [];
  const out: Record<string, unknown> = {};
  let width = 0;
  for (const [key, count] of Object.entries(spec)) {
    if (RESERVED.has(key)) throw new RangeError(`layout: '${key}' is a reserved name`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`layout: '${key}' must have a positive integer count, got ${count}`);
    out[key] = width;
    for (let j = 0; j < count; j++) names.push(count === 1 ? key : `${key}[${j}]`);
    width += count;
  }
  out.width = width;
  out.spec = spec;
  out.name = (i: number): string => names[i] ?? `col${i}`;
  return Object.freeze(out) as Layout<S>;
}
