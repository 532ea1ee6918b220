/**
 * BLAKE3 kernel: hashes many equal-length messages per call, four at a time in the lanes of
 * 128-bit SIMD vectors (one message per i32x4 lane), which is how the BLAKE3 paper (section 5.3)
 * suggests vectorising when many independent inputs are at hand: Merkle leaves and node pairs.
 *
 * Only the 32-byte default output is produced. Messages of any length are supported, including
 * multi-chunk ones (> 1024 bytes, the wide rows of a trace): chunk chaining values are merged with
 * the reference implementation's stack rule (merge while the completed chunk count is even; the
 * last chunk's output is then folded into the stack from the top, the final parent being the root).
 *
 * Plain functions over pointers into the shared linear memory; no static data and no allocation,
 * so the same instance can serve several workers as long as each passes its own scratch area.
 * Reference: the BLAKE3 specification (O'Connor, Aumasson, Neves, Wilcox-O'Hearn), sections 2.1-2.6.
 */

const IV0: u32 = 0x6a09e667;
const IV1: u32 = 0xbb67ae85;
const IV2: u32 = 0x3c6ef372;
const IV3: u32 = 0xa54ff53a;
const IV4: u32 = 0x510e527f;
const IV5: u32 = 0x9b05688c;
const IV6: u32 = 0x1f83d9ab;
const IV7: u32 = 0x5be0cd19;

const CHUNK_START: u32 = 1;
const CHUNK_END: u32 = 2;
const PARENT: u32 = 4;
const ROOT: u32 = 8;

const CHUNK_LEN: u32 = 1024;
const BLOCK_LEN: u32 = 64;

// Scratch layout (bytes from the caller's scratch pointer, which must be 16-byte aligned).
const S_CV: usize = 0; // 8 x v128: chaining value, word j of the four lanes
const S_MSG: usize = 128; // 16 x v128: message block, word j of the four lanes
const S_PAD: usize = 384; // 4 x 64 bytes: zero-padded partial blocks, one per lane
const S_STACK: usize = 640; // up to 54 x 128 bytes: chaining value stack of the chunk tree
/** Bytes of scratch one call needs. */
export const BLAKE3_SCRATCH_BYTES: u32 = 8192;

