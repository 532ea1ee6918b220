/**
 * The load-store table: one row per heap load or store (`load8_s` ... `load64`, `store8` ...
 * `store64`), receiving the CPU's ALU-bus tuple and doing the access on the memory bus.
 *
 * Tuple (see alu.ts): loads (op, base, 0, 0, pages, z, zh, T, offset); stores (op, value, valueHigh,
 * base, pages, 0, 0, T, offset). The heap is word-granular (memory.ts: heap word w has key
 * HEAP_KEY_BASE + w), so a row touches ONE word (two for 8-byte accesses), at timestamp T + 3 (the
 * CPU row uses T..T+2 for its slots).
 *
 * Effective address, as an INTEGER. offset = off0 + 2^16 off1 with off0, off1 and 16 off1 looked up
 * on range16, so off1 < 2^12 and the decomposition of the tuple's e (< 2^28, guaranteed by the
 * program table) is unique (without the 16 off1 lookup, off0 + 2^16 off1 could equal e + p).
 * ea = base + offset = ea0 + 2^16 ea1 with
 *   base0 + off0 = ea0 + 2^16 c        (c a bit; both sides < 2^17 + 1: an integer equation)
 *   ea1 = base1 + off1 + c              (an integer < 2^16 + 2^12 + 1)
 *   ea0 = 8 q + 4 a2 + pos, pos = at1 + 2 at2 + 3 at3 (at one-hot), q and 8 q on range16 (q < 2^13)
 * so ea0 < 2^16; c must be a bit, which makes the carry unique (the low-limb equation is then an
 * integer equation). The bit check matters: 2^16 (-30720) = 1 - p, so c = -30720 satisfies the
 * low limb mod p with ea0 = base0 + off0 - 1 and lowers ea1 by 30720 pages, which would prove a load
 * from 0x78000002 (the executor traps) as one from address 1. a2 must be a bit too: otherwise c = 0
 * with a2 = honest + 2^14 moves 2^16 from ea1 into ea0 and weakens the bounds check (the key
 * 2^14 ea1 + 2 q + a2 stays the same). Bounds: pages - 1 - ea1 on range16 gives ea1 < pages
 * (pages, whatever field element the CPU sends, then equals an integer above ea1); every access here
 * is aligned, so ea0 + width <= 2^16 and ea + width <= pages * 2^16 exactly as the executor requires.
 * The word index is 2^14 ea1 + 2 q + a2 (< 2^31 as an integer, no wrap, and >= 0), the key
 * HEAP_KEY_BASE + that (>= 2^28: never a slot key, and below p).
 *
 * Alignment (only aligned accesses are proved; the examples have no unaligned ones, measured):
 * 2-byte: pos in {0, 2}; 4-byte: pos = 0; 8-byte: pos = 0 and a2 = 0 (words 2k and 2k + 1).
 *
 * Values. The previous word p (u16 limbs, as every value on the memory bus) is split into bytes
 * b0..b3 (bytes.range pairs pin them). `part` is the selected byte (sum at_k b_k) or halfword
 * (at0 p0 + at2 p1) of a narrow load. Signed loads: sign is a bit and the lookup of
 * 2^9 (part - 128 sign) (bytes), 2 (part - 2^15 sign) (halfwords) or 2 (p1 - 2^15 sign) (load32_s64)
 * on range16 proves the remaining bits are below the sign bit, so sign is the top bit. The result
 * limbs are linear in part, sign and p: z0 = part + 0xff00 sign (8-bit), part (16-bit), p0 (32/64);
 * z1 = 0xffff sign (8/16-bit), p1; zh = 0xffff sign for sign-extending 64-bit loads, word 1 for
 * load64, else 0. Stores write nw = the old word with the selected bytes replaced by the low bytes
 * of x (x0 = v0 + 256 v1, bytes.range pins them): store8 puts v0 at pos, store16 puts x0 at the
 * selected halfword, store / store32_64 / store64 write x (and store64 xh to word 1). Every limb
 * written is a byte combination or a limb the CPU range-checked, so the memory bus stays u32.
 *
 * Degrees: the tuple and the memory keys are degree 2 (selector sums times columns), the new word
 * and `part` constraints degree 3; max degree 3. Reference: SP1's `MemoryInstructionsChip`
 * (one row per load/store, address via the ALU, byte offset bits, sign via the most significant
 * bit); here on u16 limbs and word cells.
 * @module
 */
