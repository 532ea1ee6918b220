/**
 * The mul table: proves `mul`, `mul.i` (z = low 32 bits of x * y, WebAssembly's i32.mul) and `mul64`
 * (z:zh = low 64 bits of x:xh * y:yh, i64.mul), one row per event, received on the ALU bus.
 *
 * Why bytes. A product of two u16 limbs reaches 2^32 > p = 2^31 - 2^27 + 1, so u16 x u16 limb
 * products cannot be integer equations over BabyBear. The operands are therefore split into bytes
 * (x = sum x_i 256^i, i < 8, each u16 limb of the tuple is x_{2k} + 256 x_{2k+1}, byte pairs checked
 * with one `bytes.range` lookup), whose products are below 2^16. With P_m = sum_{i+j=m} x_i y_j
 * (m < 8, at most 8 terms, P_m <= 8 * 255^2 < 2^19) the result limbs z_k (u16) satisfy, for k < 4,
 *
 *   P_{2k} + 256 P_{2k+1} + c_{k-1} = z_k + 2^16 c_k          (c_{-1} = 0)
 *
 * Soundness. z_k is range-checked to [0, 2^16) and every carry to [0, 2^14) (two range16 lookups:
 * c and c + 2^16 - 2^14). Then the left side is below 2^19 + 2^27 + 2^14 and the right side below
 * 2^16 + 2^30, both below p, so each field equation is an integer equation; the weighted sum of the
 * four gives x * y = z + 2^64 c_3 over the integers with x, y the 64-bit byte values, i.e.
 * z = x * y mod 2^64, the unique 64-bit pattern (limbs in range). Honest carries are below 2^11.1
 * (c_3 <= (8 * 255^2 * 257 + c_2) / 2^16). On 32-bit rows (`mul`, `mul.i`) the high bytes of x and
 * y are constrained to zero (the tuple's xh, yh must be 0, whatever the CPU sends), the low two
 * limbs of z are the low 32 bits of the product, and the tuple's zh is isMul64 * (z_2, z_3), i.e.
 * 0; z_2, z_3 still hold the high half of the 32x32 product (pinned by the equations, range-checked).
 *
 * Selectors: one-hot (isMul, isMulI, isMul64); `isReal` is their sum (a bit), so padding rows
 * (all zero) satisfy every constraint and send nothing. Degree: the limb equations are degree 2,
 * the tuple entries degree 2, so the bus constraints have degree 3.
 *
 * Reference: SP1's `alu/mul` chip (byte limbs with carries range-checked through its byte chip);
 * Plonky3/OpenVM use the same limb-product-with-carries shape.
 * @module
 */
import { defineTable, type Table } from '../../prover/air/builder.ts';
import type { Expr } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { OP } from '../isa.ts';
import { heightFor, opcodeOf, receiveAlu, type AluEvents, type LookupCounts } from './alu.ts';
import { BYTE_RANGE, bytes } from './bytes.ts';
import { range16 } from './range.ts';

/** The opcodes this table proves, in selector order. */
export const MUL_OPS: readonly number[] = Object.freeze([OP['mul']!, OP['mul.i']!, OP['mul64']!]);

/** Carries are proved below 2^14 (honest ones are below 2^11.1): c and c + CARRY_SHIFT are u16. */
const CARRY_SHIFT = 0x10000 - 0x4000;

export const MulCols = layout({
  x: 8, // bytes of x:xh, low first: pinned by bytes.range pairs and the ALU bus (x_{2k} + 256 x_{2k+1} = tuple limb)
  y: 8, // bytes of y:yh: pinned like x
  z: 4, // u16 limbs of the low 64 bits of x * y: pinned by the limb equations and range16
  carry: 4, // carry out of each u16 limb: pinned by the limb equations, range16 on c and c + 2^16 - 2^14 (< 2^14)
  sel: 3, // one-hot isMul, isMulI, isMul64: pinned bits with a bit sum, and by the ALU bus (the CPU's opcode)
});

const TWO16 = 0x10000;
const LIMB_LABELS = [0, 1, 2, 3].map((k) => `limb ${k}: P${2 * k} + 256 P${2 * k + 1}${k > 0 ? ` + c${k - 1}` : ''} = z${k} + 2^16 c${k}`);

