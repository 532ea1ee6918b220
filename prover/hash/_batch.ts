/**
 * Batched hashing through the WASM kernels for callers holding JS arrays: rows or digest pairs are
 * staged in this thread's arena slice by slice (so kernel memory stays small whatever the input)
 * and the digests copied out. The Merkle builder skips this and works on kernel memory directly.
 * @module
 */
import type { Matrix } from '../matrix.ts';
import { type KernelHashOps, hashKernels, runCall } from './_wasm.ts';
import { DIGEST_BYTES, gatherRows, totalWidth } from './hasher.ts';

/** Input bytes per kernel call: big enough to amortise the call, small enough to stay in cache. */
export const SLICE_BYTES = 1 << 19;

/** Leaf digests of every row of the concatenation of `list` (equal heights). */
export function hashRowsWith(ops: KernelHashOps, list: readonly Matrix[]): Uint8Array {
  const hk = hashKernels();
  const w = totalWidth(list);
  const height = list[0]!.height;
  const out = new Uint8Array(height * DIGEST_BYTES);
  const batch = Math.max(1, Math.min(height, Math.floor(SLICE_BYTES / Math.max(4 * w, 1))));
  const scratch = hk.scratch(ops);
  const base = hk.arena(batch * (DIGEST_BYTES + 4 * w));
  const inPtr = base + batch * DIGEST_BYTES;
  for (let r0 = 0; r0 < height; r0 += batch) {
    const r1 = Math.min(height, r0 + batch);
    gatherRows(list, r0, r1, hk.k.u32(inPtr, (r1 - r0) * w));
    runCall(hk.e, ops.leaves(inPtr, w, r1 - r0, base, scratch));
    out.set(hk.k.u8(base, (r1 - r0) * DIGEST_BYTES), r0 * DIGEST_BYTES);
  }
  return out;
}

/** Digest of one row. */
export function hashRowWith(ops: KernelHashOps, values: Uint32Array): Uint8Array {
  return hashRowsWith(ops, [{ values, width: values.length, height: 1 }]);
}

/** Parents of the 2n digests in `children` (64 n bytes). */
export function compressLayerWith(ops: KernelHashOps, children: Uint8Array): Uint8Array {
  const hk = hashKernels();
  const n = children.length / (2 * DIGEST_BYTES);
  const out = new Uint8Array(n * DIGEST_BYTES);
  const batch = Math.max(1, Math.min(n, SLICE_BYTES >>> 6));
  const scratch = hk.scratch(ops);
  const base = hk.arena(batch * 3 * DIGEST_BYTES);
  const inPtr = base + batch * DIGEST_BYTES;
  for (let i0 = 0; i0 < n; i0 += batch) {
    const i1 = Math.min(n, i0 + batch);
    hk.k.u8(inPtr, (i1 - i0) * 64).set(children.subarray(i0 * 64, i1 * 64));
    runCall(hk.e, ops.nodes(inPtr, i1 - i0, base, scratch));
    out.set(hk.k.u8(base, (i1 - i0) * DIGEST_BYTES), i0 * DIGEST_BYTES);
  }
  return out;
}
