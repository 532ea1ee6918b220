/**
 * The Program image: bytecode, data segments, globals, function table, entry point, memory size,
 * and its digest, plus the versioned `.zkvm` file format.
 *
 * The canonical encoding is the file format itself (little-endian, length-prefixed, no optional
 * parts), so `digest = BLAKE3(encodeProgram(p))` and decoding then re-encoding gives the same bytes.
 * The digest is what a verifier is given to know which program was proved. Every field is
 * validated on decode and when a Program is built, so the executor may trust a Program's operands.
 *
 * Layout (all integers u32 LE unless noted):
 *   magic "ZKVM" | version | name | entry | initialPages | maxPages
 *   | nCode, code words (i32) | nData, (offset, len, bytes)* | nGlobals, words (i32)
 *   | nTypes, type strings | nFuncs, (name, entry, end, frameSize, typeId, paramSlots, resultSlots)*
 *   | nTable, entries (i32, -1 = null)
 * Strings are a u32 byte length and UTF-8 bytes.
 * @module
 */
import { ByteWriter } from '../prover/bytes.ts';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { INSTR_WORDS, ISA, PAGE_SIZE, TRAP_KINDS } from './isa.ts';

export const PROGRAM_MAGIC = 'ZKVM';
export const PROGRAM_VERSION = 1;
/** WebAssembly's limit on 32-bit memories. */
export const MAX_PAGES = 65536;
/** Largest slot index an instruction may name (keeps the CPU table's operand columns small). */
export const MAX_SLOT = (1 << 20) - 1;

export interface FunctionInfo {
  /** The WASM function name (debug info; it is part of the digest). */
  readonly name: string;
  /** First instruction. */
  readonly entry: number;
  /** One past the last instruction. */
  readonly end: number;
  /** Slots the frame uses (link, params, locals, temporaries); callees start after it. */
  readonly frameSize: number;
  /** Signature id, index into `Program.types`. */
  readonly typeId: number;
  readonly paramSlots: number;
  readonly resultSlots: number;
}

export interface DataSegment {
  /** Heap byte address. */
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface Program {
  readonly name: string;
  /** `INSTR_WORDS` words per instruction: op, a, b, c. */
  readonly code: Int32Array;
  /** pc where the run starts (the compiler's entry stub: start function, main, halt). */
  readonly entry: number;
  readonly memory: { readonly initialPages: number; readonly maxPages: number };
  /** Active data segments, applied in order before the run. */
  readonly data: readonly DataSegment[];
  /** Initial values of the global slots (absolute slots 0..n-1; an i64 global takes two). */
  readonly globals: Int32Array;
  /** Signature strings by type id, e.g. `i32,i64->i32`. */
  readonly types: readonly string[];
  readonly functions: readonly FunctionInfo[];
  /** The indirect-call table: function index per entry, -1 for null. */
  readonly table: Int32Array;
  /** Hex BLAKE3 of the canonical encoding. */
  readonly digest: string;
}

/** A `.zkvm` file (or a Program being built) is malformed; `offset` is the byte where it was noticed. */
export class ProgramFormatError extends Error {
  override readonly name = 'ProgramFormatError';
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? `malformed program: ${message}` : `malformed program at byte ${offset}: ${message}`);
  }
}

export type ProgramFields = Omit<Program, 'digest'>;

/** Builds a Program from its fields: validates them and computes the digest. */
export function makeProgram(fields: ProgramFields): Program {
  validateProgram(fields);
  const p: Program = { ...fields, digest: '' };
  return Object.freeze({ ...p, digest: programDigest(p) });
}

/** Hex BLAKE3 of the canonical encoding. */
export function programDigest(p: ProgramFields): string {
  return bytesToHex(blake3(encodeBody(p)));
}

/** The `.zkvm` bytes of a Program. */
export function encodeProgram(p: Program): Uint8Array {
  return encodeBody(p);
}


