/**
 * The lt table: every comparison of the ISA, z = 1 when the relation holds and 0 otherwise, one
 * row per event received on the ALU bus. Opcodes (`LT_OPS`): `eq ne lt_s lt_u gt_s gt_u le_s le_u
 * ge_s ge_u` and their `.i` forms (i32), `eqz`, the same ten on i64 operands (`eq64` ...
 * `ge_u64`), `eqz64`, and compare-and-branch `br_eq` ... `br_ge_u.i` (z = the branch condition).
 * Semantics: `ISA[op].semantics` (vm/isa.ts), WebAssembly's i32/i64 comparisons.
 *
 * One core for all of them. Operands are four u16 limbs, x = (x0, x1, xh0, xh1) (high limbs 0 on
 * 32-bit rows). A one-hot marker m_j sits on the most significant limb where x and y differ (none:
 * x = y); with M = sum m_j, the core states
 *   (1 - m_k - ... - m_3) (x_k - y_k) = 0 for every k       limbs above the marker are equal
 *   v = d + 2^16 M - c (2^16 + 1),  v in [0, 2^16)          range16; c = [x < y]
 * where d = sum_j m_j (y_j - x_j) + 2^16 isSigned (sx - sy) is y - x on the marked limb. For c = 1
 * the range check says d in [1, 2^16], for c = 0 it says d in [-2^16, -1]: the marked limb really
 * differs and c is the direction. Signed comparisons compare x XOR 2^(w-1) as unsigned, i.e. the
 * top limb t (limb 1, or limb 3 on i64 rows) becomes t + 2^15 - 2^16 s with s its sign bit; that
 * flip only changes d on the top limb, and only when the signs differ, which forces the marker
 * there, hence the single 2^16 isSigned (sx - sy) term. The sign bits are pinned by
 * t = xr + 2^15 sx with 2 xr looked up on range16 (so xr < 2^15). Then the three relations are
 * [x < y] = c, [x > y] = M - c, [x = y] = 1 - M, and each opcode is the OR of some of them, given
 * by three bits (onLt, onGt, onEq): eq = (0,0,1), ne = (1,1,0), lt = (1,0,0), gt = (0,1,0),
 * le = (1,0,1), ge = (0,1,1). So z = onLt c + onGt (M - c) + onEq (1 - M): degree 2, no swap.
 *
 * Opcode. The ISA numbers the i32 compares as eq + 2 kind + isImm, the branches br_eq + 2 kind +
 * isImm, the i64 compares eq64 + kind, with kind = 0..9 in the order above (s before u). Here
 * kind = 2 onLt + 4 onGt - 5 onLt onGt + 4 onLt onEq + 4 onGt onEq + isUnsigned (a column), and
 * op = eq isReal + (br_eq - eq) isBr + (eq64 - eq) is64 + (eqz - eq) isEqz + (eqz64 - eqz - eq64 + eq)
 * is64 isEqz + (2 - is64) kind + isImm (a column), with isReal = onLt + onGt + onEq - onLt onGt
 * - onLt onEq - onGt onEq (1 on the six valid patterns, 0 on (0,0,0) and (1,1,1)). The module
 * checks at load that this formula gives exactly the 52 opcodes; the constraints exclude every
 * other bit pattern (isSigned + isUnsigned = onLt XOR onGt, br/.i forms are neither 64-bit nor
 * eqz, eqz is the eq relation with y = 0), so a real row receives only an lt opcode with its
 * semantics, and an all-zero padding row satisfies everything and receives nothing.
 *
 * Soundness of the field equations: limbs are u16 (x, y from the CPU; v, 2 xr, 2 yr range16) and
 * the bits are bits, so every constraint is an integer identity of values below 2^19 < p: d lies
 * in (-2^17, 2^17), v in (-2^18, 2^18), t = xr + 2^15 sx in [0, 2^16). With t and sx fixed by x,
 * 2 xr = 2 (t - 2^15 sx) in [0, 2^16) only for the true sign bit. A 32-bit row may not mark a
 * high limb, so it compares the low words even if the CPU sent high words.
 *
 * Cost: 30 columns, degree 2, 4 interactions (ALU + 3 range16). Compared with one selector per
 * opcode (52) this trades columns for the `kind`/`op` columns; the table is hot (branches).
 * SP1's `lt` chip also finds the most significant differing byte with one-hot markers and range
 * checks the difference; here on u16 limbs, with eq/ne and the branch forms in the same table.
 * @module
 */
import { defineTable } from '../../prover/air/builder.ts';
import type { Expr } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { ISA, OP } from '../isa.ts';
import { heightFor, receiveAlu, type AluEvents, type LookupCounts } from './alu.ts';
import { range16 } from './range.ts';

