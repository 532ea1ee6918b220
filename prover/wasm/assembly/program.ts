/**
 * The constraint-program interpreter of `prover/air/program.ts`, for the quotient (`prog_quotient`):
 * runs a compiled op list over a block of rows of the LDE on the quotient domain, then combines
 * the roots with powers of alpha and divides by Z_H, exactly like `quotientRowsInto` in
 * prover/stark/quotient.ts (same op codes, same register layout: reg r, lane i at regs + 4 (r L + i),
 * an ext4 register is four consecutive base registers).
 *
 * Registers hold values in Montgomery form (x 2^32 mod p): loads and constants are converted once,
 * a product is then one Montgomery reduction (`vmmul`, four lanes per v128), sums are unchanged,
 * and the final multiplication by the canonical 1/Z_H converts back. Lanes L and every block length
 * are multiples of 4. No allocation, no static state: every worker runs it over the shared memory.
 *
 * Context block (u32 words at `ctx`), all pointers byte offsets into this memory, values canonical:
 *   0 main, 1 mainWidth, 2 pre, 3 preWidth, 4 aux, 5 auxWidth, 6 height (power of two),
 *   7 nextStride, 8 isFirstRow, 9 isLastRow, 10 isTransition, 11 publics, 12 challenges (ext4),
 *   13 busSum (ext4), 14 invZ, 15 period (power of two), 16 alphaPowers (ext4 per root),
 *   17 rootReg, 18 rootIsExt (u32 each), 19 root count.
 */
import { R2, mmul, vmmul, vadd, vsub } from './_mont';

/** 11 in Montgomery form: vmmul(x, W_M) = 11 x for x in either form. */
const W_M: u32 = 0x37ffffe9;

@inline function ld(p: usize): v128 {
  return v128.load(p);
}

@inline function st(p: usize, v: v128): void {
  v128.store(p, v);
}

@inline function word(ctx: usize, k: i32): u32 {
  return load<u32>(ctx + (<usize>k << 2));
}

/** Gathers column `col` of rows (start + i + off) & mask of a row-major matrix into a register, to Montgomery. */
@inline function loadColumn(dst: usize, m: usize, w: u32, col: u32, start: u32, off: u32, mask: u32, len: u32): void {
  for (let i: u32 = 0; i < len; i++) {
    const row = (start + i + off) & mask;
    store<u32>(dst + (<usize>i << 2), mmul(load<u32>(m + ((<usize>row * w + col) << 2)), R2));
  }
}

@inline function fillConst(dst: usize, v: u32, len: u32): void {
  const x = i32x4.splat(mmul(v, R2));
  for (let i: u32 = 0; i < len; i += 4) st(dst + (<usize>i << 2), x);
}

@inline function copyRegs(dst: usize, src: usize, len: u32): void {
  memory.copy(dst, src, <usize>len << 2);
}

