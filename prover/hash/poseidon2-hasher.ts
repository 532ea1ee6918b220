/**
 * Poseidon2 (BabyBear, width 16) as a `Hasher`: leaves by the rate-8 sponge, nodes by the truncated
 * permutation (see `poseidon2.ts` for the construction). Digests are 8 field elements written as
 * 32 little-endian bytes.
 *
 * All methods run the WebAssembly kernel (`prover/wasm/assembly/poseidon2.ts`, ~50x faster than
 * the TypeScript reference of `poseidon2.ts`, which the tests check it against); the single-item
 * methods first check that their input is canonical, since they serve the verifier.
 * @module
 */
import { P, mul } from '../field/babybear.ts';
import { kernelHasher } from './_batch.ts';
import type { KernelHashOps } from './_wasm.ts';
import { type Hasher } from './hasher.ts';
import { poseidon2Params16 } from './poseidon2-params.ts';

/** 2^32 mod p: multiplying by it puts an element in Montgomery form. */
const R_MOD_P = 2 ** 32 % P;

export const poseidon2KernelOps: KernelHashOps = Object.freeze<KernelHashOps>({
  // Kernel layout: 158 words of constants, then the state (16 x 4 lanes) at byte 640.
  scratchBytes: 1024,
  initScratch(scratch: Uint8Array): void {
    const p = poseidon2Params16();
    const c = new Uint32Array(scratch.buffer, scratch.byteOffset, 158);
    const mont = (x: number) => mul(x, R_MOD_P);
    let o = 0;
    for (const row of p.externalInitial) for (const x of row) c[o++] = mont(x);
    for (const x of p.internal) c[o++] = mont(x);
    for (const row of p.externalFinal) for (const x of row) c[o++] = mont(x);
    for (const x of p.internalDiagM1) c[o++] = mont(x);
    c[o] = mul(R_MOD_P, R_MOD_P);
  },
  leaves: (inPtr, width, count, outPtr, scratch) => ['p2_hash_rows', [inPtr, width, count, outPtr, scratch]],
  nodes: (inPtr, count, outPtr, scratch) => ['p2_compress_pairs', [inPtr, count, outPtr, scratch]],
});

function assertCanonical(values: Uint32Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i]! >= P) throw new RangeError(`poseidon2: ${what}[${i}] = ${values[i]} is not a canonical BabyBear element`);
  }
}

export const poseidon2Hasher: Hasher = kernelHasher('poseidon2', poseidon2KernelOps, assertCanonical);
