/**
 * The AIR builder: how a table states its constraints, and the table definition around it.
 *
 * A table's `eval(b)` is written once against `AirBuilder`. It runs exactly once, against the
 * symbolic builder here, which records a DAG of expressions (see `expr.ts`): the constraints with
 * their labels and the bus interactions. The other three "builders" of the design interpret that
 * DAG instead of re-running `eval`:
 *
 * | consumer  | where                | does                                                      |
 * |-----------|----------------------|-----------------------------------------------------------|
 * | symbolic  | `tableInfo`          | width, constraint count, max degree, bus usage            |
 * | debug     | `debug.ts`           | evaluates every constraint on every row of a real trace   |
 * | prover    | `program.ts`         | flat op list over blocks of LDE rows (typed arrays)       |
 * | verifier  | `ood.ts`             | ext4 evaluation at the out-of-domain point                |
 *
 * Because all four read one DAG, the debug checker uses the prover's selectors exactly and the
 * verifier cannot drift from the prover. `eval` must therefore not branch on trace values (it
 * never sees any): an AIR is uniform over rows by definition.
 *
 * Row selectors are the normalized Lagrange polynomials of the trace domain H (size n, generator
 * w): `isFirstRow` is 1 on row 0 and 0 elsewhere, `isLastRow` is 1 on row n - 1, `isTransition =
 * 1 - isLastRow`. `next` of the last row is row 0 (the domain wraps), which is why transition
 * constraints must be gated with `whenTransition()`.
 * @module
 */
import { Dag, Expr, Op, type ExprLike } from './expr.ts';
import { offsetOf, type Layout, type LayoutBase, type LayoutSpec } from './layout.ts';
import type { Matrix } from '../matrix.ts';
import { Bus, busConstraints, type Interaction } from '../bus.ts';

/** A constraint label: a literal, or a thunk for labels built in loops (only read on failure). */
export type Label = string | (() => string);

/** The expressions of one row of a layout: `Expr` for scalar columns, `Expr[]` for arrays. */
export type Row<S extends LayoutSpec> = { readonly [K in keyof S]: S[K] extends 1 ? Expr : readonly Expr[] };

/**
 * What `eval` can do. Every method that takes expressions also takes plain integers (mod p).
 * Assertions mean "this expression is zero on every row of the trace" (times the active gate).
 */
export interface AirBuilder {
  /** Main trace columns of the current row, by layout. */
  local<S extends LayoutSpec>(cols: Layout<S>): Row<S>;
  /** Main trace columns of the next row (row 0 after the last row). */
  next<S extends LayoutSpec>(cols: Layout<S>): Row<S>;
  /** Main column i of the current row. */
  col(i: number): Expr;
  /** Main column i of the next row. */
  colNext(i: number): Expr;
  /** Preprocessed (fixed) columns of the current row; needs `preprocessed` in the table spec. */
  fixed<S extends LayoutSpec>(cols: Layout<S>): Row<S>;
  fixedNext<S extends LayoutSpec>(cols: Layout<S>): Row<S>;
  /** Public value i of this table (0 <= i < spec.publicValues). */
  publicValue(i: number): Expr;
  readonly isFirstRow: Expr;
  readonly isLastRow: Expr;
  /** 1 on every row but the last. */
  readonly isTransition: Expr;

  constant(v: number): Expr;
  add(...xs: ExprLike[]): Expr;
  sub(x: ExprLike, y: ExprLike): Expr;
  mul(...xs: ExprLike[]): Expr;
  neg(x: ExprLike): Expr;
  /** sum of coeffs[i] * xs[i] (coefficient 1 when omitted). */
  sum(xs: readonly ExprLike[], coeffs?: readonly number[]): Expr;

  assertZero(label: Label, x: ExprLike): void;
  /** Each element is zero; the failure label gets `[j]`. */
  assertZeros(label: Label, xs: readonly ExprLike[]): void;
  assertEq(label: Label, x: ExprLike, y: ExprLike): void;
  /** x * (x - 1) = 0. */
  assertBool(label: Label, x: ExprLike): void;
  assertBools(label: Label, xs: readonly ExprLike[]): void;

  /** A builder whose assertions and bus multiplicities are multiplied by `selector`. */
  when(selector: ExprLike): AirBuilder;
  whenFirstRow(): AirBuilder;
  whenLastRow(): AirBuilder;
  whenTransition(): AirBuilder;

  /**
   * Records a bus interaction (use `bus.send` / `bus.receive` rather than calling this): the tuple
   * is added to the bus with the given signed multiplicity on every row (times the active gate).
   */
  interact(bus: Bus, tuple: readonly ExprLike[], multiplicity: ExprLike, sign: 1 | -1): void;
}

