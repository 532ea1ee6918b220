/**
 * The instruction set: ONE table that the encoder, decoder, executor, disassembler, `docs/isa.md`
 * and (later) the constraints all read.
 *
 * Shape. A RISC-style, three-address bytecode over frame-relative *slots* (32-bit words). WASM
 * locals and compiler temporaries live in slots of the current frame; `fp` is the absolute slot
 * index of the frame's slot 0. Every instruction is four 32-bit words `[op, a, b, c]`; `pc` counts
 * instructions. Each instruction reads at most two slot operands (or one slot and an immediate)
 * and writes at most one, so the CPU table is narrow and every operand is a memory access the
 * memory bus checks. The one exception is the bulk-memory class (`mcopy`, `mfill`): it reads three
 * consecutive slots and does its work over many rows of its own table.
 *
 * Words have exactly WebAssembly's integer semantics (wrapping add, signed/unsigned division that
 * traps on zero and on INT_MIN / -1, shift amounts taken mod 32, ...).
 *
 * i64. Native: an i64 value occupies a pair of consecutive slots (low word first), and the
 * `*64` instructions read and write such pairs, i.e. one "wide" operand is two word accesses with
 * the same timestamp. They are proved in their own tables (`alu64`, `mul64`, `divrem64`, `shift64`,
 * `lt64`, `bitcount64`), keeping the 32-bit CPU row for the common case. We chose this over
 * binaryen's `i64-to-i32-lowering` because that pass changes function signatures (high words through
 * a global), does not lower multiplication/division itself (it expects wasm2js helpers) and would
 * turn one `i64.mul` into tens of 32-bit instructions.
 *
 * Calls. `call f, off` starts the callee's frame at `fp + off` (the caller's frame size), writes the
 * link `(pc + 1) | off << 16` into the callee's slot 0 and jumps. Arguments were written by the
 * caller into the callee's slots 1.. beforehand; results come back in slots 1.. of the callee frame.
 * `ret` reads the link, jumps to its low half and subtracts its high half from `fp`: one slot holds
 * both, so a call writes one slot and a return reads one, with no second instruction fetch. Hence
 * code is limited to 2^16 instructions and frame offsets to 2^16 slots (checked by `makeProgram`).
 *
 * Syscalls and precompiles are instructions of the `syscall` / `precompile` classes; opcodes
 * 0xc0..0xff are reserved for precompiles (registered by `precompiles/registry.ts`).
 * @module
 */

/** What an operand field holds; drives encoding checks, disassembly and the docs. */
export type OperandKind =
  | 'none'
  | 'dst' // slot written (32-bit)
  | 'src' // slot read (32-bit)
  | 'dst64' // slot pair written (i64)
  | 'src64' // slot pair read (i64)
  | 'src3' // three consecutive slots read (bulk memory)
  | 'imm' // 32-bit immediate
  | 'offset' // unsigned 32-bit address offset
  | 'target' // absolute pc
  | 'count' // number of entries
  | 'func' // function index
  | 'frame' // frame offset in slots (the caller's frame size)
  | 'type' // signature id
  | 'global' // absolute slot of a global
  | 'trap'; // trap kind index

/** Instruction classes: the keys of `cyclesByClass`. */
export type InstrClass =
  | 'move'
  | 'alu'
  | 'mul'
  | 'div'
  | 'shift'
  | 'bitwise'
  | 'compare'
  | 'bitcount'
  | 'alu64'
  | 'mul64'
  | 'div64'
  | 'shift64'
  | 'compare64'
  | 'memory'
  | 'bulk-memory'
  | 'control'
  | 'call'
  | 'syscall'
  | 'precompile';

/** The table each instruction's work is proved in (the CPU table always has its row). */
export type ProofTable =
  | 'cpu'
  | 'add-sub'
  | 'mul'
  | 'divrem'
  | 'shift'
  | 'bitwise'
  | 'extend'
  | 'lt'
  | 'bitcount'
  | 'load-store'
  | 'bulk';

/** The tables an instruction's work goes to (`vm/tables/<name>.ts`); 32- and 64-bit forms share one. */
export const PROOF_TABLES: readonly ProofTable[] = [
  'cpu', 'add-sub', 'mul', 'divrem', 'shift', 'bitwise', 'extend', 'lt', 'bitcount', 'load-store', 'bulk',
];

