/**
 * Loads the hashing kernels (BLAKE3 and Poseidon2, AssemblyScript in `prover/wasm/assembly/`) and
 * gives this thread a private arena in their linear memory.
 *
 * Loading is synchronous (WebAssembly.Module on bytes read from disk) so that the verifier's
 * single-item calls need no `await`. The kernels live in the shared module
 * `build/wasm/kernels.wasm` (built by `npm run build:wasm`); they take plain pointers and keep no
 * state, so this thread instantiates the module over a memory of its own and lays out, above the
 * module's static data (`heap_base()`): 1 KiB of Poseidon2 constants, then a reusable arena.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface HashKernelExports {
  blake3_hash_rows(inPtr: number, rowBytes: number, count: number, outPtr: number, scratch: number): void;
  p2_hash_rows(inPtr: number, width: number, count: number, outPtr: number, consts: number): void;
  p2_compress_pairs(inPtr: number, count: number, outPtr: number, consts: number): void;
}

export interface HashKernels extends HashKernelExports {
  readonly memory: WebAssembly.Memory;
  /** Where the Poseidon2 constants (and its state) live: 1024 bytes, written once by its hasher. */
  readonly poseidon2Consts: number;
  /**
   * Returns the start of a 64-byte aligned region of at least `bytes` bytes, valid until the next
   * call (one synchronous kernel call at a time per thread). Grows the memory when needed.
   */
  arena(bytes: number): number;
}

export class WasmUnavailableError extends Error {
  override readonly name = 'WasmUnavailableError';
}

const PAGE = 65536;

const wasmPath = (name: string) => fileURLToPath(new URL(`../../build/wasm/${name}.wasm`, import.meta.url));

function instantiate(name: string, memory: WebAssembly.Memory): WebAssembly.Exports {
  const path = wasmPath(name);
  if (!existsSync(path)) throw new WasmUnavailableError(`hash kernels: ${path} is missing; run \`npm run build:wasm\``);
  const module = new WebAssembly.Module(readFileSync(path));
  const env: WebAssembly.ModuleImports = {
    memory,
    abort: (_msg: number, _file: number, line: number, col: number) => {
      throw new Error(`hash kernel ${name}: abort at ${line}:${col}`);
    },
  };
  return new WebAssembly.Instance(module, { env }).exports;
}


let kernels: HashKernels | undefined;

/** The kernels for this thread (instantiated on first use). */
export function hashKernels(): HashKernels {
  if (kernels) return kernels;
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
  const exports = instantiate('kernels', memory);
  if (typeof exports['blake3_hash_rows'] !== 'function' || typeof exports['p2_hash_rows'] !== 'function') {
    throw new WasmUnavailableError('hash kernels: build/wasm/kernels.wasm lacks the hash kernels; run `npm run build:wasm`');
  }
  const fns = exports as unknown as HashKernelExports;
  const heapBase = typeof exports['heap_base'] === 'function' ? (exports['heap_base'] as () => number)() : PAGE;
  const CONSTS_BASE = Math.ceil(heapBase / 64) * 64;
  const ARENA_BASE = CONSTS_BASE + 1024;
  kernels = {
    memory,
    blake3_hash_rows: fns.blake3_hash_rows,
    p2_hash_rows: fns.p2_hash_rows,
    p2_compress_pairs: fns.p2_compress_pairs,
    poseidon2Consts: CONSTS_BASE,
    arena(bytes: number): number {
      const need = ARENA_BASE + bytes - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / PAGE));
      return ARENA_BASE;
    },
  };
  return kernels;
}
