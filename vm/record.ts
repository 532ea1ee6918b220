/**
 * The ExecutionRecord: what the prover needs from a run, as growable typed-array columns (no object
 * per event), one event list per proof table.
 *
 * - `cpu`: one row per executed instruction (row index = clock): `pc`, `fp`, and the values `x`, `y`
 *   the instruction read and `z` it wrote (low words; see below). Which operand is which follows the
 *   ISA table: `x` is the first slot read, `y` the second, `z` the slot written. For a load `x` is the
 *   address slot and `z` the loaded value; for a store `x` is the value and `y` the address slot; for
 *   control flow `x` is the condition / index; for `call` `z` is the link written.
 * - `wide`: the high words of 64-bit instructions (`xh`, `yh`, `zh`), keyed by cpu row.
 * - `memory`: one event per heap load or store: the effective byte address and the value's low and
 *   high words (width and sign come from the cpu row's opcode).
 * - `bulk`: one event per `mcopy` / `mfill` / `read` / `read_public` / `commit`: dest (or ptr), src
 *   (or fill value), length actually transferred; the byte traffic is replayed by trace generation.
 * - `tables[t]`: the cpu rows whose instruction is proved in table `t` (the ISA's `table` field), so a
 *   table's trace generator reads its events straight from the cpu columns.
 * @module
 */
import { PROOF_TABLES, type ProofTable } from './isa.ts';

/** A set of equally long Int32Array columns that doubles when full. */
export class EventColumns<K extends string> {
  length = 0;
  cols: Record<K, Int32Array>;
  constructor(readonly names: readonly K[], capacity = 1024) {
    this.cols = Object.fromEntries(names.map((n) => [n, new Int32Array(capacity)])) as Record<K, Int32Array>;
  }
  get capacity(): number {
    return this.cols[this.names[0]!].length;
  }
  /** Ensures room for `n` more rows. */
  reserve(n: number): void {
    if (this.length + n <= this.capacity) return;
    let cap = Math.max(16, this.capacity * 2);
    while (cap < this.length + n) cap *= 2;
    for (const k of this.names) {
      const a = new Int32Array(cap);
      a.set(this.cols[k].subarray(0, this.length));
      this.cols[k] = a;
    }
  }
  /** Columns cut to `length` (views, no copy). */
  view(): Readonly<Record<K, Int32Array>> {
    return Object.fromEntries(this.names.map((k) => [k, this.cols[k].subarray(0, this.length)])) as Record<K, Int32Array>;
  }
}

export type CpuCols = 'pc' | 'fp' | 'x' | 'y' | 'z';
export type WideCols = 'row' | 'xh' | 'yh' | 'zh';
export type MemoryCols = 'row' | 'addr' | 'lo' | 'hi';
export type BulkCols = 'row' | 'dest' | 'src' | 'len';

export interface ExecutionRecord {
  /** Number of cpu rows (= cycles). */
  readonly cycles: number;
  readonly cpu: Readonly<Record<CpuCols, Int32Array>>;
  readonly wide: Readonly<Record<WideCols, Int32Array>>;
  readonly memory: Readonly<Record<MemoryCols, Int32Array>>;
  readonly bulk: Readonly<Record<BulkCols, Int32Array>>;
  /** For each proof table, the cpu rows it proves. */
  readonly tables: Readonly<Record<ProofTable, Int32Array>>;
  /** Private input, public input and public output of the run. */
  readonly input: Uint8Array;
  readonly publicInput: Uint8Array;
  readonly output: Uint8Array;
}

export const TABLE_INDEX: Readonly<Record<ProofTable, number>> = Object.fromEntries(PROOF_TABLES.map((t, i) => [t, i])) as Record<ProofTable, number>;
