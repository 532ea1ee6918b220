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
 * Twiddles live in one table per direction: for each level h (1 <= h < n) the canonical
 * w_(2h)^j at tw[2h + j] and its Shoup companion at tw[3h + j], so a butterfly product is one
 * Shoup multiplication (three multiplies, canonical result; fewer operations than a Montgomery
 * product, which the scaling passes still use), and the table of the largest size serves every
 * smaller size. Work can be split across threads by layer
 * ranges (`ntt_*_layer`: blocks or j-ranges) and by independent blocks (`ntt_dif`, `ntt_dit`).
 *
 * SIMD: across columns when width >= 4; within a column (consecutive j) when width is 1 or 2.
 * Reference: Cooley-Tukey 1965; Gentleman-Sande 1966; any textbook radix-2 NTT.
 */
import { R2, mmul, fmul, fpow, fadd, fsub, vmmul, vadd, vsub, shoup, vshoup, shoupOf } from './_mont';

/** Rows*width elements above which a recursive transform splits instead of sweeping layers. */
const CACHE_ELEMS: u32 = 1 << 13;

/**
 * Writes the twiddles of every level h = 1, 2, 4, ..., n/2 (root of order n = 2^logN): at
 * tw[2h + j] the canonical w_(2h)^j and at tw[3h + j] its Shoup companion floor(w * 2^32 / p),
 * j < h. The table is 2n u32; the one of the largest size serves every smaller size.
 */
export function ntt_twiddles(tw: usize, logN: u32, root: u32): void {
  store<u32>(tw, 0);
  store<u32>(tw, 0, 4);
  if (logN == 0) return;
  const n: u32 = 1 << logN;
  const half = n >> 1;
  const rm = mmul(root, R2);
  let acc = mmul(1, R2);
  for (let j: u32 = 0; j < half; j++) {
    const w = mmul(acc, 1);
    store<u32>(tw + ((<usize>(2 * half + j)) << 2), w);
    store<u32>(tw + ((<usize>(3 * half + j)) << 2), shoupOf(w));
    acc = mmul(acc, rm);
  }
  // w_(2h)^j = w_(4h)^(2j): each level is every other entry of the level above.
  for (let h = half >> 1; h >= 1; h >>= 1) {
    for (let j: u32 = 0; j < h; j++) {
      store<u32>(tw + ((<usize>(2 * h + j)) << 2), load<u32>(tw + ((<usize>(4 * h + 2 * j)) << 2)));
      store<u32>(tw + ((<usize>(3 * h + j)) << 2), load<u32>(tw + ((<usize>(6 * h + 2 * j)) << 2)));
    }
  }
}

// ---- butterflies on one pair of rows (any width) ----

@inline function difRows(lo: usize, hi: usize, width: u32, t: u32, ts: u32): void {
  const tv = i32x4.splat(t);
  const tsv = i32x4.splat(ts);
  let c: u32 = 0;
  for (; c + 4 <= width; c += 4) {
    const o = <usize>c << 2;
    const u = v128.load(lo + o);
    const v = v128.load(hi + o);
    v128.store(lo + o, vadd(u, v));
    v128.store(hi + o, vshoup(vsub(u, v), tv, tsv));
  }
  for (; c < width; c++) {
    const o = <usize>c << 2;
    const u = load<u32>(lo + o);
    const v = load<u32>(hi + o);
    store<u32>(lo + o, fadd(u, v));
    store<u32>(hi + o, shoup(fsub(u, v), t, ts));
  }
}

@inline function ditRows(lo: usize, hi: usize, width: u32, t: u32, ts: u32): void {
  const tv = i32x4.splat(t);
  const tsv = i32x4.splat(ts);
  let c: u32 = 0;
  for (; c + 4 <= width; c += 4) {
    const o = <usize>c << 2;
    const u = v128.load(lo + o);
    const v = vshoup(v128.load(hi + o), tv, tsv);
    v128.store(lo + o, vadd(u, v));
    v128.store(hi + o, vsub(u, v));
  }
  for (; c < width; c++) {
    const o = <usize>c << 2;
    const u = load<u32>(lo + o);
    const v = shoup(load<u32>(hi + o), t, ts);
    store<u32>(lo + o, fadd(u, v));
    store<u32>(hi + o, fsub(u, v));
  }
}

