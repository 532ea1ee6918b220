/**
 * `build(source) -> Program`: the one entry point from "what the user points at" to a Program.
 *
 * A source is a `.zkvm` file (decoded), a `.wasm` module (compiled), an AssemblyScript `.ts` guest
 * (asc, then compiled), or a folder holding `assembly/index.ts` such as `examples/NAME` (the
 * repository's examples are found from any working directory). The CLI and the tests use this, so
 * "which file is the guest" is decided in one place.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// The compilers (asc, binaryen: 14 MB of JavaScript) load only when a guest is really compiled, so
// `zkvm prove program.zkvm` and the verifier do not pay seconds of module loading for them.
import { decodeProgram, type Program } from '../vm/program.ts';

/** The repository's root (this file is guest/build.ts). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where `examples/NAME` is looked up when it is not a folder of the working directory. */
export const EXAMPLES_DIR: string = join(REPO_ROOT, 'examples');
/** Default build cache for AssemblyScript guests (build/ is git-ignored). */
export const DEFAULT_CACHE_DIR: string = join(REPO_ROOT, 'build', 'guests');

/** The source the user named does not exist or is not something we can build. */
export class GuestSourceError extends Error {
  override readonly name = 'GuestSourceError';
  constructor(message: string, readonly source: string) {
    super(message);
  }
}

export type GuestKind = 'program' | 'wasm' | 'assemblyscript';

export interface ResolvedGuest {
  readonly kind: GuestKind;
  /** Absolute path of the file to read (for a folder: its assembly/index.ts). */
  readonly path: string;
  /** Short name for the Program and for messages: the example or file name. */
  readonly name: string;
}

/** Names of the examples shipped in the repository (folders with assembly/index.ts). */
export async function listExamples(): Promise<string[]> {
  const entries = await readdir(EXAMPLES_DIR, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(EXAMPLES_DIR, e.name, 'assembly', 'index.ts')))
    .map((e) => e.name)
    .sort();
}

/** Decides what `source` is, without reading it. */
export async function resolveGuest(source: string): Promise<ResolvedGuest> {
  if (typeof source !== 'string' || source.length === 0) throw new TypeError('source: expected a non-empty path');
  const abs = resolve(source);
  if (existsSync(abs) && statSync(abs).isDirectory()) return guestFolder(abs, source);
  const ext = extname(abs);
  if (existsSync(abs)) {
    if (ext === '.zkvm') return { kind: 'program', path: abs, name: basename(abs, ext) };
    if (ext === '.wasm') return { kind: 'wasm', path: abs, name: basename(abs, ext) };
    if (ext === '.ts') return { kind: 'assemblyscript', path: abs, name: nameOfTs(abs) };
    throw new GuestSourceError(`${source}: unknown kind of file (expected .zkvm, .wasm, .ts or a guest folder)`, source);
  }
  const example = /^(?:\.\/)?examples\/([A-Za-z0-9_-]+)\/?$/.exec(source);
  if (example) {
    const dir = join(EXAMPLES_DIR, example[1]!);
    if (existsSync(dir)) return guestFolder(dir, source);
    const known = await listExamples();
    throw new GuestSourceError(`unknown example '${example[1]}' (known: ${known.join(', ') || 'none'})`, source);
  }
  throw new GuestSourceError(`${source}: no such file or folder`, source);
}

function guestFolder(dir: string, source: string): ResolvedGuest {
  const entry = join(dir, 'assembly', 'index.ts');
  if (!existsSync(entry)) throw new GuestSourceError(`${source}: a guest folder needs assembly/index.ts`, source);
  return { kind: 'assemblyscript', path: entry, name: basename(dir) };
}

/** `examples/x/assembly/index.ts` is named `x`; `foo.ts` is named `foo`. */
function nameOfTs(path: string): string {
  const base = basename(path, '.ts');
  if (base === 'index' && basename(dirname(path)) === 'assembly') return basename(dirname(dirname(path)));
  return base;
}

export interface BuildOptions {
  /** AssemblyScript build cache folder; `null` disables caching (default DEFAULT_CACHE_DIR). */
  readonly cacheDir?: string | null;
  /** Passed to the compiler: upper bound on the guest's memory in 64 KiB pages. */
  readonly maxMemoryPages?: number;
}

/** The guest's WebAssembly module (compiling AssemblyScript if needed). Not for `.zkvm` files. */
export async function buildWasm(source: string | ResolvedGuest, opts: BuildOptions = {}): Promise<Uint8Array> {
  const guest = typeof source === 'string' ? await resolveGuest(source) : source;
  if (guest.kind === 'program') throw new GuestSourceError(`${guest.path}: a .zkvm program has no WebAssembly module`, guest.path);
  if (guest.kind === 'wasm') return new Uint8Array(await readFile(guest.path));
  const cacheDir = opts.cacheDir === undefined ? DEFAULT_CACHE_DIR : opts.cacheDir;
  const { compileAssemblyScript } = await import('./asc.ts');
  return compileAssemblyScript(guest.path, cacheDir === null ? {} : { cacheDir });
}

/** A Program from any source kind: decodes `.zkvm`, compiles `.wasm`, builds and compiles `.ts`. */
export async function buildProgram(source: string | ResolvedGuest, opts: BuildOptions = {}): Promise<Program> {
  const guest = typeof source === 'string' ? await resolveGuest(source) : source;
  if (guest.kind === 'program') return decodeProgram(new Uint8Array(await readFile(guest.path)));
  const wasm = await buildWasm(guest, opts);
  const { compileWasm } = await import('./compiler/index.ts');
  return compileWasm(wasm, { name: guest.name, ...(opts.maxMemoryPages === undefined ? {} : { maxMemoryPages: opts.maxMemoryPages }) });
}
