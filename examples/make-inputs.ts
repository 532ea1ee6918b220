/**
 * Writes one sample private-input file per example to build/inputs/ (or the folder given), so the
 * CLI can be tried at once: `npx tsx examples/make-inputs.ts && npx zkvm run examples/mlp --input
 * build/inputs/mlp.bin`. Inputs are seeded, so the files are the same on every machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeInput as fibInput } from './fibonacci/input.ts';
import { encodeInput as sortInput } from './sort/input.ts';
import { encodeInput as shaInput } from './sha256/input.ts';
import { encodeInput as matmulInput } from './matmul/input.ts';
import { encodeInput as mlpInput, type MlpModel } from './mlp/input.ts';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

export function sampleInputs(): Record<string, Uint8Array> {
  const next = rng(2026);
  const int8s = (n: number) => Array.from({ length: n }, () => (next() % 256) - 128);
  const model: MlpModel = {
    dims: [16, 8, 4],
    layers: [
      { weights: int8s(16 * 8), bias: Array.from({ length: 8 }, () => (next() % 2001) - 1000), multiplier: 1 << 30, shift: 7 },
      { weights: int8s(8 * 4), bias: Array.from({ length: 4 }, () => (next() % 2001) - 1000) },
    ],
  };
  return {
    fibonacci: fibInput(1000),
    sort: sortInput(Array.from({ length: 1000 }, () => next())),
    sha256: shaInput('The quick brown fox jumps over the lazy dog'),
    matmul: matmulInput(4, 8, 3, int8s(32), int8s(24)),
    mlp: mlpInput(model, int8s(16), { commitLogits: true }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? join('build', 'inputs');
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(sampleInputs())) {
    writeFileSync(join(dir, `${name}.bin`), bytes);
    console.log(`${join(dir, `${name}.bin`)}  ${bytes.length} bytes`);
  }
}
