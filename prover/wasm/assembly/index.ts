/**
 * The one kernel module: every kernel file of this folder is re-exported here and compiled by
 * `npm run build:wasm` into build/wasm/kernels.wasm (imported shared memory, SIMD, stub runtime).
 * Kernels take byte pointers into the shared linear memory and keep no mutable static state, so
 * every worker instantiates this module over the same memory. Add one export line per new file.
 */
export * from './field';
export * from './ntt';
export * from './blake3';
export * from './poseidon2';
export * from './deep';

/** First byte after the module's static data: the host allocator starts above it. */
export function heap_base(): usize {
  return __heap_base;
}
export * from './program';
