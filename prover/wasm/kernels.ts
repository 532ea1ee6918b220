/**
 * Loader for the one WASM kernel module (build/wasm/kernels.wasm, compiled from
 * `prover/wasm/assembly/index.ts` by `npm run build:wasm`) over a shared `WebAssembly.Memory`, with a
 * host-side allocator for scratch regions and typed wrappers.
 *
 * Why this shape: every kernel is a plain function over byte pointers into one shared linear memory
 * and keeps no mutable static state, so the worker pool (`prover/_pool.ts`) instantiates the same
 * compiled module over the same memory in each worker and splits work by pointer ranges, with no
 * copying. Allocation happens only on the thread that created the memory (the "owner", normally the
 * main thread); workers get pointers.
 *
 * Usage:
 * ```ts
 * import { kernels } from './prover/wasm/kernels.ts';
 * const k = kernels();                       // this thread's instance (sync; throws WasmUnavailableError if not built)
 * const a = k.alloc(n * 4), b = k.alloc(n * 4); // byte pointers, 64-byte aligned
 * k.u32(a, n).set(xs); k.u32(b, n).set(ys);  // views are re-made per call: memory may grow
 * k.exports.bb_mul(a, a, b, n);              // raw kernel: out, a, b, count
 * const out = k.read(a, n);                  // copy out
 * k.free(a); k.free(b);
 * k.mul(xs, ys);                             // or the copying convenience wrappers (tests, small data)
 * const m = k.shareMatrix(trace);              // a Matrix in kernel memory: m.values is a view, m.ptr its address
 * await pool.run([['bb_scale', m.ptr, m.ptr, 5, n / 2], ['bb_scale', m.ptr + 2 * n, m.ptr + 2 * n, 5, n / 2]]);
 * m.free();                                  // explicit: the GC cannot see kernel memory pressure
 * ```
 * (`pool` is a `WorkerPool` from prover/_pool.ts, whose workers share this memory.)
 * Views made by `u32()` stay valid after the memory grows (shared memory never detaches), but a
 * view never covers bytes added later; make a new one after any `alloc`.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { P } from '../field/babybear.ts';
import type { Matrix } from '../matrix.ts';

/**
 * A row-major matrix whose values live in kernel memory: `values` is a view at byte pointer `ptr`,
 * so pool workers can read and write it by pointer with no copy. Freed only by `free()` (the
 * garbage collector cannot see kernel memory pressure); using it after `free()` reads whatever
 * the region holds next.
 */
export interface SharedMatrix extends Matrix {
  readonly ptr: number;
  free(): void;
}

