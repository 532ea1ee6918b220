/**
 * The STARK's view of the polynomial commitment scheme (`prover/pcs.ts`): construction with the
 * proof's hasher, verification, and the binary encoding of a PCS proof inside the proof format.
 *
 * PCS proof encoding (little-endian; every count is written because the decoder runs before the
 * statement is known, and `verifyPcs` then checks every count against the statement):
 * ```
 * u8 input openings; each opening:
 * u8 FRI layer roots, 32 bytes each; u16 final polynomial words, u32 each; u32 nonce;
 * u8 FRI layer openings; each opening
 * opening = u16 queries; per query u16 matrices; per matrix u16 row length, u32 words;
 *           u32 siblings, 32 bytes each
 * ```
 * @module
 */
import { TwoAdicFriPcs, verifyPcs as verifyPcsInner, type PcsProof, type PcsProverData, type PcsVerifyRound } from '../pcs.ts';
import type { ProverBackend } from '../backend.ts';
import { createBackend } from '../backend-wasm.ts';
import type { ProofOptions } from '../options.ts';
import type { Hasher } from '../hash/hasher.ts';
import { defaultHasher } from '../hash/index.ts';
import type { Transcript } from '../transcript.ts';
import type { MerkleOpening } from '../merkle.ts';
import type { ByteReader, ByteWriter } from '../proof-format.ts';

export type PcsData = PcsProverData;
export type StarkPcs = TwoAdicFriPcs;

export function createPcs(options: ProofOptions, backend: ProverBackend, hasher: Hasher = defaultHasher()): StarkPcs {
  return new TwoAdicFriPcs(options, backend, hasher);
}

export function verifyPcs(options: ProofOptions, hasher: Hasher, rounds: readonly PcsVerifyRound[], proof: PcsProof, t: Transcript): void {
  verifyPcsInner(options, hasher, rounds, proof, t);
}

/** The fastest prover backend available (WASM over all cores, else the TypeScript reference). */
export function defaultBackend(): Promise<ProverBackend> {
  return createBackend();
}

function writeOpening(w: ByteWriter, op: MerkleOpening): void {
  w.u16(op.rows.length);
  for (const q of op.rows) {
    w.u16(q.length);
    for (const row of q) {
      w.u16(row.length);
      for (const v of row) w.felt(v);
    }
  }
  w.u32(op.siblings.length);
  for (const s of op.siblings) w.digest(s);
}

function readOpening(r: ByteReader): MerkleOpening {
  const nq = r.count(16, 'opening queries', 2);
  const rows: Uint32Array[][] = [];
  for (let q = 0; q < nq; q++) {
    const nm = r.count(16, 'opened matrices', 2);
    const ms: Uint32Array[] = [];
    for (let m = 0; m < nm; m++) {
      const len = r.count(16, 'opened row length', 4);
      const row = new Uint32Array(len);
      for (let i = 0; i < len; i++) row[i] = r.felt('opened row value');
      ms.push(row);
    }
    rows.push(ms);
  }
  const ns = r.count(32, 'Merkle siblings', 32);
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < ns; i++) siblings.push(r.digest('Merkle sibling'));
  return { rows, siblings };
}

export function encodePcsProof(w: ByteWriter, proof: PcsProof): void {
  w.u8(proof.inputOpenings.length);
  for (const op of proof.inputOpenings) writeOpening(w, op);
  const f = proof.fri;
  w.u8(f.layerRoots.length);
  for (const root of f.layerRoots) w.digest(root);
  w.u16(f.finalPoly.length);
  for (const v of f.finalPoly) w.felt(v);
  w.u32(f.powNonce);
  w.u8(f.layerOpenings.length);
  for (const op of f.layerOpenings) writeOpening(w, op);
}

export function decodePcsProof(r: ByteReader): PcsProof {
  const ni = r.count(8, 'input openings', 6);
  const inputOpenings: MerkleOpening[] = [];
  for (let i = 0; i < ni; i++) inputOpenings.push(readOpening(r));
  const nl = r.count(8, 'FRI layer roots', 32);
  const layerRoots: Uint8Array[] = [];
  for (let i = 0; i < nl; i++) layerRoots.push(r.digest('FRI layer root'));
  const np = r.count(16, 'final polynomial words', 4);
  const finalPoly = new Uint32Array(np);
  for (let i = 0; i < np; i++) finalPoly[i] = r.felt('final polynomial coefficient');
  const powNonce = r.u32('grinding nonce');
  const no = r.count(8, 'FRI layer openings', 6);
  const layerOpenings: MerkleOpening[] = [];
  for (let i = 0; i < no; i++) layerOpenings.push(readOpening(r));
  return { inputOpenings, fri: { layerRoots, finalPoly, powNonce, layerOpenings } };
}
