/**
 * The load-store table: honest runs of every load and store form (from the executor's record of WAT
 * programs, and synthetic events on edge addresses) are accepted with their memory argument closed;
 * the trace generator refuses out-of-bounds, unaligned and misrecorded events; named attacks are
 * rejected; every constraint is needed; one real proof, and one forged proof rejected.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { VerifyError } from '../../../prover/errors.ts';
import { P, inv, mul } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { ISA, OP, PAGE_SIZE } from '../../../vm/isa.ts';
import type { Program } from '../../../vm/program.ts';
import { LOAD_STORE_OPS, LoadStoreBuilder, LoadStoreCols as C, loadStoreRow, loadStoreTable, loadStoreTrace, type LoadStoreEvents } from '../../../vm/tables/load-store.ts';
import { BoundaryCols, HEAP_KEY_BASE, MemoryState } from '../../../vm/tables/memory.ts';
import { debugCheck, follow, freshCounts, others, proveAndVerify, runView, tuple15, wat, witness, boundaryRow, type MemWitness } from './_mem-harness.ts';

const LS = new Set(LOAD_STORE_OPS);
const isStoreOp = (op: number): boolean => ISA[op]!.mnemonic.startsWith('store');

/** Load/store events of a run, in cpu-row order, with the CPU's tuple for each. */
function runEvents(p: Program): { ev: LoadStoreEvents; tuples: number[][] } {
  const v = runView(p);
  const cpu = v.rec.cpu();
  const wide = v.rec.wide;
  const wideAt = new Map<number, number>();
  for (let k = 0; k < wide.row.length; k++) wideAt.set(wide.row[k]!, k);
  const rows: number[] = [];
  for (let r = 0; r < v.rec.cycles; r++) if (LS.has(v.op[r]!)) rows.push(r);
  const col = (f: (r: number) => number) => Int32Array.from(rows, f);
  const wideOf = (r: number, c: 'xh' | 'zh') => (wideAt.has(r) ? wide[c][wideAt.get(r)!]! : 0);
  const ev: LoadStoreEvents = {
    length: rows.length,
    op: col((r) => v.op[r]!),
    base: col((r) => (isStoreOp(v.op[r]!) ? cpu.y[r]! : cpu.x[r]!)),
    lo: col((r) => (isStoreOp(v.op[r]!) ? cpu.x[r]! : cpu.z[r]!)),
    hi: col((r) => (isStoreOp(v.op[r]!) ? wideOf(r, 'xh') : wideOf(r, 'zh'))),
    ts: col((r) => v.ts[r]!),
    offset: col((r) => v.imm[r]!),
    pages: col((r) => v.pages[r]!),
  };
  const tuples = rows.map((r, i) => {
    const op = ev.op[i]!;
    return isStoreOp(op)
      ? tuple15(op, ev.lo[i]!, ev.hi[i]!, ev.base[i]!, ev.pages[i]!, 0, 0, ev.ts[i]!, ev.offset[i]!)
      : tuple15(op, ev.base[i]!, 0, 0, ev.pages[i]!, ev.lo[i]!, ev.hi[i]!, ev.ts[i]!, ev.offset[i]!);
  });
  return { ev, tuples };
}

