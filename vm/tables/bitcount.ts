/**
 * The bitcount table: `clz`, `ctz`, `popcnt` (i32) and `clz64`, `ctz64`, `popcnt64` (i64, the
 * count in z, zh = 0), exactly WebAssembly's i32/i64.clz/ctz/popcnt (clz(0) = ctz(0) = the width),
 * one row per event, received on the ALU bus (`alu.ts`). Unary: the tuple's y and yh are 0.
 *
 * Bits in scan order. The row holds 64 bits c[0..63], placed so that every opcode counts from
 * the top: clz counts the leading zeros of c from c[63] down, ctz is clz of the bit-reversed
 * operand, popcnt sums bits. How the operand X = xh:x sits in c (the ALU tuple's limbs are these
 * recompositions, N_L = sum_i 2^i c[16L + i], R_L = sum_i 2^i c[63 - 16L - i]):
 *
 * | op | c | tuple (x0, x1, xh0, xh1) | count over |
 * |---|---|---|---|
 * | `clz64`, `popcnt64` | c[i] = X bit i | N0, N1, N2, N3 | c[0..63] |
 * | `ctz64` | c[i] = X bit 63 - i | R0, R1, R2, R3 | c[0..63] |
 * | `clz`, `popcnt` | c[32 + i] = x bit i, c[i] = xh bit i | N2, N3, N0, N1 | c[32..63] |
 * | `ctz` | c[63 - i] = x bit i, c[i] = xh bit i | R0, R1, N0, N1 | c[32..63] |
 *
 * (32-bit rows get the operand in the top half, so one chain serves both widths.) The "all zero
 * so far" chain runs over bit pairs: a[j] = 1 iff c[2j..63] are all 0, stated as
 *   a[j] = a[j+1] (1 - c[2j+1]) (1 - c[2j]),  a[32] = isReal   (degree 3),
 * and e[k] = "c[k..63] all zero" is a[k/2] for even k and a[(k+1)/2] (1 - c[k]) for odd k (a[32]
 * read as 1 there: it only appears multiplied by a selector). Then
 *   clz/ctz = sum_k e[k],  popcnt = sum_k c[k]   (k over the row's range),
 * and `count` = sum over the selectors of sel * (its sum): degree 3, so count is a column.
 *
 * Soundness. Selectors are bits with sum isReal a bit, so a real row proves exactly one opcode
 * (tuple op = sum sel_i BITCOUNT_OPS[i]); padding rows (all zero) put multiplicity 0 on the bus and
 * satisfy every constraint (a[31] = 0 * ... = 0). The c are bits; each recomposed limb is an
 * integer below 2^16 < p, so equality with the CPU's u16 limb is an integer equality and the c
 * are exactly the operand's bits in the row's order (32-bit rows: the low word's, the high word's
 * bits only feed xh and no count). a[j] are then products of bits, 1 exactly when c[2j..63] are 0;
 * count is a sum of at most 64 bits (integer <= 64 < p), the WebAssembly result; as a value <= 64
 * it is a valid u16 limb without a range check, and z1 = zh = 0 are constants in the tuple.
 *
 * Cost: 103 columns (64 bits, 32 chain, count, 6 selectors; no isReal column), 1 interaction,
 * degree 3, 119 cells per row (`bitcountTable.info`). The 64 bit columns are paid by the 32-bit
 * forms too; a 32-bit-only table would have 55 columns. A chain per bit instead of per pair would
 * need 64 chain columns but no count column (count then has degree 2 and rides in the tuple).
 * Reference: the WebAssembly spec's numerics (iclz, ictz, ipopcnt); SP1 proves RISC-V, which has
 * no such base instructions, so there is no chip of this name to compare with.
 * @module
 */
import { defineTable } from '../../prover/air/builder.ts';
import type { Expr } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { OP } from '../isa.ts';
import { assertOneHotSum, aluOpIndex, checkResult } from './_alu-common.ts';
import { heightFor, opcodeOf, receiveAlu, type AluEvents, type LookupCounts } from './alu.ts';

/** The table's opcodes, in selector order. */
export const BITCOUNT_OPS: readonly number[] = Object.freeze(['clz', 'ctz', 'popcnt', 'clz64', 'ctz64', 'popcnt64'].map((m) => OP[m]!));

// Per selector: placement (T: top half, R32: reversed into the top half, N: natural, R: reversed),
// and what is counted.
const S_TOP = [1, 0, 1, 0, 0, 0]; // x from c[32..63]
const S_REV = [0, 1, 0, 0, 1, 0]; // x from c reversed (ctz, ctz64)
const S_NAT = [0, 0, 0, 1, 0, 1]; // x from c[0..31], xh from c[32..63]
const S_NARROW = [1, 1, 1, 0, 0, 0]; // xh from c[0..31]
const S_REV64 = [0, 0, 0, 0, 1, 0]; // xh from c reversed
const LZ32 = [1, 1, 0, 0, 0, 0];
const LZ64 = [0, 0, 0, 1, 1, 0];
const POP32 = [0, 0, 1, 0, 0, 0];
const POP64 = [0, 0, 0, 0, 0, 1];

export const BitcountCols = layout({
  c: 64, // operand bits in scan order (module doc table): pinned boolean and by the ALU bus (limb recompositions)
  a: 32, // a[j] = 1 iff c[2j..63] are all 0: pinned by the chain a[j] = a[j+1] (1 - c[2j+1]) (1 - c[2j]), a[32] = isReal
  count: 1, // the result (z0): pinned by count = sum_sel sel * (bit count or leading-zero count)
  sel: 6, // one-hot opcode selector in BITCOUNT_OPS order: pinned boolean, sum a bit (isReal), and by the ALU bus (op)
});