/** The exports of kernels.wasm. All pointers are byte offsets; counts are elements unless named bytes. */
export interface KernelExports {
  /** First byte after static data. */
  heap_base(): number;
  bb_modulus(): number;
  // field.ts: out[i] = op(a[i], b[i]); outputs may alias inputs
  bb_add(out: number, a: number, b: number, n: number): void;
  bb_sub(out: number, a: number, b: number, n: number): void;
  bb_mul(out: number, a: number, b: number, n: number): void;
  /** out = a * b + c */
  bb_mul_add(out: number, a: number, b: number, c: number, n: number): void;
  /** out = a * s (s canonical) */
  bb_scale(out: number, a: number, s: number, n: number): void;
  bb_add_scalar(out: number, a: number, s: number, n: number): void;
  bb_to_mont(out: number, a: number, n: number): void;
  bb_from_mont(out: number, a: number, n: number): void;
  /** out = a * b / 2^32: with b in Montgomery form this is the canonical product (one reduction). */
  bb_mont_mul(out: number, a: number, b: number, n: number): void;
  bb_mont_mul_scalar(out: number, a: number, b: number, n: number): void;
  bb_mul_throughput(a: number, fMont: number, n: number, rounds: number): void;
  // ntt.ts (see the doc comment there)
  ntt_twiddles(tw: number, logN: number, root: number): void;
  ntt_dif_layer(ptr: number, width: number, h: number, b0: number, b1: number, j0: number, j1: number, tw: number): void;
  ntt_dit_layer(ptr: number, width: number, h: number, b0: number, b1: number, j0: number, j1: number, tw: number): void;
  ntt_dif(ptr: number, width: number, logN: number, tw: number): void;
  ntt_dit(ptr: number, width: number, logN: number, skipLog: number, tw: number): void;
  /** SIMD-free twin of ntt_dif for one column (benchmark comparison only). */
  ntt_dif_scalar(ptr: number, logN: number, tw: number): void;
  ntt_copy_scale(
    dst: number, src: number, width: number, logN: number, logBlowup: number,
    i0: number, i1: number, c: number, step: number, srcBitrev: number, spread: number, scratch: number,
  ): void;
  ntt_permute_scale(
    dst: number, src: number, width: number, logN: number, logBlowup: number,
    m0: number, m1: number, c: number, step: number, spread: number,
  ): void;
  ntt_bitrev_rows(ptr: number, width: number, logN: number, i0: number, i1: number): void;
  // hashing kernels (prover/wasm/assembly/blake3.ts, poseidon2.ts; documented there and in
  // prover/hash/_wasm.ts), optional so that this loader does not depend on them
  blake3_hash_rows?(inPtr: number, rowBytes: number, count: number, outPtr: number, scratch: number): void;
  blake3_compress_pairs?(inPtr: number, count: number, outPtr: number, scratch: number): void;
  hash_interleave_digests?(a: number, b: number, count: number, out: number): void;
  hash_copy_bytes?(dst: number, src: number, bytes: number): void;
  p2_hash_rows?(inPtr: number, width: number, count: number, outPtr: number, consts: number): void;
  p2_compress_pairs?(inPtr: number, count: number, outPtr: number, consts: number): void;
  // prover/wasm/assembly/program.ts (constraint programs; documented there)
  mem_zero?(ptr: number, bytes: number): void;
  prog_quotient?(code: number, ncode: number, regs: number, registers: number, lanes: number, ctx: number, first: number, last: number, out: number, outBase: number): void;
  prog_aux?(
    code: number, ncode: number, regs: number, lanes: number, ctx: number, first: number, last: number, out: number, outWidth: number, outBase: number,
    its: number, tupleReg: number, groups: number, G: number, scratch: number, status: number,
  ): void;
}

/** The kernel module is missing (not built) or does not match this loader. */
export class WasmUnavailableError extends Error {
  override readonly name = 'WasmUnavailableError';
}

/** The shared memory is exhausted (4 GiB) or an allocator call was invalid. */
export class WasmMemoryError extends Error {
  override readonly name = 'WasmMemoryError';
}

const PAGE = 65536;
const MAX_PAGES = 65536;
const ALIGN = 64;

export const KERNELS_WASM_PATH = fileURLToPath(new URL('../../build/wasm/kernels.wasm', import.meta.url));

let compiled: WebAssembly.Module | undefined;

/** The compiled kernel module (compiled once per thread; a Module can be posted to workers). */
export function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  if (!existsSync(KERNELS_WASM_PATH)) {
    throw new WasmUnavailableError(`WASM kernels: ${KERNELS_WASM_PATH} is missing; run \`npm run build:wasm\``);
  }
  compiled = new WebAssembly.Module(readFileSync(KERNELS_WASM_PATH));
  return compiled;
}

/**
 * First-fit free-list allocator over [base, memory end), growing the memory on demand. Only the
 * owning thread allocates; blocks are 64-byte aligned (cache lines, so two threads writing
 * neighbouring blocks never share a line).
 */
