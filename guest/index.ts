/** The guest toolchain's public surface: build a guest (AssemblyScript or WebAssembly) into a Program. */
export { compileAssemblyScript, compileAssemblyScriptSource, GuestBuildError, INLINE_NAME, SDK_DIR, SDK_PACKAGE, type AscOptions } from './asc.ts';
export {
  buildProgram,
  buildWasm,
  resolveGuest,
  listExamples,
  GuestSourceError,
  EXAMPLES_DIR,
  DEFAULT_CACHE_DIR,
  type BuildOptions,
  type GuestKind,
  type ResolvedGuest,
} from './build.ts';
export { compileWasm, CompileError, type CompileOptions } from './compiler/index.ts';
