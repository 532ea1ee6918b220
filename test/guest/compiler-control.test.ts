/**
 * Control flow, calls, globals and memory: small WAT guests compiled by the guest compiler give the
 * same output and the same traps in the VM as in Node's WebAssembly engine (br_table, loops, nested
 * blocks, recursion, indirect calls incl. type mismatch / null entry / out-of-table index, select,
 * globals, start function, data segments, every load/store width with sign/zero extension, out of
 * bounds at each width, memory.size / memory.grow, memory.copy / memory.fill).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleWat } from '../../guest/compiler/wat.ts';
import { execute } from '../../vm/executor.ts';
import { ISA } from '../../vm/isa.ts';
import { GuestTrap } from '../../vm/errors.ts';
import { concat, differ, le32, PRELUDE } from '../vm/_diff.ts';

const mod = (body: string): Uint8Array => assembleWat(`(module ${PRELUDE} ${body})`);
/** Commits the i32 on the stack: stores it at 0x30000 and commits 4 bytes. */
const COMMIT32 = `(func $c32 (param $v i32) (i32.store (i32.const 0x30000) (local.get $v)) (call $commit (i32.const 0x30000) (i32.const 4)))
  (func $c64 (param $v i64) (i64.store (i32.const 0x30000) (local.get $v)) (call $commit (i32.const 0x30000) (i32.const 8)))`;

function same(wasm: Uint8Array, inputs: Uint8Array[] = [new Uint8Array(0)]): void {
  const d = differ(wasm);
  for (const input of inputs) {
    const { vm, node } = d.both(input);
    expect(vm).toEqual(node);
  }
}

