/**
 * LogUp buses: how tables exchange tuples (memory accesses, lookups, precompile calls).
 *
 * A table declares, per row, interactions `bus.send(b, tuple, m)` / `bus.receive(b, tuple, m)`.
 * The claim of a machine is that for every bus the multiset of sent tuples (with multiplicities)
 * equals the multiset of received ones. LogUp (Haboeck, "Multivariate lookups based on logarithmic
 * derivatives", ePrint 2022/1530) turns it into one identity of rational functions in X:
 *
 *     sum over all tables, rows, interactions of  sign * m / (X - fingerprint(bus, tuple)) = 0
 *
 * Fingerprint: `fp = busId + gamma t_1 + gamma^2 t_2 + ... + gamma^k t_k`, with gamma and beta
 * drawn from the degree-4 extension after the main traces are committed; the sum is evaluated at
 * X = beta. The bus identity is the constant term, so tuples on different buses (or of different
 * arity, since each bus has one arity) have different fingerprints and never cancel.
 *
 * Auxiliary trace of a table with K interactions: its interactions are grouped into G aux columns
 * of one or two (`pairInteractions`), plus one running-sum column `S`, all ext4. With
 * d_k = beta - fp_k and s_k m_k the signed multiplicity, a column holds its group's terms:
 *   - alone:   col = s m / d,                  pinned by  col * d - s m = 0   (degree max(1 + deg fp, deg m))
 *   - a pair:  col = s1 m1 / d1 + s2 m2 / d2,  pinned by  col * d1 * d2 - (s1 m1 d2 + s2 m2 d1) = 0
 *                                               (degree max(1 + deg fp1 + deg fp2, deg m1 + deg fp2, deg m2 + deg fp1))
 * A pair is formed only when its degree stays at most max(the table's own degree, every single
 * interaction's degree, PAIRING_MIN_DEGREE = 3), so a table that already has degree 3 keeps its
 * quotient, and the aux trace costs about half: 4 base cells per TWO interactions. (A degree-2
 * table with several interactions goes to degree 3, i.e. two quotient chunks instead of one and a
 * quotient domain twice as large; measured in `bench/bus-pairs.ts`, the cells saved outweigh it.)
 * The prover fills a column with one inversion (of d1 d2) however many terms it holds.
 * The running sum is pinned by
 *   - first row:   S - sum_g col_g = 0
 *   - transition:  S' - S - sum_g col_g' = 0
 *   - last row:    S - busSum = 0
 * where `busSum` (the table's final sum, an ext4 public value of the proof) is observed by the
 * transcript with the aux commitment. The verifier checks that the bus sums of all tables add to
 * zero (`VerifyError('bus-balance')`). One running sum per table serves all of its buses: the bus
 * id inside the fingerprint keeps them apart, so one machine-wide zero-sum implies the per-bus ones.
 *
 * Soundness: with N interaction terms in all and arity at most k, if the multisets differ then
 * (a) two distinct (bus, tuple) pairs get the same fingerprint with probability at most
 * k/|F_ext| per pair (Schwartz-Zippel in gamma), and (b) otherwise the nonzero rational function
 * above, with numerator of degree < N, vanishes at beta with probability at most N/|F_ext|.
 * |F_ext| = p^4 ~ 2^123.6, so for N <= 2^30 and k <= 2^6 the error is below 2^-(123 - 60 - 6) via
 * the union bound over pairs, 2^-57 in the very worst case and 2^-93 for the sums alone. The only
 * other condition: multiplicities are field elements, so the total multiplicity of any one tuple
 * must stay below p (true when every table has fewer than p / max(m) rows, i.e. always for m <= 2^3
 * and heights <= 2^27). A `beta` equal to some fingerprint makes an inverse undefined: the prover
 * then fails (probability <= N / |F_ext|) rather than producing a bad proof.
 * Pairing changes nothing in this count: when d1 and d2 are both nonzero (all but probability
 * N / |F_ext|, the same event as above), col * d1 * d2 = s1 m1 d2 + s2 m2 d1 has exactly one solution,
 * col = s1 m1 / d1 + s2 m2 / d2, so the running sum is the same sum of N terms as with one column
 * per interaction. (stwo's `constraint_framework/logup.rs` batches fractions into one column the
 * same way, summing them as fractions before one inversion.)
 *
 * Segmented proofs (continuations): a long run is proved as several proofs whose buses balance only
 * together, plus terms the verifier computes from public data. Then beta and gamma are shared: the
 * caller draws them once every proof's main trace is committed (`ProveOptions.busChallenges`), each
 * verifier returns its proof's bus sum (`VerifyOptions.busBalance: 'external'`) and the caller checks
 * sum of all proofs' sums + `logUpTerms(public terms) = 0`. The argument above holds unchanged with
 * N counting every term of every proof and of the verifier's list, PROVIDED the challenges are drawn
 * after everything that enters a fingerprint is fixed: every proof's main root and public values
 * and the verifier-side terms (derive them from a transcript that observed all of those).
 * @module
 */
