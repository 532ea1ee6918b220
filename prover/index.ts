/**
 * The public surface of the proof system: tables, buses, machines, prove / verify, the proof
 * format, options and errors. Re-exports only; each module documents itself.
 * @module
 */
export { layout, offsetOf, type Layout, type LayoutBase, type LayoutSpec } from './air/layout.ts';
export { Expr, type ExprLike } from './air/expr.ts';
export {
  defineTable,
  tableInfo,
  quotientChunks,
  type AirBuilder,
  type AnyTable,
  type Table,
  type TableSpec,
  type TableInfo,
  type Row,
  type Label,
  type ConstraintSystem,
} from './air/builder.ts';
export { checkConstraints, checkAllConstraints, checkBuses, EXTRA_TERMS, type CheckOptions, type BusCheckInput, type CheckBusesOptions, type ExtraBusTerm } from './air/debug.ts';
export { eachLabel, rejectionsOf, attacksPassingWithout, type Attack, type Scenario } from './air/harness.ts';
export { Bus, defineBus, fingerprint, logUpTerms, type BusOptions, type BusChallenges, type BusTerm } from './bus.ts';
export { defineMachine, type Machine } from './stark/machine.ts';
export { prove, setup, type Witness, type ProveOptions, type ProvingKey, type VerifyingKey } from './stark/prove.ts';
export { verify, DEFAULT_MIN_SECURITY_BITS, type VerifyOptions, type VerifyResult } from './stark/verify.ts';
export { defaultBackend } from './stark/pcs.ts';
export { observeSegment, type StarkProof, type TableProof, type SegmentStatement } from './stark/proof.ts';
export { encodeProof, decodeProof } from './proof-format.ts';
export { ProofOptions, proofOptions, securityBits } from './options.ts';
export { VerifyError, ProofFormatError, ConstraintError, type VerifyCheck, type DebugReport } from './errors.ts';
export type { Matrix } from './matrix.ts';
export { Transcript } from './transcript.ts';
export type { Ext4 } from './field/ext4.ts';
