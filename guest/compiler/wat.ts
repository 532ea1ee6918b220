/**
 * WebAssembly text to binary via binaryen, keeping the name section so that compile errors and
 * traps name functions as the text does. Used by tests, benchmarks and tools; guests normally
 * arrive as .wasm from a toolchain.
 * @module
 */
import binaryen from 'binaryen';

const F = binaryen.Features;
/** Features that Node's engine reads too (`All` would switch on encodings V8 rejects, e.g. compact imports). */
const FEATURES = F.MutableGlobals | F.NontrappingFPToInt | F.SIMD128 | F.BulkMemory | F.SignExt | F.Atomics | F.Multivalue | F.ReferenceTypes | F.TailCall;

/** Assembles WAT text into a .wasm binary with names. */
export function assembleWat(text: string): Uint8Array {
  const mod = (binaryen.parseText as (t: string, f?: number) => binaryen.Module)(text, FEATURES);
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
