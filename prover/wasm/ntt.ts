/**
 * Host side of the WASM NTT: twiddle tables, and plans that turn an NTT, an interpolation or a
 * coset LDE of a row-major matrix in kernel memory into steps of kernel calls.
 *
 * A plan is a list of steps; the calls of one step touch disjoint rows, so a step can be spread
 * over threads (`prover/_pool.ts`) and the steps run one after another (a barrier between them).
 * With `parts` threads (a power of two), a DIF runs its first log2(parts) layers split by
 * butterfly ranges, then one independent block per part; a DIT runs the blocks first and the top
 * layers last. See prover/wasm/assembly/ntt.ts for the kernels and the conventions (DIF: natural
 * in, bit-reversed out; DIT: bit-reversed in, natural out), and prover/ntt.ts for the definitions.
 * @module
 */
import { P, inv, rootOfUnity, TWO_ADICITY } from '../field/babybear.ts';
import type { Kernels, KernelExports } from './kernels.ts';

/** Names of kernel exports that take only numbers (everything a plan can call). */
export type KernelName = {
  [K in keyof KernelExports]-?: NonNullable<KernelExports[K]> extends (...args: number[]) => void ? K : never;
}[keyof KernelExports];

/** One kernel call: export name and its numeric arguments. */
export type Call = readonly [name: KernelName, ...args: number[]];
/** Calls that may run concurrently (disjoint memory). */
export type Step = readonly Call[];

/**
 * Zeroes [ptr, ptr + bytes) in `parts` calls of 64-byte-aligned pieces (the kernel's `mem_zero`,
 * or one fill on this thread for kernels built without it).
 */
function zeroStep(k: Kernels, ptr: number, bytes: number, parts: number): Step {
  if (typeof k.exports.mem_zero !== 'function' || parts < 2) {
    k.u32(ptr, bytes / 4).fill(0);
    return [];
  }
  const calls: Call[] = [];
  const piece = Math.ceil(bytes / parts / 64) * 64;
  for (let a = 0; a < bytes; a += piece) calls.push(['mem_zero', ptr + a, Math.min(piece, bytes - a)]);
  return calls;
}

/** Runs a plan's steps in order: on this thread, or split across a pool. */
export interface StepRunner {
  /** How many parts a step should be split into (threads available). A power of two. */
  readonly parts: number;
  run(step: Step): void | Promise<void>;
}

/** Runs every call on this thread, in order. */
export function localRunner(k: Kernels): StepRunner {
  const ex = k.exports as unknown as Record<string, (...a: number[]) => void>;
  return {
    parts: 1,
    run(step: Step) {
      for (const [name, ...args] of step) ex[name]!(...args);
    },
  };
}

export async function runPlan(runner: StepRunner, plan: readonly Step[]): Promise<void> {
  for (const step of plan) if (step.length > 0) await runner.run(step);
}

/**
 * Forward and inverse twiddle tables of the largest size asked for so far (one table serves every
 * smaller size, see the kernel docs). Lives in kernel memory until `dispose`.
 */
export class Twiddles {
  private logMax = -1;
  private fwdPtr = 0;
  private invPtr = 0;
  /** Smaller tables replaced by a larger one: a transform in flight may still read them. */
  private retired: number[] = [];

  constructor(private readonly k: Kernels) {}

  /** Pointers to tables valid for every size up to 2^logN. */
  ensure(logN: number): { fwd: number; inv: number } {
    if (logN > TWO_ADICITY) throw new RangeError(`NTT: size 2^${logN} exceeds the two-adicity ${TWO_ADICITY}`);
    if (logN > this.logMax) {
      if (this.logMax >= 0) this.retired.push(this.fwdPtr, this.invPtr);
      const lg = Math.max(logN, 1);
      const bytes = 8 << lg; // 2n u32: twiddles and their Shoup companions
      this.fwdPtr = this.k.alloc(bytes);
      this.invPtr = this.k.alloc(bytes);
      const w = rootOfUnity(lg);
      this.k.exports.ntt_twiddles(this.fwdPtr, lg, w);
      this.k.exports.ntt_twiddles(this.invPtr, lg, inv(w));
      this.logMax = lg;
    }
    return { fwd: this.fwdPtr, inv: this.invPtr };
  }

  /** Frees every table; no transform may be running. */
  dispose(): void {
    for (const p of this.retired) this.k.free(p);
    this.retired = [];
    if (this.logMax < 0) return;
    this.k.free(this.fwdPtr);
    this.k.free(this.invPtr);
    this.logMax = -1;
  }
}

function log2Parts(parts: number, logN: number): number {
  let t = 0;
  while (1 << (t + 1) <= parts && t + 1 <= logN) t++;
  return t;
}

