/**
 * Number-theoretic transform kernels over row-major BabyBear matrices (every column transformed
 * at once, a butterfly being a vector operation across a row).
 *
 * Two radix-2 shapes, so that no LDE needs an in-place bit-reversal pass:
 * - DIF (decimation in frequency): natural-order input, bit-reversed output. Used for interpolation
 *   (with inverse twiddles) and for the bit-reversed coset evaluation.
 * - DIT (decimation in time): bit-reversed input, natural output. Used for the natural-order coset
 *   evaluation; its input comes from `ntt_copy_scale`, which writes each coefficient straight to its
 *   bit-reversed slot, scaled by the coset shift power, and replicated over its 2^logBlowup block
 *   (the zero-padded first logBlowup DIT layers just copy, so they are skipped).
 *
 * Twiddles live in one table per direction, tw[h + j] = w_(2h)^j in Montgomery form for
 * 1 <= h < n, so a butterfly product mont(x, tw) = x * w is canonical with one reduction, and the
 * table of the largest size serves every smaller size. Work can be split across threads by layer
 * ranges (`ntt_*_layer`: blocks or j-ranges) and by independent blocks (`ntt_dif`, `ntt_dit`).
 *
 * SIMD: across columns when width >= 4; within a column (consecutive j) when width is 1 or 2.
 * Reference: Cooley-Tukey 1965; Gentleman-Sande 1966; any textbook radix-2 NTT.
 */
import { R2, mmul, fmul, fpow, fadd, fsub, vmmul, vadd, vsub } from './_mont';

/** Rows*width elements above which a recursive transform splits instead of sweeping layers. */
const CACHE_ELEMS: u32 = 1 << 13;

/** Writes tw[h + j] = Mont(root^(j * n / (2h))) for 1 <= h <= n/2, j < h; root of order n = 2^logN. */
export function ntt_twiddles(tw: usize, logN: u32, root: u32): void {
  store<u32>(tw, 0);
  if (logN == 0) return;
  const n: u32 = 1 << logN;
  const half = n >> 1;
  const rm = mmul(root, R2);
  let acc = mmul(1, R2);
  for (let j: u32 = 0; j < half; j++) {
    store<u32>(tw + ((<usize>(half + j)) << 2), acc);
    acc = mmul(acc, rm);
  }
  for (let h = half >> 1; h >= 1; h >>= 1) {
    for (let j: u32 = 0; j < h; j++) {
      store<u32>(tw + ((<usize>(h + j)) << 2), load<u32>(tw + ((<usize>(2 * h + 2 * j)) << 2)));
    }
  }
}

// ---- butterflies on one pair of rows (any width) ----

@inline function difRows(lo: usize, hi: usize, width: u32, t: u32): void {
  const tv = i32x4.splat(t);
  let c: u32 = 0;
  for (; c + 4 <= width; c += 4) {
    const o = <usize>c << 2;
    const u = v128.load(lo + o);
    const v = v128.load(hi + o);
    v128.store(lo + o, vadd(u, v));
    v128.store(hi + o, vmmul(vsub(u, v), tv));
  }
  for (; c < width; c++) {
    const o = <usize>c << 2;
    const u = load<u32>(lo + o);
    const v = load<u32>(hi + o);
    store<u32>(lo + o, fadd(u, v));
    store<u32>(hi + o, mmul(fsub(u, v), t));
  }
}

@inline function ditRows(lo: usize, hi: usize, width: u32, t: u32): void {
  const tv = i32x4.splat(t);
  let c: u32 = 0;
  for (; c + 4 <= width; c += 4) {
    const o = <usize>c << 2;
    const u = v128.load(lo + o);
    const v = vmmul(v128.load(hi + o), tv);
    v128.store(lo + o, vadd(u, v));
    v128.store(hi + o, vsub(u, v));
  }
  for (; c < width; c++) {
    const o = <usize>c << 2;
    const u = load<u32>(lo + o);
    const v = mmul(load<u32>(hi + o), t);
    store<u32>(lo + o, fadd(u, v));
    store<u32>(hi + o, fsub(u, v));
  }
}

// ---- one layer over a range ----

/**
 * One DIF layer of half-size h: for blocks b in [b0, b1) and j in [j0, j1), the butterfly on rows
 * (2hb + j, 2hb + j + h) with twiddle tw[h + j]. Disjoint (block, j) ranges touch disjoint rows, so
 * threads may run them concurrently.
 */
export function ntt_dif_layer(ptr: usize, width: u32, h: u32, b0: u32, b1: u32, j0: u32, j1: u32, tw: usize): void {
  layer(ptr, width, h, b0, b1, j0, j1, tw, false);
}

