/**
 * The executor: a fast interpreter of Program bytecode with WebAssembly's integer semantics, cycle
 * and memory limits, the `zkvm` syscalls, and (optionally) the ExecutionRecord the prover needs.
 *
 * Speed: one `switch` on the opcode over numeric case labels (a switch over imported constants
 * would compile to a chain of comparisons), slots in one Int32Array, the heap in a Uint8Array with
 * a DataView, record columns as typed arrays held in locals, no allocation per instruction. The
 * `case N: // mnemonic` labels are checked against the ISA table by a test (test/vm/isa.test.ts).
 *
 * Slot memory: absolute slots [0, nGlobals) hold the globals; frames follow. A call that would put
 * the callee's frame past `maxStackSlots` traps with 'stack-overflow'.
 *
 * i64 values live in slot pairs (low word first) and are computed on 32-bit halves; 64-bit division
 * uses doubles when both operands fit 53 bits and BigInt otherwise (rare in practice).
 * @module
 */
import { INSTR_WORDS, INSTR_CLASSES, ISA, OP, PAGE_SIZE, TRAP_KINDS, type InstrClass, type TrapKind } from './isa.ts';
import { makeProgram, type Program } from './program.ts';
import { CycleLimitError, ExecutionError, GuestPanic, GuestTrap, MemoryLimitError } from './errors.ts';
import { CHUNK_WORDS, RunRecord, Sink4, takeChunk, type ExecutionRecord } from './record.ts';

export interface ExecuteIO {
  /** Private input, read by the guest with `read`. */
  input?: Uint8Array;
  /** Public input, read with `read_public`; bound into the proof. */
  publicInput?: Uint8Array;
}

export interface ExecuteOptions {
  /** Stop with CycleLimitError after this many instructions (default 2^32 - 1, i.e. practically none). */
  maxCycles?: number;
  /** Heap limit in bytes (default 1 GiB): beyond it, start-up or memory.grow throws MemoryLimitError. */
  maxMemoryBytes?: number;
  /** Keep the ExecutionRecord (default false). */
  record?: boolean;
  /** Slot stack size (default 2^20 slots = 4 MiB). */
  maxStackSlots?: number;
}

export interface ExecutionResult {
  /** Bytes the guest committed. */
  output: Uint8Array;
  /** Executed instructions, the final `halt` included. */
  cycles: number;
  /** Cycles per instruction class (every class present, zeros included). */
  cyclesByClass: Record<string, number>;
  record?: ExecutionRecord;
  /** Heap size in bytes at the end. */
  memoryBytes: number;
}

const DEFAULT_MAX_MEMORY = 1 << 30;
const DEFAULT_STACK_SLOTS = 1 << 20;
const TWO32 = 4294967296;

/** Raised inside the loop and turned into a named error once the function is known. */
class Stop {
  constructor(
    readonly kind: 'trap' | 'panic' | 'cycles' | 'memory' | 'invalid',
    readonly trap: TrapKind | undefined,
    readonly detail: string,
    readonly extra = 0,
  ) {}
}

function mulhu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(mid / 65536)) | 0;
}
function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}
function popcnt32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
/** 64-bit division and remainder; `s[d], s[d+1]` <- result. Traps are checked by the caller. */
function divrem64(s: Int32Array, d: number, xl: number, xh: number, yl: number, yh: number, kind: number): void {
  // kind: 0 div_s, 1 div_u, 2 rem_s, 3 rem_u
  const signed = kind === 0 || kind === 2;
  // Fast path: both operands exactly representable as doubles (|v| < 2^53).
  const xs = signed ? xh : xh >>> 0, ys = signed ? yh : yh >>> 0;
  const fits = (h: number, isSigned: boolean): boolean => (isSigned ? h >= -0x200000 && h < 0x200000 : h >>> 0 < 0x200000);
  if (fits(xh, signed) && fits(yh, signed)) {
    const x = xs * TWO32 + (xl >>> 0), y = ys * TWO32 + (yl >>> 0);
    const r = kind === 0 || kind === 1 ? Math.trunc(x / y) : x % y;
    // r is an integer with |r| < 2^53; split into words (works for negatives via floor).
    const hi = Math.floor(r / TWO32);
    s[d] = (r - hi * TWO32) | 0;
    s[d + 1] = hi | 0;
    return;
  }
  let x = toBig(xl, xh), y = toBig(yl, yh);
  if (signed) {
    x = BigInt.asIntN(64, x);
    y = BigInt.asIntN(64, y);
  }
  const r = BigInt.asUintN(64, kind === 0 || kind === 1 ? x / y : x % y);
  s[d] = Number(r & 0xffffffffn) | 0;
  s[d + 1] = Number(r >> 32n) | 0;
}

function grownSlots(s: Int32Array, size: number): Int32Array {
  const ns = new Int32Array(size);
  ns.set(s);
  return ns;
}
function grownBytes(b: Uint8Array, need: number): Uint8Array {
  let c = b.length * 2;
  while (c < need) c *= 2;
  const nb = new Uint8Array(c);
  nb.set(b);
  return nb;
}
function oobStop(addr: number, n: number, memLen: number): Stop {
  return new Stop('trap', 'out-of-bounds', `address ${addr} + ${n} bytes, heap is ${memLen} bytes`);
}