// Every load and store form, on bytes chosen for sign extension, at several offsets and positions.
const ALL_FORMS = wat(`(module (memory 2)
  (data (i32.const 16) "\\80\\7f\\ff\\01\\00\\80\\34\\12\\fe\\ff\\ff\\ff\\00\\00\\00\\80")
  (global $acc (mut i32) (i32.const 0))
  (global $acc64 (mut i64) (i64.const 0))
  (func $a (param i32) (global.set $acc (i32.xor (global.get $acc) (local.get 0))))
  (func $b (param i64) (global.set $acc64 (i64.xor (global.get $acc64) (local.get 0))))
  (func (export "main") (local $p i32) (local $k i32)
    (local.set $p (i32.const 16))
    (local.set $k (i32.const 0))
    (block $done (loop $next
      (call $a (i32.load8_s (i32.add (local.get $p) (local.get $k))))
      (call $a (i32.load8_u offset=1 (i32.add (local.get $p) (local.get $k))))
      (call $b (i64.load8_s offset=2 (i32.add (local.get $p) (local.get $k))))
      (call $b (i64.load8_u offset=3 (i32.add (local.get $p) (local.get $k))))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br_if $done (i32.ge_u (local.get $k) (i32.const 16)))
      (br $next)))
    (call $a (i32.load16_s (local.get $p)))
    (call $a (i32.load16_s offset=6 (local.get $p)))
    (call $a (i32.load16_u offset=4 (local.get $p)))
    (call $b (i64.load16_s offset=14 (local.get $p)))
    (call $b (i64.load16_u offset=2 (local.get $p)))
    (call $a (i32.load offset=8 (local.get $p)))
    (call $b (i64.load32_s offset=12 (local.get $p)))
    (call $b (i64.load32_u offset=8 (local.get $p)))
    (call $b (i64.load offset=8 (local.get $p)))
    (i32.store8 offset=1 (i32.const 64) (i32.const 0x1ab))
    (i32.store8 offset=3 (i32.const 64) (i32.const -1))
    (i32.store16 offset=2 (i32.const 72) (i32.const 0x12345678))
    (i32.store16 (i32.const 72) (i32.const -2))
    (i32.store (i32.const 80) (i32.const 0x80000001))
    (i64.store8 offset=2 (i32.const 88) (i64.const 0x77))
    (i64.store16 offset=2 (i32.const 88) (i64.const -3))
    (i64.store32 offset=4 (i32.const 88) (i64.const 0x1122334455667788))
    (i64.store (i32.const 96) (i64.const 0x8000000000000001))
    (i64.store offset=65528 (i32.const 65536) (i64.const -1))
    (call $a (i32.load offset=131068 (i32.const 0)))
    (call $b (i64.load (i32.const 96)))
    (call $a (i32.load (i32.const 64)))
    (i32.store (i32.const 112) (global.get $acc))
    (i64.store (i32.const 120) (global.get $acc64))))`);

function honestRun(): MemWitness {
  const { ev, tuples } = runEvents(ALL_FORMS);
  return witness(ALL_FORMS, (mem, counts) => ({ trace: loadStoreTrace(ev, mem, counts), tuples }));
}

/** Synthetic events: a list of (op, base, value for stores, offset), replayed on a 2-page heap. */
type Syn = { op: string; base: number; val?: number; valh?: number; offset?: number };
const SYN_PROGRAM = wat(`(module (memory 2) (data (i32.const 0) "\\01\\82\\03\\84\\f5\\06\\87\\08") (func (export "main")))`);
function synthetic(list: readonly Syn[], pages = 2): MemWitness {
  return witness(SYN_PROGRAM, (mem, counts) => {
    const b = new LoadStoreBuilder();
    const tuples: number[][] = [];
    list.forEach((s, i) => {
      const op = OP[s.op]!;
      const ts = 1 + 4 * i;
      const offset = s.offset ?? 0;
      if (isStoreOp(op)) {
        b.add({ op, x: s.val ?? 0, xh: s.valh ?? 0, y: s.base, z: 0, zh: 0, ts, offset, pages }, mem, counts);
        tuples.push(tuple15(op, s.val ?? 0, s.valh ?? 0, s.base, pages, 0, 0, ts, offset));
      } else {
        const { z, zh } = loadRef(mem, op, (s.base >>> 0) + offset);
        b.add({ op, x: s.base, xh: 0, y: 0, z, zh, ts, offset, pages }, mem, counts);
        tuples.push(tuple15(op, s.base, 0, 0, pages, z, zh, ts, offset));
      }
    });
    return { trace: b.trace(), tuples };
  });
}

/** Reference load on the replayed memory (bytes little-endian), as the executor computes it. */
function loadRef(mem: MemoryState, op: number, ea: number): { z: number; zh: number } {
  const byte = (a: number) => (mem.peek(HEAP_KEY_BASE + Math.floor(a / 4)) >>> (8 * (a % 4))) & 0xff;
  const m = ISA[op]!.mnemonic;
  const u = (n: number) => { let v = 0; for (let k = n - 1; k >= 0; k--) v = v * 256 + byte(ea + k); return v; };
  const wide = m.endsWith('64');
  if (m.startsWith('load8')) { const v = u(1); const z = m.includes('_s') ? (v << 24) >> 24 : v; return { z, zh: wide ? z >> 31 : 0 }; }
  if (m.startsWith('load16')) { const v = u(2); const z = m.includes('_s') ? (v << 16) >> 16 : v; return { z, zh: wide ? z >> 31 : 0 }; }
  if (m === 'load64') return { z: u(4) | 0, zh: (byte(ea + 4) | (byte(ea + 5) << 8) | (byte(ea + 6) << 16) | (byte(ea + 7) << 24)) | 0 };
  const z = u(4) | 0;
  return { z, zh: m === 'load32_s64' ? z >> 31 : 0 };
}

