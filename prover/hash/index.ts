/**
 * Hashing for the proof system: the `Hasher` interface, its two implementations and the default.
 *
 * Choice of the default, by measurement (`npx tsx bench/hash.ts`, this 2-core machine, Node 20,
 * 2026-11-25, other jobs running, so figures are noisy; one thread):
 * - BLAKE3 leaf hashing, WASM kernel (4-lane SIMD): ~450 MB/s on 64-byte rows, ~1100 MB/s on
 *   1 KiB rows; @noble/hashes: 5-20 MB/s and 12-45 MB/s;
 * - Poseidon2 leaf hashing of 16-element rows: WASM kernel (scalar, Montgomery) 7-18 MB/s,
 *   TypeScript reference ~1 MB/s;
 * - Merkle commitment of 2^16 x 16 field elements: BLAKE3 ~250 MB/s, Poseidon2 ~5-12 MB/s.
 * BLAKE3 is 20-50x faster, so it is the default. Poseidon2 stays available (and tested against the
 * published vectors) for when an in-VM verifier wants a field-native hash.
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