// Per-opcode tables derived from the ISA, read by the loop.
const OP_CLASS = new Uint8Array(256);
for (const d of ISA) {
  OP_CLASS[d.op] = INSTR_CLASSES.indexOf(d.cls);
}

/**
 * A program that executes every opcode that does not stop the run (operands generated from the
 * ISA table's operand kinds), in a loop. Running it once in each mode before the first real run
 * gives V8 type feedback for every branch of the interpreter, so the first real run is not
 * deoptimized each time it meets an instruction it has not seen yet (measured: the first recorded
 * runs were 3-4x slower than later ones without this).
 */
function warmUpProgram(): Program {
  const code: number[] = [];
  // Frame of function 1 (the loop): slots 1..9 hold operands, 10 the loop counter, 12.. scratch.
  // s1:2 = (7, 1), s3:4 = (3, 2), s5 = 0 (index / zero length), s6:8 = (0, 0, 0) for bulk memory.
  const SRC = [1, 3, 1], DST = 12, ZERO = 5;
  code.push(OP.call!, 1, 0, 0, OP.halt!, 0, 0, 0);
  const f0 = code.length / INSTR_WORDS;
  code.push(OP.ret!, 0, 0, 0);
  const f1 = code.length / INSTR_WORDS;
  code.push(OP.const!, 1, 7, 0, OP.const!, 2, 1, 0, OP.const!, 3, 3, 0, OP.const!, 4, 2, 0, OP.const!, ZERO, 0, 0);
  code.push(OP.const!, 6, 0, 0, OP.const!, 7, 0, 0, OP.const!, 8, 0, 0, OP.const!, 10, 100, 0);
  const loop = code.length / INSTR_WORDS;
  for (const d of ISA) {
    if (d.mnemonic === 'halt' || d.mnemonic === 'trap' || d.mnemonic === 'panic' || d.mnemonic === 'ret') continue;
    const pc = code.length / INSTR_WORDS;
    const ops = d.operands.map((k, i): number => {
      switch (k) {
        case 'dst': case 'dst64': return DST;
        case 'src': case 'src64':
          return d.mnemonic.startsWith('load') || d.mnemonic.startsWith('store') || d.mnemonic === 'br_table' || d.mnemonic === 'call_indirect'
            || d.cls === 'syscall' || d.mnemonic === 'memory.grow' ? (i === 0 && d.mnemonic.startsWith('store') ? SRC[i]! : ZERO) : SRC[i]!;
        case 'src3': return 6;
        case 'imm': return 3;
        case 'target': return pc + 1;
        case 'func': return 0;
        case 'frame': return 16;
        case 'global': return 0;
        default: return 0;
      }
    });
    code.push(d.op, ops[0]!, ops[1]!, ops[2]!);
    if (d.mnemonic === 'br_table') code.push(OP.jmp!, pc + 2, 0, 0);
  }
  code.push(OP['sub.i']!, 10, 10, 1, OP.brnz!, 10, loop, 0, OP.ret!, 0, 0, 0);
  const end = code.length / INSTR_WORDS;
  return makeProgram({
    name: 'warm-up', code: Int32Array.from(code), entry: 0, memory: { initialPages: 1, maxPages: 1 }, data: [],
    globals: new Int32Array(2), types: ['->'],
    functions: [
      { name: 'nop', entry: f0, end: f1, frameSize: 1, typeId: 0, paramSlots: 0, resultSlots: 0 },
      { name: 'loop', entry: f1, end, frameSize: 16, typeId: 0, paramSlots: 0, resultSlots: 0 },
    ],
    table: Int32Array.of(0),
  });
}

let warm = false;

/** Runs `program` to completion. Throws an ExecutionError subclass when the guest does not halt normally. */
export function execute(program: Program, io: ExecuteIO = {}, opts: ExecuteOptions = {}): ExecutionResult {
  if (!warm) {
    warm = true;
    const w = warmUpProgram();
    for (let k = 0; k < 2; k++) {
      run(w, {}, { record: true }).record!.release();
      run(w, {}, {});
    }
  }
  return run(program, io, opts);
}