import { defineTable, type AirBuilder } from '../../prover/air/builder.ts';
import type { Expr } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { LOADS, OP, PAGE_SIZE, STORES, ISA } from '../isa.ts';
import { aluBus, heightFor, opcodeOf, type LookupCounts } from './alu.ts';
import { bytes } from './bytes.ts';
import { access, HEAP_KEY_BASE, type AccessRecord, type MemoryState } from './memory.ts';
import { range16 } from './range.ts';

/** Opcodes of this table, selector order: the 12 loads then the 7 stores (isa.ts order). */
export const LOAD_STORE_OPS: readonly number[] = [...LOADS.map(([m]) => OP[m]!), ...STORES.map(([m]) => OP[m]!)];
const NL = LOADS.length;
const NS = LOAD_STORE_OPS.length;
/** Per selector: access width in bytes, signed load, sign-extended into the high word (64-bit result). */
const WIDTH: readonly number[] = [...LOADS.map(([, w]) => w), ...STORES.map(([, w]) => w)];
const SIGNED: readonly boolean[] = [...LOADS.map(([, , s]) => s), ...STORES.map(() => false)];
const WIDE: readonly boolean[] = [...LOADS.map(([, , , w]) => w), ...STORES.map(([, , w]) => w)];

export const LoadStoreCols = layout({
  sel: NS, // one-hot opcode selectors (isa LOADS then STORES): bits, at most one; isReal = their sum; pinned by the alu bus (op)
  x: 2, // tuple x: base address (loads) or the stored value (stores), u16 limbs: pinned by the alu bus
  xh: 2, // tuple xh: the stored value's high word (store*_64), else 0: pinned by the alu bus
  y: 2, // tuple y: base address (stores), 0 (loads): pinned by the alu bus
  pages: 1, // heap size in pages (CPU state): pinned by the alu bus
  ts: 1, // the CPU row's timestamp T: pinned by the alu bus; accesses at T + 3
  off: 2, // offset = off0 + 2^16 off1 (the tuple's e): off0, off1, 16 off1 on range16
  c: 1, // carry of base0 + off0: pinned boolean and by the low-limb address equation
  q: 1, // ea0 = 8 q + 4 a2 + pos: q and 8 q on range16, pinned by the address equation
  a2: 1, // bit 2 of ea: pinned boolean and by the address equation
  at: 4, // one-hot byte position ea mod 4: bits summing to isReal, pinned by the address equation
  p: 2, // previous value of word 0 (for a load, its value): pinned by the memory bus
  b: 4, // bytes of p (p0 = b0 + 256 b1, p1 = b2 + 256 b3): bytes.range pairs
  v: 2, // bytes of x0 (x0 = v0 + 256 v1): bytes.range
  nw: 2, // new value of word 0: pinned by the store/load equation
  prevTs: 2, // previous access timestamps of word 0 and word 1: pinned by the memory bus (order check)
  diff: 4, // T + 3 - prevTs - 1 limbs, word 0 then word 1: pinned by assertLess (range16)
  p2: 2, // previous value of word 1 (8-byte accesses only; else free and unused): pinned by the memory bus
  part: 1, // selected byte (8-bit loads) or halfword (16-bit loads), else 0: pinned by the selection equations
  sign: 1, // sign bit of a signed load, else 0: pinned boolean and by the sign lookup
});

const TWO16 = 0x10000;
const C = LoadStoreCols;

/** Sums of the selectors whose index satisfies `f` (linear, degree 1). */
function flag(b: AirBuilder, sel: readonly Expr[], f: (i: number) => boolean): Expr {
  const picked = sel.filter((_, i) => f(i));
  return picked.length === 0 ? b.constant(0) : b.sum(picked);
}

