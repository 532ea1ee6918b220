/**
 * The shift table: proves `shl shr_s shr_u rotl rotr` (i32, with their `.i` forms) and `shl64
 * shr_s64 shr_u64 rotl64 rotr64`, exactly WebAssembly's semantics (`ISA[op].semantics`: amounts
 * mod 32 / mod 64), one row per event, received on the ALU bus (`alu.ts`).
 *
 * Idea: every shift is read off ONE product Z = X * 2^e of a 64-bit X (128-bit Z, LO = Z mod 2^64,
 * HI = Z >> 64), with s = the amount mod N:
 *   - left ops: e = s;        shl = LO,  rotl = LO + HI;
 *   - right ops: e = N - s;   shr_u = HI, rotr = LO + HI, shr_s = HI + neg * (2^N - 2^e).
 * For i64, X = x:xh and N = 64. For i32, X = x:x (the word twice) and N = 32: then the low 32 bits
 * of LO, LO + HI and HI are shl32, rot32 and shr32 (HI = (x:x) >> (64 - e) = x >> (32 - e) for
 * e <= 32), so both widths use the same limbs; the i32 tuple sends zh = is64 * (...) = 0.
 * LO + HI and HI + fill never carry (LO's low e bits are zero and HI < 2^e; the fill is above HI).
 * Right shifts use e in [1, N] (not N - s mod N), so s = 0 needs no zero test: e = N gives HI = X.
 *
 * The product, limb by limb: e = 8q + rho with q a one-hot byte offset (0..7) and 2^rho =
 * M = m * (1 + isRight), m = 2^r from three bits (r in 0..7, rho = r + isRight in 0..8). Each u16
 * limb x_i of X gives x_i * M = la_i + 256 lb_i + 2^16 hi_i with la, lb, hi bytes, so Y = X * M has
 * bytes (la_0, lb_0, la_1 + hi_0, lb_1, ..., la_3 + hi_2, lb_3, hi_3) (no carries: la_i is a
 * multiple of M and hi_{i-1} < M), and Z = Y * 256^q is a one-hot selection of those bytes. The
 * amount: u = 8q + r, e = u + isRight, and y0 = s + N * rest with s = u (left) or N - 1 - u (right);
 * i32 rows have q < 4 so u, s < 32 and e <= 32. The fill of shr_s, 2^N - 2^e, has bytes 0 below q,
 * 256 - M at q and 255 from q + 1 up to N / 8 - 1, a degree-2 expression in q, m and is64.
 *
 * Soundness (every equation below is an integer equation, since both sides stay below p):
 *   - amount: u in [0, N) (one-hot q, bits r, q < 4 on i32 rows), s in [0, N), rest in [0, 2^16)
 *     by range16, y0 < 2^16 (CPU limb): |y0 - s - N rest| < 2^23 < p, so s = y0 mod N exactly;
 *     y1, yh0, yh1 only travel on the bus.
 *   - m = (1 + r0)(1 + 3 r1)(1 + 15 r2) = 2^r with bits r (the constraint subtracts 1 - isReal,
 *     so padding rows have m = 0); M = 2^rho <= 256 since isRight is a bit on real rows.
 *   - product: x_i < 2^16 (CPU limbs; i32 rows copy x into the high word by constraint), so
 *     x_i * M < 2^24 and la + 256 lb + 2^16 hi < 2^24 with bytes from the `bytes` table: la, lb, hi
 *     are the unique digits of x_i * M. Hence Y, Z and every limb of LO, HI below are the exact
 *     integers, each < 2^16.
 *   - sign: neg is a bit, zero off shr_s rows, and 2 (x3 - 2^15 neg) is u16 (range16) exactly when
 *     neg is the top bit of x3 (the top limb of X: xh1, or x1 on i32 rows).
 *   - result: z columns equal the selected combination (shl / rot / shr kind selectors, each a bit,
 *     one per real row), which is an integer < 2^16 per limb (no carries, above): z is pinned, no
 *     range check needed. The op on the bus is a sum of kind selectors times opcodes plus isImm and
 *     is64 terms; isImm * is64 = 0, so it is one of the 15 opcodes of this table.
 * Padding rows (all zero) satisfy every constraint and have multiplicity 0 on every bus.
 *
 * Reference: SP1's ShiftLeft / ShiftRight chips (`crates/core/machine/src/alu/sll`, `alu/sr`)
 * shift by a one-hot byte offset and then by 0..7 bits (a multiplier 2^(c mod 8), a carry per
 * byte); the zkEVM specs prove SHL/SHR as a multiplication by 2^shift (`specs/opcode/1bSHL_1cSHR.md`).
 * Here the bit shift is one product per u16 limb (digits as bytes, so no carry chain), right shifts
 * are left shifts by N - s read from the high half, and one product serves all five operations and
 * both widths. Cost: 45 columns, degree 3, 8 lookups (6 byte pairs, 2 range16) + 1 ALU receive.
 * @module
 */
