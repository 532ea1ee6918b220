/**
 * The divrem table: proves `div_s`, `div_u`, `rem_s`, `rem_u` (and their `.i` forms) and `div_s64`,
 * `div_u64`, `rem_s64`, `rem_u64` with exactly WebAssembly's semantics: truncating division, the
 * remainder taking the sign of the dividend. One row per event, received on the ALU bus. A trapping
 * event (divisor 0, or INT_MIN / -1 for the signed division) has NO valid row.
 *
 * One 64-bit frame for all. A row holds 64-bit two's-complement patterns X, Y, Q, R (quotient and
 * remainder) with sign bits sx, sy, sq, sr (all 0 for unsigned ops). 32-bit rows hold the 32-bit
 * operands sign-extended (signed ops) or zero-extended (unsigned): the i64 division of the extended
 * values is the i32 division extended, so one set of equations proves both widths. In the
 * equations X's high limbs on 32-bit rows are 0xffff sx (the tuple's xh must be 0 there, constrained)
 * and Y's high bytes are constrained to 255 sy (they are not in the tuple, whose yh and zh are
 * is64 * (high limbs), i.e. 0 on 32-bit rows).
 *
 * The claim, as integers:
 *   (1) X = Q * Y + R,   (2) |R| < |Y|,   (3) R = 0 or sign(R) = sign(X).
 * These fix Q and R uniquely (truncating division: Q = T, the true quotient), and (2) implies Y != 0.
 * Readings: X, Y, R are the signed (unsigned) values of their patterns, s their top bit. Q is read as
 * the 65-bit value q + ... - 2^64 sq (q the 64-bit unsigned pattern, sq a bit), in [-2^64, 2^64):
 * on rem rows the quotient is internal and may be T = 2^63 (rem_s64 INT64_MIN % -1 = 0 is defined),
 * so sq is only tied to a top bit on signed DIVISION rows.
 *
 * (1) Product. Y and Q are bytes (u16 x u16 products exceed p = 2^31 - 2^27 + 1), extended to 16
 * bytes (byte i >= 8 is 255 s); X and R are u16 limbs, extended to 8 limbs (0xffff s). With
 * P_m = sum_{i+j=m} Qe_i Ye_j (m < 16, at most 16 terms, P_m < 2^20), for u16 limbs k < 8:
 *     P_{2k} + 256 P_{2k+1} + Re_k + c_{k-1} = Xe_k + 2^16 c_k        (c_{-1} = 0)
 * with c_k range-checked below 2^14 (c and c + 2^16 - 2^14 on range16; honest c < 2^12.1). Left
 * side < 2^28.1, right side < 2^16 + 2^30 < p: integer equations, so Q*Y + R = X (mod 2^128) for the
 * 128-bit extensions. As integers |Q*Y + R - X| <= 2^64 * 2^63 + 2^63 + 2^63 < 2^128 (signed), and
 * 0 <= Q*Y + R, X < 2^128 (unsigned), so (1) holds over the integers.
 * Signs: s is the top bit of the top byte/limb (byte 3 / limb 1 on 32-bit rows, 7 / 3 on 64-bit):
 * b - 128 s in [0, 128), by looking 2(b - 128 s) up as a byte / u16 (which excludes the field
 * wrap-around), on signed rows for x, y, r and on signed division rows for q; unsigned rows have
 * every s = 0.
 *
 * Overflow. On div_s64 rows Q is an i64 (sq its top bit), so INT64_MIN / -1, whose only solution
 * is T = 2^63, has no row. On 32-bit div_s rows sq is bit 31 of q, and lo + 2^32 hi - 2^64 sq = T
 * has a solution only for T in [-2^31, 2^31), namely hi = 0xffffffff sq: the 32-bit quotient is the
 * low word of a sign-extended T, and INT_MIN / -1 (T = 2^31) has no row. On 32-bit div_u rows
 * sq = 0 and T < 2^32 forces hi = 0. Hence Q's high half needs no constraint on 32-bit rows; R's
 * neither (R = lo + 2^32 hi - 2^64 sr with sr = bit 31 of lo and R in (-2^31, 2^31) likewise).
 *
 * (2) Comparison. D = |Y| - |R| - 1 in u16 limbs d_k (range16), with |Y| = (1 - 2 sy) Ybar + 2^64 sy
 * (Ybar the unsigned reading of the pattern), limb by limb with small signed borrows b_k:
 *     (1-2sy) Y_k - (1-2sr) R_k + b_{k-1} [- 1 if k = 0] = d_k + 2^16 b_k,   b_3 := sr - sy
 * b_0..b_2 lie in [-4, 251] (b + 4 looked up as a byte; honest ones in [-3, 1]); each side is below
 * 2^25 in absolute value, so these are integer equations and their weighted sum is
 * D = |Y| - |R| - 1 with D in [0, 2^64): |R| < |Y|, and Y = 0 (division by zero) is impossible.
 *
 * (3) Remainder sign (signed rows): sr (1 - sx) = 0 and sx (1 - sr) (R_0 + R_1 + R_2 + R_3) = 0
 * (limbs are range-checked, so the sum is 0 only for R = 0).
 *
 * Degree: the product and comparison equations are degree 2 and hold on all-zero padding rows;
 * the gated checks are degree <= 3 and the tuple entries degree 2 (bus constraints degree 3).
 * Reference: SP1's `alu/divrem` chip (c * quotient + remainder = b over a double-width product with
 * sign extension, |remainder| < |c| via absolute values, remainder sign rule); we compare through a
 * borrow chain instead of separate abs/lt chips so the table needs no other ALU table.
 * @module
 */