/** Runs `ncode` ops ([kind, dst, a, b] i32 quadruples at `code`) over rows [start, start + len). */
function runBlock(code: usize, ncode: u32, regs: usize, L: u32, ctx: usize, start: u32, len: u32): void {
  const mask = word(ctx, 6) - 1;
  const stride = word(ctx, 7);
  const LB = <usize>L << 2; // bytes per register
  for (let pc: u32 = 0; pc < ncode; pc++) {
    const q = code + (<usize>pc << 4);
    const kind = load<i32>(q);
    const d = regs + <usize>load<i32>(q, 4) * LB;
    const A = load<i32>(q, 8);
    const B = load<i32>(q, 12);
    switch (kind) {
      case 0: fillConst(d, <u32>A, len); break;
      case 1: fillConst(d, load<u32>(word(ctx, 11) + (<usize>A << 2)), len); break;
      case 2: {
        const ch = <usize>word(ctx, 12) + (<usize>A << 4);
        for (let c: usize = 0; c < 4; c++) fillConst(d + c * LB, load<u32>(ch + (c << 2)), len);
        break;
      }
      case 3: {
        const bs = <usize>word(ctx, 13);
        for (let c: usize = 0; c < 4; c++) fillConst(d + c * LB, load<u32>(bs + (c << 2)), len);
        break;
      }
      case 4: loadColumn(d, word(ctx, 0), word(ctx, 1), <u32>A, start, <u32>B * stride, mask, len); break;
      case 5: loadColumn(d, word(ctx, 2), word(ctx, 3), <u32>A, start, <u32>B * stride, mask, len); break;
      case 6: {
        for (let c: u32 = 0; c < 4; c++) loadColumn(d + <usize>c * LB, word(ctx, 4), word(ctx, 5), 4 * <u32>A + c, start, <u32>B * stride, mask, len);
        break;
      }
      case 7: case 8: case 9: {
        const sel = <usize>word(ctx, 8 + kind - 7) + (<usize>start << 2);
        const r2 = i32x4.splat(R2);
        for (let i: u32 = 0; i < len; i += 4) st(d + (<usize>i << 2), vmmul(ld(sel + (<usize>i << 2)), r2));
        break;
      }
      case 10: { // AddBB
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + i, vadd(ld(a + i), ld(b + i)));
        break;
      }
      case 11: { // SubBB
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + i, vsub(ld(a + i), ld(b + i)));
        break;
      }
      case 12: { // MulBB
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + i, vmmul(ld(a + i), ld(b + i)));
        break;
      }
      case 13: { // NegB
        const a = regs + <usize>A * LB;
        const z = i32x4.splat(0);
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + i, vsub(z, ld(a + i)));
        break;
      }
      case 14: { // AddEB: d = a(ext) + b(base)
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + i, vadd(ld(a + i), ld(b + i)));
        for (let c: usize = 1; c < 4; c++) copyRegs(d + c * LB, a + c * LB, len);
        break;
      }
      case 15: { // AddEE
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        for (let c: usize = 0; c < 4; c++) {
          const o = c * LB;
          for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + o + i, vadd(ld(a + o + i), ld(b + o + i)));
        }
        break;
      }
      case 16: { // SubEB: d = a(ext) - b(base)
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + i, vsub(ld(a + i), ld(b + i)));
        for (let c: usize = 1; c < 4; c++) copyRegs(d + c * LB, a + c * LB, len);
        break;
      }
      case 17: { // SubBE: d = a(base) - b(ext)
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        const z = i32x4.splat(0);
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + i, vsub(ld(a + i), ld(b + i)));
        for (let c: usize = 1; c < 4; c++) {
          const o = c * LB;
          for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + o + i, vsub(z, ld(b + o + i)));
        }
        break;
      }
      case 18: { // SubEE
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        for (let c: usize = 0; c < 4; c++) {
          const o = c * LB;
          for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + o + i, vsub(ld(a + o + i), ld(b + o + i)));
        }
        break;
      }
      case 19: { // MulEB: d = a(ext) * b(base)
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) {
          const y = ld(b + i);
          st(d + i, vmmul(ld(a + i), y));
          st(d + LB + i, vmmul(ld(a + LB + i), y));
          st(d + 2 * LB + i, vmmul(ld(a + 2 * LB + i), y));
          st(d + 3 * LB + i, vmmul(ld(a + 3 * LB + i), y));
        }
        break;
      }
      case 20: { // MulEE (x^4 = 11)
        const a = regs + <usize>A * LB, b = regs + <usize>B * LB;
        const w = i32x4.splat(W_M);
        for (let i: usize = 0; i < (<usize>len << 2); i += 16) {
          const a0 = ld(a + i), a1 = ld(a + LB + i), a2 = ld(a + 2 * LB + i), a3 = ld(a + 3 * LB + i);
          const b0 = ld(b + i), b1 = ld(b + LB + i), b2 = ld(b + 2 * LB + i), b3 = ld(b + 3 * LB + i);
          const c0 = vadd(vmmul(a0, b0), vmmul(w, vadd(vadd(vmmul(a1, b3), vmmul(a2, b2)), vmmul(a3, b1))));
          const c1 = vadd(vadd(vmmul(a0, b1), vmmul(a1, b0)), vmmul(w, vadd(vmmul(a2, b3), vmmul(a3, b2))));
          const c2 = vadd(vadd(vmmul(a0, b2), vmmul(a1, b1)), vadd(vmmul(a2, b0), vmmul(w, vmmul(a3, b3))));
          const c3 = vadd(vadd(vmmul(a0, b3), vmmul(a1, b2)), vadd(vmmul(a2, b1), vmmul(a3, b0)));
          st(d + i, c0);
          st(d + LB + i, c1);
          st(d + 2 * LB + i, c2);
          st(d + 3 * LB + i, c3);
        }
        break;
      }
      case 21: { // NegE
        const a = regs + <usize>A * LB;
        const z = i32x4.splat(0);
        for (let c: usize = 0; c < 4; c++) {
          const o = c * LB;
          for (let i: usize = 0; i < (<usize>len << 2); i += 16) st(d + o + i, vsub(z, ld(a + o + i)));
        }
        break;
      }
      default:
        unreachable();
    }
  }
}