import { defineTable } from '../../prover/air/builder.ts';
import type { Expr, ExprLike } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { ISA, OP } from '../isa.ts';
import { heightFor, receiveAlu, type AluEvents, type LookupCounts } from './alu.ts';
import { BYTE_RANGE, bytes } from './bytes.ts';
import { range16 } from './range.ts';

/** Kind selector order. */
export const SHIFT_KINDS = ['shl', 'shr_s', 'shr_u', 'rotl', 'rotr'] as const;
const K_SHL = 0, K_SHR_S = 1, K_SHR_U = 2, K_ROTL = 3, K_ROTR = 4;
const OP32 = SHIFT_KINDS.map((k) => OP[k]!);
const OP64 = SHIFT_KINDS.map((k) => OP[`${k}64`]!);

/** The opcodes this table proves: the i32 forms, their `.i` forms and the i64 forms. */
export const SHIFT_OPS: readonly number[] = Object.freeze([...OP32, ...SHIFT_KINDS.map((k) => OP[`${k}.i`]!), ...OP64]);

for (let k = 0; k < 5; k++) {
  if (OP[`${SHIFT_KINDS[k]}.i`] !== OP32[k]! + 1) throw new Error('shift: the .i opcode must follow its register form');
}

export const ShiftCols = layout({
  kind: 5, // one-hot kind (shl, shr_s, shr_u, rotl, rotr), sum = isReal: pinned bits, and by the ALU bus op
  isImm: 1, // 1 for a `.i` form: pinned bit, not with is64, and by the ALU bus op
  is64: 1, // 1 for an i64 form: pinned bit, and by the ALU bus op
  x: 4, // x0, x1, then xh0, xh1 (i64) or a copy of x0, x1 (i32): ALU bus (x, xh), copy constraint
  y: 4, // y0, y1, yh0, yh1 as received: ALU bus
  z: 4, // result limbs z0, z1, zh0, zh1 (i32 rows: limbs 2, 3 are not sent): result constraint
  la: 4, // low byte of x_i * M mod 2^16: limb product, bytes table
  lb: 4, // high byte of x_i * M mod 2^16: limb product, bytes table
  hi: 4, // (x_i * M) >> 16, < M: limb product, bytes table
  r: 3, // bits of the amount's bit offset r (u = 8q + r): pinned bits, amount equation
  m: 1, // 2^r (0 on padding): product of the r bits
  q: 8, // one-hot byte offset of e (sum = isReal): pinned bits, amount equation, i32 rows q < 4
  rest: 1, // (y0 - s) / N: amount equation, range16
  neg: 1, // sign bit of x on shr_s rows, else 0: pinned bit, range16 of 2 (x3 - 2^15 neg)
});

const TWO15 = 0x8000;
const TWO16 = 0x10000;

