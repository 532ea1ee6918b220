/**
 * Small pieces shared by the ALU tables that have no `isReal` column (bitwise, extend, bitcount):
 * the one-hot selector check with isReal = sum of the selectors, the opcode -> selector index map
 * their trace generators use, and the check that an event's recorded result is the table's.
 * @module
 */
import type { AirBuilder } from '../../prover/air/builder.ts';
import type { Expr } from '../../prover/air/expr.ts';
import { ISA } from '../isa.ts';
import type { AluEvents } from './alu.ts';

/**
 * Every selector a bit and their sum a bit; returns the sum, the row's `isReal` (1 on a real row
 * with exactly one selector, 0 on padding). Saves the `isReal` column of `assertOneHot`.
 */
export function assertOneHotSum(b: AirBuilder, selectors: readonly Expr[]): Expr {
  b.assertBools('selectors are bits', selectors);
  const isReal = b.sum(selectors);
  b.assertBool('at most one selector (isReal = sum of selectors is a bit)', isReal);
  return isReal;
}

/** opcode -> selector index (throws a TypeError naming the event for an opcode of another table). */
export function aluOpIndex(ops: readonly number[]): (op: number, event: number, who: string) => number {
  const index = new Int8Array(256).fill(-1);
  ops.forEach((op, i) => (index[op] = i));
  return (op, event, who) => {
    const s = op >= 0 && op < 256 ? index[op]! : -1;
    if (s < 0) throw new TypeError(`${who}: event ${event}: opcode ${op} (${ISA[op]?.mnemonic ?? 'unknown'}) is not proved in this table`);
    return s;
  };
}

/** Throws a RangeError when the event's recorded z/zh differ from the result the table computes. */
export function checkResult(who: string, i: number, events: AluEvents, z: number, zh: number): void {
  if (events.z[i] !== (z | 0) || events.zh[i] !== (zh | 0)) {
    const hex = (v: number): string => '0x' + (v >>> 0).toString(16);
    throw new RangeError(`${who}: event ${i} (${ISA[events.op[i]!]?.mnemonic}): recorded result ${hex(events.zh[i]!)}:${hex(events.z[i]!)} but the operation gives ${hex(zh)}:${hex(z)}`);
  }
}
