/**
 * The binary proof format, version 1. Little-endian throughout.
 *
 * ```
 * magic      4 bytes  "TZKP"
 * version    u16      1
 * hasher     u8       0 = BLAKE3, 1 = Poseidon2
 * options    5 x u8   logBlowup, numQueries, foldingArity, logFinalPolyLen, powBits
 * tables     u8 count, then per table:
 *              u8 name length, UTF-8 name, u8 logHeight,
 *              u16 public count, u32 publics, u8 hasBusSum, [4 x u32 busSum]
 * roots      32 bytes main, u8 hasAux, [32 bytes aux], 32 bytes quotient
 * opened     u8 rounds; per round u16 matrices; per matrix u8 points; per point u16 columns;
 *            per column 4 x u32 (an ext4 value)
 * pcs        the PCS proof (see `encodePcsProof` in stark/pcs.ts)
 * trailer    4 bytes: the first 4 bytes of BLAKE3 over everything before, catching accidental damage
 * ```
 *
 * `decodeProof` checks every length against the bytes left before allocating, every field element
 * against p and every count against the format's bounds, and throws `ProofFormatError` (reason and
 * byte offset) on anything else: it never crashes, never reads past the end and never allocates
 * more than the input's size warrants. A decoded proof is well-formed, not verified: `verify` does
 * that. Any damaged or foreign file is refused here or there.
 * @module
 */
import { ByteWriter as BaseWriter } from './bytes.ts';
import { blake3 } from '@noble/hashes/blake3.js';
import { P } from './field/babybear.ts';
import type { Ext4 } from './field/ext4.ts';
import { ProofFormatError } from './errors.ts';
import { proofOptions, type ProofOptions } from './options.ts';
import type { StarkProof, TableProof } from './stark/proof.ts';
import { PROOF_VERSION } from './stark/proof.ts';
import { encodePcsProof, decodePcsProof } from './stark/pcs.ts';
import type { HasherName } from './hash/hasher.ts';

export const MAGIC = Uint8Array.of(0x54, 0x5a, 0x4b, 0x50); // "TZKP"
export const DIGEST_BYTES = 32;
const CHECKSUM_BYTES = 4;
/** Hasher codes in the header. */
const HASHERS: readonly HasherName[] = ['blake3', 'poseidon2'];

/** The shared writer plus the proof's own element kinds. */
export class ByteWriter extends BaseWriter {
  /** A field element (checked canonical). */
  felt(v: number): this {
    if (!(v >= 0 && v < P)) throw new RangeError(`proof encoding: ${v} is not a field element`);
    return this.u32(v);
  }

  ext(e: Ext4): this {
    for (let i = 0; i < 4; i++) this.felt(e[i]!);
    return this;
  }

  digest(d: Uint8Array): this {
    if (d.length !== DIGEST_BYTES) throw new RangeError(`proof encoding: digest of ${d.length} bytes`);
    return this.bytes(d);
  }
}

/** Bounds-checked little-endian reader; every failure is a ProofFormatError with the offset. */
export class ByteReader {
  private off = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.off;
  }

  get remaining(): number {
    return this.buf.length - this.off;
  }

  fail(reason: string, at = this.off): never {
    throw new ProofFormatError(reason, at);
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) this.fail(`truncated: ${what} needs ${n} bytes, ${this.remaining} left`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.off++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.off, true);
    this.off += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.off, true);
    this.off += 4;
    return v;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }

  felt(what: string): number {
    const at = this.off;
    const v = this.u32(what);
    if (v >= P) this.fail(`${what}: ${v} is not a field element`, at);
    return v;
  }

  ext(what: string): Ext4 {
    return Uint32Array.of(this.felt(what), this.felt(what), this.felt(what), this.felt(what));
  }

  digest(what: string): Uint8Array {
    return this.bytes(DIGEST_BYTES, what);
  }

  /** Reads a count and checks that `count * minBytesEach` bytes remain (so no huge allocation). */
  count(width: 8 | 16 | 32, what: string, minBytesEach: number, max = Infinity): number {
    const at = this.off;
    const n = width === 8 ? this.u8(what) : width === 16 ? this.u16(what) : this.u32(what);
    if (n > max) this.fail(`${what}: ${n} exceeds the limit ${max}`, at);
    if (n * minBytesEach > this.remaining) this.fail(`${what}: ${n} entries cannot fit in the ${this.remaining} bytes left`, at);
    return n;
  }
}