const cell = (m: Matrix, row: number, col: number) => m.values[row * m.width + col]!;
const setCell = (m: Matrix, row: number, col: number, v: number) => void (m.values[row * m.width + col] = ((v % P) + P) % P);
const firstRow = (w: MemWitness, op: string): number => {
  for (let r = 0; r < w.trace.height; r++) if (cell(w.trace, r, C.sel + LOAD_STORE_OPS.indexOf(OP[op]!)) === 1) return r;
  throw new Error(`no ${op} row`);
};

describe('load-store table', () => {
  it('has max degree 3', () => {
    expect(loadStoreTable.info.maxDegree).toBeLessThanOrEqual(3);
    expect(C.width).toBe(loadStoreTable.info.width);
  });

  it('accepts an honest run of every load and store form (record of a WAT program)', () => {
    const w = honestRun();
    const seen = new Set<number>();
    for (let r = 0; r < w.trace.height; r++) for (let s = 0; s < LOAD_STORE_OPS.length; s++) if (cell(w.trace, r, C.sel + s)) seen.add(LOAD_STORE_OPS[s]!);
    expect([...seen].sort()).toEqual([...LOAD_STORE_OPS].sort());
    expect(debugCheck(loadStoreTable, w)).toEqual({ ok: true, failures: [] });
  });

  it('accepts synthetic edge accesses: every position, the last word of the heap, page boundaries', () => {
    const list: Syn[] = [];
    for (const op of ['load8_s', 'load8_u', 'load8_s64', 'load8_u64']) for (let a = 0; a < 8; a++) list.push({ op, base: a });
    for (const op of ['load16_s', 'load16_u', 'load16_s64', 'load16_u64']) for (const a of [0, 2, 4, 6]) list.push({ op, base: a });
    list.push({ op: 'store8', base: 0, val: 0xfe, offset: 3 }, { op: 'store16', base: 2 * PAGE_SIZE - 2, val: 0x8001 });
    list.push({ op: 'store64', base: 2 * PAGE_SIZE - 8, val: 0x12345678, valh: -1 }, { op: 'load64', base: 0, offset: 2 * PAGE_SIZE - 8 });
    list.push({ op: 'store', base: 0xffff, val: 7, offset: 1 }, { op: 'load32_s64', base: 0x10000 }, { op: 'load', base: 0, offset: 0xfffc });
    list.push({ op: 'store32_64', base: 4, val: -5, valh: 9 }, { op: 'store16_64', base: 6, val: 0xabcd, valh: 3 }, { op: 'store8_64', base: 7, val: 0x1ff, valh: 3 });
    list.push({ op: 'load32_u64', base: 4 }, { op: 'load16_s', base: 6 }, { op: 'load8_s', base: 7 });
    expect(debugCheck(loadStoreTable, synthetic(list))).toEqual({ ok: true, failures: [] });
  });

  it('accepts random aligned accesses (fast-check), loads matching the reference', () => {
    const ops = LOAD_STORE_OPS.map((o) => ISA[o]!.mnemonic);
    const widthOf = (m: string) => (m === 'load64' || m === 'store64' ? 8 : /8/.test(m.replace('64', '')) ? 1 : /16/.test(m) ? 2 : 4);
    fc.assert(fc.property(fc.array(fc.record({ k: fc.nat(ops.length - 1), word: fc.nat(2 * PAGE_SIZE / 8 - 1), sub: fc.nat(7), val: fc.integer(), valh: fc.integer(), split: fc.nat(0xffff) }), { minLength: 1, maxLength: 24 }), (xs) => {
      const list = xs.map(({ k, word, sub, val, valh, split }) => {
        const op = ops[k]!;
        const ea = word * 8 + (sub - (sub % widthOf(op))) % 8;
        const offset = Math.min(split, ea);
        return { op, base: ea - offset, offset, val, valh };
      });
      return debugCheck(loadStoreTable, synthetic(list)).ok;
    }), { numRuns: 12 });
  });

  it('refuses events it cannot prove, with a clear error', () => {
    const mem = new MemoryState(new Int32Array(0), new Uint8Array(PAGE_SIZE));
    const out = new Uint32Array(C.width);
    const row = (op: string, base: number, offset: number, lo = 0, pages = 1) => () => loadStoreRow(out, 0, OP[op]!, base, lo, 0, 1, offset, pages, mem, freshCounts());
    expect(row('load', 2, 0)).toThrow('unaligned 4-byte access at address 2 is not provable yet');
    expect(row('load16_u', 1, 0)).toThrow('unaligned 2-byte access at address 1 is not provable yet');
    expect(row('load64', 4, 0)).toThrow('unaligned 8-byte access at address 4 is not provable yet');
    expect(row('load', PAGE_SIZE - 4, 4)).toThrow(/out of bounds/);
    expect(row('store8', -1, 0)).toThrow(/out of bounds/);
    expect(row('load', 0, 0, 5)).toThrow(/recorded result 0x0:0x5 but memory gives 0x0:0x0/);
    expect(row('add', 0, 0)).toThrow(/opcode \d+ \(add\) is not a load or store/);
  });

  // ---- attacks ----
  let cur: MemWitness;
  const EVENTS: Syn[] = [
    { op: 'load', base: 0 }, { op: 'load8_u', base: 1 }, { op: 'load8_s', base: 1 }, { op: 'load16_s', base: 6 }, { op: 'load32_s64', base: 4 },
    { op: 'store8', base: 8, val: 0x1ab, offset: 2 }, { op: 'store16', base: 12, val: 0x5678, offset: 2 }, { op: 'store64', base: 16, val: 1, valh: 2 },
    { op: 'load64', base: 16 }, { op: 'store', base: 24, val: 0x01020304 }, { op: 'load8_s64', base: 4 }, { op: 'load16_u', base: 6 },
    { op: 'load8_u', base: 3 }, { op: 'store', base: 0xffff, offset: 1, val: 5 }, { op: 'load64', base: 1024 },
  ];
  const R = { load: 0, load8u: 1, load8s: 2, load16s: 3, load32s64: 4, store8: 5, store16: 6, store64: 7, load64: 8, store: 9, load8s64: 10, load16u: 11, load8u3: 12, storeCarry: 13, load64z: 14 };
  const scenario: Scenario = {
    table: loadStoreTable,
    honest() {
      cur = synthetic(EVENTS);
      return { trace: cur.trace, publics: [], others: others(cur) };
    },
  };
  /** A cheat on the trace, then the CPU stub and the lookup counts re-derived (see `follow`). */
  const cheat = (f: (t: Matrix) => void) => (t: Matrix) => {
    f(t);
    follow(loadStoreTable, cur, t);
  };
  /** The final value of heap word `word` in the boundary (a store's forged write, re-derived). */
  const finalValue = (word: number, v0: number, v1: number) => {
    const br = boundaryRow(cur, HEAP_KEY_BASE + word);
    setCell(cur.boundary, br, BoundaryCols.v, v0);
    setCell(cur.boundary, br, BoundaryCols.v + 1, v1);
  };
  /** Renames boundary cells (a forged access pattern), keeping the rows' order checks consistent. */
  const rekey = (pairs: [number, number][]) => {
    const rows = pairs.map(([from]) => boundaryRow(cur, HEAP_KEY_BASE + from));
    pairs.forEach(([, to], i) => setCell(cur.boundary, rows[i]!, BoundaryCols.key, HEAP_KEY_BASE + to));
    const b = cur.boundary;
    for (let r = 0; r < b.height && cell(b, r, BoundaryCols.isReal); r++) {
      const k = cell(b, r, BoundaryCols.key);
      setCell(b, r, BoundaryCols.keyLimbs, k & 0xffff);
      setCell(b, r, BoundaryCols.keyLimbs + 1, k >>> 16);
      if (r > 0) {
        const d = k - cell(b, r - 1, BoundaryCols.key) - 1;
        setCell(b, r, BoundaryCols.keyDiff, d & 0xffff);
        setCell(b, r, BoundaryCols.keyDiff + 1, d >>> 16);
      }
    }
  };

  const ATTACKS: Attack[] = [
    {
      attack: 'a load returns another value than memory holds (word and bytes changed)',
      mutate: cheat((t) => {
        setCell(t, R.load, C.p, cell(t, R.load, C.p) ^ 1);
        setCell(t, R.load, C.b, cell(t, R.load, C.b) ^ 1);
        setCell(t, R.load, C.nw, cell(t, R.load, C.nw) ^ 1);
      }),
      caughtBy: 'memory',
    },
    {
      attack: 'load8_u returns the byte at position 2 instead of 1',
      mutate: cheat((t) => setCell(t, R.load8u, C.part, cell(t, R.load8u, C.b + 2))),
      caughtBy: '8-bit load: part is the byte at pos',
    },
    {
      attack: 'load16_s returns the other halfword',
      mutate: cheat((t) => setCell(t, R.load16s, C.part, cell(t, R.load16s, C.p))),
      caughtBy: '16-bit load: part is the halfword at pos',
    },
    {
      attack: 'load8_s of 0x82 claims sign 0 (no extension)',
      mutate: cheat((t) => setCell(t, R.load8s, C.sign, 0)),
      caughtBy: 'range16',
    },
    {
      attack: 'load8_u claims sign-extension (0xffffff82)',
      mutate: cheat((t) => setCell(t, R.load8u, C.sign, 1)),
      caughtBy: 'sign is 0 unless a signed load',
    },
    {
      attack: 'load32_s64 with sign = (p1 - 0) / 2^15, not a bit (the high word becomes garbage, the sign lookup still passes)',
      mutate: cheat((t) => setCell(t, R.load32s64, C.sign, mul(cell(t, R.load32s64, C.p + 1), inv(0x8000)))),
      caughtBy: 'sign is a bit',
    },
    {
      attack: 'a 32-bit load carries a nonzero part',
      mutate: cheat((t) => setCell(t, R.load, C.part, 5)),
      caughtBy: 'part is 0 unless a narrow load',
    },
    {
      attack: 'load8_u with no position selected returns 0',
      mutate: cheat((t) => {
        setCell(t, R.load8u, C.at + 1, 0);
        setCell(t, R.load8u, C.x, 0);
        setCell(t, R.load8u, C.v, 0);
        setCell(t, R.load8u, C.part, 0);
      }),
      caughtBy: 'exactly one position on a real row, none on padding',
    },
    {
      attack: 'a load from base + 4 reads the word at base (address limbs unchanged)',
      mutate: cheat((t) => {
        setCell(t, R.load, C.x, 4);
        setCell(t, R.load, C.v, 4);
      }),
      caughtBy: 'low limb: base0 + off0 = ea0 + 2^16 c',
    },
    {
      attack: 'load8_u from 0x78000002 (out of bounds: the executor traps) proved as a load from address 1 with carry -30720 (2^16 c = 1 - p)',
      mutate: cheat((t) => {
        setCell(t, R.load8u, C.x, 2);
        setCell(t, R.load8u, C.x + 1, 30720);
        setCell(t, R.load8u, C.v, 2);
        setCell(t, R.load8u, C.c, P - 30720);
      }),
      caughtBy: 'carry is a bit',
    },
    {
      attack: 'store at 0xffff + 1 claims no carry and a2 = 2^14 (same word, ea1 one lower: a weaker bounds check)',
      mutate: cheat((t) => {
        setCell(t, R.storeCarry, C.c, 0);
        setCell(t, R.storeCarry, C.a2, 1 << 14);
      }),
      caughtBy: 'a2 is a bit',
    },
    {
      attack: 'store8 writes its byte at position 3 instead of 2 (final memory re-derived)',
      mutate: cheat((t) => {
        const nw1 = 0xab00 | (cell(t, R.store8, C.b + 2));
        setCell(t, R.store8, C.nw + 1, nw1);
        finalValue(2, cell(t, R.store8, C.nw), nw1);
      }),
      caughtBy: 'new word: high limb',
    },
    {
      attack: 'store16 keeps the old halfword (final memory re-derived)',
      mutate: cheat((t) => {
        setCell(t, R.store16, C.nw + 1, cell(t, R.store16, C.p + 1));
        finalValue(3, cell(t, R.store16, C.nw), cell(t, R.store16, C.p + 1));
      }),
      caughtBy: 'new word: high limb',
    },
    {
      attack: 'store writes another word (final memory re-derived)',
      mutate: cheat((t) => {
        setCell(t, R.store, C.nw, cell(t, R.store, C.nw) ^ 0x10);
        finalValue(6, cell(t, R.store, C.nw), cell(t, R.store, C.nw + 1));
      }),
      caughtBy: 'new word: low limb',
    },
    {
      attack: 'store8 writes a byte other than the low byte of its value (v0 changed, final memory re-derived)',
      mutate: cheat((t) => {
        setCell(t, R.store8, C.v, 0xac);
        const nw1 = (cell(t, R.store8, C.nw + 1) & 0xff00) | 0xac;
        setCell(t, R.store8, C.nw + 1, nw1);
        finalValue(2, cell(t, R.store8, C.nw), nw1);
      }),
      caughtBy: 'x0 = v0 + 256 v1',
    },
    {
      attack: 'a load past the heap: base + 2 pages reads word 0 (high limb changed, the CPU stub following)',
      mutate: cheat((t) => {
        setCell(t, R.load, C.x + 1, 2);
      }),
      caughtBy: 'range16',
    },
    {
      attack: 'a 4-byte load at address 2 returns the word at 0',
      mutate: cheat((t) => {
        setCell(t, R.load, C.x, 2);
        setCell(t, R.load, C.v, 2);
        setCell(t, R.load, C.at, 0);
        setCell(t, R.load, C.at + 2, 1);
      }),
      caughtBy: '4- and 8-byte accesses are word-aligned',
    },
    {
      attack: 'a 16-bit load at an odd address (7)',
      mutate: cheat((t) => {
        setCell(t, R.load16u, C.x, 7);
        setCell(t, R.load16u, C.v, 7);
        setCell(t, R.load16u, C.at + 2, 0);
        setCell(t, R.load16u, C.at + 3, 1);
        setCell(t, R.load16u, C.part, 0);
      }),
      caughtBy: '2-byte accesses are aligned',
    },
    {
      attack: 'load64 at 1028 (4 mod 8) reads words 257 and 258 (memory cells renamed accordingly)',
      mutate: cheat((t) => {
        setCell(t, R.load64z, C.x, 1028);
        setCell(t, R.load64z, C.v, 4);
        setCell(t, R.load64z, C.v + 1, 4);
        setCell(t, R.load64z, C.a2, 1);
        rekey([[257, 258], [256, 257]]);
      }),
      caughtBy: '8-byte accesses are 8-aligned',
    },
    {
      attack: 'load8_u at position 1 returns a byte changed in the bytes only (b1 off by one)',
      mutate: cheat((t) => {
        setCell(t, R.load8u, C.b + 1, cell(t, R.load8u, C.b + 1) ^ 1);
        setCell(t, R.load8u, C.part, cell(t, R.load8u, C.b + 1));
      }),
      caughtBy: 'p0 = b0 + 256 b1',
    },
    {
      attack: 'load8_u at position 3 returns a byte changed in the bytes only (b3 off by one)',
      mutate: cheat((t) => {
        setCell(t, R.load8u3, C.b + 3, cell(t, R.load8u3, C.b + 3) ^ 1);
        setCell(t, R.load8u3, C.part, cell(t, R.load8u3, C.b + 3));
      }),
      caughtBy: 'p1 = b2 + 256 b3',
    },
    {
      attack: 'a word split into non-bytes (b0 + 256, b1 - 1)',
      mutate: cheat((t) => {
        setCell(t, R.load, C.b, cell(t, R.load, C.b) + 256);
        setCell(t, R.load, C.b + 1, cell(t, R.load, C.b + 1) - 1);
      }),
      caughtBy: 'bytes',
    },
    {
      attack: 'a row with two opcode selectors (load and store8)',
      mutate: cheat((t) => setCell(t, R.load, C.sel + LOAD_STORE_OPS.indexOf(OP.store8!), 1)),
      caughtBy: 'at most one selector (isReal is a bit)',
    },
    {
      attack: 'selectors 2 (load8_u) and -1 (load8_u64): isReal 1, a byte load received as opcode 2 * 101 - 106 = 96 (extend32_s64)',
      mutate: cheat((t) => {
        setCell(t, R.load8u, C.sel + LOAD_STORE_OPS.indexOf(OP.load8_u!), 2);
        setCell(t, R.load8u, C.sel + LOAD_STORE_OPS.indexOf(OP.load8_u64!), P - 1);
      }),
      caughtBy: 'selectors are bits [1]',
    },
    {
      attack: 'position selectors -1 and 2 (load8_u at 2 returns 2 b1 - b0)',
      mutate: cheat((t) => {
        setCell(t, R.load8u, C.at, P - 1);
        setCell(t, R.load8u, C.at + 1, 2);
        setCell(t, R.load8u, C.x, 2);
        setCell(t, R.load8u, C.v, 2);
        setCell(t, R.load8u, C.part, 2 * cell(t, R.load8u, C.b + 1) - cell(t, R.load8u, C.b));
      }),
      caughtBy: 'position selectors are bits [0]',
    },
    {
      attack: 'word 0: the order check limbs do not match the timestamps (d0 + 1)',
      mutate: cheat((t) => setCell(t, R.load, C.diff, cell(t, R.load, C.diff) + 1)),
      caughtBy: 'word 0: previous access is earlier: hi - lo - 1 = d0 + 2^16 d1',
    },
    {
      attack: 'word 1: the order check limbs do not match the timestamps (d0 + 1)',
      mutate: cheat((t) => setCell(t, R.load64, C.diff + 2, cell(t, R.load64, C.diff + 2) + 1)),
      caughtBy: 'word 1: previous access is earlier: hi - lo - 1 = d0 + 2^16 d1',
    },
    {
      attack: 'a load reads an earlier state of the word (older previous timestamp)',
      mutate: cheat((t) => setCell(t, R.load64, C.prevTs, 0)),
      caughtBy: 'memory',
    },
  ];

  it.each(ATTACKS.map((a) => [a.attack, a] as const))('rejects: %s', (_name, a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  /**
   * Labels checked as a group: a one-hot group with a bit sum can only be broken in two entries at
   * once (one non-bit entry alone changes the sum), so dropping ONE entry's bit check never lets an
   * attack through; dropping the group's does. 'at most one selector' is implied by the buses: a row
   * with isReal >= 2 receives its ALU tuple and the previous state of its word isReal times, but CPU
   * rows (unique T) and memory accesses (unique key and ts) send each only once; it stays as a local check.
   */
  const GROUPS = ['selectors are bits', 'position selectors are bits'];
  const IMPLIED = new Set(['at most one selector (isReal is a bit)']);

  it('every constraint is needed (one-hot bit checks by group)', () => {
    const rejected = new Map(ATTACKS.map((a) => [a, rejectionsOf(scenario, a)]));
    const labels = eachLabel(loadStoreTable);
    const missing: string[] = [];
    for (const label of labels) {
      if (IMPLIED.has(label) || GROUPS.some((g) => label.startsWith(g + ' ['))) continue;
      const candidates = ATTACKS.filter((a) => rejected.get(a)!.includes(label));
      if (!candidates.some((a) => rejectionsOf(scenario, a, new Set([label])).length === 0)) missing.push(label);
    }
    for (const g of GROUPS) {
      const group = new Set(labels.filter((l) => l.startsWith(g + ' [')));
      if (!ATTACKS.some((a) => rejectionsOf(scenario, a, group).length === 0)) missing.push(g);
    }
    expect(missing).toEqual([]);
  });

  it('proves and verifies an honest run; a forged trace is rejected by the verifier', async () => {
    await proveAndVerify(loadStoreTable, honestRun());
    const w = honestRun();
    // the first load returns another value, and the CPU stub agrees: the memory bus cannot balance
    const r = 0;
    w.trace.values[r * C.width + C.p] ^= 1;
    w.trace.values[r * C.width + C.b] ^= 1;
    w.trace.values[r * C.width + C.nw] ^= 1;
    await expect(proveAndVerify(loadStoreTable, w, { debug: false })).rejects.toThrow(VerifyError);
  }, 60_000);
});
