/**
 * The debug checks: evaluate a table's constraints on every row of a real trace and recompute every
 * bus, reporting failures by table, row, label and column name.
 *
 * They run the very program the prover runs (`program.ts`, over the trace instead of the LDE), with
 * the same selectors and the same wrap-around of `next`, so a trace they accept is a trace the
 * prover can prove, and one they reject can never yield an accepted proof. `prove()` calls them
 * first unless `{ debug: false }` (Plonky3 `check_constraints`, `lookup/debug_util.rs`).
 * @module
 */
import type { Matrix } from '../matrix.ts';
import type { ConstraintFailure, BusFailure, DebugReport } from '../errors.ts';
import { P, toSigned, add, sub } from '../field/babybear.ts';
import type { Bus } from '../bus.ts';
import { Op } from './expr.ts';
import type { AnyTable, Constraint, Label } from './builder.ts';
import { compile, registerFile, run, type EvalInputs, type Program } from './program.ts';

const LANES = 256;

/** 0/1 selectors on the trace domain of height n: the values the Lagrange selectors take there. */
export function traceSelectors(n: number): { isFirstRow: Uint32Array; isLastRow: Uint32Array; isTransition: Uint32Array } {
  const isFirstRow = new Uint32Array(n);
  const isLastRow = new Uint32Array(n);
  const isTransition = new Uint32Array(n).fill(1);
  isFirstRow[0] = 1;
  isLastRow[n - 1] = 1;
  isTransition[n - 1] = 0;
  return { isFirstRow, isLastRow, isTransition };
}

export function labelText(l: Label): string {
  return typeof l === 'string' ? l : l();
}

export interface CheckOptions {
  /** The table's public values (default: none). */
  readonly publics?: ArrayLike<number>;
  /** Preprocessed columns (default: the table's own `preprocessed.values()`). */
  readonly preprocessed?: Matrix;
  /** Stop after this many failures (checkAllConstraints; default 100). */
  readonly maxFailures?: number;
  /** Constraints whose label is in this set are skipped (the "every constraint is needed" harness). */
  readonly skipLabels?: ReadonlySet<string>;
  /**
   * To also check the bus constraints: the aux trace (ext4 columns as 4 base columns each),
   * challenges (flat ext4) and the table's bus sum (ext4).
   */
  readonly bus?: { readonly aux: Matrix; readonly challenges: Uint32Array; readonly busSum: Uint32Array };
}

export function assertTrace(table: AnyTable, trace: Matrix): void {
  if (trace.width !== table.cols.width) throw new RangeError(`table ${table.name}: trace has width ${trace.width}, the layout ${table.cols.width}`);
  const h = trace.height;
  if (h < 2 || (h & (h - 1)) !== 0) throw new RangeError(`table ${table.name}: trace height must be a power of two >= 2, got ${h}`);
}

/** Evaluation inputs on the trace domain of a table. */
export function traceInputs(table: AnyTable, trace: Matrix, opts: CheckOptions = {}): EvalInputs {
  assertTrace(table, trace);
  const sys = table.system;
  const n = trace.height;
  const pre = opts.preprocessed ?? (table.preprocessed ? table.preprocessed.values() : undefined);
  if (sys.preWidth > 0) {
    if (!pre || pre.width !== sys.preWidth || pre.height !== n) {
      throw new RangeError(`table ${table.name}: preprocessed columns must be ${sys.preWidth} wide and ${n} high`);
    }
  }
  const publics = Uint32Array.from(opts.publics ?? []);
  if (publics.length !== sys.numPublicValues) throw new RangeError(`table ${table.name}: expected ${sys.numPublicValues} public values, got ${publics.length}`);
  const challenges = opts.bus?.challenges ?? new Uint32Array(4 * (sys.maxArity + 1));
  return {
    main: trace.values,
    mainWidth: trace.width,
    pre: pre?.values,
    preWidth: pre?.width,
    aux: opts.bus?.aux.values,
    auxWidth: opts.bus?.aux.width,
    height: n,
    nextStride: 1,
    ...traceSelectors(n),
    publics,
    challenges,
    busSum: opts.bus?.busSum ?? new Uint32Array(4),
  };
}