/** Splits the butterflies of one layer (half h, n rows) into `parts` disjoint calls. */
function layerStep(name: 'ntt_dif_layer' | 'ntt_dit_layer', ptr: number, width: number, n: number, h: number, parts: number, tw: number): Step {
  const blocks = n / (2 * h);
  const calls: Call[] = [];
  if (blocks >= parts) {
    const per = blocks / parts;
    for (let i = 0; i < parts; i++) calls.push([name, ptr, width, h, i * per, (i + 1) * per, 0, h, tw]);
  } else {
    const split = parts / blocks;
    const per = h / split;
    for (let b = 0; b < blocks; b++) {
      for (let s = 0; s < split; s++) calls.push([name, ptr, width, h, b, b + 1, s * per, (s + 1) * per, tw]);
    }
  }
  return calls;
}

/** DIF of the 2^logN rows at ptr in place (natural in, bit-reversed out). */
export function difPlan(ptr: number, width: number, logN: number, tw: number, parts: number): Step[] {
  const n = 2 ** logN;
  const t = log2Parts(parts, logN);
  const steps: Step[] = [];
  for (let l = 0; l < t; l++) steps.push(layerStep('ntt_dif_layer', ptr, width, n, n >>> (l + 1), 1 << t, tw));
  const blockRows = n >>> t;
  const blocks: Call[] = [];
  for (let i = 0; i < 1 << t; i++) blocks.push(['ntt_dif', ptr + i * blockRows * width * 4, width, logN - t, tw]);
  steps.push(blocks);
  return steps;
}

/**
 * DIT of the 2^logN rows at ptr in place (bit-reversed in, natural out), skipping the layers with
 * h < 2^skipLog (their blocks hold replicated values, see `ntt_copy_scale` with spread).
 */
export function ditPlan(ptr: number, width: number, logN: number, skipLog: number, tw: number, parts: number): Step[] {
  const n = 2 ** logN;
  const t = log2Parts(parts, logN);
  const steps: Step[] = [];
  const blockRows = n >>> t;
  const blocks: Call[] = [];
  for (let i = 0; i < 1 << t; i++) blocks.push(['ntt_dit', ptr + i * blockRows * width * 4, width, logN - t, Math.min(skipLog, logN - t), tw]);
  steps.push(blocks);
  for (let h = blockRows; h < n; h *= 2) {
    if (h < 2 ** skipLog) continue;
    steps.push(layerStep('ntt_dit_layer', ptr, width, n, h, 1 << t, tw));
  }
  return steps;
}

/** `ntt_copy_scale` over i in [0, 2^logN), split into `parts` ranges. */
export function copyScaleStep(
  dst: number, src: number, width: number, logN: number, logBlowup: number,
  c: number, step: number, srcBitrev: boolean, spread: boolean, parts: number, scratch: number,
): Step {
  const calls: Call[] = [];
  if (srcBitrev !== spread && logN >= 8) {
    // A permutation: the cache-blocked kernel, split over its middle index.
    const mCount = 2 ** (logN - 8);
    const k = Math.min(parts, mCount);
    for (let i = 0; i < k; i++) {
      calls.push(['ntt_permute_scale', dst, src, width, logN, logBlowup, (i * mCount) / k, ((i + 1) * mCount) / k, c, step, spread ? 1 : 0]);
    }
    return calls;
  }
  const n = 2 ** logN;
  const k = Math.min(parts, n);
  for (let i = 0; i < k; i++) {
    // Equal power-of-two ranges (parts is a power of two), as the bit-reversed table mode needs.
    const i0 = (i * n) / k;
    const i1 = ((i + 1) * n) / k;
    calls.push(['ntt_copy_scale', dst, src, width, logN, logBlowup, i0, i1, c, step, srcBitrev ? 1 : 0, spread ? 1 : 0, scratch]);
  }
  return calls;
}

/** Element count check shared by the entry points. */
export function checkShape(width: number, height: number, what: string): number {
  if (!Number.isInteger(width) || width <= 0) throw new RangeError(`${what}: width must be a positive integer, got ${width}`);
  if (!Number.isInteger(height) || height <= 0 || (height & (height - 1)) !== 0) {
    throw new RangeError(`${what}: height must be a power of two, got ${height}`);
  }
  return 31 - Math.clz32(height);
}

export function checkShift(shift: number, what: string): void {
  if (!Number.isInteger(shift) || shift <= 0 || shift >= P) throw new RangeError(`${what}: shift must be a non-zero canonical element, got ${shift}`);
}