import { type Dag, Op, type Expr } from './air/expr.ts';
import type { AirBuilder, Constraint, ConstraintSystem } from './air/builder.ts';
import type { ExprLike } from './air/expr.ts';
import { compile, type EvalInputs } from './air/program.ts';
import { P, add as add_, sub as sub_, neg as neg_ } from './field/babybear.ts';
import { mulFast, addMod } from './air/_mul.ts';
import { W, eInv, eMul, isCanonicalExt, type Ext4 } from './field/ext4.ts';
import type { Matrix } from './matrix.ts';
import { auxTermsInto, auxTermsWasm, wasmAuxUsable, AUX_LANES, type AuxKernelRunner, type AuxPlan, type AuxTask } from './_aux-trace.ts';
import type { Kernels, SharedMatrix } from './wasm/kernels.ts';

// Imported bindings are read through getters under some loaders (tsx); hot loops use local copies.
const add = add_;
const sub = sub_;
const neg = neg_;
const mul = mulFast;
const W_ = W;

export interface BusOptions {
  /** Tuple length; checked at every interaction. */
  readonly arity?: number;
  /** Documentation only: a lookup bus has free multiplicities, a permutation bus uses 0/1. */
  readonly kind?: 'lookup' | 'permutation';
  /** Explicit bus identity (a field element); defaults to a hash of the name. */
  readonly id?: number;
}

/** FNV-1a of the name, reduced mod p: a stable bus identity that does not depend on table order. */
function nameId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % P;
}

export class Bus {
  readonly id: number;
  readonly arity: number | undefined;
  readonly kind: 'lookup' | 'permutation';

  constructor(
    readonly name: string,
    opts: BusOptions = {},
  ) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('Bus: name must be a non-empty string');
    if (opts.arity !== undefined && (!Number.isInteger(opts.arity) || opts.arity < 1 || opts.arity > 64)) {
      throw new RangeError(`Bus ${name}: arity must be an integer in [1, 64]`);
    }
    if (opts.id !== undefined && (!Number.isInteger(opts.id) || opts.id < 0 || opts.id >= P)) throw new RangeError(`Bus ${name}: id must be a field element`);
    this.id = opts.id ?? nameId(name);
    this.arity = opts.arity;
    this.kind = opts.kind ?? 'lookup';
  }

  /** Adds `tuple` with multiplicity `m` (default 1) to this bus on every row (times the active gate). */
  send(b: AirBuilder, tuple: readonly ExprLike[], multiplicity: ExprLike = 1): void {
    b.interact(this, tuple, multiplicity, 1);
  }

  /** Removes `tuple` with multiplicity `m` from this bus. */
  receive(b: AirBuilder, tuple: readonly ExprLike[], multiplicity: ExprLike = 1): void {
    b.interact(this, tuple, multiplicity, -1);
  }
}

