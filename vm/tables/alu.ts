/**
 * The ALU bus: how the CPU hands an instruction to the table that proves its work.
 *
 * One bus for every table the CPU delegates to (add-sub, mul, divrem, shift, bitwise, extend, lt,
 * bitcount, and load-store and bulk), so a CPU row makes ONE interaction whatever the instruction:
 * the tuple carries the ISA opcode, and each table receives only its own opcodes (its `op` column
 * is a sum of one-hot selectors times opcode constants, see `opcodeOf`). Tuple, 15 field elements,
 * limbs u16 (low limb first):
 *
 *   (op, x0, x1, xh0, xh1, y0, y1, yh0, yh1, z0, z1, zh0, zh1, ts, e)
 *
 * `ts` (the CPU row's memory timestamp) and `e` (an extra operand: the address offset of a load or
 * store, the I/O position of a syscall) are 0 for the arithmetic tables, which `receiveAlu` fills in.
 *
 * x, y: the operands (y is the immediate for `.i` forms); z: the result (for compare-and-branch
 * `br_*`, the 0/1 condition). The `h` words are the high words of i64 values and are 0 for 32-bit
 * operands or results. The CPU sends each tuple with multiplicity 1; an ALU table receives it with
 * multiplicity `isReal`. Ranges: x and y arrive as u16 limbs (they are memory words or immediates,
 * range-checked where they were written); a table range-checks every limb of z it computes.
 * @module
 */
import type { AirBuilder } from '../../prover/air/builder.ts';
import type { Expr, ExprLike } from '../../prover/air/expr.ts';
import { defineBus } from '../../prover/bus.ts';
import type { RangeCounts } from './range.ts';
import type { ByteCounts } from './bytes.ts';

export const ALU_ARITY = 15;
export const aluBus = defineBus('alu', { arity: ALU_ARITY, kind: 'permutation' });

/** ALU events of one table: raw 32-bit words (as the executor's Int32Array holds them). */
export interface AluEvents {
  readonly length: number;
  /** ISA opcode of each event. */
  readonly op: Int32Array;
  readonly x: Int32Array;
  readonly xh: Int32Array;
  readonly y: Int32Array;
  readonly yh: Int32Array;
  readonly z: Int32Array;
  readonly zh: Int32Array;
}

/** Multiplicity counters of the lookup tables, filled by trace generation of every table. */
export interface LookupCounts {
  readonly range8: RangeCounts;
  readonly range16: RangeCounts;
  readonly bytes: ByteCounts;
}

/** The bus tuple of an event (for senders, stubs and tests). */
export function aluTuple(op: number, x: number, xh: number, y: number, yh: number, z: number, zh: number): number[] {
  const t = [op];
  for (const w of [x, xh, y, yh, z, zh]) t.push(w & 0xffff, (w >>> 16) & 0xffff);
  t.push(0, 0);
  return t;
}

/** In a table's eval: the ALU tuple from limb expressions, received with multiplicity `isReal`. */
export function receiveAlu(
  b: AirBuilder,
  op: ExprLike,
  limbs: { x: readonly ExprLike[]; xh?: readonly ExprLike[]; y: readonly ExprLike[]; yh?: readonly ExprLike[]; z: readonly ExprLike[]; zh?: readonly ExprLike[] },
  isReal: ExprLike,
): void {
  const two = (v: readonly ExprLike[] | undefined, what: string): readonly ExprLike[] => {
    if (v === undefined) return [0, 0];
    if (v.length !== 2) throw new RangeError(`receiveAlu: ${what} must be two u16 limbs`);
    return v;
  };
  aluBus.receive(b, [op, ...two(limbs.x, 'x'), ...two(limbs.xh, 'xh'), ...two(limbs.y, 'y'), ...two(limbs.yh, 'yh'), ...two(limbs.z, 'z'), ...two(limbs.zh, 'zh'), 0, 0], isReal);
}

/**
 * The opcode a row proves, from one-hot selector columns: sum_k sel_k * opcodes[k]. With every
 * selector a bit and sum_k sel_k = isReal (`assertOneHot`), a real row's opcode is one of the
 * table's own, so a tuple of another opcode can never be received here.
 */
export function opcodeOf(b: AirBuilder, selectors: readonly Expr[], opcodes: readonly number[]): Expr {
  if (selectors.length !== opcodes.length) throw new RangeError('opcodeOf: one selector per opcode');
  return b.sum(selectors, opcodes);
}

/** Every selector a bit and their sum equal to isReal (so padding rows select nothing). */
export function assertOneHot(b: AirBuilder, label: string, selectors: readonly Expr[], isReal: ExprLike): void {
  b.assertBools(`${label}: selectors are bits`, selectors);
  b.assertEq(`${label}: exactly one selector on a real row, none on padding`, b.sum(selectors), isReal);
}

/** Height for `n` events: the next power of two >= max(n, 2) (padding rows are all zero). */
export function heightFor(n: number): number {
  let h = 2;
  while (h < n) h *= 2;
  return h;
}
