/**
 * guest/build.ts: which file a source argument means, and that every kind builds to the same
 * Program (a .ts guest, its .wasm, and the .zkvm file encoded from it share one digest).
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildProgram, buildWasm, EXAMPLES_DIR, GuestSourceError, resolveGuest } from '../../guest/build.ts';
import { encodeProgram } from '../../vm/program.ts';

const dir = mkdtempSync(join(tmpdir(), 'zkvm-build-'));
const GUEST = 'import { commitU32 } from "zkvm-sdk";\nexport function main(): void { commitU32(7); }\n';

describe('resolveGuest', () => {
  it('tells programs, modules, AssemblyScript files and guest folders apart', async () => {
    writeFileSync(join(dir, 'a.zkvm'), 'x');
    writeFileSync(join(dir, 'b.wasm'), 'x');
    writeFileSync(join(dir, 'c.ts'), GUEST);
    mkdirSync(join(dir, 'd', 'assembly'), { recursive: true });
    writeFileSync(join(dir, 'd', 'assembly', 'index.ts'), GUEST);
    expect(await resolveGuest(join(dir, 'a.zkvm'))).toEqual({ kind: 'program', path: join(dir, 'a.zkvm'), name: 'a' });
    expect(await resolveGuest(join(dir, 'b.wasm'))).toEqual({ kind: 'wasm', path: join(dir, 'b.wasm'), name: 'b' });
    expect(await resolveGuest(join(dir, 'c.ts'))).toEqual({ kind: 'assemblyscript', path: join(dir, 'c.ts'), name: 'c' });
    expect(await resolveGuest(join(dir, 'd'))).toEqual({ kind: 'assemblyscript', path: join(dir, 'd', 'assembly', 'index.ts'), name: 'd' });
    expect(await resolveGuest(join(dir, 'd', 'assembly', 'index.ts'))).toMatchObject({ name: 'd' });
  });
  it('finds examples/NAME from any working directory', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await resolveGuest('examples/sha256')).toEqual({ kind: 'assemblyscript', path: join(EXAMPLES_DIR, 'sha256', 'assembly', 'index.ts'), name: 'sha256' });
    } finally {
      process.chdir(cwd);
    }
  });
  it('refuses what it cannot build, saying why', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'x');
    mkdirSync(join(dir, 'empty'), { recursive: true });
    await expect(resolveGuest('examples/unknown-thing')).rejects.toThrow(/unknown example 'unknown-thing' \(known: fibonacci, matmul, mlp, sha256, sort\)/);
    await expect(resolveGuest(join(dir, 'notes.txt'))).rejects.toThrow(/unknown kind of file/);
    await expect(resolveGuest(join(dir, 'empty'))).rejects.toThrow(/needs assembly\/index\.ts/);
    await expect(resolveGuest(join(dir, 'missing.ts'))).rejects.toBeInstanceOf(GuestSourceError);
    await expect(resolveGuest('')).rejects.toBeInstanceOf(TypeError);
  });
});

describe('buildProgram', () => {
  it('gives one digest for a guest, its .wasm and its .zkvm', async () => {
    const ts = join(dir, 'seven.ts');
    writeFileSync(ts, GUEST);
    const fromTs = await buildProgram(ts, { cacheDir: null });
    const wasm = join(dir, 'seven.wasm');
    writeFileSync(wasm, await buildWasm(ts, { cacheDir: null }));
    const fromWasm = await buildProgram(wasm);
    const zkvm = join(dir, 'seven.zkvm');
    writeFileSync(zkvm, encodeProgram(fromTs));
    const fromFile = await buildProgram(resolve(zkvm));
    expect(fromWasm.digest).toBe(fromTs.digest);
    expect(fromFile.digest).toBe(fromTs.digest);
    expect(fromTs.name).toBe('seven');
    await expect(buildWasm(zkvm)).rejects.toThrow(/has no WebAssembly module/);
  });
});
