import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as bb from '../../prover/field/babybear.ts';
import { P } from '../../prover/field/babybear.ts';
import * as e4 from '../../prover/field/ext4.ts';
import type { Ext4 } from '../../prover/field/ext4.ts';
import { TsBackend } from '../../prover/backend-ts.ts';
import type { ProverBackend } from '../../prover/backend.ts';
import { WasmBackend } from '../../prover/backend-wasm.ts';
import { VerifyError } from '../../prover/errors.ts';
import { blake3Hasher } from '../../prover/hash/blake3.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { proofOptions, type ProofOptions } from '../../prover/options.ts';
import { Transcript } from '../../prover/transcript.ts';
import { usePcsWasm } from '../../prover/fri/_wasm.ts';
import { TwoAdicFriPcs, pcsProofParts, rowsPerLeaf, verifyPcs, type PcsProof, type PcsProverData, type PcsVerifyRound } from '../../prover/pcs.ts';

const backend = new TsBackend();
const OPTS: ProofOptions = proofOptions({ logBlowup: 2, numQueries: 10, foldingArity: 4, logFinalPolyLen: 1, powBits: 3 });

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % P;
  };
}

function randomMatrix(width: number, height: number, r: () => number): Matrix {
  return { values: Uint32Array.from({ length: width * height }, r), width, height };
}

/** Reference: the column's polynomial (Lagrange over H_n, BigInt-free but slow) evaluated at z. */
function evalColumnAt(m: Matrix, c: number, z: Ext4): Ext4 {
  // interpolate by naive inverse DFT, then Horner
  const n = m.height;
  const w = bb.rootOfUnity(Math.log2(n));
  const nInv = bb.inv(n);
  let acc = e4.zero();
  for (let k = n - 1; k >= 0; k--) {
    let ck = 0;
    for (let i = 0; i < n; i++) ck = bb.add(ck, bb.mul(m.values[i * m.width + c]!, bb.pow(w, (n - ((i * k) % n)) % n)));
    acc = e4.eAddBase(e4.eMul(acc, z), bb.mul(ck, nInv));
  }
  return acc;
}

interface Fixture {
  rounds: { matrices: Matrix[]; points: Ext4[][] }[];
  claims: PcsVerifyRound[];
  proof: PcsProof;
  values: Ext4[][][][];
}

async function fixture(seed: number, shapes: { w: number; logH: number; pts: number }[][], opts = OPTS, be: ProverBackend = backend): Promise<Fixture> {
  const r = rng(seed);
  const pcs = new TwoAdicFriPcs(opts, be, blake3Hasher);
  const t = new Transcript('pcs-test');
  const rounds = shapes.map((round) => ({
    matrices: round.map((s) => randomMatrix(s.w, 2 ** s.logH, r)),
    points: round.map((s) => Array.from({ length: s.pts }, () => Uint32Array.of(r(), r(), r(), r()))),
  }));
  const committed: { root: Uint8Array; data: PcsProverData }[] = [];
  for (const rd of rounds) {
    const c = await pcs.commit(rd.matrices);
    t.observeDigest(c.root);
    committed.push(c);
  }
  const { values, proof } = await pcs.open(rounds.map((rd, i) => ({ data: committed[i]!.data, points: rd.points })), t);
  const claims = rounds.map((rd, i) => ({
    root: committed[i]!.root,
    dims: rd.matrices.map((m) => ({ width: m.width, height: m.height })),
    points: rd.points,
    values: values[i]!,
  }));
  return { rounds, claims, proof, values };
}

function verify(claims: readonly PcsVerifyRound[], proof: PcsProof, opts = OPTS): string {
  const t = new Transcript('pcs-test');
  for (const c of claims) t.observeDigest(c.root);
  try {
    verifyPcs(opts, blake3Hasher, claims, proof, t);
  } catch (e) {
    if (e instanceof VerifyError) return e.check;
    throw e;
  }
  return 'accepted';
}

/** A deep copy, mutable, to corrupt. */
function cloneAll(f: Fixture) {
  const claims = f.claims.map((c) => ({
    root: c.root.slice(),
    dims: c.dims.map((d) => ({ ...d })),
    points: c.points.map((ps) => ps.map((z) => z.slice())),
    values: c.values.map((mv) => mv.map((pv) => pv.map((v) => v.slice()))),
  }));
  const op = (o: { rows: readonly (readonly Uint32Array[])[]; siblings: readonly Uint8Array[] }) => ({
    rows: o.rows.map((rs) => rs.map((x) => x.slice())),
    siblings: o.siblings.map((s) => s.slice()),
  });
  const proof = {
    inputOpenings: f.proof.inputOpenings.map(op),
    fri: {
      layerRoots: f.proof.fri.layerRoots.map((x) => x.slice()),
      finalPoly: f.proof.fri.finalPoly.slice(),
      powNonce: f.proof.fri.powNonce,
      layerOpenings: f.proof.fri.layerOpenings.map(op),
    },
  };
  return { claims, proof };
}

const bump = (a: Uint32Array, i: number) => { a[i] = (a[i]! + 1) % P; };