class Heap {
  /** Free blocks [start, end), sorted by start, never adjacent (coalesced). */
  private free: Array<[number, number]> = [];
  private readonly live = new Map<number, number>();
  private top: number;

  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.top = roundUp(base, ALIGN);
  }

  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`alloc: bytes must be a non-negative integer, got ${bytes}`);
    const size = Math.max(ALIGN, roundUp(bytes, ALIGN));
    for (let i = 0; i < this.free.length; i++) {
      const [s, e] = this.free[i]!;
      if (e - s < size) continue;
      if (e - s === size) this.free.splice(i, 1);
      else this.free[i] = [s + size, e];
      this.live.set(s, size);
      return s;
    }
    // Take from the top; a free block touching the top is absorbed first.
    const last = this.free[this.free.length - 1];
    let start = this.top;
    if (last && last[1] === this.top) {
      start = last[0];
      this.free.pop();
    }
    const end = start + size;
    if (end > MAX_PAGES * PAGE) throw new WasmMemoryError(`alloc: ${bytes} bytes do not fit the 4 GiB wasm memory (in use up to ${start})`);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow geometrically so that a sequence of allocations does not grow page by page.
      const want = Math.min(MAX_PAGES, Math.max(Math.ceil(end / PAGE), Math.ceil((have * 1.5) / PAGE)));
      this.memory.grow(want - have / PAGE);
    }
    this.top = end;
    this.live.set(start, size);
    return start;
  }

  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new WasmMemoryError(`free: ${ptr} is not a live allocation`);
    this.live.delete(ptr);
    let s = ptr;
    let e = ptr + size;
    // Insert sorted, then merge with neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i]![0] < s) i++;
    if (i > 0 && this.free[i - 1]![1] === s) {
      s = this.free[i - 1]![0];
      this.free.splice(--i, 1);
    }
    if (i < this.free.length && this.free[i]![0] === e) {
      e = this.free[i]![1];
      this.free.splice(i, 1);
    }
    if (e === this.top) this.top = s;
    else this.free.splice(i, 0, [s, e]);
  }

  /** Bytes in live allocations (for tests and leak checks). */
  liveBytes(): number {
    let t = 0;
    for (const v of this.live.values()) t += v;
    return t;
  }
}

function roundUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

export class Kernels {
  readonly exports: KernelExports;
  private readonly heap: Heap | undefined;