/** A table's static description; build it with `defineTable`. */
export interface TableSpec<S extends LayoutSpec = LayoutSpec, Input = never> {
  /** Unique within a machine; goes into the transcript. */
  readonly name: string;
  readonly cols: Layout<S>;
  /**
   * Fixed columns committed once at setup (a verifying key holds their root). `values` gives the
   * columns' evaluations on the trace domain; its height fixes the table's height.
   */
  readonly preprocessed?: { readonly cols: LayoutBase; values(): Matrix };
  /** Number of public (base-field) values this table's constraints may read. */
  readonly publicValues?: number;
  eval(b: AirBuilder): void;
  /** Optional trace generator, for tables whose caller wants `table.trace(input)`. */
  trace?(input: Input): Matrix;
}

export interface Constraint {
  /** Root node in the table's DAG. */
  readonly id: number;
  readonly label: Label;
  /** 'main': stated by eval; 'bus': added for the LogUp auxiliary columns. */
  readonly phase: 'main' | 'bus';
}

/** Everything `eval` said, plus the bus constraints derived from it. Computed once per table. */
export interface ConstraintSystem {
  readonly dag: Dag;
  readonly constraints: readonly Constraint[];
  readonly interactions: readonly Interaction[];
  readonly mainWidth: number;
  readonly preWidth: number;
  /** Number of ext4 auxiliary columns (each commits as 4 base columns); 0 without buses. */
  readonly auxWidth: number;
  /** Interactions (indices) summed in each aux column but the last (the running sum): one or two each. */
  readonly auxGroups: readonly (readonly number[])[];
  readonly numPublicValues: number;
  /** Largest number of challenges gamma^j the fingerprints use. */
  readonly maxArity: number;
  /** Max constraint degree in trace units (at least 1). */
  readonly maxDegree: number;
}

/** The symbolic summary of a table, for cost reports and for sizing the quotient. */
export interface TableInfo {
  readonly name: string;
  readonly width: number;
  readonly preprocessedWidth: number;
  /** In ext4 columns. */
  readonly auxWidth: number;
  readonly constraints: number;
  readonly busConstraints: number;
  readonly maxDegree: number;
  /** Quotient chunks committed (each an ext4 column of height n). */
  readonly quotientChunks: number;
  readonly buses: readonly { readonly bus: string; readonly kind: 'send' | 'receive'; readonly arity: number }[];
  /** Committed base-field cells per trace row: main + preprocessed + 4 * (aux + quotient chunks). */
  readonly cellsPerRow: number;
}

/** A table with its column names erased: what machines, provers and checkers take. */
export interface AnyTable {
  readonly name: string;
  readonly cols: LayoutBase;
  readonly preprocessed?: { readonly cols: LayoutBase; values(): Matrix };
  readonly publicValues?: number;
  eval(b: AirBuilder): void;
  /** The compiled constraint system (built on first use). */
  readonly system: ConstraintSystem;
  readonly info: TableInfo;
}

export interface Table<S extends LayoutSpec = LayoutSpec, Input = never> extends TableSpec<S, Input>, AnyTable {
  readonly cols: Layout<S>;
}

/** Checks a table spec and returns the table; the constraint system is built lazily. */
export function defineTable<const S extends LayoutSpec, Input = never>(spec: TableSpec<S, Input>): Table<S, Input> {
  if (typeof spec.name !== 'string' || spec.name.length === 0 || spec.name.length > 64) {
    throw new TypeError('defineTable: name must be a non-empty string of at most 64 characters');
  }
  if (typeof spec.eval !== 'function') throw new TypeError(`defineTable(${spec.name}): eval must be a function`);
  if (spec.cols.width < 1) throw new RangeError(`defineTable(${spec.name}): a table needs at least one column`);
  const pv = spec.publicValues ?? 0;
  if (!Number.isInteger(pv) || pv < 0) throw new RangeError(`defineTable(${spec.name}): publicValues must be a non-negative integer`);
  let system: ConstraintSystem | undefined;
  let info: TableInfo | undefined;
  const table: Table<S, Input> = {
    ...spec,
    get system(): ConstraintSystem {
      return (system ??= buildSystem(spec));
    },
    get info(): TableInfo {
      return (info ??= summarize(spec.name, table.system));
    },
  };
  return table;
}

/** The symbolic summary of a table (`table.info`). */
export function tableInfo(table: AnyTable): TableInfo {
  return table.info;
}