import { defineTable, type AirBuilder, type Table } from '../../prover/air/builder.ts';
import type { Expr, ExprLike } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import { P } from '../../prover/field/babybear.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { OP } from '../isa.ts';
import { heightFor, opcodeOf, receiveAlu, type AluEvents, type LookupCounts } from './alu.ts';
import { BYTE_RANGE, bytes } from './bytes.ts';
import { range16 } from './range.ts';

const NAMES = ['div_s', 'div_s.i', 'div_u', 'div_u.i', 'rem_s', 'rem_s.i', 'rem_u', 'rem_u.i', 'div_s64', 'div_u64', 'rem_s64', 'rem_u64'] as const;

/** The opcodes this table proves, in selector order. */
export const DIVREM_OPS: readonly number[] = Object.freeze(NAMES.map((n) => OP[n]!));

// Per selector: 64-bit, signed, remainder.
const IS64 = NAMES.map((n) => n.endsWith('64'));
const SIGNED = NAMES.map((n) => n.includes('_s'));
const ISREM = NAMES.map((n) => n.startsWith('rem'));

/** Carries are proved below 2^14 (honest ones are below 2^12.1): c and c + CARRY_SHIFT are u16. */
const CARRY_SHIFT = 0x10000 - 0x4000;
/** Borrows b of the comparison are proved in [-4, 251]: b + BORROW_SHIFT is a byte. */
const BORROW_SHIFT = 4;
const TWO16 = 0x10000;

export const DivRemCols = layout({
  x: 4, // x0, x1, xh0, xh1: the dividend's u16 limbs as received: pinned by the ALU bus (xh = 0 on 32-bit rows, constrained)
  y: 8, // divisor bytes (extended pattern): pinned by bytes.range, the ALU bus (y, and yh on 64-bit rows), the 32-bit extension constraint
  q: 8, // quotient bytes (extended pattern): pinned by bytes.range and (1)-(3) (a unique quotient, see the module doc)
  r: 4, // remainder u16 limbs (extended pattern): pinned by range16 and (1)-(3) (a unique remainder)
  sign: 4, // sx, sy, sq, sr: pinned bits, 0 on unsigned rows; on signed rows the top bit of the top limb/byte (lookups), except sq on rem rows (pinned by (1)-(3))
  carry: 8, // carry out of each u16 limb of Q*Y + R: pinned by the product equations, range16 on c and c + 2^16 - 2^14
  d: 4, // u16 limbs of |y| - |r| - 1: pinned by the comparison equations and range16
  borrow: 3, // signed borrows of the comparison: pinned by the comparison equations, b + 4 a byte
  sel: 12, // one-hot over DIVREM_OPS: pinned bits with a bit sum, and by the ALU bus (the CPU's opcode)
});

const PRODUCT_LABELS = Array.from({ length: 8 }, (_, k) => `product limb ${k}: P${2 * k} + 256 P${2 * k + 1} + r${k}${k > 0 ? ` + c${k - 1}` : ''} = x${k} + 2^16 c${k}`);
const COMPARE_LABELS = Array.from({ length: 4 }, (_, k) => `|y| - |r| - 1 limb ${k}: (1-2sy) y${k} - (1-2sr) r${k}${k > 0 ? ` + b${k - 1}` : ' - 1'} = d${k} + 2^16 ${k < 3 ? `b${k}` : '(sr - sy)'}`);

