/**
 * Hashing for the proof system: the `Hasher` interface, its two implementations and the default.
 *
 * Choice of the default, by measurement: `npx tsx bench/hash.ts [--log-rows N] [--width W]`, this
 * 2-core machine, Node 20, 2026-11-25, best of 5-7 runs, taken while other jobs kept the load
 * average at 4-10, so every figure is a lower bound and noisy (the lead re-measures):
 * - BLAKE3 leaf hashing, batched `hashRows`: WASM kernel 250-950 MB/s on 64-byte rows and
 *   840-1150 MB/s on 1 KiB rows; @noble/hashes 5-32 MB/s and 12-61 MB/s. The kernel alone on
 *   64-byte messages, one thread: 4-lane SIMD 1390 MB/s against 729 MB/s for a scalar WASM
 *   version (measured once, not kept), so SIMD pays about 1.9x.
 * - Poseidon2 leaf hashing of 16-element rows, one thread: WASM kernel (4-lane SIMD, Montgomery,
 *   state in locals) about 42 MB/s = 1.3 M permutations/s; TypeScript reference about 1 MB/s.
 * - Merkle commitment of field data, both cores (local threads or the prover's pool alike):
 *   BLAKE3 2^16-2^18 rows x 16 elements 550-570 MB/s, 2^16 x 64 860-920 MB/s, 2^14 x 256
 *   about 1070 MB/s; Poseidon2 24-38 MB/s.
 * BLAKE3 is 20-30x faster, so it is the default. Poseidon2 stays available, generated and tested
 * against the published vectors, for when an in-VM verifier wants a field-native hash.
 * @module
 */
import { blake3Hasher } from './blake3.ts';
import type { Hasher, HasherName } from './hasher.ts';
import { poseidon2Hasher } from './poseidon2-hasher.ts';

export { DIGEST_BYTES, type Hasher, type HasherName } from './hasher.ts';
export { blake3Hasher } from './blake3.ts';
export { poseidon2Hasher } from './poseidon2-hasher.ts';
export { poseidon2Permute, poseidon2HashElements, poseidon2CompressElements } from './poseidon2.ts';
export { generatePoseidon2Params, poseidon2Params16, type Poseidon2Params } from './poseidon2-params.ts';

/** The fastest hasher on this machine (see the module doc): BLAKE3. */
export function defaultHasher(): Hasher {
  return blake3Hasher;
}

/** The hasher a proof names; throws a RangeError for an unknown name. */
export function hasherByName(name: string): Hasher {
  switch (name as HasherName) {
    case 'blake3':
      return blake3Hasher;
    case 'poseidon2':
      return poseidon2Hasher;
    default:
      throw new RangeError(`unknown hasher '${name}' (expected 'blake3' or 'poseidon2')`);
  }
}
