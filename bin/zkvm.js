#!/usr/bin/env node
// Entry point of the `zkvm` command: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

// binaryen and the AssemblyScript compiler are 14 MB JavaScript modules that tsx's loader takes
// ~20 s to pass through; loaded natively first, later imports reuse them from the module cache.
const command = process.argv[2];
if (command === 'build' || command === 'run' || command === 'disasm') {
  await import('binaryen');
  await import('assemblyscript/asc');
}

register();
await import('../cli/main.ts');
