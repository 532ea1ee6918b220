import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import binaryen from 'binaryen';
import { KERNELS_WASM_PATH, kernelModule } from '../../prover/wasm/kernels.ts';

describe('the kernel module', () => {
  const bytes = readFileSync(KERNELS_WASM_PATH);

  it('imports one shared memory and nothing else, so every worker can instantiate it over the same memory', () => {
    const imports = WebAssembly.Module.imports(kernelModule());
    expect(imports).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });

  it('keeps no mutable state: no global.set and no memory.grow (no allocation inside kernels)', () => {
    const mod = binaryen.readBinary(new Uint8Array(bytes));
    const text = mod.emitText();
    mod.dispose();
    expect(text).not.toMatch(/global\.set|memory\.grow/);
    expect(text).toMatch(/i64x2\.extmul_low_i32x4_u/); // the SIMD Montgomery product is in there
  });
});
