import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { P } from '../../prover/field/babybear.ts';
import { blake3Hasher } from '../../prover/hash/blake3.ts';
import type { Hasher } from '../../prover/hash/hasher.ts';
import { hashThreads, remoteTaskCount } from '../../prover/hash/_workers.ts';
import { WorkerPool } from '../../prover/_pool.ts';
import { Kernels, kernelModule } from '../../prover/wasm/kernels.ts';
import { poseidon2Hasher } from '../../prover/hash/poseidon2-hasher.ts';
import { type Matrix, matrix } from '../../prover/matrix.ts';
import { type MerkleOpening, MerkleError, commit, dimsOf, open, verifyOpening } from '../../prover/merkle.ts';

function randomMatrix(width: number, height: number, seed: number): Matrix {
  let x = (seed >>> 0) | 1;
  const v = new Uint32Array(width * height);
  for (let i = 0; i < v.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[i] = (x >>> 0) % P;
  }
  return matrix(v, width);
}

/** The MMCS root computed the slow, obvious way: recursion over node positions, single-item calls. */
function referenceRoot(h: Hasher, ms: readonly Matrix[]): Uint8Array {
  const maxH = Math.max(...ms.map((m) => m.height));
  const rowsAt = (height: number, r: number) => {
    const parts = ms.filter((m) => m.height === height).map((m) => m.values.subarray(r * m.width, (r + 1) * m.width));
    if (parts.length === 0) return undefined;
    const cat = new Uint32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      cat.set(p, o);
      o += p.length;
    }
    return cat;
  };
  const node = (nodes: number, pos: number): Uint8Array => {
    if (nodes === maxH) return h.hashRow(rowsAt(maxH, pos)!);
    const c = h.compress(node(nodes * 2, 2 * pos), node(nodes * 2, 2 * pos + 1));
    const inj = rowsAt(nodes, pos);
    return inj ? h.compress(c, h.hashRow(inj)) : c;
  };
  return node(1, 0);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const clone = (o: MerkleOpening): { rows: Uint32Array[][]; siblings: Uint8Array[] } => ({
  rows: o.rows.map((rs) => rs.map((r) => r.slice())),
  siblings: o.siblings.map((s) => s.slice()),
});

