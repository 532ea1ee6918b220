/**
 * Fibonacci guest: reads n (u32, little-endian) from the private input and commits fib(n) mod 2^64
 * as a little-endian u64 (fib(0) = 0, fib(1) = 1). A tight loop of i64 additions: the smallest
 * program that exercises loops and the i64 path of the compiler.
 */
import { readU32, commitU64 } from "zkvm-sdk";

export function fib(n: u32): u64 {
  let a: u64 = 0;
  let b: u64 = 1;
  for (let i: u32 = 0; i < n; i++) {
    const t = a + b;
    a = b;
    b = t;
  }
  return a;
}

export function main(): void {
  commitU64(fib(readU32()));
}