function sumWhere(b: AirBuilder, sel: readonly Expr[], f: (k: number) => boolean): Expr {
  return b.sum(sel.filter((_, k) => f(k)));
}

export const divremTable: Table<typeof DivRemCols.spec> = defineTable({
  name: 'divrem',
  cols: DivRemCols,
  eval(b) {
    const r = b.local(DivRemCols);
    const [sx, sy, sq, sr] = r.sign as [Expr, Expr, Expr, Expr];
    for (const s of r.sel) b.assertZero('selectors are bits', b.mul(s, b.sub(s, 1)));
    const isReal = b.sum(r.sel);
    b.assertBool('at most one selector (isReal is a bit)', isReal);
    const is64 = sumWhere(b, r.sel, (k) => IS64[k]!);
    const is32 = sumWhere(b, r.sel, (k) => !IS64[k]!);
    const isSigned = sumWhere(b, r.sel, (k) => SIGNED[k]!);
    const isDiv = sumWhere(b, r.sel, (k) => !ISREM[k]!);
    const isRem = sumWhere(b, r.sel, (k) => ISREM[k]!);
    const isDiv64 = sumWhere(b, r.sel, (k) => IS64[k]! && !ISREM[k]!);
    const isRem64 = sumWhere(b, r.sel, (k) => IS64[k]! && ISREM[k]!);
    const isDivS32 = sumWhere(b, r.sel, (k) => !IS64[k]! && SIGNED[k]! && !ISREM[k]!);
    const isDivS64 = sumWhere(b, r.sel, (k) => IS64[k]! && SIGNED[k]! && !ISREM[k]!);

    for (const s of r.sign) b.assertZero('sign bits are bits', b.mul(s, b.sub(s, 1)));
    b.assertZero('unsigned rows: sign bits are 0', b.mul(b.sub(isReal, isSigned), b.sum(r.sign)));
    // 32-bit rows: xh is 0 (u16 limbs from the CPU: a zero sum means both zero); Y, Q, R are extended
    b.assertZero('32-bit rows: xh is 0', b.mul(is32, b.add(r.x[2]!, r.x[3]!)));
    // (Q's and R's high halves need no such constraint: see "32-bit rows" in the module doc.)
    for (let k = 4; k < 8; k++) b.assertZero('32-bit rows: y bytes 4..7 are 255 sy', b.mul(is32, b.sub(r.y[k]!, b.mul(255, sy))));

    // (1) Q * Y + R = X over the 128-bit extensions
    const qe: ExprLike[] = [...r.q, ...Array<Expr>(8).fill(b.mul(255, sq))];
    const ye: ExprLike[] = [...r.y, ...Array<Expr>(8).fill(b.mul(255, sy))];
    const P: Expr[] = [];
    for (let m = 0; m < 16; m++) {
      const terms: Expr[] = [];
      for (let i = 0; i <= m; i++) if (i < 8 || m - i < 8) terms.push(b.mul(qe[i]!, ye[m - i]!));
      P.push(b.sum(terms));
    }
    const xe = (k: number): ExprLike =>
      k < 2 ? r.x[k]! : k < 4 ? b.add(r.x[k]!, b.mul(is32, b.mul(0xffff, sx))) : b.mul(0xffff, sx);
    const re = (k: number): ExprLike => (k < 4 ? r.r[k]! : b.mul(0xffff, sr));
    for (let k = 0; k < 8; k++) {
      const lhs = b.add(P[2 * k]!, b.mul(256, P[2 * k + 1]!), re(k), k > 0 ? r.carry[k - 1]! : 0);
      b.assertEq(PRODUCT_LABELS[k]!, lhs, b.add(xe(k), b.mul(TWO16, r.carry[k]!)));
    }

    // (2) |Y| - |R| - 1 = D >= 0
    const ylimb = (k: number): Expr => b.add(r.y[2 * k]!, b.mul(256, r.y[2 * k + 1]!));
    const qlimb = (k: number): Expr => b.add(r.q[2 * k]!, b.mul(256, r.q[2 * k + 1]!));
    const sigmaY = b.sub(1, b.mul(2, sy));
    const sigmaR = b.sub(1, b.mul(2, sr));
    for (let k = 0; k < 4; k++) {
      const lhs = b.add(b.mul(sigmaY, ylimb(k)), b.neg(b.mul(sigmaR, r.r[k]!)), k === 0 ? b.neg(isReal) : r.borrow[k - 1]!);
      const out = k < 3 ? r.borrow[k]! : b.sub(sr, sy);
      b.assertEq(COMPARE_LABELS[k]!, lhs, b.add(r.d[k]!, b.mul(TWO16, out)));
    }

    // (3) the remainder has the dividend's sign, or is 0
    b.assertZero('a negative remainder needs a negative dividend', b.mul(sr, b.sub(1, sx)));
    b.assertZero('a negative dividend with a nonnegative remainder needs r = 0', b.mul(sx, b.sub(1, sr), b.sum(r.r)));

    // lookups
    for (let i = 0; i < 8; i += 2) {
      bytes.range(b, r.y[i]!, r.y[i + 1]!, isReal);
      bytes.range(b, r.q[i]!, r.q[i + 1]!, isReal);
    }
    range16.lookup(b, 'r limbs are u16', r.r, isReal);
    range16.lookup(b, 'd limbs are u16', r.d, isReal);
    range16.lookup(b, 'carries are below 2^14: c is u16', r.carry, isReal);
    range16.lookup(b, 'carries are below 2^14: c + 2^16 - 2^14 is u16', r.carry.map((c) => b.add(c, CARRY_SHIFT)), isReal);
    bytes.range(b, b.add(r.borrow[0]!, BORROW_SHIFT), b.add(r.borrow[1]!, BORROW_SHIFT), isReal);
    bytes.range(b, b.add(r.borrow[2]!, BORROW_SHIFT), 0, isReal);
    // signed rows: s is the top bit of the top limb/byte (bytes 3 / limb 1 on 32-bit rows, 7 / 3 on 64-bit)
    const top = (lo: Expr, hi: Expr): Expr => b.add(lo, b.mul(is64, b.sub(hi, lo)));
    const msb2 = (v: Expr, s: Expr, half: number): Expr => b.mul(2, b.sub(v, b.mul(half, s)));
    range16.lookup(b, 'signed rows: sx is the top bit of x', [msb2(top(r.x[1]!, r.x[3]!), sx, 0x8000)], isSigned);
    range16.lookup(b, 'signed rows: sr is the top bit of r', [msb2(top(r.r[1]!, r.r[3]!), sr, 0x8000)], isSigned);
    // sq only on signed division rows (on rem_s rows Q may be 2^63, see (1)); 0 on the others
    const qTop = b.add(b.mul(isDivS32, b.sub(r.q[3]!, b.mul(128, sq))), b.mul(isDivS64, b.sub(r.q[7]!, b.mul(128, sq))));
    bytes.range(b, msb2(top(r.y[3]!, r.y[7]!), sy, 128), b.mul(2, qTop), isSigned);

    const z = (k: number): Expr => b.add(b.mul(isDiv, qlimb(k)), b.mul(isRem, r.r[k]!));
    const zh = (k: number): Expr => b.add(b.mul(isDiv64, qlimb(k)), b.mul(isRem64, r.r[k]!));
    receiveAlu(
      b,
      opcodeOf(b, r.sel, DIVREM_OPS),
      {
        x: [r.x[0]!, r.x[1]!],
        xh: [r.x[2]!, r.x[3]!],
        y: [ylimb(0), ylimb(1)],
        yh: [b.mul(is64, ylimb(2)), b.mul(is64, ylimb(3))],
        z: [z(0), z(1)],
        zh: [zh(2), zh(3)],
      },
      isReal,
    );
  },
});

