/**
 * The executor's contract beyond WASM semantics: refusals at build time name the function and the
 * operation or import; runs end with typed errors naming the guest function (panic with message and
 * location, traps, cycle limit, memory limit); cyclesByClass adds up; and the ExecutionRecord is
 * consistent with the run (one cpu row per cycle, the ALU rows satisfy the ISA reference semantics,
 * memory events hold the loaded/stored values, each table's rows are exactly its instructions).
 */
import { describe, expect, it } from 'vitest';
import { assembleWat } from '../../guest/compiler/wat.ts';
import { compileWasm, CompileError } from '../../guest/compiler/index.ts';
import { execute } from '../../vm/executor.ts';
import { CycleLimitError, ExecutionError, GuestPanic, GuestTrap, MemoryLimitError } from '../../vm/errors.ts';
import { ISA, INSTR_CLASSES, PROOF_TABLES } from '../../vm/isa.ts';
import { le32, PRELUDE } from './_diff.ts';

const build = (body: string) => compileWasm(assembleWat(`(module ${PRELUDE} ${body})`));
function refusal(wat: string): CompileError {
  try {
    compileWasm(assembleWat(wat));
  } catch (e) {
    expect(e).toBeInstanceOf(CompileError);
    return e as CompileError;
  }
  throw new Error('accepted');
}
function failure(f: () => unknown): ExecutionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ExecutionError);
    return e as ExecutionError;
  }
  throw new Error('the run did not fail');
}

describe('build-time refusals', () => {
  it('a float function, naming the function and the float operation', () => {
    const e = refusal(`(module (func $area (export "main") (drop (f32.mul (f32.const 1.5) (f32.convert_i32_s (i32.const 3))))))`);
    expect(e.func).toBe('area');
    expect(e.op).toBe('f32.convert_i32_s');
    expect(e.message).toMatch(/function area: f32\.convert_i32_s: f32 values are not supported/);
  });
  it('an f64 local and a float-consuming conversion', () => {
    expect(refusal(`(module (func (export "main") (local $x f64)))`).op).toBe('f64 local');
    expect(refusal(`(module (func $t (export "main") (param) (drop (i32.trunc_f64_s (f64.const 2)))))`).op).toBe('i32.trunc_f64_s');
  });
  it('SIMD and atomics, by operation', () => {
    expect(refusal(`(module (func $v (export "main") (drop (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4)))))`).message).toMatch(/function v: .*(SIMD|v128)/);
    expect(refusal(`(module (memory 1 1 shared) (func (export "main") (drop (i32.atomic.load (i32.const 0)))))`).message).toMatch(/shared memory|atomic/);
  });
  it('an unknown import, naming module and field', () => {
    const e = refusal(`(module (import "env" "abort" (func $abort (param i32 i32 i32 i32))) (func (export "main") (call $abort (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))`);
    expect(e.op).toBe('import env.abort');
    expect(e.message).toContain('"env.abort"');
    expect(e.message).toContain('zkvm.read');
  });
  it('a zkvm import with the wrong signature', () => {
    expect(refusal(`(module (import "zkvm" "commit" (func $c (param i32))) (func (export "main") (call $c (i32.const 0))))`).message).toMatch(/wrong signature i32->/);
  });
  it('a module without main or _start, and an entry point with parameters', () => {
    const e = refusal(`(module (func (export "run")))`);
    expect(e.message).toContain('"main"');
    expect(e.message).toContain('"_start"');
    expect(refusal(`(module (func (export "_start") (param i32)))`).message).toMatch(/no parameters/);
  });
  it('a malformed binary', () => {
    expect(() => compileWasm(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 9))).toThrow(CompileError);
  });
  it('accepts _start when there is no main, and a memory limit below the module minimum is refused', () => {
    expect(execute(compileWasm(assembleWat(`(module (func (export "_start")))`))).cycles).toBe(3);
    expect(() => compileWasm(assembleWat(`(module (memory 4) (func (export "main")))`), { maxMemoryPages: 2 })).toThrow(/needs 4 pages, the limit is 2/);
  });
});

