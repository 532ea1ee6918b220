/**
 * The bulk table: `mcopy`, `mfill`, `read`, `read_public` and `commit`, one row per byte.
 *
 * An instruction with n bytes takes n consecutive rows (one row that only receives the call when
 * n = 0, `empty`). Its first row (`first`) receives the CPU's ALU-bus tuple (op, x, 0, y, (pages, 0),
 * z, 0, T, e) (mcopy: dest, src, n; mfill: dest, value, n; read / read_public: ptr, len, count with
 * e = pubPos for read_public; commit: ptr, len, 0, e = outPos); the other rows chain to it:
 * under g = next.isReal - next.first ("the next row continues this instruction") the selectors,
 * `back` and the fill byte are copied, `rem` (bytes left, n on the first row) drops by 1, `t`
 * (= T + 3 + 2i) grows by 2 and `pos` (the io position e + i) by 1. Where the next row does not
 * continue, a byte row must have rem = 1, so an instruction has exactly n byte rows: rem runs
 * n, n - 1, ..., 1 (n < 2^30 is an integer, see the bounds; for n = 0 reaching rem = 1 would take
 * p - 1 rows, more than any table has, so an n = 0 instruction is one `empty` row). The chain needs
 * no transition gate: across the wrap from the last row to row 0 it is the same rule, so an
 * instruction may at most wrap around the table's end, still as consecutive rows; a real non-first
 * row always has a real predecessor of the same instruction, and following predecessors must reach
 * a first row (a cycle of real rows without one would need the table height to be a multiple of
 * p). Two checks are kept although the rest implies them (the tests say why): `first is a bit` (a
 * non-bit first zeroes every first-row column, (1 - first) c = 0, so the row can only be an empty
 * row receiving an all-zero tuple) and `at most one selector` (isReal >= 2 forces first = 0, and a
 * chain of such rows never reaches a first row). `empty` needs no bit or "not continued" rule:
 * empty != 0 forces rem = 0, and a row with rem = 0 that is continued (or a non-empty one that is
 * not) never reaches rem = 1; so empty = 1 exactly on rows with rem = 0 that close their
 * instruction. An empty row after a chain's rem = 1 row is harmless (no access, no io).
 *
 * Byte i: a read access at t = T + 3 + 2i (mcopy's source byte, commit's byte) and a write access at
 * t + 1 (mcopy, mfill, read, read_public), both on the word-granular heap (memory.ts): the access
 * to word w replaces one byte of it. Two address units (W: destination, R: source) each hold the
 * word index and a one-hot byte position and step by one byte per row, forward or backward
 * (n.at_k = at_(k-1) forward, at_(k+1) backward; the word moves when the position wraps). Their
 * start, on the first row, is checked against the tuple: W = x + back (n - 1), R = y + back (n - 1)
 * for mcopy, x for commit, 0 otherwise; the start's word is proved < 2^28 + 2^16 (l0 and 16 l1 on
 * range16), so 4 word + pos < p and the start equation is an integer equation.
 *
 * Bounds, as integers, on the first row: x + L + R = 2^16 pages with L = n (mcopy, mfill) or len
 * (read, read_public, commit) and R = R0 + 2^16 R1 >= 0, checked limb-wise (x0 + L0 + R0 = 2^16 k,
 * x1 + L1 + R1 + k = pages, k in {0, 1, 2}, R0 and R1 on range16; all terms below 2^18, so integer
 * equations). k in {0, 1, 2} and the comparison's borrow bit below ARE needed: 2^16 (-30720) =
 * 1 - p, so k = -30719 satisfies the low limb mod p when x0 + L0 + R0 = 2^16 + 1 and lets x1 exceed
 * pages by about 30719 pages. That makes pages an integer, and 16384 - pages on range16 bounds it
 * by 2^14 (1 GiB), so every address is below 2^30 < p. mcopy also checks y + n the same way. mcopy's direction: the
 * limb-wise comparison hi - lo - back = r0 + 2^16 r1 >= 0 with (hi - lo) = (1 - 2 back)(src - dest)
 * proves dest <= src for back = 0 and dest > src for back = 1 (memmove: copying forward when the
 * destination is below the source never reads a byte already overwritten, backward otherwise). The
 * same gadget proves count <= len for read and read_public.
 *
 * read_public: count = min(len, L - pubPos), L = public value 0 (the public input's length, < 2^29).
 * `short` = 1: count = L - pubPos (and count <= len by the comparison); short = 0: count = len and
 * L - pubPos - len = a0 + 2^16 a1 with a0 and 8 a1 on range16 (memory.ts's assertSmall: < 2^29 + 2^16,
 * while a negative integer difference >= -2^30 lands at >= p - 2^30 > 2^29 + 2^16). pubPos is the
 * CPU's running position from 0, so 0 <= pubPos <= L by induction. `short` needs no bit check: any
 * value other than 0 and isRP makes both branches hold (count = len = L - pubPos, the right count),
 * and on other opcodes it only adds constraints. Byte i is RECEIVED on the io bus
 * as (IO_IN, pubPos + i, byte); the verifier sends the public input's bytes. commit SENDS (IO_OUT,
 * outPos + i, byte read). read (private): the bytes are free witness bytes, range-checked; this
 * table proves count <= len, and the CPU table makes the counts those of one input stream (a read
 * returns len bytes unless it declares the end, after which every read returns 0: its `inEof`). Every byte written is a byte
 * (bytes.range on val), so the new word's limbs are u16 and the memory bus stays u32.
 *
 * Degree 3 (first-row and chain constraints are a gate times a product of two columns). Reference:
 * SP1 has no bulk-memory chip (memcpy is guest code over its MemoryInstructions chip); the row-per-
 * byte chaining with a countdown follows the "multi-row instruction" pattern of SP1's and OpenVM's
 * precompile chips (a first-row flag receiving the call, rows linked by a countdown).
 * @module
 */