/** Trap kinds, in the order of the `trap` instruction's operand. */
export const TRAP_KINDS = [
  'unreachable',
  'div-by-zero',
  'int-overflow',
  'out-of-bounds',
  'indirect-call-type',
  'indirect-call-null',
  'table-out-of-bounds',
  'stack-overflow',
] as const;
export type TrapKind = (typeof TRAP_KINDS)[number];

/** Reference semantics, the specification the executor and the constraints are tested against. */
export type Semantics =
  | { kind: 'bin32'; fn: (x: number, y: number) => number; trap?: (x: number, y: number) => TrapKind | undefined }
  | { kind: 'un32'; fn: (x: number) => number }
  | { kind: 'bin64'; fn: (x: bigint, y: bigint) => bigint; trap?: (x: bigint, y: bigint) => TrapKind | undefined }
  | { kind: 'cmp64'; fn: (x: bigint, y: bigint) => number }
  | { kind: 'un64'; fn: (x: bigint) => bigint }
  | { kind: 'test64'; fn: (x: bigint) => number }
  | { kind: 'widen'; fn: (x: number) => bigint }
  | { kind: 'none' };

export interface InstrDef {
  readonly op: number;
  readonly mnemonic: string;
  readonly operands: readonly [OperandKind, OperandKind, OperandKind];
  readonly cls: InstrClass;
  readonly table: ProofTable;
  readonly doc: string;
  readonly semantics: Semantics;
}

// ---- reference semantics helpers (plain ints; BigInt only for i64 reference) ----
const I64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const INT_MIN = -0x80000000;
const ctz32 = (x: number): number => (x === 0 ? 32 : 31 - Math.clz32(x & -x));
const popcnt32 = (x: number): number => {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
};
const b = (v: boolean): number => (v ? 1 : 0);
const divTrap32 = (_x: number, y: number): TrapKind | undefined => (y === 0 ? 'div-by-zero' : undefined);
const divsTrap32 = (x: number, y: number): TrapKind | undefined =>
  y === 0 ? 'div-by-zero' : x === INT_MIN && y === -1 ? 'int-overflow' : undefined;
const divTrap64 = (_x: bigint, y: bigint): TrapKind | undefined => (y === 0n ? 'div-by-zero' : undefined);
const divsTrap64 = (x: bigint, y: bigint): TrapKind | undefined =>
  y === 0n ? 'div-by-zero' : x === -(1n << 63n) && y === -1n ? 'int-overflow' : undefined;
const clz64 = (x: bigint): bigint => {
  const u = U64(x);
  for (let i = 63n; i >= 0n; i--) if ((u >> i) & 1n) return 63n - i;
  return 64n;
};
const ctz64 = (x: bigint): bigint => {
  const u = U64(x);
  for (let i = 0n; i < 64n; i++) if ((u >> i) & 1n) return i;
  return 64n;
};
const popcnt64 = (x: bigint): bigint => {
  let u = U64(x), n = 0n;
  while (u) { n += u & 1n; u >>= 1n; }
  return n;
};

/** i32 binary operations: name, class, table, semantics, trap rule. Each gets `name` (slot, slot)
 *  and `name.i` (slot, immediate) forms. */