export function defineBus(name: string, opts: BusOptions = {}): Bus {
  return new Bus(name, opts);
}

/** One recorded interaction: node ids in the table's DAG. */
export interface Interaction {
  readonly bus: Bus;
  readonly tuple: readonly number[];
  readonly multiplicity: number;
  readonly sign: 1 | -1;
}

/**
 * out[o..o+4] = a[ao..ao+4] * b[bo..bo+4] in ext4 (x^4 = W), with `mulFast`: `ext4.mulAt` reduces
 * with the slower `babybear.mul`, and the aux trace makes three of these per interaction and row.
 * out may alias a or b.
 */
function mulAtFast(out: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
  const a0 = a[ao]!, a1 = a[ao + 1]!, a2 = a[ao + 2]!, a3 = a[ao + 3]!;
  const b0 = b[bo]!, b1 = b[bo + 1]!, b2 = b[bo + 2]!, b3 = b[bo + 3]!;
  const c0 = add(mul(a0, b0), mul(W_, add(add(mul(a1, b3), mul(a2, b2)), mul(a3, b1))));
  const c1 = add(add(mul(a0, b1), mul(a1, b0)), mul(W_, add(mul(a2, b3), mul(a3, b2))));
  const c2 = add(add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0)), mul(W_, mul(a3, b3)));
  const c3 = add(add(mul(a0, b3), mul(a1, b2)), add(mul(a2, b1), mul(a3, b0)));
  out[o] = c0;
  out[o + 1] = c1;
  out[o + 2] = c2;
  out[o + 3] = c3;
}

/**
 * Inverts a flat vector of ext4 elements in place with one inversion (Montgomery's trick), using
 * `scratch` (same length) for the prefix products. Returns the index of a zero element (the
 * vector is then left unchanged), or -1.
 */
function batchInverseInPlace(values: Uint32Array, scratch: Uint32Array): number {
  const n = values.length / 4;
  const acc = Uint32Array.of(1, 0, 0, 0);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    if (values[o] === 0 && values[o + 1] === 0 && values[o + 2] === 0 && values[o + 3] === 0) return i;
    scratch[o] = acc[0]!;
    scratch[o + 1] = acc[1]!;
    scratch[o + 2] = acc[2]!;
    scratch[o + 3] = acc[3]!;
    mulAtFast(acc, 0, acc, 0, values, o);
  }
  const inv = eInv(acc);
  const v = new Uint32Array(4);
  for (let i = n - 1; i >= 0; i--) {
    const o = 4 * i;
    v[0] = values[o]!;
    v[1] = values[o + 1]!;
    v[2] = values[o + 2]!;
    v[3] = values[o + 3]!;
    mulAtFast(values, o, inv, 0, scratch, o); // 1/x_i = (1/(x_0..x_i)) (x_0..x_{i-1})
    mulAtFast(inv, 0, inv, 0, v, 0); // 1/(x_0..x_{i-1})
  }
  return -1;
}

/** Challenge slots: 0 = beta, j = gamma^j (1 <= j <= maxArity). */
export const BETA = 0;

/**
 * Degree a paired aux column may reach even when the table's other constraints are of lower
 * degree. 3 (by measurement, see `bench/bus-pairs.ts` and the module doc): a degree-2 table with
 * several interactions then pairs them at the price of a second quotient chunk.
 */
export const PAIRING_MIN_DEGREE = 3;

/**
 * The aux columns and constraints for a table's interactions (see the module doc). Interactions
 * are grouped by `pairInteractions` into one or two per aux column; aux column g holds the sum of
 * its group's terms, column `groups.length` the running sum. `mainDegree` is the max degree of the
 * table's own constraints (pairing never raises the table's degree above max(it, 3)).
 */
