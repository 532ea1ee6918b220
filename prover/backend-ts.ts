/**
 * The reference backend: single-threaded TypeScript over `ntt.ts`. Slow, obviously correct; the
 * WASM backend is tested against it and it serves where WASM is not wanted (tiny proofs, tests).
 * @module
 */
import type { ProverBackend } from './backend.ts';
import type { Matrix } from './matrix.ts';
import { inttRows, nttRows, bitReverseRows } from './ntt.ts';
import { mul } from './field/babybear.ts';

export class TsBackend implements ProverBackend {
  readonly name = 'ts-reference';

  async interpolate(evals: Matrix): Promise<Matrix> {
    const values = evals.values.slice();
    inttRows(values, evals.width);
    return { values, width: evals.width, height: evals.height };
  }

  async evaluateOnCoset(coeffs: Matrix, logBlowup: number, shift: number, bitReversed: boolean): Promise<Matrix> {
    const { width, height } = coeffs;
    const big = height << logBlowup;
    const values = new Uint32Array(big * width);
    let s = 1;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) values[r * width + c] = mul(coeffs.values[r * width + c]!, s);
      s = mul(s, shift);
    }
    nttRows(values, width);
    if (bitReversed) bitReverseRows(values, width);
    return { values, width, height: big };
  }

  async lde(evals: Matrix, logBlowup: number, shift: number, bitReversed: boolean): Promise<Matrix> {
    return this.evaluateOnCoset(await this.interpolate(evals), logBlowup, shift, bitReversed);
  }

  async dispose(): Promise<void> {}
}