describe('control flow', () => {
  it('br_table picks each target and the default for every index, like Node', () => {
    const w = mod(`${COMMIT32}
      (func $sw (param $x i32) (result i32)
        (block $d (block $c (block $b (block $a
          (br_table $a $b $c $b $d (local.get $x)))
          (return (i32.const 10)))
          (return (i32.const 20)))
          (return (i32.const 30)))
        (i32.const 99))
      (func (export "main") (local $i i32)
        (local.set $i (i32.const -3))
        (loop $l
          (call $c32 (call $sw (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_s (local.get $i) (i32.const 9)))))`);
    same(w);
    const out = execute(differ(w).program).output;
    expect(Array.from(new Int32Array(out.buffer, out.byteOffset, out.length / 4))).toEqual([99, 99, 99, 10, 20, 30, 20, 99, 99, 99, 99, 99]);
  });

  it('nested blocks and loops with br / br_if carrying values, like Node', () => {
    const w = mod(`${COMMIT32}
      (func $f (param $n i32) (result i32) (local $acc i32) (local $i i32) (local $j i32)
        (block $out (result i32)
          (loop $outer
            (local.set $j (i32.const 0))
            (loop $inner
              (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (local.get $j))))
              (drop (br_if $out (local.get $acc) (i32.gt_u (local.get $acc) (i32.const 5000))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
          (i32.sub (i32.const 0) (local.get $acc))))
      (func (export "main") (local $n i32)
        (loop $l
          (call $c32 (call $f (local.get $n)))
          (local.set $n (i32.add (local.get $n) (i32.const 3)))
          (br_if $l (i32.lt_u (local.get $n) (i32.const 40)))))`);
    same(w);
  });

  it('recursion (fib, ackermann, mutual recursion) and locals that start at zero in every call, like Node', () => {
    const w = mod(`${COMMIT32}
      (func $fib (param $n i32) (result i32)
        (if (result i32) (i32.lt_u (local.get $n) (i32.const 2)) (then (local.get $n))
          (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1))) (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
      (func $ack (param $m i64) (param $n i64) (result i64)
        (if (result i64) (i64.eqz (local.get $m)) (then (i64.add (local.get $n) (i64.const 1)))
          (else (if (result i64) (i64.eqz (local.get $n))
            (then (call $ack (i64.sub (local.get $m) (i64.const 1)) (i64.const 1)))
            (else (call $ack (i64.sub (local.get $m) (i64.const 1)) (call $ack (local.get $m) (i64.sub (local.get $n) (i64.const 1)))))))))
      (func $even (param $n i32) (result i32) (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 1)) (else (call $odd (i32.sub (local.get $n) (i32.const 1))))))
      (func $odd (param $n i32) (result i32) (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0)) (else (call $even (i32.sub (local.get $n) (i32.const 1))))))
      (func $dirty (param $d i32) (result i32) (local $z i32) (local $w i64)
        (local.set $z (i32.add (local.get $z) (local.get $d)))
        (local.set $w (i64.add (local.get $w) (i64.extend_i32_u (local.get $d))))
        (if (i32.lt_u (local.get $d) (i32.const 5)) (then (drop (call $dirty (i32.add (local.get $d) (i32.const 1))))))
        (i32.add (local.get $z) (i32.wrap_i64 (local.get $w))))
      (func (export "main")
        (call $c32 (call $fib (i32.const 18)))
        (call $c64 (call $ack (i64.const 2) (i64.const 3)))
        (call $c32 (call $even (i32.const 101)))
        (call $c32 (call $dirty (i32.const 1)))
        (call $c32 (call $dirty (i32.const 3))))`);
    same(w);
  });

  it('locals read before any write on some path start at zero even in a dirty frame, like Node', () => {
    const w = mod(`${COMMIT32}
      (func $scribble (param $v i32) (local $a i32) (local $b i32) (local $c i32) (local $d i64) (local $e i32) (local $f i32)
        (local.set $a (local.get $v)) (local.set $b (local.get $v)) (local.set $c (local.get $v))
        (local.set $d (i64.const -1)) (local.set $e (local.get $v)) (local.set $f (local.get $v))
        (call $c32 (i32.add (local.get $a) (i32.add (local.get $b) (i32.add (local.get $c) (i32.add (local.get $e) (local.get $f)))))))
      (func $paths (param $k i32) (result i32) (local $a i32) (local $b i32) (local $c i32) (local $d i64) (local $i i32)
        ;; $a: written only when the branch is not taken
        (block $x (br_if $x (local.get $k)) (local.set $a (i32.const 7)))
        ;; $b: read before its write in the first loop iteration
        (loop $l
          (local.set $c (i32.add (local.get $c) (local.get $b)))
          (local.set $b (i32.const 3))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
        ;; $d: written in one arm of an if only
        (if (i32.eq (local.get $k) (i32.const 2)) (then (local.set $d (i64.const 9))))
        (i32.add (i32.add (local.get $a) (local.get $c)) (i32.wrap_i64 (local.get $d))))
      (func (export "main")
        (call $scribble (i32.const -1))
        (call $c32 (call $paths (i32.const 1)))
        (call $scribble (i32.const 12345))
        (call $c32 (call $paths (i32.const 0)))
        (call $scribble (i32.const 99))
        (call $c32 (call $paths (i32.const 2))))`);
    same(w);
    const out = execute(differ(w).program).output;
    const words = Array.from(new Int32Array(out.buffer, out.byteOffset, out.length / 4));
    expect([words[1], words[3], words[5]]).toEqual([9, 16, 18]);
  });

  it('fused compare-and-branch: every comparison, slot and immediate forms, both polarities, like Node', () => {
    const CMPS = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
    const fns = CMPS.map((c) => `
      (func $${c} (param $x i32) (param $y i32) (result i32) (local $r i32)
        (if (i32.${c} (local.get $x) (local.get $y)) (then (local.set $r (i32.const 1))) (else (local.set $r (i32.const 2))))
        (block $b (br_if $b (i32.${c} (local.get $x) (i32.const 5))) (local.set $r (i32.add (local.get $r) (i32.const 10))))
        (block $b2 (br_if $b2 (i32.${c} (i32.const -1) (local.get $y))) (local.set $r (i32.add (local.get $r) (i32.const 100))))
        (local.get $r))`).join('');
    const calls = CMPS.map((c) => `(call $c32 (call $${c} (local.get $x) (local.get $y)))`).join(' ');
    const w = mod(`${COMMIT32} ${fns}
      (func (export "main") (local $p i32) (local $x i32) (local $y i32)
        (drop (call $readAll))
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $p) (i32.load (i32.const 0))))
          (local.set $x (i32.load offset=4 (i32.shl (local.get $p) (i32.const 3))))
          (local.set $y (i32.load offset=8 (i32.shl (local.get $p) (i32.const 3))))
          ${calls}
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $l))))`);
    const vals = [0, 1, -1, 5, 4, 6, -0x80000000, 0x7fffffff, 2];
    const pairs = vals.flatMap((a) => vals.map((b) => [a, b]));
    same(w, [le32([pairs.length, ...pairs.flat()])]);
    const p = differ(w).program;
    const fused = new Set<string>();
    for (let i = 0; i < p.code.length; i += 4) {
      const m = ISA[p.code[i]!]!.mnemonic;
      if (m.startsWith('br_') && m !== 'br_table') fused.add(m.replace('.i', ''));
    }
    expect(fused.size).toBeGreaterThanOrEqual(8);
  });

  it('keeps the compare when its result is still needed after the branch', () => {
    const w = mod(`${COMMIT32}
      (func $f (param $x i32) (result i32) (local $t i32)
        (local.set $t (i32.lt_s (local.get $x) (i32.const 10)))
        (block $b (br_if $b (local.get $t)) (local.set $x (i32.const 99)))
        (i32.add (local.get $x) (i32.mul (local.get $t) (i32.const 1000))))
      (func (export "main") (call $c32 (call $f (i32.const 3))) (call $c32 (call $f (i32.const 30))))`);
    same(w);
    const out = execute(differ(w).program).output;
    expect(Array.from(new Int32Array(out.buffer, out.byteOffset, 2))).toEqual([1003, 99]);
  });

  it('select on i32 and i64, with the result aliasing an operand, like Node', () => {
    const w = mod(`${COMMIT32}
      (func (export "main") (local $a i32) (local $b i32) (local $c i32) (local $x i64) (local $y i64)
        (local.set $a (i32.const 11)) (local.set $b (i32.const 22))
        (local.set $a (select (local.get $b) (local.get $a) (local.get $c)))
        (call $c32 (local.get $a))
        (local.set $c (i32.const 1))
        (local.set $a (select (local.get $b) (local.get $a) (local.get $c)))
        (call $c32 (local.get $a))
        (local.set $c (select (local.get $c) (i32.const 5) (local.get $c)))
        (call $c32 (local.get $c))
        (local.set $x (i64.const -5)) (local.set $y (i64.const 0x123456789))
        (local.set $y (select (local.get $x) (local.get $y) (i32.const 0)))
        (call $c64 (local.get $y))
        (local.set $y (select (local.get $x) (local.get $y) (i32.const 7)))
        (call $c64 (local.get $y)))`);
    same(w);
  });

  it('globals (i32 and i64), the start function and data segments, like Node', () => {
    const w = mod(`${COMMIT32}
      (global $g (mut i32) (i32.const 5))
      (global $h (mut i64) (i64.const 0x100000000))
      (global $k i32 (i32.const -7))
      (data (i32.const 0x20000) "zkvm data")
      (func $init (global.set $g (i32.mul (global.get $g) (global.get $k))))
      (start $init)
      (func (export "main") (local $i i32)
        (loop $l
          (global.set $h (i64.add (global.get $h) (i64.extend_i32_s (global.get $g))))
          (global.set $g (i32.add (global.get $g) (i32.const 3)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 20))))
        (call $c32 (global.get $g))
        (call $c64 (global.get $h))
        (call $commit (i32.const 0x20000) (i32.const 9)))`);
    same(w);
  });

  const INDIRECT = `${COMMIT32}
    (type $un (func (param i32) (result i32)))
    (type $bin (func (param i32 i32) (result i32)))
    (table 6 funcref)
    (elem (i32.const 0) $dbl $neg $add)
    (elem (i32.const 4) $dbl)
    (func $dbl (param $x i32) (result i32) (i32.shl (local.get $x) (i32.const 1)))
    (func $neg (param $x i32) (result i32) (i32.sub (i32.const 0) (local.get $x)))
    (func $add (param $x i32) (param $y i32) (result i32) (i32.add (local.get $x) (local.get $y)))
    (func (export "main") (local $k i32)
      (drop (call $readAll))
      (local.set $k (i32.load (i32.const 0)))
      (call $c32 (call_indirect (type $un) (i32.const 21) (i32.const 0)))
      (call $c32 (call_indirect (type $un) (i32.const 21) (i32.const 1)))
      (call $c32 (call_indirect (type $bin) (i32.const 2) (i32.const 3) (i32.const 2)))
      (call $c32 (call_indirect (type $un) (i32.const 5) (local.get $k))))`;

  it('indirect calls work and trap on a type mismatch, a null entry and an index past the table', () => {
    const w = mod(INDIRECT);
    same(w, [le32([0]), le32([4]), le32([2]), le32([3]), le32([6]), le32([-1])]);
    const p = differ(w).program;
    const kind = (k: number): string => {
      try {
        execute(p, { input: le32([k]) });
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(GuestTrap);
        expect((e as GuestTrap).func).toBe('main');
        return (e as GuestTrap).kind;
      }
    };
    expect([kind(4), kind(2), kind(3), kind(6), kind(-1)]).toEqual(['ok', 'indirect-call-type', 'indirect-call-null', 'table-out-of-bounds', 'table-out-of-bounds']);
  });

  it('unbounded recursion ends with a stack-overflow trap in the VM and a stack error in Node', () => {
    const w = mod(`(func $down (param $n i32) (result i32) (i32.add (call $down (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
      (func (export "main") (drop (call $down (i32.const 0))))`);
    same(w);
  });
});

