/**
 * The add-sub table: wrapping addition and subtraction of i32 and i64 words, exactly WebAssembly's
 * i32.add / i32.sub / i64.add / i64.sub, one row per event received on the ALU bus
 * (`add`, `add.i`, `sub`, `sub.i`, `add64`, `sub64`).
 *
 * Words are u16 limbs, low first: x = (x0, x1, xh0, xh1), likewise y and z (the h limbs are 0 for
 * 32-bit operands). A `sub` row permutes the operands, (p, q, s) = (x, y, z) for add and (y, z, x)
 * for sub, so one carry chain proves both: p + q = s (+ carry out), i.e. z = x + y or y + z = x:
 *   limb 0: p0 + q0                 = s0 + carry0 * 2^16
 *   limb 1: p1 + q1 + carry0        = s1 + carry1 * 2^16
 *   limb 2: p2 + q2 + is64 * carry1 = s2 + carry2 * 2^16
 *   limb 3: p3 + q3 + carry2        = s3 + carry3 * 2^16
 * On a 32-bit row the carry stops at limb 1 (is64 = 0), which makes the sum wrap mod 2^32.
 *
 * Soundness. Every limb is in [0, 2^16) (x, y: sent by the CPU as u16 limbs; z: range16 here) and
 * every carry is a bit, so both sides of each equation are integers in [0, 2^18) < p: the field
 * equations are integer equations, and the chain is the schoolbook addition of 64-bit (or, with
 * the chain cut, 32-bit) numbers, whose result limbs are unique. On a 32-bit row x and y have
 * zero high limbs (the ALU bus contract, `alu.ts`); the table does not rely on it for z, whose low
 * limbs depend on limbs 0 and 1 only, and states zh0 + zh1 = 0 on 32-bit rows (both u16, so both
 * are 0): a 32-bit row never sends a nonzero zh, whatever high words a CPU put in the tuple. The op is one-hot over the six
 * opcodes; isReal (their sum) is a bit, so a real row proves exactly one opcode of this table and
 * a padding row (all zero) satisfies every constraint and receives nothing. Max degree 2.
 *
 * SP1's `alu/add_sub` chip has the same shape (with bytes and one operand permutation).
 * @module
 */
import { defineTable } from '../../prover/air/builder.ts';
import type { Expr } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { OP } from '../isa.ts';
import { heightFor, opcodeOf, receiveAlu, type AluEvents, type LookupCounts } from './alu.ts';
import { range16 } from './range.ts';

const ADD_SUB_OPS_NAMES = ['add', 'add.i', 'sub', 'sub.i', 'add64', 'sub64'];
/** The opcodes this table proves, in selector order. */
export const ADD_SUB_OPS: readonly number[] = Object.freeze(ADD_SUB_OPS_NAMES.map((m) => OP[m]!));
const SUB_SELECTORS = [2, 3, 5];
const WIDE_SELECTORS = [4, 5];

export const AddSubCols = layout({
  x: 4, // first operand (x0, x1, xh0, xh1), u16: pinned by the ALU bus (the CPU's value)
  y: 4, // second operand or immediate, u16: pinned by the ALU bus
  z: 4, // result (z0, z1, zh0, zh1): pinned by the limb equations and range16
  carry: 4, // carry out of each limb of p + q: pinned boolean, and by the limb equations
  sel: 6, // one-hot opcode selectors in ADD_SUB_OPS order (all 0 on padding): pinned boolean, sum a bit, and by the ALU bus (op)
});

export const addSubTable = defineTable({
  name: 'add-sub',
  cols: AddSubCols,
  eval(b) {
    const r = b.local(AddSubCols);
    const isReal = b.sum(r.sel);
    b.assertBools('op selectors are bits', r.sel);
    b.assertBool('at most one op selector (isReal is a bit)', isReal);
    b.assertBools('carries are bits', r.carry);
    const isSub = b.sum(SUB_SELECTORS.map((i) => r.sel[i]!));
    const is64 = b.sum(WIDE_SELECTORS.map((i) => r.sel[i]!));
    const is32 = b.sub(isReal, is64);
    // (p, q, s) = (x, y, z) for add, (y, z, x) for sub: u + isSub * (v - u) is v when isSub = 1.
    const pick = (u: Expr, v: Expr): Expr => b.add(u, b.mul(isSub, b.sub(v, u)));
    const p = r.x.map((_, j) => pick(r.x[j]!, r.y[j]!));
    const q = r.x.map((_, j) => pick(r.y[j]!, r.z[j]!));
    const s = r.x.map((_, j) => pick(r.z[j]!, r.x[j]!));
    const c = r.carry;
    const limb = (j: number, carryIn: Expr | number): Expr => b.sub(b.add(p[j]!, q[j]!, carryIn), b.add(s[j]!, b.mul(0x10000, c[j]!)));
    b.assertZero('limb 0: p0 + q0 = s0 + carry0 * 2^16', limb(0, 0));
    b.assertZero('limb 1: p1 + q1 + carry0 = s1 + carry1 * 2^16', limb(1, c[0]!));
    b.assertZero('limb 2: p2 + q2 + is64 * carry1 = s2 + carry2 * 2^16 (32-bit rows wrap at limb 1)', limb(2, b.mul(is64, c[1]!)));
    b.assertZero('limb 3: p3 + q3 + carry2 = s3 + carry3 * 2^16', limb(3, c[2]!));
    b.assertZero('32-bit rows: zh = 0', b.mul(is32, b.add(r.z[2]!, r.z[3]!)));
    range16.lookup(b, 'z limbs are u16', r.z, isReal);
    receiveAlu(b, opcodeOf(b, r.sel, ADD_SUB_OPS), { x: r.x.slice(0, 2), xh: r.x.slice(2), y: r.y.slice(0, 2), yh: r.y.slice(2), z: r.z.slice(0, 2), zh: r.z.slice(2) }, isReal);
  },
});

