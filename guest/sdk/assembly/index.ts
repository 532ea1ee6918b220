/**
 * zkvm-sdk: what an AssemblyScript guest imports to talk to the zkVM host.
 *
 * The host offers four syscalls in the import module `zkvm` (docs/abi.md): `read` and
 * `read_public` copy bytes from the private and the public input streams, `commit` appends bytes to
 * the public output, and `panic` ends the run with a UTF-8 message. Everything here is a thin,
 * allocation-light layer over them; multi-byte values are little-endian, as WebAssembly memory is.
 *
 * Guests write `import { readU32, commitU32 } from "zkvm-sdk"`; the build step (guest/asc.ts)
 * resolves that name to this folder and routes AssemblyScript's `abort` (failed assert, bounds
 * check, explicit abort) to `zkvmAbort`, so the message and its source location reach the user.
 */

// @ts-ignore: decorator
@external("zkvm", "read")
declare function zkvmRead(ptr: usize, len: i32): i32;
// @ts-ignore: decorator
@external("zkvm", "read_public")
declare function zkvmReadPublic(ptr: usize, len: i32): i32;
// @ts-ignore: decorator
@external("zkvm", "commit")
declare function zkvmCommit(ptr: usize, len: i32): void;
// @ts-ignore: decorator
@external("zkvm", "panic")
declare function zkvmPanic(ptr: usize, len: i32): void;

/** Eight bytes of static scratch for scalar reads and commits: no allocation per value. */
const SCRATCH: usize = memory.data(8, 8);

/** Chunk size used when the guest asks for "the whole input" and its length is unknown. */
const CHUNK: i32 = 1024;

// ---------------------------------------------------------------------------------------------
// Raw access

/** Copies up to `len` bytes of private input to `ptr`; returns how many (0 at the end). */
export function readInto(ptr: usize, len: i32): i32 {
  return zkvmRead(ptr, len);
}

/** Copies up to `len` bytes of public input to `ptr`; returns how many (0 at the end). */
export function readPublicInto(ptr: usize, len: i32): i32 {
  return zkvmReadPublic(ptr, len);
}

/** Appends `len` bytes at `ptr` to the public output. */
export function commitRaw(ptr: usize, len: i32): void {
  zkvmCommit(ptr, len);
}

// ---------------------------------------------------------------------------------------------
// Panics

/** Ends the run as a guest panic carrying `message` to the host. Never returns. */
export function panic(message: string): void {
  const bytes = String.UTF8.encode(message);
  zkvmPanic(changetype<usize>(bytes), bytes.byteLength);
  unreachable();
}

/**
 * AssemblyScript's `abort`, routed here by the build step (`--use abort=...`). The compiler calls it
 * for failed asserts and out-of-range typed-array accesses, with the source file, line and column.
 */
export function zkvmAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  let text = message === null ? "abort" : message;
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  panic(text);
}

// ---------------------------------------------------------------------------------------------
// Private input

/** Fills `buf` with up to `buf.length` bytes of private input; returns how many were copied. */
export function read(buf: Uint8Array): i32 {
  return readLoop(false, buf.dataStart, buf.byteLength);
}

/** All the private input not read yet. */
export function readInput(): Uint8Array {
  return readAll(false);
}

/** Exactly `n` bytes of private input; panics if the input ends first. */
export function readBytes(n: i32): Uint8Array {
  const out = new Uint8Array(n);
  readExact(false, out.dataStart, n, "readBytes");
  return out;
}

/** `n` signed bytes of private input (an int8 tensor). */
export function readInt8Array(n: i32): Int8Array {
  const out = new Int8Array(n);
  readExact(false, out.dataStart, n, "readInt8Array");
  return out;
}

/** `n` little-endian i32 values of private input (an int32 tensor). */
export function readInt32Array(n: i32): Int32Array {
  const out = new Int32Array(n);
  readExact(false, out.dataStart, n << 2, "readInt32Array");
  return out;
}

/** `n` little-endian u32 values of private input. */
export function readUint32Array(n: i32): Uint32Array {
  const out = new Uint32Array(n);
  readExact(false, out.dataStart, n << 2, "readUint32Array");
  return out;
}

/** One byte of private input; panics at the end of the input. */
export function readU8(): u8 {
  readExact(false, SCRATCH, 1, "readU8");
  return load<u8>(SCRATCH);
}

