/**
 * The program table: the committed Program, one row per instruction, decoded for the CPU.
 *
 * Its columns are preprocessed (fixed at setup from the Program), so the verifying key pins them
 * and a proof is bound to the program: every CPU row sends its fetch tuple on the `fetch` bus and
 * this table receives it with a free multiplicity. The decode happens here, once per instruction,
 * instead of in every CPU row: operand slot offsets, the immediate as u16 limbs, the branch or
 * call target (calls resolved to the callee's entry), and the datapath flags packed into one field
 * element (`FLAGS` bit i is worth 2^i; the CPU proves each flag a bit, so the packing is injective).
 * `trap` and `panic` have no row: a CPU row executing one cannot fetch it, so no proof contains
 * one (the VM proves runs that halt).
 *
 * The `elem` table does the same for `call_indirect`: one row (index, entry pc, type id) per
 * non-null entry of the function table; a CPU row sends (index limbs, callee entry, expected type)
 * and only a matching entry receives it, so the three indirect-call traps cannot be proved away.
 * @module
 */
import { defineTable, type Table } from '../../prover/air/builder.ts';
import { layout } from '../../prover/air/layout.ts';
import { defineBus } from '../../prover/bus.ts';
import type { Matrix } from '../../prover/matrix.ts';
import { INSTR_WORDS, ISA, OP, type InstrDef } from '../isa.ts';
import type { Program } from '../program.ts';

/** Datapath flags, in bit order. Names say what a CPU row does when the flag is set. */
export const FLAGS = [
  'xRead', // port X reads slot xOff (+ fp unless xAbs) into x
  'xWide', // and its high word into xh
  'xAbs', // xOff is an absolute slot (globals)
  'yRead', // port Y reads slot yOff + fp into y
  'yWide', // and its high word into yh
  'yImm', // y is the immediate
  'zWrite', // port Z writes z to slot zOff (+ fp unless zAbs)
  'zWide', // and zh to the next slot
  'zRead', // port Z reads slot zOff + fp into z instead (the third operand of mcopy / mfill)
  'zAbs', // zOff is an absolute slot (globals)
  'send', // the row's work is proved by another table: send the ALU-bus tuple
  'isLS', // load or store: the tuple carries ts, pages and the offset
  'isBulk', // mcopy, mfill, read, read_public, commit: the tuple carries ts, pages and an I/O position
  'bulkZ', // the bulk byte count is z (mcopy, mfill, read, read_public)
  'isReadPub', // read_public: advances the public-input position by z
  'isCommit', // commit: advances the output position by y (its byte count)
  'isConst', // z = imm, zh = immH
  'isMov', // z = x, zh = xh
  'isJmp',
  'isBrz',
  'isBrnz',
  'isBrCmp', // compare-and-branch: z is the condition, proved by the lt table
  'isBrTable', // z = (x <u count) from the lt table; pc <- target + (z ? x : count)
  'isCall',
  'isCallInd',
  'isRet',
  'isHalt',
  'isSize', // memory.size: z = pages
  'isGrow', // memory.grow: z = pages, pages += x; the lt table proves x < maxPages - pages + 1
] as const;
export type Flag = (typeof FLAGS)[number];
export const FLAG_BIT: Readonly<Record<Flag, number>> = Object.freeze(Object.fromEntries(FLAGS.map((f, i) => [f, i])) as Record<Flag, number>);

/** Largest memory the proof system handles (1 GiB, so heap word keys stay below 2^28). */
export const PROVABLE_MAX_PAGES = 16384;
/** Load/store offsets must fit one field element exactly. */
export const MAX_OFFSET = 2 ** 28;

/** Fields of the fetch tuple after pc and op, in order. */
export const DecodedCols = layout({
  pc: 1,
  op: 1,
  aluOp: 1, // opcode sent on the ALU bus (the instruction's own, or lt_u for br_table / memory.grow)
  xOff: 1,
  yOff: 1,
  zOff: 1,
  imm: 2, // u16 limbs: the immediate / offset / br_table count / max pages
  immH: 2, // u16 limbs: const64's high word
  target: 1, // jump, branch or br_table base target, or the callee's entry for call
  frame: 1, // call / call_indirect frame offset
  typeId: 1, // call_indirect's expected signature; call: the callee's frame size
  flags: 1, // sum of 2^FLAG_BIT[f]
});