import { defineTable } from '../../prover/air/builder.ts';
import type { Expr } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { ISA, OP, PAGE_SIZE } from '../isa.ts';
import { aluBus, heightFor, opcodeOf, type LookupCounts } from './alu.ts';
import { bytes, BYTE_RANGE } from './bytes.ts';
import { ioBus, IO_IN, IO_OUT } from './io.ts';
import { access, assertSmall, HEAP_KEY_BASE, type AccessRecord, type MemoryState } from './memory.ts';
import { range16 } from './range.ts';

/** Opcodes of this table, in selector order. */
export const BULK_OPS: readonly number[] = [OP.mcopy!, OP.mfill!, OP.read!, OP.read_public!, OP.commit!];
const [M, F, RD, RP, CM] = [0, 1, 2, 3, 4];
/** Largest heap (pages) the table proves: 1 GiB, so every address is below 2^30. */
export const MAX_PAGES = 16384;
/** Largest public input the table proves (bytes). */
export const MAX_PUBLIC_INPUT = 2 ** 29 - 1;

export const BulkCols = layout({
  sel: 5, // one-hot selectors mcopy, mfill, read, read_public, commit: bits, at most one (isReal = sum); copied along the instruction; op via the alu bus
  first: 1, // first row of an instruction (receives the CPU tuple): a bit; pinned by the chain (a non-first real row continues its predecessor)
  empty: 1, // the single row of an n = 0 instruction: rem = 0; no access, no io (a bit, never continued: see the module doc)
  x: 2, // tuple x (dest / ptr) on the first row, else 0: pinned by the alu bus
  y: 2, // tuple y (src / fill value / len) on the first row, else 0: pinned by the alu bus
  z: 2, // tuple z (n / count / 0) on the first row, else 0: pinned by the alu bus
  pages: 1, // heap pages on the first row, else 0: pinned by the alu bus
  t: 1, // T + 3 + 2i: tuple ts + 3 on the first row, +2 per row (chain)
  pos: 1, // io position e + i: tuple e on the first row, +1 per row (chain)
  rem: 1, // bytes left including this one: n on the first row, -1 per row, 1 on the last (chain, closing)
  back: 1, // mcopy copies backward (dest > src): a bit, 0 unless mcopy, copied; pinned by the comparison
  fv: 1, // fill byte (mfill; else 0): low byte of y0 on the first row (bytes.range), copied
  fhi: 1, // high byte of y0 on an mfill first row, else 0: bytes.range
  val: 1, // byte written: rb (mcopy), fv (mfill), the io byte (read_public), a range-checked byte (read); 0 without a write
  rd: 1, // this row reads a source byte: (mcopy + commit) (1 - empty)
  wr: 1, // this row writes a byte: (mcopy + mfill + read + read_public) (1 - empty)
  wWord: 1, // W unit: word index of the destination byte: start equation on the first row, chain after
  wAt: 4, // W unit: one-hot position of the destination byte in its word: bits summing to isReal, start equation / chain
  wLimbs: 2, // W start word = l0 + 2^16 l1 (first row; else 0): l0 and 16 l1 on range16
  wPrev: 2, // previous value of the destination word: memory bus (free and unused when wr = 0)
  wBytes: 4, // bytes of wPrev: bytes.range pairs
  wTs: 1, // previous timestamp of the destination word: memory bus order check (free when wr = 0)
  wDiff: 2, // order-check limbs of the write: assertLess (free when wr = 0)
  rWord: 1, // R unit: word index of the source byte (as the W unit)
  rAt: 4, // R unit: one-hot position of the source byte
  rLimbs: 2, // R start word limbs (first row; else 0): l0 and 16 l1 on range16
  rPrev: 2, // value of the source word: memory bus (free and unused when rd = 0)
  rBytes: 4, // bytes of rPrev: bytes.range pairs
  rTs: 1, // previous timestamp of the source word: memory bus order check (free when rd = 0)
  rDiff: 2, // order-check limbs of the read: assertLess (free when rd = 0)
  rb: 1, // the source byte: sum rAt_k rBytes_k
  bound: 3, // first row: R0, R1, k of x + L + R = 2^16 pages (R0, R1 on range16); else 0
  bound2: 3, // mcopy first row: R0, R1, k of y + n + R = 2^16 pages; else 0
  fm: 1, // first * mcopy (gate of bound2): pinned by its definition
  cmp: 3, // first row: r0, r1 (range16) and borrow bw of hi - lo - back = r0 + 2^16 r1 (direction / count <= len); else 0
  short: 1, // read_public: 1 when the input runs out (count = L - pubPos), else 0 (count = len); see the module doc
  avail: 2, // read_public first row, short = 0: L - pubPos - len = a0 + 2^16 a1 (a0, 8 a1 on range16); else 0
});

