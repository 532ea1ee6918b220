/**
 * Batched hashing through the WASM kernels, in kernel memory and on all cores.
 *
 * `hashRowsInto` / `compressInto` work on regions of the shared kernel memory: input rows are
 * staged slice by slice (so kernel memory stays bounded whatever the matrix), and every kernel call
 * is split by pointer ranges over the threads (`_workers.ts`). The Merkle builder chains them level
 * after level without leaving kernel memory; the `Hasher` batched methods wrap them with a copy
 * out. The `*Sync` functions are the single-thread versions for the verifier's one-item calls.
 * @module
 */
import type { Matrix } from '../matrix.ts';
import { type KernelHashOps, hashKernels, runCall } from './_wasm.ts';
import { type HashExecutor, localExecutor, parallelRanges } from './_workers.ts';
import { DIGEST_BYTES, gatherRows, totalWidth, assertDigest, assertLayer, normalizeMatrices, type Hasher, type HasherName } from './hasher.ts';

/** Staged input rows per round of leaf hashing (split over the threads). */
const STAGE_BYTES = 1 << 22;
/** Below this much work per thread, a split costs more in messages than it saves. */
const MIN_BYTES_PER_THREAD = 1 << 15;

/** Leaf digests of every row of the concatenation of `list` (equal heights), written at `out`. */
export async function hashRowsInto(
  ops: KernelHashOps,
  list: readonly Matrix[],
  out: number,
  exec: HashExecutor = localExecutor,
): Promise<void> {
  const { k } = hashKernels();
  const w = totalWidth(list);
  const rowBytes = Math.max(4 * w, 4);
  const height = list[0]!.height;
  const batch = Math.max(1, Math.min(height, Math.floor(STAGE_BYTES / rowBytes)));
  const buf = k.alloc(Math.max(batch * rowBytes, 64));
  try {
    for (let r0 = 0; r0 < height; r0 += batch) {
      const r1 = Math.min(height, r0 + batch);
      gatherRows(list, r0, r1, k.u32(buf, (r1 - r0) * w));
      await parallelRanges(
        ops,
        r1 - r0,
        Math.ceil(MIN_BYTES_PER_THREAD / rowBytes),
        (s0, s1, scratch) => [ops.leaves(buf + s0 * 4 * w, w, s1 - s0, out + (r0 + s0) * DIGEST_BYTES, scratch)],
        exec,
      );
    }
  } finally {
    k.free(buf);
  }
}

/** Parents of the `n` digest pairs at `src` (64 n bytes), written at `dst` (32 n bytes). */
export function compressInto(ops: KernelHashOps, src: number, n: number, dst: number, exec: HashExecutor = localExecutor): Promise<void> {
  return parallelRanges(
    ops,
    n,
    MIN_BYTES_PER_THREAD / 64,
    (s0, s1, scratch) => [ops.nodes(src + s0 * 2 * DIGEST_BYTES, s1 - s0, dst + s0 * DIGEST_BYTES, scratch)],
    exec,
  );
}

/** `hashRowsInto` with the digests copied out to a fresh array. */
export async function hashRowsWith(ops: KernelHashOps, list: readonly Matrix[]): Promise<Uint8Array> {
  const { k } = hashKernels();
  const bytes = list[0]!.height * DIGEST_BYTES;
  const out = k.alloc(bytes);
  try {
    await hashRowsInto(ops, list, out);
    return k.u8(out, bytes).slice();
  } finally {
    k.free(out);
  }
}

/** `compressInto` on a JS array of 2n digests; returns the n parents. */
export async function compressLayerWith(ops: KernelHashOps, children: Uint8Array): Promise<Uint8Array> {
  const { k } = hashKernels();
  const n = children.length / (2 * DIGEST_BYTES);
  const src = k.alloc(Math.max(children.length, 64));
  const dst = k.alloc(Math.max(n * DIGEST_BYTES, 64));
  try {
    k.u8(src, children.length).set(children);
    await compressInto(ops, src, n, dst);
    return k.u8(dst, n * DIGEST_BYTES).slice();
  } finally {
    k.free(dst);
    k.free(src);
  }
}

/** Digest of one row, on this thread. */
export function hashRowSync(ops: KernelHashOps, values: Uint32Array): Uint8Array {
  return hashRowsSync(ops, [{ values, width: values.length, height: 1 }], 0, 1);
}

/** Digests of rows [r0, r1) of the concatenation of `list`, on this thread (small batches). */
export function hashRowsSync(ops: KernelHashOps, list: readonly Matrix[], r0: number, r1: number): Uint8Array {
  const hk = hashKernels();
  const w = totalWidth(list);
  const n = r1 - r0;
  const scratch = hk.scratch(ops);
  const base = hk.arena(n * (DIGEST_BYTES + 4 * w));
  const inPtr = base + n * DIGEST_BYTES;
  gatherRows(list, r0, r1, hk.k.u32(inPtr, n * w));
  runCall(hk.e, ops.leaves(inPtr, w, n, base, scratch));
  return hk.k.u8(base, n * DIGEST_BYTES).slice();
}

/** Parent of one 64-byte pair, on this thread. */
export function compressSync(ops: KernelHashOps, pair: Uint8Array): Uint8Array {
  return compressPairsSync(ops, pair);
}

/** Parents of the digest pairs in `children` (64 bytes each), on this thread (small batches). */
export function compressPairsSync(ops: KernelHashOps, children: Uint8Array): Uint8Array {
  const hk = hashKernels();
  const n = children.length >>> 6;
  const scratch = hk.scratch(ops);
  const base = hk.arena(n * 3 * DIGEST_BYTES);
  hk.k.u8(base + n * DIGEST_BYTES, children.length).set(children);
  runCall(hk.e, ops.nodes(base + n * DIGEST_BYTES, n, base, scratch));
  return hk.k.u8(base, n * DIGEST_BYTES).slice();
}

/** The bytes as little-endian u32 words, without a copy when aligned. */
export function u32View(bytes: Uint8Array): Uint32Array {
  return bytes.byteOffset % 4 === 0
    ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
    : new Uint32Array(bytes.slice().buffer);
}

/**
 * A `Hasher` over one kernel's operations: every method, single items included, runs the WASM
 * kernel. `checkWords`, when given, validates the single-item inputs (the verifier's path) as u32
 * words before hashing; batched prover inputs come from the prover's own canonical data.
 */
export function kernelHasher(name: HasherName, ops: KernelHashOps, checkWords?: (words: Uint32Array, what: string) => void): Hasher {
  return Object.freeze<Hasher>({
    name,
    kernelOps: ops,
    hashRow(values: Uint32Array): Uint8Array {
      if (!(values instanceof Uint32Array)) throw new TypeError('hashRow: expected a Uint32Array');
      checkWords?.(values, 'values');
      return hashRowSync(ops, values);
    },
    compress(left: Uint8Array, right: Uint8Array): Uint8Array {
      assertDigest(left, 'compress(left)');
      assertDigest(right, 'compress(right)');
      const pair = new Uint8Array(2 * DIGEST_BYTES);
      pair.set(left, 0);
      pair.set(right, DIGEST_BYTES);
      checkWords?.(u32View(pair), 'digest pair');
      return compressSync(ops, pair);
    },
    async hashRows(matrices: Matrix | readonly Matrix[]): Promise<Uint8Array> {
      return hashRowsWith(ops, normalizeMatrices(matrices));
    },
    async compressLayer(children: Uint8Array): Promise<Uint8Array> {
      assertLayer(children);
      return compressLayerWith(ops, children);
    },
  });
}