export const loadStoreTable = defineTable({
  name: 'load-store',
  cols: LoadStoreCols,
  eval(b) {
    const r = b.local(LoadStoreCols);
    const sel = r.sel;
    b.assertBools('selectors are bits', sel);
    const isReal = b.sum(sel);
    b.assertBool('at most one selector (isReal is a bit)', isReal);
    const isLoad = flag(b, sel, (i) => i < NL);
    const isStore = flag(b, sel, (i) => i >= NL);
    const lw = (w: number) => flag(b, sel, (i) => i < NL && WIDTH[i] === w);
    const sw = (w: number) => flag(b, sel, (i) => i >= NL && WIDTH[i] === w);
    const [lw1, lw2, lw4, lw8] = [lw(1), lw(2), lw(4), lw(8)];
    const [sw1, sw2, sw4, sw8] = [sw(1), sw(2), sw(4), sw(8)];
    const w2 = b.add(lw2, sw2);
    const w48 = b.add(lw4, lw8, sw4, sw8);
    const w8 = b.add(lw8, sw8);
    const signed = (w: number) => flag(b, sel, (i) => SIGNED[i]! && WIDTH[i] === w);
    const [s1, s2, s4] = [signed(1), signed(2), signed(4)];
    const signedAny = b.add(s1, s2, s4);
    const wideSigned = flag(b, sel, (i) => SIGNED[i]! && WIDE[i]!);
    const at = r.at;

    // ---- effective address ----
    const base = [0, 1].map((j) => b.add(b.mul(isLoad, r.x[j]!), b.mul(isStore, r.y[j]!)));
    b.assertBool('carry is a bit', r.c);
    b.assertBool('a2 is a bit', r.a2);
    b.assertBools('position selectors are bits', at);
    b.assertEq('exactly one position on a real row, none on padding', b.sum(at), isReal);
    const pos = b.add(at[1]!, b.mul(2, at[2]!), b.mul(3, at[3]!));
    const ea0 = b.add(b.mul(8, r.q), b.mul(4, r.a2), pos);
    b.assertZero('low limb: base0 + off0 = ea0 + 2^16 c', b.sub(b.add(base[0]!, r.off[0]!), b.add(ea0, b.mul(TWO16, r.c))));
    const ea1 = b.add(base[1]!, r.off[1]!, r.c);
    range16.lookup(b, 'offset limbs: off0, off1 and 16 off1 (off1 < 2^12); q and 8 q (q < 2^13); pages - 1 - ea1 (in bounds)', [
      r.off[0]!, r.off[1]!, b.mul(16, r.off[1]!), r.q, b.mul(8, r.q), b.sub(b.sub(r.pages, 1), ea1),
    ], isReal);
    b.assertZero('2-byte accesses are aligned', b.mul(w2, b.add(at[1]!, at[3]!)));
    b.assertZero('4- and 8-byte accesses are word-aligned', b.mul(w48, b.add(at[1]!, at[2]!, at[3]!)));
    b.assertZero('8-byte accesses are 8-aligned', b.mul(w8, r.a2));
    const word = b.add(b.mul(1 << 14, ea1), b.mul(2, r.q), r.a2);
    const key0 = b.add(HEAP_KEY_BASE, word);

    // ---- bytes ----
    b.assertZero('p0 = b0 + 256 b1', b.sub(r.p[0]!, b.add(r.b[0]!, b.mul(256, r.b[1]!))));
    b.assertZero('p1 = b2 + 256 b3', b.sub(r.p[1]!, b.add(r.b[2]!, b.mul(256, r.b[3]!))));
    b.assertZero('x0 = v0 + 256 v1', b.sub(r.x[0]!, b.add(r.v[0]!, b.mul(256, r.v[1]!))));
    bytes.range(b, r.b[0]!, r.b[1]!, isReal);
    bytes.range(b, r.b[2]!, r.b[3]!, isReal);
    bytes.range(b, r.v[0]!, r.v[1]!, isReal);

    // ---- loads ----
    const byteAt = b.sum([0, 1, 2, 3].map((k) => b.mul(at[k]!, r.b[k]!)));
    b.when(lw1).assertZero('8-bit load: part is the byte at pos', b.sub(r.part, byteAt));
    b.when(lw2).assertZero('16-bit load: part is the halfword at pos', b.sub(r.part, b.add(b.mul(at[0]!, r.p[0]!), b.mul(at[2]!, r.p[1]!))));
    b.assertZero('part is 0 unless a narrow load', b.mul(b.sub(1, b.add(lw1, lw2)), r.part));
    b.assertBool('sign is a bit', r.sign);
    b.assertZero('sign is 0 unless a signed load', b.mul(b.sub(1, signedAny), r.sign));
    const belowSign = b.add(
      b.mul(s1, b.mul(512, b.sub(r.part, b.mul(128, r.sign)))),
      b.mul(s2, b.mul(2, b.sub(r.part, b.mul(0x8000, r.sign)))),
      b.mul(s4, b.mul(2, b.sub(r.p[1]!, b.mul(0x8000, r.sign)))),
    );
    range16.lookup(b, 'signed load: the bits below the sign bit', [belowSign], signedAny);
    const narrowSign = b.mul(b.add(lw1, lw2), r.sign);
    const z0 = b.add(b.mul(lw1, b.add(r.part, b.mul(0xff00, r.sign))), b.mul(lw2, r.part), b.mul(b.add(lw4, lw8), r.p[0]!));
    const z1 = b.add(b.mul(0xffff, narrowSign), b.mul(b.add(lw4, lw8), r.p[1]!));
    const ext = b.mul(0xffff, b.mul(wideSigned, r.sign));
    const zh = [0, 1].map((j) => b.add(ext, b.mul(lw8, r.p2[j]!)));

    // ---- stores: the new value of word 0 ----
    for (const j of [0, 1]) {
      const keepOrPut = j === 0
        ? b.add(r.p[0]!, b.mul(at[0]!, b.sub(r.v[0]!, r.b[0]!)), b.mul(256, b.mul(at[1]!, b.sub(r.v[0]!, r.b[1]!))))
        : b.add(r.p[1]!, b.mul(at[2]!, b.sub(r.v[0]!, r.b[2]!)), b.mul(256, b.mul(at[3]!, b.sub(r.v[0]!, r.b[3]!))));
      const half = j === 0 ? b.add(b.mul(at[0]!, r.x[0]!), b.mul(at[2]!, r.p[0]!)) : b.add(b.mul(at[0]!, r.p[1]!), b.mul(at[2]!, r.x[0]!));
      const nw = b.add(b.mul(isLoad, r.p[j]!), b.mul(b.add(sw4, sw8), r.x[j]!), b.mul(sw2, half), b.mul(sw1, keepOrPut));
      b.assertZero(j === 0 ? 'new word: low limb' : 'new word: high limb', b.sub(r.nw[j]!, nw));
    }

    // ---- memory accesses at T + 3 ----
    const t = b.add(r.ts, 3);
    access(b, 'word 0', { key: key0, prev: r.p, value: r.nw, prevTs: r.prevTs[0]!, ts: t, diff: [r.diff[0]!, r.diff[1]!], gate: isReal });
    const w1 = [0, 1].map((j) => b.add(b.mul(lw8, r.p2[j]!), b.mul(sw8, r.xh[j]!)));
    access(b, 'word 1', { key: b.add(key0, 1), prev: r.p2, value: w1, prevTs: r.prevTs[1]!, ts: t, diff: [r.diff[2]!, r.diff[3]!], gate: w8 });

    // ---- the CPU's tuple ----
    const op = opcodeOf(b, sel, LOAD_STORE_OPS);
    const e = b.add(r.off[0]!, b.mul(TWO16, r.off[1]!));
    aluBus.receive(b, [op, r.x[0]!, r.x[1]!, r.xh[0]!, r.xh[1]!, r.y[0]!, r.y[1]!, r.pages, 0, z0, z1, zh[0]!, zh[1]!, r.ts, e], isReal);
  },
});

