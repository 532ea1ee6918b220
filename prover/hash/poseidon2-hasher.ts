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
import type { Matrix } from '../matrix.ts';
import { compressLayerWith, compressSync, hashRowSync, hashRowsWith } from './_batch.ts';
import type { KernelHashOps } from './_wasm.ts';
import { u32View } from './blake3.ts';
import { DIGEST_BYTES, type Hasher, assertDigest, assertLayer, normalizeMatrices } from './hasher.ts';
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

export const poseidon2Hasher: Hasher = Object.freeze({
  name: 'poseidon2' as const,
  kernelOps: poseidon2KernelOps,
  hashRow(values: Uint32Array): Uint8Array {
    if (!(values instanceof Uint32Array)) throw new TypeError('hashRow: expected a Uint32Array');
    assertCanonical(values, 'values');
    return hashRowSync(poseidon2KernelOps, values);
  },
  compress(left: Uint8Array, right: Uint8Array): Uint8Array {
    assertDigest(left, 'compress(left)');
    assertDigest(right, 'compress(right)');
    const pair = new Uint8Array(2 * DIGEST_BYTES);
    pair.set(left, 0);
    pair.set(right, DIGEST_BYTES);
    assertCanonical(u32View(pair), 'digest pair');
    return compressSync(poseidon2KernelOps, pair);
  },
  async hashRows(matrices: Matrix | readonly Matrix[]): Promise<Uint8Array> {
    return hashRowsWith(poseidon2KernelOps, normalizeMatrices(matrices));
  },
  async compressLayer(children: Uint8Array): Promise<Uint8Array> {
    assertLayer(children);
    return compressLayerWith(poseidon2KernelOps, children);
  },
});