/** Serializes a proof. Throws RangeError if the proof holds values the format cannot carry. */
export function encodeProof(proof: StarkProof): Uint8Array {
  const w = new ByteWriter();
  w.bytes(MAGIC);
  w.u16(PROOF_VERSION);
  w.u8(HASHERS.indexOf(proof.hasher));
  const o = proof.options;
  w.u8(o.logBlowup);
  w.u8(o.numQueries);
  w.u8(o.foldingArity);
  w.u8(o.logFinalPolyLen);
  w.u8(o.powBits);
  w.u8(proof.tables.length);
  for (const t of proof.tables) {
    const name = new TextEncoder().encode(t.name);
    w.u8(name.length);
    w.bytes(name);
    w.u8(t.logHeight);
    w.u16(t.publics.length);
    for (const v of t.publics) w.felt(v);
    w.u8(t.busSum ? 1 : 0);
    if (t.busSum) w.ext(t.busSum);
  }
  w.digest(proof.roots.main);
  w.u8(proof.roots.aux ? 1 : 0);
  if (proof.roots.aux) w.digest(proof.roots.aux);
  w.digest(proof.roots.quotient);
  w.u8(proof.opened.length);
  for (const round of proof.opened) {
    w.u16(round.length);
    for (const m of round) {
      w.u8(m.length);
      for (const pt of m) {
        w.u16(pt.length);
        for (const v of pt) w.ext(v);
      }
    }
  }
  encodePcsProof(w, proof.pcs);
  const body = w.finish();
  const out = new Uint8Array(body.length + CHECKSUM_BYTES);
  out.set(body);
  out.set(blake3(body).subarray(0, CHECKSUM_BYTES), body.length);
  return out;
}

/** Parses proof bytes; throws ProofFormatError on anything damaged or foreign. */
export function decodeProof(bytes: Uint8Array): StarkProof {
  if (!(bytes instanceof Uint8Array)) throw new ProofFormatError('expected a Uint8Array');
  if (bytes.length < MAGIC.length + 2 + CHECKSUM_BYTES) throw new ProofFormatError(`too short (${bytes.length} bytes)`, 0);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new ProofFormatError('not a tensor-zkvm proof (bad magic number)', 0);
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  const r = new ByteReader(body);
  r.bytes(MAGIC.length, 'magic');
  const version = r.u16('version');
  if (version !== PROOF_VERSION) r.fail(`unsupported version ${version} (this build reads ${PROOF_VERSION})`, 4);
  const hasherAt = r.offset;
  const hasher = HASHERS[r.u8('hasher')];
  if (hasher === undefined) r.fail('unknown hasher', hasherAt);
  const optAt = r.offset;
  const raw = { logBlowup: r.u8('logBlowup'), numQueries: r.u8('numQueries'), foldingArity: r.u8('foldingArity'), logFinalPolyLen: r.u8('logFinalPolyLen'), powBits: r.u8('powBits') };
  let options: ProofOptions;
  try {
    options = proofOptions(raw);
  } catch (e) {
    r.fail(`options: ${(e as Error).message}`, optAt);
  }
  const nTables = r.count(8, 'table count', 6);
  if (nTables === 0) r.fail('a proof has at least one table');
  const tables: TableProof[] = [];
  for (let i = 0; i < nTables; i++) {
    const nameLen = r.count(8, 'table name length', 1, 64);
    const nameAt = r.offset;
    let name = "";
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(r.bytes(nameLen, 'table name'));
    } catch (e) {
      if (e instanceof ProofFormatError) throw e;
      r.fail('table name is not UTF-8', nameAt);
    }
    const logHeight = r.u8('logHeight');
    if (logHeight < 1 || logHeight > 27) r.fail(`table ${name}: logHeight ${logHeight} out of range`, r.offset - 1);
    const nPub = r.count(16, 'public value count', 4);
    const publics = new Uint32Array(nPub);
    for (let j = 0; j < nPub; j++) publics[j] = r.felt('public value');
    const flag = r.u8('bus sum flag');
    if (flag > 1) r.fail('bus sum flag must be 0 or 1', r.offset - 1);
    const busSum = flag ? r.ext('bus sum') : null;
    tables.push({ name, logHeight, publics, busSum });
  }
  const main = r.digest('main root');
  const auxFlag = r.u8('aux flag');
  if (auxFlag > 1) r.fail('aux flag must be 0 or 1', r.offset - 1);
  const aux = auxFlag ? r.digest('aux root') : null;
  const quotient = r.digest('quotient root');
  const nRounds = r.count(8, 'opening rounds', 2, 8);
  const opened: Ext4[][][][] = [];
  for (let i = 0; i < nRounds; i++) {
    const nMat = r.count(16, 'opened matrices', 1);
    const round: Ext4[][][] = [];
    for (let j = 0; j < nMat; j++) {
      const nPts = r.count(8, 'opening points', 2);
      const m: Ext4[][] = [];
      for (let k = 0; k < nPts; k++) {
        const nCols = r.count(16, 'opened columns', 16);
        const pt: Ext4[] = [];
        for (let c = 0; c < nCols; c++) pt.push(r.ext('opened value'));
        m.push(pt);
      }
      round.push(m);
    }
    opened.push(round);
  }
  const pcs = decodePcsProof(r);
  if (r.remaining !== 0) r.fail(`${r.remaining} unexpected bytes after the proof`);
  // Checked last, so that a truncated or reshaped file gets the more precise reason above.
  const sum = blake3(body).subarray(0, CHECKSUM_BYTES);
  for (let i = 0; i < CHECKSUM_BYTES; i++) {
    if (bytes[body.length + i] !== sum[i]) throw new ProofFormatError('checksum mismatch: the file is damaged', body.length);
  }
  return { version, options: options!, hasher, tables, roots: { main, aux, quotient }, opened, pcs };
}