const C = BulkCols;
const TWO16 = 0x10000;

export const bulkTable = defineTable({
  name: 'bulk',
  cols: BulkCols,
  publicValues: 1,
  eval(b) {
    const r = b.local(BulkCols);
    const n = b.next(BulkCols);
    const L = b.publicValue(0);
    const s = r.sel;
    b.assertBools('selectors are bits', s);
    const isReal = b.sum(s);
    b.assertBool('at most one selector (isReal is a bit)', isReal);
    const nReal = b.sum(n.sel);
    const [isM, isF, isR, isRP, isC] = [s[M]!, s[F]!, s[RD]!, s[RP]!, s[CM]!];
    b.assertBool('first is a bit', r.first);
    b.assertZero('first only on real rows', b.mul(r.first, b.sub(1, isReal)));
    b.assertZero('empty has no bytes (rem = 0)', b.mul(r.empty, r.rem));

    // ---- the chain ----
    const g = b.sub(nReal, n.first);
    const on = b.when(g);
    on.assertZeros('a continuation keeps the opcode', n.sel.map((x, k) => b.sub(x, s[k]!)));
    on.assertEq('a continuation keeps the direction', n.back, r.back);
    on.assertEq('a continuation keeps the fill byte', n.fv, r.fv);
    on.assertEq('rem drops by one', n.rem, b.sub(r.rem, 1));
    on.assertEq('t grows by two', n.t, b.add(r.t, 2));
    on.assertEq('pos grows by one', n.pos, b.add(r.pos, 1));
    b.assertZero('the last byte row of an instruction has rem = 1', b.mul(b.sub(1, g), b.sub(isReal, r.empty), b.sub(r.rem, 1)));
    const step = (label: string, word: Expr, at: readonly Expr[], nWord: Expr, nAt: readonly Expr[]): void => {
      for (let k = 0; k < 4; k++) {
        const fwd = at[(k + 3) % 4]!, bwd = at[(k + 1) % 4]!;
        on.assertEq(() => `${label}: the position moves one byte [${k}]`, nAt[k]!, b.add(fwd, b.mul(r.back, b.sub(bwd, fwd))));
      }
      on.assertEq(`${label}: the word moves when the position wraps`, nWord, b.sub(b.add(word, at[3]!), b.mul(r.back, b.add(at[3]!, at[0]!))));
    };
    step('W', r.wWord, r.wAt, n.wWord, n.wAt);
    step('R', r.rWord, r.rAt, n.rWord, n.rAt);

    // ---- columns used on first rows only ----
    const firstOnly = [...r.x, ...r.y, ...r.z, r.pages, r.fhi, ...r.wLimbs, ...r.rLimbs, ...r.bound, ...r.bound2, ...r.cmp, ...r.avail];
    b.assertZeros('first-row columns are 0 elsewhere', firstOnly.map((c) => b.mul(b.sub(1, r.first), c)));

    // ---- the CPU's tuple ----
    const op = opcodeOf(b, s, BULK_OPS);
    const ts = b.sub(r.t, 3);
    aluBus.receive(b, [op, r.x[0]!, r.x[1]!, 0, 0, r.y[0]!, r.y[1]!, r.pages, 0, r.z[0]!, r.z[1]!, 0, 0, ts, r.pos], r.first);

    // ---- first row: count, bounds, direction ----
    const word = (v: readonly Expr[]) => b.add(v[0]!, b.mul(TWO16, v[1]!));
    const fr = b.when(r.first);
    const nExpr = b.add(b.mul(b.add(isM, isF, isR, isRP), word(r.z)), b.mul(isC, word(r.y)));
    fr.assertEq('rem starts at n (z, or len for commit)', r.rem, nExpr);
    const lenLimb = (j: number) => b.add(b.mul(b.add(isM, isF), r.z[j]!), b.mul(b.add(isR, isRP, isC), r.y[j]!));
    const [R0, R1, k] = r.bound as [Expr, Expr, Expr];
    fr.assertZero('bounds, low limb: x0 + L0 + R0 = 2^16 k', b.sub(b.add(r.x[0]!, lenLimb(0), R0), b.mul(TWO16, k)));
    fr.assertZero('bounds, high limb: x1 + L1 + R1 + k = pages', b.sub(b.add(r.x[1]!, lenLimb(1), R1, k), r.pages));
    b.assertZero('bounds carry is 0, 1 or 2', b.mul(k, b.sub(k, 1), b.sub(k, 2)));
    range16.lookup(b, 'bounds: R0, R1 and 16384 - pages', [R0, R1, b.sub(MAX_PAGES, r.pages)], r.first);
    b.assertEq('fm = first * mcopy', r.fm, b.mul(r.first, isM));
    const [S0, S1, k2] = r.bound2 as [Expr, Expr, Expr];
    const fmOn = b.when(r.fm);
    fmOn.assertZero('mcopy source bounds, low limb: y0 + n0 + R0 = 2^16 k', b.sub(b.add(r.y[0]!, r.z[0]!, S0), b.mul(TWO16, k2)));
    fmOn.assertZero('mcopy source bounds, high limb: y1 + n1 + R1 + k = pages', b.sub(b.add(r.y[1]!, r.z[1]!, S1, k2), r.pages));
    b.assertZero('mcopy source bounds carry is 0, 1 or 2', b.mul(k2, b.sub(k2, 1), b.sub(k2, 2)));
    range16.lookup(b, 'mcopy source bounds: R0, R1', [S0, S1], r.fm);
    b.assertBool('back is a bit', r.back);
    b.assertZero('back only for mcopy', b.mul(r.back, b.sub(1, isM)));
    const [c0, c1, bw] = r.cmp as [Expr, Expr, Expr];
    const d = (j: number) => b.add(b.mul(b.sub(isM, b.mul(2, r.back)), b.sub(r.y[j]!, r.x[j]!)), b.mul(b.add(isR, isRP), b.sub(r.y[j]!, r.z[j]!)));
    b.assertBool('comparison borrow is a bit', bw);
    fr.assertZero('comparison, low limb: (hi - lo)0 - back + 2^16 bw = r0', b.sub(b.add(b.sub(d(0), r.back), b.mul(TWO16, bw)), c0));
    fr.assertZero('comparison, high limb: (hi - lo)1 - bw = r1', b.sub(b.sub(d(1), bw), c1));
    range16.lookup(b, 'comparison: r0, r1', [c0, c1], r.first);

    // ---- read_public: count = min(len, L - pubPos) ----
    fr.assertZero('short read: count = L - pubPos', b.mul(r.short, b.sub(word(r.z), b.sub(L, r.pos))));
    const full = b.sub(isRP, r.short);
    fr.assertZeros('full read: count = len', [0, 1].map((j) => b.mul(full, b.sub(r.z[j]!, r.y[j]!))));
    assertSmall(b, 'full read: len <= L - pubPos', b.mul(full, b.sub(b.sub(L, r.pos), word(r.y))), r.avail, r.first);

    // ---- address units: start on the first row ----
    const posOf = (at: readonly Expr[]) => b.add(at[1]!, b.mul(2, at[2]!), b.mul(3, at[3]!));
    for (const [label, at] of [['W', r.wAt], ['R', r.rAt]] as const) {
      b.assertBools(`${label}: position selectors are bits`, at);
      b.assertEq(`${label}: one position on a real row`, b.sum(at), isReal);
    }
    const backN = b.mul(r.back, b.sub(b.add(r.rem, r.empty), 1));
    fr.assertZero('W starts at x + back (n - 1)', b.sub(b.add(word(r.x), backN), b.add(b.mul(4, r.wWord), posOf(r.wAt))));
    fr.assertZero('R starts at y + back (n - 1) (mcopy), x (commit), 0 (others)', b.sub(b.add(b.mul(isM, word(r.y)), backN, b.mul(isC, word(r.x))), b.add(b.mul(4, r.rWord), posOf(r.rAt))));
    for (const [label, w, l] of [['W', r.wWord, r.wLimbs], ['R', r.rWord, r.rLimbs]] as const) {
      fr.assertZero(`${label}: start word = l0 + 2^16 l1`, b.sub(w, b.add(l[0]!, b.mul(TWO16, l[1]!))));
      range16.lookup(b, `${label}: start word limbs l0 and 16 l1`, [l[0]!, b.mul(16, l[1]!)], r.first);
    }

    // ---- bytes and accesses ----
    const notEmpty = b.sub(1, r.empty);
    b.assertEq('rd = (mcopy + commit) (1 - empty)', r.rd, b.mul(b.add(isM, isC), notEmpty));
    b.assertEq('wr = (mcopy + mfill + read + read_public) (1 - empty)', r.wr, b.mul(b.add(isM, isF, isR, isRP), notEmpty));
    for (const [label, p, by] of [['W', r.wPrev, r.wBytes], ['R', r.rPrev, r.rBytes]] as const) {
      b.assertZero(`${label}: prev0 = byte0 + 256 byte1`, b.sub(p[0]!, b.add(by[0]!, b.mul(256, by[1]!))));
      b.assertZero(`${label}: prev1 = byte2 + 256 byte3`, b.sub(p[1]!, b.add(by[2]!, b.mul(256, by[3]!))));
      bytes.range(b, by[0]!, by[1]!, isReal);
      bytes.range(b, by[2]!, by[3]!, isReal);
    }
    b.assertEq('rb is the source byte at its position', r.rb, b.sum([0, 1, 2, 3].map((k) => b.mul(r.rAt[k]!, r.rBytes[k]!))));
    bytes.range(b, r.val, r.rb, isReal);
    b.assertZero('no byte written without a write', b.mul(b.sub(1, r.wr), r.val));
    b.assertZero('mcopy writes the byte it read', b.mul(r.wr, isM, b.sub(r.val, r.rb)));
    b.assertZero('mfill writes the fill byte', b.mul(r.wr, isF, b.sub(r.val, r.fv)));
    b.assertZero('the fill byte is 0 unless mfill', b.mul(r.fv, b.sub(1, isF)));
    b.when(b.mul(r.first, isF)).assertZero('mfill: y0 = fill byte + 256 fhi', b.sub(r.y[0]!, b.add(r.fv, b.mul(256, r.fhi))));
    b.assertZero('fhi only for mfill', b.mul(r.fhi, b.sub(1, isF)));
    bytes.range(b, r.fv, r.fhi, b.mul(r.first, isF));
    const wb = r.wBytes, wa = r.wAt;
    const nw = [
      b.add(r.wPrev[0]!, b.mul(wa[0]!, b.sub(r.val, wb[0]!)), b.mul(256, b.mul(wa[1]!, b.sub(r.val, wb[1]!)))),
      b.add(r.wPrev[1]!, b.mul(wa[2]!, b.sub(r.val, wb[2]!)), b.mul(256, b.mul(wa[3]!, b.sub(r.val, wb[3]!)))),
    ];
    access(b, 'read', { key: b.add(HEAP_KEY_BASE, r.rWord), prev: r.rPrev, value: r.rPrev, prevTs: r.rTs, ts: r.t, diff: r.rDiff, gate: r.rd });
    access(b, 'write', { key: b.add(HEAP_KEY_BASE, r.wWord), prev: r.wPrev, value: nw, prevTs: r.wTs, ts: b.add(r.t, 1), diff: r.wDiff, gate: r.wr });

    // ---- public I/O ----
    ioBus.receive(b, [IO_IN, r.pos, r.val], b.mul(isRP, notEmpty));
    ioBus.send(b, [IO_OUT, r.pos, r.rb], b.mul(isC, notEmpty));
  },
});

