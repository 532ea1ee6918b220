/**
 * Verifier-side evaluation of a table's constraints at the out-of-domain point zeta (ext4), from
 * the opened column values, and the row selectors there.
 *
 * It walks the same DAG the prover compiled, once, in the extension field. The combination
 * `sum_k alpha^k C_k(zeta)` uses the constraint order of `ConstraintSystem.constraints`, as the
 * prover's quotient does (`stark/quotient.ts`).
 * @module
 */
import { P, inv, mul, rootOfUnity } from '../field/babybear.ts';
import { eAdd, eSub, eMul, eNeg, eScale, eInv, ePow, fromBase, ext, type Ext4 } from '../field/ext4.ts';
import { Op } from './expr.ts';
import type { ConstraintSystem } from './builder.ts';

/** Opened values of one table at zeta (`local`) and zeta * w (`next`), column by column. */
export interface OodValues {
  readonly main: readonly Ext4[];
  readonly mainNext: readonly Ext4[];
  readonly pre: readonly Ext4[];
  readonly preNext: readonly Ext4[];
  /** Aux values as base columns (4 per ext column), as the PCS opens them. */
  readonly aux: readonly Ext4[];
  readonly auxNext: readonly Ext4[];
  readonly publics: ArrayLike<number>;
  /** Flat ext4 challenges (slot 0 = beta, j = gamma^j). */
  readonly challenges: Uint32Array;
  readonly busSum: Ext4;
}

export interface Selectors {
  readonly isFirstRow: Ext4;
  readonly isLastRow: Ext4;
  readonly isTransition: Ext4;
  /** Z_H(zeta) = zeta^n - 1. */
  readonly vanishing: Ext4;
}

/** The normalized Lagrange selectors of H_n (n = 2^logN) at zeta; zeta must lie outside H_n. */
export function selectorsAt(zeta: Ext4, logN: number): Selectors {
  const n = 2 ** logN;
  const wInv = inv(rootOfUnity(logN));
  const vanishing = eSub(ePow(zeta, n), fromBase(1));
  const nInv = inv(n % P);
  const isFirstRow = eScale(eMul(vanishing, eInv(eSub(zeta, fromBase(1)))), nInv);
  const isLastRow = eScale(eMul(vanishing, eInv(eSub(zeta, fromBase(wInv)))), mul(nInv, wInv));
  const isTransition = eSub(fromBase(1), isLastRow);
  return { isFirstRow, isLastRow, isTransition, vanishing };
}

/** sum_c e^c v[4 col + c]: the ext4 value of an ext column committed as four base columns. */
export function recombine(v: readonly Ext4[], col: number): Ext4 {
  let acc = ext(0);
  for (let c = 0; c < 4; c++) {
    const basis = ext(0);
    basis[c] = 1;
    acc = eAdd(acc, eMul(basis, v[4 * col + c]!));
  }
  return acc;
}

/** Every constraint of the system at zeta, in order. */
export function evaluateConstraintsAt(sys: ConstraintSystem, vals: OodValues, sel: Selectors): Ext4[] {
  const dag = sys.dag;
  const needed = dag.reachable(sys.constraints.map((c) => c.id));
  const v: (Ext4 | undefined)[] = new Array(dag.size);
  for (let id = 0; id < dag.size; id++) {
    if (!needed[id]) continue;
    const a = dag.a[id]!;
    const b = dag.b[id]!;
    const pick = (arr: readonly Ext4[], what: string): Ext4 => {
      const x = arr[a];
      if (!x) throw new RangeError(`OOD evaluation: missing opened ${what} column ${a}`);
      return x;
    };
    switch (dag.op[id]!) {
      case Op.Const: v[id] = fromBase(a); break;
      case Op.Main: v[id] = pick(b ? vals.mainNext : vals.main, 'main'); break;
      case Op.Pre: v[id] = pick(b ? vals.preNext : vals.pre, 'preprocessed'); break;
      case Op.Aux: v[id] = recombine(b ? vals.auxNext : vals.aux, a); break;
      case Op.Public: v[id] = fromBase(vals.publics[a]!); break;
      case Op.Challenge: v[id] = vals.challenges.slice(4 * a, 4 * a + 4); break;
      case Op.BusSum: v[id] = vals.busSum; break;
      case Op.IsFirstRow: v[id] = sel.isFirstRow; break;
      case Op.IsLastRow: v[id] = sel.isLastRow; break;
      case Op.IsTransition: v[id] = sel.isTransition; break;
      case Op.Add: v[id] = eAdd(v[a]!, v[b]!); break;
      case Op.Sub: v[id] = eSub(v[a]!, v[b]!); break;
      case Op.Mul: v[id] = eMul(v[a]!, v[b]!); break;
      case Op.Neg: v[id] = eNeg(v[a]!); break;
    }
  }
  return sys.constraints.map((c) => v[c.id]!);
}

/** sum_k alpha^k c_k. */
export function combine(values: readonly Ext4[], alpha: Ext4): Ext4 {
  let acc = ext(0);
  let ak = fromBase(1);
  for (const c of values) {
    acc = eAdd(acc, eMul(ak, c));
    ak = eMul(ak, alpha);
  }
  return acc;
}

/**
 * The quotient at zeta from its opened chunk columns (4 base columns per chunk, chunk i the
 * coefficients [i n, (i + 1) n) of q): q(zeta) = sum_i zeta^(i n) q_i(zeta).
 */
export function quotientAt(chunkValues: readonly Ext4[], chunks: number, zeta: Ext4, logN: number): Ext4 {
  const zn = ePow(zeta, 2 ** logN);
  let acc = ext(0);
  let zi = fromBase(1);
  for (let i = 0; i < chunks; i++) {
    acc = eAdd(acc, eMul(zi, recombine(chunkValues, i)));
    zi = eMul(zi, zn);
  }
  return acc;
}