const BIN32: ReadonlyArray<[string, InstrClass, ProofTable, (x: number, y: number) => number, string, ((x: number, y: number) => TrapKind | undefined)?]> = [
  ['add', 'alu', 'add-sub', (x, y) => (x + y) | 0, 'wrapping addition'],
  ['sub', 'alu', 'add-sub', (x, y) => (x - y) | 0, 'wrapping subtraction'],
  ['mul', 'mul', 'mul', (x, y) => Math.imul(x, y), 'low 32 bits of the product'],
  ['div_s', 'div', 'divrem', (x, y) => (x / y) | 0, 'signed division toward zero; traps on 0 and INT_MIN / -1', divsTrap32],
  ['div_u', 'div', 'divrem', (x, y) => ((x >>> 0) / (y >>> 0)) | 0, 'unsigned division; traps on 0', divTrap32],
  ['rem_s', 'div', 'divrem', (x, y) => (x % y) | 0, 'signed remainder (sign of the dividend); traps on 0', divTrap32],
  ['rem_u', 'div', 'divrem', (x, y) => ((x >>> 0) % (y >>> 0)) | 0, 'unsigned remainder; traps on 0', divTrap32],
  ['and', 'bitwise', 'bitwise', (x, y) => x & y, 'bitwise and'],
  ['or', 'bitwise', 'bitwise', (x, y) => x | y, 'bitwise or'],
  ['xor', 'bitwise', 'bitwise', (x, y) => x ^ y, 'bitwise xor'],
  ['shl', 'shift', 'shift', (x, y) => x << (y & 31), 'shift left by y mod 32'],
  ['shr_s', 'shift', 'shift', (x, y) => x >> (y & 31), 'arithmetic shift right by y mod 32'],
  ['shr_u', 'shift', 'shift', (x, y) => (x >>> (y & 31)) | 0, 'logical shift right by y mod 32'],
  ['rotl', 'shift', 'shift', (x, y) => (x << (y & 31)) | (x >>> ((32 - (y & 31)) & 31)), 'rotate left by y mod 32'],
  ['rotr', 'shift', 'shift', (x, y) => (x >>> (y & 31)) | (x << ((32 - (y & 31)) & 31)), 'rotate right by y mod 32'],
  ['eq', 'compare', 'lt', (x, y) => b(x === y), '1 if equal else 0'],
  ['ne', 'compare', 'lt', (x, y) => b(x !== y), '1 if different else 0'],
  ['lt_s', 'compare', 'lt', (x, y) => b(x < y), 'signed less-than'],
  ['lt_u', 'compare', 'lt', (x, y) => b(x >>> 0 < y >>> 0), 'unsigned less-than'],
  ['gt_s', 'compare', 'lt', (x, y) => b(x > y), 'signed greater-than'],
  ['gt_u', 'compare', 'lt', (x, y) => b(x >>> 0 > y >>> 0), 'unsigned greater-than'],
  ['le_s', 'compare', 'lt', (x, y) => b(x <= y), 'signed less-or-equal'],
  ['le_u', 'compare', 'lt', (x, y) => b(x >>> 0 <= y >>> 0), 'unsigned less-or-equal'],
  ['ge_s', 'compare', 'lt', (x, y) => b(x >= y), 'signed greater-or-equal'],
  ['ge_u', 'compare', 'lt', (x, y) => b(x >>> 0 >= y >>> 0), 'unsigned greater-or-equal'],
];

const UN32: ReadonlyArray<[string, InstrClass, ProofTable, (x: number) => number, string]> = [
  ['clz', 'bitcount', 'bitcount', (x) => Math.clz32(x), 'count leading zero bits'],
  ['ctz', 'bitcount', 'bitcount', ctz32, 'count trailing zero bits'],
  ['popcnt', 'bitcount', 'bitcount', popcnt32, 'count one bits'],
  ['eqz', 'compare', 'lt', (x) => b(x === 0), '1 if zero else 0'],
  ['extend8_s', 'bitwise', 'extend', (x) => (x << 24) >> 24, 'sign-extend the low byte'],
  ['extend16_s', 'bitwise', 'extend', (x) => (x << 16) >> 16, 'sign-extend the low 16 bits'],
];