export function busConstraints(
  dag: Dag,
  interactions: readonly Interaction[],
  mainDegree = 1,
): { constraints: Constraint[]; auxWidth: number; maxArity: number; groups: readonly (readonly number[])[] } {
  const K = interactions.length;
  if (K === 0) return { constraints: [], auxWidth: 0, maxArity: 0, groups: [] };
  const constraints: Constraint[] = [];
  const beta = dag.leaf(Op.Challenge, BETA, 0);
  let maxArity = 0;
  for (const it of interactions) maxArity = Math.max(maxArity, it.tuple.length);
  // d_k = beta - fp_k, sm_k = sign_k m_k
  const dens = interactions.map((it) => dag.sub(beta, fingerprintExpr(dag, it)));
  const sms = interactions.map((it) => (it.sign > 0 ? dag.node(it.multiplicity) : dag.neg(dag.node(it.multiplicity))));
  const groups = pairInteractions(dag, interactions, mainDegree);
  const cols: Expr[] = [];
  const colsNext: Expr[] = [];
  groups.forEach((g, c) => {
    const col = dag.leaf(Op.Aux, c, 0);
    cols.push(col);
    colsNext.push(dag.leaf(Op.Aux, c, 1));
    if (g.length === 1) {
      const k = g[0]!;
      const it = interactions[k]!;
      constraints.push({ id: dag.sub(dag.mul(col, dens[k]!), sms[k]!).id, label: () => `bus ${it.bus.name}: aux column ${c} is m / (beta - fingerprint) (interaction ${k})`, phase: 'bus' });
    } else {
      const k1 = g[0]!, k2 = g[1]!;
      const d1 = dens[k1]!, d2 = dens[k2]!;
      const c0 = dag.sub(dag.mul(dag.mul(col, d1), d2), dag.add(dag.mul(sms[k1]!, d2), dag.mul(sms[k2]!, d1)));
      const n1 = interactions[k1]!.bus.name, n2 = interactions[k2]!.bus.name;
      constraints.push({ id: c0.id, label: () => `bus ${n1}/${n2}: aux column ${c} is m1 / (beta - fp1) + m2 / (beta - fp2) (interactions ${k1}, ${k2})`, phase: 'bus' });
    }
  });
  const G = groups.length;
  const s = dag.leaf(Op.Aux, G, 0);
  const sNext = dag.leaf(Op.Aux, G, 1);
  const sumOf = (xs: Expr[]): Expr => xs.reduce<Expr>((acc, x) => dag.add(acc, x), dag.constant(0));
  const first = dag.leaf(Op.IsFirstRow, 0, 0);
  const last = dag.leaf(Op.IsLastRow, 0, 0);
  const trans = dag.leaf(Op.IsTransition, 0, 0);
  const busSum = dag.leaf(Op.BusSum, 0, 0);
  constraints.push({ id: dag.mul(first, dag.sub(s, sumOf(cols))).id, label: 'bus: running sum starts with the first row terms', phase: 'bus' });
  constraints.push({ id: dag.mul(trans, dag.sub(dag.sub(sNext, s), sumOf(colsNext))).id, label: 'bus: running sum adds each row terms', phase: 'bus' });
  constraints.push({ id: dag.mul(last, dag.sub(s, busSum)).id, label: 'bus: running sum ends at the table bus sum', phase: 'bus' });
  return { constraints, auxWidth: G + 1, maxArity, groups };
}

/**
 * Groups a table's interactions into aux columns of one or two: greedily, in declaration order,
 * each interaction is paired with the first later unpaired one whose pair constraint has degree
 * at most D = max(mainDegree, every single interaction's degree, PAIRING_MIN_DEGREE), else it
 * stays alone. With deg(col) = 1, f = deg fingerprint, e = deg m: one alone has degree
 * max(1 + f, e); a pair max(1 + f1 + f2, e1 + f2, e2 + f1).
 */
