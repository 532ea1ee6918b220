/**
 * The Fiat-Shamir transcript: turns the interactive STARK/FRI protocol into a non-interactive one by
 * deriving every verifier challenge from a hash of everything the prover has sent before it.
 *
 * Construction (BLAKE3 from @noble/hashes; the volume is a few kilobytes per proof, so a WASM kernel
 * would not pay):
 * - the state is a 32-byte chaining value, initialised as BLAKE3(tag 'init' || len || label);
 * - every observation appends `tag (1 byte) || length (u32 LE) || payload` to a pending buffer; the
 *   tag names the kind (bytes, u32, base element, ext4 element, digest, lists of them) and the length
 *   counts payload bytes, so the encoding of a sequence of observations is prefix-free: two
 *   different sequences never produce the same buffer;
 * - a squeeze hashes `state || pending || 'squeeze'` with BLAKE3's XOF to 64 bytes: the first 32
 *   become the new state, the last 32 are the output. The output therefore never reveals the state,
 *   and every squeeze, observed or not, moves the state on, so a challenge depends on all earlier
 *   observations and all earlier challenges.
 *
 * Field challenges are reduced from 64 uniform bits (statistical distance from uniform < 2^-32 per
 * coordinate), query indices take the low bits of a fresh 32-bit word (exactly uniform).
 *
 * RULE FOR USERS: observe every commitment (Merkle root), every public value, the table shapes and
 * the proof options before drawing any challenge that depends on them. A value observed after the
 * challenge it should bind lets a prover choose it knowing the challenge (the "weak Fiat-Shamir"
 * attacks). Prover and verifier must make exactly the same calls in the same order.
 *
 * Reference: Canetti et al., "Fiat-Shamir: from practice to theory"; Plonky3 `challenger/`
 * (duplex sponge with the same observe/sample split).
 * @module
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { P } from './field/babybear.ts';
import type { Ext4 } from './field/ext4.ts';

const enum Tag {
  Init = 0x01,
  Bytes = 0x02,
  U32 = 0x03,
  Base = 0x04,
  Ext = 0x05,
  Digest = 0x06,
  Bases = 0x07,
  Exts = 0x08,
  Squeeze = 0x09,
  U64 = 0x0a,
}

const STATE_BYTES = 32;
/** 2^32 as a double, to assemble 64-bit values exactly enough for the reduction. */
const TWO32 = 4294967296;

function assertU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`transcript: ${what} must be a u32, got ${v}`);
}

function assertCanonical(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= P) throw new RangeError(`transcript: ${what} is not a canonical BabyBear element: ${v}`);
}

/** 64 uniform bits (little-endian at `o`) reduced mod p, without BigInt. */
function reduce64(b: Uint8Array, o: number): number {
  const lo = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  const hi = (b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24)) >>> 0;
  // hi * 2^32 + lo mod p, with 2^32 mod p precomputed; every product stays below 2^53.
  const r32 = TWO32 % P; // 2^32 mod p
  const hiR = hi % P;
  // hiR * r32 < 2^62: split r32 into 16-bit halves to keep products exact.
  const t = (((hiR * (r32 >>> 16)) % P) * 65536 + hiR * (r32 & 0xffff)) % P;
  return (t + (lo % P)) % P;
}

export class Transcript {
  private state: Uint8Array;
  private pending: Uint8Array = new Uint8Array(256);
  private len = 0;

  /**
   * @param label domain separation: a different protocol (or version) must use a different label,
   * so challenges of one can never be replayed in another.
   */
  constructor(label: string) {
    if (typeof label !== 'string' || label.length === 0) throw new TypeError('transcript: label must be a non-empty string');
    const l = new TextEncoder().encode(label);
    const init = new Uint8Array(5 + l.length);
    init[0] = Tag.Init;
    new DataView(init.buffer).setUint32(1, l.length, true);
    init.set(l, 5);
    this.state = blake3(init);
  }