/**
 * The transforms, over regions of kernel memory. Each takes byte pointers; `src` regions are left
 * unchanged unless the doc says "in place"; `dst` regions must not overlap `src`.
 */
export class WasmNtt {
  readonly twiddles: Twiddles;

  constructor(readonly k: Kernels) {
    this.twiddles = new Twiddles(k);
  }

  /**
   * Coefficients of every column: src holds evaluations on H_n (natural), dst receives coefficients
   * (natural). src is used as scratch (overwritten).
   */
  async interpolate(runner: StepRunner, dst: number, src: number, width: number, logN: number): Promise<void> {
    const tw = this.twiddles.ensure(logN);
    const nInv = inv(2 ** logN % P);
    await runPlan(runner, [
      ...difPlan(src, width, logN, tw.inv, runner.parts),
      copyScaleStep(dst, src, width, logN, 0, nInv, 1, true, false, runner.parts, 0),
    ]);
  }

  /**
   * Evaluations of every column (src: 2^logN coefficient rows, natural) on shift * H_(n 2^logBlowup)
   * into dst (n 2^logBlowup rows), natural order or bit-reversed. src is unchanged.
   */
  async evaluateOnCoset(
    runner: StepRunner, dst: number, src: number, width: number, logN: number, logBlowup: number,
    shift: number, bitReversed: boolean,
  ): Promise<void> {
    await this.fromCoefficients(runner, dst, src, width, logN, logBlowup, 1, shift, false, bitReversed);
  }

  /**
   * Coset LDE: src holds evaluations on H_n (natural; overwritten as scratch), dst receives the
   * evaluations on shift * H_(n 2^logBlowup), natural or bit-reversed. Interpolation and the
   * reordering are fused: the inverse DIF leaves coefficients bit-reversed, which is exactly what
   * the DIT of the natural-order output wants.
   */
  async lde(
    runner: StepRunner, dst: number, src: number, width: number, logN: number, logBlowup: number,
    shift: number, bitReversed: boolean,
  ): Promise<void> {
    const tw = this.twiddles.ensure(logN + logBlowup);
    await runPlan(runner, difPlan(src, width, logN, tw.inv, runner.parts));
    await this.fromCoefficients(runner, dst, src, width, logN, logBlowup, inv(2 ** logN % P), shift, true, bitReversed);
  }

  /** Forward NTT of the 2^logN coefficient rows at src into dst (natural order both). */
  async forward(runner: StepRunner, dst: number, src: number, width: number, logN: number): Promise<void> {
    await this.fromCoefficients(runner, dst, src, width, logN, 0, 1, 1, false, false);
  }

  /**
   * DIF in place (natural in, bit-reversed out) with the forward or the inverse twiddles; the
   * inverse one leaves the coefficients times n (unscaled).
   */
  async difInPlace(runner: StepRunner, ptr: number, width: number, logN: number, inverse: boolean): Promise<void> {
    const tw = this.twiddles.ensure(logN);
    await runPlan(runner, difPlan(ptr, width, logN, inverse ? tw.inv : tw.fwd, runner.parts));
  }

  /**
   * Coefficients in src (scaled by c: row i is multiplied by c * shift^i; stored bit-reversed if
   * srcBitrev) to evaluations on shift * H_(n 2^logBlowup) in dst.
   */
  private async fromCoefficients(
    runner: StepRunner, dst: number, src: number, width: number, logN: number, logBlowup: number,
    c: number, shift: number, srcBitrev: boolean, bitReversed: boolean,
  ): Promise<void> {
    const logBig = logN + logBlowup;
    const tw = this.twiddles.ensure(logBig);
    const parts = runner.parts;
    if (bitReversed) {
      // Natural, zero-padded coefficients, then DIF: its output order is the bit-reversed one.
      const n = 2 ** logN;
      await runPlan(runner, [
        zeroStep(this.k, dst + n * width * 4, (2 ** logBig - n) * width * 4, parts),
        copyScaleStep(dst, src, width, logN, logBlowup, c, shift, srcBitrev, false, parts, 0),
        ...difPlan(dst, width, logBig, tw.fwd, parts),
      ]);
    } else {
      // Each coefficient goes to its bit-reversed slot in the big domain, replicated over its
      // 2^logBlowup block, so the DIT skips its first logBlowup layers and no permutation pass is needed.
      const scratch = srcBitrev ? this.k.alloc(4 << logN) : 0;
      try {
        await runPlan(runner, [
          copyScaleStep(dst, src, width, logN, logBlowup, c, shift, srcBitrev, true, parts, scratch),
          ...ditPlan(dst, width, logBig, logBlowup, tw.fwd, parts),
        ]);
      } finally {
        if (scratch) this.k.free(scratch);
      }
    }
  }
}
