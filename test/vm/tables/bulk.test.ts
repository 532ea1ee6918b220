/**
 * The bulk table: honest runs of mcopy (both directions, overlapping, empty), mfill, read (full and
 * short), read_public (full, short, exhausted) and commit, from the executor's record of a WAT
 * program and from synthetic events, with the memory argument and the io bus closed (an io stand-in
 * plays the verifier: it sends the public input bytes read and receives the output); the trace
 * generator refuses what no proof exists for; named attacks; every constraint needed; a real proof.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eachLabel, rejectionsOf, type Attack, type Scenario } from '../../../prover/air/harness.ts';
import { VerifyError } from '../../../prover/errors.ts';
import { P } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { OP, PAGE_SIZE } from '../../../vm/isa.ts';
import type { Program } from '../../../vm/program.ts';
import { BULK_OPS, BulkBuilder, BulkCols as C, bulkTable, type BulkEvent } from '../../../vm/tables/bulk.ts';
import { IO_IN, IO_OUT } from '../../../vm/tables/io.ts';
import { BoundaryCols, HEAP_KEY_BASE, MemoryState } from '../../../vm/tables/memory.ts';
import { heightFor } from '../../../vm/tables/alu.ts';
import { boundaryRow, debugCheck, follow, freshCounts, IoStubCols, others, proveAndVerify, runView, tuple15, wat, witness, type MemWitness } from './_mem-harness.ts';

const BULK = new Set(BULK_OPS);

/** The io stand-in: sends the public input bytes read (positions < consumed), receives the output. */
function ioTrace(publicInput: Uint8Array, consumed: number, output: Uint8Array): Matrix {
  const n = consumed + output.length;
  const h = heightFor(n);
  const w = IoStubCols.width;
  const v = new Uint32Array(h * w);
  for (let i = 0; i < consumed; i++) v.set([IO_IN, i, publicInput[i]!, 1, 0], i * w);
  for (let i = 0; i < output.length; i++) v.set([IO_OUT, i, output[i]!, 0, 1], (consumed + i) * w);
  return { values: v, width: w, height: h };
}

/** Builds a witness from a list of events (CPU order), with the run's inputs and output. */
function fromEvents(p: Program, events: readonly BulkEvent[], io: { input: Uint8Array; publicInput: Uint8Array }, output: Uint8Array): MemWitness {
  return witness(p, (mem, counts) => {
    const b = new BulkBuilder(io.publicInput.length);
    const tuples: number[][] = [];
    let consumed = 0;
    for (const e of events) {
      b.add(e, mem, counts, io);
      const ePos = e.op === OP.read_public || e.op === OP.commit ? e.pos : 0;
      tuples.push(tuple15(e.op, e.x, 0, e.y, e.pages, e.z, 0, e.ts, ePos));
      if (e.op === OP.read_public) consumed = e.pos + (e.z >>> 0);
    }
    return { trace: b.trace(), tuples, publics: b.publics(), io: ioTrace(io.publicInput, consumed, output) };
  });
}

function runEvents(p: Program, io: { input: Uint8Array; publicInput: Uint8Array }): { events: BulkEvent[]; output: Uint8Array } {
  const v = runView(p, io);
  const cpu = v.rec.cpu();
  const bulk = v.rec.bulk;
  const at = new Map<number, number>();
  for (let k = 0; k < bulk.row.length; k++) at.set(bulk.row[k]!, k);
  const events: BulkEvent[] = [];
  for (let r = 0; r < v.rec.cycles; r++) {
    const op = v.op[r]!;
    if (!BULK.has(op)) continue;
    const pos = op === OP.read ? bulk.src[at.get(r)!]! : op === OP.read_public ? v.pubPos[r]! : op === OP.commit ? v.outPos[r]! : 0;
    events.push({ op, x: cpu.x[r]!, y: cpu.y[r]!, z: op === OP.commit ? 0 : cpu.z[r]!, ts: v.ts[r]!, pos, pages: v.pages[r]! });
  }
  return { events, output: v.rec.output };
}

const PROGRAM = wat(`(module
  (import "zkvm" "read" (func $read (param i32 i32) (result i32)))
  (import "zkvm" "read_public" (func $readp (param i32 i32) (result i32)))
  (import "zkvm" "commit" (func $commit (param i32 i32)))
  (memory 1)
  (data (i32.const 0) "hello, bulk world! 0123456789abcdef")
  (func (export "main")
    (memory.copy (i32.const 3) (i32.const 0) (i32.const 10))
    (memory.copy (i32.const 20) (i32.const 25) (i32.const 7))
    (memory.copy (i32.const 100) (i32.const 0) (i32.const 0))
    (memory.copy (i32.const 5) (i32.const 0) (i32.const 0))
    (memory.fill (i32.const 200) (i32.const 0x1ab) (i32.const 9))
    (memory.fill (i32.const 300) (i32.const 7) (i32.const 0))
    (drop (call $read (i32.const 400) (i32.const 5)))
    (drop (call $read (i32.const 410) (i32.const 100)))
    (drop (call $readp (i32.const 601) (i32.const 3)))
    (drop (call $readp (i32.const 610) (i32.const 50)))
    (drop (call $readp (i32.const 700) (i32.const 4)))
    (memory.copy (i32.const 65530) (i32.const 0) (i32.const 6))
    (call $commit (i32.const 0) (i32.const 12))
    (call $commit (i32.const 600) (i32.const 0))
    (call $commit (i32.const 610) (i32.const 6))
    (call $commit (i32.const 65530) (i32.const 6))))`);
