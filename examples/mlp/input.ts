/**
 * Input and output layout of the mlp example, its encoder and a plain TypeScript reference.
 *
 * Input (little-endian):
 *   u32 L (layers, 1..64), u32 flags (bit 0: also commit the logits),
 *   u32 dims[L + 1] (each 1..65536; dims[l] * dims[l+1] <= 2^24),
 *   int8 x[dims[0]],
 *   then for each layer l: int8 W[dims[l] * dims[l+1]] (row-major, [in][out]), int32 bias[dims[l+1]],
 *   and for hidden layers only (l < L - 1): i32 multiplier (Q31, 0..2^31-1), u32 shift (0..31).
 * Output: u32 class (argmax of the logits, first on ties), then int32 logits[dims[L]] if flag bit 0.
 *
 * Hidden layer: y = requantize(relu(x.W + bias)); last layer: logits = x.W + bias.
 */
import { assertI32, assertI8Array, assertU32, ByteWriter, decodeI32s } from '../_util.ts';

export interface MlpLayer {
  /** Row-major [in][out] int8 weights. */
  readonly weights: ArrayLike<number>;
  /** int32 bias, one per output. */
  readonly bias: ArrayLike<number>;
  /** Q31 requantization multiplier (hidden layers only). */
  readonly multiplier?: number;
  /** Rounding right shift after the multiplier, 0..31 (hidden layers only). */
  readonly shift?: number;
}

export interface MlpModel {
  /** dims[0] inputs, dims[L] outputs (classes). */
  readonly dims: readonly number[];
  readonly layers: readonly MlpLayer[];
}

export function encodeInput(model: MlpModel, x: ArrayLike<number>, opts: { commitLogits?: boolean } = {}): Uint8Array {
  const { dims, layers } = model;
  if (layers.length === 0 || dims.length !== layers.length + 1) {
    throw new RangeError(`model: expected dims.length = layers.length + 1 with at least one layer, got ${dims.length} and ${layers.length}`);
  }
  dims.forEach((d, i) => assertU32(d, `dims[${i}]`));
  assertI8Array(x, dims[0]!, 'x');
  const w = new ByteWriter().u32(layers.length).u32(opts.commitLogits ? 1 : 0);
  for (const d of dims) w.u32(d);
  w.i8s(x);
  layers.forEach((layer, l) => {
    assertI8Array(layer.weights, dims[l]! * dims[l + 1]!, `layers[${l}].weights`);
    if (layer.bias.length !== dims[l + 1]) throw new RangeError(`layers[${l}].bias: expected ${dims[l + 1]} values, got ${layer.bias.length}`);
    for (let i = 0; i < layer.bias.length; i++) assertI32(layer.bias[i]!, `layers[${l}].bias[${i}]`);
    w.i8s(layer.weights).i32s(layer.bias);
    if (l < layers.length - 1) {
      const { multiplier, shift } = layer;
      if (multiplier === undefined || shift === undefined) throw new TypeError(`layers[${l}]: a hidden layer needs multiplier and shift`);
      assertI32(multiplier, `layers[${l}].multiplier`);
      assertU32(shift, `layers[${l}].shift`);
      w.i32(multiplier).u32(shift);
    }
  });
  return w.finish();
}

export function decodeOutput(bytes: Uint8Array): { classIndex: number; logits?: Int32Array } {
  if (bytes.length < 4) throw new RangeError(`mlp output: expected at least 4 bytes, got ${bytes.length}`);
  const classIndex = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  return bytes.length === 4 ? { classIndex } : { classIndex, logits: decodeI32s(bytes.subarray(4)) };
}

// ---------------------------------------------------------------------------------------------
// Reference (plain TypeScript; BigInt only where a 62-bit product needs it)

const I32_MIN = -0x8000_0000;
const I32_MAX = 0x7fff_ffff;

/** gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31) with ties away from zero. */
export function srdhmReference(a: number, b: number): number {
  if (a === I32_MIN && b === I32_MIN) return I32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C++
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero. */
export function rdbpotReference(x: number, exponent: number): number {
  const mask = exponent === 31 ? I32_MAX : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

export function requantizeReference(acc: number, multiplier: number, shift: number): number {
  return Math.min(127, Math.max(-128, rdbpotReference(srdhmReference(acc, multiplier), shift)));
}

/** The forward pass the guest computes: logits and their argmax. */
export function mlpReference(model: MlpModel, x: ArrayLike<number>): { classIndex: number; logits: Int32Array } {
  let act: number[] = Array.from(x);
  let logits = new Int32Array(0);
  model.layers.forEach((layer, l) => {
    const inDim = model.dims[l]!;
    const outDim = model.dims[l + 1]!;
    const acc = new Int32Array(outDim);
    for (let j = 0; j < outDim; j++) {
      let s = 0;
      for (let i = 0; i < inDim; i++) s += act[i]! * layer.weights[i * outDim + j]!;
      acc[j] = (s + layer.bias[j]!) | 0;
    }
    if (l === model.layers.length - 1) {
      logits = acc;
    } else {
      act = Array.from(acc, (v) => requantizeReference(Math.max(v, 0), layer.multiplier!, layer.shift!));
    }
  });
  let classIndex = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[classIndex]!) classIndex = i;
  return { classIndex, logits };
}
