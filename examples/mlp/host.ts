/**
 * Host script for the mlp example, showing the library API end to end: build the guest, encode a
 * seeded 2-layer int8 model and an input, execute in the VM, and check the class and logits
 * against the TypeScript reference. Run: `npx tsx examples/mlp/host.ts [hidden] [inputs]`.
 */
import { buildProgram } from '../../guest/build.ts';
import { execute } from '../../vm/executor.ts';
import { decodeOutput, encodeInput, mlpReference, type MlpModel } from './input.ts';

function seededInt8s(n: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 256) - 128;
  });
}

export async function runMlpExample(inputs = 64, hidden = 32, classes = 10): Promise<{ classIndex: number; cycles: number; matchesReference: boolean }> {
  const model: MlpModel = {
    dims: [inputs, hidden, classes],
    layers: [
      { weights: seededInt8s(inputs * hidden, 1), bias: seededInt8s(hidden, 2).map((b) => b * 16), multiplier: 1 << 30, shift: 8 },
      { weights: seededInt8s(hidden * classes, 3), bias: seededInt8s(classes, 4) },
    ],
  };
  const x = seededInt8s(inputs, 5);
  const program = await buildProgram('examples/mlp');
  const result = execute(program, { input: encodeInput(model, x, { commitLogits: true }) });
  const got = decodeOutput(result.output);
  const want = mlpReference(model, x);
  const matchesReference = got.classIndex === want.classIndex && got.logits !== undefined && got.logits.every((v, i) => v === want.logits[i]);
  return { classIndex: got.classIndex, cycles: result.cycles, matchesReference };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [hidden, inputs] = process.argv.slice(2).map(Number);
  runMlpExample(inputs || 64, hidden || 32).then(
    (r) => {
      console.log(`class ${r.classIndex}, ${r.cycles} cycles, ${r.matchesReference ? 'matches' : 'DOES NOT match'} the TypeScript reference`);
      if (!r.matchesReference) process.exitCode = 1;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