// ---- one layer over a range ----

/** One vector of butterflies at lo / hi with twiddle lanes tv. */
@inline function butterfly(lo: usize, hi: usize, tv: v128, tsv: v128, dit: bool): void {
  const u = v128.load(lo);
  const v = v128.load(hi);
  if (dit) {
    const tvv = vshoup(v, tv, tsv);
    v128.store(lo, vadd(u, tvv));
    v128.store(hi, vsub(u, tvv));
  } else {
    v128.store(lo, vadd(u, v));
    v128.store(hi, vshoup(vsub(u, v), tv, tsv));
  }
}

/** Byte address of w_(2h)^j and of its Shoup companion. */
@inline function twAt(tw: usize, h: u32, j: u32): usize {
  return tw + ((<usize>(2 * h + j)) << 2);
}
@inline function tsAt(tw: usize, h: u32, j: u32): usize {
  return tw + ((<usize>(3 * h + j)) << 2);
}

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
  const z = i32x4.splat(0);
  for (let b = b0; b < b1; b++) {
    const blk = ptr + <usize>b * 2 * span;
    let j = j0;
    if (width <= 2) {
      // Vectors over 4 / width consecutive rows; twiddles duplicated per column when width is 2.
      const step: u32 = 4 / width;
      for (; j + step <= j1; j += step) {
        const lo = blk + <usize>j * rowBytes;
        if (width == 1) {
          butterfly(lo, lo + span, v128.load(twAt(tw, h, j)), v128.load(tsAt(tw, h, j)), dit);
        } else {
          const tv = v128.shuffle<i32>(v128.load64_zero(twAt(tw, h, j)), z, 0, 0, 1, 1);
          const tsv = v128.shuffle<i32>(v128.load64_zero(tsAt(tw, h, j)), z, 0, 0, 1, 1);
          butterfly(lo, lo + span, tv, tsv, dit);
        }
      }
    }
    if (width == 3) {
      // Four rows are three vectors; their twiddles [t0 t0 t0 t1] [t1 t1 t2 t2] [t2 t3 t3 t3].
      for (; j + 4 <= j1; j += 4) {
        const lo = blk + <usize>j * 12;
        const hi = lo + span;
        const t4 = v128.load(twAt(tw, h, j));
        const s4 = v128.load(tsAt(tw, h, j));
        butterfly(lo, hi, v128.shuffle<i32>(t4, t4, 0, 0, 0, 1), v128.shuffle<i32>(s4, s4, 0, 0, 0, 1), dit);
        butterfly(lo + 16, hi + 16, v128.shuffle<i32>(t4, t4, 1, 1, 2, 2), v128.shuffle<i32>(s4, s4, 1, 1, 2, 2), dit);
        butterfly(lo + 32, hi + 32, v128.shuffle<i32>(t4, t4, 2, 3, 3, 3), v128.shuffle<i32>(s4, s4, 2, 3, 3, 3), dit);
      }
    }
    if (width == 4) {
      // One vector per row: no column loop.
      for (; j < j1; j++) {
        const lo = blk + ((<usize>j) << 4);
        butterfly(lo, lo + span, v128.load32_splat(twAt(tw, h, j)), v128.load32_splat(tsAt(tw, h, j)), dit);
      }
    }
    for (; j < j1; j++) {
      const lo = blk + <usize>j * rowBytes;
      const t = load<u32>(twAt(tw, h, j));
      const ts = load<u32>(tsAt(tw, h, j));
      if (dit) ditRows(lo, lo + span, width, t, ts);
      else difRows(lo, lo + span, width, t, ts);
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
  // h == 1 has the twiddle 1: no product at all. h == 2 (width 1): lanes [w0 w1 w0 w1].
  const one = h == 1;
  const z = i32x4.splat(0);
  const tv = one ? z : v128.shuffle<i32>(v128.load64_zero(twAt(tw, 2, 0)), z, 0, 1, 0, 1);
  const tsv = one ? z : v128.shuffle<i32>(v128.load64_zero(tsAt(tw, 2, 0)), z, 0, 1, 0, 1);
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
      const tvv = one ? v : vshoup(v, tv, tsv);
      a = vadd(u, tvv);
      b = vsub(u, tvv);
    } else {
      a = vadd(u, v);
      b = one ? vsub(u, v) : vshoup(vsub(u, v), tv, tsv);
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
      const t = load<u32>(twAt(tw, h, j));
      const ts = load<u32>(tsAt(tw, h, j));
      if (dit) ditRows(lo, lo + span, width, t, ts);
      else difRows(lo, lo + span, width, t, ts);
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

/**
 * The SIMD-free twin of `ntt_dif` for one column (same recursion, same Shoup butterflies, one
 * element at a time): kept only to measure what SIMD buys (bench/ntt.ts), and tested equal.
 */
export function ntt_dif_scalar(ptr: usize, logN: u32, tw: usize): void {
  if (logN == 0) return;
  const n: u32 = 1 << logN;
  if (n > CACHE_ELEMS && logN > 1) {
    const h = n >> 1;
    scalarDifLayer(ptr, h, 1, tw);
    ntt_dif_scalar(ptr, logN - 1, tw);
    ntt_dif_scalar(ptr + ((<usize>h) << 2), logN - 1, tw);
    return;
  }
  for (let h = n >> 1; h >= 1; h >>= 1) scalarDifLayer(ptr, h, n / (2 * h), tw);
}

function scalarDifLayer(ptr: usize, h: u32, blocks: u32, tw: usize): void {
  const span = (<usize>h) << 2;
  for (let b: u32 = 0; b < blocks; b++) {
    const blk = ptr + <usize>b * 2 * span;
    for (let j: u32 = 0; j < h; j++) {
      const lo = blk + ((<usize>j) << 2);
      const u = load<u32>(lo);
      const v = load<u32>(lo + span);
      store<u32>(lo, fadd(u, v));
      store<u32>(lo + span, shoup(fsub(u, v), load<u32>(twAt(tw, h, j)), load<u32>(tsAt(tw, h, j))));
    }
  }
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
 * Copies coefficient rows into the layout a transform wants, scaling coefficient i by c * step^i
 * (interpolation's 1/n and the coset shift's powers in one pass). For i in [i0, i1): the source
 * row of coefficient i is rev(i) (over logN bits) if srcBitrev, else i; its destination is row i,
 * or, if spread, the rows [rev(i) << logBlowup, (rev(i) + 1) << logBlowup) of a
 * 2^(logN + logBlowup)-row destination (the zero-padded DIT input with its first logBlowup layers
 * already applied). dst and src must not overlap. Disjoint ranges write disjoint rows.
 *
 * When srcBitrev and spread (the natural-order LDE), both sides are visited in bit-reversed index
 * order k = rev(i), so every access is sequential; the factors c * step^rev(k) come from a table
 * built by doubling in `scratch` (4 bytes per row, at scratch + 4 * i0), which needs [i0, i1) to be
 * an aligned power-of-two range. The other modes are permutations (one side random) except the
 * plain copy (neither flag).
 */
export function ntt_copy_scale(
  dst: usize, src: usize, width: u32, logN: u32, logBlowup: u32,
  i0: u32, i1: u32, c: u32, step: u32, srcBitrev: bool, spread: bool, scratch: usize,
): void {
  if (i1 <= i0) return;
  const rowBytes = (<usize>width) << 2;
  if (srcBitrev && spread) {
    const len = i1 - i0;
    const tab = scratch + ((<usize>i0) << 2);
    bitrevPowers(tab, logN, i0, len, c, step);
    const rep: u32 = 1 << logBlowup;
    const dstRow = rowBytes << logBlowup;
    if (width == 1) {
      let k: u32 = 0;
      for (; k + 4 <= len; k += 4) {
        const x = vmmul(v128.load(src + ((<usize>(i0 + k)) << 2)), v128.load(tab + ((<usize>k) << 2)));
        storeSpread4(dst + <usize>(i0 + k) * dstRow, x, rep);
      }
      for (; k < len; k++) {
        const x = mmul(load<u32>(src + ((<usize>(i0 + k)) << 2)), load<u32>(tab + ((<usize>k) << 2)));
        const d = dst + <usize>(i0 + k) * dstRow;
        for (let r: u32 = 0; r < rep; r++) store<u32>(d + ((<usize>r) << 2), x);
      }
      return;
    }
    let k: u32 = 0;
    if (width == 2) {
      // Two rows per vector, factors [t_k, t_k, t_k+1, t_k+1].
      for (; k + 2 <= len; k += 2) {
        const fv = v128.shuffle<i32>(v128.load64_zero(tab + ((<usize>k) << 2)), i32x4.splat(0), 0, 0, 1, 1);
        const x = vmmul(v128.load(src + ((<usize>(i0 + k)) << 3)), fv);
        const d = dst + <usize>(i0 + k) * dstRow;
        if (rep == 1) {
          v128.store(d, x);
        } else {
          const xa = v128.shuffle<i32>(x, x, 0, 1, 0, 1);
          const xb = v128.shuffle<i32>(x, x, 2, 3, 2, 3);
          for (let r: u32 = 0; r < rep; r += 2) {
            v128.store(d + ((<usize>r) << 3), xa);
            v128.store(d + dstRow + ((<usize>r) << 3), xb);
          }
        }
      }
    }
    for (; k < len; k++) {
      scaleRow(dst + <usize>(i0 + k) * dstRow, src + <usize>(i0 + k) * rowBytes, width, load<u32>(tab + ((<usize>k) << 2)), rep);
    }
    return;
  }
  const stepM = mmul(step, R2);
  // f is kept in Montgomery form: mmul(x, f) is the canonical product.
  let f = mmul(fmul(c, fpow(step, i0)), R2);
  if (!srcBitrev && !spread && width <= 2) {
    // Plain sequential copy-and-scale of one or two columns: 4 / width rows per vector.
    const perVec: u32 = 4 / width;
    const f1 = mmul(f, stepM), f2 = mmul(f1, stepM), f3 = mmul(f2, stepM);
    const s2 = mmul(stepM, stepM);
    let fv = width == 1 ? i32x4(f, f1, f2, f3) : i32x4(f, f, f1, f1);
    const stepV = i32x4.splat(width == 1 ? mmul(s2, s2) : s2); // Montgomery form of step^perVec
    let i = i0;
    for (; i + perVec <= i1; i += perVec) {
      const o = <usize>i * rowBytes;
      v128.store(dst + o, vmmul(v128.load(src + o), fv));
      fv = vmmul(fv, stepV);
    }
    f = i32x4.extract_lane(fv, 0);
    for (; i < i1; i++) {
      scaleRow(dst + <usize>i * rowBytes, src + <usize>i * rowBytes, width, f, 1);
      f = mmul(f, stepM);
    }
    return;
  }
  const rep: u32 = spread ? 1 << logBlowup : 1;
  for (let i = i0; i < i1; i++) {
    const r = rev(i, logN);
    const s = src + <usize>(srcBitrev ? r : i) * rowBytes;
    const d0 = dst + <usize>(spread ? r << logBlowup : i) * rowBytes;
    scaleRow(d0, s, width, f, rep);
    f = mmul(f, stepM);
  }
}

/** log2 of the tile side of `ntt_permute_scale`: 16 rows of one column fill a 64-byte line. */
const TILE: u32 = 4;

/**
 * The permuting modes of `ntt_copy_scale`, cache-blocked (needs logN >= 8). Index i = (a, m, b)
 * with a the top 4 bits, b the low 4 bits and m the middle; the natural-side row is i and the
 * bit-reversed side row is rev(i) = (rev b, rev m, rev a), so for each m the 16 x 16 tile reads 16
 * runs of 16 consecutive rows and writes 16 such runs. Row i is scaled by c * step^i.
 * If spread is 0: dst row i <- src row rev(i) (bit-reversed coefficients to natural ones).
 * If spread is 1: dst rows [rev(i) << logBlowup, +2^logBlowup) <- src row i (natural coefficients
 * to the spread DIT input). Threads may split the m range [m0, m1) of [0, 2^(logN - 8)).
 */
export function ntt_permute_scale(
  dst: usize, src: usize, width: u32, logN: u32, logBlowup: u32,
  m0: u32, m1: u32, c: u32, step: u32, spread: bool,
): void {
  const rowBytes = (<usize>width) << 2;
  const hiShift = logN - TILE;
  const logM = logN - 2 * TILE;
  const side: u32 = 1 << TILE;
  const rep: u32 = spread ? 1 << logBlowup : 1;
  const stepM = mmul(step, R2);
  const stepA = mmul(fpow(step, 1 << hiShift), R2); // step^(2^(logN-4)): next a
  const stepMid = mmul(fpow(step, side), R2); // step^16: next m
  let fm = mmul(fmul(c, fpow(step, m0 << TILE)), R2);
  if (width <= 2) {
    permuteNarrow(dst, src, width, hiShift, logM, m0, m1, fm, step, stepA, stepMid, spread, logBlowup);
    return;
  }
  for (let m = m0; m < m1; m++) {
    const rm = logM == 0 ? 0 : reverse(m) >>> (32 - logM);
    let fa = fm;
    for (let a: u32 = 0; a < side; a++) {
      const ra = reverse(a) >>> (32 - TILE);
      let f = fa;
      for (let b: u32 = 0; b < side; b++) {
        const i = (a << hiShift) | (m << TILE) | b;
        const j = ((reverse(b) >>> (32 - TILE)) << hiShift) | (rm << TILE) | ra;
        if (spread) scaleRow(dst + <usize>(j << logBlowup) * rowBytes, src + <usize>i * rowBytes, width, f, rep);
        else scaleRow(dst + <usize>i * rowBytes, src + <usize>j * rowBytes, width, f, 1);
        f = mmul(f, stepM);
      }
      fa = mmul(fa, stepA);
    }
    fm = mmul(fm, stepMid);
  }
}

/** Rows jq + ({0, 8, 4, 12} << hs): lanes l of b = 4q + l, whose rev4 is (rev2(l) << 2) | rev2(q). */
@inline function gather4(src: usize, jq: u32, hs: u32): v128 {
  let v = i32x4.splat(load<u32>(src + ((<usize>jq) << 2)));
  v = i32x4.replace_lane(v, 1, load<u32>(src + ((<usize>(jq | (8 << hs))) << 2)));
  v = i32x4.replace_lane(v, 2, load<u32>(src + ((<usize>(jq | (4 << hs))) << 2)));
  return i32x4.replace_lane(v, 3, load<u32>(src + ((<usize>(jq | (12 << hs))) << 2)));
}

@inline function store1(dst: usize, row: u32, x: u32, logBlowup: u32): void {
  const d = dst + ((<usize>row << logBlowup) << 2);
  const rep: u32 = 1 << logBlowup;
  if (rep >= 4) {
    const xv = i32x4.splat(x);
    for (let r: u32 = 0; r < rep; r += 4) v128.store(d + ((<usize>r) << 2), xv);
  } else {
    for (let r: u32 = 0; r < rep; r++) store<u32>(d + ((<usize>r) << 2), x);
  }
}

@inline function scatter4(dst: usize, jq: u32, hs: u32, x: v128, logBlowup: u32): void {
  store1(dst, jq, i32x4.extract_lane(x, 0), logBlowup);
  store1(dst, jq | (8 << hs), i32x4.extract_lane(x, 1), logBlowup);
  store1(dst, jq | (4 << hs), i32x4.extract_lane(x, 2), logBlowup);
  store1(dst, jq | (12 << hs), i32x4.extract_lane(x, 3), logBlowup);
}

/** Stores one row of two elements (lanes `lane`, lane + 1 of x) rep times from row `row`. */
@inline function store2(dst: usize, row: u32, x: v128, hiPair: bool, logBlowup: u32): void {
  const d = dst + ((<usize>row << logBlowup) << 3);
  const pair = hiPair ? v128.shuffle<i32>(x, x, 2, 3, 2, 3) : v128.shuffle<i32>(x, x, 0, 1, 0, 1);
  if (logBlowup == 0) {
    v128.store64_lane(d, pair, 0);
  } else {
    const rep: u32 = 1 << logBlowup;
    for (let r: u32 = 0; r < rep; r += 2) v128.store(d + ((<usize>r) << 3), pair);
  }
}

/** Rows ja and jb (two elements each) as one vector. */
@inline function gather2(src: usize, ja: u32, jb: u32): v128 {
  return v128.load64_lane(src + ((<usize>jb) << 3), v128.load64_zero(src + ((<usize>ja) << 3)), 1);
}

/** Rows b = 4q..4q+3 of one (m, a) tile: natural rows iBase + b, bit-reversed rows around jq. */
@inline function narrowQuad(
  dst: usize, src: usize, width: u32, hs: u32, iBase: u32, q: u32, jq: u32, f: v128, spread: bool, logBlowup: u32,
): void {
  if (width == 1) {
    const np = ((<usize>iBase) << 2) + ((<usize>q) << 4);
    if (spread) scatter4(dst, jq, hs, vmmul(v128.load(src + np), f), logBlowup);
    else v128.store(dst + np, vmmul(gather4(src, jq, hs), f));
    return;
  }
  const fLo = v128.shuffle<i32>(f, f, 0, 0, 1, 1); // rows b, b+1 (lanes 0, 1)
  const fHi = v128.shuffle<i32>(f, f, 2, 2, 3, 3); // rows b+2, b+3 (lanes 2, 3)
  const np = ((<usize>iBase) << 3) + ((<usize>q) << 5);
  if (spread) {
    const x = vmmul(v128.load(src + np), fLo);
    const y = vmmul(v128.load(src + np, 16), fHi);
    store2(dst, jq, x, false, logBlowup);
    store2(dst, jq | (8 << hs), x, true, logBlowup);
    store2(dst, jq | (4 << hs), y, false, logBlowup);
    store2(dst, jq | (12 << hs), y, true, logBlowup);
  } else {
    v128.store(dst + np, vmmul(gather2(src, jq, jq | (8 << hs)), fLo));
    v128.store(dst + np, vmmul(gather2(src, jq | (4 << hs), jq | (12 << hs)), fHi), 16);
  }
}

/**
 * `ntt_permute_scale` for one or two columns: per (m, a) the 16 factors are fa * step^b, four
 * vectors made from precomputed powers (no serial chain of products); the natural side moves as
 * whole vectors, the bit-reversed side as gathered or scattered lanes (width 1) or row pairs
 * (width 2). Lane l of b = 4q + l sits at bit-reversed row jq | ({0, 8, 4, 12}[l] << hs).
 */
function permuteNarrow(
  dst: usize, src: usize, width: u32, hs: u32, logM: u32, m0: u32, m1: u32, fm: u32, step: u32,
  stepA: u32, stepMid: u32, spread: bool, logBlowup: u32,
): void {
  const sM = mmul(step, R2);
  const s2 = mmul(sM, sM), s3 = mmul(s2, sM), s4 = mmul(s2, s2);
  const p0 = i32x4(mmul(1, R2), sM, s2, s3);
  const p1 = vmmul(p0, i32x4.splat(s4));
  const p2 = vmmul(p1, i32x4.splat(s4));
  const p3 = vmmul(p2, i32x4.splat(s4));
  for (let m = m0; m < m1; m++) {
    const rm = logM == 0 ? 0 : reverse(m) >>> (32 - logM);
    let fa = fm;
    for (let a: u32 = 0; a < 16; a++) {
      const fav = i32x4.splat(fa);
      const iBase = (a << hs) | (m << TILE);
      const jBase = (rm << TILE) | (reverse(a) >>> 28);
      // q = 0..3 covers b = 4q..4q+3; rev2(q) = 0, 2, 1, 3.
      narrowQuad(dst, src, width, hs, iBase, 0, jBase, vmmul(fav, p0), spread, logBlowup);
      narrowQuad(dst, src, width, hs, iBase, 1, jBase | (2 << hs), vmmul(fav, p1), spread, logBlowup);
      narrowQuad(dst, src, width, hs, iBase, 2, jBase | (1 << hs), vmmul(fav, p2), spread, logBlowup);
      narrowQuad(dst, src, width, hs, iBase, 3, jBase | (3 << hs), vmmul(fav, p3), spread, logBlowup);
      fa = mmul(fa, stepA);
    }
    fm = mmul(fm, stepMid);
  }
}

/** Writes row src * f (f in Montgomery form) to rep consecutive rows from d. */
@inline function scaleRow(d: usize, s: usize, width: u32, f: u32, rep: u32): void {
  const rowBytes = (<usize>width) << 2;
  const fv = i32x4.splat(f);
  let col: u32 = 0;
  for (; col + 4 <= width; col += 4) {
    const o = <usize>col << 2;
    const x = vmmul(v128.load(s + o), fv);
    for (let k: u32 = 0; k < rep; k++) v128.store(d + <usize>k * rowBytes + o, x);
  }
  for (; col < width; col++) {
    const o = <usize>col << 2;
    const x = mmul(load<u32>(s + o), f);
    for (let k: u32 = 0; k < rep; k++) store<u32>(d + <usize>k * rowBytes + o, x);
  }
}

/** Stores lanes x0..x3 each repeated rep times, consecutively from d (width-1 spread). */
@inline function storeSpread4(d: usize, x: v128, rep: u32): void {
  if (rep == 1) {
    v128.store(d, x);
  } else if (rep == 2) {
    v128.store(d, v128.shuffle<i32>(x, x, 0, 0, 1, 1));
    v128.store(d, v128.shuffle<i32>(x, x, 2, 2, 3, 3), 16);
  } else {
    const q = (<usize>rep) << 2;
    const l0 = v128.shuffle<i32>(x, x, 0, 0, 0, 0);
    const l1 = v128.shuffle<i32>(x, x, 1, 1, 1, 1);
    const l2 = v128.shuffle<i32>(x, x, 2, 2, 2, 2);
    const l3 = v128.shuffle<i32>(x, x, 3, 3, 3, 3);
    for (let o: usize = 0; o < q; o += 16) {
      v128.store(d + o, l0);
      v128.store(d + q + o, l1);
      v128.store(d + 2 * q + o, l2);
      v128.store(d + 3 * q + o, l3);
    }
  }
}

/**
 * tab[k] = Mont(c * step^rev(i0 + k)) for k < len, where [i0, i0 + len) is an aligned power-of-two
 * range: rev(i0 + k) = rev(i0) + rev(k), and the k with their low j bits free form the block
 * [2^j, 2^(j+1)) = [0, 2^j) times step^(2^(logN-1-j)), so the table doubles level by level.
 */
function bitrevPowers(tab: usize, logN: u32, i0: u32, len: u32, c: u32, step: u32): void {
  store<u32>(tab, mmul(fmul(c, fpow(step, rev(i0, logN))), R2));
  let j: u32 = 0;
  for (let half: u32 = 1; half < len; half <<= 1, j++) {
    const m = mmul(fpow(step, 1 << (logN - 1 - j)), R2);
    const hi = tab + ((<usize>half) << 2);
    let k: u32 = 0;
    if (half >= 4) {
      const mv = i32x4.splat(m);
      for (; k + 4 <= half; k += 4) v128.store(hi + ((<usize>k) << 2), vmmul(v128.load(tab + ((<usize>k) << 2)), mv));
    }
    for (; k < half; k++) store<u32>(hi + ((<usize>k) << 2), mmul(load<u32>(tab + ((<usize>k) << 2)), m));
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
