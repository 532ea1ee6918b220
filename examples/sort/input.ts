/**
 * Input and output layout of the sort example.
 * Input: any number of little-endian u32 values, back to back (length a multiple of 4, else the
 * guest panics). Output: the same values sorted ascending, same layout.
 */
import { assertU32 } from '../_util.ts';

export function encodeInput(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    assertU32(values[i]!, `values[${i}]`);
    view.setUint32(i * 4, values[i]!, true);
  }
  return out;
}

export function decodeOutput(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0) throw new RangeError(`sort output: expected a multiple of 4 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/** Reference: the values sorted ascending as unsigned integers. */
export function sortReference(values: ArrayLike<number>): Uint32Array {
  return Uint32Array.from(values).sort();
}