const BIN64: ReadonlyArray<[string, InstrClass, ProofTable, (x: bigint, y: bigint) => bigint, string, ((x: bigint, y: bigint) => TrapKind | undefined)?]> = [
  ['add64', 'alu64', 'add-sub', (x, y) => I64(x + y), 'wrapping addition'],
  ['sub64', 'alu64', 'add-sub', (x, y) => I64(x - y), 'wrapping subtraction'],
  ['mul64', 'mul64', 'mul', (x, y) => I64(x * y), 'low 64 bits of the product'],
  ['div_s64', 'div64', 'divrem', (x, y) => I64(x / y), 'signed division; traps on 0 and INT64_MIN / -1', divsTrap64],
  ['div_u64', 'div64', 'divrem', (x, y) => I64(U64(x) / U64(y)), 'unsigned division; traps on 0', divTrap64],
  ['rem_s64', 'div64', 'divrem', (x, y) => I64(x % y), 'signed remainder; traps on 0', divTrap64],
  ['rem_u64', 'div64', 'divrem', (x, y) => I64(U64(x) % U64(y)), 'unsigned remainder; traps on 0', divTrap64],
  ['and64', 'alu64', 'bitwise', (x, y) => x & y, 'bitwise and'],
  ['or64', 'alu64', 'bitwise', (x, y) => x | y, 'bitwise or'],
  ['xor64', 'alu64', 'bitwise', (x, y) => x ^ y, 'bitwise xor'],
  ['shl64', 'shift64', 'shift', (x, y) => I64(x << (U64(y) & 63n)), 'shift left by y mod 64'],
  ['shr_s64', 'shift64', 'shift', (x, y) => x >> (U64(y) & 63n), 'arithmetic shift right by y mod 64'],
  ['shr_u64', 'shift64', 'shift', (x, y) => I64(U64(x) >> (U64(y) & 63n)), 'logical shift right by y mod 64'],
  ['rotl64', 'shift64', 'shift', (x, y) => { const n = U64(y) & 63n; return I64((U64(x) << n) | (U64(x) >> ((64n - n) & 63n))); }, 'rotate left by y mod 64'],
  ['rotr64', 'shift64', 'shift', (x, y) => { const n = U64(y) & 63n; return I64((U64(x) >> n) | (U64(x) << ((64n - n) & 63n))); }, 'rotate right by y mod 64'],
];

const CMP64: ReadonlyArray<[string, (x: bigint, y: bigint) => number, string]> = [
  ['eq64', (x, y) => b(x === y), 'equal'],
  ['ne64', (x, y) => b(x !== y), 'different'],
  ['lt_s64', (x, y) => b(x < y), 'signed less-than'],
  ['lt_u64', (x, y) => b(U64(x) < U64(y)), 'unsigned less-than'],
  ['gt_s64', (x, y) => b(x > y), 'signed greater-than'],
  ['gt_u64', (x, y) => b(U64(x) > U64(y)), 'unsigned greater-than'],
  ['le_s64', (x, y) => b(x <= y), 'signed less-or-equal'],
  ['le_u64', (x, y) => b(U64(x) <= U64(y)), 'unsigned less-or-equal'],
  ['ge_s64', (x, y) => b(x >= y), 'signed greater-or-equal'],
  ['ge_u64', (x, y) => b(U64(x) >= U64(y)), 'unsigned greater-or-equal'],
];

const UN64: ReadonlyArray<[string, InstrClass, ProofTable, (x: bigint) => bigint, string]> = [
  ['clz64', 'bitcount', 'bitcount', clz64, 'count leading zero bits'],
  ['ctz64', 'bitcount', 'bitcount', ctz64, 'count trailing zero bits'],
  ['popcnt64', 'bitcount', 'bitcount', popcnt64, 'count one bits'],
  ['extend8_s64', 'alu64', 'extend', (x) => BigInt.asIntN(8, x), 'sign-extend the low byte'],
  ['extend16_s64', 'alu64', 'extend', (x) => BigInt.asIntN(16, x), 'sign-extend the low 16 bits'],
  ['extend32_s64', 'alu64', 'extend', (x) => BigInt.asIntN(32, x), 'sign-extend the low 32 bits'],
];

/** Loads: mnemonic, bytes, signed, 64-bit result. */
export const LOADS: ReadonlyArray<[string, 1 | 2 | 4 | 8, boolean, boolean]> = [
  ['load8_s', 1, true, false], ['load8_u', 1, false, false], ['load16_s', 2, true, false],
  ['load16_u', 2, false, false], ['load', 4, false, false],
  ['load8_s64', 1, true, true], ['load8_u64', 1, false, true], ['load16_s64', 2, true, true],
  ['load16_u64', 2, false, true], ['load32_s64', 4, true, true], ['load32_u64', 4, false, true],
  ['load64', 8, false, true],
];
/** Stores: mnemonic, bytes, 64-bit source. */
export const STORES: ReadonlyArray<[string, 1 | 2 | 4 | 8, boolean]> = [
  ['store8', 1, false], ['store16', 2, false], ['store', 4, false],
  ['store8_64', 1, true], ['store16_64', 2, true], ['store32_64', 4, true], ['store64', 8, true],
];