/** One DIT layer; same ranges as `ntt_dif_layer`. */
export function ntt_dit_layer(ptr: usize, width: u32, h: u32, b0: u32, b1: u32, j0: u32, j1: u32, tw: usize): void {
  layer(ptr, width, h, b0, b1, j0, j1, tw, true);
}

@inline function layer(ptr: usize, width: u32, h: u32, b0: u32, b1: u32, j0: u32, j1: u32, tw: usize, dit: bool): void {
  const rowBytes = (<usize>width) << 2;
  if (width <= 2 && j0 == 0 && j1 == h && h * width <= 2) {
    smallLayer(ptr + <usize>b0 * 2 * h * rowBytes, width, h, b1 - b0, tw, dit);
    return;
  }
  const span = <usize>h * rowBytes;
  for (let b = b0; b < b1; b++) {
    const blk = ptr + <usize>b * 2 * span;
    let j = j0;
    if (width <= 2) {
      // Vectors over 4 / width consecutive rows; twiddles duplicated per column when width is 2.
      const step: u32 = 4 / width;
      for (; j + step <= j1; j += step) {
        const lo = blk + <usize>j * rowBytes;
        const hi = lo + span;
        let tv: v128;
        if (width == 1) tv = v128.load(tw + ((<usize>(h + j)) << 2));
        else tv = v128.shuffle<i32>(v128.load64_zero(tw + ((<usize>(h + j)) << 2)), i32x4.splat(0), 0, 0, 1, 1);
        const u = v128.load(lo);
        const v = v128.load(hi);
        if (dit) {
          const tvv = vmmul(v, tv);
          v128.store(lo, vadd(u, tvv));
          v128.store(hi, vsub(u, tvv));
        } else {
          v128.store(lo, vadd(u, v));
          v128.store(hi, vmmul(vsub(u, v), tv));
        }
      }
    }
    for (; j < j1; j++) {
      const lo = blk + <usize>j * rowBytes;
      const t = load<u32>(tw + ((<usize>(h + j)) << 2));
      if (dit) ditRows(lo, lo + span, width, t);
      else difRows(lo, lo + span, width, t);
    }
  }
}

/**
 * Layers whose pair (h rows, width columns) spans fewer than 4 elements: h*width is 1 or 2. Each
 * group of 8 consecutive elements holds whole blocks; lanes are regrouped with shuffles.
 */
function smallLayer(ptr: usize, width: u32, h: u32, blocks: u32, tw: usize, dit: bool): void {
  const total = blocks * 2 * h * width; // elements
  const hw = h * width;
  let tv: v128;
  if (hw == 1) tv = i32x4.splat(mmul(1, R2)); // h == 1, width 1: twiddle 1
  else if (h == 1) tv = i32x4.splat(load<u32>(tw + 4)); // width 2, twiddle tw[1] = 1
  else tv = v128.shuffle<i32>(v128.load64_zero(tw + 8), i32x4.splat(0), 0, 1, 0, 1); // h 2, width 1
  let i: u32 = 0;
  for (; i + 8 <= total; i += 8) {
    const p = ptr + ((<usize>i) << 2);
    const x = v128.load(p);
    const y = v128.load(p, 16);
    let u: v128, v: v128;
    if (hw == 1) {
      u = v128.shuffle<i32>(x, y, 0, 2, 4, 6);
      v = v128.shuffle<i32>(x, y, 1, 3, 5, 7);
    } else {
      u = v128.shuffle<i32>(x, y, 0, 1, 4, 5);
      v = v128.shuffle<i32>(x, y, 2, 3, 6, 7);
    }
    let a: v128, b: v128;
    if (dit) {
      const tvv = vmmul(v, tv);
      a = vadd(u, tvv);
      b = vsub(u, tvv);
    } else {
      a = vadd(u, v);
      b = vmmul(vsub(u, v), tv);
    }
    if (hw == 1) {
      v128.store(p, v128.shuffle<i32>(a, b, 0, 4, 1, 5));
      v128.store(p, v128.shuffle<i32>(a, b, 2, 6, 3, 7), 16);
    } else {
      v128.store(p, v128.shuffle<i32>(a, b, 0, 1, 4, 5));
      v128.store(p, v128.shuffle<i32>(a, b, 2, 3, 6, 7), 16);
    }
  }
  // Leftover blocks (fewer than 8 elements).
  const rowBytes = (<usize>width) << 2;
  const span = <usize>h * rowBytes;
  for (let e = i; e < total; e += 2 * hw) {
    const blk = ptr + ((<usize>e) << 2);
    for (let j: u32 = 0; j < h; j++) {
      const lo = blk + <usize>j * rowBytes;
      const t = load<u32>(tw + ((<usize>(h + j)) << 2));
      if (dit) ditRows(lo, lo + span, width, t);
      else difRows(lo, lo + span, width, t);
    }
  }
}

// ---- whole blocks ----

