/**
 * The symbolic expression DAG that a table's `eval` builds: the one representation of its constraints.
 *
 * `eval` runs once, against the symbolic builder; every other consumer interprets the DAG it leaves
 * (the debug checker row by row, the prover over the LDE coset through a compiled flat program, the
 * verifier once at the out-of-domain point). So no constraint is ever written twice and the four
 * views cannot disagree. Nodes are hash-consed (identical sub-expressions share one node) and
 * constants are folded, which keeps the compiled program short (Plonky3 `symbolic_expression.rs`
 * and `flatten.rs` show the same idea).
 *
 * Degrees are counted in "trace units": a trace column, a preprocessed column, an aux column and the
 * row selectors (which are Lagrange polynomials of degree n - 1, like a column) count 1, constants,
 * public values and challenges count 0. A constraint of degree D yields a quotient of degree below
 * (D - 1) n.
 * @module
 */
import { P, add, sub, mul, neg, fromInt } from '../field/babybear.ts';

/** Node kinds. Leaves first, then operations. */
export const Op = {
  /** A base-field constant (`a` = value). */
  Const: 0,
  /** Main trace column `a` on the current row (`b` = 0) or the next row (`b` = 1). */
  Main: 1,
  /** Preprocessed column `a`, row offset `b`. */
  Pre: 2,
  /** Auxiliary (ext4) column `a`, row offset `b`. */
  Aux: 3,
  /** Public value `a` of the table (base field). */
  Public: 4,
  /** Machine challenge `a` (ext4): 0 is the LogUp beta, j >= 1 is gamma^j. */
  Challenge: 5,
  /** The table's LogUp final sum (ext4), a public value of the proof. */
  BusSum: 6,
  IsFirstRow: 7,
  IsLastRow: 8,
  IsTransition: 9,
  Add: 10,
  Sub: 11,
  Mul: 12,
  Neg: 13,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

export const LEAF_OPS_END = Op.Add;

/** Anything accepted where an expression is expected: an `Expr` or a (possibly negative) integer. */
export type ExprLike = Expr | number;

/**
 * An arena of nodes. Node ids are topologically ordered: children always have smaller ids.
 */
export class Dag {
  readonly op: Op[] = [];
  readonly a: number[] = [];
  readonly b: number[] = [];
  readonly degree: number[] = [];
  /** Whether the node's value lies in the extension field (aux columns, challenges, bus sums). */
  readonly isExt: boolean[] = [];
  private readonly memo = new Map<string, number>();
  private readonly exprs: Expr[] = [];

  get size(): number {
    return this.op.length;
  }

  node(id: number): Expr {
    return this.exprs[id]!;
  }

  /**
   * Marks every node the given roots depend on. Children always have smaller ids than their
   * parents, so one pass from the top down is enough.
   */
  reachable(roots: Iterable<number>): Uint8Array {
    const needed = new Uint8Array(this.size);
    for (const r of roots) needed[r] = 1;
    for (let id = this.size - 1; id >= 0; id--) {
      if (!needed[id]) continue;
      const op = this.op[id]!;
      if (op >= Op.Add) {
        needed[this.a[id]!] = 1;
        if (op !== Op.Neg) needed[this.b[id]!] = 1;
      }
    }
    return needed;
  }

  private intern(op: Op, a: number, b: number, degree: number, isExt: boolean): Expr {
    const key = `${op},${a},${b}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return this.exprs[hit]!;
    const id = this.op.length;
    this.op.push(op);
    this.a.push(a);
    this.b.push(b);
    this.degree.push(degree);
    this.isExt.push(isExt);
    this.memo.set(key, id);
    const e = new Expr(this, id);
    this.exprs.push(e);
    return e;
  }

  constant(v: number): Expr {
    return this.intern(Op.Const, fromInt(v), 0, 0, false);
  }

  leaf(op: Op, a: number, b: number): Expr {
    switch (op) {
      case Op.Main:
      case Op.Pre:
        return this.intern(op, a, b, 1, false);
      case Op.Aux:
        return this.intern(op, a, b, 1, true);
      case Op.Public:
        return this.intern(op, a, 0, 0, false);
      case Op.Challenge:
      case Op.BusSum:
        return this.intern(op, a, 0, 0, true);
      case Op.IsFirstRow:
      case Op.IsLastRow:
      case Op.IsTransition:
        return this.intern(op, 0, 0, 1, false);
      default:
        throw new RangeError(`Dag.leaf: ${op} is not a leaf kind`);
    }
  }

  lift(x: ExprLike): Expr {
    if (typeof x === 'number') {
      if (!Number.isSafeInteger(x)) throw new TypeError(`expression constant must be a safe integer, got ${x}`);
      return this.constant(x);
    }
    if (!(x instanceof Expr)) throw new TypeError('expected an Expr or an integer');
    if (x.dag !== this) throw new RangeError('expression belongs to another table');
    return x;
  }

  constValue(e: Expr): number | undefined {
    return this.op[e.id] === Op.Const ? this.a[e.id] : undefined;
  }

  add(x: ExprLike, y: ExprLike): Expr {
    let l = this.lift(x);
    let r = this.lift(y);
    const cl = this.constValue(l);
    const cr = this.constValue(r);
    if (cl !== undefined && cr !== undefined) return this.constant(add(cl, cr));
    if (cl === 0) return r;
    if (cr === 0) return l;
    if (l.id > r.id) [l, r] = [r, l];
    return this.intern(Op.Add, l.id, r.id, Math.max(this.degree[l.id]!, this.degree[r.id]!), this.isExt[l.id]! || this.isExt[r.id]!);
  }

  sub(x: ExprLike, y: ExprLike): Expr {
    const l = this.lift(x);
    const r = this.lift(y);
    const cl = this.constValue(l);
    const cr = this.constValue(r);
    if (cl !== undefined && cr !== undefined) return this.constant(sub(cl, cr));
    if (cr === 0) return l;
    if (cl === 0) return this.neg(r);
    if (l.id === r.id) return this.constant(0);
    return this.intern(Op.Sub, l.id, r.id, Math.max(this.degree[l.id]!, this.degree[r.id]!), this.isExt[l.id]! || this.isExt[r.id]!);
  }

  mul(x: ExprLike, y: ExprLike): Expr {
    let l = this.lift(x);
    let r = this.lift(y);
    const cl = this.constValue(l);
    const cr = this.constValue(r);
    if (cl !== undefined && cr !== undefined) return this.constant(mul(cl, cr));
    if (cl === 0 || cr === 0) return this.constant(0);
    if (cl === 1) return r;
    if (cr === 1) return l;
    if (l.id > r.id) [l, r] = [r, l];
    return this.intern(Op.Mul, l.id, r.id, this.degree[l.id]! + this.degree[r.id]!, this.isExt[l.id]! || this.isExt[r.id]!);
  }

  neg(x: ExprLike): Expr {
    const e = this.lift(x);
    const c = this.constValue(e);
    if (c !== undefined) return this.constant(neg(c));
    if (this.op[e.id] === Op.Neg) return this.node(this.a[e.id]!);
    return this.intern(Op.Neg, e.id, 0, this.degree[e.id]!, this.isExt[e.id]!);
  }

  /** Ids of the leaves of kind `op` that `root` depends on (for debug reports). */
  leavesOf(root: number, kinds: ReadonlySet<Op>): number[] {
    const seen = new Set<number>();
    const out: number[] = [];
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const op = this.op[id]!;
      if (op >= LEAF_OPS_END) {
        stack.push(this.a[id]!);
        if (op !== Op.Neg) stack.push(this.b[id]!);
      } else if (kinds.has(op)) out.push(id);
    }
    return out.sort((x, y) => x - y);
  }
}

/**
 * A node of a table's constraint DAG. Build them with the builder (`b.add(x, y)`) or fluently
 * (`x.add(y).mul(z)`); integers are accepted anywhere and taken mod p.
 */
export class Expr {
  constructor(
    readonly dag: Dag,
    readonly id: number,
  ) {}

  /** Degree in trace units (see the module doc). */
  get degree(): number {
    return this.dag.degree[this.id]!;
  }

  get isExt(): boolean {
    return this.dag.isExt[this.id]!;
  }

  add(y: ExprLike): Expr {
    return this.dag.add(this, y);
  }

  sub(y: ExprLike): Expr {
    return this.dag.sub(this, y);
  }

  mul(y: ExprLike): Expr {
    return this.dag.mul(this, y);
  }

  neg(): Expr {
    return this.dag.neg(this);
  }
}

/** The modulus, re-exported for table code that builds constants such as 2^16. */
export { P };