/**
 * prog_quotient: quotient values of rows [first, last) into out (row-major ext4, row r at
 * out + 16 (r - outBase)). `regs` holds (registers + 4) * L u32 (the last four registers are the
 * accumulator); L a multiple of 4, last - first a multiple of 4.
 */
export function prog_quotient(code: usize, ncode: u32, regs: usize, registers: u32, L: u32, ctx: usize, first: u32, last: u32, out: usize, outBase: u32): void {
  const LB = <usize>L << 2;
  const acc = regs + <usize>registers * LB;
  const alpha = <usize>word(ctx, 16);
  const rootReg = <usize>word(ctx, 17);
  const rootIsExt = <usize>word(ctx, 18);
  const K = word(ctx, 19);
  const invZ = <usize>word(ctx, 14);
  const pmask = word(ctx, 15) - 1;
  const w = i32x4.splat(W_M);
  for (let start = first; start < last; start += L) {
    const len = min(L, last - start);
    const bytes = <usize>len << 2;
    runBlock(code, ncode, regs, L, ctx, start, len);
    memory.fill(acc, 0, 4 * LB);
    for (let k: u32 = 0; k < K; k++) {
      const src = regs + <usize>load<u32>(rootReg + (<usize>k << 2)) * LB;
      const ap = alpha + (<usize>k << 4);
      // alpha^k to Montgomery form: products then come out in Montgomery form like the registers.
      const a0 = i32x4.splat(mmul(load<u32>(ap), R2)), a1 = i32x4.splat(mmul(load<u32>(ap, 4), R2));
      const a2 = i32x4.splat(mmul(load<u32>(ap, 8), R2)), a3 = i32x4.splat(mmul(load<u32>(ap, 12), R2));
      if (load<u32>(rootIsExt + (<usize>k << 2))) {
        for (let i: usize = 0; i < bytes; i += 16) {
          const b0 = ld(src + i), b1 = ld(src + LB + i), b2 = ld(src + 2 * LB + i), b3 = ld(src + 3 * LB + i);
          st(acc + i, vadd(ld(acc + i), vadd(vmmul(a0, b0), vmmul(w, vadd(vadd(vmmul(a1, b3), vmmul(a2, b2)), vmmul(a3, b1))))));
          st(acc + LB + i, vadd(ld(acc + LB + i), vadd(vadd(vmmul(a0, b1), vmmul(a1, b0)), vmmul(w, vadd(vmmul(a2, b3), vmmul(a3, b2))))));
          st(acc + 2 * LB + i, vadd(ld(acc + 2 * LB + i), vadd(vadd(vmmul(a0, b2), vmmul(a1, b1)), vadd(vmmul(a2, b0), vmmul(w, vmmul(a3, b3))))));
          st(acc + 3 * LB + i, vadd(ld(acc + 3 * LB + i), vadd(vadd(vmmul(a0, b3), vmmul(a1, b2)), vadd(vmmul(a2, b1), vmmul(a3, b0)))));
        }
      } else {
        for (let i: usize = 0; i < bytes; i += 16) {
          const c = ld(src + i);
          st(acc + i, vadd(ld(acc + i), vmmul(c, a0)));
          st(acc + LB + i, vadd(ld(acc + LB + i), vmmul(c, a1)));
          st(acc + 2 * LB + i, vadd(ld(acc + 2 * LB + i), vmmul(c, a2)));
          st(acc + 3 * LB + i, vadd(ld(acc + 3 * LB + i), vmmul(c, a3)));
        }
      }
    }
    // Divide by Z_H (canonical invZ, so the Montgomery factor goes) and write row-major.
    for (let i: u32 = 0; i < len; i++) {
      const z = load<u32>(invZ + (<usize>((start + i) & pmask) << 2));
      const o = out + (<usize>(start + i - outBase) << 4);
      const ai = acc + (<usize>i << 2);
      store<u32>(o, mmul(load<u32>(ai), z));
      store<u32>(o, mmul(load<u32>(ai + LB), z), 4);
      store<u32>(o, mmul(load<u32>(ai + 2 * LB), z), 8);
      store<u32>(o, mmul(load<u32>(ai + 3 * LB), z), 12);
    }
  }
}
