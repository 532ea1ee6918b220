/**
 * Worker side of the parallel quotient: evaluates rows [start, end) of a table's quotient from a
 * compiled program and inputs held in SharedArrayBuffers, writing into a shared output. Run by
 * `prover/_pool.ts` (`runTask`); nothing is copied but the small program and alpha powers.
 * @module
 */
import type { TaskContext } from '../_pool.ts';
import type { EvalInputs, Program } from '../air/program.ts';
import { quotientRowsInto } from './quotient.ts';

export interface QuotientTask {
  readonly program: Program;
  readonly inputs: EvalInputs;
  readonly invZ: Uint32Array;
  readonly alphaPowers: Uint32Array;
  readonly start: number;
  readonly end: number;
  /** Shared output, row-major ext4 over the whole domain. */
  readonly out: Uint32Array;
}

export function quotientRows(_ctx: TaskContext, t: QuotientTask): number {
  quotientRowsInto(t.program, t.inputs, t.invZ, t.alphaPowers, t.start, t.end, t.out, 0);
  return t.end - t.start;
}