export const mulTable: Table<typeof MulCols.spec> = defineTable({
  name: 'mul',
  cols: MulCols,
  eval(b) {
    const r = b.local(MulCols);
    const [isMul, isMulI, isMul64] = r.sel as [Expr, Expr, Expr];
    for (const s of r.sel) b.assertZero('selectors are bits', b.mul(s, b.sub(s, 1)));
    const isReal = b.sum(r.sel);
    b.assertBool('at most one selector (isReal is a bit)', isReal);
    const is32 = b.add(isMul, isMulI);
    // 32-bit rows: the high words are zero (bytes are range-checked, so a zero sum means all zero)
    b.assertZero('32-bit rows: high bytes of x and y are 0', b.mul(is32, b.sum([...r.x.slice(4), ...r.y.slice(4)])));
    // P_m = sum_{i+j=m} x_i y_j, m < 8
    const P: Expr[] = [];
    for (let m = 0; m < 8; m++) {
      const terms: Expr[] = [];
      for (let i = 0; i <= m; i++) terms.push(b.mul(r.x[i]!, r.y[m - i]!));
      P.push(b.sum(terms));
    }
    for (let k = 0; k < 4; k++) {
      const lhs = b.add(P[2 * k]!, b.mul(256, P[2 * k + 1]!), k > 0 ? r.carry[k - 1]! : 0);
      const rhs = b.add(r.z[k]!, b.mul(TWO16, r.carry[k]!));
      b.assertEq(LIMB_LABELS[k]!, lhs, rhs);
    }
    for (let i = 0; i < 8; i += 2) {
      bytes.range(b, r.x[i]!, r.x[i + 1]!, isReal);
      bytes.range(b, r.y[i]!, r.y[i + 1]!, isReal);
    }
    range16.lookup(b, 'z limbs are u16', r.z, isReal);
    range16.lookup(b, 'carries are below 2^14: c is u16', r.carry, isReal);
    range16.lookup(b, 'carries are below 2^14: c + 2^16 - 2^14 is u16', r.carry.map((c) => b.add(c, CARRY_SHIFT)), isReal);
    const limb = (v: readonly Expr[], k: number): Expr => b.add(v[2 * k]!, b.mul(256, v[2 * k + 1]!));
    receiveAlu(
      b,
      opcodeOf(b, r.sel, MUL_OPS),
      {
        x: [limb(r.x, 0), limb(r.x, 1)],
        xh: [limb(r.x, 2), limb(r.x, 3)],
        y: [limb(r.y, 0), limb(r.y, 1)],
        yh: [limb(r.y, 2), limb(r.y, 3)],
        z: [r.z[0]!, r.z[1]!],
        zh: [b.mul(isMul64, r.z[2]!), b.mul(isMul64, r.z[3]!)],
      },
      isReal,
    );
  },
});

const W = MulCols.width;
const SEL_OF = new Map(MUL_OPS.map((op, k) => [op, k]));

/**
 * The mul trace for `events` (height `heightFor(events.length)`, padding rows all zero), recording
 * every lookup of a real row into `counts`. Throws TypeError on an opcode that is not in MUL_OPS,
 * RangeError when an event's z/zh is not the product (or a 32-bit event has nonzero xh/yh/zh).
 */
export function mulTrace(events: AluEvents, counts: LookupCounts): Matrix {
  const n = events.length;
  const h = heightFor(n);
  const v = new Uint32Array(h * W);
  const xb = new Uint32Array(8);
  const yb = new Uint32Array(8);
  const P = new Float64Array(8);
  for (let e = 0; e < n; e++) {
    const op = events.op[e]!;
    const sel = SEL_OF.get(op);
    if (sel === undefined) throw new TypeError(`mulTrace: event ${e} has opcode ${op}, not one of the mul table's (${MUL_OPS.join(', ')})`);
    const wide = sel === 2;
    const x = events.x[e]!, y = events.y[e]!, xh = events.xh[e]!, yh = events.yh[e]!;
    if (!wide && (xh !== 0 || yh !== 0 || events.zh[e]! !== 0)) throw new RangeError(`mulTrace: event ${e} is a 32-bit mul with a nonzero high word`);
    for (let i = 0; i < 4; i++) {
      xb[i] = (x >>> (8 * i)) & 255;
      xb[i + 4] = (xh >>> (8 * i)) & 255;
      yb[i] = (y >>> (8 * i)) & 255;
      yb[i + 4] = (yh >>> (8 * i)) & 255;
    }
    for (let m = 0; m < 8; m++) {
      let s = 0;
      for (let i = 0; i <= m; i++) s += xb[i]! * yb[m - i]!;
      P[m] = s;
    }
    const o = e * W;
    let carry = 0;
    for (let k = 0; k < 4; k++) {
      const t = P[2 * k]! + 256 * P[2 * k + 1]! + carry;
      const z = t % TWO16;
      carry = (t - z) / TWO16;
      v[o + MulCols.z + k] = z;
      v[o + MulCols.carry + k] = carry;
      range16.record(counts.range16, z);
      range16.record(counts.range16, carry);
      range16.record(counts.range16, carry + CARRY_SHIFT);
    }
    const z = v[o + MulCols.z]! | (v[o + MulCols.z + 1]! << 16);
    const zh = wide ? v[o + MulCols.z + 2]! | (v[o + MulCols.z + 3]! << 16) : 0;
    if (z !== events.z[e]! || zh !== events.zh[e]!) throw new RangeError(`mulTrace: event ${e}: z:zh is not the product of x:xh and y:yh`);
    for (let i = 0; i < 8; i++) {
      v[o + MulCols.x + i] = xb[i]!;
      v[o + MulCols.y + i] = yb[i]!;
    }
    for (let i = 0; i < 8; i += 2) {
      bytes.record(counts.bytes, BYTE_RANGE, xb[i]!, xb[i + 1]!);
      bytes.record(counts.bytes, BYTE_RANGE, yb[i]!, yb[i + 1]!);
    }
    v[o + MulCols.sel + sel] = 1;
  }
  return { values: v, width: W, height: h };
}
