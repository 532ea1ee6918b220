/**
 * BLAKE3 as a `Hasher`: leaves are the BLAKE3 hash of the row's u32 words in little-endian bytes,
 * nodes the BLAKE3 hash of the 64-byte concatenation of the two children (as Plonky3 does).
 *
 * Every call runs the WebAssembly kernel (`prover/wasm/assembly/blake3.ts`, 4 messages per SIMD
 * pass), single items included: even one lane of four beats @noble/hashes' BLAKE3, which is only
 * the reference the tests compare against.
 * @module
 */
import { kernelHasher } from './_batch.ts';
import type { KernelHashOps } from './_wasm.ts';
import { DIGEST_BYTES, type Hasher } from './hasher.ts';

/** Scratch of one BLAKE3 kernel call (BLAKE3_SCRATCH_BYTES in the kernel). */
const BLAKE3_SCRATCH = 8192;

export const blake3KernelOps: KernelHashOps = Object.freeze<KernelHashOps>({
  scratchBytes: BLAKE3_SCRATCH,
  initScratch(): void {},
  leaves: (inPtr, width, count, outPtr, scratch) => ['blake3_hash_rows', [inPtr, width * 4, count, outPtr, scratch]],
  nodes: (inPtr, count, outPtr, scratch) => ['blake3_hash_rows', [inPtr, 2 * DIGEST_BYTES, count, outPtr, scratch]],
});

export const blake3Hasher: Hasher = kernelHasher('blake3', blake3KernelOps);
