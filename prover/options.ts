/**
 * Proof options: the parameters that fix a proof's cost and its conjectured security.
 *
 * A `ProofOptions` value is frozen and validated when built, against the bounds below. It is
 * absorbed by the transcript before any challenge and written into the proof, and the verifier
 * decides whether it accepts it (`minSecurityBits`). Presets follow Winterfell's explicit options.
 * @module
 */

/** Bounds every option set must respect; a proof stating options outside them is malformed. */
export const BOUNDS = Object.freeze({
  logBlowup: { min: 1, max: 6 },
  numQueries: { min: 1, max: 255 },
  foldingArity: [2, 4, 8, 16] as readonly number[],
  logFinalPolyLen: { min: 0, max: 10 },
  powBits: { min: 0, max: 30 },
});

export interface ProofOptions {
  /** log2 of the LDE blowup factor (rate = 2^-logBlowup). */
  readonly logBlowup: number;
  /** Number of FRI query positions. */
  readonly numQueries: number;
  /** Each FRI round folds this many evaluations into one (a power of two). */
  readonly foldingArity: number;
  /** FRI stops folding when the polynomial has at most 2^logFinalPolyLen coefficients, sent in the clear. */
  readonly logFinalPolyLen: number;
  /** Proof-of-work grinding bits required before the query positions are drawn. */
  readonly powBits: number;
}

function checkInt(name: keyof typeof BOUNDS, v: number, min: number, max: number): void {
  if (!Number.isInteger(v)) throw new TypeError(`ProofOptions.${name} must be an integer, got ${v}`);
  if (v < min || v > max) throw new RangeError(`ProofOptions.${name} must be in [${min}, ${max}], got ${v}`);
}

export function proofOptions(o: ProofOptions): ProofOptions {
  checkInt('logBlowup', o.logBlowup, BOUNDS.logBlowup.min, BOUNDS.logBlowup.max);
  checkInt('numQueries', o.numQueries, BOUNDS.numQueries.min, BOUNDS.numQueries.max);
  if (!BOUNDS.foldingArity.includes(o.foldingArity)) {
    throw new RangeError(`ProofOptions.foldingArity must be one of ${BOUNDS.foldingArity.join(', ')}, got ${o.foldingArity}`);
  }
  checkInt('logFinalPolyLen', o.logFinalPolyLen, BOUNDS.logFinalPolyLen.min, BOUNDS.logFinalPolyLen.max);
  checkInt('powBits', o.powBits, BOUNDS.powBits.min, BOUNDS.powBits.max);
  return Object.freeze({
    logBlowup: o.logBlowup,
    numQueries: o.numQueries,
    foldingArity: o.foldingArity,
    logFinalPolyLen: o.logFinalPolyLen,
    powBits: o.powBits,
  });
}

export const ProofOptions = Object.freeze({
  /** Fast, insecure (about 18 bits): for unit tests only; the default verifier refuses it. */
  testing: (): ProofOptions => proofOptions({ logBlowup: 2, numQueries: 6, foldingArity: 4, logFinalPolyLen: 2, powBits: 6 }),
  /**
   * The default: 100 bits conjectured (42 queries x 2 + 16 grinding bits).
   *
   * Blowup 4 rather than 8, by measurement (2^20-row Fibonacci AIR, 2 cores, 2026-11-25): blowup 4 /
   * 42 queries proved in 1.43 s warm (2.6 s as the first proof of a process), proof 117 KiB;
   * blowup 8 / 28 queries took 2.3 s warm (4.8 s first), proof 88 KiB; blowup 2 / 80 queries took
   * 1.15 s but gave a 188 KiB proof and a 37 ms verify. Halving the LDE buys more than the extra
   * queries cost.
   */
  standard: (): ProofOptions => proofOptions({ logBlowup: 2, numQueries: 42, foldingArity: 8, logFinalPolyLen: 3, powBits: 16 }),
  /** What benchmarks use: the same as `standard`. */
  bench: (): ProofOptions => proofOptions({ logBlowup: 2, numQueries: 42, foldingArity: 8, logFinalPolyLen: 3, powBits: 16 }),
  /** 128 bits conjectured. */
  high: (): ProofOptions => proofOptions({ logBlowup: 4, numQueries: 28, foldingArity: 8, logFinalPolyLen: 3, powBits: 16 }),
});

/** Output size of the commitment hash; collision resistance caps security at half of it. */
const DIGEST_BITS = 256;

/**
 * Conjectured security in bits:
 *
 *   min(numQueries * logBlowup + powBits, DIGEST_BITS / 2)
 *
 * The query term is the ethSTARK conjecture for FRI over a Reed-Solomon code of rate 2^-logBlowup
 * (each query catches a far-from-code word with probability 1 - rate); grinding adds powBits. The
 * extension field (about 2^123.6 elements) bounds the algebraic (DEEP/OOD and batching) error at
 * roughly 123 - log2(LDE size) bits; `fieldSecurityBits` reports that separately.
 */
export function securityBits(opts: ProofOptions): number {
  const { logBlowup, numQueries, powBits } = opts;
  return Math.min(numQueries * logBlowup + powBits, DIGEST_BITS / 2);
}

/** log2 |BabyBear^4| (floor), the size bound on every random challenge. */
export const EXT_FIELD_BITS = 123;

/** The extension-field bound on soundness for a proof whose largest LDE domain has 2^logLdeSize points. */
export function fieldSecurityBits(logLdeSize: number): number {
  return EXT_FIELD_BITS - logLdeSize;
}
