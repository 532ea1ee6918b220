#!/usr/bin/env node
// Entry point of the `zkvm` command: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

// binaryen and the AssemblyScript compiler are 14 MB JavaScript modules that tsx's loader takes
// ~20 s to pass through; loaded natively first, later imports reuse them from the module cache.
// prove and verify need the compiler only for a guest (examples/NAME, .ts, .wasm), not for a
// program file or a digest; the target is looked at where it usually is, right after the command.
const command = process.argv[2];
const target = process.argv[3] ?? '';
const needsCompiler =
  command === 'build' || command === 'run' || command === 'disasm' ||
  ((command === 'prove' || command === 'verify') && !target.startsWith('-') && !target.endsWith('.zkvm') && !/^[0-9a-fA-F]{64}$/.test(target));
if (needsCompiler) {
  await import('binaryen');
  await import('assemblyscript/asc');
}

register();
await import('../cli/main.ts');
