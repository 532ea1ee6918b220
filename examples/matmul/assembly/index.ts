/**
 * Matmul guest: reads n, k, m (u32 each) then A (n*k int8) and B (k*m int8), both row-major, from
 * the private input; commits C = A.B as n*m little-endian int32, row-major.
 */
import { readU32, readInt8Array, commitInt32Array, panic } from "zkvm-sdk";
import { matmulI8 } from "./matmul";

/** Upper bound on every matrix's element count, so sizes cannot overflow i32 arithmetic. */
const MAX_ELEMENTS: u32 = 1 << 24;

function checkedSize(rows: u32, cols: u32, what: string): i32 {
  const size = <u64>rows * <u64>cols;
  if (size > <u64>MAX_ELEMENTS) panic("matmul: " + what + " has " + size.toString() + " elements, more than " + MAX_ELEMENTS.toString());
  return <i32>size;
}

export function main(): void {
  const n = readU32();
  const k = readU32();
  const m = readU32();
  const sizeA = checkedSize(n, k, "A");
  const sizeB = checkedSize(k, m, "B");
  checkedSize(n, m, "C");
  const a = readInt8Array(sizeA);
  const b = readInt8Array(sizeB);
  commitInt32Array(matmulI8(a, b, <i32>n, <i32>k, <i32>m));
}
