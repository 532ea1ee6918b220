/**
 * Shared test helpers: build a guest once per run (the AssemblyScript cache in build/guests is
 * keyed by the sources asc read, so parallel test files reuse it), and run one guest both in the VM
 * and in Node's WebAssembly engine, reducing each outcome to something comparable.
 */
import { join } from 'node:path';
import { buildWasm, REPO_ROOT } from '../../guest/build.ts';
import { compileAssemblyScriptSource } from '../../guest/asc.ts';
import { compileWasm } from '../../guest/compiler/index.ts';
import { execute } from '../../vm/executor.ts';
import { GuestPanic, GuestTrap } from '../../vm/errors.ts';
import type { Program } from '../../vm/program.ts';
import { runInNode } from './_node-host.ts';

export const CACHE_DIR = join(REPO_ROOT, 'build', 'guests');
export const EXAMPLE_NAMES = ['fibonacci', 'sort', 'sha256', 'matmul', 'mlp'] as const;
export type ExampleName = (typeof EXAMPLE_NAMES)[number];

const wasmCache = new Map<string, Promise<Uint8Array>>();
const programCache = new Map<string, Program>();

export function exampleWasm(name: ExampleName): Promise<Uint8Array> {
  let p = wasmCache.get(name);
  if (!p) wasmCache.set(name, (p = buildWasm(`examples/${name}`, { cacheDir: CACHE_DIR })));
  return p;
}

export async function exampleProgram(name: ExampleName): Promise<Program> {
  const hit = programCache.get(name);
  if (hit) return hit;
  const program = compileWasm(await exampleWasm(name), { name });
  programCache.set(name, program);
  return program;
}

/** An inline AssemblyScript guest (may import zkvm-sdk). */
export function guestFromSource(source: string): Promise<Uint8Array> {
  return compileAssemblyScriptSource(source, { cacheDir: CACHE_DIR });
}

/** What a run came to, in terms both engines share. */
export type Outcome =
  | { readonly kind: 'ok'; readonly output: string }
  | { readonly kind: 'panic'; readonly output: string; readonly message: string }
  | { readonly kind: 'trap'; readonly output: string; readonly trap: string };

const NODE_TRAPS: ReadonlyArray<[RegExp, string]> = [
  [/divide by zero/i, 'div-by-zero'],
  [/integer overflow|divide result unrepresentable/i, 'int-overflow'],
  [/out of bounds|memory access/i, 'out-of-bounds'],
  [/unreachable/i, 'unreachable'],
  [/signature mismatch|null function/i, 'indirect-call'],
  [/table index/i, 'table-out-of-bounds'],
  [/call stack|stack size/i, 'stack-overflow'],
];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function outcomeInNode(wasm: Uint8Array, io: { input?: Uint8Array; publicInput?: Uint8Array }): Outcome {
  const r = runInNode(wasm, io);
  if (r.ok) return { kind: 'ok', output: hex(r.output) };
  if (r.panic !== undefined) return { kind: 'panic', output: hex(r.output), message: r.panic };
  const trap = NODE_TRAPS.find(([re]) => re.test(r.trap ?? ''))?.[1] ?? `unknown: ${r.trap}`;
  return { kind: 'trap', output: hex(r.output), trap };
}

/**
 * The VM's outcome. Output bytes committed before a failure are not part of a failed
 * ExecutionResult, so failures compare by kind and message only (output '' on both sides).
 */
export function outcomeInVm(program: Program, io: { input?: Uint8Array; publicInput?: Uint8Array }, opts: { maxCycles?: number } = {}): Outcome {
  try {
    const r = execute(program, io, opts);
    return { kind: 'ok', output: hex(r.output) };
  } catch (e) {
    if (e instanceof GuestPanic) return { kind: 'panic', output: '', message: e.guestMessage };
    if (e instanceof GuestTrap) {
      const trap = e.kind === 'indirect-call-null' || e.kind === 'indirect-call-type' ? 'indirect-call' : e.kind;
      return { kind: 'trap', output: '', trap };
    }
    throw e; // limits and host errors are not outcomes Node can have

  }
}

/** Node's outcome with the output dropped on failure, to compare with outcomeInVm. */
export function comparableNodeOutcome(wasm: Uint8Array, io: { input?: Uint8Array; publicInput?: Uint8Array }): Outcome {
  const o = outcomeInNode(wasm, io);
  return o.kind === 'ok' ? o : { ...o, output: '' };
}
