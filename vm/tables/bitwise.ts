/**
 * The bitwise table: proves z = x AND / OR / XOR y for `and`, `or`, `xor` and their `.i` forms
 * (i32) and `and64`, `or64`, `xor64` (i64), exactly WebAssembly's i32/i64.and/or/xor, one row per
 * event, received on the ALU bus (`alu.ts`).
 *
 * Each operand is held as 8 bytes (x: bytes 0..3 of the low word, then 4..7 of the high word xh;
 * the same for y and the result z). Per byte k ONE lookup on the byte table (`bytes.ts`):
 *
 *   (kind, x[k], y[k], z[k])   with kind = sum_i sel_i * KIND_i   (1 = and, 2 = or, 3 = xor)
 *
 * and the ALU tuple carries the limbs recomposed from bytes: x0 = x[0] + 256 x[1], x1 = x[2] + 256
 * x[3], xh0 = x[4] + 256 x[5], ... 32-bit rows assert the high bytes of x and y zero, so their
 * zh is 0 AND 0 = 0 (the result of a 32-bit operation has no high word).
 *
 * Soundness. Selectors are bits with sum isReal a bit, so a real row proves exactly one of the
 * table's opcodes (the tuple's op = sum sel_i * BITWISE_OPS[i]) and its kind is that opcode's byte
 * operation; a padding row (all zero) selects nothing and has multiplicity 0 on every bus. The
 * byte table holds only tuples (kind, a, b, a op b) with a, b < 256 and kind in {1, 2, 3}, so each
 * lookup proves x[k], y[k], z[k] are bytes and z[k] = x[k] op y[k]. Each recomposed limb is then an
 * integer below 2^16 < p, so equality with the CPU's u16 limb on the ALU bus is an integer
 * equality: the bytes are exactly the bytes of the CPU's x and y, and the z limbs (u16, being
 * recomposed from bytes: no further range check) are the bytes of x op y, which bytewise is the
 * word operation. A 32-bit row with non-zero high bytes is refused by its constraint, so no
 * tuple with a non-zero zh can be received for a 32-bit opcode (the CPU table also asserts xh = yh
 * = 0 for 32-bit operands; this table does not rely on it, at the price of 8 degree-2 constraints).
 *
 * Cost: 33 columns (no isReal column: isReal = sum of the selectors), 9 interactions (8 byte
 * lookups + the ALU receive); its own constraints have degree 2, the bus pairs interactions into
 * aux columns of degree 3 (`bitwiseTable.info`: 65 cells per row when this was written). The
 * 32-bit rows pay for the 4 high-byte lookups too (interactions are per table, not per row); a
 * separate 32-bit table would save them if 32-bit bitwise dominates a workload.
 * Reference: SP1's bitwise chip (`crates/core/machine/src/alu/bitwise`) has the same shape (one
 * byte lookup per byte, the opcode picking the lookup kind); Miden's bitwise chiplet does it with
 * 4-bit limbs over 8 rows instead of a byte table.
 * @module
 */
import { defineTable } from '../../prover/air/builder.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { OP } from '../isa.ts';
import { assertOneHotSum, aluOpIndex, checkResult } from './_alu-common.ts';
import { heightFor, opcodeOf, receiveAlu, type AluEvents, type LookupCounts } from './alu.ts';
import { BYTE_AND, BYTE_OR, BYTE_XOR, bytes, type ByteKind } from './bytes.ts';

/** The table's opcodes, in selector order. */
export const BITWISE_OPS: readonly number[] = Object.freeze(
  ['and', 'and.i', 'or', 'or.i', 'xor', 'xor.i', 'and64', 'or64', 'xor64'].map((m) => OP[m]!),
);
const KIND: readonly ByteKind[] = [BYTE_AND, BYTE_AND, BYTE_OR, BYTE_OR, BYTE_XOR, BYTE_XOR, BYTE_AND, BYTE_OR, BYTE_XOR];
/** 1 for the 32-bit opcodes. */
const NARROW: readonly number[] = [1, 1, 1, 1, 1, 1, 0, 0, 0];

