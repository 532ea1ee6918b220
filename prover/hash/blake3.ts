/**
 * BLAKE3 as a `Hasher`: leaves are the BLAKE3 hash of the row's u32 words in little-endian bytes,
 * nodes the BLAKE3 hash of the 64-byte concatenation of the two children (as Plonky3 does).
 *
 * Every call runs the WebAssembly kernel (`prover/wasm/assembly/blake3.ts`, 4 messages per SIMD
 * pass), single items included: even one lane of four beats @noble/hashes' BLAKE3, which is only
 * the reference the tests compare against.
 * @module
 */
import type { Matrix } from '../matrix.ts';
import { compressLayerWith, compressSync, hashRowSync, hashRowsWith } from './_batch.ts';
import type { KernelHashOps } from './_wasm.ts';
import { DIGEST_BYTES, type Hasher, assertDigest, assertLayer, normalizeMatrices } from './hasher.ts';

/** Scratch of one BLAKE3 kernel call (BLAKE3_SCRATCH_BYTES in the kernel). */
const BLAKE3_SCRATCH = 8192;

export const blake3KernelOps: KernelHashOps = Object.freeze<KernelHashOps>({
  scratchBytes: BLAKE3_SCRATCH,
  initScratch(): void {},
  leaves: (inPtr, width, count, outPtr, scratch) => ['blake3_hash_rows', [inPtr, width * 4, count, outPtr, scratch]],
  nodes: (inPtr, count, outPtr, scratch) => ['blake3_hash_rows', [inPtr, 2 * DIGEST_BYTES, count, outPtr, scratch]],
});

/** The bytes as little-endian u32 words, without a copy when aligned. */
export function u32View(bytes: Uint8Array): Uint32Array {
  return bytes.byteOffset % 4 === 0
    ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
    : new Uint32Array(bytes.slice().buffer);
}

export const blake3Hasher: Hasher = Object.freeze({
  name: 'blake3' as const,
  kernelOps: blake3KernelOps,
  hashRow(values: Uint32Array): Uint8Array {
    if (!(values instanceof Uint32Array)) throw new TypeError('hashRow: expected a Uint32Array');
    return hashRowSync(blake3KernelOps, values);
  },
  compress(left: Uint8Array, right: Uint8Array): Uint8Array {
    assertDigest(left, 'compress(left)');
    assertDigest(right, 'compress(right)');
    const pair = new Uint8Array(2 * DIGEST_BYTES);
    pair.set(left, 0);
    pair.set(right, DIGEST_BYTES);
    return compressSync(blake3KernelOps, pair);
  },
  async hashRows(matrices: Matrix | readonly Matrix[]): Promise<Uint8Array> {
    return hashRowsWith(blake3KernelOps, normalizeMatrices(matrices));
  },
  async compressLayer(children: Uint8Array): Promise<Uint8Array> {
    assertLayer(children);
    return compressLayerWith(blake3KernelOps, children);
  },
});
