/**
 * The seam between the proof system and the hardware that runs its heavy kernels.
 *
 * The STARK prover calls only these methods for its bulk work (low-degree extension of traces,
 * hashing of LDE rows into Merkle trees happens through `Hasher`), so a GPU or native backend can
 * replace the WASM one without touching `stark/`. Every method is async because a backend may
 * hand the work to other threads or devices. Inputs are never modified; outputs are fresh.
 * @module
 */
import type { Matrix } from './matrix.ts';

export interface ProverBackend {
  readonly name: string;
  /**
   * Interpolates every column of `evals` (evaluations on H_height, natural order) and returns the
   * coefficients, row-major (row i = coefficient of x^i of every column).
   */
  interpolate(evals: Matrix): Promise<Matrix>;
  /**
   * Evaluates every column of `coeffs` (row i = coefficient of x^i; rows beyond `coeffs.height` are
   * zero) on shift * H_(coeffs.height << logBlowup). Output in natural order unless
   * `bitReversed`, in which case row i holds the value at shift * w^reverseBits(i).
   */
  evaluateOnCoset(coeffs: Matrix, logBlowup: number, shift: number, bitReversed: boolean): Promise<Matrix>;
  /** interpolate then evaluateOnCoset, fused where the backend can do better. */
  lde(evals: Matrix, logBlowup: number, shift: number, bitReversed: boolean): Promise<Matrix>;
  /** Releases threads and memory. The backend is unusable afterwards. */
  dispose(): Promise<void>;
}