describe('run-time errors', () => {
  const p = build(`
    (func $check (param $m i32)
      (if (i32.eq (local.get $m) (i32.const 1)) (then (call $panic (i32.const 0x100) (i32.const 32))))
      (if (i32.eq (local.get $m) (i32.const 2)) (then (call $panic (i32.const 0x200) (i32.const 4)))))
    (func $divide (param $a i32) (param $b i32) (result i32) (i32.div_u (local.get $a) (local.get $b)))
    (func $spin (loop $l (br $l)))
    (data (i32.const 0x100) "bad input at guest.ts:12:5\\00\\00\\00\\00\\00\\00")
    (data (i32.const 0x200) "oops")
    (func (export "main") (local $m i32)
      (drop (call $readAll))
      (local.set $m (i32.load (i32.const 0)))
      (call $check (local.get $m))
      (if (i32.eq (local.get $m) (i32.const 3)) (then (drop (call $divide (i32.const 1) (i32.const 0)))))
      (if (i32.eq (local.get $m) (i32.const 4)) (then (call $spin)))
      (if (i32.eq (local.get $m) (i32.const 5)) (then (unreachable))))`);

  it('a panic carries the message, the function and the source location the guest appended', () => {
    const e = failure(() => execute(p, { input: le32([1]) })) as GuestPanic;
    expect(e).toBeInstanceOf(GuestPanic);
    expect(e.guestMessage).toBe('bad input at guest.ts:12:5\0\0\0\0\0\0');
    expect(e.func).toBe('check');
    expect(e.guestStack).toEqual(['check', 'main']);
    expect(e.message).toMatch(/^guest panicked in check: bad input/);
    const plain = failure(() => execute(p, { input: le32([2]) })) as GuestPanic;
    expect(plain.guestMessage).toBe('oops');
    expect(plain.location).toBeUndefined();
  });
  it('the location is parsed when the message ends with it', () => {
    expect(new GuestPanic('index out of range at lib/array.ts:104:42', 'f', 0, 0).location).toBe('lib/array.ts:104:42');
  });
  it('a division by zero names the function and the trap', () => {
    const e = failure(() => execute(p, { input: le32([3]) })) as GuestTrap;
    expect(e).toBeInstanceOf(GuestTrap);
    expect(e.kind).toBe('div-by-zero');
    expect(e.func).toBe('divide');
    expect(e.message).toMatch(/guest trapped in divide at pc \d+: integer divide by zero/);
    expect(e.guestStack).toEqual(['divide', 'main']);
    expect(e.message).toContain('[guest stack: divide <- main]');
  });
  it('unreachable traps in main', () => {
    const e = failure(() => execute(p, { input: le32([5]) })) as GuestTrap;
    expect([e.kind, e.func]).toEqual(['unreachable', 'main']);
  });
  it('the cycle limit stops an endless loop, naming the function, after exactly maxCycles cycles', () => {
    const e = failure(() => execute(p, { input: le32([4]) }, { maxCycles: 5000 })) as CycleLimitError;
    expect(e).toBeInstanceOf(CycleLimitError);
    expect(e.func).toBe('spin');
    expect(e.guestStack).toEqual(['spin', 'main']);
    expect(e.cycles).toBe(5000);
    expect(e.message).toMatch(/cycle limit of 5000 reached in spin/);
  });
  it('the memory limit refuses a start-up heap or a memory.grow past it', () => {
    const e = failure(() => execute(p, {}, { maxMemoryBytes: 65536 })) as MemoryLimitError;
    expect(e).toBeInstanceOf(MemoryLimitError);
    const g = compileWasm(assembleWat(`(module (memory 1) (func (export "main") (drop (memory.grow (i32.const 3)))))`));
    expect(execute(g, {}, { maxMemoryBytes: 4 * 65536 }).memoryBytes).toBe(4 * 65536);
    const e2 = failure(() => execute(g, {}, { maxMemoryBytes: 3 * 65536 }));
    expect(e2).toBeInstanceOf(MemoryLimitError);
    expect(e2.func).toBe('main');
  });
  it('a normal run reports cycles by class that add up to the cycle count', () => {
    const r = execute(p, { input: le32([0]) });
    expect(Object.keys(r.cyclesByClass)).toEqual([...INSTR_CLASSES]);
    expect(Object.values(r.cyclesByClass).reduce((a, b) => a + b, 0)).toBe(r.cycles);
    expect(r.cyclesByClass.syscall).toBeGreaterThan(0);
  });
  it('rejects bad arguments with TypeError / RangeError', () => {
    expect(() => execute(p, { input: [1] as unknown as Uint8Array })).toThrow(TypeError);
    expect(() => execute(p, {}, { maxCycles: -1 })).toThrow(RangeError);
  });
});