const IO = { input: new TextEncoder().encode('private-bytes!'), publicInput: new TextEncoder().encode('public input') };

function honestRun(): MemWitness {
  const { events, output } = runEvents(PROGRAM, IO);
  return fromEvents(PROGRAM, events, IO, output);
}

const SYN = wat(`(module (memory 2) (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c") (func (export "main")))`);
const NONE = { input: new Uint8Array(0), publicInput: new Uint8Array(0) };

/** Synthetic mcopy / mfill events (T assigned as the CPU would), with an empty output. */
function synthetic(list: readonly { op: 'mcopy' | 'mfill'; x: number; y: number; z: number }[], pages = 2): MemWitness {
  let t = 1;
  const events = list.map((e) => {
    const ev: BulkEvent = { op: OP[e.op]!, x: e.x, y: e.y, z: e.z, ts: t, pos: 0, pages };
    t += 4 + 2 * (e.z >>> 0);
    return ev;
  });
  return fromEvents(SYN, events, NONE, new Uint8Array(0));
}

const cell = (m: Matrix, row: number, col: number) => m.values[row * m.width + col]!;
const setCell = (m: Matrix, row: number, col: number, v: number) => void (m.values[row * m.width + col] = ((v % P) + P) % P);

describe('bulk table', () => {
  it('has max degree 3', () => {
    expect(bulkTable.info.maxDegree).toBeLessThanOrEqual(3);
    expect(C.width).toBe(bulkTable.info.width);
  });

  it('accepts an honest run of every bulk instruction (record of a WAT program)', () => {
    const w = honestRun();
    expect(debugCheck(bulkTable, w)).toEqual({ ok: true, failures: [] });
    // the replayed heap agrees with the executor: the committed bytes are the run's output
    const out = runEvents(PROGRAM, IO).output;
    expect(new TextDecoder().decode(out.subarray(0, 12))).toBe('helhello, bu');
  });

  it('accepts synthetic copies: both directions, overlapping, unaligned, across words and pages, to the heap end', () => {
    const w = synthetic([
      { op: 'mcopy', x: 1, y: 0, z: 11 }, { op: 'mcopy', x: 0, y: 3, z: 9 }, { op: 'mcopy', x: 5, y: 5, z: 4 },
      { op: 'mcopy', x: PAGE_SIZE - 3, y: 2, z: 7 }, { op: 'mcopy', x: 2 * PAGE_SIZE - 5, y: PAGE_SIZE - 2, z: 5 },
      { op: 'mfill', x: 2 * PAGE_SIZE - 3, y: -1, z: 3 }, { op: 'mfill', x: 2 * PAGE_SIZE, y: 5, z: 0 }, { op: 'mcopy', x: 2 * PAGE_SIZE, y: 0, z: 0 },
    ]);
    expect(debugCheck(bulkTable, w)).toEqual({ ok: true, failures: [] });
  });

  it('accepts random mcopy / mfill sequences (fast-check) and the replayed heap matches a reference memmove', () => {
    fc.assert(fc.property(fc.array(fc.record({ fill: fc.boolean(), x: fc.nat(200), y: fc.nat(200), z: fc.nat(40) }), { minLength: 1, maxLength: 6 }), (xs) => {
      const list = xs.map((e) => ({ op: e.fill ? ('mfill' as const) : ('mcopy' as const), x: e.x, y: e.y, z: e.z }));
      const w = synthetic(list);
      const ref = new Uint8Array(2 * PAGE_SIZE);
      ref.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      for (const e of list) if (e.op === 'mfill') ref.fill(e.y & 255, e.x, e.x + e.z); else ref.copyWithin(e.x, e.y, e.y + e.z);
      for (let a = 0; a < 260; a++) if (((w.mem.peek(HEAP_KEY_BASE + (a >> 2)) >>> (8 * (a & 3))) & 255) !== ref[a]) return false;
      return debugCheck(bulkTable, w).ok;
    }), { numRuns: 10 });
  });

  it('refuses events no proof exists for, with a clear error', () => {
    const mem = new MemoryState(new Int32Array(0), new Uint8Array(PAGE_SIZE));
    const add = (e: Partial<BulkEvent> & { op: number }, io = NONE, L = 0) => () => new BulkBuilder(L).add({ x: 0, y: 0, z: 0, ts: 1, pos: 0, pages: 1, ...e }, mem, freshCounts(), io);
    expect(add({ op: OP.mcopy!, x: PAGE_SIZE - 1, z: 2 })).toThrow(/out of bounds/);
    expect(add({ op: OP.mcopy!, y: PAGE_SIZE, z: 1 })).toThrow(/source .* out of bounds/);
    expect(add({ op: OP.mfill!, x: PAGE_SIZE + 1 })).toThrow(/out of bounds/);
    expect(add({ op: OP.read!, x: PAGE_SIZE - 2, y: 5 })).toThrow(/out of bounds/);
    expect(add({ op: OP.commit!, x: 1, y: PAGE_SIZE })).toThrow(/out of bounds/);
    expect(add({ op: OP.read_public!, x: 0, y: 5, z: 5 }, { input: new Uint8Array(0), publicInput: new Uint8Array(3) }, 3)).toThrow(/count 5 but min\(len 5, 3 bytes left\) = 3/);
    expect(add({ op: OP.mcopy!, pages: 16385 })).toThrow(/beyond the provable 1 GiB/);
    expect(add({ op: OP.add! })).toThrow(/opcode \d+ \(add\) is not a bulk instruction/);
    expect(() => new BulkBuilder(2 ** 29)).toThrow(/public input length/);
  });

  // ---- attacks ----
  let cur: MemWitness;
  const scenario: Scenario = {
    table: bulkTable,
    honest() {
      cur = honestRun();
      return { trace: cur.trace, publics: [...cur.publics], others: others(cur) };
    },
  };
  const cheat = (f: (t: Matrix, publics: number[]) => void) => (t: Matrix, publics: number[]) => {
    f(t, publics);
    follow(bulkTable, cur, t, publics);
  };
  const rowsOf = (t: Matrix, op: number): number[] => {
    const s = BULK_OPS.indexOf(op);
    const out: number[] = [];
    for (let r = 0; r < t.height; r++) if (cell(t, r, C.sel + s)) out.push(r);
    return out;
  };
  /** First rows of the instructions of `op`, in order. */
  const firsts = (t: Matrix, op: number) => rowsOf(t, op).filter((r) => cell(t, r, C.first));

  const ATTACKS: Attack[] = [
    {
      attack: 'read_public copies another byte than the public input holds',
      mutate: cheat((t) => {
        const r = firsts(t, OP.read_public!)[0]!;
        // the written byte and the new word, and the final memory state, all follow
        const nv = cell(t, r, C.val) ^ 1;
        setCell(t, r, C.val, nv);
        const at = [0, 1, 2, 3].find((k) => cell(t, r, C.wAt + k))!;
        const word = cell(t, r, C.wWord);
        const br = boundaryRow(cur, HEAP_KEY_BASE + word);
        const limb = at >> 1, sh = 8 * (at & 1);
        const v = cell(cur.boundary, br, BoundaryCols.v + limb);
        setCell(cur.boundary, br, BoundaryCols.v + limb, (v & ~(0xff << sh)) | (nv << sh));
      }),
      caughtBy: 'io',
    },
    {
      attack: 'commit sends another byte than the heap holds (rb and the source bytes changed)',
      mutate: cheat((t) => {
        const r = firsts(t, OP.commit!)[0]!;
        setCell(t, r, C.rb, cell(t, r, C.rb) ^ 1);
        const at = [0, 1, 2, 3].find((k) => cell(t, r, C.rAt + k))!;
        setCell(t, r, C.rBytes + at, cell(t, r, C.rBytes + at) ^ 1);
        setCell(t, r, C.rPrev + (at >> 1), cell(t, r, C.rPrev + (at >> 1)) ^ (1 << (8 * (at & 1))));
      }),
      caughtBy: 'memory',
    },
    {
      attack: 'commit sends another byte than the one it read (rb changed alone)',
      mutate: cheat((t) => {
        const r = firsts(t, OP.commit!)[0]!;
        setCell(t, r, C.rb, cell(t, r, C.rb) ^ 1);
      }),
      caughtBy: 'rb is the source byte at its position',
    },
  ];

  it.each(ATTACKS.map((a) => [a.attack, a] as const))('rejects: %s', (_name, a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  it('proves and verifies an honest run; a forged trace is rejected by the verifier', async () => {
    await proveAndVerify(bulkTable, honestRun());
    const w = honestRun();
    const r = firsts(w.trace, OP.commit!)[0]!;
    w.trace.values[r * C.width + C.rb] ^= 1;
    await expect(proveAndVerify(bulkTable, w, { debug: false })).rejects.toThrow(VerifyError);
  }, 60_000);
});