// ---- trace generation (plain numbers; 64-bit values as (lo, hi) uint32 pairs) ----

let QL = 0, QH = 0, RL = 0, RH = 0;

/** Unsigned 64-bit division n / d (d != 0) by shift and subtract; result in QL:QH, RL:RH. */
function divU64(nl: number, nh: number, dl: number, dh: number): void {
  let ql = 0, qh = 0, rl = 0, rh = 0;
  for (let i = 63; i >= 0; i--) {
    const bit = i >= 32 ? (nh >>> (i - 32)) & 1 : (nl >>> i) & 1;
    const top = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = ((rl << 1) | bit) >>> 0;
    if (top !== 0 || rh > dh || (rh === dh && rl >= dl)) {
      const lo = rl - dl;
      rl = lo >>> 0;
      rh = (rh - dh - (lo < 0 ? 1 : 0)) >>> 0;
      if (i >= 32) qh |= 1 << (i - 32);
      else ql |= 1 << i;
    }
  }
  QL = ql >>> 0;
  QH = qh >>> 0;
  RL = rl;
  RH = rh;
}

const negLo = (lo: number): number => (-lo) >>> 0;
const negHi = (lo: number, hi: number): number => (~hi + (lo === 0 ? 1 : 0)) >>> 0;

const W = DivRemCols.width;
const SEL_OF = new Map(DIVREM_OPS.map((op, k) => [op, k]));