  /**
   * Instantiates `module` over `memory`. With `owner` true this thread allocates in the memory
   * (one owner per memory); workers attach with `owner` false.
   */
  constructor(readonly module: WebAssembly.Module, readonly memory: WebAssembly.Memory, owner: boolean) {
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory,
        abort: (_msg: number, _file: number, line: number, col: number) => {
          throw new Error(`WASM kernel abort at ${line}:${col}`);
        },
      },
    });
    this.exports = instance.exports as unknown as KernelExports;
    if (typeof this.exports.bb_modulus !== 'function' || this.exports.bb_modulus() >>> 0 !== P) {
      throw new WasmUnavailableError('WASM kernels: build/wasm/kernels.wasm does not export the BabyBear kernels; rebuild it');
    }
    this.heap = owner ? new Heap(memory, this.exports.heap_base()) : undefined;
  }

  /** Allocates a 64-byte aligned region of at least `bytes` bytes (owner thread only). */
  alloc(bytes: number): number {
    return this.ownHeap().alloc(bytes);
  }

  free(ptr: number): void {
    this.ownHeap().release(ptr);
  }

  /** Bytes currently allocated. */
  liveBytes(): number {
    return this.ownHeap().liveBytes();
  }

  /** A view of `length` u32 at byte pointer `ptr` (over the current buffer). */
  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }

  /** Allocates a region and copies `values` into it. */
  put(values: Uint32Array): number {
    const ptr = this.alloc(values.length * 4);
    this.u32(ptr, values.length).set(values);
    return ptr;
  }

  /** A fresh copy of `length` u32 at `ptr`. */
  read(ptr: number, length: number): Uint32Array {
    return this.u32(ptr, length).slice();
  }

  /** A width x height matrix in kernel memory, zeroed unless `zero` is false. */
  allocMatrix(width: number, height: number, zero = true): SharedMatrix {
    if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height < 0) {
      throw new RangeError(`allocMatrix: width must be a positive integer and height a non-negative integer, got ${width} x ${height}`);
    }
    const len = width * height;
    const ptr = this.alloc(len * 4);
    const values = this.u32(ptr, len);
    if (zero) values.fill(0);
    let freed = false;
    return {
      values, width, height, ptr,
      free: () => {
        if (freed) return;
        freed = true;
        this.free(ptr);
      },
    };
  }

  /** A copy of `m` in kernel memory. */
  shareMatrix(m: Matrix): SharedMatrix {
    const out = this.allocMatrix(m.width, m.height);
    out.values.set(m.values);
    return out;
  }

  // Copying convenience wrappers (canonical in, canonical out). For bulk work call `exports`
  // on regions you keep in the memory instead.
  add(a: Uint32Array, b: Uint32Array): Uint32Array {
    return this.binary('bb_add', a, b);
  }
  sub(a: Uint32Array, b: Uint32Array): Uint32Array {
    return this.binary('bb_sub', a, b);
  }
  mul(a: Uint32Array, b: Uint32Array): Uint32Array {
    return this.binary('bb_mul', a, b);
  }
  /** a * b + c */
  mulAdd(a: Uint32Array, b: Uint32Array, c: Uint32Array): Uint32Array {
    sameLength(a, b, 'mulAdd');
    sameLength(a, c, 'mulAdd');
    const n = a.length;
    const pa = this.put(a), pb = this.put(b), pc = this.put(c);
    try {
      this.exports.bb_mul_add(pa, pa, pb, pc, n);
      return this.read(pa, n);
    } finally {
      this.free(pa), this.free(pb), this.free(pc);
    }
  }
  scale(a: Uint32Array, s: number): Uint32Array {
    return this.withScalar('bb_scale', a, s);
  }
  addScalar(a: Uint32Array, s: number): Uint32Array {
    return this.withScalar('bb_add_scalar', a, s);
  }

  private binary(name: 'bb_add' | 'bb_sub' | 'bb_mul', a: Uint32Array, b: Uint32Array): Uint32Array {
    sameLength(a, b, name);
    const n = a.length;
    const pa = this.put(a), pb = this.put(b);
    try {
      this.exports[name](pa, pa, pb, n);
      return this.read(pa, n);
    } finally {
      this.free(pa), this.free(pb);
    }
  }

  private withScalar(name: 'bb_scale' | 'bb_add_scalar', a: Uint32Array, s: number): Uint32Array {
    if (!Number.isInteger(s) || s < 0 || s >= P) throw new RangeError(`${name}: scalar must be canonical, got ${s}`);
    const pa = this.put(a);
    try {
      this.exports[name](pa, pa, s, a.length);
      return this.read(pa, a.length);
    } finally {
      this.free(pa);
    }
  }

  private ownHeap(): Heap {
    if (!this.heap) throw new WasmMemoryError('alloc/free: only the thread that owns the kernel memory allocates');
    return this.heap;
  }
}

function sameLength(a: Uint32Array, b: Uint32Array, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: lengths differ (${a.length} vs ${b.length})`);
}

let mine: Kernels | undefined;

/**
 * This thread's kernels over a new shared memory that this thread owns (created on first call).
 * In a pool worker, use the instance the pool attached instead (`workerKernels()` in _pool.ts).
 */
export function kernels(): Kernels {
  if (mine) return mine;
  const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
  mine = new Kernels(kernelModule(), memory, true);
  return mine;
}

/** Whether build/wasm/kernels.wasm exists (so callers can fall back to TypeScript). */
export function kernelsAvailable(): boolean {
  return existsSync(KERNELS_WASM_PATH);
}