/** Relation kinds in ISA order: index = kind, [onLt, onGt, onEq, isUnsigned]. */
const KINDS: ReadonlyArray<readonly [string, number, number, number, number]> = [
  ['eq', 0, 0, 1, 0],
  ['ne', 1, 1, 0, 0],
  ['lt_s', 1, 0, 0, 0],
  ['lt_u', 1, 0, 0, 1],
  ['gt_s', 0, 1, 0, 0],
  ['gt_u', 0, 1, 0, 1],
  ['le_s', 1, 0, 1, 0],
  ['le_u', 1, 0, 1, 1],
  ['ge_s', 0, 1, 1, 0],
  ['ge_u', 0, 1, 1, 1],
];

const EQ = OP['eq']!, BR_EQ = OP['br_eq']!, EQ64 = OP['eq64']!, EQZ = OP['eqz']!, EQZ64 = OP['eqz64']!;

/** Decoded bits of an lt opcode. */
interface Decoded {
  readonly onLt: number;
  readonly onGt: number;
  readonly onEq: number;
  readonly isSigned: number;
  readonly isUnsigned: number;
  readonly is64: number;
  readonly isBr: number;
  readonly isImm: number;
  readonly isEqz: number;
  readonly kind: number;
}

/** The opcode formula of the module doc (the `op` constraint evaluated on bits). */
function opcodeFromBits(d: Decoded): number {
  const isReal = d.onLt + d.onGt + d.onEq - d.onLt * d.onGt - d.onLt * d.onEq - d.onGt * d.onEq;
  return EQ * isReal + (BR_EQ - EQ) * d.isBr + (EQ64 - EQ) * d.is64 + (EQZ - EQ) * d.isEqz + (EQZ64 - EQZ - EQ64 + EQ) * d.is64 * d.isEqz + (2 - d.is64) * d.kind + d.isImm;
}

const DECODE: (Decoded | undefined)[] = [];
{
  const put = (mnemonic: string, kind: number, form: { is64?: number; isBr?: number; isImm?: number; isEqz?: number }): void => {
    const [, onLt, onGt, onEq, isUnsigned] = KINDS[kind]!;
    const ordered = onLt ^ onGt;
    const d: Decoded = { onLt, onGt, onEq, isSigned: ordered - isUnsigned, isUnsigned, is64: form.is64 ?? 0, isBr: form.isBr ?? 0, isImm: form.isImm ?? 0, isEqz: form.isEqz ?? 0, kind: 2 * onLt + 4 * onGt - 5 * onLt * onGt + 4 * onLt * onEq + 4 * onGt * onEq + isUnsigned };
    const op = OP[mnemonic];
    if (op === undefined || ISA[op]!.table !== 'lt' || d.kind !== kind || opcodeFromBits(d) !== op) {
      throw new Error(`lt table: the opcode formula does not give ${mnemonic} (the ISA numbering changed?)`);
    }
    DECODE[op] = Object.freeze(d);
  };
  KINDS.forEach(([name], kind) => {
    put(name, kind, {});
    put(`${name}.i`, kind, { isImm: 1 });
    put(`br_${name}`, kind, { isBr: 1 });
    put(`br_${name}.i`, kind, { isBr: 1, isImm: 1 });
    put(`${name}64`, kind, { is64: 1 });
  });
  put('eqz', 0, { isEqz: 1 });
  put('eqz64', 0, { is64: 1, isEqz: 1 });
}

/** The opcodes this table proves (52, ascending). */
export const LT_OPS: readonly number[] = Object.freeze(DECODE.flatMap((d, op) => (d ? [op] : [])));
if (LT_OPS.length !== ISA.filter((d) => d.table === 'lt').length) throw new Error('lt table: LT_OPS does not cover the ISA lt opcodes');

export const LtCols = layout({
  x: 4, // first operand (x0, x1, xh0, xh1), u16: pinned by the ALU bus
  y: 4, // second operand or immediate (0 for eqz), u16: pinned by the ALU bus
  z: 1, // result bit (z1 = zh = 0 on the bus): pinned by the z equation
  marker: 4, // one-hot: the most significant limb where x and y differ (none if equal): pinned boolean, M a bit, limb equalities, range16 on v
  c: 1, // [x < y] (signed or unsigned per op): pinned boolean, by the v equation and range16
  v: 1, // the marked difference minus 1 (x < y) or plus 2^16 (x > y), 0 if equal: pinned by its equation, range16
  sx: 1, // sign bit of x's top limb (limb 1, or 3 on i64 rows): pinned boolean, by the sign equation and range16 on 2 xr
  sy: 1, // sign bit of y's top limb: likewise
  xr: 1, // the top limb of x without its sign bit: pinned by the sign equation, range16 on 2 xr (< 2^15)
  yr: 1, // the top limb of y without its sign bit: likewise
  onLt: 1, // z includes x < y: pinned boolean, by the kind/op equations and the ALU bus (op)
  onGt: 1, // z includes x > y: likewise
  onEq: 1, // z includes x = y: likewise
  isSigned: 1, // signed order relation: pinned boolean, by isSigned + isUnsigned = onLt XOR onGt
  isUnsigned: 1, // unsigned order relation: pinned boolean, by the same equation and the op (via kind)
  is64: 1, // i64 operands: pinned boolean, by the op equation and the ALU bus
  isBr: 1, // compare-and-branch form: pinned boolean, by the form exclusions, op and the ALU bus
  isImm: 1, // .i form (y is the immediate): likewise
  isEqz: 1, // eqz / eqz64 (y = 0): pinned boolean, by the eqz constraints, op and the ALU bus
  kind: 1, // relation index 0..9 in ISA order: pinned by the kind equation
  op: 1, // the ISA opcode: pinned by the op equation and the ALU bus
});