/** One bulk instruction as the CPU row sees it (raw i32 words). */
export interface BulkEvent {
  readonly op: number;
  readonly x: number;
  readonly y: number;
  readonly z: number;
  /** The CPU row's timestamp T. */
  readonly ts: number;
  /** read: the private input position (its bytes; the tuple's e is 0); read_public: pubPos; commit: outPos; mcopy/mfill: ignored. */
  readonly pos: number;
  readonly pages: number;
}

/** The run's inputs (an ExecutionRecord has both). */
export interface BulkInputs {
  readonly input: Uint8Array;
  readonly publicInput: Uint8Array;
}

const SEL_INDEX = new Int8Array(256).fill(-1);
BULK_OPS.forEach((op, i) => (SEL_INDEX[op] = i));

/** The bounds gadget's columns at `at`: R = memLen - a - l as limbs, and the low-limb carry. */
function bound(v: Uint32Array, at: number, a: number, l: number, memLen: number, r16: Uint32Array): void {
  const rest = memLen - a - l;
  const r0 = rest & 0xffff, r1 = Math.floor(rest / TWO16);
  v[at] = r0;
  v[at + 1] = r1;
  v[at + 2] = ((a & 0xffff) + (l & 0xffff) + r0) / TWO16;
  range16.record(r16, r0);
  range16.record(r16, r1);
}