/** Number of quotient chunks for a max constraint degree D: the quotient has degree < (D - 1) n. */
export function quotientChunks(maxDegree: number): number {
  return Math.max(maxDegree - 1, 1);
}

function summarize(name: string, s: ConstraintSystem): TableInfo {
  const chunks = quotientChunks(s.maxDegree);
  return Object.freeze({
    name,
    width: s.mainWidth,
    preprocessedWidth: s.preWidth,
    auxWidth: s.auxWidth,
    constraints: s.constraints.filter((c) => c.phase === 'main').length,
    busConstraints: s.constraints.filter((c) => c.phase === 'bus').length,
    maxDegree: s.maxDegree,
    quotientChunks: chunks,
    buses: s.interactions.map((i) => ({ bus: i.bus.name, kind: i.sign > 0 ? ('send' as const) : ('receive' as const), arity: i.tuple.length })),
    cellsPerRow: s.mainWidth + s.preWidth + 4 * (s.auxWidth + chunks),
  });
}

function buildSystem(spec: TableSpecBase): ConstraintSystem {
  const dag = new Dag();
  const root = new SymbolicBuilder(dag, spec, null);
  spec.eval(root);
  const { constraints, interactions } = root.state;
  if (constraints.length === 0 && interactions.length === 0) {
    throw new RangeError(`table ${spec.name}: eval stated no constraint and no bus interaction`);
  }
  let mainDegree = 1;
  for (const c of constraints) mainDegree = Math.max(mainDegree, dag.degree[c.id]!);
  const bus = busConstraints(dag, interactions, mainDegree);
  const all: Constraint[] = [...constraints, ...bus.constraints];
  let maxDegree = 1;
  for (const c of all) maxDegree = Math.max(maxDegree, dag.degree[c.id]!);
  return Object.freeze({
    dag,
    constraints: Object.freeze(all),
    interactions: Object.freeze(interactions),
    mainWidth: spec.cols.width,
    preWidth: spec.preprocessed?.cols.width ?? 0,
    auxWidth: bus.auxWidth,
    auxGroups: bus.groups,
    numPublicValues: spec.publicValues ?? 0,
    maxArity: bus.maxArity,
    maxDegree,
  });
}

type TableSpecBase = Omit<AnyTable, 'system' | 'info'>;

interface BuilderState {
  constraints: Constraint[];
  interactions: Interaction[];
}

function indexed(label: Label, j: number): Label {
  return () => `${typeof label === 'string' ? label : label()} [${j}]`;
}

/** Records constraints into the DAG; `gate` is the product of the active `when` selectors. */
class SymbolicBuilder implements AirBuilder {
  readonly state: BuilderState;

  constructor(
    private readonly dag: Dag,
    private readonly spec: TableSpecBase,
    private readonly gate: Expr | null,
    state?: BuilderState,
  ) {
    this.state = state ?? { constraints: [], interactions: [] };
  }

  private row<S extends LayoutSpec>(kind: Op, cols: Layout<S>, offset: number, limit: number, what: string): Row<S> {
    if (cols.width > limit) throw new RangeError(`table ${this.spec.name}: layout of width ${cols.width} exceeds the ${what} width ${limit}`);
    const out: Record<string, Expr | readonly Expr[]> = {};
    for (const [key, count] of Object.entries(cols.spec)) {
      const start = offsetOf(cols, key);
      if (count === 1) out[key] = this.dag.leaf(kind, start, offset);
      else out[key] = Object.freeze(Array.from({ length: count }, (_, j) => this.dag.leaf(kind, start + j, offset)));
    }
    return out as Row<S>;
  }

  local<S extends LayoutSpec>(cols: Layout<S>): Row<S> {
    return this.row(Op.Main, cols, 0, this.spec.cols.width, 'main');
  }

  next<S extends LayoutSpec>(cols: Layout<S>): Row<S> {
    return this.row(Op.Main, cols, 1, this.spec.cols.width, 'main');
  }

  private mainCol(i: number, offset: number): Expr {
    if (!Number.isInteger(i) || i < 0 || i >= this.spec.cols.width) throw new RangeError(`table ${this.spec.name}: no main column ${i}`);
    return this.dag.leaf(Op.Main, i, offset);
  }

  col(i: number): Expr {
    return this.mainCol(i, 0);
  }

  colNext(i: number): Expr {
    return this.mainCol(i, 1);
  }

  fixed<S extends LayoutSpec>(cols: Layout<S>): Row<S> {
    return this.row(Op.Pre, cols, 0, this.spec.preprocessed?.cols.width ?? 0, 'preprocessed');
  }

