/**
 * Failures a user meets, through the library: guests the compiler must refuse (with the function
 * and the operation or import named), and runs that end in a panic, a trap or a limit, each with
 * the error class, the guest function and the message the user needs, and the same outcome as in
 * Node's WebAssembly engine where Node has one.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { compileAssemblyScriptSource, INLINE_NAME } from '../../guest/asc.ts';
import { compileWasm, CompileError } from '../../guest/compiler/index.ts';
import { execute } from '../../vm/executor.ts';
import { CycleLimitError, GuestPanic, GuestTrap } from '../../vm/errors.ts';
import type { Program } from '../../vm/program.ts';
import * as fib from '../../examples/fibonacci/input.ts';
import { CACHE_DIR, comparableNodeOutcome, exampleProgram, outcomeInVm } from './_harness.ts';
import { FAULTY_GUEST, FLOAT_GUEST, NO_ENTRY_GUEST, UNKNOWN_IMPORT_GUEST, u32le } from './_guests.ts';

function compileError(wasm: Uint8Array): CompileError {
  try {
    compileWasm(wasm, { name: 'refused' });
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  throw new Error('the compiler accepted the module');
}

function failure(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected the run to fail');
}

describe('guests the compiler refuses', () => {
  it('a float guest, naming the function and the float operation', async () => {
    const err = compileError(await compileAssemblyScriptSource(FLOAT_GUEST, { cacheDir: CACHE_DIR }));
    // The first float operation found may be a conversion such as i32.trunc_sat_f64_u.
    expect(err.op).toMatch(/f(32|64)/);
    expect(err.func.length).toBeGreaterThan(0);
    expect(err.message).toContain(err.func);
    expect(err.message).toContain(err.op);
  });
  it('an unknown import, naming it', async () => {
    const err = compileError(await compileAssemblyScriptSource(UNKNOWN_IMPORT_GUEST, { cacheDir: CACHE_DIR }));
    expect(err.message).toContain('env.host_time');
  });
  it('a module without an entry point, naming main and _start', async () => {
    const err = compileError(await compileAssemblyScriptSource(NO_ENTRY_GUEST, { cacheDir: CACHE_DIR }));
    expect(err.message).toContain('"main"');
    expect(err.message).toContain('"_start"');
  });
});

describe('runs that fail', () => {
  let wasm: Uint8Array;
  let program: () => Program;
  beforeAll(async () => {
    wasm = await compileAssemblyScriptSource(FAULTY_GUEST, { cacheDir: CACHE_DIR });
    let cached: Program | undefined;
    program = () => (cached ??= compileWasm(wasm, { name: 'faulty' }));
  });
  const run = (input: Uint8Array) => failure(() => execute(program(), { input }));
  const sameAsNode = (input: Uint8Array) => expect(outcomeInVm(program(), { input })).toEqual(comparableNodeOutcome(wasm, { input }));

  it('succeeds in the mode that does not fail (the harness itself works)', () => {
    expect(execute(program(), { input: u32le(9) }).output).toEqual(u32le(7, 42));
    sameAsNode(u32le(9));
  });
  it('a panic carries the guest message and names the function', () => {
    const e = run(u32le(0));
    expect(e).toBeInstanceOf(GuestPanic);
    expect((e as GuestPanic).guestMessage).toBe('mode zero is not allowed');
    expect((e as GuestPanic).message).toContain('mode zero is not allowed');
    expect((e as GuestPanic).message).toContain((e as GuestPanic).func);
    sameAsNode(u32le(0));
  });
  it('a failed assert carries its source location', () => {
    const e = run(u32le(3)) as GuestPanic;
    expect(e).toBeInstanceOf(GuestPanic);
    expect(e.guestMessage).toMatch(new RegExp(`^mode three fails an assert at ${INLINE_NAME.replace('.', '\\.')}:\\d+:\\d+$`));
    const line = FAULTY_GUEST.split('\n').findIndex((l) => l.includes('assert(')) + 1;
    expect(e.location).toBe(`inline-guest.ts:${line}:3`);
    sameAsNode(u32le(3));
  });
  it('a division by zero is a div-by-zero trap', () => {
    const e = run(u32le(1, 0));
    expect(e).toBeInstanceOf(GuestTrap);
    expect((e as GuestTrap).kind).toBe('div-by-zero');
    expect((e as GuestTrap).message).toMatch(/integer divide by zero/);
    // The build keeps the name section, so the error names a source function, not 'funcN'.
    expect((e as GuestTrap).func).toMatch(/^inline-guest\/(main|divide)$/);
    expect((e as GuestTrap).message).toContain((e as GuestTrap).func);
    sameAsNode(u32le(1, 0));
    expect(execute(program(), { input: u32le(1, 7) }).output).toEqual(u32le(7, 14, 42));
  });
  it('an out-of-bounds load is an out-of-bounds trap', () => {
    const e = run(u32le(2, 0xfffffff0));
    expect(e).toBeInstanceOf(GuestTrap);
    expect((e as GuestTrap).kind).toBe('out-of-bounds');
    expect((e as GuestTrap).message).toMatch(/out of bounds/);
    sameAsNode(u32le(2, 0xfffffff0));
  });
  it('unreachable is an unreachable trap', () => {
    const e = run(u32le(4));
    expect(e).toBeInstanceOf(GuestTrap);
    expect((e as GuestTrap).kind).toBe('unreachable');
    sameAsNode(u32le(4));
  });
  it('a run past the cycle limit stops with the limit in the message', async () => {
    const fibProgram = await exampleProgram('fibonacci');
    const full = execute(fibProgram, { input: fib.encodeInput(5000) });
    const e = failure(() => execute(fibProgram, { input: fib.encodeInput(5000) }, { maxCycles: 1000 }));
    expect(e).toBeInstanceOf(CycleLimitError);
    expect((e as CycleLimitError).message).toContain('cycle limit of 1000');
    // A limit at or above the run's length does not stop it.
    expect(execute(fibProgram, { input: fib.encodeInput(5000) }, { maxCycles: full.cycles }).output).toEqual(full.output);
  });
});
