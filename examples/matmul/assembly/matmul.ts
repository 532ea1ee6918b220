/**
 * Generic int8 matrix multiply, the guest-side twin of the matmul precompile: C = A.B with A n x k
 * and B k x m int8 row-major, C n x m int32 row-major, accumulated in i32 (wrapping, as the
 * precompile's semantics; |sum| <= k * 2^14 does not wrap for k < 2^17).
 */

export function matmulI8(a: Int8Array, b: Int8Array, n: i32, k: i32, m: i32): Int32Array {
  const c = new Int32Array(n * m);
  for (let i = 0; i < n; i++) {
    const rowA = i * k;
    const rowC = i * m;
    for (let j = 0; j < m; j++) {
      let acc: i32 = 0;
      for (let t = 0; t < k; t++) {
        acc += <i32>unchecked(a[rowA + t]) * <i32>unchecked(b[t * m + j]);
      }
      unchecked((c[rowC + j] = acc));
    }
  }
  return c;
}