  fixedNext<S extends LayoutSpec>(cols: Layout<S>): Row<S> {
    return this.row(Op.Pre, cols, 1, this.spec.preprocessed?.cols.width ?? 0, 'preprocessed');
  }

  publicValue(i: number): Expr {
    const n = this.spec.publicValues ?? 0;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`table ${this.spec.name}: public value ${i} out of range (publicValues = ${n})`);
    return this.dag.leaf(Op.Public, i, 0);
  }

  get isFirstRow(): Expr {
    return this.dag.leaf(Op.IsFirstRow, 0, 0);
  }

  get isLastRow(): Expr {
    return this.dag.leaf(Op.IsLastRow, 0, 0);
  }

  get isTransition(): Expr {
    return this.dag.leaf(Op.IsTransition, 0, 0);
  }

  constant(v: number): Expr {
    return this.dag.lift(v);
  }

  add(...xs: ExprLike[]): Expr {
    let acc = this.dag.constant(0);
    for (const x of xs) acc = this.dag.add(acc, x);
    return acc;
  }

  sub(x: ExprLike, y: ExprLike): Expr {
    return this.dag.sub(x, y);
  }

  mul(...xs: ExprLike[]): Expr {
    let acc = this.dag.constant(1);
    for (const x of xs) acc = this.dag.mul(acc, x);
    return acc;
  }

  neg(x: ExprLike): Expr {
    return this.dag.neg(x);
  }

  sum(xs: readonly ExprLike[], coeffs?: readonly number[]): Expr {
    if (coeffs && coeffs.length !== xs.length) throw new RangeError(`sum: ${xs.length} terms but ${coeffs.length} coefficients`);
    let acc = this.dag.constant(0);
    xs.forEach((x, i) => {
      acc = this.dag.add(acc, coeffs ? this.dag.mul(coeffs[i]!, x) : x);
    });
    return acc;
  }

  assertZero(label: Label, x: ExprLike): void {
    if (typeof label !== 'string' && typeof label !== 'function') throw new TypeError('assertZero: the label comes first');
    const e = this.gate ? this.dag.mul(this.gate, x) : this.dag.lift(x);
    if (e.isExt) throw new TypeError(`table ${this.spec.name}: constraint '${typeof label === 'string' ? label : label()}' is over the extension field; only bus constraints may be`);
    const c = this.dag.constValue(e);
    if (c === 0) return; // trivially true (e.g. gated by a zero constant)
    this.state.constraints.push({ id: e.id, label, phase: 'main' });
  }

  assertZeros(label: Label, xs: readonly ExprLike[]): void {
    xs.forEach((x, j) => this.assertZero(indexed(label, j), x));
  }

  assertEq(label: Label, x: ExprLike, y: ExprLike): void {
    this.assertZero(label, this.dag.sub(x, y));
  }

  assertBool(label: Label, x: ExprLike): void {
    this.assertZero(label, this.dag.mul(x, this.dag.sub(x, 1)));
  }

  assertBools(label: Label, xs: readonly ExprLike[]): void {
    xs.forEach((x, j) => this.assertBool(indexed(label, j), x));
  }

  when(selector: ExprLike): AirBuilder {
    const sel = this.dag.lift(selector);
    return new SymbolicBuilder(this.dag, this.spec, this.gate ? this.dag.mul(this.gate, sel) : sel, this.state);
  }

  whenFirstRow(): AirBuilder {
    return this.when(this.isFirstRow);
  }

  whenLastRow(): AirBuilder {
    return this.when(this.isLastRow);
  }

  whenTransition(): AirBuilder {
    return this.when(this.isTransition);
  }

  interact(bus: Bus, tuple: readonly ExprLike[], multiplicity: ExprLike, sign: 1 | -1): void {
    if (!(bus instanceof Bus)) throw new TypeError('interact: bus must be a Bus');
    if (bus.arity !== undefined && tuple.length !== bus.arity) {
      throw new RangeError(`table ${this.spec.name}: bus ${bus.name} carries ${bus.arity}-tuples, got ${tuple.length}`);
    }
    const t = tuple.map((x) => this.dag.lift(x));
    for (const x of t) if (x.isExt) throw new TypeError(`bus ${bus.name}: tuple elements must be base-field expressions`);
    const m0 = this.dag.lift(multiplicity);
    const m = this.gate ? this.dag.mul(this.gate, m0) : m0;
    if (m.isExt) throw new TypeError(`bus ${bus.name}: multiplicity must be a base-field expression`);
    this.state.interactions.push({ bus, tuple: t.map((x) => x.id), multiplicity: m.id, sign });
  }
}
