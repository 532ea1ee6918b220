/**
 * Input and output layout of the fibonacci example.
 * Input: n as a little-endian u32. Output: fib(n) mod 2^64 as a little-endian u64.
 */
import { assertU32 } from '../_util.ts';

export function encodeInput(n: number): Uint8Array {
  assertU32(n, 'n');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

export function decodeOutput(bytes: Uint8Array): bigint {
  if (bytes.length !== 8) throw new RangeError(`fibonacci output: expected 8 bytes, got ${bytes.length}`);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

/** Reference: fib(n) mod 2^64, BigInt (reference code only). */
export function fibReference(n: number): bigint {
  let a = 0n;
  let b = 1n;
  for (let i = 0; i < n; i++) [a, b] = [b, (a + b) & 0xffff_ffff_ffff_ffffn];
  return a;
}