// 64 iterations fit one chunk; 40,000 cross chunk boundaries of the cpu rows (CHUNK_ROWS) and of
// the memory and wide event sinks.
describe.each([{ iters: 64 }, { iters: 40_000 }])('ExecutionRecord ($iters iterations)', ({ iters }) => {
  const p = build(`
    (func $mix (param $x i32) (param $y i64) (result i64)
      (i64.add (i64.mul (local.get $y) (i64.extend_i32_u (local.get $x))) (i64.shl (local.get $y) (i64.const 3))))
    (func (export "main") (local $i i32) (local $acc i32) (local $w i64)
      (drop (call $readAll))
      (loop $l
        (local.set $acc (i32.xor (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u (i32.and (local.get $i) (i32.const 63)))))
        (local.set $acc (i32.rotl (local.get $acc) (i32.rem_u (local.get $i) (i32.const 7))))
        (local.set $w (call $mix (local.get $acc) (local.get $w)))
        (i32.store offset=0x1000 (i32.shl (i32.and (local.get $i) (i32.const 63)) (i32.const 2)) (i32.div_s (local.get $acc) (i32.or (local.get $i) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const ${iters}))))
      (i64.store (i32.const 0x2000) (local.get $w))
      (call $commit (i32.const 0x1000) (i32.const 256))
      (call $commit (i32.const 0x2000) (i32.const 8)))`);
  const input = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 255);
  const r = execute(p, { input }, { record: true });
  const rec = r.record!;
  const cpu = rec.cpu();

  it('has one cpu row per cycle and the same output as a run without the record', () => {
    expect(rec.cycles).toBe(r.cycles);
    expect(cpu.pc.length).toBe(r.cycles);
    expect(cpu.pc[0]).toBe(p.entry);
    expect(ISA[p.code[cpu.pc[r.cycles - 1]! * 4]!]!.mnemonic).toBe('halt');
    // fp moves at calls and returns only: the frame stack unwinds to where it started.
    expect(cpu.fp[r.cycles - 1]).toBe(cpu.fp[0]);
    expect(rec.frames.row.length).toBeGreaterThan(iters * 2);
    if (iters > 64) expect(rec.cpuChunks.length).toBeGreaterThan(10);
    expect(execute(p, { input }).output).toEqual(r.output);
    expect(rec.output).toEqual(r.output);
  });
  // Row-by-row checks collect mismatches and assert once (an expect per row is far too slow here).
  const same = (a: Int32Array, b: Int32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  it('release() returns the chunks to the pool and makes the record unusable', () => {
    const other = execute(p, { input }, { record: true }).record!;
    expect(same(other.cpu().z, cpu.z)).toBe(true);
    other.release();
    expect(() => other.cpu()).toThrow(/after release/);
    const again = execute(p, { input }, { record: true }).record!;
    expect(same(again.cpu().x, cpu.x)).toBe(true);
    expect(same(again.cpu().pc, cpu.pc)).toBe(true);
  });
  it('lists in each proof table exactly the rows whose instruction it proves', () => {
    const opAt = (row: number): number => p.code[cpu.pc[row]! * 4]!;
    const wrong: string[] = [];
    let total = 0;
    for (const t of PROOF_TABLES) {
      if (t === 'cpu') continue;
      for (const row of rec.tableRows(t)) if (ISA[opAt(row)]!.table !== t) wrong.push(`${t} row ${row}`);
      total += rec.tableRows(t).length;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    let expected = 0;
    for (let row = 0; row < rec.cycles; row++) if (ISA[opAt(row)]!.table !== 'cpu') expected++;
    expect(total).toBe(expected);
    expect(rec.tableRows('cpu').length).toBe(rec.cycles);
    expect(rec.tableRows('mul').length).toBeGreaterThan(0);
    expect(rec.tableRows('divrem').length).toBeGreaterThan(0);
  });
  it('records operand and result values that satisfy the ISA reference semantics on every i32 ALU row', () => {
    let checked = 0;
    const wrong: string[] = [];
    for (let row = 0; row < rec.cycles; row++) {
      const d = ISA[p.code[cpu.pc[row]! * 4]!]!;
      const sem = d.semantics;
      if (sem.kind === 'bin32') {
        if (cpu.z[row] !== sem.fn(cpu.x[row]!, cpu.y[row]!)) wrong.push(`${d.mnemonic} row ${row}`);
        checked++;
      } else if (sem.kind === 'un32') {
        if (cpu.z[row] !== sem.fn(cpu.x[row]!)) wrong.push(`${d.mnemonic} row ${row}`);
        checked++;
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(8 * iters);
  });
  it('records 64-bit rows with their high words, matching the reference semantics', () => {
    const big = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);
    let checked = 0;
    const wrong: string[] = [];
    for (let k = 0; k < rec.wide.row.length; k++) {
      const row = rec.wide.row[k]!;
      const d = ISA[p.code[cpu.pc[row]! * 4]!]!;
      if (d.semantics.kind !== 'bin64') continue;
      const want = d.semantics.fn(big(cpu.x[row]!, rec.wide.xh[k]!), big(cpu.y[row]!, rec.wide.yh[k]!));
      if (BigInt.asIntN(64, big(cpu.z[row]!, rec.wide.zh[k]!)) !== want) wrong.push(`${d.mnemonic} row ${row}`);
      checked++;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(2 * iters);
  });
  it('records each heap access with its address and value', () => {
    const rows = rec.tableRows('load-store');
    expect(same(rec.memory.row, rows)).toBe(true);
    if (iters > 64) expect(rows.length).toBeGreaterThan(65536);
    const wrong: string[] = [];
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k]!;
      const d = ISA[p.code[cpu.pc[row]! * 4]!]!;
      if (d.mnemonic === 'load8_u' && (rec.memory.lo[k] !== input[rec.memory.addr[k]!] || cpu.z[row] !== rec.memory.lo[k])) wrong.push(`load row ${row}`);
      if (d.mnemonic === 'store' && rec.memory.lo[k] !== cpu.x[row]) wrong.push(`store row ${row}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(rec.bulk.row.length).toBe(rec.tableRows('bulk').length);
  });
});