function expectMerkleError(f: () => void, reason: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MerkleError);
    expect((e as MerkleError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected a MerkleError (${reason}), nothing was thrown`);
}

for (const hasher of [blake3Hasher, poseidon2Hasher]) {
  describe(`Merkle commitment with ${hasher.name}`, () => {
    it('the batched commitment equals the obvious recursive root, for equal and mixed heights', async () => {
      const cases: [number, number][][] = [
        [[3, 1]],
        [[5, 8]],
        [[4, 16], [7, 16]],
        [[3, 32], [2, 8], [9, 32], [1, 1], [5, 4]],
      ];
      for (const dims of cases) {
        const ms = dims.map(([w, h], i) => randomMatrix(w, h, 17 * i + w + h));
        const tree = await commit(hasher, ms);
        expect(hex(tree.root)).toBe(hex(referenceRoot(hasher, ms)));
      }
    });

    it('a hasher without raw kernels (the generic per-level path) builds the same tree and openings', async () => {
      const generic: Hasher = {
        name: hasher.name,
        hashRow: (v) => hasher.hashRow(v),
        compress: (l, r) => hasher.compress(l, r),
        hashRows: (m) => hasher.hashRows(m),
        compressLayer: (c) => hasher.compressLayer(c),
      };
      const ms = [randomMatrix(3, 32, 1), randomMatrix(2, 8, 2), randomMatrix(5, 32, 3), randomMatrix(1, 2, 4)];
      const [fast, slow] = [await commit(hasher, ms), await commit(generic, ms)];
      expect(hex(slow.root)).toBe(hex(fast.root));
      const idx = [0, 7, 8, 31];
      const [a, b] = [open(fast, idx), open(slow, idx)];
      expect(b.siblings.map(hex)).toEqual(a.siblings.map(hex));
      verifyOpening(hasher, fast.root, dimsOf(fast), idx, b);
    });

    it('a tree big enough to take several rounds of subtrees over the worker threads equals the generic build', async () => {
      const generic: Hasher = {
        name: hasher.name,
        hashRow: (v) => hasher.hashRow(v),
        compress: (l, r) => hasher.compress(l, r),
        hashRows: (m) => hasher.hashRows(m),
        compressLayer: (c) => hasher.compressLayer(c),
      };
      // Rows of 1-2 KiB make subtrees of 2^10 / 2^9 leaves, so the 2^13 / 2^12 leaves take several
      // rounds, each split over two threads (on a machine with two cores or more).
      const [logH, width] = hasher.name === 'blake3' ? [13, 256] : [12, 512];
      const ms = [randomMatrix(width, 2 ** logH, 7), randomMatrix(24, 2 ** (logH - 1), 8), randomMatrix(3, 2 ** (logH - 4), 9)];
      const before = remoteTaskCount();
      const fast = await commit(hasher, ms);
      if (hashThreads() > 1) expect(remoteTaskCount()).toBeGreaterThan(before);
      const slow = await commit(generic, ms);
      expect(hex(fast.root)).toBe(hex(slow.root));
      const idx = [1, 2 ** logH - 1, 777];
      verifyOpening(hasher, fast.root, dimsOf(fast), idx, open(fast, idx));
    });

    it('every batched opening of random matrices verifies', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 6 }),
          fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 3 }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
          fc.integer(),
          async (logMax, shapes, rawIdx, seed) => {
            const ms = [randomMatrix(2, 2 ** logMax, seed), ...shapes.map(([w, lh], i) => randomMatrix(w, 2 ** Math.min(lh, logMax), seed + i + 1))];
            const tree = await commit(hasher, ms);
            const indices = rawIdx.map((i) => i % 2 ** logMax);
            const opening = open(tree, indices);
            verifyOpening(hasher, tree.root, dimsOf(tree), indices, opening);
            return true;
          },
        ),
        { numRuns: hasher.name === 'blake3' ? 40 : 15 },
      );
    });

    it('leaves out siblings that the opened paths already determine', async () => {
      const tree = await commit(hasher, [randomMatrix(3, 8, 5)]);
      expect(open(tree, [0]).siblings.length).toBe(3);
      expect(open(tree, [0, 1]).siblings.length).toBe(2);
      expect(open(tree, [0, 1, 2, 3, 4, 5, 6, 7]).siblings.length).toBe(0);
      expect(open(tree, [5, 5, 5]).siblings.length).toBe(3);
    });

    describe('rejects tampered openings', async () => {
      const ms = [randomMatrix(4, 16, 1), randomMatrix(3, 4, 2), randomMatrix(2, 16, 3)];
      const tree = await commit(hasher, ms);
      const dims = dimsOf(tree);
      const indices = [3, 12, 9];
      const honest = open(tree, indices);
      const check = (o: MerkleOpening, idx = indices, root = tree.root, d = dims) => () => verifyOpening(hasher, root, d, idx, o);

      it('accepts the honest opening', () => check(honest)());
      it('a changed row value', () => {
        const o = clone(honest);
        o.rows[1]![0]![2] = (o.rows[1]![0]![2]! + 1) % P;
        expectMerkleError(check(o), 'root-mismatch');
      });
      it('a changed value in a shorter, injected matrix', () => {
        const o = clone(honest);
        o.rows[0]![1]![0] = (o.rows[0]![1]![0]! + 1) % P;
        expectMerkleError(check(o), 'root-mismatch');
      });
      it('a changed sibling', () => {
        for (let s = 0; s < honest.siblings.length; s++) {
          const o = clone(honest);
          o.siblings[s]![0] ^= 1;
          expectMerkleError(check(o), 'root-mismatch');
        }
      });
      it('a missing sibling', () => {
        const o = clone(honest);
        o.siblings.pop();
        expectMerkleError(check(o), 'sibling-count');
      });
      it('an extra sibling', () => {
        const o = clone(honest);
        o.siblings.push(new Uint8Array(32));
        expectMerkleError(check(o), 'sibling-count');
      });
      it('a wrong index', () => {
        expectMerkleError(check(honest, [2, 12, 9]), 'root-mismatch');
      });
      it('an index out of range', () => {
        expectMerkleError(check(honest, [3, 12, 16]), 'index');
      });
      it('a wrong root', () => {
        const root = tree.root.slice();
        root[31] ^= 0x80;
        expectMerkleError(check(honest, indices, root), 'root-mismatch');
      });
      it('wrong dimensions', () => {
        expectMerkleError(check(honest, indices, tree.root, [dims[0]!, { width: 3, height: 8 }, dims[2]!]), 'root-mismatch');
        expectMerkleError(check(honest, indices, tree.root, [dims[0]!, { width: 4, height: 4 }, dims[2]!]), 'shape');
        expectMerkleError(check(honest, indices, tree.root, [dims[0]!, { width: 3, height: 5 }, dims[2]!]), 'shape');
      });
      it('a row of the wrong width or a missing row', () => {
        const o = clone(honest);
        o.rows[0]![0] = o.rows[0]![0]!.subarray(0, 3);
        expectMerkleError(check(o), 'shape');
        const o2 = clone(honest);
        o2.rows[2]!.pop();
        expectMerkleError(check(o2), 'shape');
      });
      it('a value that is not a field element', () => {
        const o = clone(honest);
        o.rows[0]![0]![0] = P;
        expectMerkleError(check(o), 'malformed');
      });
      it('a sibling that is not 32 bytes', () => {
        const o = clone(honest);
        o.siblings[0] = o.siblings[0]!.subarray(0, 31);
        expectMerkleError(check(o), 'malformed');
      });
      it('two queries of the same leaf that disagree', async () => {
        const idx = [3, 3];
        const o = clone(open(tree, idx));
        o.rows[1]![0]![0] = (o.rows[1]![0]![0]! + 1) % P;
        expectMerkleError(check(o, idx), 'inconsistent');
      });
      it('two queries of the same short-matrix row that disagree', async () => {
        // Leaves 12 and 13 share row 3 of the height-4 matrix.
        const idx = [12, 13];
        const o = clone(open(tree, idx));
        o.rows[1]![1]![0] = (o.rows[1]![1]![0]! + 1) % P;
        expectMerkleError(check(o, idx), 'inconsistent');
      });
    });
  });
}

describe('Merkle commitment on the prover\'s worker pool', () => {
  it('gives the same tree as the default threads, for both hashers, mixed heights and several rounds', async () => {
    // Three workers: subtrees go by powers of two, the levels above them by ranges over all three.
    const pool = await WorkerPool.create({ threads: 3 });
    try {
      for (const [hasher, logH, width] of [[blake3Hasher, 13, 256], [poseidon2Hasher, 10, 512]] as const) {
        const ms = [randomMatrix(width, 2 ** logH, 11), randomMatrix(5, 2 ** (logH - 2), 12), randomMatrix(2, 4, 13)];
        const [viaPool, local] = [await commit(hasher, ms, { pool }), await commit(hasher, ms)];
        expect(hex(viaPool.root)).toBe(hex(local.root));
        const idx = [0, 2 ** logH - 1, 5, 6];
        expect(open(viaPool, idx).siblings.map(hex)).toEqual(open(local, idx).siblings.map(hex));
      }
    } finally {
      await pool.dispose();
    }
  });
});

describe('Merkle commitment inputs', () => {
  it('refuses a pool whose workers do not share this thread\'s kernel memory', async () => {
    const other = new Kernels(kernelModule(), new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true }), true);
    const pool = await WorkerPool.create({ threads: 1, kernels: other });
    try {
      await expect(commit(blake3Hasher, [randomMatrix(2, 4, 1)], { pool })).rejects.toThrow(/kernel memory/);
    } finally {
      await pool.dispose();
    }
  });

  it('refuses heights that are not powers of two, and no matrices', async () => {
    await expect(commit(blake3Hasher, [randomMatrix(2, 6, 1)])).rejects.toThrow(RangeError);
    await expect(commit(blake3Hasher, [])).rejects.toThrow(RangeError);
  });
  it('refuses to open an index outside the tree', async () => {
    const tree = await commit(blake3Hasher, [randomMatrix(2, 4, 1)]);
    expect(() => open(tree, [4])).toThrow(RangeError);
  });
  it('a one-row tree is its leaf hash', async () => {
    const m = randomMatrix(5, 1, 3);
    const tree = await commit(blake3Hasher, [m]);
    expect(hex(tree.root)).toBe(hex(blake3Hasher.hashRow(m.values)));
    verifyOpening(blake3Hasher, tree.root, dimsOf(tree), [0], open(tree, [0]));
  });
});

describe.skipIf(!process.env['SLOW'])('Merkle commitment at prover sizes (SLOW)', () => {
  it('2^20 rows of 16 elements plus shorter tables commit, open and verify', async () => {
    const ms = [randomMatrix(16, 2 ** 20, 1), randomMatrix(8, 2 ** 18, 2), randomMatrix(4, 2 ** 12, 3)];
    const tree = await commit(blake3Hasher, ms);
    const generic: Hasher = {
      name: 'blake3',
      hashRow: (v) => blake3Hasher.hashRow(v),
      compress: (l, r) => blake3Hasher.compress(l, r),
      hashRows: (m) => blake3Hasher.hashRows(m),
      compressLayer: (c) => blake3Hasher.compressLayer(c),
    };
    expect(hex(tree.root)).toBe(hex((await commit(generic, ms)).root));
    const idx = Array.from({ length: 100 }, (_, i) => (i * 10_487 + 3) % 2 ** 20);
    verifyOpening(blake3Hasher, tree.root, dimsOf(tree), idx, open(tree, idx));
  });
});
