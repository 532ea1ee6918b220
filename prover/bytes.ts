/**
 * A growable little-endian byte writer: the one encoder under the proof format, the program
 * format and the examples' input files. Integer writers refuse values that do not fit, so a bug
 * in an encoder fails loudly instead of writing a wrapped number into a file.
 * @module
 */

export class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`encoding: ${v} does not fit a u8`);
    this.ensure(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`encoding: ${v} does not fit a u16`);
    this.ensure(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`encoding: ${v} does not fit a u32`);
    this.ensure(4);
    this.view.setUint32(this.len, v, true);
    this.len += 4;
    return this;
  }

  i32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`encoding: ${v} does not fit an i32`);
    this.ensure(4);
    this.view.setInt32(this.len, v, true);
    this.len += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Each value as one byte, two's complement (int8 tensors). */
  i8s(a: ArrayLike<number>): this {
    this.ensure(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isInteger(v) || v < -128 || v > 127) throw new RangeError(`encoding: ${v} does not fit an i8`);
      this.buf[this.len + i] = v & 0xff;
    }
    this.len += a.length;
    return this;
  }

  i32s(a: ArrayLike<number>): this {
    for (let i = 0; i < a.length; i++) this.i32(a[i]!);
    return this;
  }

  /** A u32 byte length, then the UTF-8 bytes. */
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
