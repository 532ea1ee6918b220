/** Small guests for the failure tests, shared by the library and CLI suites. */

/** Reads a u32 mode and fails in the way it names; mode 9 succeeds and commits 0x2a. */
export const FAULTY_GUEST = `
import { readU32, commitU32, panic } from "zkvm-sdk";

function divide(a: u32, b: u32): u32 {
  return a / b;
}

function peek(addr: u32): u32 {
  return load<u32>(<usize>addr);
}

export function main(): void {
  const mode = readU32();
  commitU32(7);
  if (mode == 0) panic("mode zero is not allowed");
  if (mode == 1) commitU32(divide(100, readU32()));
  if (mode == 2) commitU32(peek(readU32()));
  assert(mode != 3, "mode three fails an assert");
  if (mode == 4) unreachable();
  commitU32(42);
}
`;

export const FLOAT_GUEST = `
import { readU32, commitU32 } from "zkvm-sdk";
export function main(): void {
  const x = <f64>readU32();
  commitU32(<u32>(x * 1.5 + 0.25));
}
`;

export const UNKNOWN_IMPORT_GUEST = `
// @ts-ignore: decorator
@external("env", "host_time")
declare function hostTime(): i32;
import { commitI32 } from "zkvm-sdk";
export function main(): void {
  commitI32(hostTime());
}
`;

export const NO_ENTRY_GUEST = `
import { commitU32 } from "zkvm-sdk";
export function run(): void {
  commitU32(1);
}
`;

export function u32le(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true));
  return out;
}

/** Commits private u32 + public u32 (wrapping), then the rest of the public input. */
export const SUM_GUEST = `
import { readU32, readPublicU32, readPublicInput, commitU32, commit } from "zkvm-sdk";
export function main(): void {
  commitU32(readU32() + readPublicU32());
  commit(readPublicInput());
}
`;
