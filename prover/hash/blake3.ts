/**
 * BLAKE3 as a `Hasher`: leaves are the BLAKE3 hash of the row's u32 words in little-endian bytes,
 * nodes the BLAKE3 hash of the 64-byte concatenation of the two children (as Plonky3 does).
 *
 * Every call runs the WebAssembly kernel (`prover/wasm/assembly/blake3.ts`, 4 messages per SIMD
 * pass); @noble/hashes' BLAKE3 is only the reference the tests compare against. Large inputs are
 * processed in slices so the kernel's memory stays small.
 * @module
 */
import type { Matrix } from '../matrix.ts';
import { hashKernels } from './_wasm.ts';
import {
  DIGEST_BYTES,
  type Hasher,
  assertDigest,
  assertLayer,
  gatherRows,
  normalizeMatrices,
  totalWidth,
} from './hasher.ts';

const SCRATCH = 8192;
/** Input bytes per kernel call: big enough to amortise the call, small enough to stay in cache. */
const SLICE_BYTES = 1 << 20;

/**
 * Hashes `count` messages of `rowBytes` bytes each; `fill(dst, r0, r1)` writes messages [r0, r1)
 * as u32 words into the kernel's memory. Returns count * 32 bytes.
 */
function hashMessages(count: number, rowBytes: number, fill: (dst: Uint32Array, r0: number, r1: number) => void): Uint8Array {
  const k = hashKernels();
  const out = new Uint8Array(count * DIGEST_BYTES);
  const perSlice = Math.max(1, Math.floor(SLICE_BYTES / Math.max(rowBytes, 1)));
  const batch = Math.min(count, perSlice);
  const base = k.arena(SCRATCH + batch * (DIGEST_BYTES + rowBytes));
  const outPtr = base + SCRATCH;
  const inPtr = outPtr + batch * DIGEST_BYTES;
  for (let r0 = 0; r0 < count; r0 += batch) {
    const r1 = Math.min(count, r0 + batch);
    const n = r1 - r0;
    const buf = k.memory.buffer;
    fill(new Uint32Array(buf, inPtr, (n * rowBytes) / 4), r0, r1);
    k.blake3_hash_rows(inPtr, rowBytes, n, outPtr, base);
    out.set(new Uint8Array(buf, outPtr, n * DIGEST_BYTES), r0 * DIGEST_BYTES);
  }
  return out;
}

/** BLAKE3 of one row's u32 words (little-endian), via the kernel. */
export function blake3HashRow(values: Uint32Array): Uint8Array {
  return hashMessages(1, values.length * 4, (dst) => dst.set(values));
}

/** Digests of all rows of the concatenation of `list` (equal heights). */
export function blake3HashRowsSync(list: readonly Matrix[]): Uint8Array {
  const w = totalWidth(list);
  return hashMessages(list[0]!.height, w * 4, (dst, r0, r1) => gatherRows(list, r0, r1, dst));
}

/** The bytes as little-endian u32 words, without a copy when aligned. */
export function u32View(bytes: Uint8Array): Uint32Array {
  return bytes.byteOffset % 4 === 0
    ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
    : new Uint32Array(bytes.slice().buffer);
}

/** Parents of 2n children digests. */
export function blake3CompressLayerSync(children: Uint8Array): Uint8Array {
  const n = children.length / (2 * DIGEST_BYTES);
  const words = u32View(children);
  return hashMessages(n, 2 * DIGEST_BYTES, (dst, r0, r1) => dst.set(words.subarray(r0 * 16, r1 * 16)));
}

export const blake3Hasher: Hasher = Object.freeze({
  name: 'blake3' as const,
  hashRow(values: Uint32Array): Uint8Array {
    if (!(values instanceof Uint32Array)) throw new TypeError('hashRow: expected a Uint32Array');
    return blake3HashRow(values);
  },
  compress(left: Uint8Array, right: Uint8Array): Uint8Array {
    assertDigest(left, 'compress(left)');
    assertDigest(right, 'compress(right)');
    const pair = new Uint8Array(2 * DIGEST_BYTES);
    pair.set(left, 0);
    pair.set(right, DIGEST_BYTES);
    return blake3CompressLayerSync(pair);
  },
  async hashRows(matrices: Matrix | readonly Matrix[]): Promise<Uint8Array> {
    return blake3HashRowsSync(normalizeMatrices(matrices));
  },
  async compressLayer(children: Uint8Array): Promise<Uint8Array> {
    assertLayer(children);
    return blake3CompressLayerSync(children);
  },
});
