/**
 * The extend table: sign and zero extension, exactly WebAssembly's i32.extend8_s / extend16_s,
 * i64.extend8_s / extend16_s / extend32_s and i64.extend_i32_s / extend_i32_u, one row per event,
 * received on the ALU bus (`alu.ts`). Unary: the tuple's y and yh are 0.
 *
 * | op | x in | result (z, zh) |
 * |---|---|---|
 * | `extend8_s`, `extend8_s64` | low byte b0 of x | z0 = b0 + 0xff00 s, z1 = 0xffff s; zh = 0 / 0xffff s |
 * | `extend16_s`, `extend16_s64` | low limb x0 | z0 = x0, z1 = 0xffff s; zh = 0 / 0xffff s |
 * | `extend32_s64`, `extend_s` | low word x | z = x; zh = 0xffff s (both limbs) |
 * | `extend_u` | low word x | z = x; zh = 0 |
 *
 * where s is the sign bit: bit 7 of b0, bit 15 of x0, bit 15 of x1. The high word xh of the i64
 * forms is received (it is the CPU's operand) but does not enter the result.
 *
 * The sign bit. Let t = 256 b0 (8-bit forms), x0 (16-bit), x1 (32-bit), 0 (extend_u), so that s is
 * bit 15 of t in every case. The row holds s and looks up 2 (t - 2^15 s) on range16: with s a bit
 * and t an integer in [0, 2^16), 2 (t - 2^15 s) = 2t - 2^16 s lies in [0, 2^16) exactly when s = 1
 * and t >= 2^15, or s = 0 and t < 2^15 (otherwise it is negative, i.e. p - something > 2^16, or
 * at least 2^16). So s is bit 15 of t, and 0 for extend_u.
 *
 * Soundness. Selectors are bits with sum isReal a bit, so a real row proves exactly one of the
 * table's opcodes (tuple op = sum sel_i EXTEND_OPS[i]). x0, x1 are the CPU's u16 limbs; x0 = b0 +
 * 256 b1 with (b0, b1) bytes (one byte-range lookup) is an integer equation (< 2^16 < p), so b0 is
 * the low byte of x. The result limbs are the expressions above in bits and limbs already bounded:
 * each is an integer in [0, 2^16) on its own row kind (b0 + 0xff00 s <= 0xffff, 0xffff s, x limbs),
 * so they need no range check; being expressions, they need no columns. Padding rows are all zero:
 * every selector 0, so multiplicity 0 everywhere, and x0 = b0 + 256 b1 and the bit constraints hold.
 *
 * Cost: 14 columns (no isReal column), 3 interactions (ALU receive, one byte-range lookup, one
 * range16), degree 3 (the tuples hold selector * column products), 38 cells per row
 * (`extendTable.info`). A column for t would make the range16 tuple linear so that it pairs with
 * the byte lookup in one aux column (35 cells); not done while bus pairing is new. Reference: SP1 proves the sign bit of the most
 * significant byte with a byte decomposition (its `most_sig_byte_decomp` in the load chips);
 * here the range16 lookup of 2 (t - 2^15 s) does it for any limb without 8 bit columns.
 * @module
 */
import { defineTable } from '../../prover/air/builder.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { OP } from '../isa.ts';
import { assertOneHotSum, aluOpIndex, checkResult } from './_alu-common.ts';
import { heightFor, opcodeOf, receiveAlu, type AluEvents, type LookupCounts } from './alu.ts';
import { BYTE_RANGE, bytes } from './bytes.ts';
import { range16 } from './range.ts';

/** The table's opcodes, in selector order. */
export const EXTEND_OPS: readonly number[] = Object.freeze(
  ['extend8_s', 'extend16_s', 'extend8_s64', 'extend16_s64', 'extend32_s64', 'extend_s', 'extend_u'].map((m) => OP[m]!),
);
/** Which part of x holds the sign bit (as bit 15 of t): 8 (b0 << 8), 16 (x0), 32 (x1), 0 (none). */
const FROM: readonly number[] = [8, 16, 8, 16, 32, 32, 0];
const pick = (bits: number): number[] => FROM.map((f) => (f === bits ? 1 : 0));
const SEL8 = pick(8), SEL16 = pick(16), SEL32 = pick(32);
/** 1 where the result is an i64 whose high word is the sign extension. */
const WIDE: readonly number[] = [0, 0, 1, 1, 1, 1, 0];
/** 1 where the operand is an i32 (the tuple's xh must be 0). */
const NARROW_IN: readonly number[] = [1, 1, 0, 0, 0, 1, 1];