function run(program: Program, io: ExecuteIO, opts: ExecuteOptions): ExecutionResult {
  const input = io.input ?? new Uint8Array(0);
  const publicInput = io.publicInput ?? new Uint8Array(0);
  if (!(input instanceof Uint8Array)) throw new TypeError('execute: io.input must be a Uint8Array');
  if (!(publicInput instanceof Uint8Array)) throw new TypeError('execute: io.publicInput must be a Uint8Array');
  const maxCycles = opts.maxCycles ?? 0xffffffff;
  const maxMemoryBytes = opts.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  const stackSlots = opts.maxStackSlots ?? DEFAULT_STACK_SLOTS;
  if (!(Number.isSafeInteger(maxCycles) && maxCycles >= 0)) throw new RangeError('execute: maxCycles must be a non-negative integer');
  if (!(Number.isSafeInteger(maxMemoryBytes) && maxMemoryBytes >= 0)) throw new RangeError('execute: maxMemoryBytes must be a non-negative integer');
  const rec = opts.record === true;

  const code = program.code;
  const nInstr = code.length / INSTR_WORDS;
  const funcs = program.functions;
  const funcEntry = new Int32Array(funcs.map((f) => f.entry));
  const funcFrame = new Int32Array(funcs.map((f) => f.frameSize));
  const funcType = new Int32Array(funcs.map((f) => f.typeId));
  const table = program.table;
  const funcName = (pc: number): string => {
    for (const f of funcs) if (pc >= f.entry && pc < f.end) return f.name;
    return '<entry>';
  };

  // Slot memory: globals, then the stack, then slack so that operand slots past a frame (outgoing
  // arguments) of the deepest allowed frame stay inside the array.
  let maxOperand = 0;
  for (let i = 0; i < code.length; i += INSTR_WORDS) {
    const d = ISA[code[i]!]!;
    for (let k = 0; k < 3; k++) {
      const kind = d.operands[k];
      if (kind === 'dst' || kind === 'src' || kind === 'dst64' || kind === 'src64' || kind === 'src3' || kind === 'frame') {
        maxOperand = Math.max(maxOperand, code[i + 1 + k]! + 3);
      }
    }
  }
  for (const f of funcs) maxOperand = Math.max(maxOperand, f.frameSize);
  const nGlobals = program.globals.length;
  const stackLimit = nGlobals + stackSlots;
  const slack = 2 * maxOperand + 4;
  // The slot array grows on demand (checked at calls), so a large stack limit costs nothing up front.
  let sTop = Math.min(stackLimit, nGlobals + 4096);
  let s: Int32Array = new Int32Array(sTop + slack);
  s.set(program.globals);

  let pages = program.memory.initialPages;
  const maxPages = program.memory.maxPages;
  if (pages * PAGE_SIZE > maxMemoryBytes) throw new MemoryLimitError(pages * PAGE_SIZE, maxMemoryBytes, '<entry>', program.entry, 0);
  let mem = new Uint8Array(pages * PAGE_SIZE);
  let dv = new DataView(mem.buffer);
  let memLen = mem.length;
  for (const seg of program.data) mem.set(seg.bytes, seg.offset);

  let out: Uint8Array = new Uint8Array(256);
  let outLen = 0;
  let inPos = 0;
  let pubPos = 0;

  const opCount = new Float64Array(256);

  // Record columns (locals for speed).
  const wide = new Sink4(rec);
  const memEv = new Sink4(rec);
  const bulk = new Sink4(rec);
  const frameRow: number[] = [0];
  const frameFp: number[] = [nGlobals];
  const cpuChunks: Int32Array[] = [];
  let chunk: Int32Array = rec ? takeChunk() : new Int32Array(4);
  let ci = 0;


  let pc = program.entry;
  let fp = nGlobals;
  let clk = 0;



  try {
    run: for (;;) {
      if (clk >= maxCycles) throw new Stop('cycles', undefined, '');
      const i = pc * INSTR_WORDS;
      const op = code[i]!;
      const a = code[i + 1]!, b = code[i + 2]!, c = code[i + 3]!;
      const pc0 = pc, fp0 = fp;
      let x = 0, y = 0, z = 0;
      pc = pc0 + 1;
      switch (op) {
        case 0: // halt
          opCount[0]++;
          if (rec) {
            if (ci === CHUNK_WORDS) { cpuChunks.push(chunk); chunk = takeChunk(); ci = 0; }
            chunk[ci] = pc0; chunk[ci + 1] = 0; chunk[ci + 2] = 0; chunk[ci + 3] = 0; ci += 4;
          }
          clk++;
          pc = pc0;
          break run;
        case 1: // trap
          throw new Stop('trap', TRAP_KINDS[a] ?? 'unreachable', '');
        case 2: // const
          s[fp + a] = z = b; break;
        case 3: // const64
          s[fp + a] = z = b; s[fp + a + 1] = c;
          if (rec) wide.push(clk, 0, 0, c);
          break;
        case 4: // mov
          s[fp + a] = z = x = s[fp + b]!; break;
        case 5: { // mov64
          const h = s[fp + b + 1]!;
          s[fp + a] = z = x = s[fp + b]!; s[fp + a + 1] = h;
          if (rec) wide.push(clk, h, 0, h);
          break;
        }
        case 6: // gget
          s[fp + a] = z = x = s[b]!; break;
        case 7: // gset
          s[a] = z = x = s[fp + b]!; break;
        case 8: { // gget64
          const h = s[b + 1]!;
          s[fp + a] = z = x = s[b]!; s[fp + a + 1] = h;
          if (rec) wide.push(clk, h, 0, h);
          break;
        }
        case 9: { // gset64
          const h = s[fp + b + 1]!;
          s[a] = z = x = s[fp + b]!; s[a + 1] = h;
          if (rec) wide.push(clk, h, 0, h);
          break;
        }
        case 10: // add
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = (x + y) | 0; break;
        case 11: // add.i
          x = s[fp + b]!; y = c; s[fp + a] = z = (x + y) | 0; break;
        case 12: // sub
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = (x - y) | 0; break;
        case 13: // sub.i
          x = s[fp + b]!; y = c; s[fp + a] = z = (x - y) | 0; break;
        case 14: // mul
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = Math.imul(x, y); break;
        case 15: // mul.i
          x = s[fp + b]!; y = c; s[fp + a] = z = Math.imul(x, y); break;
        case 16: // div_s
        case 17: // div_s.i
          x = s[fp + b]!; y = op === 16 ? s[fp + c]! : c;
          if (y === 0) throw new Stop('trap', 'div-by-zero', '');
          if (x === -0x80000000 && y === -1) throw new Stop('trap', 'int-overflow', '');
          s[fp + a] = z = (x / y) | 0; break;
        case 18: // div_u
        case 19: // div_u.i
          x = s[fp + b]!; y = op === 18 ? s[fp + c]! : c;
          if (y === 0) throw new Stop('trap', 'div-by-zero', '');
          s[fp + a] = z = ((x >>> 0) / (y >>> 0)) | 0; break;
        case 20: // rem_s
        case 21: // rem_s.i
          x = s[fp + b]!; y = op === 20 ? s[fp + c]! : c;
          if (y === 0) throw new Stop('trap', 'div-by-zero', '');
          s[fp + a] = z = (x % y) | 0; break;
        case 22: // rem_u
        case 23: // rem_u.i
          x = s[fp + b]!; y = op === 22 ? s[fp + c]! : c;
          if (y === 0) throw new Stop('trap', 'div-by-zero', '');
          s[fp + a] = z = ((x >>> 0) % (y >>> 0)) | 0; break;
        case 24: // and
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x & y; break;
        case 25: // and.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x & y; break;
        case 26: // or
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x | y; break;
        case 27: // or.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x | y; break;
        case 28: // xor
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x ^ y; break;
        case 29: // xor.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x ^ y; break;
        case 30: // shl
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x << y; break;
        case 31: // shl.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x << y; break;
        case 32: // shr_s
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x >> y; break;
        case 33: // shr_s.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x >> y; break;
        case 34: // shr_u
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = (x >>> y) | 0; break;
        case 35: // shr_u.i
          x = s[fp + b]!; y = c; s[fp + a] = z = (x >>> y) | 0; break;
        case 36: // rotl
        case 37: // rotl.i
          x = s[fp + b]!; y = op === 36 ? s[fp + c]! : c;
          s[fp + a] = z = (x << y) | (x >>> ((32 - (y & 31)) & 31)); break;
        case 38: // rotr
        case 39: // rotr.i
          x = s[fp + b]!; y = op === 38 ? s[fp + c]! : c;
          s[fp + a] = z = (x >>> y) | (x << ((32 - (y & 31)) & 31)); break;
        case 40: // eq
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x === y ? 1 : 0; break;
        case 41: // eq.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x === y ? 1 : 0; break;
        case 42: // ne
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x !== y ? 1 : 0; break;
        case 43: // ne.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x !== y ? 1 : 0; break;
        case 44: // lt_s
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x < y ? 1 : 0; break;
        case 45: // lt_s.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x < y ? 1 : 0; break;
        case 46: // lt_u
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x >>> 0 < y >>> 0 ? 1 : 0; break;
        case 47: // lt_u.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x >>> 0 < y >>> 0 ? 1 : 0; break;
        case 48: // gt_s
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x > y ? 1 : 0; break;
        case 49: // gt_s.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x > y ? 1 : 0; break;
        case 50: // gt_u
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x >>> 0 > y >>> 0 ? 1 : 0; break;
        case 51: // gt_u.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x >>> 0 > y >>> 0 ? 1 : 0; break;
        case 52: // le_s
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x <= y ? 1 : 0; break;
        case 53: // le_s.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x <= y ? 1 : 0; break;
        case 54: // le_u
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x >>> 0 <= y >>> 0 ? 1 : 0; break;
        case 55: // le_u.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x >>> 0 <= y >>> 0 ? 1 : 0; break;
        case 56: // ge_s
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x >= y ? 1 : 0; break;
        case 57: // ge_s.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x >= y ? 1 : 0; break;
        case 58: // ge_u
          x = s[fp + b]!; y = s[fp + c]!; s[fp + a] = z = x >>> 0 >= y >>> 0 ? 1 : 0; break;
        case 59: // ge_u.i
          x = s[fp + b]!; y = c; s[fp + a] = z = x >>> 0 >= y >>> 0 ? 1 : 0; break;
        case 60: // clz
          x = s[fp + b]!; s[fp + a] = z = Math.clz32(x); break;
        case 61: // ctz
          x = s[fp + b]!; s[fp + a] = z = ctz32(x); break;
        case 62: // popcnt
          x = s[fp + b]!; s[fp + a] = z = popcnt32(x); break;
        case 63: // eqz
          x = s[fp + b]!; s[fp + a] = z = x === 0 ? 1 : 0; break;
        case 64: // extend8_s
          x = s[fp + b]!; s[fp + a] = z = (x << 24) >> 24; break;
        case 65: // extend16_s
          x = s[fp + b]!; s[fp + a] = z = (x << 16) >> 16; break;
        case 66: // add64
        case 67: // sub64
        case 68: // mul64
        case 69: // div_s64
        case 70: // div_u64
        case 71: // rem_s64
        case 72: // rem_u64
        case 73: // and64
        case 74: // or64
        case 75: // xor64
        case 76: // shl64
        case 77: // shr_s64
        case 78: // shr_u64
        case 79: // rotl64
        case 80: { // rotr64
          x = s[fp + b]!; y = s[fp + c]!;
          const xh = s[fp + b + 1]!, yh = s[fp + c + 1]!;
          let zl = 0, zh = 0;
          switch (op) {
            case 66: zl = (x + y) | 0; zh = (xh + yh + (zl >>> 0 < x >>> 0 ? 1 : 0)) | 0; break;
            case 67: zl = (x - y) | 0; zh = (xh - yh - (x >>> 0 < y >>> 0 ? 1 : 0)) | 0; break;
            case 68: zl = Math.imul(x, y); zh = (mulhu32(x, y) + Math.imul(x, yh) + Math.imul(xh, y)) | 0; break;
            case 69: case 70: case 71: case 72: {
              if (y === 0 && yh === 0) throw new Stop('trap', 'div-by-zero', '');
              if (op === 69 && x === 0 && xh === -0x80000000 && y === -1 && yh === -1) throw new Stop('trap', 'int-overflow', '');
              divrem64(s, fp + a, x, xh, y, yh, op - 69);
              zl = s[fp + a]!; zh = s[fp + a + 1]!;
              break;
            }
            case 73: zl = x & y; zh = xh & yh; break;
            case 74: zl = x | y; zh = xh | yh; break;
            case 75: zl = x ^ y; zh = xh ^ yh; break;
            case 76: {
              const n = y & 63;
              if (n === 0) { zl = x; zh = xh; } else if (n < 32) { zl = x << n; zh = (xh << n) | (x >>> (32 - n)); } else { zl = 0; zh = x << (n - 32); }
              break;
            }
            case 77: {
              const n = y & 63;
              if (n === 0) { zl = x; zh = xh; } else if (n < 32) { zl = (x >>> n) | (xh << (32 - n)); zh = xh >> n; } else { zl = xh >> (n - 32); zh = xh >> 31; }
              break;
            }
            case 78: {
              const n = y & 63;
              if (n === 0) { zl = x; zh = xh; } else if (n < 32) { zl = (x >>> n) | (xh << (32 - n)); zh = (xh >>> n) | 0; } else { zl = (xh >>> (n - 32)) | 0; zh = 0; }
              break;
            }
            default: {
              let n = op === 79 ? y & 63 : (64 - (y & 63)) & 63;
              let l = x, h = xh;
              if (n >= 32) { const t = l; l = h; h = t; n -= 32; }
              if (n === 0) { zl = l; zh = h; } else { zl = (l << n) | (h >>> (32 - n)); zh = (h << n) | (l >>> (32 - n)); }
            }
          }
          s[fp + a] = z = zl; s[fp + a + 1] = zh;
          if (rec) wide.push(clk, xh, yh, zh);
          break;
        }
        case 81: // eq64
        case 82: // ne64
        case 83: // lt_s64
        case 84: // lt_u64
        case 85: // gt_s64
        case 86: // gt_u64
        case 87: // le_s64
        case 88: // le_u64
        case 89: // ge_s64
        case 90: { // ge_u64
          x = s[fp + b]!; y = s[fp + c]!;
          const xh = s[fp + b + 1]!, yh = s[fp + c + 1]!;
          // cmp: -1, 0, 1 (signed or unsigned on the high word, unsigned on the low word)
          const signed = op === 83 || op === 85 || op === 87 || op === 89;
          const hx = signed ? xh : xh >>> 0, hy = signed ? yh : yh >>> 0;
          const cmp = hx < hy ? -1 : hx > hy ? 1 : x >>> 0 < y >>> 0 ? -1 : x >>> 0 > y >>> 0 ? 1 : 0;
          switch (op) {
            case 81: z = cmp === 0 ? 1 : 0; break;
            case 82: z = cmp !== 0 ? 1 : 0; break;
            case 83: case 84: z = cmp < 0 ? 1 : 0; break;
            case 85: case 86: z = cmp > 0 ? 1 : 0; break;
            case 87: case 88: z = cmp <= 0 ? 1 : 0; break;
            default: z = cmp >= 0 ? 1 : 0;
          }
          s[fp + a] = z;
          if (rec) wide.push(clk, xh, yh, 0);
          break;
        }
        case 91: // clz64
        case 92: // ctz64
        case 93: // popcnt64
        case 94: // extend8_s64
        case 95: // extend16_s64
        case 96: { // extend32_s64
          x = s[fp + b]!;
          const xh = s[fp + b + 1]!;
          let zh = 0;
          switch (op) {
            case 91: z = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(x); break;
            case 92: z = x !== 0 ? ctz32(x) : 32 + ctz32(xh); break;
            case 93: z = popcnt32(x) + popcnt32(xh); break;
            case 94: z = (x << 24) >> 24; zh = z >> 31; break;
            case 95: z = (x << 16) >> 16; zh = z >> 31; break;
            default: z = x; zh = x >> 31;
          }
          s[fp + a] = z; s[fp + a + 1] = zh;
          if (rec) wide.push(clk, xh, 0, zh);
          break;
        }
        case 97: { // eqz64
          x = s[fp + b]!;
          const xh = s[fp + b + 1]!;
          s[fp + a] = z = x === 0 && xh === 0 ? 1 : 0;
          if (rec) wide.push(clk, xh, 0, 0);
          break;
        }
        case 98: // extend_s
          x = s[fp + b]!; s[fp + a] = z = x; s[fp + a + 1] = x >> 31;
          if (rec) wide.push(clk, 0, 0, x >> 31);
          break;
        case 99: // extend_u
          x = s[fp + b]!; s[fp + a] = z = x; s[fp + a + 1] = 0;
          if (rec) wide.push(clk, 0, 0, 0);
          break;
        case 100: // load8_s
        case 101: // load8_u
        case 102: // load16_s
        case 103: // load16_u
        case 104: { // load
          x = s[fp + b]!;
          const ea = (x >>> 0) + (c >>> 0);
          const n = op === 104 ? 4 : op >= 102 ? 2 : 1;
          if (ea + n > memLen) throw oobStop(ea, n, memLen);
          switch (op) {
            case 100: z = (mem[ea]! << 24) >> 24; break;
            case 101: z = mem[ea]!; break;
            case 102: z = dv.getInt16(ea, true); break;
            case 103: z = dv.getUint16(ea, true); break;
            default: z = dv.getInt32(ea, true);
          }
          s[fp + a] = z;
          if (rec) memEv.push(clk, ea, z, 0);
          break;
        }
        case 105: // load8_s64
        case 106: // load8_u64
        case 107: // load16_s64
        case 108: // load16_u64
        case 109: // load32_s64
        case 110: // load32_u64
        case 111: { // load64
          x = s[fp + b]!;
          const ea = (x >>> 0) + (c >>> 0);
          const n = op === 111 ? 8 : op >= 109 ? 4 : op >= 107 ? 2 : 1;
          if (ea + n > memLen) throw oobStop(ea, n, memLen);
          let zh = 0;
          switch (op) {
            case 105: z = (mem[ea]! << 24) >> 24; zh = z >> 31; break;
            case 106: z = mem[ea]!; break;
            case 107: z = dv.getInt16(ea, true); zh = z >> 31; break;
            case 108: z = dv.getUint16(ea, true); break;
            case 109: z = dv.getInt32(ea, true); zh = z >> 31; break;
            case 110: z = dv.getInt32(ea, true); break;
            default: z = dv.getInt32(ea, true); zh = dv.getInt32(ea + 4, true);
          }
          s[fp + a] = z; s[fp + a + 1] = zh;
          if (rec) { memEv.push(clk, ea, z, zh); wide.push(clk, 0, 0, zh); }
          break;
        }
        case 112: // store8
        case 113: // store16
        case 114: { // store
          x = s[fp + a]!; y = s[fp + b]!;
          const ea = (y >>> 0) + (c >>> 0);
          const n = op === 114 ? 4 : op === 113 ? 2 : 1;
          if (ea + n > memLen) throw oobStop(ea, n, memLen);
          if (op === 112) mem[ea] = x; else if (op === 113) dv.setInt16(ea, x, true); else dv.setInt32(ea, x, true);
          if (rec) memEv.push(clk, ea, x, 0);
          break;
        }
        case 115: // store8_64
        case 116: // store16_64
        case 117: // store32_64
        case 118: { // store64
          x = s[fp + a]!; y = s[fp + b]!;
          const xh = s[fp + a + 1]!;
          const ea = (y >>> 0) + (c >>> 0);
          const n = op === 118 ? 8 : op === 117 ? 4 : op === 116 ? 2 : 1;
          if (ea + n > memLen) throw oobStop(ea, n, memLen);
          if (op === 115) mem[ea] = x;
          else if (op === 116) dv.setInt16(ea, x, true);
          else if (op === 117) dv.setInt32(ea, x, true);
          else { dv.setInt32(ea, x, true); dv.setInt32(ea + 4, xh, true); }
          if (rec) { memEv.push(clk, ea, x, xh); wide.push(clk, xh, 0, 0); }
          break;
        }
        case 119: // jmp
          pc = a; break;
        case 120: // brz
          x = s[fp + a]!; if (x === 0) pc = b; break;
        case 121: // brnz
          x = s[fp + a]!; if (x !== 0) pc = b; break;
        case 122: { // br_table
          x = s[fp + a]!;
          const k = x >>> 0;
          pc = b + (k < c ? k : c);
          break;
        }
        case 123: { // call
          const nfp = fp + b;
          if (nfp + funcFrame[a]! > sTop) {
            if (nfp + funcFrame[a]! > stackLimit) throw new Stop('trap', 'stack-overflow', `frame at slot ${nfp}`);
            while (sTop < nfp + funcFrame[a]!) sTop = Math.min(stackLimit, sTop * 2);
            s = grownSlots(s, sTop + slack);
          }
          s[nfp] = z = pc | (b << 16);
          fp = nfp;
          pc = funcEntry[a]!;
          break;
        }
        case 124: { // call_indirect
          x = s[fp + a]!;
          const k = x >>> 0;
          if (k >= table.length) throw new Stop('trap', 'table-out-of-bounds', `index ${k}, table has ${table.length} entries`);
          const f = table[k]!;
          if (f < 0) throw new Stop('trap', 'indirect-call-null', `index ${k}`);
          if (funcType[f] !== c) throw new Stop('trap', 'indirect-call-type', `index ${k} is ${funcs[f]!.name}`);
          const nfp = fp + b;
          if (nfp + funcFrame[f]! > sTop) {
            if (nfp + funcFrame[f]! > stackLimit) throw new Stop('trap', 'stack-overflow', `frame at slot ${nfp}`);
            while (sTop < nfp + funcFrame[f]!) sTop = Math.min(stackLimit, sTop * 2);
            s = grownSlots(s, sTop + slack);
          }
          s[nfp] = z = pc | (b << 16);
          fp = nfp;
          pc = funcEntry[f]!;
          break;
        }
        case 125: { // ret
          // The link is (return pc) | (frame offset << 16): one slot gives both, so proving a
          // return needs no second instruction fetch (see vm/isa.ts).
          x = s[fp]!;
          fp = fp - (x >>> 16);
          pc = x & 0xffff;
          break;
        }
        case 126: // memory.size
          s[fp + a] = z = pages; break;
        case 127: { // memory.grow
          x = s[fp + b]!;
          const delta = x >>> 0;
          if (pages + delta > maxPages) z = -1;
          else {
            const bytes = (pages + delta) * PAGE_SIZE;
            if (bytes > maxMemoryBytes) throw new Stop('memory', undefined, '', bytes);
            z = pages;
            if (delta > 0) {
              const nm = new Uint8Array(bytes);
              nm.set(mem);
              mem = nm;
              dv = new DataView(mem.buffer);
              memLen = bytes;
              pages += delta;
            }
          }
          s[fp + a] = z;
          break;
        }
        case 128: // mcopy
        case 129: { // mfill
          x = s[fp + a]!; y = s[fp + a + 1]!;
          const n = s[fp + a + 2]! >>> 0;
          const dst = x >>> 0;
          if (dst + n > memLen) throw oobStop(dst, n, memLen);
          if (op === 128) {
            const src = y >>> 0;
            if (src + n > memLen) throw oobStop(src, n, memLen);
            mem.copyWithin(dst, src, src + n);
          } else mem.fill(y & 255, dst, dst + n);
          z = n;
          if (rec) bulk.push(clk, x, y, n);
          break;
        }
        case 130: // read
        case 131: { // read_public
          x = s[fp + b]!; y = s[fp + c]!;
          const src = op === 130 ? input : publicInput;
          const pos = op === 130 ? inPos : pubPos;
          const ptr = x >>> 0;
          // The whole requested range must be inside memory (docs/abi.md), even past the input's end.
          if (ptr + (y >>> 0) > memLen) throw oobStop(ptr, y >>> 0, memLen);
          const n = Math.min(y >>> 0, src.length - pos);
          mem.set(src.subarray(pos, pos + n), ptr);
          if (op === 130) inPos += n; else pubPos += n;
          s[fp + a] = z = n;
          if (rec) bulk.push(clk, ptr, pos, n);
          break;
        }
        case 132: { // commit
          x = s[fp + a]!; y = s[fp + b]!;
          const ptr = x >>> 0, n = y >>> 0;
          if (ptr + n > memLen) throw oobStop(ptr, n, memLen);
          if (rec) bulk.push(clk, ptr, outLen, n);
          if (outLen + n > out.length) out = grownBytes(out, outLen + n);
          out.set(mem.subarray(ptr, ptr + n), outLen);
          outLen += n;
          break;
        }
        case 133: { // panic
          x = s[fp + a]!; y = s[fp + b]!;
          const ptr = x >>> 0, n = y >>> 0;
          if (ptr + n > memLen) throw oobStop(ptr, n, memLen);
          throw new Stop('panic', undefined, new TextDecoder().decode(mem.subarray(ptr, ptr + n)));
        }
        case 134: // br_eq
        case 135: // br_eq.i
        case 136: // br_ne
        case 137: // br_ne.i
        case 138: // br_lt_s
        case 139: // br_lt_s.i
        case 140: // br_lt_u
        case 141: // br_lt_u.i
        case 142: // br_gt_s
        case 143: // br_gt_s.i
        case 144: // br_gt_u
        case 145: // br_gt_u.i
        case 146: // br_le_s
        case 147: // br_le_s.i
        case 148: // br_le_u
        case 149: // br_le_u.i
        case 150: // br_ge_s
        case 151: // br_ge_s.i
        case 152: // br_ge_u
        case 153: { // br_ge_u.i
          x = s[fp + a]!;
          y = (op & 1) === 1 ? b : s[fp + b]!;
          let t: boolean;
          switch ((op - 134) >> 1) {
            case 0: t = x === y; break;
            case 1: t = x !== y; break;
            case 2: t = x < y; break;
            case 3: t = x >>> 0 < y >>> 0; break;
            case 4: t = x > y; break;
            case 5: t = x >>> 0 > y >>> 0; break;
            case 6: t = x <= y; break;
            case 7: t = x >>> 0 <= y >>> 0; break;
            case 8: t = x >= y; break;
            default: t = x >>> 0 >= y >>> 0;
          }
          z = t ? 1 : 0;
          if (t) pc = c;
          break;
        }
        default:
          throw new Stop('invalid', undefined, op === undefined ? 'pc outside the code' : `invalid opcode ${op}`);
      }
      opCount[op]++;
      if (rec) {
        if (ci === CHUNK_WORDS) { cpuChunks.push(chunk); chunk = takeChunk(); ci = 0; }
        chunk[ci] = pc0; chunk[ci + 1] = x; chunk[ci + 2] = y; chunk[ci + 3] = z;
        ci += 4;
        if (fp !== fp0) { frameRow.push(clk + 1); frameFp.push(fp); }
      }
      clk++;
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const func = funcName(pc - 1 >= 0 && e.kind !== 'cycles' ? pc - 1 : pc);
    // `pc` was advanced before the instruction ran; the faulting instruction is at pc - 1 unless
    // a control transfer happened, which cannot fault after moving pc.
    const at = e.kind === 'cycles' ? pc : pc - 1;
    // The guest call stack, innermost first: follow the links (slot 0 of each frame) back through
    // the calls that made them, as `ret` would, until the entry stub.
    const stack = [funcName(at)];
    let truncated = false;
    for (let f = fp, depth = 0; ; depth++) {
      const link = s[f]! & 0xffff;
      const ci = (link - 1) * INSTR_WORDS;
      if (!(link >= 1 && link <= nInstr && (code[ci] === 123 || code[ci] === 124))) break;
      if (depth === 64) {
        truncated = true;
        break;
      }
      const caller = funcName(link - 1);
      if (caller === '<entry>') break;
      stack.push(caller);
      f -= s[f]! >>> 16;
    }
    let err: ExecutionError;
    switch (e.kind) {
      case 'trap': err = new GuestTrap(e.trap!, funcName(at), at, clk, e.detail || undefined); break;
      case 'panic': err = new GuestPanic(e.detail, funcName(at), at, clk); break;
      case 'cycles': err = new CycleLimitError(maxCycles, funcName(at), at); break;
      case 'memory': err = new MemoryLimitError(e.extra, maxMemoryBytes, funcName(at), at, clk); break;
      default: err = new ExecutionError(`invalid program in ${func} at pc ${at}: ${e.detail}`, func, at, clk);
    }
    err.guestStack = stack;
    if (stack.length > 1) {
      // Runs of one function (recursion) print once with a count.
      const parts: string[] = [];
      for (let i = 0; i < stack.length; ) {
        let j = i;
        while (j < stack.length && stack[j] === stack[i]) j++;
        parts.push(j - i > 1 ? `${stack[i]} (x${j - i})` : stack[i]!);
        i = j;
      }
      err.message += ` [guest stack: ${parts.join(' <- ')}${truncated ? ' <- ...' : ''}]`;
    }
    throw err;
  }

  {
    const cyclesByClass: Record<string, number> = Object.fromEntries(INSTR_CLASSES.map((k) => [k, 0]));
    for (let op = 0; op < ISA.length; op++) if (opCount[op]) cyclesByClass[INSTR_CLASSES[OP_CLASS[op]!] as InstrClass]! += opCount[op]!;
    const output = out.slice(0, outLen);
    const result: ExecutionResult = { output, cycles: clk, cyclesByClass, memoryBytes: memLen };
    if (rec) {
      cpuChunks.push(chunk);
      result.record = new RunRecord(
        clk, { chunks: cpuChunks, length: clk }, { row: Int32Array.from(frameRow), fp: Int32Array.from(frameFp) },
        wide.seal(), memEv.seal(), bulk.seal(), program.code, input, publicInput, output,
      );
    }
    return result;
  }
}
