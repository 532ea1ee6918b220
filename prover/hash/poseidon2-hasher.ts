/**
 * Poseidon2 (BabyBear, width 16) as a `Hasher`: leaves by the rate-8 sponge, nodes by the truncated
 * permutation (see `poseidon2.ts` for the construction). Digests are 8 field elements written as
 * 32 little-endian bytes.
 *
 * The verifier's single-item methods run the TypeScript reference; the prover's batched methods run
 * the WebAssembly kernel (`prover/wasm/assembly/poseidon2.ts`), which the tests check against it.
 * @module
 */
import { mul } from '../field/babybear.ts';
import type { Matrix } from '../matrix.ts';
import { type HashKernels, hashKernels } from './_wasm.ts';
import { u32View } from './blake3.ts';
import { DIGEST_BYTES, type Hasher, assertDigest, assertLayer, gatherRows, normalizeMatrices, totalWidth } from './hasher.ts';
import { poseidon2CompressElements, poseidon2HashElements } from './poseidon2.ts';
import { poseidon2Params16 } from './poseidon2-params.ts';

const SLICE_BYTES = 1 << 19;
/** 2^32 mod p: multiplying by it puts an element in Montgomery form. */
const R_MOD_P = 2 ** 32 % 0x78000001;

const withConsts = new WeakSet<HashKernels>();

/** The kernels, with the Montgomery-form constants written at `poseidon2Consts` (once per thread). */
function kernels(): HashKernels {
  const k = hashKernels();
  if (withConsts.has(k)) return k;
  const p = poseidon2Params16();
  const c = new Uint32Array(k.memory.buffer, k.poseidon2Consts, 158);
  const mont = (x: number) => mul(x, R_MOD_P);
  let o = 0;
  for (const row of p.externalInitial) for (const x of row) c[o++] = mont(x);
  for (const x of p.internal) c[o++] = mont(x);
  for (const row of p.externalFinal) for (const x of row) c[o++] = mont(x);
  for (const x of p.internalDiagM1) c[o++] = mont(x);
  c[o] = mul(R_MOD_P, R_MOD_P);
  withConsts.add(k);
  return k;
}

function digestToElements(d: Uint8Array, what: string): Uint32Array {
  assertDigest(d, what);
  return u32View(d).slice();
}

function elementsToDigest(e: Uint32Array): Uint8Array {
  return new Uint8Array(e.buffer, e.byteOffset, DIGEST_BYTES).slice();
}

/** Leaf digests of every row of the concatenation of `list`, in the kernel. */
export function poseidon2HashRowsWasm(list: readonly Matrix[]): Uint8Array {
  const k = kernels();
  const w = totalWidth(list);
  const height = list[0]!.height;
  const out = new Uint8Array(height * DIGEST_BYTES);
  const batch = Math.max(1, Math.min(height, Math.floor(SLICE_BYTES / Math.max(4 * w, 1))));
  const base = k.arena(batch * (DIGEST_BYTES + 4 * w));
  const inPtr = base + batch * DIGEST_BYTES;
  for (let r0 = 0; r0 < height; r0 += batch) {
    const r1 = Math.min(height, r0 + batch);
    const buf = k.memory.buffer;
    gatherRows(list, r0, r1, new Uint32Array(buf, inPtr, (r1 - r0) * w));
    k.p2_hash_rows(inPtr, w, r1 - r0, base, k.poseidon2Consts);
    out.set(new Uint8Array(buf, base, (r1 - r0) * DIGEST_BYTES), r0 * DIGEST_BYTES);
  }
  return out;
}

/** Parents of 2n children digests, in the kernel. */
export function poseidon2CompressLayerWasm(children: Uint8Array): Uint8Array {
  const k = kernels();
  const n = children.length / (2 * DIGEST_BYTES);
  const out = new Uint8Array(n * DIGEST_BYTES);
  const batch = Math.max(1, Math.min(n, SLICE_BYTES >>> 6));
  const base = k.arena(batch * 3 * DIGEST_BYTES);
  const inPtr = base + batch * DIGEST_BYTES;
  for (let i0 = 0; i0 < n; i0 += batch) {
    const i1 = Math.min(n, i0 + batch);
    const buf = k.memory.buffer;
    new Uint8Array(buf, inPtr, (i1 - i0) * 64).set(children.subarray(i0 * 64, i1 * 64));
    k.p2_compress_pairs(inPtr, i1 - i0, base, k.poseidon2Consts);
    out.set(new Uint8Array(buf, base, (i1 - i0) * DIGEST_BYTES), i0 * DIGEST_BYTES);
  }
  return out;
}

export const poseidon2Hasher: Hasher = Object.freeze({
  name: 'poseidon2' as const,
  hashRow(values: Uint32Array): Uint8Array {
    if (!(values instanceof Uint32Array)) throw new TypeError('hashRow: expected a Uint32Array');
    return elementsToDigest(poseidon2HashElements(values));
  },
  compress(left: Uint8Array, right: Uint8Array): Uint8Array {
    return elementsToDigest(poseidon2CompressElements(digestToElements(left, 'compress(left)'), digestToElements(right, 'compress(right)')));
  },
  async hashRows(matrices: Matrix | readonly Matrix[]): Promise<Uint8Array> {
    return poseidon2HashRowsWasm(normalizeMatrices(matrices));
  },
  async compressLayer(children: Uint8Array): Promise<Uint8Array> {
    assertLayer(children);
    return poseidon2CompressLayerWasm(children);
  },
});