export const bitcountTable = defineTable({
  name: 'bitcount',
  cols: BitcountCols,
  eval(b) {
    const r = b.local(BitcountCols);
    const c = r.c, a = r.a;
    const isReal = assertOneHotSum(b, r.sel);
    b.assertBools('bits are bits', c);
    const notC = c.map((x) => b.sub(1, x));
    const aNext = (j: number): Expr | number => (j === 31 ? isReal : a[j + 1]!);
    b.assertZeros(
      'chain: a[j] = a[j+1] (1 - c[2j+1]) (1 - c[2j]), a[32] = isReal',
      a.map((aj, j) => b.sub(aj, b.mul(aNext(j), notC[2 * j + 1]!, notC[2 * j]!))),
    );
    // e[k]: c[k..63] all zero (a[32] read as 1: only used under a selector)
    const e = (k: number): ExprOrNum => (k % 2 === 0 ? a[k / 2]! : k === 63 ? notC[63]! : b.mul(a[(k + 1) / 2]!, notC[k]!));
    const range = (lo: number, hi: number, f: (k: number) => ExprOrNum) => b.sum(Array.from({ length: hi - lo }, (_, i) => f(lo + i)));
    const popHi = range(32, 64, (k) => c[k]!), popLo = range(0, 32, (k) => c[k]!);
    const lzHi = range(32, 64, e), lzLo = range(0, 32, e);
    const sel = (coeffs: readonly number[]) => b.sum(r.sel, coeffs);
    b.assertEq(
      'count = popcnt or leading-zero count of the selected range',
      r.count,
      b.add(b.mul(sel(POP32), popHi), b.mul(sel(POP64), b.add(popHi, popLo)), b.mul(sel(LZ32), lzHi), b.mul(sel(LZ64), b.add(lzHi, lzLo))),
    );
    const N = (L: number) => b.sum(c.slice(16 * L, 16 * L + 16), POW2);
    const R = (L: number) => b.sum(Array.from({ length: 16 }, (_, i) => c[63 - 16 * L - i]!), POW2);
    const x0 = b.add(b.mul(sel(S_TOP), N(2)), b.mul(sel(S_REV), R(0)), b.mul(sel(S_NAT), N(0)));
    const x1 = b.add(b.mul(sel(S_TOP), N(3)), b.mul(sel(S_REV), R(1)), b.mul(sel(S_NAT), N(1)));
    const xh0 = b.add(b.mul(sel(S_NARROW), N(0)), b.mul(sel(S_REV64), R(2)), b.mul(sel(S_NAT), N(2)));
    const xh1 = b.add(b.mul(sel(S_NARROW), N(1)), b.mul(sel(S_REV64), R(3)), b.mul(sel(S_NAT), N(3)));
    receiveAlu(b, opcodeOf(b, r.sel, BITCOUNT_OPS), { x: [x0, x1], xh: [xh0, xh1], y: [0, 0], z: [r.count, 0], zh: [0, 0] }, isReal);
  },
});

type ExprOrNum = Expr | number;
const POW2: readonly number[] = Array.from({ length: 16 }, (_, i) => 2 ** i);

const INDEX = aluOpIndex(BITCOUNT_OPS);

/** Bit reversal of a 32-bit word. */
function rev32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

function popcnt32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * The bitcount trace of `events` (height `heightFor(events.length)`, padding rows all zero); no
 * lookups. Throws on an opcode of another table, a non-zero y/yh (unary), a non-zero xh for a
 * 32-bit op, or an event whose z/zh is not the count.
 */
export function bitcountTrace(events: AluEvents, _counts: LookupCounts): Matrix {
  const n = events.length;
  const w = BitcountCols.width;
  const h = heightFor(n);
  const v = new Uint32Array(h * w);
  for (let i = 0; i < n; i++) {
    const s = INDEX(events.op[i]!, i, 'bitcountTrace');
    const x = events.x[i]!, xh = events.xh[i]!;
    if (events.y[i] !== 0 || events.yh[i] !== 0) throw new RangeError(`bitcountTrace: event ${i}: a unary op has y = ${events.y[i]}, yh = ${events.yh[i]} (must be 0)`);
    if (S_NARROW[s] === 1 && xh !== 0) throw new RangeError(`bitcountTrace: event ${i}: 32-bit op ${events.op[i]} has xh = ${xh}`);
    // scan words: c[0..31] = lo, c[32..63] = hi
    const lo = S_NAT[s] === 1 ? x : S_REV64[s] === 1 ? rev32(xh) : xh;
    const hi = S_NAT[s] === 1 ? xh : S_REV[s] === 1 ? rev32(x) : x;
    const wide = S_NARROW[s] === 0;
    const count = POP32[s] === 1 ? popcnt32(hi) : POP64[s] === 1 ? popcnt32(hi) + popcnt32(lo) : Math.clz32(hi) + (wide && hi === 0 ? Math.clz32(lo) : 0);
    checkResult('bitcountTrace', i, events, count, 0);
    const o = i * w;
    for (let k = 0; k < 32; k++) {
      v[o + BitcountCols.c + k] = (lo >>> k) & 1;
      v[o + BitcountCols.c + 32 + k] = (hi >>> k) & 1;
    }
    let all = 1;
    for (let j = 31; j >= 0; j--) {
      const k = 2 * j;
      all &= (k < 32 ? (lo >>> k) & 3 : (hi >>> (k - 32)) & 3) === 0 ? 1 : 0;
      v[o + BitcountCols.a + j] = all;
    }
    v[o + BitcountCols.count] = count;
    v[o + BitcountCols.sel + s] = 1;
  }
  return { values: v, width: w, height: h };
}