export function pairInteractions(dag: Dag, interactions: readonly Interaction[], mainDegree = 1): number[][] {
  const f = interactions.map((it) => it.tuple.reduce((d, t) => Math.max(d, dag.degree[t]!), 0));
  const e = interactions.map((it) => dag.degree[it.multiplicity]!);
  const single = (k: number): number => Math.max(1 + f[k]!, e[k]!);
  const pair = (a: number, b: number): number => Math.max(1 + f[a]! + f[b]!, e[a]! + f[b]!, e[b]! + f[a]!);
  let bound = Math.max(mainDegree, PAIRING_MIN_DEGREE);
  for (let k = 0; k < interactions.length; k++) bound = Math.max(bound, single(k));
  const used = new Uint8Array(interactions.length);
  const groups: number[][] = [];
  for (let a = 0; a < interactions.length; a++) {
    if (used[a]) continue;
    used[a] = 1;
    let partner = -1;
    for (let b = a + 1; b < interactions.length && partner < 0; b++) if (!used[b] && pair(a, b) <= bound) partner = b;
    if (partner >= 0) {
      used[partner] = 1;
      groups.push([a, partner]);
    } else groups.push([a]);
  }
  return groups;
}

function fingerprintExpr(dag: Dag, it: Interaction): Expr {
  let fp: Expr = dag.constant(it.bus.id);
  it.tuple.forEach((t, j) => {
    fp = dag.add(fp, dag.mul(dag.leaf(Op.Challenge, j + 1, 0), dag.node(t)));
  });
  return fp;
}

/** The table's `AuxPlan` (`_aux-trace.ts`): the compiled tuple program and the column groups as typed arrays. */
export function auxPlan(sys: ConstraintSystem): AuxPlan {
  const its = sys.interactions;
  const K = its.length;
  const roots: number[] = [];
  for (const it of its) roots.push(...it.tuple, it.multiplicity);
  const program = compile(sys.dag, roots);
  const tupleStart = new Int32Array(K);
  const arity = new Int32Array(K);
  const multReg = new Int32Array(K);
  const sign = new Int8Array(K);
  const busId = new Uint32Array(K);
  const tupleReg: number[] = [];
  let r = 0;
  its.forEach((it, k) => {
    tupleStart[k] = tupleReg.length;
    arity[k] = it.tuple.length;
    for (let j = 0; j < it.tuple.length; j++) tupleReg.push(program.rootReg[r + j]!);
    multReg[k] = program.rootReg[r + it.tuple.length]!;
    r += it.tuple.length + 1;
    sign[k] = it.sign;
    busId[k] = it.bus.id;
  });
  const groups = sys.auxGroups;
  const k1 = Int32Array.from(groups, (g) => g[0]!);
  const k2 = Int32Array.from(groups, (g) => (g.length > 1 ? g[1]! : -1));
  return { program, tupleStart, arity, tupleReg: Int32Array.from(tupleReg), multReg, sign, busId, k1, k2 };
}

/** Adds the running-sum column (ext column G of width-4(G+1) rows) over the term columns; returns the bus sum. */
function runningSum(aux: Uint32Array, n: number, G: number): Uint32Array {
  const w = 4 * (G + 1);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let row = 0; row < n; row++) {
    const base = row * w;
    for (let c = 0; c < G; c++) {
      const a = base + 4 * c;
      s0 = addMod(s0, aux[a]!);
      s1 = addMod(s1, aux[a + 1]!);
      s2 = addMod(s2, aux[a + 2]!);
      s3 = addMod(s3, aux[a + 3]!);
    }
    const a = base + 4 * G;
    aux[a] = s0;
    aux[a + 1] = s1;
    aux[a + 2] = s2;
    aux[a + 3] = s3;
  }
  return Uint32Array.of(s0, s1, s2, s3);
}

function checkAuxInputs(sys: ConstraintSystem, inputs: EvalInputs): void {
  if (sys.interactions.length === 0) throw new RangeError('buildAuxTrace: the table has no bus interaction');
  if (inputs.challenges.length < 4 * (sys.maxArity + 1)) throw new RangeError(`buildAuxTrace: ${inputs.challenges.length / 4} challenge slots, the table needs ${sys.maxArity + 1}`);
}