export const ltTable = defineTable({
  name: 'lt',
  cols: LtCols,
  eval(b) {
    const r = b.local(LtCols);
    const { onLt, onGt, onEq, isSigned, isUnsigned, is64, isBr, isImm, isEqz, c, sx, sy } = r;
    const m = r.marker;
    const x = r.x, y = r.y;
    const isReal = b.sub(b.add(onLt, onGt, onEq), b.add(b.mul(onLt, onGt), b.mul(onLt, onEq), b.mul(onGt, onEq)));
    b.assertBools('relation bits are bits (onLt, onGt, onEq)', [onLt, onGt, onEq]);
    b.assertBools('form bits are bits (isSigned, isUnsigned, is64, isBr, isImm, isEqz)', [isSigned, isUnsigned, is64, isBr, isImm, isEqz]);
    b.assertZero('isSigned + isUnsigned = onLt XOR onGt (order relations only)', b.sub(b.add(isSigned, isUnsigned), b.sub(b.add(onLt, onGt), b.mul(2, onLt, onGt))));
    b.assertZero('br and .i forms are 32-bit binary forms (not 64-bit, not eqz)', b.mul(b.add(isBr, isImm), b.add(is64, isEqz)));
    b.assertZero('eqz is the eq relation', b.mul(isEqz, b.add(onLt, onGt)));
    b.assertZero('eqz compares with y = 0', b.mul(isEqz, b.sum(y)));
    b.assertZero('kind = 2 onLt + 4 onGt - 5 onLt onGt + 4 onLt onEq + 4 onGt onEq + isUnsigned',
      b.sub(r.kind, b.add(b.sum([onLt, onGt, isUnsigned], [2, 4, 1]), b.sum([b.mul(onLt, onGt), b.mul(onLt, onEq), b.mul(onGt, onEq)], [-5, 4, 4]))));
    b.assertZero('op = the ISA opcode of (form, kind)',
      b.sub(r.op, b.add(
        b.sum([isReal, isBr, is64, isEqz, b.mul(is64, isEqz), isImm], [EQ, BR_EQ - EQ, EQ64 - EQ, EQZ - EQ, EQZ64 - EQZ - EQ64 + EQ, 1]),
        b.mul(b.sub(2, is64), r.kind),
      )));

    // the comparison core
    b.assertBools('markers are bits', m);
    const M = b.sum(m);
    b.assertBool('at most one marker', M);
    b.assertZero('32-bit rows mark no high limb', b.mul(b.sub(1, is64), b.add(m[2]!, m[3]!)));
    for (let k = 0; k < 4; k++) {
      b.assertZero(`limbs above the marker are equal (limb ${k})`, b.mul(b.sub(1, b.sum(m.slice(k))), b.sub(x[k]!, y[k]!)));
    }
    b.assertBools('sign bits are bits (sx, sy)', [sx, sy]);
    const top = (w: readonly Expr[]): Expr => b.add(w[1]!, b.mul(is64, b.sub(w[3]!, w[1]!)));
    b.assertZero('top limb of x = xr + 2^15 sx', b.sub(top(x), b.add(r.xr, b.mul(0x8000, sx))));
    b.assertZero('top limb of y = yr + 2^15 sy', b.sub(top(y), b.add(r.yr, b.mul(0x8000, sy))));
    b.assertBool('c is a bit', c);
    const d = b.add(b.sum(m.map((mj, j) => b.mul(mj, b.sub(y[j]!, x[j]!)))), b.mul(0x10000, isSigned, b.sub(sx, sy)));
    b.assertZero('v = d + 2^16 M - c (2^16 + 1) (d: y - x on the marked limb, top limb sign-flipped if signed)',
      b.sub(r.v, b.sub(b.add(d, b.mul(0x10000, M)), b.mul(0x10001, c))));
    b.assertZero('z = onLt [x<y] + onGt [x>y] + onEq [x=y]',
      b.sub(r.z, b.add(b.mul(onLt, c), b.mul(onGt, b.sub(M, c)), b.mul(onEq, b.sub(1, M)))));
    range16.lookup(b, 'v, 2 xr and 2 yr are u16', [r.v, b.mul(2, r.xr), b.mul(2, r.yr)], isReal);
    receiveAlu(b, r.op, { x: x.slice(0, 2), xh: x.slice(2), y: y.slice(0, 2), yh: y.slice(2), z: [r.z, 0], zh: [0, 0] }, isReal);
  },
});

