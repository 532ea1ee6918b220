/**
 * The ExecutionRecord: what the prover needs from a run, as typed-array columns (no object per
 * event), one event list per proof table.
 *
 * - cpu: one row per executed instruction (row index = clock): `pc` and the values `x`, `y` the
 *   instruction read and `z` it wrote (low words). Which operand is which follows the ISA table: `x`
 *   is the first slot read, `y` the second, `z` the slot written. For a load `x` is the address
 *   slot and `z` the loaded value; for a store `x` is the value and `y` the address slot; for control
 *   flow `x` is the condition / index; for `call` `z` is the link written, for `ret` `x` the link read.
 *   `fp` changes only at calls and returns, so it is kept as `frames` events (row from which the new
 *   fp holds) and expanded on demand. Per class: `const` z = imm; `mov`/`gget`/`gset` x = z = the
 *   value moved; `.i` forms y = imm; `brz`/`brnz`/`br_table` x = the tested value; `call` z = link,
 *   `call_indirect` x = table index, z = link; `memory.grow` x = delta, z = result; `mcopy`/`mfill`
 *   x = dest, y = src or value, z = length; `read`/`read_public` x = ptr, y = len, z = count;
 *   `commit`/`panic` x = ptr, y = len. Unused values are 0.
 * - `wide`: the high words of 64-bit instructions (`xh`, `yh`, `zh`), keyed by cpu row.
 * - `memory`: one event per heap load or store: the effective byte address and the value's low and
 *   high words (width and sign come from the cpu row's opcode).
 * - `bulk`: one event per `mcopy` / `mfill` / `read` / `read_public` / `commit`: dest (or ptr), src
 *   (or fill value / input position / output position), length; trace generation replays the bytes.
 * - `tableRows(t)`: the cpu rows whose instruction is proved in table `t` (the ISA's `table` field).
 *
 * Storage. Fresh memory is expensive (on the 2-core CI machine, first-touching a page costs about
 * 8 ms/MB, a rewrite about 0.5 ms/MB), so the hot columns are written into fixed-size chunks taken
 * from a module-level pool instead of doubling arrays, and `release()` returns a record's chunks to
 * the pool for the next run. Contiguous columns (`cpu()`, `memory`, ...) are built on first access.
 * @module
 */
import { INSTR_WORDS, ISA, PROOF_TABLES, type ProofTable } from './isa.ts';

/** Rows per chunk (a power of two, so continuation segments of 2^k >= 2^16 rows align with chunks). */
export const CHUNK_ROWS = 1 << 16;
/** Words per cpu row in a chunk: pc, x, y, z. */
export const CPU_STRIDE = 4;
export const CHUNK_WORDS = CHUNK_ROWS * CPU_STRIDE;

const pool: Int32Array[] = [];
/** Upper bound on pooled chunks (1 MiB each). */
const POOL_MAX = 384;

/** A chunk from the pool (contents undefined) or a fresh one. */
export function takeChunk(): Int32Array {
  return pool.pop() ?? new Int32Array(CHUNK_WORDS);
}
function giveChunk(c: Int32Array): void {
  if (pool.length < POOL_MAX && c.length === CHUNK_WORDS) pool.push(c);
}

/** Four-column events in pooled chunks, interleaved [a, b, c, d]. */
export class Sink4 {
  chunks: Int32Array[] = [];
  cur: Int32Array;
  i = 0;
  constructor(active: boolean) {
    this.cur = active ? takeChunk() : new Int32Array(4);
  }
  push(a: number, b: number, c: number, d: number): void {
    if (this.i === this.cur.length) {
      this.chunks.push(this.cur);
      this.cur = takeChunk();
      this.i = 0;
    }
    const k = this.i;
    this.cur[k] = a;
    this.cur[k + 1] = b;
    this.cur[k + 2] = c;
    this.cur[k + 3] = d;
    this.i = k + 4;
  }
  get length(): number {
    return (this.chunks.length * CHUNK_WORDS + this.i) / 4;
  }
  /** Seals the sink: the list of chunks, the last one partial. */
  seal(): { chunks: Int32Array[]; length: number } {
    const n = this.length;
    this.chunks.push(this.cur);
    return { chunks: this.chunks, length: n };
  }
}

function columns<K extends string>(chunks: readonly Int32Array[], length: number, stride: number, names: readonly K[]): Record<K, Int32Array> {
  const cols = names.map(() => new Int32Array(length));
  const perChunk = CHUNK_WORDS / stride;
  for (let r = 0; r < length; r++) {
    const ch = chunks[(r / perChunk) | 0]!;
    const o = (r % perChunk) * stride;
    for (let k = 0; k < names.length; k++) cols[k]![r] = ch[o + k]!;
  }
  return Object.fromEntries(names.map((k, i) => [k, cols[i]])) as Record<K, Int32Array>;
}

