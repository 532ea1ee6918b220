/**
 * WebAssembly text to binary via binaryen, keeping the name section so that compile errors and
 * traps name functions as the text does. Used by tests, benchmarks and tools; guests normally
 * arrive as .wasm from a toolchain.
 * @module
 */
import binaryen from 'binaryen';

/** Assembles WAT text (all features enabled) into a .wasm binary with names. */
export function assembleWat(text: string): Uint8Array {
  const mod = (binaryen.parseText as (t: string, f?: number) => binaryen.Module)(text, binaryen.Features.All);
  try {
    const prev = binaryen.getDebugInfo();
    binaryen.setDebugInfo(true);
    try {
      return mod.emitBinary();
    } finally {
      binaryen.setDebugInfo(prev);
    }
  } finally {
    mod.dispose();
  }
}