/**
 * Builds a table's auxiliary trace on the trace domain: one column per group of `sys.auxGroups`
 * (the sum of its one or two terms sign m / (beta - fp)) and the running sum, as a row-major
 * matrix of 4 (G + 1) base columns (ext column c = base columns 4c..4c+3), and the
 * table's bus sum (the running sum's last value). `inputs` are the table's trace-domain inputs
 * with the challenges filled in (slot 0 = beta, slot j = gamma^j). The terms are computed by
 * `_aux-trace.ts` (blocks of rows, zero multiplicities skipped, one inversion per block).
 */
export function buildAuxTrace(sys: ConstraintSystem, inputs: EvalInputs): { aux: Matrix; busSum: Uint32Array } {
  checkAuxInputs(sys, inputs);
  const n = inputs.height;
  const G = sys.auxGroups.length;
  const w = 4 * (G + 1);
  const aux = new Uint32Array(n * w);
  auxTermsInto(auxPlan(sys), inputs, 0, n, aux, w, 0);
  return { aux: { values: aux, width: w, height: n }, busSum: runningSum(aux, n, G) };
}

/** A pool that can run a task module (`prover/_pool.ts`'s WorkerPool). */
export interface AuxPool {
  readonly size: number;
  runTask<A, R>(moduleUrl: string | URL, exportName: string, args: readonly A[]): Promise<R[]>;
}

/**
 * Rows x interactions below which `buildAuxTraceParallel` stays on this thread: a worker's first
 * task loads TypeScript (~0.5 s, paid once per pool) and the inputs are copied into shared memory.
 */
const AUX_PARALLEL_MIN_WORK = 1 << 18;

function toShared(a: Uint32Array): Uint32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Uint32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/**
 * `buildAuxTrace` with the terms split by row ranges over the pool's workers: on the WASM kernels
 * when the pool has them (tables of at least 1024 rows), else in TypeScript (inputs copied once
 * into shared memory, terms written in place; wide tables only). The running sum is added here.
 * Same result. With `allocShared` (a WASM backend's), the WASM path builds the aux trace in kernel
 * memory and returns that matrix, which the caller frees (after committing it, with no copy).
 */
export async function buildAuxTraceParallel(sys: ConstraintSystem, inputs: EvalInputs, pool: AuxPool | undefined, forceParallel = false, allocShared?: (width: number, height: number) => SharedMatrix): Promise<{ aux: Matrix; busSum: Uint32Array }> {
  checkAuxInputs(sys, inputs);
  const n = inputs.height;
  const G = sys.auxGroups.length;
  const w = 4 * (G + 1);
  // The WASM kernel when the pool's kernels have it (same values; TZKVM_AUX_TS=1 keeps the TypeScript path).
  const k = (pool as { readonly kernels?: Kernels } | undefined)?.kernels;
  if (wasmAuxUsable(k, n) && process.env.TZKVM_AUX_TS !== '1') {
    const runner = typeof (pool as Partial<AuxKernelRunner>).run === 'function' ? (pool as AuxPool & AuxKernelRunner) : undefined;
    const target = allocShared?.(w, n);
    try {
      const values = await auxTermsWasm(k, auxPlan(sys), inputs, w, runner, target);
      return { aux: target ?? { values, width: w, height: n }, busSum: runningSum(values, n, G) };
    } catch (e) {
      target?.free();
      throw e;
    }
  }
  if (!pool || pool.size < 2 || (n * sys.interactions.length < AUX_PARALLEL_MIN_WORK && !forceParallel)) return buildAuxTrace(sys, inputs);
  const out = new Uint32Array(new SharedArrayBuffer(n * w * 4));
  const sh: EvalInputs = {
    ...inputs,
    main: toShared(inputs.main),
    pre: inputs.pre && toShared(inputs.pre),
    isFirstRow: toShared(inputs.isFirstRow),
    isLastRow: toShared(inputs.isLastRow),
    isTransition: toShared(inputs.isTransition),
  };
  const plan = auxPlan(sys);
  const step = Math.ceil(n / pool.size / AUX_LANES) * AUX_LANES;
  const args: AuxTask[] = [];
  for (let a = 0; a < n; a += step) args.push({ plan, inputs: sh, start: a, end: Math.min(n, a + step), out, outWidth: w });
  try {
    await pool.runTask(new URL('./_aux-trace.ts', import.meta.url), 'auxRows', args);
  } catch (e) {
    // The workers' zero-den error arrives as a PoolError: restate it as the single-thread path does.
    if (e instanceof Error && /beta equals a fingerprint/.test(e.message)) throw new RangeError('LogUp: beta equals a fingerprint (probability ~ rows / p^4); retry with another transcript');
    throw e;
  }
  return { aux: { values: out, width: w, height: n }, busSum: runningSum(out, n, G) };
}