export const fetchBus = defineBus('fetch', { arity: DecodedCols.width, kind: 'lookup' });
/** (index lo, index hi, entry pc, type id, frame size) */
export const elemBus = defineBus('elem', { arity: 5, kind: 'lookup' });
/** Slots of stack the proved semantics allow past the globals (the executor's default limit). */
export const STACK_SLOTS = 1 << 20;

export interface Decoded {
  readonly pc: number;
  readonly op: number;
  readonly aluOp: number;
  readonly xOff: number;
  readonly yOff: number;
  readonly zOff: number;
  readonly imm: number;
  readonly immH: number;
  readonly target: number;
  readonly frame: number;
  readonly typeId: number;
  readonly flags: number;
}

/** Thrown when a valid program uses something the proof system cannot prove yet. */
export class NotProvableError extends Error {
  override readonly name = 'NotProvableError';
}

const bits = (...fs: Flag[]): number => fs.reduce((m, f) => m | (1 << FLAG_BIT[f]), 0);

/** Decodes one instruction, or returns undefined for trap / panic (no row). */
export function decode(program: Program, pc: number): Decoded | undefined {
  const i = pc * INSTR_WORDS;
  const op = program.code[i]!;
  const a = program.code[i + 1]!, b = program.code[i + 2]!, c = program.code[i + 3]!;
  const d: InstrDef = ISA[op]!;
  const m = d.mnemonic;
  let r = { pc, op, aluOp: 0, xOff: 0, yOff: 0, zOff: 0, imm: 0, immH: 0, target: 0, frame: 0, typeId: 0, flags: 0 };
  const [ka, kb, kc] = d.operands;
  if (m === 'trap' || m === 'panic') return undefined;
  // Generic three-address forms: dst a, src b, src/imm c (ALU); the others are spelled out below.
  const delegated = d.table !== 'cpu';
  if (delegated) r.aluOp = op;
  switch (d.table) {
    case 'load-store': {
      if ((c >>> 0) >= MAX_OFFSET) throw new NotProvableError(`pc ${pc} (${m}): offset ${c >>> 0} is not below 2^28`);
      const isStore = ka === 'src' || ka === 'src64';
      r = isStore
        ? { ...r, xOff: a, yOff: b, imm: c >>> 0, flags: bits('xRead', 'yRead', 'send', 'isLS') | (ka === 'src64' ? bits('xWide') : 0) }
        : { ...r, xOff: b, zOff: a, imm: c >>> 0, flags: bits('xRead', 'zWrite', 'send', 'isLS') | (ka === 'dst64' ? bits('zWide') : 0) };
      return r;
    }
    case 'bulk':
      if (m === 'mcopy' || m === 'mfill') return { ...r, xOff: a, yOff: a + 1, zOff: a + 2, flags: bits('xRead', 'yRead', 'zRead', 'send', 'isBulk', 'bulkZ') };
      if (m === 'commit') return { ...r, xOff: a, yOff: b, flags: bits('xRead', 'yRead', 'send', 'isBulk', 'isCommit') };
      return { ...r, xOff: b, yOff: c, zOff: a, flags: bits('xRead', 'yRead', 'zWrite', 'send', 'isBulk', 'bulkZ') | (m === 'read_public' ? bits('isReadPub') : 0) };
    default:
      break;
  }
  if (delegated && m.startsWith('br_')) {
    // compare-and-branch: a src, b src or imm, c target; z is the condition (not written)
    const imm = kb === 'imm';
    return { ...r, xOff: a, yOff: imm ? 0 : b, imm: imm ? b >>> 0 : 0, target: c, flags: bits('xRead', 'send', 'isBrCmp', imm ? 'yImm' : 'yRead') };
  }
  if (delegated) {
    let f = bits('xRead', 'zWrite', 'send');
    if (ka === 'dst64') f |= bits('zWide');
    if (kb === 'src64') f |= bits('xWide');
    let yOff = 0, imm = 0;
    if (kc === 'src' || kc === 'src64') {
      yOff = c;
      f |= bits('yRead') | (kc === 'src64' ? bits('yWide') : 0);
    } else if (kc === 'imm') {
      imm = c >>> 0;
      f |= bits('yImm');
    }
    return { ...r, xOff: b, yOff, zOff: a, imm, flags: f };
  }
  switch (m) {
    case 'halt': return { ...r, flags: bits('isHalt') };
    case 'const': return { ...r, zOff: a, imm: b >>> 0, flags: bits('zWrite', 'isConst') };
    case 'const64': return { ...r, zOff: a, imm: b >>> 0, immH: c >>> 0, flags: bits('zWrite', 'zWide', 'isConst') };
    case 'mov': return { ...r, xOff: b, zOff: a, flags: bits('xRead', 'zWrite', 'isMov') };
    case 'mov64': return { ...r, xOff: b, zOff: a, flags: bits('xRead', 'xWide', 'zWrite', 'zWide', 'isMov') };
    case 'gget': return { ...r, xOff: b, zOff: a, flags: bits('xRead', 'xAbs', 'zWrite', 'isMov') };
    case 'gset': return { ...r, xOff: b, zOff: a, flags: bits('xRead', 'zWrite', 'zAbs', 'isMov') };
    case 'gget64': return { ...r, xOff: b, zOff: a, flags: bits('xRead', 'xWide', 'xAbs', 'zWrite', 'zWide', 'isMov') };
    case 'gset64': return { ...r, xOff: b, zOff: a, flags: bits('xRead', 'xWide', 'zWrite', 'zWide', 'zAbs', 'isMov') };
    case 'jmp': return { ...r, target: a, flags: bits('isJmp') };
    case 'brz': return { ...r, xOff: a, target: b, flags: bits('xRead', 'isBrz') };
    case 'brnz': return { ...r, xOff: a, target: b, flags: bits('xRead', 'isBrnz') };
    case 'br_table': return { ...r, aluOp: OP.lt_u!, xOff: a, target: b, imm: c, flags: bits('xRead', 'yImm', 'send', 'isBrTable') };
    // imm = the top of the stack: a call must fit its callee's frame below it (else stack-overflow)
    case 'call': return { ...r, zOff: b, target: program.functions[a]!.entry, frame: b, typeId: program.functions[a]!.frameSize, imm: program.globals.length + STACK_SLOTS, flags: bits('zWrite', 'isCall') };
    case 'call_indirect': return { ...r, xOff: a, zOff: b, frame: b, typeId: c, imm: program.globals.length + STACK_SLOTS, flags: bits('xRead', 'zWrite', 'isCallInd') };
    case 'ret': return { ...r, xOff: 0, flags: bits('xRead', 'isRet') };
    case 'memory.size': return { ...r, zOff: a, flags: bits('zWrite', 'isSize') };
    case 'memory.grow':
      return { ...r, aluOp: OP.lt_u!, xOff: b, zOff: a, imm: Math.min(program.memory.maxPages, PROVABLE_MAX_PAGES), flags: bits('xRead', 'zWrite', 'send', 'isGrow') };
    default:
      throw new NotProvableError(`pc ${pc}: no decode for ${m}`);
  }
}