/**
 * Load/store events in CPU-row order (typed arrays, one entry per event). For a load `lo`/`hi` are
 * the loaded result (z, zh; hi = 0 for 32-bit loads); for a store the stored value (x, xh; xh only
 * for the *_64 forms). `base` is the address slot's value, `offset` the instruction's immediate,
 * `ts` the CPU row's timestamp T, `pages` the heap size then.
 */
export interface LoadStoreEvents {
  readonly length: number;
  readonly op: Int32Array;
  readonly base: Int32Array;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly ts: Int32Array;
  readonly offset: Int32Array;
  readonly pages: Int32Array;
}

const SEL_INDEX = new Int8Array(256).fill(-1);
LOAD_STORE_OPS.forEach((op, i) => (SEL_INDEX[op] = i));
const rec0: AccessRecord = { prev: 0, prevTs: 0, d0: 0, d1: 0 };
const rec1: AccessRecord = { prev: 0, prevTs: 0, d0: 0, d1: 0 };

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

/**
 * Fills row `row` of `out` (width LoadStoreCols.width) for one load or store, performs its
 * accesses on `mem` at ts + 3 and records its lookups. Call it in memory-time order: after the CPU
 * row's own slot accesses (T..T+2) and before the next row's. Throws a RangeError for an access the
 * executor would trap on (out of bounds), for an unaligned access (not provable yet), and when a
 * load's recorded result is not what memory holds.
 */
