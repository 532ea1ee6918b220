/**
 * The CPU table: one row per executed instruction.
 *
 * A row fetches its instruction from the program table (`fetch` bus: pc, opcode, decoded operand
 * offsets, immediate, target and datapath flags, all pinned by the committed Program), does up to
 * three slot accesses on the memory bus (port X reads x at timestamp ts, port Y reads y at ts + 1,
 * port Z writes z, or reads it for mcopy/mfill, at ts + 2; each with a high word for i64
 * operands), and proves the instruction's effect:
 * - the work of arithmetic, comparison, load/store and bulk/I/O instructions is sent as ONE tuple
 *   on the ALU bus (`alu.ts`) to the table that proves it; the CPU only pins the operands it sends;
 * - moves, constants, links, memory.size and control flow are proved here.
 *
 * State (ts, pc, fp, pages, pubPos, outPos, inEof) flows row to row by transition constraints. A segment's
 * first row RECEIVES its state on the `state` bus and its last row SENDS the next state (unless it
 * halts), so segments chain by LogUp: the verifier sends the initial state, and `halt` sends
 * (pubPos, outPos) on the `halt` bus, which the verifier receives with the claimed output length.
 *
 * Degree: at most 3 (e.g. isBrz * cz * (target - pc - 1)). Every column a row USES is pinned:
 * fetched columns and flags by the fetch lookup on real rows (flags zero on padding rows), values
 * by memory accesses or by the table that proves them, access bookkeeping by the memory bus and
 * range lookups, `npc` by its defining constraint or (call_indirect) the elem lookup, `cz`/`sInv`
 * by the is-zero gadget on branch rows, `isReal`/`isLast` by their own constraints. A column a row
 * does not use is left free (x with no port X read, cz off branch rows, stackRoom off calls, ...):
 * every expression it appears in is multiplied by a flag that is 0 on that row.
 * @module
 */
import { defineTable, type AirBuilder } from '../../prover/air/builder.ts';
import type { Expr } from '../../prover/air/expr.ts';
import { layout } from '../../prover/air/layout.ts';
import { defineBus } from '../../prover/bus.ts';
import { aluBus } from './alu.ts';
import { access } from './memory.ts';
import { range16 } from './range.ts';
import { FLAGS, elemBus, fetchBus } from './program.ts';

/** (ts, pc, fp, pages, pubPos, outPos, inEof) */
export const stateBus = defineBus('state', { arity: 7, kind: 'permutation' });
/** (pubPos, outPos) at halt */
export const haltBus = defineBus('halt', { arity: 2, kind: 'permutation' });

const flagSpec = Object.fromEntries(FLAGS.map((f) => [f, 1])) as { readonly [K in (typeof FLAGS)[number]]: 1 };

export const CpuCols = layout({
  // decoded instruction: pinned by the fetch lookup (real rows)
  pc: 1,
  op: 1,
  aluOp: 1,
  xOff: 1,
  yOff: 1,
  zOff: 1,
  imm: 2,
  immH: 2,
  target: 1,
  frame: 1,
  typeId: 1,
  ...flagSpec,
  // machine state: pinned by the transitions and, on row 0, by the state bus
  ts: 1,
  fp: 1,
  pages: 1,
  pubPos: 1,
  outPos: 1,
  inEof: 1, // 1 once a private read came back short: every later private read returns 0 bytes
  // operand values, u16 limbs: pinned by the memory accesses, or by the rules of each flag
  x: 2,
  xh: 2,
  y: 2,
  yh: 2,
  z: 2,
  zh: 2,
  // memory access bookkeeping: previous timestamp (and value for writes) and order-check limbs
  xTs: 1,
  xDiff: 2,
  xhTs: 1,
  xhDiff: 2,
  yTs: 1,
  yDiff: 2,
  yhTs: 1,
  yhDiff: 2,
  zPrev: 2,
  zTs: 1,
  zDiff: 2,
  zhPrev: 2,
  zhTs: 1,
  zhDiff: 2,
  // control
  npc: 1, // next pc: pinned by its defining constraint, or by the elem lookup for call_indirect
  calleeFrame: 1, // frame size of the function called: fetched (typeId of a call) or from the elem lookup
  stackRoom: 2, // stack top - (fp + frame + calleeFrame) as limbs: pinned by the room constraint and range16
  cz: 1, // brz/brnz: 1 iff x = 0 (is-zero gadget with sInv)
  sInv: 1,
  short: 1, // private read: 1 if it may return fewer bytes than asked (end of input); pinned bit, only on read rows
  isReal: 1, // 1 on executed rows (a prefix of the table)
  isLast: 1, // 1 on the last executed row
});

