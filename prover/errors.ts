/**
 * The errors the proof system raises. `verify` only ever throws `VerifyError` or
 * `ProofFormatError`; `prove` throws `ConstraintError` when the debug checks find a bad trace.
 * @module
 */

/**
 * Which verifier check failed:
 * - 'format': the proof bytes do not parse (see ProofFormatError for the reason)
 * - 'options': the proof's options are below what this verifier accepts
 * - 'shape': counts or sizes in the proof do not match the statement (tables, heights, widths)
 * - 'public-values': the public values do not match the claim
 * - 'merkle': an opening does not hash to the committed root
 * - 'ood': the constraints evaluated at the out-of-domain point do not match the quotient
 * - 'fri-fold': a FRI layer value is inconsistent with the folding of the previous layer
 * - 'fri-final': the final polynomial does not match the last folded values
 * - 'pow': the grinding nonce does not meet the proof-of-work requirement
 * - 'bus-balance': the LogUp sums of a bus do not add up to zero
 */
export type VerifyCheck = 'format' | 'options' | 'shape' | 'public-values' | 'merkle' | 'ood' | 'fri-fold' | 'fri-final' | 'pow' | 'bus-balance';

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  constructor(
    readonly check: VerifyCheck,
    message: string,
    /** Where it failed: table name, query index, FRI layer, bus name, ... */
    readonly detail: Readonly<Record<string, string | number>> = {},
  ) {
    super(`verification failed (${check}): ${message}`);
  }
}

export class ProofFormatError extends Error {
  override readonly name = 'ProofFormatError';
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? `malformed proof: ${message}` : `malformed proof at byte ${offset}: ${message}`);
  }
}

export interface ConstraintFailure {
  readonly table: string;
  readonly row: number;
  readonly label: string;
  /** Column names and values involved, for the report. */
  readonly values?: Readonly<Record<string, number>>;
}

export interface BusFailure {
  readonly bus: string;
  readonly table: string;
  readonly row: number;
  readonly tuple: readonly number[];
  readonly multiplicity: number;
}

export interface DebugReport {
  readonly ok: boolean;
  readonly failures: readonly ConstraintFailure[];
  readonly busFailures: readonly BusFailure[];
}

export class ConstraintError extends Error {
  override readonly name = 'ConstraintError';
  constructor(readonly report: DebugReport) {
    const first = report.failures[0];
    const bus = report.busFailures[0];
    super(
      first
        ? `trace violates '${first.label}' in table ${first.table} at row ${first.row}` +
            (report.failures.length > 1 ? ` (and ${report.failures.length - 1} more)` : '')
        : bus
          ? `bus ${bus.bus} is unbalanced: table ${bus.table} row ${bus.row} tuple [${bus.tuple.join(', ')}]`
          : 'trace rejected by debug checks',
    );
  }
}