const MAIN_LEAVES = new Set<Op>([Op.Main]);

function failureOf(table: AnyTable, c: Constraint, row: number, trace: Matrix): ConstraintFailure {
  const dag = table.system.dag;
  const values: Record<string, number> = {};
  for (const leaf of dag.leavesOf(c.id, MAIN_LEAVES)) {
    const col = dag.a[leaf]!;
    const next = dag.b[leaf]! === 1;
    const r = next ? (row + 1) % trace.height : row;
    values[table.cols.name(col) + (next ? "'" : '')] = trace.values[r * trace.width + col]!;
  }
  return { table: table.name, row, label: labelText(c.label), values };
}

function check(table: AnyTable, trace: Matrix, opts: CheckOptions, maxFailures: number, firstRowOnly: boolean): DebugReport {
  const sys = table.system;
  const inputs = traceInputs(table, trace, opts);
  const chosen = sys.constraints.filter(
    (c) => (c.phase === 'main' || opts.bus !== undefined) && (opts.skipLabels === undefined || !opts.skipLabels.has(labelText(c.label))),
  );
  const failures: ConstraintFailure[] = [];
  if (chosen.length > 0) {
    const prog: Program = compile(sys.dag, chosen.map((c) => c.id));
    const regs = registerFile(prog, LANES);
    outer: for (let start = 0; start < trace.height; start += LANES) {
      const len = Math.min(LANES, trace.height - start);
      run(prog, inputs, start, len, regs, LANES);
      for (let i = 0; i < len; i++) {
        for (let k = 0; k < chosen.length; k++) {
          const r = prog.rootReg[k]! * LANES + i;
          const nonzero = prog.rootIsExt[k]
            ? regs[r] !== 0 || regs[r + LANES] !== 0 || regs[r + 2 * LANES] !== 0 || regs[r + 3 * LANES] !== 0
            : regs[r] !== 0;
          if (nonzero) {
            failures.push(failureOf(table, chosen[k]!, start + i, trace));
            if (failures.length >= maxFailures) break outer;
          }
        }
        if (firstRowOnly && failures.length > 0) break outer;
      }
    }
  }
  return { ok: failures.length === 0, failures, busFailures: [] };
}

/** Checks every constraint on every row; stops at the first failing row. */
export function checkConstraints(table: AnyTable, trace: Matrix, opts: CheckOptions = {}): DebugReport {
  return check(table, trace, opts, Number.MAX_SAFE_INTEGER, true);
}

/** Checks every constraint on every row and collects failures (at most `maxFailures`, default 100). */
export function checkAllConstraints(table: AnyTable, trace: Matrix, opts: CheckOptions = {}): DebugReport {
  return check(table, trace, opts, opts.maxFailures ?? 100, false);
}

/**
 * Calls `f` for every nonzero interaction of every row of one table: the bus name, the tuple, the
 * signed multiplicity as a field element (a receive of m is p - m) and the row. The evaluation
 * `checkBuses` does, for tools that need the raw terms (e.g. recounting lookup multiplicities).
 */
export function eachInteraction(input: BusCheckInput, f: (bus: string, tuple: number[], m: number, row: number) => void): void {
  const { table, trace, publics, preprocessed } = input;
  const sys = table.system;
  if (sys.interactions.length === 0) return;
  const inp = traceInputs(table, trace, { publics, preprocessed });
  const roots: number[] = [];
  for (const it of sys.interactions) roots.push(...it.tuple, it.multiplicity);
  const prog = compile(sys.dag, roots);
  const regs = registerFile(prog, LANES);
  for (let start = 0; start < trace.height; start += LANES) {
    const len = Math.min(LANES, trace.height - start);
    run(prog, inp, start, len, regs, LANES);
    for (let i = 0; i < len; i++) {
      let k = 0;
      for (const it of sys.interactions) {
        const tuple: number[] = [];
        for (let j = 0; j < it.tuple.length; j++) tuple.push(regs[prog.rootReg[k++]! * LANES + i]!);
        const m = regs[prog.rootReg[k++]! * LANES + i]!;
        if (m !== 0) f(it.bus.name, tuple, it.sign > 0 ? m : sub(0, m), start + i);
      }
    }
  }
}