/** The fetch tuple of a decoded instruction (what the CPU sends and this table receives). */
export function fetchTuple(d: Decoded): number[] {
  return [d.pc, d.op, d.aluOp, d.xOff, d.yOff, d.zOff, d.imm & 0xffff, d.imm >>> 16, d.immH & 0xffff, d.immH >>> 16, d.target, d.frame, d.typeId, d.flags];
}

export const ProgramCols = layout({
  multiplicity: 1, // fetches of this instruction by the CPU rows: pinned by the bus balance
});

/** The program table and its decoded rows (index = row; `rowOf[pc]` = row of pc, or -1 for no row). */
export interface ProgramTables {
  readonly program: Table<typeof ProgramCols.spec>;
  readonly elem: Table<typeof ElemCols.spec>;
  readonly decoded: readonly (Decoded | undefined)[];
  readonly rowOf: Int32Array;
  /** Row of each function-table index in the elem table, or -1 (null entry). */
  readonly elemRowOf: Int32Array;
}

export const ElemFixedCols = layout({ index: 1, entry: 1, typeId: 1, frameSize: 1 });
export const ElemCols = layout({ multiplicity: 1 });

function pow2AtLeast(n: number): number {
  let h = 2;
  while (h < n) h *= 2;
  return h;
}

/** Builds the program and elem tables of a program (their fixed columns are computed lazily). */
export function programTables(program: Program): ProgramTables {
  const n = program.code.length / INSTR_WORDS;
  const decoded = Array.from({ length: n }, (_, pc) => decode(program, pc));
  const rowOf = new Int32Array(n).fill(-1);
  let rows = 0;
  for (let pc = 0; pc < n; pc++) if (decoded[pc]) rowOf[pc] = rows++;
  const height = pow2AtLeast(rows);
  const W = DecodedCols.width;
  let fixed: Matrix | undefined;
  const programTable = defineTable({
    name: 'program',
    cols: ProgramCols,
    preprocessed: {
      cols: DecodedCols,
      values: (): Matrix => {
        if (fixed) return fixed;
        const v = new Uint32Array(height * W);
        let first: number[] | undefined;
        for (let pc = 0; pc < n; pc++) {
          const d = decoded[pc];
          if (!d) continue;
          const t = fetchTuple(d);
          first ??= t;
          v.set(t, rowOf[pc]! * W);
        }
        // Padding rows repeat a real instruction's decode: an all-zero row would be a fetchable
        // "instruction" (pc 0, opcode 0, no flags) that the program does not contain.
        if (!first) throw new NotProvableError('the program has no provable instruction');
        for (let r = rows; r < height; r++) v.set(first, r * W);
        return (fixed = { values: v, width: W, height });
      },
    },
    eval(b) {
      const f = b.fixed(DecodedCols);
      const m = b.local(ProgramCols).multiplicity;
      fetchBus.receive(b, [f.pc, f.op, f.aluOp, f.xOff, f.yOff, f.zOff, ...f.imm, ...f.immH, f.target, f.frame, f.typeId, f.flags], m);
    },
  });

  const table = program.table;
  const elemRowOf = new Int32Array(table.length).fill(-1);
  const entries: number[][] = [];
  for (let k = 0; k < table.length; k++) {
    const fn = table[k]!;
    if (fn < 0) continue;
    elemRowOf[k] = entries.length;
    entries.push([k, program.functions[fn]!.entry, program.functions[fn]!.typeId, program.functions[fn]!.frameSize]);
  }
  const eh = pow2AtLeast(entries.length);
  let efixed: Matrix | undefined;
  const elemTable = defineTable({
    name: 'elem',
    cols: ElemCols,
    preprocessed: {
      cols: ElemFixedCols,
      values: (): Matrix => {
        if (efixed) return efixed;
        const w = ElemFixedCols.width;
        const v = new Uint32Array(eh * w);
        entries.forEach((e, i) => v.set(e, i * w));
        // Padding repeats a real entry; with no entries at all, an entry pc no fetch can match.
        for (let r = entries.length; r < eh; r++) v.set(entries[0] ?? [0, 0xffffff, 0, 0], r * w);
        return (efixed = { values: v, width: w, height: eh });
      },
    },
    eval(b) {
      const f = b.fixed(ElemFixedCols);
      const m = b.local(ElemCols).multiplicity;
      // Indices are below 2^16 (tables are small), so the high limb of a matching index is 0.
      elemBus.receive(b, [f.index, 0, f.entry, f.typeId, f.frameSize], m);
    },
  });
  if (table.length > 0xffff) throw new NotProvableError(`function table of ${table.length} entries (limit 65535)`);
  return { program: programTable, elem: elemTable, decoded, rowOf, elemRowOf };
}
