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
import { boundaryEdit, boundaryRow, debugCheck, follow, freshCounts, IoStubCols, others, proveAndVerify, runView, tuple15, wat, witness, type MemWitness } from './_mem-harness.ts';

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
  (memory 2)
  (data (i32.const 0) "hello, bulk world! 0123456789abcdef")
  (func (export "main")
    (memory.copy (i32.const 3) (i32.const 0) (i32.const 10))
    (memory.copy (i32.const 20) (i32.const 25) (i32.const 7))
    (memory.copy (i32.const 100) (i32.const 0) (i32.const 0))
    (memory.copy (i32.const 5) (i32.const 0) (i32.const 0))
    (memory.copy (i32.const 0) (i32.const 0) (i32.const 0))
    (memory.copy (i32.const 0x10003) (i32.const 5) (i32.const 0))
    (memory.fill (i32.const 200) (i32.const 0x1ab) (i32.const 9))
    (memory.fill (i32.const 300) (i32.const 7) (i32.const 0))
    (memory.fill (i32.const 800) (i32.const 9) (i32.const 1))
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
  // Instructions of PROGRAM, in order (index into `inst`).
  const I = {
    mcopyBack: 0, mcopyFwd: 1, mcopyEmptyBack: 2, mcopyEmpty5: 3, mcopyEmpty00: 4, mcopyHigh: 5, mfill9: 6, mfillEmpty: 7, mfill1: 8,
    read5: 9, readShort: 10, readpFull: 11, readpShort: 12, readpNone: 13, mcopyEnd: 14, commit12: 15, commitEmpty: 16, commit6: 17, commitEnd: 18,
  };
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
  /** Rows of the k-th instruction. */
  const inst = (t: Matrix, k: number): number[] => {
    let seen = -1;
    const rows: number[] = [];
    for (let r = 0; r < t.height; r++) {
      const real = [0, 1, 2, 3, 4].some((j) => cell(t, r, C.sel + j));
      if (!real) continue;
      if (cell(t, r, C.first)) seen++;
      if (seen === k) rows.push(r);
      if (seen > k) break;
    }
    return rows;
  };
  const first = (t: Matrix, k: number) => inst(t, k)[0]!;
  const last = (t: Matrix, k: number) => inst(t, k).at(-1)!;
  const get = (t: Matrix, r: number, c: number) => cell(t, r, c);
  const put = (t: Matrix, r: number, c: number, v: number) => setCell(t, r, c, v);
  const posOf = (t: Matrix, r: number, at: number) => [0, 1, 2, 3].find((k) => get(t, r, at + k))!;
  const key = (w: number) => HEAP_KEY_BASE + w;
  /** The final value of a heap word after the forged row wrote `val` at `pos` over `prev` (the row's own view). */
  const finalByte = (word: number, pos: number, val: number) => {
    const br = boundaryRow(cur, key(word));
    const limb = pos >> 1, sh = 8 * (pos & 1);
    const v = cell(cur.boundary, br, BoundaryCols.v + limb);
    boundaryEdit.value(cur, key(word), limb as 0 | 1, (v & ~(0xff << sh)) | (val << sh));
  };
  /** The claimed output follows a forged committed byte. */
  const claimOutput = (pos: number, byte: number) => {
    const io = cur.io!, w = io.width;
    for (let r = 0; r < io.height; r++) if (io.values[r * w] === IO_OUT && io.values[r * w + 1] === pos && io.values[r * w + 4]) io.values[r * w + 2] = byte;
  };
  /** Deletes a row of the bulk trace (the rows below move up). */
  const dropRow = (t: Matrix, r: number) => {
    t.values.copyWithin(r * t.width, (r + 1) * t.width);
    t.values.fill(0, (t.height - 1) * t.width);
  };
  /** Forges the byte a read row sees (source bytes, rb), the output claiming it when it is a commit. */
  const forgeRead = (t: Matrix, r: number) => {
    const p = posOf(t, r, C.rAt);
    put(t, r, C.rBytes + p, get(t, r, C.rBytes + p) ^ 1);
    put(t, r, C.rPrev + (p >> 1), get(t, r, C.rPrev + (p >> 1)) ^ (1 << (8 * (p & 1))));
    put(t, r, C.rb, get(t, r, C.rb) ^ 1);
  };
  const dropLastMfillByte = (t: Matrix): number => {
    const r = last(t, I.mfill9);
    dropRow(t, r);
    boundaryEdit.drop(cur, key(52));
    return r;
  };

  const ATTACKS: Attack[] = [
    {
      attack: 'read_public copies another byte than the public input holds (memory re-derived)',
      mutate: cheat((t) => {
        const r = first(t, I.readpFull);
        const nv = get(t, r, C.val) ^ 1;
        put(t, r, C.val, nv);
        finalByte(get(t, r, C.wWord), posOf(t, r, C.wAt), nv);
      }),
      caughtBy: 'io',
    },
    {
      attack: 'commit sends a byte the heap does not hold (source word forged, output claimed accordingly)',
      mutate: cheat((t) => {
        const r = first(t, I.commit12);
        forgeRead(t, r);
        claimOutput(get(t, r, C.pos), get(t, r, C.rb));
      }),
      caughtBy: 'memory',
    },
    {
      attack: 'commit sends another byte than the one it read (rb alone, output claimed accordingly)',
      mutate: cheat((t) => {
        const r = first(t, I.commit12);
        put(t, r, C.rb, get(t, r, C.rb) ^ 1);
        claimOutput(get(t, r, C.pos), get(t, r, C.rb));
      }),
      caughtBy: 'rb is the source byte at its position',
    },
    {
      attack: 'a bulk row dropped: mfill writes 8 of its 9 bytes (rem jumps from 3 to 1)',
      mutate: cheat((t) => put(t, dropLastMfillByte(t) - 1, C.rem, 1)),
      caughtBy: 'rem drops by one',
    },
    {
      attack: 'a bulk row dropped: mfill writes 8 of its 9 bytes (the chain ends at rem = 2)',
      mutate: cheat((t) => void dropLastMfillByte(t)),
      caughtBy: 'the last byte row of an instruction has rem = 1',
    },
    {
      attack: 'a bulk row dropped: mfill writes 8 of its 9 bytes (rem counted from 8)',
      mutate: cheat((t) => {
        dropLastMfillByte(t);
        for (const r of inst(t, I.mfill9)) put(t, r, C.rem, get(t, r, C.rem) - 1);
      }),
      caughtBy: 'rem starts at n (z, or len for commit)',
    },
    {
      attack: 'an mfill of 1 byte claims to be empty and writes nothing',
      mutate: cheat((t) => {
        const r = first(t, I.mfill1);
        put(t, r, C.empty, 1);
        put(t, r, C.wr, 0);
        put(t, r, C.val, 0);
        boundaryEdit.drop(cur, key(200));
      }),
      caughtBy: 'empty has no bytes (rem = 0)',
    },
    {
      attack: 'mfill writes another fill byte in its last row',
      mutate: cheat((t) => {
        const r = last(t, I.mfill9);
        put(t, r, C.fv, 0xcd);
        put(t, r, C.val, 0xcd);
        finalByte(52, 0, 0xcd);
      }),
      caughtBy: 'a continuation keeps the fill byte',
    },
    {
      attack: 'the last row of a forward mcopy claims the backward direction',
      mutate: cheat((t) => put(t, last(t, I.mcopyFwd), C.back, 1)),
      caughtBy: 'a continuation keeps the direction',
    },
    {
      attack: 'the last row of an mcopy turns into an mfill row (writes 0, reads nothing)',
      mutate: cheat((t) => {
        const r = last(t, I.mcopyFwd);
        put(t, r, C.sel + 0, 0);
        put(t, r, C.sel + 1, 1);
        put(t, r, C.rd, 0);
        put(t, r, C.val, 0);
        finalByte(6, 2, 0);
        boundaryEdit.ts(cur, key(7), get(t, r, C.rTs));
      }),
      caughtBy: 'a continuation keeps the opcode [0]',
    },
    {
      attack: 'commit reorders its output (positions of bytes 0 and 1 swapped, the claimed output accordingly)',
      mutate: cheat((t) => {
        const [r0, r1] = inst(t, I.commit12) as [number, number];
        put(t, r0, C.pos, 1);
        put(t, r1, C.pos, 0);
        claimOutput(0, get(t, r1, C.rb));
        claimOutput(1, get(t, r0, C.rb));
      }),
      caughtBy: 'pos grows by one',
    },
    {
      attack: 'the last mfill byte is written two steps later (final timestamp accordingly)',
      mutate: cheat((t) => {
        const r = last(t, I.mfill9);
        put(t, r, C.t, get(t, r, C.t) + 2);
        put(t, r, C.wDiff, get(t, r, C.wDiff) + 2);
        boundaryEdit.ts(cur, key(52), get(t, r, C.t) + 1);
      }),
      caughtBy: 't grows by two',
    },
    {
      attack: 'the last mfill byte goes to position 1 of its word instead of 0',
      mutate: cheat((t) => {
        const r = last(t, I.mfill9);
        put(t, r, C.wAt, 0);
        put(t, r, C.wAt + 1, 1);
        boundaryEdit.value(cur, key(52), 0, 0xab00);
      }),
      caughtBy: 'W: the position moves one byte [0]',
    },
    {
      attack: 'the last mfill byte goes to the next word (212 instead of 208)',
      mutate: cheat((t) => {
        put(t, last(t, I.mfill9), C.wWord, 53);
        boundaryEdit.rekey(cur, key(52), key(53));
      }),
      caughtBy: 'W: the word moves when the position wraps',
    },
    {
      attack: 'the last committed byte is read from position 2 of its word instead of 3 (output claimed accordingly)',
      mutate: cheat((t) => {
        const r = last(t, I.commitEnd);
        put(t, r, C.rAt + 3, 0);
        put(t, r, C.rAt + 2, 1);
        put(t, r, C.rb, get(t, r, C.rBytes + 2));
        claimOutput(get(t, r, C.pos), get(t, r, C.rb));
      }),
      caughtBy: 'R: the position moves one byte [2]',
    },
    {
      attack: 'the last byte of commit(0, 12) is read from word 3 instead of word 2 (memory and output re-derived)',
      mutate: cheat((t) => {
        const r = last(t, I.commit12);
        const br = boundaryRow(cur, key(3));
        const v = cell(cur.boundary, br, BoundaryCols.v) + 65536 * cell(cur.boundary, br, BoundaryCols.v + 1);
        const ts3 = cell(cur.boundary, br, BoundaryCols.ts);
        boundaryEdit.ts(cur, key(2), get(t, r, C.rTs));
        boundaryEdit.ts(cur, key(3), get(t, r, C.t));
        put(t, r, C.rWord, 3);
        put(t, r, C.rPrev, v & 0xffff);
        put(t, r, C.rPrev + 1, v >>> 16);
        for (let k = 0; k < 4; k++) put(t, r, C.rBytes + k, (v >>> (8 * k)) & 0xff);
        const d = get(t, r, C.t) - ts3 - 1;
        put(t, r, C.rTs, ts3);
        put(t, r, C.rDiff, d & 0xffff);
        put(t, r, C.rDiff + 1, d >>> 16);
        put(t, r, C.rb, (v >>> 24) & 0xff);
        claimOutput(get(t, r, C.pos), get(t, r, C.rb));
      }),
      caughtBy: 'R: the word moves when the position wraps',
    },
    {
      attack: 'a continuation row carries a nonzero x (first-row column)',
      mutate: cheat((t) => put(t, last(t, I.mfill9), C.x, 7)),
      caughtBy: 'first-row columns are 0 elsewhere [0]',
    },
    {
      attack: 'bounds: R0 off by one',
      mutate: cheat((t) => put(t, first(t, I.mcopyEnd), C.bound, get(t, first(t, I.mcopyEnd), C.bound) + 1)),
      caughtBy: 'bounds, low limb: x0 + L0 + R0 = 2^16 k',
    },
    {
      attack: 'bounds: R1 off by one',
      mutate: cheat((t) => put(t, first(t, I.mcopyEnd), C.bound + 1, get(t, first(t, I.mcopyEnd), C.bound + 1) + 1)),
      caughtBy: 'bounds, high limb: x1 + L1 + R1 + k = pages',
    },
    {
      attack: 'out of bounds: mcopy to [65530, 65536) on a heap claimed to be 0 pages (the CPU stub following)',
      mutate: cheat((t) => put(t, first(t, I.mcopyEnd), C.pages, 0)),
      caughtBy: 'bounds, high limb: x1 + L1 + R1 + k = pages',
    },
    {
      attack: 'bounds with carry -30719 (2^16 k = 1 - p): the limb equations hold mod p for x1 up to pages + 30719',
      mutate: cheat((t) => {
        const r = first(t, I.mcopyHigh);
        put(t, r, C.bound, 65534);
        put(t, r, C.bound + 1, 30720);
        put(t, r, C.bound + 2, P - 30719);
      }),
      caughtBy: 'bounds carry is 0, 1 or 2',
    },
    {
      attack: 'an mcopy whose source is not bounds-checked (fm = 0)',
      mutate: cheat((t) => {
        const r = first(t, I.mcopyFwd);
        put(t, r, C.fm, 0);
        for (let k = 0; k < 3; k++) put(t, r, C.bound2 + k, 0);
      }),
      caughtBy: 'fm = first * mcopy',
    },
    {
      attack: 'source bounds: R0 off by one',
      mutate: cheat((t) => put(t, first(t, I.mcopyFwd), C.bound2, get(t, first(t, I.mcopyFwd), C.bound2) + 1)),
      caughtBy: 'mcopy source bounds, low limb: y0 + n0 + R0 = 2^16 k',
    },
    {
      attack: 'source bounds: R1 off by one',
      mutate: cheat((t) => put(t, first(t, I.mcopyFwd), C.bound2 + 1, get(t, first(t, I.mcopyFwd), C.bound2 + 1) + 1)),
      caughtBy: 'mcopy source bounds, high limb: y1 + n1 + R1 + k = pages',
    },
    {
      attack: 'source bounds with carry -30719',
      mutate: cheat((t) => {
        const r = first(t, I.mcopyHigh);
        put(t, r, C.bound2, 65532);
        put(t, r, C.bound2 + 1, 30721);
        put(t, r, C.bound2 + 2, P - 30719);
      }),
      caughtBy: 'mcopy source bounds carry is 0, 1 or 2',
    },
    {
      attack: 'mcopy direction flipped: the overlapping backward copy (3 <- 0, 10 bytes) claims forward',
      mutate: cheat((t) => {
        for (const r of inst(t, I.mcopyBack)) put(t, r, C.back, 0);
      }),
      caughtBy: 'comparison, low limb: (hi - lo)0 - back + 2^16 bw = r0',
    },
    {
      attack: 'an empty mcopy (5 <- 0) claims forward with the high-limb difference -1',
      mutate: cheat((t) => {
        const r = first(t, I.mcopyEmpty5);
        put(t, r, C.back, 0);
        put(t, r, C.cmp, 65531);
        put(t, r, C.cmp + 1, 0);
        put(t, r, C.cmp + 2, 1);
      }),
      caughtBy: 'comparison, high limb: (hi - lo)1 - bw = r1',
    },
    {
      attack: 'comparison: r0 off by one',
      mutate: cheat((t) => put(t, first(t, I.mcopyFwd), C.cmp, get(t, first(t, I.mcopyFwd), C.cmp) + 1)),
      caughtBy: 'comparison, low limb: (hi - lo)0 - back + 2^16 bw = r0',
    },
    {
      attack: 'mcopy(0x10003 <- 5) claims forward with borrow -30720 (2^16 bw = 1 - p)',
      mutate: cheat((t) => {
        const r = first(t, I.mcopyHigh);
        put(t, r, C.back, 0);
        put(t, r, C.cmp, 3);
        put(t, r, C.cmp + 1, 30719);
        put(t, r, C.cmp + 2, P - 30720);
      }),
      caughtBy: 'comparison borrow is a bit',
    },
    {
      attack: 'back = 2 on an empty mcopy',
      mutate: cheat((t) => {
        const r = first(t, I.mcopyEmpty5);
        put(t, r, C.back, 2);
        put(t, r, C.cmp, 13);
      }),
      caughtBy: 'back is a bit',
    },
    {
      attack: 'back = 1 on an empty mfill',
      mutate: cheat((t) => {
        const r = first(t, I.mfillEmpty);
        put(t, r, C.back, 1);
        put(t, r, C.cmp, 585);
      }),
      caughtBy: 'back only for mcopy',
    },
    {
      attack: 'a full read_public claims the input ran out',
      mutate: cheat((t) => {
        const r = first(t, I.readpFull);
        put(t, r, C.short, 1);
        put(t, r, C.avail, 0);
      }),
      caughtBy: 'short read: count = L - pubPos',
    },
    {
      attack: 'read_public with len 4 and 9 bytes left reads only 3 (the CPU stub following)',
      mutate: cheat((t) => {
        const r = first(t, I.readpFull);
        put(t, r, C.y, 4);
        put(t, r, C.bound, 64931);
        put(t, r, C.bound + 1, 1);
        put(t, r, C.bound + 2, 1);
        put(t, r, C.cmp, 1);
        put(t, r, C.avail, 8);
      }),
      caughtBy: 'full read: count = len [0]',
    },
    {
      attack: 'read_public: the availability limbs do not match',
      mutate: cheat((t) => put(t, first(t, I.readpFull), C.avail, get(t, first(t, I.readpFull), C.avail) + 1)),
      caughtBy: 'full read: len <= L - pubPos: x = l0 + 2^16 l1',
    },
    {
      attack: 'an empty mfill starts its W unit a word later',
      mutate: cheat((t) => {
        const r = first(t, I.mfillEmpty);
        put(t, r, C.wWord, 76);
        put(t, r, C.wLimbs, 76);
      }),
      caughtBy: 'W starts at x + back (n - 1)',
    },
    {
      attack: 'an empty commit starts its R unit a word later',
      mutate: cheat((t) => {
        const r = first(t, I.commitEmpty);
        put(t, r, C.rWord, 151);
        put(t, r, C.rLimbs, 151);
      }),
      caughtBy: 'R starts at y + back (n - 1) (mcopy), x (commit), 0 (others)',
    },
    {
      attack: 'W start word limbs do not match',
      mutate: cheat((t) => put(t, first(t, I.mfillEmpty), C.wLimbs, get(t, first(t, I.mfillEmpty), C.wLimbs) + 1)),
      caughtBy: 'W: start word = l0 + 2^16 l1',
    },
    {
      attack: 'R start word limbs do not match',
      mutate: cheat((t) => put(t, first(t, I.commitEmpty), C.rLimbs, get(t, first(t, I.commitEmpty), C.rLimbs) + 1)),
      caughtBy: 'R: start word = l0 + 2^16 l1',
    },
    {
      attack: 'W unit without a position',
      mutate: cheat((t) => put(t, first(t, I.mfillEmpty), C.wAt, 0)),
      caughtBy: 'W: one position on a real row',
    },
    {
      attack: 'R unit without a position',
      mutate: cheat((t) => put(t, first(t, I.commitEmpty), C.rAt, 0)),
      caughtBy: 'R: one position on a real row',
    },
    {
      attack: 'W position selectors -1 and 2 (pos 4, a word lower)',
      mutate: cheat((t) => {
        const r = first(t, I.mfillEmpty);
        put(t, r, C.wAt, P - 1);
        put(t, r, C.wAt + 2, 2);
        put(t, r, C.wWord, 74);
        put(t, r, C.wLimbs, 74);
      }),
      caughtBy: 'W: position selectors are bits [0]',
    },
    {
      attack: 'R position selectors -1 and 2 (pos 4, a word lower)',
      mutate: cheat((t) => {
        const r = first(t, I.commitEmpty);
        put(t, r, C.rAt, P - 1);
        put(t, r, C.rAt + 2, 2);
        put(t, r, C.rWord, 149);
        put(t, r, C.rLimbs, 149);
      }),
      caughtBy: 'R: position selectors are bits [0]',
    },
    {
      attack: 'commit reads its last byte from nowhere (rd = 0) and forges it',
      mutate: cheat((t) => {
        const r = last(t, I.commitEnd);
        boundaryEdit.ts(cur, key(get(t, r, C.rWord)), get(t, r, C.rTs));
        put(t, r, C.rd, 0);
        forgeRead(t, r);
        claimOutput(get(t, r, C.pos), get(t, r, C.rb));
      }),
      caughtBy: 'rd = (mcopy + commit) (1 - empty)',
    },
    {
      attack: 'mfill skips the write of its last byte (wr = 0)',
      mutate: cheat((t) => {
        const r = last(t, I.mfill9);
        put(t, r, C.wr, 0);
        put(t, r, C.val, 0);
        boundaryEdit.drop(cur, key(52));
      }),
      caughtBy: 'wr = (mcopy + mfill + read + read_public) (1 - empty)',
    },
    {
      attack: 'the destination word split into other bytes (byte0 off by one, the final word accordingly)',
      mutate: cheat((t) => {
        const r = last(t, I.mfill9);
        put(t, r, C.wBytes, 1);
        boundaryEdit.value(cur, key(52), 0, 0xaa);
      }),
      caughtBy: 'W: prev0 = byte0 + 256 byte1',
    },
    {
      attack: 'the destination word split into other bytes (byte3 off by one, the final word accordingly)',
      mutate: cheat((t) => {
        const r = last(t, I.mfill9) - 1;
        put(t, r, C.wBytes + 3, 1);
        boundaryEdit.value(cur, key(51), 1, 0xaaab);
      }),
      caughtBy: 'W: prev1 = byte2 + 256 byte3',
    },
    {
      attack: 'commit reads a forged byte 0 of its source word (the word unchanged)',
      mutate: cheat((t) => {
        const r = inst(t, I.commitEnd)[2]!;
        put(t, r, C.rBytes, get(t, r, C.rBytes) ^ 1);
        put(t, r, C.rb, get(t, r, C.rb) ^ 1);
        claimOutput(get(t, r, C.pos), get(t, r, C.rb));
      }),
      caughtBy: 'R: prev0 = byte0 + 256 byte1',
    },
    {
      attack: 'commit reads a forged byte 2 of its source word (the word unchanged)',
      mutate: cheat((t) => {
        const r = first(t, I.commitEnd);
        put(t, r, C.rBytes + 2, get(t, r, C.rBytes + 2) ^ 1);
        put(t, r, C.rb, get(t, r, C.rb) ^ 1);
        claimOutput(get(t, r, C.pos), get(t, r, C.rb));
      }),
      caughtBy: 'R: prev1 = byte2 + 256 byte3',
    },
    {
      attack: 'a commit row carries a written byte',
      mutate: cheat((t) => put(t, first(t, I.commit6), C.val, 5)),
      caughtBy: 'no byte written without a write',
    },
    {
      attack: 'mcopy writes another byte than it read (final word accordingly)',
      mutate: cheat((t) => {
        const r = last(t, I.mcopyFwd);
        const v = get(t, r, C.val) ^ 1;
        put(t, r, C.val, v);
        finalByte(6, 2, v);
      }),
      caughtBy: 'mcopy writes the byte it read',
    },
    {
      attack: 'mfill writes another byte than its fill byte (final word accordingly)',
      mutate: cheat((t) => {
        put(t, last(t, I.mfill9), C.val, 0x12);
        finalByte(52, 0, 0x12);
      }),
      caughtBy: 'mfill writes the fill byte',
    },
    {
      attack: 'an empty mcopy carries a fill byte',
      mutate: cheat((t) => put(t, first(t, I.mcopyEmptyBack), C.fv, 5)),
      caughtBy: 'the fill byte is 0 unless mfill',
    },
    {
      attack: 'mfill(800, 9, 1) fills with 10 (fill byte not the low byte of y)',
      mutate: cheat((t) => {
        const r = first(t, I.mfill1);
        put(t, r, C.fv, 10);
        put(t, r, C.val, 10);
        finalByte(200, 0, 10);
      }),
      caughtBy: 'mfill: y0 = fill byte + 256 fhi',
    },
    {
      attack: 'an mcopy first row carries fhi',
      mutate: cheat((t) => put(t, first(t, I.mcopyEmptyBack), C.fhi, 3)),
      caughtBy: 'fhi only for mfill',
    },
    {
      attack: 'read: order-check limbs do not match',
      mutate: cheat((t) => put(t, first(t, I.commit6), C.rDiff, get(t, first(t, I.commit6), C.rDiff) + 1)),
      caughtBy: 'read: previous access is earlier: hi - lo - 1 = d0 + 2^16 d1',
    },
    {
      attack: 'write: order-check limbs do not match',
      mutate: cheat((t) => put(t, first(t, I.mfill9), C.wDiff, get(t, first(t, I.mfill9), C.wDiff) + 1)),
      caughtBy: 'write: previous access is earlier: hi - lo - 1 = d0 + 2^16 d1',
    },
    {
      attack: 'a padding row receives a CPU tuple (first = 1 on padding, its predecessor faking the chain)',
      mutate: cheat((t) => {
        const P1 = t.height - 1, Q = t.height - 2;
        put(t, P1, C.first, 1);
        put(t, Q, C.rem, 1);
        put(t, Q, C.t, -2);
        put(t, Q, C.pos, -1);
      }),
      caughtBy: 'first only on real rows',
    },
    {
      attack: 'selectors 2 (mcopy) and -1 (mfill) on an empty row: opcode 2 * 128 - 129 = 127 (memory.grow) received here',
      mutate: cheat((t) => {
        const r = first(t, I.mcopyEmpty00);
        put(t, r, C.sel + 0, 2);
        put(t, r, C.sel + 1, P - 1);
        put(t, r, C.fm, 2);
      }),
      caughtBy: 'selectors are bits [1]',
    },
  ];

  it.each(ATTACKS.map((a) => [a.attack, a] as const))('rejects: %s', (_name, a) => {
    expect(rejectionsOf(scenario, a)).toContain(a.caughtBy);
  });

  /**
   * Families of one rule over several columns (indexed labels) are dropped together. Implied:
   * 'at most one selector': isReal >= 2 forces first = 0 ('first only on real rows'), so the row
   * continues a predecessor with the same selectors, and so on: a cycle of real non-first rows,
   * impossible (rem would have to come back to itself). 'first is a bit': a non-bit first zeroes every
   * first-row column, so n = rem = 0 and the row can only be empty: no access, no io, a tuple with
   * x = y = z = pages = 0 received a non-unit number of times.
   */
  const IMPLIED = new Set(['at most one selector (isReal is a bit)', 'first is a bit']);
  const family = (l: string) => l.replace(/ \[\d+\]$/, '');

  it('every constraint is needed (families of indexed labels together)', () => {
    const rejected = new Map(ATTACKS.map((a) => [a, rejectionsOf(scenario, a)]));
    const labels = eachLabel(bulkTable).filter((l) => !IMPLIED.has(l));
    const families = [...new Set(labels.map(family))];
    const missing: string[] = [];
    for (const f of families) {
      const group = new Set(labels.filter((l) => family(l) === f));
      const candidates = ATTACKS.filter((a) => rejected.get(a)!.some((l) => group.has(l)));
      if (!candidates.some((a) => rejectionsOf(scenario, a, group).length === 0)) missing.push(f);
    }
    expect(missing).toEqual([]);
  });

  it('proves and verifies an honest run; a forged trace is rejected by the verifier', async () => {
    await proveAndVerify(bulkTable, honestRun());
    const w = honestRun();
    let r = 0;
    while (!(w.trace.values[r * C.width + C.sel + 4] && w.trace.values[r * C.width + C.rd])) r++;
    w.trace.values[r * C.width + C.rb] ^= 1;
    await expect(proveAndVerify(bulkTable, w, { debug: false })).rejects.toThrow(VerifyError);
  }, 60_000);
});