/**
 * The divrem trace for `events` (height `heightFor(events.length)`, padding rows all zero), recording
 * every lookup of a real row into `counts`. Throws TypeError on an opcode not in DIVREM_OPS and
 * RangeError on a trapping event (division by zero, INT_MIN / -1 signed), a 32-bit event with a
 * nonzero high word, or an event whose result is not the quotient / remainder.
 */
export function divremTrace(events: AluEvents, counts: LookupCounts): Matrix {
  const n = events.length;
  const h = heightFor(n);
  const v = new Uint32Array(h * W);
  const qe = new Float64Array(16);
  const ye = new Float64Array(16);
  const bor = new Int32Array(4);
  const rLimb = new Uint32Array(4);
  const xLimb = new Uint32Array(4);
  const c16 = counts.range16, cb = counts.bytes;
  for (let e = 0; e < n; e++) {
    const op = events.op[e]!;
    const sel = SEL_OF.get(op);
    if (sel === undefined) throw new TypeError(`divremTrace: event ${e} has opcode ${op}, not one of the divrem table's (${DIVREM_OPS.join(', ')})`);
    const wide = IS64[sel]!, signed = SIGNED[sel]!, rem = ISREM[sel]!;
    const name = NAMES[sel]!;
    const x = events.x[e]! >>> 0, y = events.y[e]! >>> 0;
    if (!wide && (events.xh[e]! !== 0 || events.yh[e]! !== 0 || events.zh[e]! !== 0)) {
      throw new RangeError(`divremTrace: event ${e} (${name}) is 32-bit but has a nonzero high word`);
    }
    // the extended 64-bit patterns of x and y
    const xh = wide ? events.xh[e]! >>> 0 : signed ? (x >> 31) >>> 0 : 0;
    const yh = wide ? events.yh[e]! >>> 0 : signed ? (y >> 31) >>> 0 : 0;
    if (y === 0 && yh === 0) throw new RangeError(`divremTrace: event ${e} (${name}) divides by zero: it traps, no row proves it`);
    const sx = signed ? xh >>> 31 : 0, sy = signed ? yh >>> 31 : 0;
    const xMin = wide ? x === 0 && xh === 0x80000000 : x === 0x80000000 && xh === 0xffffffff;
    const overflow = signed && xMin && y === 0xffffffff && yh === 0xffffffff;
    if (overflow && !rem) {
      throw new RangeError(`divremTrace: event ${e} (${name}) is INT_MIN / -1: it overflows and traps, no row proves it`);
    }
    // |x| / |y|, then the signs back
    divU64(sx ? negLo(x) : x, sx ? negHi(x, xh) : xh, sy ? negLo(y) : y, sy ? negHi(y, yh) : yh);
    const ql = sx !== sy ? negLo(QL) : QL, qh = sx !== sy ? negHi(QL, QH) : QH;
    const rl = sx ? negLo(RL) : RL, rh = sx ? negHi(RL, RH) : RH;
    const zl = rem ? rl : ql, zhv = rem ? rh : qh;
    if ((zl | 0) !== events.z[e]! || (wide ? zhv | 0 : 0) !== events.zh[e]!) {
      throw new RangeError(`divremTrace: event ${e} (${name}): z:zh is not the ${rem ? 'remainder' : 'quotient'} of x:xh by y:yh`);
    }
    // sq: the quotient's sign. Q = 2^63 (rem_s64 of INT64_MIN by -1) is 0x8000.. with sq = 0: Q is a
    // 65-bit value on rem rows; on 32-bit signed rows the quotient is extended from bit 31.
    const sq = !signed ? 0 : rem && wide && overflow ? 0 : qh >>> 31;
    const sr = signed ? rh >>> 31 : 0;
    const o = e * W;
    const C = DivRemCols;
    v[o + C.x] = x & 0xffff;
    v[o + C.x + 1] = x >>> 16;
    v[o + C.x + 2] = wide ? xh & 0xffff : 0;
    v[o + C.x + 3] = wide ? xh >>> 16 : 0;
    for (let i = 0; i < 4; i++) {
      ye[i] = (y >>> (8 * i)) & 255;
      ye[i + 4] = (yh >>> (8 * i)) & 255;
      qe[i] = (ql >>> (8 * i)) & 255;
      qe[i + 4] = (qh >>> (8 * i)) & 255;
    }
    for (let i = 8; i < 16; i++) {
      ye[i] = 255 * sy;
      qe[i] = 255 * sq;
    }
    for (let i = 0; i < 8; i++) {
      v[o + C.y + i] = ye[i]!;
      v[o + C.q + i] = qe[i]!;
    }
    for (let i = 0; i < 8; i += 2) {
      bytes.record(cb, BYTE_RANGE, ye[i]!, ye[i + 1]!);
      bytes.record(cb, BYTE_RANGE, qe[i]!, qe[i + 1]!);
    }
    rLimb[0] = rl & 0xffff, rLimb[1] = rl >>> 16, rLimb[2] = rh & 0xffff, rLimb[3] = rh >>> 16;
    xLimb[0] = x & 0xffff, xLimb[1] = x >>> 16, xLimb[2] = xh & 0xffff, xLimb[3] = xh >>> 16;
    for (let k = 0; k < 4; k++) {
      v[o + C.r + k] = rLimb[k]!;
      range16.record(c16, rLimb[k]!);
    }
    v[o + C.sign] = sx;
    v[o + C.sign + 1] = sy;
    v[o + C.sign + 2] = sq;
    v[o + C.sign + 3] = sr;
    // (1) carries of Q * Y + R = X over 8 u16 limbs
    let carry = 0;
    for (let k = 0; k < 8; k++) {
      let p0 = 0, p1 = 0;
      for (let i = 0; i <= 2 * k; i++) p0 += qe[i]! * ye[2 * k - i]!;
      for (let i = 0; i <= 2 * k + 1; i++) p1 += qe[i]! * ye[2 * k + 1 - i]!;
      const t = p0 + 256 * p1 + (k < 4 ? rLimb[k]! : 0xffff * sr) + carry - (k < 4 ? xLimb[k]! : 0xffff * sx);
      if (t < 0 || t % TWO16 !== 0) throw new Error(`divremTrace: internal error, event ${e}: product limb ${k} does not close`);
      carry = t / TWO16;
      v[o + C.carry + k] = carry;
      range16.record(c16, carry);
      range16.record(c16, carry + CARRY_SHIFT);
    }
    // (2) d = |y| - |r| - 1 with borrows (stored as field elements: -1 is p - 1)
    let borrow = -1;
    for (let k = 0; k < 4; k++) {
      const yl = ye[2 * k]! + 256 * ye[2 * k + 1]!;
      const t = (1 - 2 * sy) * yl - (1 - 2 * sr) * rLimb[k]! + borrow;
      const d = ((t % TWO16) + TWO16) % TWO16;
      borrow = (t - d) / TWO16;
      v[o + C.d + k] = d;
      range16.record(c16, d);
      if (k < 3) v[o + C.borrow + k] = borrow < 0 ? P + borrow : borrow;
      bor[k] = borrow;
    }
    if (borrow !== sr - sy) throw new Error(`divremTrace: internal error, event ${e}: |r| < |y| does not close`);
    bytes.record(cb, BYTE_RANGE, bor[0]! + BORROW_SHIFT, bor[1]! + BORROW_SHIFT);
    bytes.record(cb, BYTE_RANGE, bor[2]! + BORROW_SHIFT, 0);
    v[o + C.sel + sel] = 1;
    if (signed) {
      const topX = wide ? xh >>> 16 : x >>> 16;
      const topR = wide ? rLimb[3]! : rLimb[1]!;
      range16.record(c16, 2 * (topX - 0x8000 * sx));
      range16.record(c16, 2 * (topR - 0x8000 * sr));
      bytes.record(cb, BYTE_RANGE, 2 * ((wide ? ye[7]! : ye[3]!) - 128 * sy), rem ? 0 : 2 * ((wide ? qe[7]! : qe[3]!) - 128 * sq));
    }
  }
  return { values: v, width: W, height: h };
}