describe('TwoAdicFriPcs', () => {
  it('opens the interpolated polynomials: values match a naive reference', async () => {
    const f = await fixture(1, [[{ w: 3, logH: 3, pts: 2 }, { w: 1, logH: 2, pts: 1 }]]);
    f.rounds[0]!.matrices.forEach((m, mi) => {
      f.rounds[0]!.points[mi]!.forEach((z, p) => {
        for (let c = 0; c < m.width; c++) expect(f.values[0]![mi]![p]![c]).toEqual(evalColumnAt(m, c, z));
      });
    });
    expect(verify(f.claims, f.proof)).toBe('accepted');
  });

  it('commits random matrices of mixed heights over several rounds, opens at random points, verifies', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 1e6 }),
      fc.array(fc.array(fc.record({ w: fc.integer({ min: 1, max: 20 }), logH: fc.integer({ min: 0, max: 7 }), pts: fc.integer({ min: 1, max: 2 }) }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
      fc.constantFrom(2, 4, 8, 16),
      async (seed, shapes, arity) => {
        const opts = proofOptions({ ...OPTS, foldingArity: arity });
        const f = await fixture(seed, shapes, opts);
        expect(verify(f.claims, f.proof, opts)).toBe('accepted');
      },
    ), { numRuns: 12 });
  });

  it('the WASM DEEP kernels and the TypeScript path give the same proof', async () => {
    // narrow terms fold alpha^off into their powers, the 10-wide one opened at 2 points shares them
    // and a 2^14-point LDE spans two kernel chunks
    const shapes = [[{ w: 3, logH: 6, pts: 2 }, { w: 5, logH: 4, pts: 1 }], [{ w: 1, logH: 6, pts: 1 }, { w: 10, logH: 5, pts: 2 }], [{ w: 2, logH: 12, pts: 2 }]];
    const fast = await fixture(77, shapes);
    usePcsWasm(false);
    try {
      const slow = await fixture(77, shapes);
      expect(slow.proof.fri.finalPoly).toEqual(fast.proof.fri.finalPoly);
      expect(slow.proof.fri.layerRoots).toEqual(fast.proof.fri.layerRoots);
      expect(slow.values).toEqual(fast.values);
    } finally {
      usePcsWasm(true);
    }
  });

  it('splitting the DEEP kernels over the WASM backend\'s worker pool gives the same proof', async () => {
    const shapes = [[{ w: 2, logH: 14, pts: 2 }, { w: 4, logH: 14, pts: 1 }]]; // LDE 2^16: two pool chunks
    const pooled = await WasmBackend.create({ threads: 2 });
    try {
      expect(pooled.pool).toBeDefined();
      const a = await fixture(91, shapes, OPTS, pooled);
      const b = await fixture(91, shapes);
      expect(a.proof.fri.layerRoots).toEqual(b.proof.fri.layerRoots);
      expect(a.proof.fri.finalPoly).toEqual(b.proof.fri.finalPoly);
      expect(verify(a.claims, a.proof)).toBe('accepted');
      // the LDEs stayed in kernel memory; release frees them (twice is harmless)
      const pcs = new TwoAdicFriPcs(OPTS, pooled, blake3Hasher);
      const { data } = await pcs.commit([randomMatrix(2, 64, rng(3))]);
      const k = (await import('../../prover/wasm/kernels.ts')).kernels();
      const live = k.liveBytes();
      pcs.release(data);
      expect(k.liveBytes()).toBeLessThan(live);
      expect(() => pcs.release(data)).not.toThrow();
    } finally {
      await pooled.dispose();
    }
  });

  it('packs consecutive rows of narrow matrices into one leaf of at most 16 elements', () => {
    expect(rowsPerLeaf(1, 1 << 10)).toBe(16);
    expect(rowsPerLeaf(2, 1 << 10)).toBe(8);
    expect(rowsPerLeaf(5, 1 << 10)).toBe(2);
    expect(rowsPerLeaf(9, 1 << 10)).toBe(1);
    expect(rowsPerLeaf(1, 4)).toBe(4);
  });

  it('evaluationsOnDomain gives the same polynomial on another coset', async () => {
    const pcs = new TwoAdicFriPcs(OPTS, backend, blake3Hasher);
    const m = randomMatrix(2, 8, rng(5));
    const { data } = await pcs.commit([m]);
    const d = await pcs.evaluationsOnDomain(data, 0, 5, 7);
    for (const i of [0, 3, 31]) {
      const x = bb.mul(7, bb.pow(bb.rootOfUnity(5), i));
      for (let c = 0; c < 2; c++) expect(d.values[i * 2 + c]).toBe(evalColumnAt(m, c, e4.fromBase(x))[0]);
    }
    await expect(pcs.evaluationsOnDomain(data, 0, 2, 7)).rejects.toThrow(RangeError);
  });

  describe('rejects each single corruption with the named check', async () => {
    // 12 grinding bits: a corrupted transcript passes the grinding check only with probability 2^-12
    const GRIND = proofOptions({ ...OPTS, powBits: 12 });
    const f = await fixture(42, [[{ w: 3, logH: 7, pts: 2 }, { w: 2, logH: 5, pts: 1 }], [{ w: 2, logH: 7, pts: 1 }]], GRIND);
    // With grinding on, anything the transcript observes (values, roots, the final polynomial)
    // moves the grinding seed, so 'pow' catches it first; what it does not observe is caught by
    // the Merkle checks, and counts fixed by the statement by 'shape'.
    const cases: [string, string, (c: ReturnType<typeof cloneAll>) => void][] = [
      ['an opened value', 'pow', (c) => bump(c.claims[0]!.values[0]![1]![2]!, 0)],
      ['an opened value of a shorter matrix', 'pow', (c) => bump(c.claims[0]!.values[1]![0]![1]!, 3)],
      ['a root', 'pow', (c) => { c.claims[1]!.root[0]! ^= 1; }],
      ['a FRI layer root', 'pow', (c) => { c.proof.fri.layerRoots[0]![0]! ^= 1; }],
      ['the final polynomial', 'pow', (c) => bump(c.proof.fri.finalPoly, 0)],
      ['the nonce', 'pow', (c) => { c.proof.fri.powNonce += 1; }],
      ['an opened row', 'merkle', (c) => bump(c.proof.inputOpenings[0]!.rows[2]![1]!, 0)],
      ['an input Merkle sibling', 'merkle', (c) => { c.proof.inputOpenings[1]!.siblings[3]![5]! ^= 1; }],
      ['a FRI layer value', 'merkle', (c) => bump(c.proof.fri.layerOpenings[1]!.rows[0]![0]!, 2)],
      ['a FRI Merkle sibling', 'merkle', (c) => { c.proof.fri.layerOpenings[0]!.siblings[0]![0]! ^= 1; }],
      ['a missing sibling', 'merkle', (c) => { c.proof.inputOpenings[0]!.siblings.pop(); }],
      ['a dimension', 'shape', (c) => { c.claims[0]!.dims[1]!.height = 16; }],
      ['a missing value', 'shape', (c) => { c.claims[0]!.values[0]![0]!.pop(); }],
      ['a missing query', 'shape', (c) => { c.proof.fri.layerOpenings[0]!.rows.pop(); }],
      ['a missing input row', 'shape', (c) => { c.proof.inputOpenings[0]!.rows[0]!.pop(); }],
      ['the final polynomial length', 'shape', (c) => { c.proof.fri.finalPoly = c.proof.fri.finalPoly.slice(4); }],
      ['a non-canonical value', 'shape', (c) => { c.claims[0]!.values[0]![0]![0]![0] = P; }],
    ];
    it.each(cases)('%s -> %s', (_name, check, mutate) => {
      const c = cloneAll(f);
      mutate(c);
      expect(verify(c.claims, c.proof, GRIND)).toBe(check);
    });

    it('without grinding, a changed observed value moves the queries and the Merkle check catches it', async () => {
      const o = proofOptions({ ...OPTS, powBits: 0 });
      const g = await fixture(43, [[{ w: 2, logH: 6, pts: 1 }]], o);
      expect(verify(cloneAll(g).claims, cloneAll(g).proof, o)).toBe('accepted');
      let c = cloneAll(g);
      bump(c.proof.fri.finalPoly, 0);
      expect(verify(c.claims, c.proof, o)).toBe('merkle');
      c = cloneAll(g);
      bump(c.claims[0]!.values[0]![0]![1]!, 0);
      expect(verify(c.claims, c.proof, o)).toBe('merkle');
    });

    it('a prover that claims the values of another polynomial than the committed one is caught by FRI', async () => {
      for (const [seed, o] of [[7, OPTS], [8, proofOptions({ ...OPTS, foldingArity: 2, powBits: 0 })]] as const) {
        const pcs = new TwoAdicFriPcs(o, backend, blake3Hasher);
        const r = rng(seed);
        const m = randomMatrix(2, 64, r);
        const { root, data } = await pcs.commit([m]);
        // the opened values come from the coefficients: change one, the LDE stays committed
        const coeffs = data.coeffs[0]!;
        bump(coeffs.values as Uint32Array, 5);
        const z = [Uint32Array.of(r(), r(), r(), r())];
        const t = new Transcript('pcs-test');
        t.observeDigest(root);
        const { values, proof } = await pcs.open([{ data, points: [z] }], t);
        const check = verify([{ root, dims: [{ width: 2, height: 64 }], points: [z], values: values[0]! }], proof, o);
        expect(check).toBe('fri-final');
      }
    });

    it('lists the proof parts with their sizes', () => {
      const parts = pcsProofParts(f.proof);
      expect(parts.map((p) => p.name)).toContain('grinding nonce');
      const siblings = f.proof.inputOpenings.reduce((s, o) => s + o.siblings.length, 0);
      expect(parts.find((p) => p.name.startsWith('input Merkle'))!.bytes).toBe(32 * siblings);
      expect(parts.every((p) => p.bytes >= 0 && Number.isInteger(p.count))).toBe(true);
    });
  });
});
