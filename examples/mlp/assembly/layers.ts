/**
 * The layers of the int8 MLP, one function each: the guest-side generic twins of the tensor
 * precompiles (matmul lives in examples/matmul/assembly/matmul.ts). Quantization follows TFLite's
 * int8 scheme with zero points 0: int32 accumulators, requantization by a Q31 multiplier and a
 * rounding right shift (gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT),
 * clamped to [-128, 127].
 */

/** acc[i*m + j] += bias[j] for an n x m accumulator (wrapping i32, as the precompile). */
export function addBias(acc: Int32Array, bias: Int32Array): void {
  const m = bias.length;
  for (let i = 0; i < acc.length; i++) unchecked((acc[i] += unchecked(bias[i % m])));
}

/** In place: x = max(x, 0). */
export function reluI32(acc: Int32Array): void {
  for (let i = 0; i < acc.length; i++) {
    const v = unchecked(acc[i]);
    if (v < 0) unchecked((acc[i] = 0));
  }
}

/** round(a * b / 2^31), ties away from zero, saturating the one overflowing case (MIN * MIN). */
export function saturatingRoundingDoublingHighMul(a: i32, b: i32): i32 {
  if (a == b && a == i32.MIN_VALUE) return i32.MAX_VALUE;
  const ab = <i64>a * <i64>b;
  const nudge: i64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30);
  return <i32>((ab + nudge) / (<i64>1 << 31));
}

/** x / 2^exponent rounded to nearest, ties away from zero; exponent in 0..31. */
export function roundingDivideByPOT(x: i32, exponent: i32): i32 {
  const mask = (<i32>((<i64>1 << exponent) - 1));
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** int32 -> int8: rdbpot(srdhm(x, multiplier), shift) clamped to [-128, 127]. */
export function requantize(acc: Int32Array, multiplier: i32, shift: i32): Int8Array {
  const out = new Int8Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    let v = roundingDivideByPOT(saturatingRoundingDoublingHighMul(unchecked(acc[i]), multiplier), shift);
    if (v < -128) v = -128;
    if (v > 127) v = 127;
    unchecked((out[i] = <i8>v));
  }
  return out;
}

/** Index of the largest value (the first one on ties); -1 for an empty vector. */
export function argmax(v: Int32Array): i32 {
  if (v.length == 0) return -1;
  let best = 0;
  let bestValue = unchecked(v[0]);
  for (let i = 1; i < v.length; i++) {
    const x = unchecked(v[i]);
    if (x > bestValue) {
      best = i;
      bestValue = x;
    }
  }
  return best;
}
