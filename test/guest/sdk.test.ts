/**
 * The guest SDK and the AssemblyScript build step, checked in Node's WebAssembly engine (the
 * reference host): every helper reads and commits the documented little-endian layout, panics and
 * aborts reach the host with their message and location, and `zkvm-sdk` resolves from anywhere.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAssemblyScript, compileAssemblyScriptSource, GuestBuildError } from '../../guest/asc.ts';
import { runInNode } from '../examples/_node-host.ts';
import { CACHE_DIR, comparableNodeOutcome, outcomeInVm } from '../examples/_harness.ts';
import { compileWasm } from '../../guest/compiler/index.ts';

const ECHO = `
import { readU32, readI32, readU64, readU8, readInt8Array, readInt32Array, readUint32Array, readBytes, readInput,
  readPublicU32, readPublicInput, commitU32, commitI32, commitU64, commitU8, commitInt8Array, commitInt32Array,
  commitUint32Array, commit, commitString } from "zkvm-sdk";
export function main(): void {
  // Layout: u8 tag, u32, i32, u64, u32 n, int8[n], u32 m, int32[m], u32 q, u32[q], u32 r, bytes[r], rest.
  commitU8(readU8());
  commitU32(readU32());
  commitI32(readI32());
  commitU64(readU64());
  commitInt8Array(readInt8Array(<i32>readU32()));
  commitInt32Array(readInt32Array(<i32>readU32()));
  commitUint32Array(readUint32Array(<i32>readU32()));
  commit(readBytes(<i32>readU32()));
  const rest = readInput();
  commitU32(rest.length);
  commit(rest);
  commitU32(readPublicU32());
  commit(readPublicInput());
  commitString("é!");
}
`;

function le32(x: number): number[] {
  return [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
}

describe('guest SDK in the reference host', () => {
  let echo: Uint8Array;
  beforeAll(async () => {
    echo = await compileAssemblyScriptSource(ECHO, { cacheDir: CACHE_DIR });
  });

  it('imports only zkvm syscalls and exports main and memory', () => {
    const mod = new WebAssembly.Module(echo as Uint8Array<ArrayBuffer>);
    for (const imp of WebAssembly.Module.imports(mod)) {
      expect(imp.module).toBe('zkvm');
      expect(['read', 'read_public', 'commit', 'panic']).toContain(imp.name);
    }
    expect(WebAssembly.Module.exports(mod).map((e) => e.name).sort()).toEqual(['main', 'memory']);
  });

  it('reads and commits every typed value in little-endian order, whole inputs of any length', () => {
    fc.assert(
      fc.property(
        fc.record({
          tag: fc.integer({ min: 0, max: 255 }),
          u: fc.integer({ min: 0, max: 0xffffffff }),
          i: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
          big: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          i8s: fc.array(fc.integer({ min: -128, max: 127 }), { maxLength: 20 }),
          i32s: fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { maxLength: 10 }),
          u32s: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 10 }),
          bytes: fc.uint8Array({ maxLength: 20 }),
          // Longer than the SDK's 1024-byte chunk, so readInput has to grow its buffer.
          rest: fc.uint8Array({ maxLength: 3000 }),
          pub: fc.uint8Array({ maxLength: 40 }),
          pubWord: fc.integer({ min: 0, max: 0xffffffff }),
        }),
        (v) => {
          const u64 = Array.from({ length: 8 }, (_, k) => Number((v.big >> BigInt(8 * k)) & 0xffn));
          const input = Uint8Array.from([
            v.tag, ...le32(v.u), ...le32(v.i), ...u64,
            ...le32(v.i8s.length), ...v.i8s.map((x) => x & 0xff),
            ...le32(v.i32s.length), ...v.i32s.flatMap(le32),
            ...le32(v.u32s.length), ...v.u32s.flatMap(le32),
            ...le32(v.bytes.length), ...v.bytes,
            ...v.rest,
          ]);
          const publicInput = Uint8Array.from([...le32(v.pubWord), ...v.pub]);
          const r = runInNode(echo, { input, publicInput });
          expect(r.ok).toBe(true);
          const expected = Uint8Array.from([
            v.tag, ...le32(v.u), ...le32(v.i), ...u64,
            ...v.i8s.map((x) => x & 0xff),
            ...v.i32s.flatMap(le32),
            ...v.u32s.flatMap(le32),
            ...v.bytes,
            ...le32(v.rest.length), ...v.rest,
            ...le32(v.pubWord), ...v.pub,
            0xc3, 0xa9, 0x21,
          ]);
          expect(Buffer.from(r.output).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('behaves the same in the VM as in Node, public input included', () => {
    const program = compileWasm(echo, { name: 'sdk-echo' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 40 }), (input, publicInput) => {
        expect(outcomeInVm(program, { input, publicInput })).toEqual(comparableNodeOutcome(echo, { input, publicInput }));
      }),
      { numRuns: 30 },
    );
    const input = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 8]);
    const vm = outcomeInVm(program, { input, publicInput: Uint8Array.from([5, 0, 0, 0, 77]) });
    expect(vm.kind).toBe('ok');
    expect(vm).toEqual(comparableNodeOutcome(echo, { input, publicInput: Uint8Array.from([5, 0, 0, 0, 77]) }));
  });

  it('panics with a message naming the helper when the input is too short', () => {
    const r = runInNode(echo, { input: Uint8Array.from([7, 1, 2]) });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.panic).toBe('readU32: private input ended after 2 of 4 bytes');
    expect(Array.from(r.output)).toEqual([7]);
  });

  it('panic() and a failed assert reach the host with message and source location', async () => {
    const wasm = await compileAssemblyScriptSource(`
import { readU32, panic } from "zkvm-sdk";
export function main(): void {
  const x = readU32();
  if (x == 1) panic("custom failure " + x.toString());
  assert(x != 2, "x must not be 2");
  const a = new Uint8Array(4);
  a[x] = 1;
}`);
    const run = (x: number) => runInNode(wasm, { input: Uint8Array.from(le32(x)) });
    expect(run(0).ok).toBe(true);
    expect(run(1)).toMatchObject({ ok: false, panic: 'custom failure 1' });
    expect(run(2)).toMatchObject({ ok: false, panic: 'x must not be 2 at inline-guest.ts:6:3' });
    const oob = run(9);
    expect(oob.ok).toBe(false);
    expect(!oob.ok && oob.panic).toMatch(/^Index out of range at ~lib\/typedarray\.ts:\d+:\d+$/);
  });
});

describe('AssemblyScript build step', () => {
  it('links the abort handler even into a guest that does not import the SDK', async () => {
    const wasm = await compileAssemblyScriptSource('export function main(): void { const a = new Int32Array(2); a[3] = 1; }');
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
    expect(imports.map((i) => `${i.module}.${i.name}`)).toEqual(['zkvm.panic']);
    expect(runInNode(wasm)).toMatchObject({ ok: false, panic: expect.stringMatching(/^Index out of range at /) });
  });

  it('resolves zkvm-sdk for a guest outside the repository, with relative imports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkvm-guest-'));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'twice.ts'), 'export function twice(x: u32): u32 { return x * 2; }\n');
    writeFileSync(join(dir, 'guest.ts'), 'import { readU32, commitU32 } from "zkvm-sdk";\nimport { twice } from "./lib/twice";\nexport function main(): void { commitU32(twice(readU32())); }\n');
    const wasm = await compileAssemblyScript(join(dir, 'guest.ts'));
    expect(runInNode(wasm, { input: Uint8Array.from(le32(21)) })).toMatchObject({ ok: true, output: Uint8Array.from(le32(42)) });
  });

  it('reports a compile error with the file, the line and the compiler message', async () => {
    const err = await compileAssemblyScriptSource('export function main(): void {\n  let x: i32 = notDefined;\n}').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestBuildError);
    expect((err as GuestBuildError).message).toMatch(/cannot compile inline-guest\.ts: ERROR TS2304: Cannot find name 'notDefined'\. \(inline-guest\.ts\(2,16\)\)/);
  });

  it('reuses a cached module only while every source it read is unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkvm-cache-'));
    const file = join(dir, 'g.ts');
    const helper = join(dir, 'helper.ts');
    const cacheDir = join(dir, 'cache');
    const output = (wasm: Uint8Array) => Array.from((runInNode(wasm) as { output: Uint8Array }).output);
    writeFileSync(helper, 'export const VALUE: u32 = 1;\n');
    writeFileSync(file, 'import { commitU32 } from "zkvm-sdk";\nimport { VALUE } from "./helper";\nexport function main(): void { commitU32(VALUE); }\n');
    expect(output(await compileAssemblyScript(file, { cacheDir }))).toEqual(le32(1));
    // Swap the cached module for another one: a cache hit must return the swapped module.
    const other = await compileAssemblyScriptSource('import { commitU32 } from "zkvm-sdk";\nexport function main(): void { commitU32(99); }');
    const cached = readdirSync(cacheDir).filter((f) => f.endsWith('.wasm'));
    expect(cached).toHaveLength(1);
    writeFileSync(join(cacheDir, cached[0]!), other);
    expect(output(await compileAssemblyScript(file, { cacheDir }))).toEqual(le32(99));
    // Changing an imported file (not the entry) invalidates the entry.
    writeFileSync(helper, 'export const VALUE: u32 = 2;\n');
    expect(output(await compileAssemblyScript(file, { cacheDir }))).toEqual(le32(2));
  });
});

describe('docs/abi.md', () => {
  it('documents every function the SDK exports and every syscall it imports', () => {
    const root = join(import.meta.dirname, '..', '..');
    const sdk = readFileSync(join(root, 'guest', 'sdk', 'assembly', 'index.ts'), 'utf8');
    const doc = readFileSync(join(root, 'docs', 'abi.md'), 'utf8');
    const exported = [...sdk.matchAll(/^export function (\w+)/gm)].map((m) => m[1]!);
    const imported = [...sdk.matchAll(/@external\("zkvm", "(\w+)"\)/g)].map((m) => m[1]!);
    expect(exported.length).toBeGreaterThan(20);
    expect(imported.sort()).toEqual(['commit', 'panic', 'read', 'read_public']);
    const missing = exported.filter((name) => !doc.includes(`\`${name}(`) && !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
    for (const name of imported) expect(doc).toContain(`\`${name}\``);
  });
});