type Row = Omit<InstrDef, 'op'>;
const NONE: Semantics = { kind: 'none' };
const rows: Row[] = [];
const add = (mnemonic: string, operands: InstrDef['operands'], cls: InstrClass, table: ProofTable, doc: string, semantics: Semantics = NONE): void => {
  rows.push({ mnemonic, operands, cls, table, doc, semantics });
};

// Order is the opcode numbering: append only, never reorder (it is part of the program digest).
add('halt', ['none', 'none', 'none'], 'control', 'cpu', 'stop the machine; the run succeeded');
add('trap', ['trap', 'none', 'none'], 'control', 'cpu', 'stop the machine with trap kind a (see TRAP_KINDS)');
add('const', ['dst', 'imm', 'none'], 'move', 'cpu', 'a <- imm b');
add('const64', ['dst64', 'imm', 'imm'], 'move', 'cpu', 'a:a+1 <- (lo b, hi c)');
add('mov', ['dst', 'src', 'none'], 'move', 'cpu', 'a <- b');
add('mov64', ['dst64', 'src64', 'none'], 'move', 'cpu', 'a:a+1 <- b:b+1');
add('gget', ['dst', 'global', 'none'], 'move', 'cpu', 'a <- global slot b (absolute)');
add('gset', ['global', 'src', 'none'], 'move', 'cpu', 'global slot a (absolute) <- b');
add('gget64', ['dst64', 'global', 'none'], 'move', 'cpu', 'a:a+1 <- global slots b:b+1');
add('gset64', ['global', 'src64', 'none'], 'move', 'cpu', 'global slots a:a+1 <- b:b+1');
for (const [m, cls, table, fn, doc, trap] of BIN32) {
  add(m, ['dst', 'src', 'src'], cls, table, `a <- b ${m} c: ${doc}`, { kind: 'bin32', fn, ...(trap ? { trap } : {}) });
  add(`${m}.i`, ['dst', 'src', 'imm'], cls, table, `a <- b ${m} imm c: ${doc}`, { kind: 'bin32', fn, ...(trap ? { trap } : {}) });
}
for (const [m, cls, table, fn, doc] of UN32) add(m, ['dst', 'src', 'none'], cls, table, `a <- ${m}(b): ${doc}`, { kind: 'un32', fn });
for (const [m, cls, table, fn, doc, trap] of BIN64) {
  add(m, ['dst64', 'src64', 'src64'], cls, table, `a <- b ${m} c (i64): ${doc}`, { kind: 'bin64', fn, ...(trap ? { trap } : {}) });
}
for (const [m, fn, doc] of CMP64) add(m, ['dst', 'src64', 'src64'], 'compare64', 'lt', `a <- b ${m} c (i64 operands, i32 result): ${doc}`, { kind: 'cmp64', fn });
for (const [m, cls, table, fn, doc] of UN64) add(m, ['dst64', 'src64', 'none'], cls, table, `a <- ${m}(b) (i64): ${doc}`, { kind: 'un64', fn });
add('eqz64', ['dst', 'src64', 'none'], 'compare64', 'lt', 'a <- 1 if the i64 b is zero else 0', { kind: 'test64', fn: (x) => b(x === 0n) });
add('extend_s', ['dst64', 'src', 'none'], 'alu64', 'extend', 'a:a+1 <- sign-extended i32 b', { kind: 'widen', fn: (x) => BigInt(x | 0) });
add('extend_u', ['dst64', 'src', 'none'], 'alu64', 'extend', 'a:a+1 <- zero-extended i32 b', { kind: 'widen', fn: (x) => BigInt(x >>> 0) });
for (const [m, bytes, signed, wide] of LOADS) {
  add(m, [wide ? 'dst64' : 'dst', 'src', 'offset'], 'memory', 'load-store',
    `a <- ${bytes}-byte ${bytes < (wide ? 8 : 4) ? (signed ? 'sign-extended ' : 'zero-extended ') : ''}heap[b + c] (little-endian; traps out of bounds)`);
}
for (const [m, bytes, wide] of STORES) {
  add(m, [wide ? 'src64' : 'src', 'src', 'offset'], 'memory', 'load-store', `heap[b + c] <- low ${bytes} byte(s) of a (traps out of bounds)`);
}
add('jmp', ['target', 'none', 'none'], 'control', 'cpu', 'pc <- a');
add('brz', ['src', 'target', 'none'], 'control', 'cpu', 'if a = 0 then pc <- b');
add('brnz', ['src', 'target', 'none'], 'control', 'cpu', 'if a != 0 then pc <- b');
add('br_table', ['src', 'target', 'count'], 'control', 'cpu', 'pc <- b + min(a as u32, c): the c+1 instructions from b are jumps (the last one is the default)');
add('call', ['func', 'frame', 'none'], 'call', 'cpu', 'fp <- fp + b; slot 0 <- (pc + 1) | b << 16 (the link); pc <- entry of function a');
add('call_indirect', ['src', 'frame', 'type'], 'call', 'cpu', 'as call, to the function at table[a]; traps if a is out of the table, the entry is null or its signature is not c');
add('ret', ['none', 'none', 'none'], 'call', 'cpu', 'pc <- low 16 bits of slot 0; fp <- fp - (high 16 bits of slot 0)');
add('memory.size', ['dst', 'none', 'none'], 'memory', 'cpu', 'a <- heap size in 64 KiB pages');
add('memory.grow', ['dst', 'src', 'none'], 'memory', 'cpu', 'grow the heap by b pages; a <- old size, or -1 beyond the maximum');
add('mcopy', ['src3', 'none', 'none'], 'bulk-memory', 'bulk', 'copy heap[a+1 .. a+1+(a+2)) to heap[a ..] (slots a, a+1, a+2: dest, src, n), as memmove');
add('mfill', ['src3', 'none', 'none'], 'bulk-memory', 'bulk', 'fill heap[a .. a+(a+2)) with the low byte of a+1 (slots a, a+1, a+2: dest, value, n)');
add('read', ['dst', 'src', 'src'], 'syscall', 'bulk', 'copy up to c bytes of private input to heap[b..]; a <- count');
add('read_public', ['dst', 'src', 'src'], 'syscall', 'bulk', 'copy up to c bytes of public input to heap[b..]; a <- count');
add('commit', ['src', 'src', 'none'], 'syscall', 'bulk', 'append heap[a .. a+b) to the public output');
add('panic', ['src', 'src', 'none'], 'syscall', 'cpu', 'stop with a guest panic; the message is the UTF-8 text heap[a .. a+b)');

