/**
 * The `zkvm` command: build and run examples, --json shapes, and every failure as a non-zero exit
 * with one line on stderr and no stack trace. Most cases call `runCli` in-process; a few spawn
 * bin/zkvm.js as a user would (each spawn costs seconds: tsx and binaryen start-up).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import * as fib from '../../examples/fibonacci/input.ts';
import { FAULTY_GUEST, FLOAT_GUEST, NO_ENTRY_GUEST, SUM_GUEST, UNKNOWN_IMPORT_GUEST, u32le } from '../examples/_guests.ts';
import { compileAssemblyScriptSource } from '../../guest/asc.ts';
import { CACHE_DIR } from '../examples/_harness.ts';
import { runCli } from '../../cli/cli.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'zkvm.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** In-process run of one command line. */
async function zkvm(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The real command in a child process. */
function spawnZkvm(...args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: resolve(import.meta.dirname, '..', '..'), timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A failed command: non-zero exit, exactly one line on stderr, no host stack trace. */
function expectOneLineFailure(r: CliResult, pattern: RegExp, code = 1): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l.trim().length > 0 && !l.startsWith('npm warn'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^zkvm: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('zkvm CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkvm-cli-'));
  const file = (name: string, bytes?: Uint8Array | string): string => {
    const p = join(dir, name);
    if (bytes !== undefined) writeFileSync(p, bytes);
    return p;
  };
  let fibProgram: string;
  let faultyProgram: string;

  beforeAll(async () => {
    fibProgram = file('fib.zkvm');
    faultyProgram = file('faulty.zkvm');
    file('faulty.ts', FAULTY_GUEST);
    const [a, b] = await Promise.all([zkvm('build', 'examples/fibonacci', '-o', fibProgram, '--json'), zkvm('build', file('faulty.ts'), '-o', faultyProgram)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const info = JSON.parse(a.stdout) as { program: string; digest: string; instructions: number };
    expect(info.program).toBe(fibProgram);
    expect(info.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(info.instructions).toBeGreaterThan(0);
    expect(b.stdout).toMatch(/^built .*faulty\.zkvm\n/);
  });

  it('as a process: runs a program, and a failing run exits 1 with one line on stderr', async () => {
    const [ok, panic, usage] = await Promise.all([
      spawnZkvm('run', fibProgram, '--input-hex', '0a000000', '--json'),
      spawnZkvm('run', faultyProgram, '--input-hex', Buffer.from(u32le(0)).toString('hex')),
      spawnZkvm('--bogus-command'),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { output: string }).output).toBe('3700000000000000');
    expectOneLineFailure(panic, /mode zero is not allowed/);
    expectOneLineFailure(usage, /unknown command '--bogus-command'/, 2);
  });

  it('prints help for the tool and for each command', async () => {
    const [top, run, bare] = await Promise.all([zkvm('--help'), zkvm('run', '--help'), zkvm()]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: zkvm <command>');
    expect(top.code).toBe(0);
    for (const c of ['build', 'run', 'bench']) expect(top.stdout).toContain(`  ${c} `);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--max-cycles N');
  });

  it('runs a built program: output as hex, cycles, and the --json object', async () => {
    expect(existsSync(fibProgram)).toBe(true);
    const input = file('n10.bin', fib.encodeInput(10));
    const [text, json] = await Promise.all([zkvm('run', fibProgram, '--input', input), zkvm('run', fibProgram, '--input', input, '--json')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^output: 3700000000000000\ncycles: \d+/);
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout) as { output: string; cycles: number; cyclesByClass: Record<string, number>; memoryBytes: number };
    expect(r.memoryBytes % 65536).toBe(0);
    expect(r.output).toBe('3700000000000000');
    expect(r.cycles).toBeGreaterThan(10);
    expect(Object.values(r.cyclesByClass).reduce((s, n) => s + n, 0)).toBe(r.cycles);
  });

  it('builds a .wasm module and runs it with private and public input files', async () => {
    const wasmFile = file('sum.wasm', await compileAssemblyScriptSource(SUM_GUEST, { cacheDir: CACHE_DIR }));
    const program = file('sum.zkvm');
    const built = await zkvm('build', wasmFile, '-o', program);
    expect(built.code, built.stderr).toBe(0);
    const pub = file('pub.bin', Uint8Array.from([...u32le(0xfffffffe), 0xab, 0xcd]));
    const [fromProgram, fromWasm] = await Promise.all([
      zkvm('run', program, '--input', file('priv.bin', u32le(5)), '--public-input', pub, '--json'),
      zkvm('run', wasmFile, '--input-hex', '05000000', '--public-input', pub, '--json'),
    ]);
    expect(fromProgram.code, fromProgram.stderr).toBe(0);
    expect((JSON.parse(fromProgram.stdout) as { output: string }).output).toBe('03000000abcd');
    const withoutTime = (text: string) => {
      const { runMs, ...rest } = JSON.parse(text) as Record<string, unknown>;
      expect(runMs).toBeTypeOf('number');
      return rest;
    };
    expect(withoutTime(fromWasm.stdout)).toEqual(withoutTime(fromProgram.stdout));
  });

  it('disassembles a program with its function names', async () => {
    const r = await zkvm('disasm', fibProgram);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('index/main');
    expect(r.stdout).toMatch(/\bhalt\b/);
  });

  it('builds and runs an example in one step', async () => {
    const msg = new TextEncoder().encode('hello, zkvm');
    const r = await zkvm('run', 'examples/sha256', '--input', file('msg.bin', msg), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { output: string }).output).toBe(Buffer.from(sha256(msg)).toString('hex'));
  });

  it('a panic exits 1 with the guest message and its location', async () => {
    const [panic, assert] = await Promise.all([
      zkvm('run', faultyProgram, '--input-hex', Buffer.from(u32le(0)).toString('hex')),
      zkvm('run', faultyProgram, '--input-hex', Buffer.from(u32le(3)).toString('hex')),
    ]);
    expectOneLineFailure(panic, /mode zero is not allowed/);
    expectOneLineFailure(assert, /mode three fails an assert at faulty\.ts:\d+:\d+/);
  });

  it('a division by zero and an out-of-bounds load exit 1 with the trap', async () => {
    const [div, oob] = await Promise.all([
      zkvm('run', faultyProgram, '--input-hex', Buffer.from(u32le(1, 0)).toString('hex')),
      zkvm('run', faultyProgram, '--input-hex', Buffer.from(u32le(2, 0xfffffff0)).toString('hex')),
    ]);
    expectOneLineFailure(div, /integer divide by zero/);
    expectOneLineFailure(oob, /out of bounds/);
  });

  it('a cycle limit exits 1 naming the limit', async () => {
    const r = await zkvm('run', fibProgram, '--input', file('big.bin', fib.encodeInput(100000)), '--max-cycles', '500');
    expectOneLineFailure(r, /cycle limit of 500/);
  });

  it('refuses bad sources and bad command lines with one line', async () => {
    const [unknownExample, garbage, badFlag, badNumber, float, unknownImport, noEntry] = await Promise.all([
      zkvm('run', 'examples/nope'),
      zkvm('run', file('garbage.zkvm', 'not a program at all')),
      zkvm('run', fibProgram, '--frobnicate'),
      zkvm('run', fibProgram, '--max-cycles', 'lots'),
      zkvm('build', file('float.ts', FLOAT_GUEST), '-o', file('float.zkvm')),
      zkvm('run', file('import.ts', UNKNOWN_IMPORT_GUEST)),
      zkvm('build', file('noentry.ts', NO_ENTRY_GUEST)),
    ]);
    expectOneLineFailure(unknownExample, /unknown example 'nope' \(known: fibonacci, matmul, mlp, sha256, sort\)/);
    expectOneLineFailure(garbage, /malformed program/);
    expectOneLineFailure(badFlag, /--frobnicate/, 2);
    expectOneLineFailure(badNumber, /--max-cycles expects a positive integer/, 2);
    expectOneLineFailure(float, /f(32|64)/);
    expectOneLineFailure(unknownImport, /env\.host_time/);
    expectOneLineFailure(noEntry, /"main" or "_start"/);
    expect(existsSync(join(dir, 'float.zkvm'))).toBe(false);
    expect(readFileSync(fibProgram).length).toBeGreaterThan(0);
  });

  it('bench fib prints the STARK figures as one JSON object', async () => {
    const [ok, tooBig] = await Promise.all([zkvm('bench', 'fib', '--log-rows', '6', '--json'), zkvm('bench', 'fib', '--log-rows', '40')]);
    expect(ok.code, ok.stderr).toBe(0);
    const r = JSON.parse(ok.stdout) as Record<string, number>;
    expect(r.rows).toBe(64);
    for (const k of ['proveMs', 'verifyMs', 'proofBytes', 'securityBits', 'peakMemoryBytes']) expect(r[k], k).toBeGreaterThan(0);
    expectOneLineFailure(tooBig, /--log-rows must be at most 27/, 2);
  });
});