function encodeBody(p: ProgramFields): Uint8Array {
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode(PROGRAM_MAGIC));
  w.u32(PROGRAM_VERSION);
  w.str(p.name);
  w.u32(p.entry);
  w.u32(p.memory.initialPages);
  w.u32(p.memory.maxPages);
  w.u32(p.code.length).i32s(p.code);
  w.u32(p.data.length);
  for (const d of p.data) {
    w.u32(d.offset);
    w.u32(d.bytes.length);
    w.bytes(d.bytes);
  }
  w.u32(p.globals.length).i32s(p.globals);
  w.u32(p.types.length);
  for (const t of p.types) w.str(t);
  w.u32(p.functions.length);
  for (const f of p.functions) {
    w.str(f.name);
    for (const v of [f.entry, f.end, f.frameSize, f.typeId, f.paramSlots, f.resultSlots]) w.u32(v);
  }
  w.u32(p.table.length).i32s(p.table);
  return w.finish();
}

class Reader {
  private readonly view: DataView;
  pos = 0;
  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(n: number, what: string): void {
    if (n > this.b.length - this.pos) throw new ProgramFormatError(`truncated ${what}`, this.pos);
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  count(what: string, elemBytes: number): number {
    const n = this.u32(what);
    if (n * elemBytes > this.b.length - this.pos) throw new ProgramFormatError(`${what} count ${n} exceeds the file`, this.pos - 4);
    return n;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  str(what: string): string {
    const n = this.count(what, 1);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(n, what));
    } catch (e) {
      if (e instanceof ProgramFormatError) throw e;
      throw new ProgramFormatError(`${what} is not valid UTF-8`, this.pos - n);
    }
  }
  words(what: string): Int32Array {
    const n = this.count(what, 4);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getInt32(this.pos + 4 * i, true);
    this.pos += 4 * n;
    return out;
  }
}

/** Parses and validates `.zkvm` bytes; throws ProgramFormatError on anything malformed. */
export function decodeProgram(bytes: Uint8Array): Program {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeProgram: bytes must be a Uint8Array');
  const r = new Reader(bytes);
  const magic = r.bytes(4, 'magic');
  if (new TextDecoder().decode(magic) !== PROGRAM_MAGIC) throw new ProgramFormatError('not a .zkvm file (bad magic number)', 0);
  const version = r.u32('version');
  if (version !== PROGRAM_VERSION) throw new ProgramFormatError(`unsupported version ${version} (this build reads ${PROGRAM_VERSION})`, 4);
  const name = r.str('name');
  const entry = r.u32('entry');
  const initialPages = r.u32('initial pages');
  const maxPages = r.u32('max pages');
  const code = r.words('code');
  const nData = r.count('data segments', 8);
  const data: DataSegment[] = [];
  for (let i = 0; i < nData; i++) {
    const offset = r.u32('data offset');
    const len = r.count('data length', 1);
    data.push({ offset, bytes: r.bytes(len, 'data bytes') });
  }
  const globals = r.words('globals');
  const nTypes = r.count('types', 4);
  const types: string[] = [];
  for (let i = 0; i < nTypes; i++) types.push(r.str('type'));
  const nFuncs = r.count('functions', 28);
  const functions: FunctionInfo[] = [];
  for (let i = 0; i < nFuncs; i++) {
    const fname = r.str('function name');
    const [fe, fend, frameSize, typeId, paramSlots, resultSlots] = [0, 0, 0, 0, 0, 0].map(() => r.u32('function')) as [number, number, number, number, number, number];
    functions.push({ name: fname, entry: fe, end: fend, frameSize, typeId, paramSlots, resultSlots });
  }
  const table = r.words('table');
  if (r.pos !== bytes.length) throw new ProgramFormatError(`${bytes.length - r.pos} trailing bytes`, r.pos);
  return makeProgram({ name, code, entry, memory: { initialPages, maxPages }, data, globals, types, functions, table });
}