export const shiftTable = defineTable({
  name: 'shift',
  cols: ShiftCols,
  eval(b) {
    const c = b.local(ShiftCols);
    const K = c.kind;
    const isReal = b.sum(K);
    for (const k of K) b.assertBool('kind selectors are bits', k);
    b.assertBool('at most one kind per row (isReal is a bit)', isReal);
    b.assertBool('isImm is a bit', c.isImm);
    b.assertBool('is64 is a bit', c.is64);
    b.assertZero('no immediate form of an i64 shift', b.mul(c.isImm, c.is64));
    const isRight = b.add(K[K_SHR_S]!, K[K_SHR_U]!, K[K_ROTR]!);
    const isShl = K[K_SHL]!;
    const isRot = b.add(K[K_ROTL]!, K[K_ROTR]!);
    const isShr = b.add(K[K_SHR_S]!, K[K_SHR_U]!);
    const is32 = b.sub(isReal, c.is64);
    // op = OP32[k] (+ 1 for .i) or OP64[k]
    const op = b.add(b.sum(K, OP32), c.isImm, b.mul(c.is64, b.sum(K, OP64.map((o, k) => o - OP32[k]!))));

    // amount: u = 8q + r, s = u (left) or N - 1 - u (right), y0 = s + N * rest
    for (const bit of c.r) b.assertBool('r bits are bits', bit);
    const [r0, r1, r2] = c.r as [Expr, Expr, Expr];
    // m = (1 + r0)(1 + 3 r1)(1 + 15 r2) - (1 - isReal): 2^r on real rows, 0 on padding
    b.assertZero('m = 2^r', b.add(b.sub(c.m, b.mul(b.add(1, r0), b.add(1, b.mul(3, r1)), b.add(1, b.mul(15, r2)))), b.sub(1, isReal)));
    for (const bit of c.q) b.assertBool('q bits are bits', bit);
    b.assertEq('q is one-hot on real rows, zero on padding', b.sum(c.q), isReal);
    b.assertZero('i32 rows: byte offset q < 4', b.mul(is32, b.sum(c.q.slice(4))));
    const u = b.add(b.sum(c.q, [0, 8, 16, 24, 32, 40, 48, 56]), b.sum(c.r, [1, 2, 4]));
    // s = u + isRight * (31 + 32 is64 - 2u)
    const s = b.add(u, b.mul(31, isRight), b.mul(32, isRight, c.is64), b.mul(-2, isRight, u));
    const y0 = c.y[0]!;
    b.assertZero('amount: y0 = s + N * rest', b.sub(y0, b.add(s, b.mul(32, c.rest), b.mul(32, c.is64, c.rest))));
    range16.lookup(b, 'rest is u16', [c.rest], isReal);

    // limb products x_i * M = la + 256 lb + 2^16 hi, M = m * (1 + isRight)
    for (const j of [2, 3]) b.assertZero('i32 rows: the high word is a copy of x', b.mul(is32, b.sub(c.x[j]!, c.x[j - 2]!)));
    const M = b.mul(c.m, b.add(1, isRight));
    for (let i = 0; i < 4; i++) {
      b.assertZero('limb product: x_i * 2^rho = la + 256 lb + 2^16 hi', b.sub(b.mul(c.x[i]!, M), b.add(c.la[i]!, b.mul(256, c.lb[i]!), b.mul(TWO16, c.hi[i]!))));
      bytes.range(b, c.la[i]!, c.lb[i]!, isReal);
    }
    bytes.range(b, c.hi[0]!, c.hi[1]!, isReal);
    bytes.range(b, c.hi[2]!, c.hi[3]!, isReal);

    // bytes of Y = X * M, then the u16 limbs of Z = Y * 256^q
    const Yb: ExprLike[] = [];
    for (let i = 0; i < 4; i++) Yb.push(i === 0 ? c.la[0]! : b.add(c.la[i]!, c.hi[i - 1]!), c.lb[i]!);
    Yb.push(c.hi[3]!);
    const yb = (j: number): ExprLike | undefined => (j >= 0 && j < Yb.length ? Yb[j] : undefined);
    const Zl: Expr[] = [];
    for (let j = 0; j < 8; j++) {
      const terms: Expr[] = [];
      for (let k = 0; k < 8; k++) {
        const lo = yb(2 * j - k), hi = yb(2 * j + 1 - k);
        if (lo === undefined && hi === undefined) continue;
        terms.push(b.mul(c.q[k]!, b.add(lo ?? 0, b.mul(256, hi ?? 0))));
      }
      Zl.push(terms.length ? b.add(...terms) : b.constant(0));
    }
    // fill of shr_s: 2^N - 2^e, e = 8q + rho, 2^rho = 2m; byte j: 255 above q (below N), 256 - 2m at q
    const fillByte = (j: number): Expr => {
      const above = j < 4 ? b.sum(c.q.slice(0, j)) : b.sub(c.is64, b.sum(c.q.slice(j)));
      return b.add(b.mul(255, above), b.mul(c.q[j]!, b.sub(256, b.mul(2, c.m))));
    };
    b.assertBool('neg is a bit', c.neg);
    b.assertZero('neg only on shr_s rows', b.mul(c.neg, b.sub(1, K[K_SHR_S]!)));
    range16.lookup(b, 'sign: 2 (x3 - 2^15 neg) is u16', [b.mul(2, b.sub(c.x[3]!, b.mul(TWO15, c.neg)))], K[K_SHR_S]!);
    for (let j = 0; j < 4; j++) {
      const fill = b.add(fillByte(2 * j), b.mul(256, fillByte(2 * j + 1)));
      const res = b.add(b.mul(isShl, Zl[j]!), b.mul(isRot, b.add(Zl[j]!, Zl[4 + j]!)), b.mul(isShr, Zl[4 + j]!), b.mul(c.neg, fill));
      b.assertEq('result: z = LO (shl), LO + HI (rot), HI + fill (shr) of x * 2^e', c.z[j]!, res);
    }

    receiveAlu(b, op, {
      x: [c.x[0]!, c.x[1]!],
      xh: [b.mul(c.is64, c.x[2]!), b.mul(c.is64, c.x[3]!)],
      y: [c.y[0]!, c.y[1]!],
      yh: [c.y[2]!, c.y[3]!],
      z: [c.z[0]!, c.z[1]!],
      zh: [b.mul(c.is64, c.z[2]!), b.mul(c.is64, c.z[3]!)],
    }, isReal);
  },
});

