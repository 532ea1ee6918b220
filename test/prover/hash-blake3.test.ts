import { blake3 } from '@noble/hashes/blake3.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blake3Hasher } from '../../prover/hash/blake3.ts';
import { matrix } from '../../prover/matrix.ts';

const bytesOf = (v: Uint32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function randomWords(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 0;
  }
  return out;
}

describe('BLAKE3 WASM kernel', () => {
  it('equals @noble/hashes on the empty input and on known lengths around block and chunk edges', () => {
    const lengths = [0, 1, 15, 16, 17, 31, 32, 255, 256, 257, 511, 512, 513, 1024, 2048, 4096 + 1, 8192 + 16];
    for (const words of lengths) {
      const v = randomWords(words, words + 7);
      expect(hex(blake3Hasher.hashRow(v)), `${words} words`).toBe(hex(blake3(bytesOf(v))));
    }
  });

  it('equals @noble/hashes on random single rows of any width, multi-chunk included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1500 }), fc.integer(), (words, seed) => {
        const v = randomWords(words, seed);
        return hex(blake3Hasher.hashRow(v)) === hex(blake3(bytesOf(v)));
      }),
      { numRuns: 60 },
    );
  });

  it('hashes every row of a matrix like the reference, for heights that are not multiples of 4', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 23 }), fc.integer(), async (width, height, seed) => {
        const m = matrix(randomWords(width * height, seed), width);
        const got = await blake3Hasher.hashRows(m);
        for (let r = 0; r < height; r++) {
          const ref = blake3(bytesOf(m.values.subarray(r * width, (r + 1) * width)));
          if (hex(got.subarray(r * 32, (r + 1) * 32)) !== hex(ref)) return false;
        }
        return true;
      }),
      { numRuns: 25 },
    );
  });

  it('hashes several matrices of one height as their concatenated rows', async () => {
    const a = matrix(randomWords(5 * 8, 1), 5);
    const b = matrix(randomWords(300 * 8, 2), 300);
    const got = await blake3Hasher.hashRows([a, b]);
    for (let r = 0; r < 8; r++) {
      const cat = new Uint32Array(305);
      cat.set(a.values.subarray(r * 5, r * 5 + 5));
      cat.set(b.values.subarray(r * 300, r * 300 + 300), 5);
      expect(hex(got.subarray(r * 32, r * 32 + 32))).toBe(hex(blake3(bytesOf(cat))));
    }
  });

  it('compresses a node as BLAKE3 of the 64-byte concatenation, batched and single alike', async () => {
    const children = new Uint8Array(64 * 9);
    children.set(bytesOf(randomWords(16 * 9, 99)));
    const parents = await blake3Hasher.compressLayer(children);
    expect(parents.length).toBe(32 * 9);
    for (let i = 0; i < 9; i++) {
      const l = children.subarray(i * 64, i * 64 + 32);
      const r = children.subarray(i * 64 + 32, i * 64 + 64);
      expect(hex(parents.subarray(i * 32, i * 32 + 32))).toBe(hex(blake3(children.subarray(i * 64, i * 64 + 64))));
      expect(hex(blake3Hasher.compress(l, r))).toBe(hex(parents.subarray(i * 32, i * 32 + 32)));
    }
  });

  it('rejects digests of the wrong length and layers that are not whole pairs', async () => {
    expect(() => blake3Hasher.compress(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
    await expect(blake3Hasher.compressLayer(new Uint8Array(96))).rejects.toThrow(RangeError);
    await expect(blake3Hasher.hashRows([matrix(new Uint32Array(4), 2), matrix(new Uint32Array(3), 1)])).rejects.toThrow(/height/);
  });
});