const C = LtCols;

/**
 * The lt trace: one row per event (height `heightFor(events.length)`, padding rows all zero),
 * recording v, 2 xr and 2 yr of each row on range16. Throws a TypeError on an opcode of another
 * table, a RangeError on a 32-bit event with high words or an eqz event with y != 0, and an
 * Error when an event's z is not the comparison's result.
 */
export function ltTrace(events: AluEvents, counts: LookupCounts): Matrix {
  const n = events.length;
  const w = C.width;
  const height = heightFor(n);
  const t = new Uint32Array(height * w);
  const c16 = counts.range16;
  const { op: ops, x: xs, xh: xhs, y: ys, yh: yhs, z: zs, zh: zhs } = events;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    const dec = op >= 0 ? DECODE[op] : undefined;
    if (!dec) throw new TypeError(`ltTrace: event ${i} has opcode ${op}, not one of the lt table's`);
    const x = xs[i]! >>> 0, y = ys[i]! >>> 0, xh = xhs[i]! >>> 0, yh = yhs[i]! >>> 0;
    if (!dec.is64 && (xh !== 0 || yh !== 0)) throw new RangeError(`ltTrace: event ${i} (${ISA[op]!.mnemonic}, 32-bit) has nonzero high words`);
    if (dec.isEqz && (y !== 0 || yh !== 0)) throw new RangeError(`ltTrace: event ${i} (${ISA[op]!.mnemonic}) has y != 0`);
    const row = i * w;
    const x0 = x & 0xffff, x1 = x >>> 16, x2 = xh & 0xffff, x3 = xh >>> 16;
    const y0 = y & 0xffff, y1 = y >>> 16, y2 = yh & 0xffff, y3 = yh >>> 16;
    const xt = dec.is64 ? x3 : x1, yt = dec.is64 ? y3 : y1;
    const sx = xt >>> 15, sy = yt >>> 15;
    // the most significant differing limb
    const mk = x3 !== y3 ? 3 : x2 !== y2 ? 2 : x1 !== y1 ? 1 : x0 !== y0 ? 0 : -1;
    let c = 0, v = 0, M = 0;
    if (mk >= 0) {
      M = 1;
      const xj = mk === 3 ? x3 : mk === 2 ? x2 : mk === 1 ? x1 : x0;
      const yj = mk === 3 ? y3 : mk === 2 ? y2 : mk === 1 ? y1 : y0;
      const d = yj - xj + 0x10000 * dec.isSigned * (sx - sy);
      c = d > 0 ? 1 : 0;
      v = c ? d - 1 : d + 0x10000;
      t[row + C.marker + mk] = 1;
    }
    const z = dec.onLt * c + dec.onGt * (M - c) + dec.onEq * (1 - M);
    if (zs[i] !== z || zhs[i] !== 0) throw new Error(`ltTrace: event ${i} (${ISA[op]!.mnemonic}) claims (${zs[i]}, ${zhs[i]}), the result is ${z}`);
    t[row + C.x] = x0;
    t[row + C.x + 1] = x1;
    t[row + C.x + 2] = x2;
    t[row + C.x + 3] = x3;
    t[row + C.y] = y0;
    t[row + C.y + 1] = y1;
    t[row + C.y + 2] = y2;
    t[row + C.y + 3] = y3;
    t[row + C.z] = z;
    t[row + C.c] = c;
    t[row + C.v] = v;
    t[row + C.sx] = sx;
    t[row + C.sy] = sy;
    t[row + C.xr] = xt & 0x7fff;
    t[row + C.yr] = yt & 0x7fff;
    t[row + C.onLt] = dec.onLt;
    t[row + C.onGt] = dec.onGt;
    t[row + C.onEq] = dec.onEq;
    t[row + C.isSigned] = dec.isSigned;
    t[row + C.isUnsigned] = dec.isUnsigned;
    t[row + C.is64] = dec.is64;
    t[row + C.isBr] = dec.isBr;
    t[row + C.isImm] = dec.isImm;
    t[row + C.isEqz] = dec.isEqz;
    t[row + C.kind] = dec.kind;
    t[row + C.op] = op;
    range16.record(c16, v);
    range16.record(c16, 2 * (xt & 0x7fff));
    range16.record(c16, 2 * (yt & 0x7fff));
  }
  return { values: t, width: w, height };
}
