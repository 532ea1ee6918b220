/**
 * BabyBear multiplication throughput: the WASM kernels (SIMD and scalar Montgomery products, and
 * the canonical-by-canonical product that needs two reductions) beside the TypeScript `mul`.
 *
 * "Multiplications per second per core" is the Montgomery product (one reduction) that the
 * scaling kernels use: `bb_mul_throughput` multiplies a 4096-element
 * (L1-resident) vector in place by a constant, so memory is not what is measured. The vector
 * figures stream 2^16-element arrays. Each figure is the best of `samples` runs after a warm-up.
 * Run: `npx tsx bench/field.ts [--samples K] [--json]`.
 * @module
 */
import { pathToFileURL } from 'node:url';
import { P, mul } from '../prover/field/babybear.ts';
import { kernels } from '../prover/wasm/kernels.ts';
import { bestMsSync, seededField } from './_util.ts';

export interface FieldBenchOptions {
  readonly samples?: number;
}

export interface FieldBenchFigures {
  /** Montgomery products per second, SIMD, in cache (the goal: >= 5e8). */
  readonly wasmMontMulPerSec: number;
  /** `bb_mont_mul` over 2^16-element vectors, SIMD and scalar. */
  readonly wasmMontMulVecPerSec: number;
  readonly wasmMontMulVecScalarPerSec: number;
  /** `bb_mul` (canonical x canonical, two reductions) over 2^16-element vectors. */
  readonly wasmMulCanonicalPerSec: number;
  /** `bb_scale` (vector times a constant, Shoup's method as in the NTT butterflies) over 2^16-element vectors. */
  readonly wasmScaleShoupPerSec: number;
  /** TypeScript `mul` (prover/field/babybear.ts) over the same vectors. */
  readonly tsMulPerSec: number;
}



export function benchField(opts: FieldBenchOptions = {}): FieldBenchFigures {
  const samples = opts.samples ?? 5;
  const k = kernels();
  const n = 1 << 16;
  const a = k.put(seededField(n, 1));
  const b = k.put(seededField(n, 2));
  const out = k.alloc(n * 4);
  const hot = k.put(seededField(4096, 3));
  try {
    const rounds = 4096;
    const tHot = bestMsSync(samples, () => k.exports.bb_mul_throughput(hot, 0x12345678 % P, 4096, rounds));
    const reps = 64;
    const tVec = bestMsSync(samples, () => { for (let r = 0; r < reps; r++) k.exports.bb_mont_mul(out, a, b, n); });
    const tVecS = bestMsSync(samples, () => { for (let r = 0; r < reps; r++) k.exports.bb_mont_mul_scalar(out, a, b, n); });
    const tShoup = bestMsSync(samples, () => { for (let r = 0; r < reps; r++) k.exports.bb_scale(out, a, 0x12345678 % P, n); });
    const tCan = bestMsSync(samples, () => { for (let r = 0; r < reps; r++) k.exports.bb_mul(out, a, b, n); });
    const xs = k.read(a, n), ys = k.read(b, n), zs = new Uint32Array(n);
    const tTs = bestMsSync(samples, () => { for (let i = 0; i < n; i++) zs[i] = mul(xs[i]!, ys[i]!); });
    const perSec = (count: number, ms: number) => Math.round((count / ms) * 1000);
    return {
      wasmMontMulPerSec: perSec(4096 * rounds, tHot),
      wasmMontMulVecPerSec: perSec(n * reps, tVec),
      wasmMontMulVecScalarPerSec: perSec(n * reps, tVecS),
      wasmMulCanonicalPerSec: perSec(n * reps, tCan),
      wasmScaleShoupPerSec: perSec(n * reps, tShoup),
      tsMulPerSec: perSec(n, tTs),
    };
  } finally {
    for (const p of [a, b, out, hot]) k.free(p);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const samples = Number(process.argv[process.argv.indexOf('--samples') + 1]) || undefined;
  const figures = benchField({ samples });
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else for (const [key, v] of Object.entries(figures)) console.log(`${key.padEnd(28)} ${(v / 1e6).toFixed(1)} M/s`);
}