describe('memory', () => {
  const LOADS: Array<[string, string, number]> = [
    ['i32.load8_s', 'i32', 1], ['i32.load8_u', 'i32', 1], ['i32.load16_s', 'i32', 2], ['i32.load16_u', 'i32', 2], ['i32.load', 'i32', 4],
    ['i64.load8_s', 'i64', 1], ['i64.load8_u', 'i64', 1], ['i64.load16_s', 'i64', 2], ['i64.load16_u', 'i64', 2],
    ['i64.load32_s', 'i64', 4], ['i64.load32_u', 'i64', 4], ['i64.load', 'i64', 8],
  ];
  const STORES: Array<[string, string, number]> = [
    ['i32.store8', 'i32', 1], ['i32.store16', 'i32', 2], ['i32.store', 'i32', 4],
    ['i64.store8', 'i64', 1], ['i64.store16', 'i64', 2], ['i64.store32', 'i64', 4], ['i64.store', 'i64', 8],
  ];

  it('every load width with sign and zero extension, at unaligned addresses and with offsets, like Node', () => {
    const loads = LOADS.map(([op, t]) => `(call $c${t === 'i32' ? 32 : 64} (${op} offset=3 (local.get $p)))`).join('\n');
    const w = mod(`${COMMIT32}
      (data (i32.const 0x100) "\\80\\ff\\7f\\01\\fe\\80\\00\\81\\92\\a3\\b4\\c5\\d6\\e7\\f8\\09\\8f")
      (func (export "main") (local $p i32)
        (local.set $p (i32.const 0xfd))
        (loop $l
          ${loads}
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $p) (i32.const 0x106)))))`);
    same(w);
  });

  it('every store width writes exactly its bytes, like Node', () => {
    const stores = STORES.map(([op, t], k) => `(${op} offset=${k * 16} (i32.const 0x200) (${t}.const ${t === 'i32' ? '0x89abcdef' : '0xfedcba9876543210'}))`).join('\n');
    const w = mod(`${COMMIT32}
      (func (export "main")
        (memory.fill (i32.const 0x200) (i32.const 0x5a) (i32.const 128))
        ${stores}
        (call $commit (i32.const 0x200) (i32.const 128)))`);
    same(w);
  });

  it('a load or store one byte past the end traps at each width, and the last in-bounds one works', () => {
    for (const [op, t, n] of [...LOADS, ...STORES]) {
      const isStore = op.includes('store');
      const access = (addr: string): string =>
        isStore ? `(${op} (i32.add (i32.const ${addr}) (local.get $d)) (${t}.const -1))` : `(drop (${op} (i32.add (i32.const ${addr}) (local.get $d))))`;
      const w = mod(`(func (export "main") (local $d i32)
        (drop (call $readAll))
        (local.set $d (i32.load (i32.const 0)))
        ${access(String(4 * 65536 - n))})`);
      const d = differ(w);
      for (const delta of [0, 1, n, 0x7fffffff]) {
        const { vm, node } = d.both(le32([delta]));
        expect(vm, `${op} delta ${delta}`).toEqual(node);
        expect(vm.kind).toBe(delta === 0 ? 'ok' : 'trap');
      }
    }
  });

  it('an address plus offset past 2^32 traps instead of wrapping', () => {
    const w = mod(`(func (export "main") (drop (i32.load offset=8 (i32.const -4))))`);
    same(w);
    expect(differ(w).both().vm).toEqual({ kind: 'trap', trap: 'out-of-bounds' });
  });

  it('memory.size and memory.grow up to the maximum, -1 beyond, and the new pages work, like Node', () => {
    const w = assembleWat(`(module
      (import "zkvm" "commit" (func $commit (param i32 i32)))
      (memory (export "memory") 1 3)
      (func $c32 (param $v i32) (i32.store (i32.const 16) (local.get $v)) (call $commit (i32.const 16) (i32.const 4)))
      (func (export "main")
        (call $c32 (memory.size))
        (call $c32 (memory.grow (i32.const 1)))
        (call $c32 (memory.grow (i32.const 5)))
        (call $c32 (memory.grow (i32.const 0)))
        (i32.store (i32.const 131068) (i32.const 0x1234))
        (call $c32 (i32.load (i32.const 131068)))
        (call $c32 (memory.grow (i32.const 1)))
        (call $c32 (memory.grow (i32.const 1)))
        (call $c32 (memory.size))))`);
    same(w);
  });

  it('memory.copy (overlapping both ways) and memory.fill match Node on random arguments, traps included', () => {
    const w = mod(`(func (export "main") (local $i i32)
        (drop (call $readAll))
        (local.set $i (i32.const 0))
        (loop $l
          (i32.store8 (i32.add (i32.const 0x10000) (local.get $i)) (i32.mul (local.get $i) (i32.const 7)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 512))))
        (memory.copy (i32.add (i32.const 0x10000) (i32.load (i32.const 0))) (i32.add (i32.const 0x10000) (i32.load (i32.const 4))) (i32.load (i32.const 8)))
        (memory.fill (i32.add (i32.const 0x10000) (i32.load (i32.const 12))) (i32.load (i32.const 16)) (i32.load (i32.const 20)))
        (call $commit (i32.const 0x10000) (i32.const 512)))`);
    const d = differ(w);
    const small = fc.integer({ min: 0, max: 300 });
    fc.assert(fc.property(small, small, small, small, fc.integer(), small, (dst, src, n, fdst, v, fn) => {
      const { vm, node } = d.both(le32([dst, src, n, fdst, v, fn]));
      expect(vm).toEqual(node);
    }), { numRuns: 40 });
    for (const args of [[0, 0, 0x40000, 0, 0, 0], [0x30000 - 1, 0, 0x10001, 0, 0, 0], [0, 0, 0, 0x30000, 1, 0], [0, 0, 0, 0x30000, 1, 1]]) {
      const { vm, node } = d.both(le32(args));
      expect(vm).toEqual(node);
    }
    expect(d.both(le32([0, 0, 0x40000, 0, 0, 0])).vm).toEqual({ kind: 'trap', trap: 'out-of-bounds' });
  });

  it('reads input in pieces and commits output in pieces, like Node', () => {
    const w = mod(`(func (export "main") (local $n i32)
        (local.set $n (call $read (i32.const 0x100) (i32.const 3)))
        (call $commit (i32.const 0x100) (local.get $n))
        (local.set $n (call $read (i32.const 0x100) (i32.const 1000)))
        (call $commit (i32.const 0x100) (local.get $n))
        (local.set $n (call $read (i32.const 0x100) (i32.const 1000)))
        (i32.store (i32.const 0x100) (local.get $n))
        (call $commit (i32.const 0x100) (i32.const 4)))`);
    same(w, [new Uint8Array(0), Uint8Array.of(1, 2), concat(Uint8Array.from({ length: 700 }, (_, i) => i & 255))]);
  });
});