/** A unit's start word as limbs l0, l1 at `at`, with the l0 and 16 l1 lookups. */
function startLimbs(v: Uint32Array, at: number, word: number, r16: Uint32Array): void {
  v[at] = word & 0xffff;
  v[at + 1] = word >>> 16;
  range16.record(r16, word & 0xffff);
  range16.record(r16, 16 * (word >>> 16));
}

/**
 * Grows the bulk trace one instruction at a time, in memory-time order (trace generation calls
 * `add` right after the CPU row's own slot accesses); `trace()` pads it, `publics()` is [L].
 */
export class BulkBuilder {
  private buf = new Uint32Array(256 * C.width);
  private rows = 0;
  private readonly acc: AccessRecord = { prev: 0, prevTs: 0, d0: 0, d1: 0 };

  /** `publicInputLength`: L, the public input's length in bytes (public value 0). */
  constructor(readonly publicInputLength: number) {
    if (!(Number.isInteger(publicInputLength) && publicInputLength >= 0 && publicInputLength <= MAX_PUBLIC_INPUT)) {
      throw new RangeError(`BulkBuilder: public input length ${publicInputLength} is not in [0, 2^29)`);
    }
  }

  get length(): number {
    return this.rows;
  }

  publics(): number[] {
    return [this.publicInputLength];
  }