/** Challenge slots for a machine: [beta, gamma, gamma^2, ..., gamma^maxArity], flat ext4. */
export function busChallenges(beta: Ext4, gamma: Ext4, maxArity: number): Uint32Array {
  const out = new Uint32Array(4 * (maxArity + 1));
  out.set(beta, 0);
  let g: Ext4 = gamma;
  for (let j = 1; j <= maxArity; j++) {
    out.set(g, 4 * j);
    g = eMul(g, gamma);
  }
  return out;
}

/** The two LogUp challenges: beta (the evaluation point) and gamma (the tuple compressor). */
export interface BusChallenges {
  readonly beta: Ext4;
  readonly gamma: Ext4;
}

/** Checks that `ch` holds two canonical ext4 elements; `what` names the argument in the error. */
export function assertBusChallenges(ch: BusChallenges, what = 'busChallenges'): void {
  if (typeof ch !== 'object' || ch === null) throw new TypeError(`${what} must be { beta, gamma }`);
  for (const k of ['beta', 'gamma'] as const) {
    const v = ch[k];
    if (!(v instanceof Uint32Array) || !isCanonicalExt(v)) throw new TypeError(`${what}.${k} must be a canonical ext4 element (Uint32Array of 4 values < p)`);
  }
}

/** One term the verifier adds to the bus balance itself (see `logUpTerms` for the sign). */
export interface BusTerm {
  readonly bus: Bus;
  /** Field elements (< p); as many as the bus's arity. */
  readonly tuple: readonly number[];
  /** Signed integer in (-p, p): positive = sent, negative = received (as `send` / `receive`). */
  readonly multiplicity: number;
}

function checkTuple(bus: Bus, tuple: readonly number[], what: string): void {
  if (!(bus instanceof Bus)) throw new TypeError(`${what}: bus must be a Bus`);
  if (!Array.isArray(tuple)) throw new TypeError(`${what}: tuple must be an array of field elements`);
  if (bus.arity !== undefined && tuple.length !== bus.arity) throw new RangeError(`${what}: bus ${bus.name} carries ${bus.arity}-tuples, got ${tuple.length}`);
  for (const v of tuple) if (!Number.isInteger(v) || v < 0 || v >= P) throw new RangeError(`${what}: tuple value ${v} on bus ${bus.name} is not a field element`);
}

/** fp = busId + gamma t_1 + ... + gamma^k t_k, written into out[o..o+4], with g = [gamma, gamma^2, ...] flat. */
function fingerprintAt(out: Uint32Array, o: number, bus: Bus, tuple: readonly number[], g: Uint32Array): void {
  let f0 = bus.id, f1 = 0, f2 = 0, f3 = 0;
  for (let j = 0; j < tuple.length; j++) {
    const t = tuple[j]!;
    const c = 4 * j;
    f0 = add(f0, mul(g[c]!, t));
    f1 = add(f1, mul(g[c + 1]!, t));
    f2 = add(f2, mul(g[c + 2]!, t));
    f3 = add(f3, mul(g[c + 3]!, t));
  }
  out[o] = f0;
  out[o + 1] = f1;
  out[o + 2] = f2;
  out[o + 3] = f3;
}