export function loadStoreRow(
  out: Uint32Array, row: number, op: number, base: number, lo: number, hi: number, ts: number, offset: number, pages: number,
  mem: MemoryState, counts: LookupCounts,
): void {
  const s = op >= 0 && op < 256 ? SEL_INDEX[op]! : -1;
  if (s < 0) throw new TypeError(`loadStoreRow: opcode ${op} (${ISA[op]?.mnemonic ?? 'unknown'}) is not a load or store`);
  const mn = ISA[op]!.mnemonic;
  if (!(Number.isInteger(offset) && offset >= 0 && offset < 2 ** 28)) throw new RangeError(`loadStoreRow: ${mn}: offset ${offset} is not in [0, 2^28)`);
  const width = WIDTH[s]!;
  const isStore = s >= NL;
  const ea = (base >>> 0) + offset;
  if (ea + width > pages * PAGE_SIZE) throw new RangeError(`loadStoreRow: ${mn} at address ${ea} + ${width} bytes is out of bounds (heap is ${pages} pages): the executor traps, no proof exists`);
  if (ea % width !== 0) throw new RangeError(`unaligned ${width}-byte access at address ${ea} is not provable yet`);
  const w = C.width;
  const o = row * w;
  out.fill(0, o, o + w);
  out[o + C.sel + s] = 1;
  const x = isStore ? lo : base, xh = isStore ? hi : 0, y = isStore ? base : 0;
  out[o + C.x] = x & 0xffff;
  out[o + C.x + 1] = x >>> 16;
  out[o + C.xh] = xh & 0xffff;
  out[o + C.xh + 1] = xh >>> 16;
  out[o + C.y] = y & 0xffff;
  out[o + C.y + 1] = y >>> 16;
  out[o + C.pages] = pages;
  out[o + C.ts] = ts;
  const off0 = offset & 0xffff, off1 = offset >>> 16;
  out[o + C.off] = off0;
  out[o + C.off + 1] = off1;
  const b0 = base & 0xffff;
  const c = (b0 + off0) >>> 16;
  const ea0 = ea & 0xffff, ea1 = Math.floor(ea / TWO16);
  out[o + C.c] = c;
  const q = ea0 >>> 3, a2 = (ea0 >>> 2) & 1, posn = ea0 & 3;
  out[o + C.q] = q;
  out[o + C.a2] = a2;
  out[o + C.at + posn] = 1;
  const r16 = counts.range16;
  range16.record(r16, off0);
  range16.record(r16, off1);
  range16.record(r16, 16 * off1);
  range16.record(r16, q);
  range16.record(r16, 8 * q);
  range16.record(r16, pages - 1 - ea1);

  // word 0
  const key = HEAP_KEY_BASE + Math.floor(ea / 4);
  const prev = mem.peek(key);
  const p0 = prev & 0xffff, p1 = prev >>> 16;
  const v0 = x & 0xff;
  let nw = prev;
  if (isStore) {
    if (width === 1) nw = (prev & ~(0xff << (8 * posn))) | (v0 << (8 * posn));
    else if (width === 2) nw = posn === 0 ? (prev & ~0xffff) | (x & 0xffff) : (prev & 0xffff) | (x << 16);
    else nw = x;
  }
  mem.access(key, ts + 3, isStore ? nw | 0 : undefined, r16, rec0);
  out[o + C.p] = p0;
  out[o + C.p + 1] = p1;
  const bs = [p0 & 0xff, p0 >>> 8, p1 & 0xff, p1 >>> 8];
  for (let k = 0; k < 4; k++) out[o + C.b + k] = bs[k]!;
  out[o + C.v] = v0;
  out[o + C.v + 1] = (x >>> 8) & 0xff;
  bytes.record(counts.bytes, 0, bs[0]!, bs[1]!);
  bytes.record(counts.bytes, 0, bs[2]!, bs[3]!);
  bytes.record(counts.bytes, 0, v0, (x >>> 8) & 0xff);
  out[o + C.nw] = nw & 0xffff;
  out[o + C.nw + 1] = nw >>> 16;
  out[o + C.prevTs] = rec0.prevTs;
  out[o + C.diff] = rec0.d0;
  out[o + C.diff + 1] = rec0.d1;

  // word 1 (8-byte accesses)
  let second = 0;
  if (width === 8) {
    mem.access(key + 1, ts + 3, isStore ? xh : undefined, r16, rec1);
    second = rec1.prev;
    out[o + C.p2] = second & 0xffff;
    out[o + C.p2 + 1] = second >>> 16;
    out[o + C.prevTs + 1] = rec1.prevTs;
    out[o + C.diff + 2] = rec1.d0;
    out[o + C.diff + 3] = rec1.d1;
  }

  if (!isStore) {
    let part = 0, sign = 0, z = 0, zh = 0;
    const signed = SIGNED[s]!, wide = WIDE[s]!;
    if (width === 1) {
      part = bs[posn]!;
      sign = signed ? part >>> 7 : 0;
      z = signed ? (part << 24) >> 24 : part;
      if (signed) range16.record(r16, 512 * (part - 128 * sign));
    } else if (width === 2) {
      part = posn === 0 ? p0 : p1;
      sign = signed ? part >>> 15 : 0;
      z = signed ? (part << 16) >> 16 : part;
      if (signed) range16.record(r16, 2 * (part - 0x8000 * sign));
    } else if (width === 4) {
      sign = signed ? p1 >>> 15 : 0;
      z = prev;
      if (signed) range16.record(r16, 2 * (p1 - 0x8000 * sign));
    } else {
      z = prev;
      zh = second;
    }
    if (wide && width < 8) zh = sign ? -1 : 0;
    out[o + C.part] = part;
    out[o + C.sign] = sign;
    if ((z | 0) !== (lo | 0) || (zh | 0) !== (hi | 0)) {
      throw new RangeError(`loadStoreRow: ${mn} at address ${ea}: recorded result ${hex(hi)}:${hex(lo)} but memory gives ${hex(zh)}:${hex(z)}`);
    }
  }
}