  trace(): Matrix {
    const height = heightFor(this.rows);
    const values = new Uint32Array(height * C.width);
    values.set(this.buf.subarray(0, this.rows * C.width));
    return { values, width: C.width, height };
  }

  private reserve(rows: number): void {
    const need = (this.rows + rows) * C.width;
    if (need <= this.buf.length) return;
    let len = this.buf.length * 2;
    while (len < need) len *= 2;
    const nb = new Uint32Array(len);
    nb.set(this.buf);
    this.buf = nb;
  }

  /**
   * Appends the rows of one instruction (n rows, or one empty row), performing its accesses on
   * `mem` and recording its lookups. Throws a RangeError for what no proof exists for (out of
   * bounds, a heap over 1 GiB, a count that is not the executor's) and a TypeError for an opcode
   * of another table.
   */
  add(e: BulkEvent, mem: MemoryState, counts: LookupCounts, io: BulkInputs): void {
    const s = e.op >= 0 && e.op < 256 ? SEL_INDEX[e.op]! : -1;
    if (s < 0) throw new TypeError(`BulkBuilder: opcode ${e.op} (${ISA[e.op]?.mnemonic ?? 'unknown'}) is not a bulk instruction`);
    const mn = ISA[e.op]!.mnemonic;
    const x = e.x >>> 0, y = e.y >>> 0, z = e.z >>> 0, pages = e.pages;
    if (!(Number.isInteger(pages) && pages >= 0 && pages <= MAX_PAGES)) throw new RangeError(`BulkBuilder: ${mn}: a heap of ${pages} pages is beyond the provable 1 GiB`);
    const memLen = pages * PAGE_SIZE;
    const len = s === M || s === F ? z : y;
    const n = s === CM ? y : z;
    if (x + len > memLen) throw new RangeError(`BulkBuilder: ${mn}: ${x} + ${len} bytes is out of bounds (heap is ${memLen} bytes): the executor traps, no proof exists`);
    if (s === M && y + z > memLen) throw new RangeError(`BulkBuilder: mcopy: source ${y} + ${z} bytes is out of bounds (heap is ${memLen} bytes): the executor traps, no proof exists`);
    if (s === CM && z !== 0) throw new RangeError(`BulkBuilder: commit: z must be 0, got ${z}`);
    let short = 0;
    if (s === RD || s === RP) {
      const avail = (s === RD ? io.input.length : this.publicInputLength) - e.pos;
      if (!(Number.isInteger(e.pos) && avail >= 0)) throw new RangeError(`BulkBuilder: ${mn}: input position ${e.pos} is past the input`);
      const want = Math.min(y, avail);
      if (z !== want) throw new RangeError(`BulkBuilder: ${mn}: count ${z} but min(len ${y}, ${avail} bytes left) = ${want}`);
      if (s === RP) short = y > avail ? 1 : 0;
      if (s === RP && io.publicInput.length !== this.publicInputLength) throw new RangeError('BulkBuilder: the public input is not of the length given to the builder');
    }
    const back = s === M && x > y ? 1 : 0;
    const rows = Math.max(n, 1);
    this.reserve(rows);
    const w = C.width;
    const v = this.buf;
    const r16 = counts.range16, bc = counts.bytes;
    const T = e.ts;
    const fill = y & 0xff;
    const empty = n === 0 ? 1 : 0;
    const rdOn = !empty && (s === M || s === CM);
    const wrOn = !empty && s !== CM;
    // unit starts
    const wStart = x + back * (n - 1 + empty);
    const rStart = s === M ? y + back * (n - 1 + empty) : s === CM ? x : 0;
    const dir = back ? -1 : 1;
    const src = s === RD ? io.input : io.publicInput;
    const acc = this.acc;
    for (let i = 0; i < rows; i++) {
      const o = (this.rows + i) * w;
      v.fill(0, o, o + w);
      v[o + C.sel + s] = 1;
      const isFirst = i === 0;
      v[o + C.first] = isFirst ? 1 : 0;
      v[o + C.empty] = empty;
      const t = T + 3 + 2 * i;
      v[o + C.t] = t;
      v[o + C.pos] = (s === RP || s === CM ? e.pos : 0) + i;
      v[o + C.rem] = n - i;
      v[o + C.back] = back;
      v[o + C.fv] = s === F ? fill : 0;
      v[o + C.rd] = rdOn ? 1 : 0;
      v[o + C.wr] = wrOn ? 1 : 0;
      const wa = wStart + dir * i, ra = rStart + dir * i;
      v[o + C.wWord] = Math.floor(wa / 4);
      v[o + C.wAt + (wa & 3)] = 1;
      v[o + C.rWord] = Math.floor(ra / 4);
      v[o + C.rAt + (ra & 3)] = 1;
      // read access
      let rb = 0;
      if (rdOn) {
        mem.access(HEAP_KEY_BASE + Math.floor(ra / 4), t, undefined, r16, acc);
        const p = acc.prev;
        v[o + C.rPrev] = p & 0xffff;
        v[o + C.rPrev + 1] = p >>> 16;
        for (let k = 0; k < 4; k++) v[o + C.rBytes + k] = (p >>> (8 * k)) & 0xff;
        v[o + C.rTs] = acc.prevTs;
        v[o + C.rDiff] = acc.d0;
        v[o + C.rDiff + 1] = acc.d1;
        rb = (p >>> (8 * (ra & 3))) & 0xff;
      }
      v[o + C.rb] = rb;
      // write access
      let val = 0;
      if (wrOn) {
        val = s === M ? rb : s === F ? fill : src[e.pos + i]!;
        const key = HEAP_KEY_BASE + Math.floor(wa / 4);
        const p = mem.peek(key);
        const sh = 8 * (wa & 3);
        mem.access(key, t + 1, (p & ~(0xff << sh)) | (val << sh), r16, acc);
        v[o + C.wPrev] = p & 0xffff;
        v[o + C.wPrev + 1] = p >>> 16;
        for (let k = 0; k < 4; k++) v[o + C.wBytes + k] = (p >>> (8 * k)) & 0xff;
        v[o + C.wTs] = acc.prevTs;
        v[o + C.wDiff] = acc.d0;
        v[o + C.wDiff + 1] = acc.d1;
      }
      v[o + C.val] = val;
      bytes.record(bc, BYTE_RANGE, v[o + C.wBytes]!, v[o + C.wBytes + 1]!);
      bytes.record(bc, BYTE_RANGE, v[o + C.wBytes + 2]!, v[o + C.wBytes + 3]!);
      bytes.record(bc, BYTE_RANGE, v[o + C.rBytes]!, v[o + C.rBytes + 1]!);
      bytes.record(bc, BYTE_RANGE, v[o + C.rBytes + 2]!, v[o + C.rBytes + 3]!);
      bytes.record(bc, BYTE_RANGE, val, rb);
      if (!isFirst) continue;

      // first row
      v[o + C.x] = x & 0xffff;
      v[o + C.x + 1] = x >>> 16;
      v[o + C.y] = y & 0xffff;
      v[o + C.y + 1] = y >>> 16;
      v[o + C.z] = z & 0xffff;
      v[o + C.z + 1] = z >>> 16;
      v[o + C.pages] = pages;
      if (s === F) {
        v[o + C.fhi] = (y >>> 8) & 0xff;
        bytes.record(bc, BYTE_RANGE, fill, (y >>> 8) & 0xff);
      }
      bound(v, o + C.bound, x, len, memLen, r16);
      range16.record(r16, MAX_PAGES - pages);
      if (s === M) {
        v[o + C.fm] = 1;
        bound(v, o + C.bound2, y, z, memLen, r16);
      }
      // comparison: hi - lo - back
      let hi = 0, lo = 0;
      if (s === M) {
        hi = back ? x : y;
        lo = back ? y : x;
      } else if (s === RD || s === RP) {
        hi = y;
        lo = z;
      }
      const diff = hi - lo - back;
      const c0 = diff & 0xffff, c1 = Math.floor(diff / TWO16);
      const d0 = (hi & 0xffff) - (lo & 0xffff) - back;
      v[o + C.cmp] = c0;
      v[o + C.cmp + 1] = c1;
      v[o + C.cmp + 2] = (c0 - d0) / TWO16;
      range16.record(r16, c0);
      range16.record(r16, c1);
      v[o + C.short] = short;
      const availDiff = s === RP && !short ? this.publicInputLength - e.pos - y : 0;
      v[o + C.avail] = availDiff & 0xffff;
      v[o + C.avail + 1] = availDiff >>> 16;
      range16.record(r16, availDiff & 0xffff);
      range16.record(r16, 8 * (availDiff >>> 16));
      startLimbs(v, o + C.wLimbs, Math.floor(wStart / 4), r16);
      startLimbs(v, o + C.rLimbs, Math.floor(rStart / 4), r16);
    }
    this.rows += rows;
  }
}