  /** An independent copy: observing into or sampling from one does not affect the other. */
  clone(): Transcript {
    const t = Object.create(Transcript.prototype) as Transcript;
    t.state = this.state.slice();
    t.pending = this.pending.slice();
    t.len = this.len;
    return t;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.pending.length) return;
    let cap = this.pending.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.pending.subarray(0, this.len));
    this.pending = next;
  }

  /** Writes the tag and the payload length; returns the offset where the payload goes. */
  private header(tag: Tag, payloadBytes: number): number {
    this.reserve(5 + payloadBytes);
    const p = this.pending;
    let o = this.len;
    p[o++] = tag;
    p[o++] = payloadBytes & 0xff;
    p[o++] = (payloadBytes >>> 8) & 0xff;
    p[o++] = (payloadBytes >>> 16) & 0xff;
    p[o++] = (payloadBytes >>> 24) & 0xff;
    this.len = o + payloadBytes;
    return o;
  }

  private putU32(o: number, v: number): void {
    const p = this.pending;
    p[o] = v & 0xff;
    p[o + 1] = (v >>> 8) & 0xff;
    p[o + 2] = (v >>> 16) & 0xff;
    p[o + 3] = (v >>> 24) & 0xff;
  }

  /** Arbitrary bytes (names, encoded statements). */
  observeBytes(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('transcript: observeBytes expects a Uint8Array');
    const o = this.header(Tag.Bytes, bytes.length);
    this.pending.set(bytes, o);
  }

  /** A u32 (counts, sizes, options, nonces). */
  observeU32(v: number): void {
    assertU32(v, 'observeU32 value');
    this.putU32(this.header(Tag.U32, 4), v);
  }

  /** A non-negative safe integer below 2^53 (grinding nonces that may exceed 32 bits). */
  observeU64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`transcript: observeU64 value must be a non-negative safe integer, got ${v}`);
    const o = this.header(Tag.U64, 8);
    this.putU32(o, v % TWO32);
    this.putU32(o + 4, Math.floor(v / TWO32));
  }

  /** One BabyBear element (canonical; RangeError otherwise, since p + x and x would collide). */
  observeBase(v: number): void {
    assertCanonical(v, 'observeBase value');
    this.putU32(this.header(Tag.Base, 4), v);
  }

  /** A vector of BabyBear elements, as one observation. */
  observeBases(vs: ArrayLike<number>): void {
    for (let i = 0; i < vs.length; i++) assertCanonical(vs[i]!, `observeBases[${i}]`);
    const o = this.header(Tag.Bases, 4 * vs.length);
    for (let i = 0; i < vs.length; i++) this.putU32(o + 4 * i, vs[i]!);
  }

  /** One ext4 element (four canonical coefficients). */
  observeExt(e: Ext4): void {
    if (!(e instanceof Uint32Array) || e.length !== 4) throw new TypeError('transcript: observeExt expects a Uint32Array of length 4');
    for (let i = 0; i < 4; i++) assertCanonical(e[i]!, `observeExt coefficient ${i}`);
    const o = this.header(Tag.Ext, 16);
    for (let i = 0; i < 4; i++) this.putU32(o + 4 * i, e[i]!);
  }

  /** A list of ext4 elements as one observation (e.g. the opened values of one matrix at one point). */
  observeExts(es: readonly Ext4[]): void {
    es.forEach((e, j) => {
      if (!(e instanceof Uint32Array) || e.length !== 4) throw new TypeError(`transcript: observeExts[${j}] is not an ext4 element`);
      for (let i = 0; i < 4; i++) assertCanonical(e[i]!, `observeExts[${j}] coefficient ${i}`);
    });
    const o = this.header(Tag.Exts, 16 * es.length);
    es.forEach((e, j) => {
      for (let i = 0; i < 4; i++) this.putU32(o + 16 * j + 4 * i, e[i]!);
    });
  }

  /** A 32-byte commitment (Merkle root). */
  observeDigest(d: Uint8Array): void {
    if (!(d instanceof Uint8Array) || d.length !== 32) throw new RangeError(`transcript: observeDigest expects 32 bytes, got ${d?.length}`);
    const o = this.header(Tag.Digest, 32);
    this.pending.set(d, o);
  }

  /** 32 fresh pseudo-random bytes, bound to everything observed and sampled so far. */
  sampleBytes(): Uint8Array {
    this.header(Tag.Squeeze, 0);
    const msg = new Uint8Array(STATE_BYTES + this.len);
    msg.set(this.state, 0);
    msg.set(this.pending.subarray(0, this.len), STATE_BYTES);
    const out = blake3(msg, { dkLen: 64 });
    this.state = out.slice(0, STATE_BYTES);
    this.len = 0;
    return out.slice(STATE_BYTES);
  }

  /** A BabyBear element, reduced from 64 uniform bits. */
  sampleBase(): number {
    return reduce64(this.sampleBytes(), 0);
  }

  /** An ext4 element, each coefficient reduced from 64 uniform bits (one squeeze). */
  sampleExt(): Ext4 {
    const b = this.sampleBytes();
    return Uint32Array.of(reduce64(b, 0), reduce64(b, 8), reduce64(b, 16), reduce64(b, 24));
  }

  /** A uniform integer in [0, 2^bits), 0 <= bits <= 32. */
  sampleBits(bits: number): number {
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new RangeError(`transcript: sampleBits(${bits}) needs 0 <= bits <= 32`);
    const b = this.sampleBytes();
    const w = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    return bits === 32 ? w : w % 2 ** bits;
  }

  /**
   * `count` uniform indices in [0, 2^bits) (repeats possible), eight per squeeze. Used for FRI query
   * positions; sampling them costs one call per eight queries instead of one per query.
   */
  sampleIndices(count: number, bits: number): number[] {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`transcript: sampleIndices count must be a non-negative integer, got ${count}`);
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new RangeError(`transcript: sampleIndices(${bits}) needs 0 <= bits <= 32`);
    const out: number[] = [];
    const mod = 2 ** bits;
    while (out.length < count) {
      const b = this.sampleBytes();
      for (let k = 0; k < 8 && out.length < count; k++) {
        const w = (b[4 * k]! | (b[4 * k + 1]! << 8) | (b[4 * k + 2]! << 16) | (b[4 * k + 3]! << 24)) >>> 0;
        out.push(bits === 32 ? w : w % mod);
      }
    }
    return out;
  }
}
