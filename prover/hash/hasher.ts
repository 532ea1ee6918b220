/**
 * The one hashing interface of the proof system: what Merkle trees (and, through them, FRI and the
 * STARK) need from a hash function, with 32-byte digests.
 *
 * Two kinds of callers with different needs share it:
 * - the verifier hashes a handful of opened rows and recomputes a few paths: synchronous,
 *   single-item methods (`hashRow`, `compress`), no batching, no threads;
 * - the prover hashes every row of every low-degree extension and every node of every tree:
 *   batched, asynchronous methods (`hashRows`, `compressLayer`) that run in WebAssembly and may be
 *   spread over worker threads.
 * For the same input the two kinds must give the same bytes; the tests check it.
 *
 * Field elements are BabyBear elements in canonical form (numbers in [0, p)). BLAKE3 hashes them
 * as 4-byte little-endian words; Poseidon2 absorbs them as field elements and writes its 8-element
 * digest as 32 little-endian bytes.
 *
 * A leaf is one row, or the concatenation of the rows with the same index of several matrices of
 * equal height (Plonky3's MMCS hashes the rows of all matrices of one height as one message).
 * There is no domain separation between leaves and nodes: a Merkle tree's shape (heights and
 * widths) is fixed by the statement before any hashing, so a leaf is never read as a node.
 * @module
 */
import type { Matrix } from '../matrix.ts';
import type { KernelHashOps } from './_wasm.ts';

/** Length of every digest, in bytes. */
export const DIGEST_BYTES = 32;

export type HasherName = 'blake3' | 'poseidon2';

export interface Hasher {
  /** Which hash function; goes into the proof's parameters so the verifier picks the same one. */
  readonly name: HasherName;

  /**
   * Digest of one leaf: `values` are canonical field elements (the concatenated row). Any length,
   * including 0. Throws a RangeError for a non-canonical element (Poseidon2; BLAKE3 hashes the
   * bytes as they are, so callers that accept untrusted rows must check them anyway).
   * Returns a fresh 32-byte array.
   */
  hashRow(values: Uint32Array): Uint8Array;

  /**
   * Parent of two 32-byte digests. Throws a RangeError if a digest has the wrong length or (for
   * Poseidon2) does not encode 8 canonical field elements. Returns a fresh 32-byte array.
   */
  compress(left: Uint8Array, right: Uint8Array): Uint8Array;

  /**
   * Leaf digests of every row index of `matrices` (one matrix, or several of equal height whose
   * rows are concatenated in the given order): `height * 32` bytes, digest i at [32 i, 32 i + 32).
   * Equal to `hashRow` on each concatenated row. Inputs are not modified; the result is fresh.
   */
  hashRows(matrices: Matrix | readonly Matrix[]): Promise<Uint8Array>;

  /**
   * One layer of a tree: `children` holds 2n digests (64 n bytes); returns the n parents, parent
   * i = compress(child 2i, child 2i + 1). Equal to `compress` on each pair.
   */
  compressLayer(children: Uint8Array): Promise<Uint8Array>;

  /**
   * Present on the built-in WASM hashers: the raw kernels, so that Merkle trees are built inside
   * kernel memory (no copy of intermediate layers) and split across the worker pool. A hasher
   * without it is driven through `hashRows` / `compressLayer` only.
   */
  readonly kernelOps?: KernelHashOps;
}

/** Validates the batched methods' matrices argument: one or more matrices of equal height. */
export function normalizeMatrices(matrices: Matrix | readonly Matrix[]): readonly Matrix[] {
  const list = Array.isArray(matrices) ? (matrices as readonly Matrix[]) : [matrices as Matrix];
  if (list.length === 0) throw new RangeError('hashRows: no matrices');
  const h = list[0]!.height;
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.height !== h) throw new RangeError(`hashRows: matrix ${i} has height ${list[i]!.height}, expected ${h}`);
  }
  return list;
}

/** Total width of matrices whose rows are concatenated into one leaf. */
export function totalWidth(list: readonly Matrix[]): number {
  let w = 0;
  for (const m of list) w += m.width;
  return w;
}

/**
 * Copies rows [r0, r1) of the concatenation of `list` into `dst` (a u32 view), row after row.
 * With a single matrix this is one contiguous copy.
 */
export function gatherRows(list: readonly Matrix[], r0: number, r1: number, dst: Uint32Array): void {
  if (list.length === 1) {
    const m = list[0]!;
    dst.set(m.values.subarray(r0 * m.width, r1 * m.width));
    return;
  }
  const w = totalWidth(list);
  let col = 0;
  for (const m of list) {
    const mw = m.width;
    const v = m.values;
    for (let r = r0; r < r1; r++) {
      const o = (r - r0) * w + col;
      for (let c = 0; c < mw; c++) dst[o + c] = v[r * mw + c]!;
    }
    col += mw;
  }
}

export function assertDigest(d: Uint8Array, what: string): void {
  if (!(d instanceof Uint8Array)) throw new TypeError(`${what}: expected a Uint8Array digest`);
  if (d.length !== DIGEST_BYTES) throw new RangeError(`${what}: digest has ${d.length} bytes, expected ${DIGEST_BYTES}`);
}

export function assertLayer(children: Uint8Array): void {
  if (!(children instanceof Uint8Array)) throw new TypeError('compressLayer: expected a Uint8Array');
  if (children.length % (2 * DIGEST_BYTES) !== 0) {
    throw new RangeError(`compressLayer: ${children.length} bytes is not a whole number of digest pairs`);
  }
}
