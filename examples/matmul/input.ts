/**
 * Input and output layout of the matmul example.
 * Input: n, k, m as little-endian u32, then A (n*k int8, row-major), then B (k*m int8, row-major).
 * Output: C = A.B as n*m little-endian int32, row-major.
 */
import { assertI8Array, assertU32, ByteWriter, decodeI32s } from '../_util.ts';

export function encodeInput(n: number, k: number, m: number, a: ArrayLike<number>, b: ArrayLike<number>): Uint8Array {
  assertU32(n, 'n');
  assertU32(k, 'k');
  assertU32(m, 'm');
  assertI8Array(a, n * k, 'a');
  assertI8Array(b, k * m, 'b');
  return new ByteWriter().u32(n).u32(k).u32(m).i8s(a).i8s(b).finish();
}

export const decodeOutput: (bytes: Uint8Array) => Int32Array = decodeI32s;

/** Reference: C = A.B in plain integers (exact: |C| < 2^31 for the sizes the guest accepts in practice). */
export function matmulReference(n: number, k: number, m: number, a: ArrayLike<number>, b: ArrayLike<number>): Int32Array {
  const c = new Int32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += a[i * k + t]! * b[t * m + j]!;
      c[i * m + j] = acc;
    }
  }
  return c;
}