/** Selector index by opcode (-1: not an add-sub opcode). */
const SEL_OF = new Int8Array(256).fill(-1);
ADD_SUB_OPS.forEach((op, i) => (SEL_OF[op] = i));

/**
 * The add-sub trace: one row per event (height `heightFor(events.length)`, padding rows all zero),
 * recording the four z limbs of each row on range16. Throws a TypeError on an opcode of another
 * table, a RangeError on a 32-bit event with nonzero high words, and an Error when an event's
 * result is not the wrapped sum or difference.
 */
export function addSubTrace(events: AluEvents, counts: LookupCounts): Matrix {
  const n = events.length;
  const w = AddSubCols.width;
  const height = heightFor(n);
  const v = new Uint32Array(height * w);
  const c16 = counts.range16;
  const { op, x: xs, xh: xhs, y: ys, yh: yhs, z: zs, zh: zhs } = events;
  for (let i = 0; i < n; i++) {
    const o = op[i]!;
    const sel = o >= 0 && o < 256 ? SEL_OF[o]! : -1;
    if (sel < 0) throw new TypeError(`addSubTrace: event ${i} has opcode ${o}, not one of add-sub's`);
    const isSub = sel === 2 || sel === 3 || sel === 5;
    const is64 = sel >= 4;
    const x = xs[i]! >>> 0, y = ys[i]! >>> 0, xh = xhs[i]! >>> 0, yh = yhs[i]! >>> 0;
    if (!is64 && (xh !== 0 || yh !== 0)) throw new RangeError(`addSubTrace: event ${i} (32-bit) has nonzero high words`);
    // z limbs: the wrapped sum / difference, limb by limb (no BigInt)
    const x0 = x & 0xffff, x1 = x >>> 16, x2 = xh & 0xffff, x3 = xh >>> 16;
    const y0 = y & 0xffff, y1 = y >>> 16, y2 = yh & 0xffff, y3 = yh >>> 16;
    const sg = isSub ? -1 : 1;
    let t = x0 + sg * y0;
    const z0 = t & 0xffff;
    t = x1 + sg * y1 + (t >> 16);
    const z1 = t & 0xffff;
    t = is64 ? x2 + sg * y2 + (t >> 16) : 0;
    const z2 = t & 0xffff;
    t = is64 ? x3 + sg * y3 + (t >> 16) : 0;
    const z3 = t & 0xffff;
    const z = (z0 | (z1 << 16)) | 0, zh = (z2 | (z3 << 16)) | 0;
    if (z !== zs[i] || zh !== zhs[i]) {
      throw new Error(`addSubTrace: event ${i} (${ADD_SUB_OPS_NAMES[sel]}) claims (${zs[i]}, ${zhs[i]}), the result is (${z}, ${zh})`);
    }
    // carries of p + q = s: (x, y) for add, (y, z) for sub; the chain is cut after limb 1 on 32-bit rows
    const row = i * w;
    const c0 = (isSub ? y0 + z0 : x0 + y0) >>> 16;
    const c1 = ((isSub ? y1 + z1 : x1 + y1) + c0) >>> 16;
    const c2 = ((isSub ? y2 + z2 : x2 + y2) + (is64 ? c1 : 0)) >>> 16;
    const c3 = ((isSub ? y3 + z3 : x3 + y3) + c2) >>> 16;
    v[row + AddSubCols.carry] = c0;
    v[row + AddSubCols.carry + 1] = c1;
    v[row + AddSubCols.carry + 2] = c2;
    v[row + AddSubCols.carry + 3] = c3;
    v[row + AddSubCols.x] = x0;
    v[row + AddSubCols.x + 1] = x1;
    v[row + AddSubCols.x + 2] = x2;
    v[row + AddSubCols.x + 3] = x3;
    v[row + AddSubCols.y] = y0;
    v[row + AddSubCols.y + 1] = y1;
    v[row + AddSubCols.y + 2] = y2;
    v[row + AddSubCols.y + 3] = y3;
    v[row + AddSubCols.z] = z0;
    v[row + AddSubCols.z + 1] = z1;
    v[row + AddSubCols.z + 2] = z2;
    v[row + AddSubCols.z + 3] = z3;
    v[row + AddSubCols.sel + sel] = 1;
    range16.record(c16, z0);
    range16.record(c16, z1);
    range16.record(c16, z2);
    range16.record(c16, z3);
  }
  return { values: v, width: w, height };
}