// Compare-and-branch (appended after the first ISA version): one row instead of a compare that
// writes a temporary and a brz/brnz that reads it; the compiler fuses the pair when the temporary is dead.
for (const [m, , , fn] of BIN32.filter(([, cls]) => cls === 'compare')) {
  add(`br_${m}`, ['src', 'src', 'target'], 'control', 'lt', `if a ${m} b then pc <- c`, { kind: 'bin32', fn });
  add(`br_${m}.i`, ['src', 'imm', 'target'], 'control', 'lt', `if a ${m} imm b then pc <- c`, { kind: 'bin32', fn });
}

/** The table: `ISA[op]` describes opcode `op`. */
export const ISA: readonly InstrDef[] = Object.freeze(rows.map((r, op) => Object.freeze({ op, ...r })));

/** First opcode reserved for precompiles; `ISA` never reaches it. */
export const PRECOMPILE_OPCODE_BASE = 0xc0;
if (ISA.length > PRECOMPILE_OPCODE_BASE) throw new Error('ISA overflows into the precompile opcode range');

const byName = new Map(ISA.map((d) => [d.mnemonic, d]));
/** The definition for a mnemonic; throws on an unknown one (a compiler bug, never user input). */
export function instr(mnemonic: string): InstrDef {
  const d = byName.get(mnemonic);
  if (!d) throw new Error(`unknown mnemonic ${mnemonic}`);
  return d;
}
/** Opcode by mnemonic, for the compiler and the executor's switch. */
export const OP: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(ISA.map((d) => [d.mnemonic, d.op])));

/** Words per encoded instruction. */
export const INSTR_WORDS = 4;
/** Bytes per WebAssembly page. */
export const PAGE_SIZE = 65536;

/** Every instruction class, in a fixed order (for cyclesByClass). */
export const INSTR_CLASSES: readonly InstrClass[] = [
  'move', 'alu', 'mul', 'div', 'shift', 'bitwise', 'compare', 'bitcount', 'alu64', 'mul64', 'div64',
  'shift64', 'compare64', 'memory', 'bulk-memory', 'control', 'call', 'syscall', 'precompile',
];