const TWO16 = 0x10000;

/** Flags as expressions, by name. */
function flagsOf(b: AirBuilder): Record<(typeof FLAGS)[number], Expr> {
  const r = b.local(CpuCols) as unknown as Record<string, Expr>;
  return Object.fromEntries(FLAGS.map((f) => [f, r[f]!])) as Record<(typeof FLAGS)[number], Expr>;
}

export const cpuTable = defineTable({
  name: 'cpu',
  cols: CpuCols,
  eval(b) {
    const r = b.local(CpuCols);
    const n = b.next(CpuCols);
    const f = flagsOf(b);
    const word = (l: readonly Expr[]): Expr => b.add(l[0]!, b.mul(TWO16, l[1]!));

    // ---- row kind ----
    b.assertBool('isReal is a bit', r.isReal);
    b.whenTransition().assertZero('executed rows form a prefix', b.mul(n.isReal, b.sub(1, r.isReal)));
    b.whenTransition().assertEq('isLast marks the last executed row', r.isLast, b.sub(r.isReal, n.isReal));
    b.whenLastRow().assertEq('isLast on a full table', r.isLast, r.isReal);
    b.whenFirstRow().assertEq('a segment executes at least one row', r.isReal, 1);
    for (const name of FLAGS) b.assertBool(`flag ${name} is a bit`, f[name]);
    const packed = b.sum(FLAGS.map((name) => f[name]), FLAGS.map((_, i) => 2 ** i));
    b.assertZero('padding rows have no flags', b.mul(b.sub(1, r.isReal), packed));

    // ---- fetch ----
    fetchBus.send(b, [r.pc, r.op, r.aluOp, r.xOff, r.yOff, r.zOff, ...r.imm, ...r.immH, r.target, r.frame, r.typeId, packed], r.isReal);

    // ---- operand ports ----
    const xKey = b.sub(b.add(r.xOff, r.fp), b.mul(f.xAbs, r.fp));
    const yKey = b.add(r.yOff, r.fp);
    const zKey = b.sub(b.add(r.zOff, r.fp), b.mul(f.zAbs, r.fp));
    access(b, 'port X', { key: xKey, prev: r.x, value: r.x, prevTs: r.xTs, ts: r.ts, diff: r.xDiff, gate: f.xRead });
    access(b, 'port X high', { key: b.add(xKey, 1), prev: r.xh, value: r.xh, prevTs: r.xhTs, ts: r.ts, diff: r.xhDiff, gate: f.xWide });
    access(b, 'port Y', { key: yKey, prev: r.y, value: r.y, prevTs: r.yTs, ts: b.add(r.ts, 1), diff: r.yDiff, gate: f.yRead });
    access(b, 'port Y high', { key: b.add(yKey, 1), prev: r.yh, value: r.yh, prevTs: r.yhTs, ts: b.add(r.ts, 1), diff: r.yhDiff, gate: f.yWide });
    access(b, 'port Z', { key: zKey, prev: r.zPrev, value: r.z, prevTs: r.zTs, ts: b.add(r.ts, 2), diff: r.zDiff, gate: b.add(f.zWrite, f.zRead) });
    access(b, 'port Z high', { key: b.add(zKey, 1), prev: r.zhPrev, value: r.zh, prevTs: r.zhTs, ts: b.add(r.ts, 2), diff: r.zhDiff, gate: f.zWide });
    b.when(f.zRead).assertZeros('port Z read: z is the slot value', [b.sub(r.z[0]!, r.zPrev[0]!), b.sub(r.z[1]!, r.zPrev[1]!)]);
    // High words are zero unless an i64 operand is read or written (the ALU tables rely on it).
    b.when(b.sub(1, f.xWide)).assertZeros('xh is zero for 32-bit x', r.xh);
    b.when(b.sub(1, f.yWide)).assertZeros('yh is zero for 32-bit y', r.yh);
    b.when(b.sub(1, f.zWide)).assertZeros('zh is zero for 32-bit z', r.zh);

    // ---- values the CPU proves itself ----
    b.when(f.yImm).assertZeros('y is the immediate', [b.sub(r.y[0]!, r.imm[0]!), b.sub(r.y[1]!, r.imm[1]!)]);
    b.when(f.isConst).assertZeros('const: z = imm, zh = immH', [b.sub(r.z[0]!, r.imm[0]!), b.sub(r.z[1]!, r.imm[1]!), b.sub(r.zh[0]!, r.immH[0]!), b.sub(r.zh[1]!, r.immH[1]!)]);
    b.when(f.isMov).assertZeros('move: z = x, zh = xh', [b.sub(r.z[0]!, r.x[0]!), b.sub(r.z[1]!, r.x[1]!), b.sub(r.zh[0]!, r.xh[0]!), b.sub(r.zh[1]!, r.xh[1]!)]);
    const isLink = b.add(f.isCall, f.isCallInd);
    b.when(isLink).assertZeros('call: the link is (pc + 1) | frame << 16', [b.sub(r.z[0]!, b.add(r.pc, 1)), b.sub(r.z[1]!, r.frame)]);
    b.when(b.add(f.isSize, f.isGrow)).assertZeros('memory.size / grow: z = pages', [b.sub(r.z[0]!, r.pages), r.z[1]!]);
    // memory.grow succeeds only when x < maxPages - pages + 1: the lt table proves lt_u(x, y) = 1.
    b.when(f.isGrow).assertZeros('memory.grow: y = maxPages - pages + 1', [b.sub(r.y[0]!, b.add(b.sub(r.imm[0]!, r.pages), 1)), r.y[1]!]);

    // ---- delegation: one tuple on the ALU bus ----
    const isMem = b.add(f.isLS, f.isBulk);
    const e = b.add(b.mul(f.isLS, word(r.imm)), b.mul(f.isReadPub, r.pubPos), b.mul(f.isCommit, r.outPos));
    aluBus.send(
      b,
      [
        r.aluOp,
        r.x[0]!, r.x[1]!, r.xh[0]!, r.xh[1]!,
        r.y[0]!, r.y[1]!, b.add(r.yh[0]!, b.mul(isMem, r.pages)), r.yh[1]!,
        // memory.grow asks the lt table for "x < y" = 1; its z is the old page count
        b.add(r.z[0]!, b.mul(f.isGrow, b.sub(1, r.z[0]!))), b.sub(r.z[1]!, b.mul(f.isGrow, r.z[1]!)), r.zh[0]!, r.zh[1]!,
        b.mul(isMem, r.ts),
        e,
      ],
      f.send,
    );

    // ---- control flow ----
    const isBr = b.add(f.isBrz, f.isBrnz);
    const s = b.add(r.x[0]!, r.x[1]!); // zero iff x = 0 (limbs are u16)
    b.when(isBr).assertZero('is-zero: s * cz = 0', b.mul(s, r.cz));
    b.when(isBr).assertZero('is-zero: cz = 1 - s * sInv', b.sub(b.sub(1, r.cz), b.mul(s, r.sInv)));
    const jump = b.sub(b.sub(r.target, r.pc), 1);
    const npcExpr = b.add(
      b.add(r.pc, 1),
      b.mul(f.isJmp, jump),
      b.mul(f.isBrz, r.cz, jump),
      b.mul(f.isBrnz, b.sub(1, r.cz), jump),
      b.mul(f.isBrCmp, r.z[0]!, jump),
      b.mul(f.isBrTable, b.add(jump, b.mul(r.z[0]!, r.x[0]!), b.mul(b.sub(1, r.z[0]!), r.imm[0]!))),
      b.mul(f.isCall, jump),
      b.mul(f.isRet, b.sub(b.sub(r.x[0]!, r.pc), 1)),
      b.mul(f.isCallInd, b.sub(b.sub(r.npc, r.pc), 1)),
      b.neg(f.isHalt),
    );
    b.assertEq('npc: the next pc', r.npc, npcExpr);
    elemBus.send(b, [r.x[0]!, r.x[1]!, r.npc, r.typeId, r.calleeFrame], f.isCallInd);
    // A call traps with stack-overflow unless the callee's frame fits below the stack top (imm).
    b.when(f.isCall).assertEq('call: calleeFrame is the fetched callee frame size', r.calleeFrame, r.typeId);
    b.when(isLink).assertZero('call: the callee frame fits below the stack top', b.sub(b.sub(word(r.imm), b.add(r.fp, r.frame, r.calleeFrame)), b.add(r.stackRoom[0]!, b.mul(TWO16, r.stackRoom[1]!))));
    // room < 2^21 + 2^16 whatever the limbs are (2^11 room1 < 2^16), so an overflow (room < 0, i.e. near p) has no limbs
    range16.lookup(b, 'stack room limbs', [r.stackRoom[0]!, b.mul(2048, r.stackRoom[1]!)], isLink);

    // ---- private input: a stream that ends once ----
    // A read returns count = len unless it is `short`, which marks the end of the private input:
    // from then on every read returns 0. Any such sequence of counts is what some input stream
    // gives, and no other is (the bytes themselves are the prover's choice: they are private).
    // Linear in the flags (degree 1, so the rules below stay at degree 3): of the bulk forms, only
    // read has none of zRead (mcopy, mfill), isCommit, isReadPub; the fetch pins the combination.
    const isPrivRead = b.sub(f.isBulk, b.add(f.zRead, f.isCommit, f.isReadPub));
    b.assertBool('short is a bit', r.short);
    b.assertZero('short only on private reads', b.mul(r.short, b.sub(1, isPrivRead)));
    b.when(isPrivRead).assertZeros('a read that is not short returns every byte asked for', [b.mul(b.sub(1, r.short), b.sub(r.z[0]!, r.y[0]!)), b.mul(b.sub(1, r.short), b.sub(r.z[1]!, r.y[1]!))]);
    b.when(isPrivRead).assertZeros('after the end of the input a read returns 0', [b.mul(r.inEof, r.z[0]!), b.mul(r.inEof, r.z[1]!)]);

    // ---- state transitions ----
    const nBulk = b.add(b.mul(f.bulkZ, word(r.z)), b.mul(f.isCommit, word(r.y)));
    const next = {
      ts: b.add(r.ts, 4, b.mul(2, nBulk)),
      pc: r.npc,
      fp: b.sub(b.add(r.fp, b.mul(isLink, r.frame)), b.mul(f.isRet, r.x[1]!)),
      pages: b.add(r.pages, b.mul(f.isGrow, r.x[0]!)),
      pubPos: b.add(r.pubPos, b.mul(f.isReadPub, word(r.z))),
      outPos: b.add(r.outPos, b.mul(f.isCommit, word(r.y))),
      inEof: b.sub(b.add(r.inEof, r.short), b.mul(r.inEof, r.short)),
    };
    // "real and not last" is "the next row is real" on every row but the table's last, where it is 0.
    const t = b.when(b.sub(r.isReal, r.isLast));
    t.assertEq('next ts', n.ts, next.ts);
    t.assertEq('next pc', n.pc, next.pc);
    t.assertEq('next fp', n.fp, next.fp);
    t.assertEq('next pages', n.pages, next.pages);
    t.assertEq('next public-input position', n.pubPos, next.pubPos);
    t.assertEq('next output position', n.outPos, next.outPos);
    t.assertEq('next end-of-input flag', n.inEof, next.inEof);
    b.assertZero('halt is the last executed row', b.mul(f.isHalt, b.sub(1, r.isLast)));
    stateBus.receive(b, [r.ts, r.pc, r.fp, r.pages, r.pubPos, r.outPos, r.inEof], b.isFirstRow);
    stateBus.send(b, [next.ts, next.pc, next.fp, next.pages, next.pubPos, next.outPos, next.inEof], b.mul(r.isLast, b.sub(1, f.isHalt)));
    haltBus.send(b, [r.pubPos, r.outPos], f.isHalt);
  },
});

