/**
 * Differential-test helpers: run one .wasm in the VM (compiled) and in Node's WebAssembly engine
 * (test/examples/_node-host.ts, the reference host), reduced to comparable outcomes. V8 reports a
 * null table entry and a signature mismatch with one message, so both map to 'indirect-call'.
 */
import { compileWasm } from '../../guest/compiler/index.ts';
import { execute } from '../../vm/executor.ts';
import { GuestPanic, GuestTrap } from '../../vm/errors.ts';
import type { Program } from '../../vm/program.ts';
import { runInNode } from '../examples/_node-host.ts';

export type Outcome =
  | { readonly kind: 'ok'; readonly output: string }
  | { readonly kind: 'trap'; readonly trap: string }
  | { readonly kind: 'panic'; readonly message: string };

const NODE_TRAPS: ReadonlyArray<[RegExp, string]> = [
  [/divide by zero|remainder by zero/i, 'div-by-zero'],
  [/integer overflow|divide result unrepresentable/i, 'int-overflow'],
  [/memory access out of bounds/i, 'out-of-bounds'],
  [/unreachable/i, 'unreachable'],
  [/null function|signature mismatch/i, 'indirect-call'],
  [/table index is out of bounds/i, 'table-out-of-bounds'],
];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function nodeOutcome(wasm: Uint8Array, input: Uint8Array = new Uint8Array(0)): Outcome {
  let r;
  try {
    r = runInNode(wasm, { input });
  } catch (e) {
    if (e instanceof RangeError && /call stack/.test(e.message)) return { kind: 'trap', trap: 'stack-overflow' };
    throw e;
  }
  if (r.ok) return { kind: 'ok', output: hex(r.output) };
  if (r.panic !== undefined) return { kind: 'panic', message: r.panic };
  const m = NODE_TRAPS.find(([re]) => re.test(r.trap ?? ''));
  return { kind: 'trap', trap: m ? m[1] : `unknown: ${r.trap}` };
}

export function vmOutcome(program: Program, input: Uint8Array = new Uint8Array(0)): Outcome {
  try {
    return { kind: 'ok', output: hex(execute(program, { input }, { record: true }).output) };
  } catch (e) {
    if (e instanceof GuestTrap) return { kind: 'trap', trap: e.kind.startsWith('indirect-call') ? 'indirect-call' : e.kind };
    if (e instanceof GuestPanic) return { kind: 'panic', message: e.guestMessage };
    throw e;
  }
}

/** Compiles `wasm` once and returns a function comparing VM and Node on an input. */
export function differ(wasm: Uint8Array): { program: Program; both(input?: Uint8Array): { vm: Outcome; node: Outcome } } {
  const program = compileWasm(wasm, { name: 'diff' });
  return { program, both: (input = new Uint8Array(0)) => ({ vm: vmOutcome(program, input), node: nodeOutcome(wasm, input) }) };
}

/** Little-endian bytes of i32 / i64 values. */
export function le32(xs: readonly number[]): Uint8Array {
  const b = new Uint8Array(4 * xs.length);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setInt32(4 * i, x, true));
  return b;
}
export function le64(xs: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(8 * xs.length);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setBigInt64(8 * i, BigInt.asIntN(64, x), true));
  return b;
}
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** WAT prelude: the syscalls and a 4-page exported memory; `$readAll` reads the whole input to 0. */
export const PRELUDE = `
  (import "zkvm" "read" (func $read (param i32 i32) (result i32)))
  (import "zkvm" "commit" (func $commit (param i32 i32)))
  (import "zkvm" "panic" (func $panic (param i32 i32)))
  (memory (export "memory") 4)
  (func $readAll (result i32) (local $n i32) (local $k i32)
    (block $done (loop $more
      (local.set $k (call $read (local.get $n) (i32.sub (i32.const 131072) (local.get $n))))
      (br_if $done (i32.eqz (local.get $k)))
      (local.set $n (i32.add (local.get $n) (local.get $k)))
      (br $more)))
    (local.get $n))
`;
