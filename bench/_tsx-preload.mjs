// Preload for `npm run bench`: loads binaryen and the AssemblyScript compiler natively, then
// registers tsx. tsx's loader takes ~20 s on each of these 14 MB modules; modules already in
// Node's cache are not loaded again, so the benchmarks do not pay (and do not measure) that.
// Same trick as bin/zkvm.js.
import { register } from 'tsx/esm/api';

await import('binaryen');
await import('assemblyscript/asc');
register();