/** The load-store trace of `events` (in memory-time order, no other accesses interleaved). */
export function loadStoreTrace(events: LoadStoreEvents, mem: MemoryState, counts: LookupCounts): Matrix {
  const n = events.length;
  const height = heightFor(n);
  const w = C.width;
  const values = new Uint32Array(height * w);
  for (let i = 0; i < n; i++) {
    loadStoreRow(values, i, events.op[i]!, events.base[i]!, events.lo[i]!, events.hi[i]!, events.ts[i]!, events.offset[i]!, events.pages[i]!, mem, counts);
  }
  return { values, width: w, height };
}

/** One load or store as the CPU row sees it: x, xh, y, z, zh as in the ALU tuple (raw i32 words). */
export interface LoadStoreEvent {
  readonly op: number;
  readonly x: number;
  readonly xh: number;
  readonly y: number;
  readonly z: number;
  readonly zh: number;
  /** The CPU row's timestamp T. */
  readonly ts: number;
  /** The instruction's offset immediate (< 2^28). */
  readonly offset: number;
  readonly pages: number;
}

/**
 * Grows the load-store trace one event at a time, in memory-time order (trace generation calls
 * `add` right after the CPU row's own slot accesses), then `trace()` pads it.
 */
export class LoadStoreBuilder {
  private buf = new Uint32Array(64 * C.width);
  private rows = 0;

  get length(): number {
    return this.rows;
  }

  add(e: LoadStoreEvent, mem: MemoryState, counts: LookupCounts): void {
    const w = C.width;
    if ((this.rows + 1) * w > this.buf.length) {
      const nb = new Uint32Array(this.buf.length * 2);
      nb.set(this.buf);
      this.buf = nb;
    }
    const s = e.op >= 0 && e.op < 256 ? SEL_INDEX[e.op]! : -1;
    const store = s >= NL;
    loadStoreRow(this.buf, this.rows, e.op, store ? e.y : e.x, store ? e.x : e.z, store ? e.xh : e.zh, e.ts, e.offset, e.pages, mem, counts);
    this.rows++;
  }

  /** The trace: the rows so far, padded with zero rows to `heightFor(rows)`. */
  trace(): Matrix {
    const height = heightFor(this.rows);
    const values = new Uint32Array(height * C.width);
    values.set(this.buf.subarray(0, this.rows * C.width));
    return { values, width: C.width, height };
  }
}
