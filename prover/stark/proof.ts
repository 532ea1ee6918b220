/**
 * The shape of a multi-table STARK proof, and the transcript schedule prover and verifier share.
 *
 * Transcript order (every item is observed before the challenge after it is drawn):
 *   label 'tensor-zkvm/stark/v1' -> version, hasher, options -> machine name, table count, per table (name,
 *   logHeight, widths, public values) -> preprocessed root (if any) -> main root -> beta, gamma
 *   (drawn; or, for one segment of a segmented proof, given by the caller and observed, beta then
 *   gamma, see `ProveOptions.busChallenges`) -> aux root and the tables' bus sums -> alpha -> quotient root -> zeta -> PCS opening (which
 *   observes the opened values before its own challenges).
 * @module
 */
import type { ProofOptions } from '../options.ts';
import type { Ext4 } from '../field/ext4.ts';
import type { PcsProof } from '../pcs.ts';
import type { Transcript } from '../transcript.ts';
import type { Machine } from './machine.ts';
import type { HasherName } from '../hash/hasher.ts';

export const PROOF_VERSION = 1;
export const TRANSCRIPT_LABEL = 'tensor-zkvm/stark/v1';

export interface TableProof {
  readonly name: string;
  /** log2 of the trace height. */
  readonly logHeight: number;
  /** The table's public values (base field). */
  readonly publics: Uint32Array;
  /** The table's LogUp sum (ext4), or null for a table without bus interactions. */
  readonly busSum: Ext4 | null;
}

export interface StarkProof {
  readonly version: number;
  readonly options: ProofOptions;
  /** The hash function of every Merkle tree in the proof. */
  readonly hasher: HasherName;
  readonly tables: readonly TableProof[];
  readonly roots: {
    readonly main: Uint8Array;
    /** null when no table has bus interactions. */
    readonly aux: Uint8Array | null;
    readonly quotient: Uint8Array;
  };
  /**
   * Values opened by the PCS: [round][matrix][point][column], rounds in the order preprocessed (if
   * the machine has preprocessed columns), main, aux (if any), quotient; points zeta and zeta * w
   * for trace rounds, zeta alone for the quotient.
   */
  readonly opened: Ext4[][][][];
  readonly pcs: PcsProof;
}

/** Observes the statement: options, machine and table shapes, public values, preprocessed root. */
export function observeStatement(
  t: Transcript,
  machine: Machine,
  options: ProofOptions,
  hasher: HasherName,
  tables: readonly TableProof[],
  preRoot: Uint8Array | null,
): void {
  t.observeU32(PROOF_VERSION);
  t.observeBytes(new TextEncoder().encode(hasher));
  t.observeU32(options.logBlowup);
  t.observeU32(options.numQueries);
  t.observeU32(options.foldingArity);
  t.observeU32(options.logFinalPolyLen);
  t.observeU32(options.powBits);
  t.observeBytes(new TextEncoder().encode(machine.name));
  t.observeU32(tables.length);
  machine.tables.forEach((table, i) => {
    const tp = tables[i]!;
    const sys = table.system;
    t.observeBytes(new TextEncoder().encode(tp.name));
    t.observeU32(tp.logHeight);
    t.observeU32(sys.mainWidth);
    t.observeU32(sys.preWidth);
    t.observeU32(sys.auxWidth);
    t.observeU32(sys.constraints.length);
    t.observeU32(tp.publics.length);
    for (const v of tp.publics) t.observeBase(v);
  });
  t.observeU32(preRoot ? 1 : 0);
  if (preRoot) t.observeDigest(preRoot);
}

/** What a segment's challenge derivation must bind of it (see `observeSegment`). */
export interface SegmentStatement {
  readonly mainRoot: Uint8Array;
  readonly tables: readonly Pick<TableProof, 'name' | 'logHeight' | 'publics'>[];
}

/**
 * Observes one segment of a segmented proof into the transcript from which the caller draws the
 * shared bus challenges: its main root, and per table its name, height and public values (a public
 * value can enter a bus tuple, so it must be fixed before beta and gamma are known). The prover's
 * `busChallenges` callback receives exactly this statement; a verifier rebuilds it from the proof
 * (`{ mainRoot: proof.roots.main, tables: proof.tables }`), so both sides derive the same challenges.
 */
export function observeSegment(t: Transcript, s: SegmentStatement): void {
  t.observeDigest(s.mainRoot);
  t.observeU32(s.tables.length);
  for (const tp of s.tables) {
    t.observeBytes(new TextEncoder().encode(tp.name));
    t.observeU32(tp.logHeight);
    t.observeU32(tp.publics.length);
    for (const v of tp.publics) t.observeBase(v);
  }
}