/** One table's part in a bus check. */
export interface BusCheckInput {
  readonly table: AnyTable;
  readonly trace: Matrix;
  readonly publics?: ArrayLike<number>;
  readonly preprocessed?: Matrix;
}

/**
 * A term outside every table (what a verifier adds itself: public input bytes, claimed output,
 * the initial state). `multiplicity` is a signed integer: positive = sent, negative = received,
 * the convention of `logUpTerms`.
 */
export interface ExtraBusTerm {
  /** The bus, or its name. */
  readonly bus: Bus | string;
  readonly tuple: readonly number[];
  readonly multiplicity: number;
}

/** Table name under which `checkBuses` reports an unmatched extra term (its row is the term's index). */
export const EXTRA_TERMS = '(extra)';

export interface CheckBusesOptions {
  /** Stop after this many failures (default 100). */
  readonly maxFailures?: number;
  /** Buses (by name) not checked. */
  readonly skipBuses?: ReadonlySet<string>;
  /**
   * Terms added to the balance besides the tables' interactions, e.g. a verifier's public terms when
   * checking the whole witness of a segmented proof (all segments' tables in `inputs`).
   */
  readonly extra?: readonly ExtraBusTerm[];
}

/**
 * Recomputes every interaction of every table (plus `extra` terms) and lists the tuples whose
 * multiplicities do not cancel on their bus, by table, row and tuple (at most `maxFailures`,
 * default 100). Several segments of one machine may appear in `inputs` (the same table twice).
 */
export function checkBuses(inputs: readonly BusCheckInput[], opts: CheckBusesOptions = {}): DebugReport {
  interface Seen { total: number; rows: { table: string; row: number; m: number }[] }
  const buses = new Map<string, Map<string, Seen>>();
  const tally = (busName: string, tuple: readonly number[], m: number, table: string, row: number): void => {
    let bus = buses.get(busName);
    if (!bus) buses.set(busName, (bus = new Map()));
    const key = tuple.join(',');
    let seen = bus.get(key);
    if (!seen) bus.set(key, (seen = { total: 0, rows: [] }));
    seen.total = add(seen.total, m);
    seen.rows.push({ table, row, m });
  };
  for (const input of inputs) {
    eachInteraction(input, (bus, tuple, m, row) => {
      if (!opts.skipBuses?.has(bus)) tally(bus, tuple, m, input.table.name, row);
    });
  }
  (opts.extra ?? []).forEach((term, i) => {
    const name = typeof term.bus === 'string' ? term.bus : term.bus?.name;
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`checkBuses: extra term ${i} has no bus`);
    if (!Array.isArray(term.tuple) || term.tuple.some((v) => !Number.isInteger(v) || v < 0 || v >= P)) {
      throw new RangeError(`checkBuses: extra term ${i} on bus ${name}: the tuple must hold field elements`);
    }
    const m = term.multiplicity;
    if (!Number.isInteger(m) || m <= -P || m >= P) throw new RangeError(`checkBuses: extra term ${i} on bus ${name}: multiplicity ${m} must be an integer in (-p, p)`);
    if (m !== 0) tally(name, term.tuple, m < 0 ? m + P : m, EXTRA_TERMS, i);
  });
  const max = opts.maxFailures ?? 100;
  const busFailures: BusFailure[] = [];
  outer: for (const [bus, tuples] of buses) {
    for (const [key, seen] of tuples) {
      if (seen.total === 0) continue;
      const tuple = key.split(',').map(Number);
      for (const r of seen.rows) {
        busFailures.push({ bus, table: r.table, row: r.row, tuple, multiplicity: toSigned(r.m) });
        if (busFailures.length >= max) break outer;
      }
    }
  }
  return { ok: busFailures.length === 0, failures: [], busFailures };
}