export const ExtendCols = layout({
  x: 2, // operand low word, u16 limbs: pinned by the ALU bus (the CPU's value)
  xh: 2, // operand high word (i64 forms; 0 for i32 operands): pinned by the ALU bus; not used by the result
  xb: 2, // low and high byte of x0: pinned by the byte-range lookup and x0 = xb0 + 256 xb1
  sign: 1, // bit 15 of t (see module doc): pinned boolean and by the range16 lookup of 2 (t - 2^15 sign)
  sel: 7, // one-hot opcode selector in EXTEND_OPS order: pinned boolean, sum a bit (isReal), and by the ALU bus (op)
});

const FF00 = 0xff00;
const FFFF = 0xffff;
const TWO15 = 0x8000;

export const extendTable = defineTable({
  name: 'extend',
  cols: ExtendCols,
  eval(b) {
    const r = b.local(ExtendCols);
    const isReal = assertOneHotSum(b, r.sel);
    const x0 = r.x[0]!, x1 = r.x[1]!;
    const b0 = r.xb[0]!, b1 = r.xb[1]!;
    const s = r.sign;
    const sel8 = b.sum(r.sel, SEL8), sel16 = b.sum(r.sel, SEL16), sel32 = b.sum(r.sel, SEL32);
    b.assertEq('x0 = xb0 + 256 xb1', x0, b.add(b0, b.mul(256, b1)));
    bytes.range(b, b0, b1, isReal);
    b.assertBool('sign is a bit', s);
    const t = b.add(b.mul(sel8, 256, b0), b.mul(sel16, x0), b.mul(sel32, x1));
    range16.lookup(b, 'sign is bit 15 of t: 2 (t - 2^15 sign) is u16', [b.mul(2, b.sub(t, b.mul(TWO15, s)))], isReal);
    // z0 = x0, or b0 + 0xff00 s on 8-bit rows: x0 + sel8 (b0 + 0xff00 s - x0) = x0 + sel8 (0xff00 s - 256 b1)
    const z0 = b.add(x0, b.mul(sel8, b.sub(b.mul(FF00, s), b.mul(256, b1))));
    // z1 = x1, or 0xffff s on 8- and 16-bit rows
    const z1 = b.add(x1, b.mul(b.add(sel8, sel16), b.sub(b.mul(FFFF, s), x1)));
    const zh = b.mul(b.sum(r.sel, WIDE), FFFF, s);
    receiveAlu(b, opcodeOf(b, r.sel, EXTEND_OPS), { x: r.x, xh: r.xh, y: [0, 0], z: [z0, z1], zh: [zh, zh] }, isReal);
  },
});

const INDEX = aluOpIndex(EXTEND_OPS);

/**
 * The extend trace of `events` (height `heightFor(events.length)`, padding rows all zero); records
 * one byte-range lookup and one range16 lookup per row. Throws on an opcode of another table, a
 * non-zero y/yh (unary), a non-zero xh for an i32 operand, or an event whose z/zh is not the
 * extension of x.
 */
export function extendTrace(events: AluEvents, counts: LookupCounts): Matrix {
  const n = events.length;
  const w = ExtendCols.width;
  const h = heightFor(n);
  const v = new Uint32Array(h * w);
  for (let i = 0; i < n; i++) {
    const s = INDEX(events.op[i]!, i, 'extendTrace');
    const x = events.x[i]!, xh = events.xh[i]!;
    if (events.y[i] !== 0 || events.yh[i] !== 0) throw new RangeError(`extendTrace: event ${i}: a unary op has y = ${events.y[i]}, yh = ${events.yh[i]} (must be 0)`);
    if (NARROW_IN[s] === 1 && xh !== 0) throw new RangeError(`extendTrace: event ${i}: op ${events.op[i]} has an i32 operand but xh = ${xh}`);
    const x0 = x & FFFF, x1 = x >>> 16;
    const b0 = x0 & 255, b1 = x0 >>> 8;
    const from = FROM[s]!;
    const t = from === 8 ? b0 << 8 : from === 16 ? x0 : from === 32 ? x1 : 0;
    const sign = t >>> 15;
    const z = from === 8 ? (x << 24) >> 24 : from === 16 ? (x << 16) >> 16 : x;
    const zh = WIDE[s] === 1 ? -sign : 0;
    checkResult('extendTrace', i, events, z, zh);
    const o = i * w;
    v[o + ExtendCols.x] = x0;
    v[o + ExtendCols.x + 1] = x1;
    v[o + ExtendCols.xh] = xh & FFFF;
    v[o + ExtendCols.xh + 1] = xh >>> 16;
    v[o + ExtendCols.xb] = b0;
    v[o + ExtendCols.xb + 1] = b1;
    v[o + ExtendCols.sign] = sign;
    v[o + ExtendCols.sel + s] = 1;
    bytes.record(counts.bytes, BYTE_RANGE, b0, b1);
    range16.record(counts.range16, 2 * (t - TWO15 * sign));
  }
  return { values: v, width: w, height: h };
}