/**
 * Full DIF of the 2^logN rows at ptr (natural in, bit-reversed out). Large blocks recurse after
 * their top layer so that the lower layers run on cache-sized pieces.
 */
export function ntt_dif(ptr: usize, width: u32, logN: u32, tw: usize): void {
  if (logN == 0) return;
  const n: u32 = 1 << logN;
  if (n * width > CACHE_ELEMS && logN > 1) {
    const h = n >> 1;
    layer(ptr, width, h, 0, 1, 0, h, tw, false);
    ntt_dif(ptr, width, logN - 1, tw);
    ntt_dif(ptr + ((<usize>h * width) << 2), width, logN - 1, tw);
    return;
  }
  for (let h = n >> 1; h >= 1; h >>= 1) layer(ptr, width, h, 0, n / (2 * h), 0, h, tw, false);
}

/**
 * Full DIT of the 2^logN rows at ptr (bit-reversed in, natural out), skipping the layers with
 * h < 2^skipLog (valid when each 2^skipLog block already holds one replicated value).
 */
export function ntt_dit(ptr: usize, width: u32, logN: u32, skipLog: u32, tw: usize): void {
  if (logN <= skipLog) return;
  const n: u32 = 1 << logN;
  if (n * width > CACHE_ELEMS && logN > 1) {
    const h = n >> 1;
    ntt_dit(ptr, width, logN - 1, skipLog, tw);
    ntt_dit(ptr + ((<usize>h * width) << 2), width, logN - 1, skipLog, tw);
    layer(ptr, width, h, 0, 1, 0, h, tw, true);
    return;
  }
  for (let h: u32 = 1 << skipLog; h < n; h <<= 1) layer(ptr, width, h, 0, n / (2 * h), 0, h, tw, true);
}

// ---- permutations and scaling ----

@inline function rev(i: u32, logN: u32): u32 {
  return logN == 0 ? 0 : reverse(i) >>> (32 - logN);
}

@inline function reverse(x: u32): u32 {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  return bswap<u32>(x);
}

/**
 * For i in [i0, i1): reads source row s (s = rev(i) over logN bits if srcBitrev, else i),
 * multiplies it by c * step^i and writes it to destination row i, or, if spread, to the rows
 * [rev(i) << logBlowup, (rev(i) + 1) << logBlowup) of a 2^(logN + logBlowup)-row destination.
 * dst and src must not overlap. Ranges of i write disjoint rows, so threads may split them.
 */
export function ntt_copy_scale(
  dst: usize, src: usize, width: u32, logN: u32, logBlowup: u32,
  i0: u32, i1: u32, c: u32, step: u32, srcBitrev: bool, spread: bool,
): void {
  const rowBytes = (<usize>width) << 2;
  const stepM = mmul(step, R2);
  // f is kept in Montgomery form: mmul(x, f) is the canonical product.
  let f = mmul(fmul(c, fpow(step, i0)), R2);
  const rep: u32 = spread ? 1 << logBlowup : 1;
  for (let i = i0; i < i1; i++) {
    const r = rev(i, logN);
    const s = src + <usize>(srcBitrev ? r : i) * rowBytes;
    const d0 = dst + <usize>(spread ? r << logBlowup : i) * rowBytes;
    const fv = i32x4.splat(f);
    let col: u32 = 0;
    for (; col + 4 <= width; col += 4) {
      const o = <usize>col << 2;
      const x = vmmul(v128.load(s + o), fv);
      for (let k: u32 = 0; k < rep; k++) v128.store(d0 + <usize>k * rowBytes + o, x);
    }
    for (; col < width; col++) {
      const o = <usize>col << 2;
      const x = mmul(load<u32>(s + o), f);
      for (let k: u32 = 0; k < rep; k++) store<u32>(d0 + <usize>k * rowBytes + o, x);
    }
    f = mmul(f, stepM);
  }
}

/** Swaps rows i and rev(i) for i in [i0, i1) with i < rev(i): an in-place bit-reversal, splittable. */
export function ntt_bitrev_rows(ptr: usize, width: u32, logN: u32, i0: u32, i1: u32): void {
  const rowBytes = (<usize>width) << 2;
  for (let i = i0; i < i1; i++) {
    const j = rev(i, logN);
    if (j <= i) continue;
    const a = ptr + <usize>i * rowBytes;
    const b = ptr + <usize>j * rowBytes;
    let o: usize = 0;
    for (; o + 16 <= rowBytes; o += 16) {
      const x = v128.load(a + o);
      v128.store(a + o, v128.load(b + o));
      v128.store(b + o, x);
    }
    for (; o < rowBytes; o += 4) {
      const x = load<u32>(a + o);
      store<u32>(a + o, load<u32>(b + o));
      store<u32>(b + o, x);
    }
  }
}