@inline function rotr16(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
@inline function rotr8(x: v128): v128 {
  return i8x16.shuffle(x, x, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
}
@inline function rotr12(x: v128): v128 {
  return v128.or(i32x4.shr_u(x, 12), i32x4.shl(x, 20));
}
@inline function rotr7(x: v128): v128 {
  return v128.or(i32x4.shr_u(x, 7), i32x4.shl(x, 25));
}

/**
 * Transposes the 4x4 block of u32 at (a, b, c, d) (rows) and stores the columns at dst, dst+16,
 * dst+32, dst+48.
 */
@inline function transposeStore(a: v128, b: v128, c: v128, d: v128, dst: usize): void {
  const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i64>(t0, t2, 0, 2));
  v128.store(dst + 16, v128.shuffle<i64>(t0, t2, 1, 3));
  v128.store(dst + 32, v128.shuffle<i64>(t1, t3, 0, 2));
  v128.store(dst + 48, v128.shuffle<i64>(t1, t3, 1, 3));
}

/** Loads one 64-byte block from each of the four lanes' pointers into the message area. */
@inline function loadBlock4(q0: usize, q1: usize, q2: usize, q3: usize, msg: usize): void {
  for (let j: usize = 0; j < 4; j++) {
    const o = j << 4;
    transposeStore(v128.load(q0 + o), v128.load(q1 + o), v128.load(q2 + o), v128.load(q3 + o), msg + (o << 2));
  }
}

/** The compression function on four lanes; updates the chaining value at cvp in place. */
function compress4(cvp: usize, msg: usize, counter: u32, blockLen: u32, flags: u32): void {
  const h0 = v128.load(cvp), h1 = v128.load(cvp, 16), h2 = v128.load(cvp, 32), h3 = v128.load(cvp, 48);
  const h4 = v128.load(cvp, 64), h5 = v128.load(cvp, 80), h6 = v128.load(cvp, 96), h7 = v128.load(cvp, 112);
  let v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
  let v8 = i32x4.splat(IV0), v9 = i32x4.splat(IV1), v10 = i32x4.splat(IV2), v11 = i32x4.splat(IV3);
  let v12 = i32x4.splat(counter), v13 = i32x4.splat(0);
  let v14 = i32x4.splat(blockLen), v15 = i32x4.splat(flags);
  let m0 = v128.load(msg), m1 = v128.load(msg, 16), m2 = v128.load(msg, 32), m3 = v128.load(msg, 48);
  let m4 = v128.load(msg, 64), m5 = v128.load(msg, 80), m6 = v128.load(msg, 96), m7 = v128.load(msg, 112);
  let m8 = v128.load(msg, 128), m9 = v128.load(msg, 144), m10 = v128.load(msg, 160), m11 = v128.load(msg, 176);
  let m12 = v128.load(msg, 192), m13 = v128.load(msg, 208), m14 = v128.load(msg, 224), m15 = v128.load(msg, 240);
  for (let r = 0; r < 7; r++) {
    v0 = i32x4.add(i32x4.add(v0, v4), m0); v12 = rotr16(v128.xor(v12, v0));
    v8 = i32x4.add(v8, v12); v4 = rotr12(v128.xor(v4, v8));
    v0 = i32x4.add(i32x4.add(v0, v4), m1); v12 = rotr8(v128.xor(v12, v0));
    v8 = i32x4.add(v8, v12); v4 = rotr7(v128.xor(v4, v8));
    v1 = i32x4.add(i32x4.add(v1, v5), m2); v13 = rotr16(v128.xor(v13, v1));
    v9 = i32x4.add(v9, v13); v5 = rotr12(v128.xor(v5, v9));
    v1 = i32x4.add(i32x4.add(v1, v5), m3); v13 = rotr8(v128.xor(v13, v1));
    v9 = i32x4.add(v9, v13); v5 = rotr7(v128.xor(v5, v9));
    v2 = i32x4.add(i32x4.add(v2, v6), m4); v14 = rotr16(v128.xor(v14, v2));
    v10 = i32x4.add(v10, v14); v6 = rotr12(v128.xor(v6, v10));
    v2 = i32x4.add(i32x4.add(v2, v6), m5); v14 = rotr8(v128.xor(v14, v2));
    v10 = i32x4.add(v10, v14); v6 = rotr7(v128.xor(v6, v10));
    v3 = i32x4.add(i32x4.add(v3, v7), m6); v15 = rotr16(v128.xor(v15, v3));
    v11 = i32x4.add(v11, v15); v7 = rotr12(v128.xor(v7, v11));
    v3 = i32x4.add(i32x4.add(v3, v7), m7); v15 = rotr8(v128.xor(v15, v3));
    v11 = i32x4.add(v11, v15); v7 = rotr7(v128.xor(v7, v11));
    v0 = i32x4.add(i32x4.add(v0, v5), m8); v15 = rotr16(v128.xor(v15, v0));
    v10 = i32x4.add(v10, v15); v5 = rotr12(v128.xor(v5, v10));
    v0 = i32x4.add(i32x4.add(v0, v5), m9); v15 = rotr8(v128.xor(v15, v0));
    v10 = i32x4.add(v10, v15); v5 = rotr7(v128.xor(v5, v10));
    v1 = i32x4.add(i32x4.add(v1, v6), m10); v12 = rotr16(v128.xor(v12, v1));
    v11 = i32x4.add(v11, v12); v6 = rotr12(v128.xor(v6, v11));
    v1 = i32x4.add(i32x4.add(v1, v6), m11); v12 = rotr8(v128.xor(v12, v1));
    v11 = i32x4.add(v11, v12); v6 = rotr7(v128.xor(v6, v11));
    v2 = i32x4.add(i32x4.add(v2, v7), m12); v13 = rotr16(v128.xor(v13, v2));
    v8 = i32x4.add(v8, v13); v7 = rotr12(v128.xor(v7, v8));
    v2 = i32x4.add(i32x4.add(v2, v7), m13); v13 = rotr8(v128.xor(v13, v2));
    v8 = i32x4.add(v8, v13); v7 = rotr7(v128.xor(v7, v8));
    v3 = i32x4.add(i32x4.add(v3, v4), m14); v14 = rotr16(v128.xor(v14, v3));
    v9 = i32x4.add(v9, v14); v4 = rotr12(v128.xor(v4, v9));
    v3 = i32x4.add(i32x4.add(v3, v4), m15); v14 = rotr8(v128.xor(v14, v3));
    v9 = i32x4.add(v9, v14); v4 = rotr7(v128.xor(v4, v9));
    // Message schedule: m[i] <- m[PERM[i]] for the next round.
    const p0 = m2, p1 = m6, p2 = m3, p3 = m10, p4 = m7, p5 = m0, p6 = m4, p7 = m13;
    const p8 = m1, p9 = m11, p10 = m12, p11 = m5, p12 = m9, p13 = m14, p14 = m15, p15 = m8;
    m0 = p0; m1 = p1; m2 = p2; m3 = p3; m4 = p4; m5 = p5; m6 = p6; m7 = p7;
    m8 = p8; m9 = p9; m10 = p10; m11 = p11; m12 = p12; m13 = p13; m14 = p14; m15 = p15;  }
  v128.store(cvp, v128.xor(v0, v8));
  v128.store(cvp, v128.xor(v1, v9), 16);
  v128.store(cvp, v128.xor(v2, v10), 32);
  v128.store(cvp, v128.xor(v3, v11), 48);
  v128.store(cvp, v128.xor(v4, v12), 64);
  v128.store(cvp, v128.xor(v5, v13), 80);
  v128.store(cvp, v128.xor(v6, v14), 96);
  v128.store(cvp, v128.xor(v7, v15), 112);
}

@inline function setIv(cvp: usize): void {
  v128.store(cvp, i32x4.splat(IV0));
  v128.store(cvp, i32x4.splat(IV1), 16);
  v128.store(cvp, i32x4.splat(IV2), 32);
  v128.store(cvp, i32x4.splat(IV3), 48);
  v128.store(cvp, i32x4.splat(IV4), 64);
  v128.store(cvp, i32x4.splat(IV5), 80);
  v128.store(cvp, i32x4.splat(IV6), 96);
  v128.store(cvp, i32x4.splat(IV7), 112);
}

/** cv <- parent(left, cv): the message is left || cv (both already lane-major), key IV. */
function parent4(left: usize, s: usize, flags: u32): void {
  memory.copy(s + S_MSG, left, 128);
  memory.copy(s + S_MSG + 128, s + S_CV, 128);
  setIv(s + S_CV);
  compress4(s + S_CV, s + S_MSG, 0, BLOCK_LEN, flags | PARENT);
}

/** Hashes the four messages of `len` bytes at p0..p3; the root chaining value is left at s + S_CV. */
function hashGroup(p0: usize, p1: usize, p2: usize, p3: usize, len: u32, s: usize): void {
  const cvp = s + S_CV;
  const msg = s + S_MSG;
  const pad = s + S_PAD;
  const nChunks: u32 = len == 0 ? 1 : (len + CHUNK_LEN - 1) / CHUNK_LEN;
  let sp: usize = 0;
  for (let c: u32 = 0; c < nChunks; c++) {
    const chunkStart = c * CHUNK_LEN;
    const chunkLen = min(CHUNK_LEN, len - chunkStart);
    const nBlocks: u32 = chunkLen == 0 ? 1 : (chunkLen + BLOCK_LEN - 1) / BLOCK_LEN;
    setIv(cvp);
    for (let b: u32 = 0; b < nBlocks; b++) {
      const off = <usize>(chunkStart + b * BLOCK_LEN);
      const blockLen = min(BLOCK_LEN, chunkLen - b * BLOCK_LEN);
      if (blockLen == BLOCK_LEN) {
        loadBlock4(p0 + off, p1 + off, p2 + off, p3 + off, msg);
      } else {
        memory.fill(pad, 0, 256);
        memory.copy(pad, p0 + off, blockLen);
        memory.copy(pad + 64, p1 + off, blockLen);
        memory.copy(pad + 128, p2 + off, blockLen);
        memory.copy(pad + 192, p3 + off, blockLen);
        loadBlock4(pad, pad + 64, pad + 128, pad + 192, msg);
      }
      let flags: u32 = 0;
      if (b == 0) flags |= CHUNK_START;
      if (b == nBlocks - 1) {
        flags |= CHUNK_END;
        if (nChunks == 1) flags |= ROOT;
      }
      compress4(cvp, msg, c, blockLen, flags);
    }
    if (c < nChunks - 1) {
      let total = c + 1;
      while ((total & 1) == 0) {
        sp--;
        parent4(s + S_STACK + (sp << 7), s, 0);
        total >>= 1;
      }
      memory.copy(s + S_STACK + (sp << 7), cvp, 128);
      sp++;
    }
  }
  while (sp > 0) {
    sp--;
    parent4(s + S_STACK + (sp << 7), s, sp == 0 ? ROOT : 0);
  }
}

/**
 * Hashes `count` messages of `rowBytes` bytes each, stored back to back from `inPtr`, writing
 * `count` 32-byte digests back to back from `outPtr`. `rowBytes` must be a multiple of 4 (rows of
 * u32); `scratch` points to BLAKE3_SCRATCH_BYTES bytes, 16-byte aligned, used by this call only.
 */
export function blake3_hash_rows(inPtr: usize, rowBytes: u32, count: u32, outPtr: usize, scratch: usize): void {
  if (count == 0) return;
  const last = count - 1;
  const cvp = scratch + S_CV;
  for (let g: u32 = 0; g < count; g += 4) {
    // Missing lanes of the last group repeat its last message; their digests are not stored.
    const p0 = inPtr + <usize>g * rowBytes;
    const p1 = inPtr + <usize>min(g + 1, last) * rowBytes;
    const p2 = inPtr + <usize>min(g + 2, last) * rowBytes;
    const p3 = inPtr + <usize>min(g + 3, last) * rowBytes;
    hashGroup(p0, p1, p2, p3, rowBytes, scratch);
    // Back to message-major order: two 4x4 transposes give each lane's words 0-3 and 4-7.
    const t = scratch + S_PAD;
    transposeStore(v128.load(cvp), v128.load(cvp, 16), v128.load(cvp, 32), v128.load(cvp, 48), t);
    transposeStore(v128.load(cvp, 64), v128.load(cvp, 80), v128.load(cvp, 96), v128.load(cvp, 112), t + 64);
    const lanes = min(4, count - g);
    for (let k: u32 = 0; k < lanes; k++) {
      const dst = outPtr + (<usize>(g + k) << 5);
      v128.store(dst, v128.load(t + (<usize>k << 4)));
      v128.store(dst, v128.load(t + 64 + (<usize>k << 4)), 16);
    }
  }
}

/**
 * Compresses `count` pairs of 32-byte digests (64 bytes each, back to back from `inPtr`) into
 * `count` parents: BLAKE3 of the 64-byte concatenation, one block, one chunk.
 */
export function blake3_compress_pairs(inPtr: usize, count: u32, outPtr: usize, scratch: usize): void {
  blake3_hash_rows(inPtr, 64, count, outPtr, scratch);
}

/**
 * Interleaves two lists of `count` 32-byte digests into `count` 64-byte pairs (a_i || b_i), as the
 * Merkle builder needs before compressing a node with the digest of rows injected at its level.
 */
export function hash_interleave_digests(a: usize, b: usize, count: u32, out: usize): void {
  for (let i: usize = 0; i < <usize>count; i++) {
    const s = i << 5;
    const d = i << 6;
    v128.store(out + d, v128.load(a + s));
    v128.store(out + d, v128.load(a + s, 16), 16);
    v128.store(out + d, v128.load(b + s), 32);
    v128.store(out + d, v128.load(b + s, 16), 48);
  }
}

/** Copies `bytes` bytes (a Merkle builder step: saving a kept level or a subtree's top digest). */
export function hash_copy_bytes(dst: usize, src: usize, bytes: u32): void {
  memory.copy(dst, src, bytes);
}