/** Checks every field and every instruction operand; throws ProgramFormatError naming the first fault. */
export function validateProgram(p: ProgramFields): void {
  const fail = (m: string): never => {
    throw new ProgramFormatError(m);
  };
  const { initialPages, maxPages } = p.memory;
  if (!(initialPages <= maxPages && maxPages <= MAX_PAGES)) fail(`memory pages initial ${initialPages} max ${maxPages} (limit ${MAX_PAGES})`);
  if (p.code.length % INSTR_WORDS !== 0) fail('code length is not a whole number of instructions');
  const nInstr = p.code.length / INSTR_WORDS;
  // A call's link holds the return pc in 16 bits (vm/isa.ts, Calls).
  if (nInstr > 0xffff) fail(`${nInstr} instructions: code is limited to 65535`);
  if (!(p.entry < nInstr)) fail(`entry ${p.entry} outside the code (${nInstr} instructions)`);
  const heapBytes = initialPages * PAGE_SIZE;
  for (const [i, d] of p.data.entries()) {
    if (d.offset + d.bytes.length > heapBytes) fail(`data segment ${i} [${d.offset}, +${d.bytes.length}) outside the initial memory`);
  }
  const nFuncs = p.functions.length;
  for (const [i, f] of p.functions.entries()) {
    if (!(f.entry < f.end && f.end <= nInstr)) fail(`function ${i} (${f.name}) has code range [${f.entry}, ${f.end}) outside the code`);
    if (!(f.typeId < p.types.length)) fail(`function ${i} has type ${f.typeId} of ${p.types.length}`);
    if (!(f.frameSize <= MAX_SLOT && 1 + Math.max(f.paramSlots, f.resultSlots) <= f.frameSize && f.resultSlots <= 2)) {
      fail(`function ${i} (${f.name}) has an inconsistent frame (size ${f.frameSize}, ${f.paramSlots} param slots, ${f.resultSlots} result slots)`);
    }
  }
  for (let i = 0; i < p.table.length; i++) {
    const t = p.table[i]!;
    if (!(t >= -1 && t < nFuncs)) fail(`table entry ${i} names function ${t} of ${nFuncs}`);
  }
  const nGlobals = p.globals.length;
  for (let pc = 0; pc < nInstr; pc++) {
    const op = p.code[pc * INSTR_WORDS]!;
    const def = ISA[op];
    if (def === undefined) fail(`pc ${pc}: unknown opcode ${op}`);
    const d = def!;
    for (let k = 0; k < 3; k++) {
      const v = p.code[pc * INSTR_WORDS + 1 + k]!;
      const kind = d.operands[k];
      const bad = (why: string): never => fail(`pc ${pc} (${d.mnemonic}): operand ${'abc'[k]} = ${v} ${why}`);
      switch (kind) {
        case 'none':
          if (v !== 0) bad('must be 0');
          break;
        case 'dst': case 'src':
          if (!(v >= 0 && v <= MAX_SLOT)) bad('is not a slot');
          break;
        case 'dst64': case 'src64':
          if (!(v >= 0 && v + 1 <= MAX_SLOT)) bad('is not a slot pair');
          break;
        case 'src3':
          if (!(v >= 0 && v + 2 <= MAX_SLOT)) bad('is not a slot triple');
          break;
        case 'imm': case 'offset':
          break;
        case 'target':
          if (!(v >= 0 && v < nInstr)) bad('is not a pc in the code');
          break;
        case 'count':
          if (!(v >= 0 && p.code[pc * INSTR_WORDS + 2]! + v < nInstr)) bad('runs past the code');
          break;
        case 'func':
          if (!(v >= 0 && v < nFuncs)) bad('is not a function');
          break;
        case 'frame':
          if (!(v >= 0 && v <= 0xffff)) bad('is not a frame offset below 2^16');
          break;
        case 'type':
          if (!(v >= 0 && v < p.types.length)) bad('is not a type');
          break;
        case 'global':
          if (!(v >= 0 && v + (d.operands.includes('dst64') || d.operands.includes('src64') ? 1 : 0) < nGlobals)) bad('is not a global slot');
          break;
        case 'trap':
          if (!(v >= 0 && v < TRAP_KINDS.length)) bad('is not a trap kind');
          break;
      }
    }
  }
}
