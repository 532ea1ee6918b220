/**
 * The hashing kernels (BLAKE3 and Poseidon2, AssemblyScript in `prover/wasm/assembly/`) as used by
 * the hashers and the Merkle tree builder, on top of the shared kernel module loader
 * (`prover/wasm/kernels.ts`).
 *
 * A kernel call needs per-thread scratch (BLAKE3: 8 KiB of chaining-value stack and staging;
 * Poseidon2: its Montgomery-form constants followed by its 4-lane state, 1 KiB). `KernelHashOps`
 * describes that and the two batched kernels of one hash function, so the tree builder can run
 * them on regions of the shared memory, on any thread.
 * @module
 */
import { type KernelExports, type Kernels, WasmUnavailableError, kernels } from '../wasm/kernels.ts';

export { WasmUnavailableError };

/** The kernel module's exports, with the hashing helper that the loader's list does not name. */
export type HashExports = KernelExports & {
  hash_interleave_digests(a: number, b: number, count: number, out: number): void;
  hash_copy_bytes(dst: number, src: number, bytes: number): void;
};

export interface KernelHashOps {
  /** Bytes of per-thread scratch the kernels need (a multiple of 64). */
  readonly scratchBytes: number;
  /** Writes what the scratch must hold before the first call (constants). */
  initScratch(scratch: Uint8Array): void;
  /** The call computing `count` leaf digests (32 bytes each at outPtr) of rows of `width` u32 at inPtr. */
  leaves(inPtr: number, width: number, count: number, outPtr: number, scratch: number): KernelCall;
  /** The call computing `count` parents (32 bytes each at outPtr) of the 64-byte digest pairs at inPtr. */
  nodes(inPtr: number, count: number, outPtr: number, scratch: number): KernelCall;
}

/** One kernel call as data (export name, arguments), so it can run here or on a worker. */
export type KernelCall = readonly [keyof HashExports & string, readonly number[]];

/** Runs `call` on this thread's instance. */
export function runCall(e: HashExports, call: KernelCall): void {
  (e as unknown as Record<string, (...args: number[]) => void>)[call[0]]!(...call[1]);
}

export interface HashKernels {
  readonly k: Kernels;
  readonly e: HashExports;
  /** This thread's scratch for `ops`, allocated and initialised on first use. */
  scratch(ops: KernelHashOps): number;
  /**
   * A 64-byte aligned region of at least `bytes` bytes, reused by every call on this thread
   * (one synchronous use at a time). Grows when needed.
   */
  arena(bytes: number): number;
}

let state: HashKernels | undefined;

/** The kernels for this thread (the loader's instance, which owns the shared memory). */
export function hashKernels(): HashKernels {
  if (state) return state;
  const k = kernels();
  const e = k.exports as HashExports;
  if (
    typeof e.blake3_hash_rows !== 'function' ||
    typeof e.p2_hash_rows !== 'function' ||
    typeof e.p2_compress_pairs !== 'function' ||
    typeof e.hash_interleave_digests !== 'function' ||
    typeof e.hash_copy_bytes !== 'function'
  ) {
    throw new WasmUnavailableError('hash kernels: build/wasm/kernels.wasm lacks the hash kernels; run `npm run build:wasm`');
  }
  const scratches = new Map<KernelHashOps, number>();
  let arenaPtr = -1;
  let arenaSize = 0;
  state = {
    k,
    e,
    scratch(ops: KernelHashOps): number {
      let p = scratches.get(ops);
      if (p === undefined) {
        p = k.alloc(ops.scratchBytes);
        ops.initScratch(k.u8(p, ops.scratchBytes));
        scratches.set(ops, p);
      }
      return p;
    },
    arena(bytes: number): number {
      if (bytes > arenaSize) {
        if (arenaPtr >= 0) k.free(arenaPtr);
        arenaSize = Math.max(bytes, Math.ceil(arenaSize * 1.5));
        arenaPtr = k.alloc(arenaSize);
      }
      return arenaPtr;
    },
  };
  return state;
}
