// Compiles every AssemblyScript entry file under `<folder>/assembly/*.ts` listed below into build/wasm/<name>.wasm.
// Files whose name starts with `_` are shared helpers imported by entries, not entries themselves.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';

const ROOTS = ['prover/wasm/assembly'];
const OUT = 'build/wasm';
mkdirSync(OUT, { recursive: true });

const asc = join('node_modules', '.bin', 'asc');
for (const root of ROOTS) {
  if (!existsSync(root)) continue;
  for (const file of readdirSync(root)) {
    if (!file.endsWith('.ts') || file.startsWith('_')) continue;
    const src = join(root, file);
    const out = join(OUT, basename(file, '.ts') + '.wasm');
    if (existsSync(out) && statSync(out).mtimeMs > newestMtime(root)) continue;
    execFileSync(asc, [src, '-o', out, '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536', '--enable', 'threads'], { stdio: 'inherit' });
    console.log(`built ${out}`);
  }
}

function newestMtime(dir) {
  let t = 0;
  for (const f of readdirSync(dir)) t = Math.max(t, statSync(join(dir, f)).mtimeMs);
  return t;
}
