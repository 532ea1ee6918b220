/**
 * Executor speed on a loop-heavy integer guest written in WAT (no toolchain needed): an
 * xorshift-filled array, an insertion sort over it, an FNV-style i32 hash and an i64
 * multiply-accumulate, committed at the end. Reports cycles per second with the ExecutionRecord
 * kept (what proving needs; records are released between samples, as a prover consuming them
 * would) and without it, median of `samples` runs after one warm-up. Issue 4's goal: >= 20 M
 * cycles/s while recording. bench/executor-examples.ts measures the same on the sort and SHA-256
 * examples.
 * Run: `npx tsx bench/executor.ts [--json]`.
 * @module
 */
import { assembleWat } from '../guest/compiler/wat.ts';
import { compileWasm } from '../guest/compiler/index.ts';
import { execute } from '../vm/executor.ts';

export interface ExecutorBenchOptions {
  /** Array length sorted (default 1200: about 4 M cycles). */
  readonly n?: number;
  readonly samples?: number;
}

export interface ExecutorBenchFigures {
  readonly cycles: number;
  readonly recordMs: number;
  readonly recordCyclesPerSec: number;
  readonly plainMs: number;
  readonly plainCyclesPerSec: number;
  readonly compileMs: number;
  readonly instructions: number;
}

export function guestWat(n: number): string {
  return `(module
  (import "zkvm" "commit" (func $commit (param i32 i32)))
  (memory (export "memory") 1)
  (func $fill (param $n i32) (local $i i32) (local $x i32)
    (local.set $x (i32.const 2463534242))
    (loop $l
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (i32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) (local.get $x))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
  (func $sort (param $n i32) (local $i i32) (local $j i32) (local $v i32) (local $w i32)
    (local.set $i (i32.const 1))
    (block $done (loop $outer
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $v (i32.load offset=1024 (i32.shl (local.get $i) (i32.const 2))))
      (local.set $j (local.get $i))
      (block $placed (loop $inner
        (br_if $placed (i32.eqz (local.get $j)))
        (local.set $w (i32.load offset=1020 (i32.shl (local.get $j) (i32.const 2))))
        (br_if $placed (i32.le_u (local.get $w) (local.get $v)))
        (i32.store offset=1024 (i32.shl (local.get $j) (i32.const 2)) (local.get $w))
        (local.set $j (i32.sub (local.get $j) (i32.const 1)))
        (br $inner)))
      (i32.store offset=1024 (i32.shl (local.get $j) (i32.const 2)) (local.get $v))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $outer))))
  (func $hash (param $n i32) (result i32) (local $i i32) (local $h i32)
    (local.set $h (i32.const -2128831035))
    (loop $l
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u offset=1024 (local.get $i))) (i32.const 16777619)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.shl (local.get $n) (i32.const 2)))))
    (local.get $h))
  (func $mac (param $n i32) (result i64) (local $i i32) (local $acc i64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc) (i64.mul (i64.load32_u offset=1024 (i32.shl (local.get $i) (i32.const 2))) (i64.extend_i32_u (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func (export "main")
    (call $fill (i32.const ${n}))
    (call $sort (i32.const ${n}))
    (i32.store (i32.const 0) (call $hash (i32.const ${n})))
    (i64.store (i32.const 4) (call $mac (i32.const ${n})))
    (call $commit (i32.const 0) (i32.const 12))))`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export function benchExecutor(opts: ExecutorBenchOptions = {}): ExecutorBenchFigures {
  const n = opts.n ?? 1200;
  const samples = opts.samples ?? 3;
  const t0 = performance.now();
  const program = compileWasm(assembleWat(guestWat(n)), { name: 'executor-bench' });
  const compileMs = performance.now() - t0;
  const time = (record: boolean): { cycles: number; ms: number } => {
    let cycles = 0;
    const ms: number[] = [];
    for (let k = 0; k <= samples; k++) {
      const t = performance.now();
      const r = execute(program, {}, { record });
      const dt = performance.now() - t;
      r.record?.release();
      cycles = r.cycles;
      if (k > 0) ms.push(dt);
    }
    return { cycles, ms: median(ms) };
  };
  const rec = time(true);
  const plain = time(false);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    cycles: rec.cycles,
    recordMs: round(rec.ms),
    recordCyclesPerSec: Math.round(rec.cycles / (rec.ms / 1000)),
    plainMs: round(plain.ms),
    plainCyclesPerSec: Math.round(plain.cycles / (plain.ms / 1000)),
    compileMs: round(compileMs),
    instructions: program.code.length / 4,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchExecutor();
  console.log(process.argv.includes('--json') ? JSON.stringify(r) : r);
}
