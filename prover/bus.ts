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
 * Auxiliary trace of a table with K interactions: K ext4 columns `inv_k = sign m_k / (beta - fp_k)`
 * and one running-sum column `S`, pinned by
 *   - every row:   inv_k * (beta - fp_k) - sign m_k = 0           (degree 1 + deg fp_k, or deg m_k)
 *   - first row:   S - sum_k inv_k = 0
 *   - transition:  S' - S - sum_k inv_k' = 0
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
import { compile, registerFile, run, type EvalInputs } from './air/program.ts';
import { P, add as add_, sub as sub_, neg as neg_ } from './field/babybear.ts';
import { mulFast } from './air/_mul.ts';
import { eBatchInverse, eMul, isCanonicalExt, type Ext4 } from './field/ext4.ts';
import type { Matrix } from './matrix.ts';

// Imported bindings are read through getters under some loaders (tsx); hot loops use local copies.
const add = add_;
const sub = sub_;
const neg = neg_;
const mul = mulFast;

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

/** Challenge slots: 0 = beta, j = gamma^j (1 <= j <= maxArity). */
export const BETA = 0;

/**
 * The aux columns and constraints for a table's interactions (see the module doc). Aux column k
 * holds inv_k, column K the running sum.
 */
export function busConstraints(dag: Dag, interactions: readonly Interaction[]): { constraints: Constraint[]; auxWidth: number; maxArity: number } {
  const K = interactions.length;
  if (K === 0) return { constraints: [], auxWidth: 0, maxArity: 0 };
  const constraints: Constraint[] = [];
  const beta = dag.leaf(Op.Challenge, BETA, 0);
  let maxArity = 0;
  const invs: Expr[] = [];
  const invsNext: Expr[] = [];
  interactions.forEach((it, k) => {
    maxArity = Math.max(maxArity, it.tuple.length);
    const inv = dag.leaf(Op.Aux, k, 0);
    invs.push(inv);
    invsNext.push(dag.leaf(Op.Aux, k, 1));
    const fp = fingerprintExpr(dag, it);
    const m = it.sign > 0 ? dag.node(it.multiplicity) : dag.neg(dag.node(it.multiplicity));
    const c = dag.sub(dag.mul(inv, dag.sub(beta, fp)), m);
    constraints.push({ id: c.id, label: () => `bus ${it.bus.name}: inverse column ${k} is m / (beta - fingerprint)`, phase: 'bus' });
  });
  const s = dag.leaf(Op.Aux, K, 0);
  const sNext = dag.leaf(Op.Aux, K, 1);
  const sumOf = (xs: Expr[]): Expr => xs.reduce<Expr>((acc, x) => dag.add(acc, x), dag.constant(0));
  const first = dag.leaf(Op.IsFirstRow, 0, 0);
  const last = dag.leaf(Op.IsLastRow, 0, 0);
  const trans = dag.leaf(Op.IsTransition, 0, 0);
  const busSum = dag.leaf(Op.BusSum, 0, 0);
  constraints.push({ id: dag.mul(first, dag.sub(s, sumOf(invs))).id, label: 'bus: running sum starts with the first row terms', phase: 'bus' });
  constraints.push({ id: dag.mul(trans, dag.sub(dag.sub(sNext, s), sumOf(invsNext))).id, label: 'bus: running sum adds each row terms', phase: 'bus' });
  constraints.push({ id: dag.mul(last, dag.sub(s, busSum)).id, label: 'bus: running sum ends at the table bus sum', phase: 'bus' });
  return { constraints, auxWidth: K + 1, maxArity };
}

function fingerprintExpr(dag: Dag, it: Interaction): Expr {
  let fp: Expr = dag.constant(it.bus.id);
  it.tuple.forEach((t, j) => {
    fp = dag.add(fp, dag.mul(dag.leaf(Op.Challenge, j + 1, 0), dag.node(t)));
  });
  return fp;
}

