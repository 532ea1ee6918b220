/** Small argument checks shared by the examples' input encoders (validate first, name the argument). */

export function assertU32(x: number, name: string): void {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${name}: expected an integer, got ${String(x)}`);
  if (x < 0 || x > 0xffff_ffff) throw new RangeError(`${name}: expected 0..2^32-1, got ${x}`);
}

export function assertI32(x: number, name: string): void {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${name}: expected an integer, got ${String(x)}`);
  if (x < -0x8000_0000 || x > 0x7fff_ffff) throw new RangeError(`${name}: expected an i32, got ${x}`);
}

export function assertI8Array(a: ArrayLike<number>, len: number, name: string): void {
  if (a.length !== len) throw new RangeError(`${name}: expected ${len} values, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new RangeError(`${name}[${i}]: expected an int8, got ${v}`);
  }
}

export { ByteWriter } from '../prover/bytes.ts';

/** Reads little-endian i32s (the int32 tensors the examples commit). */
export function decodeI32s(bytes: Uint8Array): Int32Array {
  if (bytes.length % 4 !== 0) throw new RangeError(`expected a multiple of 4 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Int32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}