/** A little-endian u32 of private input; panics if fewer than 4 bytes remain. */
export function readU32(): u32 {
  readExact(false, SCRATCH, 4, "readU32");
  return load<u32>(SCRATCH);
}

/** A little-endian i32 of private input. */
export function readI32(): i32 {
  readExact(false, SCRATCH, 4, "readI32");
  return load<i32>(SCRATCH);
}

/** A little-endian u64 of private input. */
export function readU64(): u64 {
  readExact(false, SCRATCH, 8, "readU64");
  return load<u64>(SCRATCH);
}

// ---------------------------------------------------------------------------------------------
// Public input (bound into the proof, seen by the verifier)

/** Fills `buf` with up to `buf.length` bytes of public input; returns how many were copied. */
export function readPublic(buf: Uint8Array): i32 {
  return readLoop(true, buf.dataStart, buf.byteLength);
}

/** All the public input not read yet. */
export function readPublicInput(): Uint8Array {
  return readAll(true);
}

/** Exactly `n` bytes of public input; panics if it ends first. */
export function readPublicBytes(n: i32): Uint8Array {
  const out = new Uint8Array(n);
  readExact(true, out.dataStart, n, "readPublicBytes");
  return out;
}

/** A little-endian u32 of public input. */
export function readPublicU32(): u32 {
  readExact(true, SCRATCH, 4, "readPublicU32");
  return load<u32>(SCRATCH);
}

// ---------------------------------------------------------------------------------------------
// Public output

/** Appends `bytes` to the public output. */
export function commit(bytes: Uint8Array): void {
  zkvmCommit(bytes.dataStart, bytes.byteLength);
}

/** Appends one byte. */
export function commitU8(x: u8): void {
  store<u8>(SCRATCH, x);
  zkvmCommit(SCRATCH, 1);
}

/** Appends a little-endian u32. */
export function commitU32(x: u32): void {
  store<u32>(SCRATCH, x);
  zkvmCommit(SCRATCH, 4);
}

/** Appends a little-endian i32. */
export function commitI32(x: i32): void {
  store<i32>(SCRATCH, x);
  zkvmCommit(SCRATCH, 4);
}

/** Appends a little-endian u64. */
export function commitU64(x: u64): void {
  store<u64>(SCRATCH, x);
  zkvmCommit(SCRATCH, 8);
}

/** Appends the values as little-endian i32s. */
export function commitInt32Array(a: Int32Array): void {
  zkvmCommit(a.dataStart, a.byteLength);
}

/** Appends the values as little-endian u32s. */
export function commitUint32Array(a: Uint32Array): void {
  zkvmCommit(a.dataStart, a.byteLength);
}

/** Appends the values as signed bytes. */
export function commitInt8Array(a: Int8Array): void {
  zkvmCommit(a.dataStart, a.byteLength);
}

/** Appends the UTF-8 encoding of `s` (no terminator, no length prefix). */
export function commitString(s: string): void {
  const bytes = String.UTF8.encode(s);
  zkvmCommit(changetype<usize>(bytes), bytes.byteLength);
}

// ---------------------------------------------------------------------------------------------
// Internals

/** The host may return fewer bytes than asked before the end, so loop until full or 0. */
function readLoop(isPublic: bool, ptr: usize, len: i32): i32 {
  let got = 0;
  while (got < len) {
    const n = isPublic ? zkvmReadPublic(ptr + <usize>got, len - got) : zkvmRead(ptr + <usize>got, len - got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

function readExact(isPublic: bool, ptr: usize, len: i32, what: string): void {
  if (len < 0) panic(what + ": negative length " + len.toString());
  const got = readLoop(isPublic, ptr, len);
  if (got != len) {
    panic(what + ": " + (isPublic ? "public" : "private") + " input ended after " + got.toString() + " of " + len.toString() + " bytes");
  }
}

function readAll(isPublic: bool): Uint8Array {
  let cap = CHUNK;
  let buf = new Uint8Array(cap);
  let len = 0;
  while (true) {
    if (len == cap) {
      const bigger = new Uint8Array(cap << 1);
      memory.copy(bigger.dataStart, buf.dataStart, <usize>len);
      buf = bigger;
      cap <<= 1;
    }
    const n = isPublic
      ? zkvmReadPublic(buf.dataStart + <usize>len, cap - len)
      : zkvmRead(buf.dataStart + <usize>len, cap - len);
    if (n <= 0) break;
    len += n;
  }
  return buf.subarray(0, len);
}