/**
 * Builds a table's auxiliary trace on the trace domain: K inverse columns and the running sum, as
 * a row-major matrix of 4 (K + 1) base columns (ext column c = base columns 4c..4c+3), and the
 * table's bus sum (the running sum's last value). `inputs` are the table's trace-domain inputs
 * with the challenges filled in (slot 0 = beta, slot j = gamma^j).
 */
export function buildAuxTrace(sys: ConstraintSystem, inputs: EvalInputs): { aux: Matrix; busSum: Uint32Array } {
  const its = sys.interactions;
  const K = its.length;
  const n = inputs.height;
  if (K === 0) throw new RangeError('buildAuxTrace: the table has no bus interaction');
  const roots: number[] = [];
  for (const it of its) roots.push(...it.tuple, it.multiplicity);
  const prog = compile(sys.dag, roots);
  const lanes = Math.min(256, n);
  const regs = registerFile(prog, lanes);
  const ch = inputs.challenges;
  // dens[(row * K + k) * 4 ..] = beta - fingerprint; mults[row * K + k] = sign * m
  const dens = new Uint32Array(n * K * 4);
  const mults = new Uint32Array(n * K);
  for (let start = 0; start < n; start += lanes) {
    const len = Math.min(lanes, n - start);
    run(prog, inputs, start, len, regs, lanes);
    let r = 0;
    for (let k = 0; k < K; k++) {
      const it = its[k]!;
      const arity = it.tuple.length;
      const tupleRegs = prog.rootReg.subarray(r, r + arity);
      const mReg = prog.rootReg[r + arity]!;
      r += arity + 1;
      for (let i = 0; i < len; i++) {
        let f0 = it.bus.id, f1 = 0, f2 = 0, f3 = 0;
        for (let j = 0; j < arity; j++) {
          const t = regs[tupleRegs[j]! * lanes + i]!;
          const g = 4 * (j + 1);
          f0 = add(f0, mul(ch[g]!, t));
          f1 = add(f1, mul(ch[g + 1]!, t));
          f2 = add(f2, mul(ch[g + 2]!, t));
          f3 = add(f3, mul(ch[g + 3]!, t));
        }
        const o = ((start + i) * K + k) * 4;
        dens[o] = sub(ch[0]!, f0);
        dens[o + 1] = sub(ch[1]!, f1);
        dens[o + 2] = sub(ch[2]!, f2);
        dens[o + 3] = sub(ch[3]!, f3);
        const m = regs[mReg * lanes + i]!;
        mults[(start + i) * K + k] = it.sign > 0 ? m : neg(m);
      }
    }
  }
  let invs: Uint32Array;
  try {
    invs = eBatchInverse(dens);
  } catch {
    throw new RangeError('LogUp: beta equals a fingerprint (probability ~ rows / p^4); retry with another transcript');
  }
  const w = 4 * (K + 1);
  const aux = new Uint32Array(n * w);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let row = 0; row < n; row++) {
    for (let k = 0; k < K; k++) {
      const m = mults[row * K + k]!;
      const o = (row * K + k) * 4;
      const a = row * w + 4 * k;
      const v0 = mul(invs[o]!, m), v1 = mul(invs[o + 1]!, m), v2 = mul(invs[o + 2]!, m), v3 = mul(invs[o + 3]!, m);
      aux[a] = v0;
      aux[a + 1] = v1;
      aux[a + 2] = v2;
      aux[a + 3] = v3;
      s0 = add(s0, v0);
      s1 = add(s1, v1);
      s2 = add(s2, v2);
      s3 = add(s3, v3);
    }
    const a = row * w + 4 * K;
    aux[a] = s0;
    aux[a + 1] = s1;
    aux[a + 2] = s2;
    aux[a + 3] = s3;
  }
  return { aux: { values: aux, width: w, height: n }, busSum: Uint32Array.of(s0, s1, s2, s3) };
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
  let invs: Uint32Array;
  try {
    invs = eBatchInverse(dens);
  } catch {
    const i = dens.findIndex((_, j) => j % 4 === 0 && dens[j] === 0 && dens[j + 1] === 0 && dens[j + 2] === 0 && dens[j + 3] === 0) / 4;
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
