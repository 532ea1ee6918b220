/**
 * Sort guest: reads the whole private input as little-endian u32 values, sorts them ascending with
 * an in-place heapsort and commits them in the same layout. Heapsort because it is O(n log n) in
 * the worst case and allocates nothing: its cycle count depends on the data only mildly, which
 * makes it a steady benchmark for the executor and the prover.
 */
import { readInput, commit, panic } from "zkvm-sdk";

export function heapsort(a: Uint32Array): void {
  const n = a.length;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = unchecked(a[0]);
    unchecked((a[0] = a[end]));
    unchecked((a[end] = t));
    siftDown(a, 0, end);
  }
}

function siftDown(a: Uint32Array, start: i32, end: i32): void {
  let root = start;
  const v = unchecked(a[root]);
  while (true) {
    let child = 2 * root + 1;
    if (child >= end) break;
    if (child + 1 < end && unchecked(a[child + 1]) > unchecked(a[child])) child++;
    const c = unchecked(a[child]);
    if (c <= v) break;
    unchecked((a[root] = c));
    root = child;
  }
  unchecked((a[root] = v));
}

export function main(): void {
  const bytes = readInput();
  if ((bytes.length & 3) != 0) panic("sort: input length " + bytes.length.toString() + " is not a multiple of 4");
  const values = Uint32Array.wrap(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  heapsort(values);
  commit(bytes);
}
