/**
 * The AssemblyScript build step: a guest `.ts` file to a WebAssembly module the guest compiler
 * accepts.
 *
 * It drives the `assemblyscript` package's programmatic API (`asc.main`) in memory, with the options
 * the VM needs: `--runtime stub` (a bump allocator, no GC: a guest runs once and exits), `-O3`,
 * `--debug` (function names, for error messages), and
 * `--use abort=...` so that asserts, bounds checks and explicit aborts become a `zkvm.panic` carrying
 * the message and the source location instead of an unknown `env.abort` import.
 *
 * `import ... from "zkvm-sdk"` resolves to guest/sdk/assembly/ for any guest, inside the repository
 * or not: the SDK is served from a virtual package root that only this step knows, so a guest needs
 * no node_modules or relative path. A guest that does not import the SDK still gets it linked (a
 * hidden extra entry imports it), because the abort handler lives there.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding the SDK's AssemblyScript sources (the `zkvm-sdk` package). */
export const SDK_DIR: string = join(dirname(fileURLToPath(import.meta.url)), 'sdk', 'assembly');

/** The package name guests import the SDK by. */
export const SDK_PACKAGE = 'zkvm-sdk';

/** Virtual package root handed to asc as `--path`; reads under it are served from SDK_DIR. */
const VIRTUAL_ROOT = resolve('/__zkvm_virtual_packages__');
const VIRTUAL_SDK = join(VIRTUAL_ROOT, SDK_PACKAGE);
/** Hidden extra entry that links the SDK (and so the abort handler) into every guest. */
const LINK_ENTRY = '__zkvm_sdk_link__';
const LINK_SOURCE = `import "${SDK_PACKAGE}";\n`;

/** A guest that AssemblyScript refused to compile; `diagnostics` is the compiler's own report. */
export class GuestBuildError extends Error {
  override readonly name = 'GuestBuildError';
  constructor(
    /** The entry file (INLINE_NAME for in-memory sources). */
    readonly file: string,
    /** asc's diagnostics, uncoloured, as it would print them. */
    readonly diagnostics: string,
  ) {
    super(`cannot compile ${file}: ${firstError(diagnostics)}`);
  }
}

export interface AscOptions {
  /** binaryen optimisation level, 0..3 (default 3). */
  readonly optimizeLevel?: 0 | 1 | 2 | 3;
  /** Extra raw asc arguments, appended last (for experiments; the defaults are what the VM wants). */
  readonly extraArgs?: readonly string[];
  /**
   * Folder for a build cache (e.g. `build/guests`). A cached module is reused when every source
   * file the compiler read (guest, its imports, the SDK) still has the same content.
   */
  readonly cacheDir?: string;
}

/** Compiles the AssemblyScript guest at `entryFile` (and what it imports) to a .wasm module. */
export async function compileAssemblyScript(entryFile: string, opts: AscOptions = {}): Promise<Uint8Array> {
  if (typeof entryFile !== 'string' || entryFile.length === 0) throw new TypeError('entryFile: expected a non-empty path');
  const abs = resolve(entryFile);
  return withCache(opts, [abs], () => runAsc(dirname(abs), relative(dirname(abs), abs), {}, opts, entryFile));
}

/**
 * Runs `build` unless `opts.cacheDir` holds a module for the same key whose recorded sources all
 * still hash the same; stores what `build` made otherwise.
 */
async function withCache(opts: AscOptions, keyParts: unknown[], build: () => Promise<AscOutput>): Promise<Uint8Array> {
  if (opts.cacheDir === undefined) return (await build()).binary;
  const key = sha256Hex(JSON.stringify([...keyParts, opts.optimizeLevel ?? 3, opts.extraArgs ?? [], ASC_FORMAT, await ascVersion()]));
  const wasmPath = join(opts.cacheDir, `${key}.wasm`);
  const depsPath = join(opts.cacheDir, `${key}.deps.json`);
  const cached = await readCached(wasmPath, depsPath);
  if (cached) return cached;
  const { binary, deps } = await build();
  await mkdir(opts.cacheDir, { recursive: true });
  // Write then rename, so parallel test workers never read a half-written file. The module goes
  // first: a reader pairing it with stale deps finds them out of date and rebuilds.
  await writeFile(`${wasmPath}.${process.pid}.tmp`, binary);
  await rename(`${wasmPath}.${process.pid}.tmp`, wasmPath);
  await writeFile(`${depsPath}.${process.pid}.tmp`, JSON.stringify(deps));
  await rename(`${depsPath}.${process.pid}.tmp`, depsPath);
  return binary;
}

interface AscOutput {
  readonly binary: Uint8Array;
  /** Every source file asc read (absolute path -> sha256 of its text). */
  readonly deps: Record<string, string>;
}