/** [gamma, gamma^2, ..., gamma^k] as flat ext4. */
function gammaPowers(gamma: Ext4, k: number): Uint32Array {
  return busChallenges(gamma, gamma, k).subarray(4);
}

/**
 * The fingerprint of `tuple` on `bus` under `ch`, exactly as the prover's aux trace computes it:
 * `busId + gamma t_1 + gamma^2 t_2 + ... + gamma^k t_k` (ext4).
 */
export function fingerprint(bus: Bus, tuple: readonly number[], ch: BusChallenges): Ext4 {
  assertBusChallenges(ch);
  checkTuple(bus, tuple, 'fingerprint');
  const out = new Uint32Array(4);
  fingerprintAt(out, 0, bus, tuple, gammaPowers(ch.gamma, tuple.length));
  return out;
}

/**
 * The verifier's own share of the bus balance: sum over `terms` of `m / (beta - fingerprint)`.
 *
 * Sign convention (the same as a table's): a positive multiplicity is a SEND, a negative one a
 * RECEIVE, taken as a field element (-m is p - m). So a public value that some table receives with
 * multiplicity m is cancelled by the term `{ bus, tuple, multiplicity: +m }` (the verifier "sends"
 * it), and one a table sends by `multiplicity: -m`. For segmented proofs the claim is
 * `sum of the proofs' busSum + logUpTerms(terms) = 0`.
 *
 * One batch inversion for all terms (thousands of public bytes cost one ext4 inversion). Throws a
 * RangeError naming the term if beta equals its fingerprint (probability ~ terms / p^4: the
 * challenges were unlucky or chosen by someone who should not have chosen them).
 */
export function logUpTerms(terms: readonly BusTerm[], ch: BusChallenges): Ext4 {
  assertBusChallenges(ch);
  if (!Array.isArray(terms)) throw new TypeError('logUpTerms: terms must be an array');
  const n = terms.length;
  let maxArity = 0;
  const mults = new Uint32Array(n);
  terms.forEach((term, i) => {
    checkTuple(term.bus, term.tuple, `logUpTerms: term ${i}`);
    const m = term.multiplicity;
    if (!Number.isInteger(m) || m <= -P || m >= P) throw new RangeError(`logUpTerms: term ${i}: multiplicity ${m} must be an integer in (-p, p)`);
    mults[i] = m < 0 ? m + P : m;
    maxArity = Math.max(maxArity, term.tuple.length);
  });
  if (n === 0) return new Uint32Array(4);
  const g = gammaPowers(ch.gamma, maxArity);
  const beta = ch.beta;
  const dens = new Uint32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const term = terms[i]!;
    fingerprintAt(dens, 4 * i, term.bus, term.tuple, g);
    for (let c = 0; c < 4; c++) dens[4 * i + c] = sub(beta[c]!, dens[4 * i + c]!);
  }
  const i = batchInverseInPlace(dens, new Uint32Array(dens.length));
  const invs = dens;
  if (i >= 0) {
    const term = terms[i]!;
    throw new RangeError(`logUpTerms: beta equals the fingerprint of term ${i} (bus ${term.bus.name}, tuple [${term.tuple.join(', ')}]); the challenges are unusable`);
  }
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < n; i++) {
    const m = mults[i]!;
    if (m === 0) continue;
    const o = 4 * i;
    s0 = add(s0, mul(invs[o]!, m));
    s1 = add(s1, mul(invs[o + 1]!, m));
    s2 = add(s2, mul(invs[o + 2]!, m));
    s3 = add(s3, mul(invs[o + 3]!, m));
  }
  return Uint32Array.of(s0, s1, s2, s3);
}