/** Per opcode: kind + 1 (0: not a shift), and flags 8 = .i, 16 = i64. */
const OP_INFO = new Uint8Array(256);
for (let k = 0; k < 5; k++) {
  OP_INFO[OP32[k]!] = k + 1;
  OP_INFO[OP32[k]! + 1] = (k + 1) | 8;
  OP_INFO[OP64[k]!] = (k + 1) | 16;
}

const zByte = (Yb: Uint32Array, k: number): number => (k >= 0 && k < 10 ? Yb[k]! : 0);
const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/**
 * The shift trace for `events` (height `heightFor(events.length)`, padding rows all zero),
 * recording its lookups into `counts`. Throws TypeError for an opcode not of this table and
 * RangeError for an i32 event with nonzero high words or a result that is not the shift's.
 */
export function shiftTrace(events: AluEvents, counts: LookupCounts): Matrix {
  const n = events.length;
  const h = heightFor(n);
  const W = ShiftCols.width;
  const v = new Uint32Array(h * W);
  const C = ShiftCols;
  const Yb = new Uint32Array(10);
  const xw = new Uint32Array(4);
  const fb = new Uint32Array(8);
  for (let i = 0; i < n; i++) {
    const opc = events.op[i]!;
    const info = opc >= 0 && opc < 256 ? OP_INFO[opc]! : 0;
    if (info === 0) throw new TypeError(`shiftTrace: event ${i} has opcode ${opc} (${ISA[opc]?.mnemonic ?? 'unknown'}), not a shift`);
    const kind = (info & 7) - 1;
    const is64 = (info & 16) !== 0;
    const x = events.x[i]!, y = events.y[i]!;
    const xh = events.xh[i]!, yh = events.yh[i]!;
    if (!is64 && (xh !== 0 || yh !== 0 || events.zh[i]! !== 0)) {
      throw new RangeError(`shiftTrace: event ${i} (${ISA[opc]!.mnemonic}) is i32 but has a nonzero high word`);
    }
    const N = is64 ? 64 : 32;
    const right = kind === K_SHR_S || kind === K_SHR_U || kind === K_ROTR;
    const y0 = y & 0xffff;
    const s = y0 & (N - 1);
    const u = right ? N - 1 - s : s;
    const q = u >>> 3, r = u & 7, m = 1 << r, M = right ? 2 * m : m;
    xw[0] = x & 0xffff;
    xw[1] = x >>> 16;
    xw[2] = (is64 ? xh : x) & 0xffff;
    xw[3] = (is64 ? xh : x) >>> 16;
    const neg = kind === K_SHR_S && xw[3]! >= TWO15 ? 1 : 0;
    const o = i * W;
    v[o + C.kind + kind] = 1;
    v[o + C.isImm] = info & 8 ? 1 : 0;
    v[o + C.is64] = is64 ? 1 : 0;
    v[o + C.y] = y0;
    v[o + C.y + 1] = y >>> 16;
    v[o + C.y + 2] = yh & 0xffff;
    v[o + C.y + 3] = yh >>> 16;
    for (let j = 0; j < 4; j++) {
      const p = xw[j]! * M; // < 2^24
      const la = p & 0xff, lb = (p >>> 8) & 0xff, hi = p >>> 16;
      v[o + C.x + j] = xw[j]!;
      v[o + C.la + j] = la;
      v[o + C.lb + j] = lb;
      v[o + C.hi + j] = hi;
      Yb[2 * j] = la;
      Yb[2 * j + 1] = lb;
      bytes.record(counts.bytes, BYTE_RANGE, la, lb);
    }
    for (let j = 1; j < 4; j++) Yb[2 * j] = Yb[2 * j]! + v[o + C.hi + j - 1]!;
    Yb[8] = v[o + C.hi + 3]!;
    Yb[9] = 0;
    bytes.record(counts.bytes, BYTE_RANGE, v[o + C.hi]!, v[o + C.hi + 1]!);
    bytes.record(counts.bytes, BYTE_RANGE, v[o + C.hi + 2]!, v[o + C.hi + 3]!);
    v[o + C.r] = r & 1;
    v[o + C.r + 1] = (r >>> 1) & 1;
    v[o + C.r + 2] = r >>> 2;
    v[o + C.m] = m;
    v[o + C.q + q] = 1;
    const rest = (y0 - s) / N;
    v[o + C.rest] = rest;
    range16.record(counts.range16, rest);
    v[o + C.neg] = neg;
    if (kind === K_SHR_S) range16.record(counts.range16, 2 * (xw[3]! - TWO15 * neg));
    // fill bytes of 2^N - 2^e (only used when neg = 1)
    for (let j = 0; j < 8; j++) fb[j] = j >= N / 8 || j < q ? 0 : j === q ? 256 - M : 255;
    // Z byte j is Yb[j - q] (Y has 9 bytes; Yb[9] = 0)
    for (let j = 0; j < 4; j++) {
      const lo = zByte(Yb, 2 * j - q) + 256 * zByte(Yb, 2 * j + 1 - q);
      const hi = zByte(Yb, 2 * j + 8 - q) + 256 * zByte(Yb, 2 * j + 9 - q);
      const fill = neg * (fb[2 * j]! + 256 * fb[2 * j + 1]!);
      v[o + C.z + j] = kind === K_SHL ? lo : kind === K_ROTL || kind === K_ROTR ? lo + hi : hi + fill;
    }
    const z = (v[o + C.z]! | (v[o + C.z + 1]! << 16)) | 0;
    const zh = is64 ? (v[o + C.z + 2]! | (v[o + C.z + 3]! << 16)) | 0 : 0;
    if (z !== events.z[i] || zh !== events.zh[i]) {
      throw new RangeError(
        `shiftTrace: event ${i} (${ISA[opc]!.mnemonic} x=${hex(xh)}:${hex(x)} y=${hex(yh)}:${hex(y)}): result ${hex(events.zh[i]!)}:${hex(events.z[i]!)}, the shift gives ${hex(zh)}:${hex(z)}`,
      );
    }
  }
  return { values: v, width: W, height: h };
}