export const BitwiseCols = layout({
  x: 8, // bytes of x (0..3) and xh (4..7), low first: pinned by the byte lookups and the ALU bus (recomposed limbs)
  y: 8, // bytes of y and yh: pinned by the byte lookups and the ALU bus
  z: 8, // bytes of z and zh: pinned by the byte lookups z[k] = x[k] op y[k]
  sel: 9, // one-hot opcode selector in BITWISE_OPS order: pinned boolean, sum a bit (isReal), and by the ALU bus (op)
});

export const bitwiseTable = defineTable({
  name: 'bitwise',
  cols: BitwiseCols,
  eval(b) {
    const r = b.local(BitwiseCols);
    const isReal = assertOneHotSum(b, r.sel);
    const is32 = b.sum(r.sel, NARROW);
    b.when(is32).assertZeros('32-bit rows: high bytes of x and y are zero', [...r.x.slice(4), ...r.y.slice(4)]);
    const kind = b.sum(r.sel, KIND);
    for (let k = 0; k < 8; k++) bytes.bus.send(b, [kind, r.x[k]!, r.y[k]!, r.z[k]!], isReal);
    const limbs = (v: readonly (typeof r.x)[number][], w: number) => [0, 1].map((j) => b.add(v[4 * w + 2 * j]!, b.mul(256, v[4 * w + 2 * j + 1]!)));
    receiveAlu(
      b,
      opcodeOf(b, r.sel, BITWISE_OPS),
      { x: limbs(r.x, 0), xh: limbs(r.x, 1), y: limbs(r.y, 0), yh: limbs(r.y, 1), z: limbs(r.z, 0), zh: limbs(r.z, 1) },
      isReal,
    );
  },
});

const INDEX = aluOpIndex(BITWISE_OPS);

/**
 * The bitwise trace of `events` (height `heightFor(events.length)`, padding rows all zero); records
 * the 8 byte lookups of each row into `counts.bytes`. Throws on an opcode of another table, a
 * 32-bit event with a non-zero high word, or an event whose z/zh is not x op y.
 */
export function bitwiseTrace(events: AluEvents, counts: LookupCounts): Matrix {
  const n = events.length;
  const w = BitwiseCols.width;
  const v = new Uint32Array(heightFor(n) * w);
  const bc = counts.bytes;
  for (let i = 0; i < n; i++) {
    const s = INDEX(events.op[i]!, i, 'bitwiseTrace');
    const x = events.x[i]!, y = events.y[i]!;
    const narrow = NARROW[s] === 1;
    const xh = events.xh[i]!, yh = events.yh[i]!;
    if (narrow && (xh !== 0 || yh !== 0)) throw new RangeError(`bitwiseTrace: event ${i}: 32-bit op ${events.op[i]} has a high word (xh ${xh}, yh ${yh})`);
    const kind = KIND[s]!;
    const z = kind === BYTE_AND ? x & y : kind === BYTE_OR ? x | y : x ^ y;
    const zh = kind === BYTE_AND ? xh & yh : kind === BYTE_OR ? xh | yh : xh ^ yh;
    checkResult('bitwiseTrace', i, events, z, zh);
    const o = i * w;
    for (let k = 0; k < 8; k++) {
      const sh = (k & 3) * 8;
      const xb = ((k < 4 ? x : xh) >>> sh) & 255;
      const yb = ((k < 4 ? y : yh) >>> sh) & 255;
      v[o + BitwiseCols.x + k] = xb;
      v[o + BitwiseCols.y + k] = yb;
      v[o + BitwiseCols.z + k] = ((k < 4 ? z : zh) >>> sh) & 255;
      bytes.record(bc, kind, xb, yb);
    }
    v[o + BitwiseCols.sel + s] = 1;
  }
  return { values: v, width: w, height: heightFor(n) };
}