/** Bumped when the build options above change meaning, to invalidate old caches. */
const ASC_FORMAT = 2;

/** The installed compiler's version, read from its package.json (cheaper than loading asc). */
async function ascVersion(): Promise<string> {
  try {
    const pkg = await readFile(fileURLToPath(import.meta.resolve('assemblyscript/package.json')), 'utf8');
    return (JSON.parse(pkg) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function readCached(wasmPath: string, depsPath: string): Promise<Uint8Array | null> {
  try {
    const deps = JSON.parse(await readFile(depsPath, 'utf8')) as Record<string, string>;
    for (const [file, hash] of Object.entries(deps)) {
      const text = await readText(file);
      if (text === null || sha256Hex(text) !== hash) return null;
    }
    return new Uint8Array(await readFile(wasmPath));
  } catch {
    return null;
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** File name an in-memory source gets in diagnostics and abort locations. */
export const INLINE_NAME = 'inline-guest.ts';

/**
 * Compiles an in-memory AssemblyScript source (tests, generated guests). It may import `zkvm-sdk`;
 * relative imports resolve against `baseDir` (default: the working directory).
 */
export async function compileAssemblyScriptSource(source: string, opts: AscOptions & { baseDir?: string } = {}): Promise<Uint8Array> {
  if (typeof source !== 'string') throw new TypeError('source: expected a string');
  const baseDir = resolve(opts.baseDir ?? '.');
  return withCache(opts, [sha256Hex(source), baseDir], () => runAsc(baseDir, INLINE_NAME, { [INLINE_NAME]: source }, opts, INLINE_NAME));
}

async function runAsc(
  baseDir: string,
  entry: string,
  virtualFiles: Record<string, string>,
  opts: AscOptions,
  label: string,
): Promise<AscOutput> {
  const level = opts.optimizeLevel ?? 3;
  if (![0, 1, 2, 3].includes(level)) throw new RangeError(`optimizeLevel: expected 0..3, got ${String(level)}`);
  const asc = await import('assemblyscript/asc');
  const outName = '__zkvm_out__.wasm';
  const files: Record<string, string> = { ...virtualFiles, [`${LINK_ENTRY}.ts`]: LINK_SOURCE };
  const emitted: { binary: Uint8Array | null } = { binary: null };
  const deps: Record<string, string> = {};
  const readDep = async (path: string): Promise<string | null> => {
    const text = await readText(path);
    if (text !== null) deps[path] = sha256Hex(text);
    return text;
  };
  const stderr = asc.createMemoryStream();
  const stdout = asc.createMemoryStream();
  const args = [
    entry,
    `${LINK_ENTRY}.ts`,
    '--outFile', outName,
    `-O${level}`,
    '--runtime', 'stub',
    // Keeps the name section only (same code, same cycles: measured on the sha256 example), so
    // errors name the guest function ('index/compress') instead of 'func3'.
    '--debug',
    '--path', VIRTUAL_ROOT,
    '--use', `abort=~lib/${SDK_PACKAGE}/index/zkvmAbort`,
    '--baseDir', baseDir,
    '--noColors',
    ...(opts.extraArgs ?? []),
  ];
  const result = await asc.main(args, {
    stdout,
    stderr,
    readFile: async (filename: string, dir: string) => {
      const full = isAbsolute(filename) ? filename : resolve(dir, filename);
      const rel = relative(baseDir, full);
      if (Object.hasOwn(files, rel)) return files[rel] ?? null;
      // asconfig.json would silently change the options the VM relies on: ignore it.
      if (rel === 'asconfig.json') return null;
      if (full.startsWith(VIRTUAL_SDK + sep)) return readDep(join(SDK_DIR, full.slice(VIRTUAL_SDK.length + 1)));
      if (full.startsWith(VIRTUAL_ROOT + sep)) return null;
      return readDep(full);
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name === outName && contents instanceof Uint8Array) emitted.binary = contents;
    },
    listFiles: () => [],
  });
  if (result.error || emitted.binary === null) {
    throw new GuestBuildError(label, stderr.toString() || (result.error ? result.error.message : 'no output'));
  }
  return { binary: emitted.binary, deps };
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** The first ERROR line of asc's report with its location line, for one-line messages. */
function firstError(diagnostics: string): string {
  const lines = diagnostics.split('\n');
  const i = lines.findIndex((l) => l.startsWith('ERROR'));
  if (i < 0) return lines.find((l) => l.trim().length > 0)?.trim() ?? 'unknown error';
  const where = lines.slice(i + 1, i + 6).find((l) => l.includes('└─ in '));
  return where ? `${lines[i]!.trim()} (${where.replace(/.*└─ in /, '').trim()})` : lines[i]!.trim();
}
