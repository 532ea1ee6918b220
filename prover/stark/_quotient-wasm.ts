/**
 * The quotient's constraint evaluation on the WASM kernels (`prover/wasm/assembly/program.ts`
 * `prog_quotient`): the same compiled program and the same values as `quotientRowsInto`, with
 * four rows per SIMD op and one Montgomery reduction per product, split by row ranges over the
 * pool's workers (kernel calls only: no TypeScript is loaded in the workers).
 *
 * Inputs already in kernel memory (the LDEs from `evaluationsOnDomainShared`, passed by pointer) are read in place;
 * the others (selectors, constants, the program) are copied in and freed afterwards.
 * @module
 */
import type { EvalInputs, Program } from '../air/program.ts';
import type { Kernels } from '../wasm/kernels.ts';

/** Rows per block: (registers + 4) x LANES words per worker, ~400 KB for the VM's CPU table. */
const LANES = 256;
/** Calls per worker for one table (see `quotientValuesWasm`). */
const CALLS_PER_WORKER = 8;

/** Runs kernel calls on a pool's workers (`WorkerPool.run`: call i on worker i). */
export interface KernelCallRunner {
  readonly size: number;
  run(calls: readonly (readonly [string, ...number[]])[]): Promise<void>;
}

/**
 * Byte addresses in kernel memory of inputs that are already there (a `SharedMatrix`'s `ptr`):
 * read in place instead of copied. (A view's buffer cannot tell: a shared memory hands out a new
 * SharedArrayBuffer object after every growth.)
 */
export interface KernelPointers {
  readonly main?: number;
  readonly pre?: number;
  readonly aux?: number;
  /**
   * Domain row r reads row rowMap[r] of main, pre and aux (all of the same height): how the
   * quotient reads a coset of the committed, bit-reversed LDEs in place. Inputs' `height` is then
   * the domain's (rowMap's length), not the matrices'.
   */
  readonly rowMap?: Uint32Array;
}

/** True when `prog_quotient` can serve a domain of `height` rows with these kernels. */
export function wasmQuotientUsable(k: Kernels | undefined, height: number): k is Kernels {
  return k !== undefined && typeof (k.exports as unknown as Record<string, unknown>).prog_quotient === 'function' && height >= 4 * LANES;
}

/**
 * Quotient values of every row of the domain (row-major ext4), as `quotientRowsInto` computes them.
 * `runner` splits the rows over workers; without one, this thread runs the kernel.
 */
export async function quotientValuesWasm(k: Kernels, prog: Program, inputs: EvalInputs, invZ: Uint32Array, alphaPowers: Uint32Array, runner: KernelCallRunner | undefined, inKernel: KernelPointers = {}): Promise<Uint32Array> {
  const n = inputs.height;
  const owned: number[] = [];
  const ptrOf = (a: Uint32Array | undefined, given?: number): number => {
    if (!a || a.length === 0) return 0;
    if (given !== undefined) return given;
    const p = k.put(a);
    owned.push(p);
    return p;
  };
  try {
    const K = prog.rootReg.length;
    const ctx = Uint32Array.of(
      ptrOf(inputs.main, inKernel.main), inputs.mainWidth,
      ptrOf(inputs.pre, inKernel.pre), inputs.preWidth ?? 0,
      ptrOf(inputs.aux, inKernel.aux), inputs.auxWidth ?? 0,
      n, inputs.nextStride,
      ptrOf(inputs.isFirstRow), ptrOf(inputs.isLastRow), ptrOf(inputs.isTransition),
      ptrOf(inputs.publics), ptrOf(inputs.challenges), ptrOf(inputs.busSum),
      ptrOf(invZ), invZ.length,
      ptrOf(alphaPowers), ptrOf(Uint32Array.from(prog.rootReg)), ptrOf(Uint32Array.from(prog.rootIsExt)), K,
      0, ptrOf(inKernel.rowMap),
    );
    const ctxPtr = ptrOf(ctx);
    const code = ptrOf(new Uint32Array(prog.code.buffer, prog.code.byteOffset, prog.code.length));
    const ncode = prog.code.length / 4;
    const regBytes = (Math.max(prog.registers, 1) + 4) * LANES * 4;
    const out = k.alloc(n * 16);
    owned.push(out);
    const parts = runner && runner.size > 1 ? runner.size : 1;
    // Several calls per worker (call c runs on worker c % parts, in order, so those share a
    // register file): V8 runs a wasm function's first call in its baseline tier to the end, and
    // the optimized code is ready for the later ones.
    const step = Math.max(LANES, Math.ceil(n / (parts * CALLS_PER_WORKER) / LANES) * LANES);
    const regsOf: number[] = [];
    for (let w = 0; w < parts; w++) {
      const regs = k.alloc(regBytes);
      owned.push(regs);
      regsOf.push(regs);
    }
    const calls: [string, ...number[]][] = [];
    for (let a = 0, c = 0; a < n; a += step, c++) {
      calls.push(['prog_quotient', code, ncode, regsOf[c % parts]!, prog.registers, LANES, ctxPtr, a, Math.min(n, a + step), out, 0]);
    }
    if (parts > 1) await runner!.run(calls);
    else {
      const f = (k.exports as unknown as Record<string, (...args: number[]) => void>).prog_quotient!;
      for (const [, ...args] of calls) f(...args);
    }
    return k.u32(out, n * 4).slice();
  } finally {
    for (const p of owned) k.free(p);
  }
}
