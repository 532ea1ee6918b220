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
 *   17 rootReg, 18 rootIsExt (u32 each), 19 root count, 20 challenge slots (prog_aux),
 *   21 rowMap: 0, or u32 per domain row = the row of main/pre/aux to read (a coset of an LDE).
 */
import { P, R2, mmul, vmmul, vadd, vsub } from './_mont';

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
@inline function loadColumn(dst: usize, m: usize, w: u32, col: u32, start: u32, off: u32, mask: u32, len: u32, rowMap: usize): void {
  if (rowMap) {
    // Row r of the domain is matrix row rowMap[r] (a coset of a bit-reversed LDE).
    for (let i: u32 = 0; i < len; i++) {
      const row = load<u32>(rowMap + (<usize>((start + i + off) & mask) << 2));
      store<u32>(dst + (<usize>i << 2), mmul(load<u32>(m + ((<usize>row * w + col) << 2)), R2));
    }
    return;
  }
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
  const rowMap = <usize>word(ctx, 21);
  const LB = <usize>L << 2; // bytes per register
  for (let pc: u32 = 0; pc < ncode; pc++) {
    const q = code + (<usize>pc << 4);
    const kind = load<i32>(q);
    const d = regs + <usize>load<i32>(q, 4) * LB;
    const A = load<i32>(q, 8);
    const B = load<i32>(q, 12);
    switch (kind) {
      case 0: fillConst(d, <u32>A, len); break;
      case 1: fillConst(d, load<u32>(<usize>word(ctx, 11) + (<usize>A << 2)), len); break;
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
      case 4: loadColumn(d, word(ctx, 0), word(ctx, 1), <u32>A, start, <u32>B * stride, mask, len, rowMap); break;
      case 5: loadColumn(d, word(ctx, 2), word(ctx, 3), <u32>A, start, <u32>B * stride, mask, len, rowMap); break;
      case 6: {
        for (let c: u32 = 0; c < 4; c++) loadColumn(d + <usize>c * LB, word(ctx, 4), word(ctx, 5), 4 * <u32>A + c, start, <u32>B * stride, mask, len, rowMap);
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

// ---- LogUp aux terms (prover/_aux-trace.ts, same values) ----

/** 1 in Montgomery form (2^32 mod p). */
const ONE_M: u32 = 0x0ffffffe;

/** a * b in ext4 (x^4 = 11), one element per v128, both in Montgomery form: b's rotations b x^k, then four lane products. */
@inline function emul(a: v128, b: v128): v128 {
  const one = ONE_M;
  const b1 = vmmul(v128.shuffle<i32>(b, b, 3, 0, 1, 2), i32x4(W_M, one, one, one));
  const b2 = vmmul(v128.shuffle<i32>(b, b, 2, 3, 0, 1), i32x4(W_M, W_M, one, one));
  const b3 = vmmul(v128.shuffle<i32>(b, b, 1, 2, 3, 0), i32x4(W_M, W_M, W_M, one));
  const p0 = vmmul(v128.shuffle<i32>(a, a, 0, 0, 0, 0), b);
  const p1 = vmmul(v128.shuffle<i32>(a, a, 1, 1, 1, 1), b1);
  const p2 = vmmul(v128.shuffle<i32>(a, a, 2, 2, 2, 2), b2);
  const p3 = vmmul(v128.shuffle<i32>(a, a, 3, 3, 3, 3), b3);
  return vadd(vadd(p0, p1), vadd(p2, p3));
}

/** x^-1 = x^(p^4 - 2) in ext4, Montgomery form in and out (x nonzero). */
function einvM(x: v128): v128 {
  // p^4 - 2, little-endian u32 limbs; 124 bits.
  let r = i32x4(ONE_M, 0, 0, 0);
  for (let limb = 3; limb >= 0; limb--) {
    const e: u32 = limb == 3 ? 0x0c5c1000 : limb == 2 ? 0x69780001 : limb == 1 ? 0x51800001 : 0xdfffffff;
    for (let bit = 31; bit >= 0; bit--) {
      r = emul(r, r);
      if ((e >>> bit) & 1) r = emul(r, x);
    }
  }
  return r;
}

/**
 * prog_aux: the LogUp aux terms of rows [first, last) (see prover/_aux-trace.ts for the
 * definition and the zero-multiplicity rule), canonical ext4 into ext columns 0..G-1 of out
 * (row r at out + 4 ((r - outBase) outWidth)). `code`/`regs`/`ctx` as for prog_quotient
 * (the program's roots are the tuple entries and multiplicities); `its` holds per interaction
 * [tupleStart, arity, multReg, isSend, busId] (u32), `tupleReg` the tuple registers, `groups` per
 * column [k1, k2 or 0xffffffff]; `scratch` 49 G L + 16 (slots + 1) bytes (ctx word 20 = challenge
 * slots). Writes 0 to `status`, or 1 when a
 * den is zero (beta equals a fingerprint: no output is then valid).
 */
export function prog_aux(code: usize, ncode: u32, regs: usize, L: u32, ctx: usize, first: u32, last: u32, out: usize, outWidth: u32, outBase: u32, its: usize, tupleReg: usize, groups: usize, G: u32, scratch: usize, status: usize): void {
  const LB = <usize>L << 2;
  const ch = <usize>word(ctx, 12);
  const r2 = i32x4.splat(R2);
  const beta = vmmul(v128.load(ch), r2);
  const den = scratch;
  const num = den + (<usize>G * L << 4);
  const pre = num + (<usize>G * L << 4);
  const live = pre + (<usize>G * L << 4);
  // gamma^j in Montgomery form, slot j at gm + 16 j (ctx word 20 = number of challenge slots).
  const gm = (live + <usize>G * L + 15) & ~(<usize>15);
  const nch = word(ctx, 20);
  for (let j: u32 = 0; j < nch; j++) v128.store(gm + (<usize>j << 4), vmmul(v128.load(ch + (<usize>j << 4)), r2));
  for (let start = first; start < last; start += L) {
    const len = min(L, last - start);
    runBlock(code, ncode, regs, L, ctx, start, len);
    for (let g: u32 = 0; g < G; g++) {
      const ka = load<u32>(groups + (<usize>g << 3));
      const kb = load<u32>(groups + (<usize>g << 3), 4);
      const ia = its + <usize>ka * 20;
      const ib = its + <usize>(kb == 0xffffffff ? ka : kb) * 20;
      const ma = regs + <usize>load<u32>(ia, 8) * LB;
      const mb = regs + <usize>load<u32>(ib, 8) * LB;
      for (let i: u32 = 0; i < len; i++) {
        const s = <usize>(i * G + g);
        let m1 = load<u32>(ma + (<usize>i << 2));
        let m2: u32 = kb == 0xffffffff ? 0 : load<u32>(mb + (<usize>i << 2));
        if (m1 == 0 && m2 == 0) {
          store<u8>(live + s, 0);
          continue;
        }
        store<u8>(live + s, 1);
        if (m1 == 0 || m2 == 0) {
          const it = m1 != 0 ? ia : ib;
          let m = m1 != 0 ? m1 : m2;
          if (load<u32>(it, 12) == 0) m = P - m;
          v128.store(den + (s << 4), vsub(beta, fpM(it, tupleReg, regs, LB, gm, i)));
          v128.store(num + (s << 4), i32x4(m, 0, 0, 0));
          continue;
        }
        if (load<u32>(ia, 12) == 0) m1 = P - m1;
        if (load<u32>(ib, 12) == 0) m2 = P - m2;
        const d1 = vsub(beta, fpM(ia, tupleReg, regs, LB, gm, i));
        const d2 = vsub(beta, fpM(ib, tupleReg, regs, LB, gm, i));
        v128.store(den + (s << 4), emul(d1, d2));
        v128.store(num + (s << 4), vadd(vmmul(i32x4.splat(m1), d2), vmmul(i32x4.splat(m2), d1)));
      }
    }
    const S = <usize>(len * G);
    let acc = i32x4(ONE_M, 0, 0, 0);
    for (let s: usize = 0; s < S; s++) {
      if (!load<u8>(live + s)) continue;
      v128.store(pre + (s << 4), acc);
      const x = v128.load(den + (s << 4));
      if (!v128.any_true(x)) {
        store<u32>(status, 1);
        return;
      }
      acc = emul(acc, x);
    }
    let v = einvM(acc);
    const oneC = i32x4.splat(1);
    for (let s = <isize>S - 1; s >= 0; s--) {
      const i = <u32>s / G;
      const g = <u32>s - i * G;
      const o = out + ((<usize>(start + i - outBase) * outWidth + 4 * g) << 2);
      if (!load<u8>(live + s)) {
        v128.store(o, i32x4.splat(0));
        continue;
      }
      const y = emul(v, v128.load(pre + (s << 4)));
      v = emul(v, v128.load(den + (s << 4)));
      // canonical output: one more reduction by 1 removes the Montgomery factor
      v128.store(o, vmmul(emul(v128.load(num + (s << 4)), y), oneC));
    }
  }
}

/** beta - fp is taken by the caller; this is fp = busId + sum_j gamma^j t_j, Montgomery form. */
@inline function fpM(it: usize, tupleReg: usize, regs: usize, LB: usize, gm: usize, i: u32): v128 {
  let f = i32x4(mmul(load<u32>(it, 16), R2), 0, 0, 0);
  const t0 = load<u32>(it);
  const a = load<u32>(it, 4);
  for (let j: u32 = 0; j < a; j++) {
    const t = load<u32>(regs + <usize>load<u32>(tupleReg + (<usize>(t0 + j) << 2)) * LB + (<usize>i << 2));
    if (t == 0) continue;
    f = vadd(f, vmmul(i32x4.splat(t), v128.load(gm + (<usize>(j + 1) << 4))));
  }
  return f;
}

/**
 * mem_zero: zeroes `bytes` bytes at `ptr`. The NTT's zero padding, split over the pool: the first
 * touch of fresh memory is slow on this kind of virtual machine (~8 ms/MB), so two threads halve it.
 */
export function mem_zero(ptr: usize, bytes: u32): void {
  memory.fill(ptr, 0, bytes);
}