export type CpuCols = 'pc' | 'fp' | 'x' | 'y' | 'z';
export type WideCols = 'row' | 'xh' | 'yh' | 'zh';
export type MemoryCols = 'row' | 'addr' | 'lo' | 'hi';
export type BulkCols = 'row' | 'dest' | 'src' | 'len';

export interface ExecutionRecord {
  /** Number of cpu rows (= cycles). */
  readonly cycles: number;
  /** The cpu rows: chunks of `CHUNK_ROWS` rows, `CPU_STRIDE` words each ([pc, x, y, z]); the last chunk is partial. */
  readonly cpuChunks: readonly Int32Array[];
  /** fp changes: from cpu row `row` on, fp is `fp` (row 0 holds the first frame). */
  readonly frames: Readonly<Record<'row' | 'fp', Int32Array>>;
  /** Contiguous cpu columns (built on each call; for tests, tools and small runs). */
  cpu(): Readonly<Record<CpuCols, Int32Array>>;
  readonly wide: Readonly<Record<WideCols, Int32Array>>;
  readonly memory: Readonly<Record<MemoryCols, Int32Array>>;
  readonly bulk: Readonly<Record<BulkCols, Int32Array>>;
  /** The cpu rows a proof table proves ('cpu': every row). */
  tableRows(table: ProofTable): Int32Array;
  /** Private input, public input and public output of the run. */
  readonly input: Uint8Array;
  readonly publicInput: Uint8Array;
  readonly output: Uint8Array;
  /** Returns the record's chunks to the pool; the record must not be used afterwards. */
  release(): void;
}

type Sealed = { chunks: Int32Array[]; length: number };

/** The executor's record, built from its sealed sinks. */
export class RunRecord implements ExecutionRecord {
  private cache = new Map<string, unknown>();
  private released = false;
  constructor(
    readonly cycles: number,
    private readonly cpuSealed: Sealed,
    readonly frames: Readonly<Record<'row' | 'fp', Int32Array>>,
    private readonly wideSealed: Sealed,
    private readonly memSealed: Sealed,
    private readonly bulkSealed: Sealed,
    private readonly code: Int32Array,
    readonly input: Uint8Array,
    readonly publicInput: Uint8Array,
    readonly output: Uint8Array,
  ) {}
  get cpuChunks(): readonly Int32Array[] {
    this.check();
    return this.cpuSealed.chunks;
  }
  private check(): void {
    if (this.released) throw new Error('ExecutionRecord used after release()');
  }
  private memo<T>(key: string, f: () => T): T {
    this.check();
    if (!this.cache.has(key)) this.cache.set(key, f());
    return this.cache.get(key) as T;
  }
  cpu(): Readonly<Record<CpuCols, Int32Array>> {
    return this.memo('cpu', () => {
      const c = columns(this.cpuSealed.chunks, this.cycles, CPU_STRIDE, ['pc', 'x', 'y', 'z'] as const);
      const fp = new Int32Array(this.cycles);
      const { row, fp: fps } = this.frames;
      for (let k = 0; k < row.length; k++) fp.fill(fps[k]!, row[k]!, k + 1 < row.length ? row[k + 1]! : this.cycles);
      return { pc: c.pc, fp, x: c.x, y: c.y, z: c.z };
    });
  }
  get wide(): Readonly<Record<WideCols, Int32Array>> {
    return this.memo('wide', () => columns(this.wideSealed.chunks, this.wideSealed.length, 4, ['row', 'xh', 'yh', 'zh'] as const));
  }
  get memory(): Readonly<Record<MemoryCols, Int32Array>> {
    return this.memo('memory', () => columns(this.memSealed.chunks, this.memSealed.length, 4, ['row', 'addr', 'lo', 'hi'] as const));
  }
  get bulk(): Readonly<Record<BulkCols, Int32Array>> {
    return this.memo('bulk', () => columns(this.bulkSealed.chunks, this.bulkSealed.length, 4, ['row', 'dest', 'src', 'len'] as const));
  }
  tableRows(table: ProofTable): Int32Array {
    return this.memo(`table:${table}`, () => {
      const t = PROOF_TABLES.indexOf(table);
      if (t < 0) throw new RangeError(`unknown proof table ${table}`);
      const byOp = new Uint8Array(256);
      for (const d of ISA) byOp[d.op] = PROOF_TABLES.indexOf(d.table);
      const out: number[] = [];
      const perChunk = CHUNK_ROWS;
      for (let r = 0; r < this.cycles; r++) {
        const pc = this.cpuSealed.chunks[(r / perChunk) | 0]![(r % perChunk) * CPU_STRIDE]!;
        if (t === 0 || byOp[this.code[pc * INSTR_WORDS]!] === t) out.push(r);
      }
      return Int32Array.from(out);
    });
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const s of [this.cpuSealed, this.wideSealed, this.memSealed, this.bulkSealed]) for (const c of s.chunks) giveChunk(c);
    this.cache.clear();
  }
}
