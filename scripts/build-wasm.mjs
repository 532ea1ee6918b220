// Compiles the kernel module prover/wasm/assembly/index.ts (which re-exports every kernel file of
// that folder) into build/wasm/kernels.wasm: -O3, stub runtime, SIMD, imported shared memory.
// Incremental: skipped when the output is newer than every source file and than this script.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, existsSync, statSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = 'prover/wasm/assembly';
const OUT_DIR = 'build/wasm';
const OUT = join(OUT_DIR, 'kernels.wasm');
const asc = join('node_modules', '.bin', 'asc');

mkdirSync(OUT_DIR, { recursive: true });
const newest = Math.max(
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
  ...readdirSync(ROOT).filter((f) => f.endsWith('.ts')).map((f) => statSync(join(ROOT, f)).mtimeMs),
);
if (existsSync(OUT) && statSync(OUT).mtimeMs > newest && !process.argv.includes('--force')) {
  process.exit(0);
}
const flags = [
  '-O3', '--runtime', 'stub', '--noAssert',
  '--enable', 'simd', '--enable', 'threads',
  '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536',
];
const tmp = `${OUT}.${process.pid}.tmp`; // per process: concurrent builds never share a half-written file
execFileSync(asc, [join(ROOT, 'index.ts'), '-o', tmp, ...flags], { stdio: 'inherit' });
// Rename only after a successful build so that a failed build never leaves a stale-but-newer file.
renameSync(tmp, OUT);
console.log(`built ${OUT}`);
