/**
 * The guest compiler: a WebAssembly module (from AssemblyScript or any toolchain using the `zkvm`
 * ABI, see docs/abi.md) to a Program of the VM's bytecode (vm/isa.ts).
 *
 * Pipeline: binaryen reads and validates the module; a first walk refuses what the VM cannot run
 * (floats, SIMD, atomics, reference types, exceptions, unknown imports, passive segments) naming the
 * function and the operation; binaryen then flattens the code to three-address form and cleans it
 * up (`flatten`, `simplify-locals-notee-nostructure`, `coalesce-locals`, ...); finally a tree walk over
 * the IR emits bytecode. The walk is general (nested expressions, blocks and ifs with values, `br`
 * with values), so it does not depend on the exact shape the passes leave.
 *
 * Frame layout of every function: slot 0 link, slots 1.. parameters (an i64 takes two slots), then
 * the other locals, then temporaries. Results return in slots 1... Arguments are written straight
 * into the callee's frame, which starts at the caller's frame size (patched once it is known).
 * The entry stub at pc 0 calls the start function (if any), then `main` / `_start`, then halts.
 * Frames are not cleared on call, so the locals that some path may read before writing are zeroed
 * at function entry (a definite-assignment pass decides which).
 *
 * Operands: a constant right operand of an i32 operation uses the `.i` immediate form (a constant
 * left one too when the operation commutes or has a mirrored comparison); i64 constants go
 * through a `const64` temporary. `eqz` layers of a branch condition fold into `brz`/`brnz`.
 * Traps, wrapping and bounds are the executor's, so the emitted code needs no checks of its own.
 * @module
 */
import binaryen from 'binaryen';
import { INSTR_WORDS, OP, TRAP_KINDS } from '../../vm/isa.ts';
import { fuseCompareBranches } from './peephole.ts';
import { MAX_PAGES, makeProgram, type DataSegment, type FunctionInfo, type Program } from '../../vm/program.ts';

/** The module cannot be compiled: `func` is the guest function (or '<module>'), `op` the operation. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(readonly func: string, readonly op: string, detail: string) {
    super(`cannot compile ${func === '<module>' ? 'the module' : `function ${func}`}: ${op}: ${detail}`);
  }
}

export interface CompileOptions {
  /** Cap on the heap in 64 KiB pages (memory.grow beyond it returns -1). Default: the module's max or 65536. */
  maxMemoryPages?: number;
  /** Program name (default 'guest'). */
  name?: string;
}

/** The syscalls of module `zkvm`: parameters (all i32) and whether it returns an i32. */
export const SYSCALLS: Readonly<Record<string, { params: number; result: boolean; op: string }>> = {
  read: { params: 2, result: true, op: 'read' },
  read_public: { params: 2, result: true, op: 'read_public' },
  commit: { params: 2, result: false, op: 'commit' },
  panic: { params: 2, result: false, op: 'panic' },
};

const PASSES = ['flatten', 'simplify-locals-notee-nostructure', 'coalesce-locals', 'reorder-locals', 'vacuum', 'merge-blocks', 'remove-unused-names'];

const E = (binaryen as unknown as { ExpressionIds: Record<string, number> }).ExpressionIds as Record<string, number> & Readonly<{ [k: string]: number }>;
const T_I32 = binaryen.i32, T_I64 = binaryen.i64, T_NONE = binaryen.none, T_UNREACHABLE = binaryen.unreachable;

const typeName = (t: number): string =>
  t === T_I32 ? 'i32' : t === T_I64 ? 'i64' : t === binaryen.f32 ? 'f32' : t === binaryen.f64 ? 'f64' : t === binaryen.v128 ? 'v128' : t === T_NONE ? 'none' : 'ref';
const sigString = (params: number, results: number): string =>
  `${binaryen.expandType(params).map(typeName).join(',')}->${binaryen.expandType(results).map(typeName).join(',')}`;
/** The operation's name in WebAssembly text, e.g. 'f32.add', for error messages. */
const opName = (e: number): string => {
  const t = binaryen.emitText(e);
  return /^\s*\(?\s*([^\s()]+)/.exec(t)?.[1] ?? 'unknown';
};

// binaryen operation -> [mnemonic, commutes-to mnemonic (for a constant left operand)].
const O = (binaryen as unknown as { Operations: Record<string, number> }).Operations;
const BIN32 = new Map<number, [string, string | undefined]>([
  [O.AddInt32!, ['add', 'add']], [O.SubInt32!, ['sub', undefined]], [O.MulInt32!, ['mul', 'mul']],
  [O.DivSInt32!, ['div_s', undefined]], [O.DivUInt32!, ['div_u', undefined]], [O.RemSInt32!, ['rem_s', undefined]],
  [O.RemUInt32!, ['rem_u', undefined]], [O.AndInt32!, ['and', 'and']], [O.OrInt32!, ['or', 'or']], [O.XorInt32!, ['xor', 'xor']],
  [O.ShlInt32!, ['shl', undefined]], [O.ShrSInt32!, ['shr_s', undefined]], [O.ShrUInt32!, ['shr_u', undefined]],
  [O.RotLInt32!, ['rotl', undefined]], [O.RotRInt32!, ['rotr', undefined]], [O.EqInt32!, ['eq', 'eq']], [O.NeInt32!, ['ne', 'ne']],
  [O.LtSInt32!, ['lt_s', 'gt_s']], [O.LtUInt32!, ['lt_u', 'gt_u']], [O.GtSInt32!, ['gt_s', 'lt_s']], [O.GtUInt32!, ['gt_u', 'lt_u']],
  [O.LeSInt32!, ['le_s', 'ge_s']], [O.LeUInt32!, ['le_u', 'ge_u']], [O.GeSInt32!, ['ge_s', 'le_s']], [O.GeUInt32!, ['ge_u', 'le_u']],
]);
const BIN64 = new Map<number, string>([
  [O.AddInt64!, 'add64'], [O.SubInt64!, 'sub64'], [O.MulInt64!, 'mul64'], [O.DivSInt64!, 'div_s64'], [O.DivUInt64!, 'div_u64'],
  [O.RemSInt64!, 'rem_s64'], [O.RemUInt64!, 'rem_u64'], [O.AndInt64!, 'and64'], [O.OrInt64!, 'or64'], [O.XorInt64!, 'xor64'],
  [O.ShlInt64!, 'shl64'], [O.ShrSInt64!, 'shr_s64'], [O.ShrUInt64!, 'shr_u64'], [O.RotLInt64!, 'rotl64'], [O.RotRInt64!, 'rotr64'],
  [O.EqInt64!, 'eq64'], [O.NeInt64!, 'ne64'], [O.LtSInt64!, 'lt_s64'], [O.LtUInt64!, 'lt_u64'], [O.GtSInt64!, 'gt_s64'],
  [O.GtUInt64!, 'gt_u64'], [O.LeSInt64!, 'le_s64'], [O.LeUInt64!, 'le_u64'], [O.GeSInt64!, 'ge_s64'], [O.GeUInt64!, 'ge_u64'],
]);
const UNARY = new Map<number, string>([
  [O.ClzInt32!, 'clz'], [O.CtzInt32!, 'ctz'], [O.PopcntInt32!, 'popcnt'], [O.EqZInt32!, 'eqz'],
  [O.ExtendS8Int32!, 'extend8_s'], [O.ExtendS16Int32!, 'extend16_s'],
  [O.ClzInt64!, 'clz64'], [O.CtzInt64!, 'ctz64'], [O.PopcntInt64!, 'popcnt64'], [O.EqZInt64!, 'eqz64'],
  [O.ExtendS8Int64!, 'extend8_s64'], [O.ExtendS16Int64!, 'extend16_s64'], [O.ExtendS32Int64!, 'extend32_s64'],
  [O.ExtendSInt32!, 'extend_s'], [O.ExtendUInt32!, 'extend_u'], [O.WrapInt64!, 'wrap'],
]);

/** Children of an expression, in evaluation order; refuses what the VM does not support. */
function children(e: number, func: string): number[] {
  const info = exprInfo(e) as unknown as Record<string, unknown> & { id: number };
  const kids = (...xs: unknown[]): number[] => xs.filter((x): x is number => typeof x === 'number' && x !== 0);
  switch (info.id) {
    case E.Block: return kids(...(info.children as number[]));
    case E.If: return kids(info.condition, info.ifTrue, info.ifFalse);
    case E.Loop: return kids(info.body);
    case E.Break: return kids(info.value, info.condition);
    case E.Switch: return kids(info.value, info.condition);
    case E.Call: return kids(...(info.operands as number[]));
    case E.CallIndirect: return kids(...(info.operands as number[]), info.target);
    case E.LocalGet: case E.GlobalGet: case E.Const: case E.MemorySize: case E.Nop: case E.Unreachable: return [];
    case E.LocalSet: case E.GlobalSet: case E.Drop: case E.Return: return kids(info.value);
    case E.Load: return kids(info.ptr);
    case E.Store: return kids(info.ptr, info.value);
    case E.Unary: return kids(info.value);
    case E.Binary: return kids(info.left, info.right);
    case E.Select: return kids(info.ifTrue, info.ifFalse, info.condition);
    case E.MemoryGrow: return kids(info.delta);
    case E.MemoryCopy: return kids(info.dest, info.source, info.size);
    case E.MemoryFill: return kids(info.dest, info.value, info.size);
    default: {
      const id = info.id;
      const what =
        id === E.AtomicRMW || id === E.AtomicCmpxchg || id === E.AtomicWait || id === E.AtomicNotify || id === E.AtomicFence ? 'threads/atomics are not supported'
          : id >= E.SIMDExtract && id <= E.SIMDLoadStoreLane ? 'SIMD is not supported'
            : id === E.MemoryInit || id === E.DataDrop ? 'passive data segments are not supported'
              : id === E.Try || id === E.Throw || id === E.Rethrow ? 'exceptions are not supported'
                : id === E.TupleMake || id === E.TupleExtract ? 'multiple values are not supported'
                  : 'reference types, tables operations and GC are not supported';
      throw new CompileError(func, opName(e), what);
    }
  }
}

/** binaryen.getExpressionInfo, except that it crashes on nop and unreachable (no wrapper class). */
function exprInfo(e: number): binaryen.ExpressionInfo {
  const id = binaryen.getExpressionId(e);
  if (id === E.Nop || id === E.Unreachable) return { id, type: binaryen.getExpressionType(e) } as binaryen.ExpressionInfo;
  return binaryen.getExpressionInfo(e);
}

/** An i64 constant's words; binaryen.js gives a bigint or { low, high } depending on the version. */
function i64Words(v: unknown): [number, number] {
  if (typeof v === 'bigint') return [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
  const { low, high } = v as { low: number; high: number };
  return [low | 0, high | 0];
}

const isIntType = (t: number): boolean => t === T_I32 || t === T_I64 || t === T_NONE || t === T_UNREACHABLE;

/** The operation to name for a float expression: descend through float-typed unary/binary
 *  operands to the one that first makes a float (e.g. 'f64.convert_i32_u' or 'f64.mul', rather than
 *  the 'i32.trunc_f64_s' that consumes the result). */
function floatOrigin(e: number): number {
  for (;;) {
    let kids: number[];
    try {
      kids = children(e, '');
    } catch {
      return e;
    }
    const next = kids.find((k) => {
      const kid = binaryen.getExpressionId(k);
      return (kid === E.Unary || kid === E.Binary) && !isIntType(binaryen.getExpressionType(k));
    });
    if (next === undefined) return e;
    e = next;
  }
}

/** First walk: refuse floats and unsupported operations, naming the operation. */
function prescan(e: number, func: string): void {
  const stack = [e];
  while (stack.length) {
    const x = stack.pop()!;
    const info = exprInfo(x);
    if (info.id === E.Load || info.id === E.Store) {
      if ((info as binaryen.LoadInfo).isAtomic) throw new CompileError(func, opName(x), 'threads/atomics are not supported');
    }
    const kids = children(x, func);
    if (!isIntType(info.type) || kids.some((k) => !isIntType(binaryen.getExpressionType(k)))) {
      const at = floatOrigin(x);
      const t = [binaryen.getExpressionType(at), ...children(at, func).map((k) => binaryen.getExpressionType(k))].find((ty) => !isIntType(ty))!;
      throw new CompileError(func, opName(at), `${typeName(t)} values are not supported (integer code only)`);
    }
    if (info.id === E.Call && (info as binaryen.CallInfo).isReturn) throw new CompileError(func, opName(x), 'tail calls are not supported');
    if (info.id === E.CallIndirect && (info as binaryen.CallIndirectInfo).isReturn) throw new CompileError(func, opName(x), 'tail calls are not supported');
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}

/**
 * Definite-assignment analysis over structured control flow: which locals some path reads before
 * any write (those must be zeroed at entry, as WASM locals start at zero). `null` stands for
 * "unreachable" (every local counts as assigned). Loops need one pass: assignments only add, so
 * the state at a back edge includes the state at loop entry.
 */
function readBeforeWrite(body: number, nLocals: number, func: string): Uint8Array {
  const out = new Uint8Array(nLocals);
  type DA = Uint8Array | null;
  const meet = (a: DA, b: DA): DA => {
    if (a === null) return b;
    if (b === null) return a;
    const m = new Uint8Array(nLocals);
    for (let i = 0; i < nLocals; i++) m[i] = a[i]! & b[i]!;
    return m;
  };
  const atLabel = new Map<string, DA>();
  const branch = (name: string, da: DA): void => {
    if (atLabel.has(name)) atLabel.set(name, meet(atLabel.get(name)!, da));
  };
  const walk = (e: number, da: DA): DA => {
    if (da === null) return null;
    const id = binaryen.getExpressionId(e);
    switch (id) {
      case E.LocalGet: {
        const idx = (exprInfo(e) as binaryen.LocalGetInfo).index;
        if (!da[idx]) out[idx] = 1;
        return da;
      }
      case E.LocalSet: {
        const li = exprInfo(e) as binaryen.LocalSetInfo;
        const after = walk(li.value, da);
        if (after === null || after[li.index]) return after;
        const n = after.slice();
        n[li.index] = 1;
        return n;
      }
      case E.Block: {
        const bi = exprInfo(e) as binaryen.BlockInfo;
        if (bi.name) atLabel.set(bi.name, null);
        let cur: DA = da;
        for (const k of bi.children) cur = walk(k, cur);
        if (!bi.name) return cur;
        const r = meet(cur, atLabel.get(bi.name)!);
        atLabel.delete(bi.name);
        return r;
      }
      case E.Loop: return walk((exprInfo(e) as binaryen.LoopInfo).body, da);
      case E.If: {
        const ii = exprInfo(e) as binaryen.IfInfo;
        const c = walk(ii.condition, da);
        const t = walk(ii.ifTrue, c);
        const f = ii.ifFalse ? walk(ii.ifFalse, c) : c;
        return meet(t, f);
      }
      case E.Break: {
        const bi = exprInfo(e) as binaryen.BreakInfo;
        let cur: DA = da;
        if (bi.value) cur = walk(bi.value, cur);
        if (bi.condition) cur = walk(bi.condition, cur);
        branch(bi.name, cur);
        return bi.condition ? cur : null;
      }
      case E.Switch: {
        const si = exprInfo(e) as binaryen.SwitchInfo;
        let cur: DA = da;
        if (si.value) cur = walk(si.value, cur);
        cur = walk(si.condition, cur);
        for (const n of [...si.names, si.defaultName ?? '']) branch(n, cur);
        return null;
      }
      case E.Return: {
        const v = (exprInfo(e) as binaryen.ReturnInfo).value;
        if (v) walk(v, da);
        return null;
      }
      case E.Unreachable: return null;
      default: {
        let cur: DA = da;
        for (const k of children(e, func)) cur = walk(k, cur);
        return cur;
      }
    }
  };
  walk(body, new Uint8Array(nLocals));
  return out;
}

interface Label {
  loop: boolean;
  start: number;
  result: number; // slot, or -1
  is64: boolean;
  fixups: number[]; // word indexes to patch with the end pc
}

/** Compiles a `.wasm` module to a Program. Throws CompileError naming the function and operation. */
export function compileWasm(wasm: Uint8Array, opts: CompileOptions = {}): Program {
  if (!(wasm instanceof Uint8Array)) throw new TypeError('compileWasm: wasm must be a Uint8Array');
  let mod: binaryen.Module;
  try {
    // Read with every feature enabled so that a SIMD or float module parses and is refused by name.
    mod = (binaryen.readBinary as (d: Uint8Array, f?: number) => binaryen.Module)(wasm, binaryen.Features.All);
  } catch (e) {
    throw new CompileError('<module>', 'parse', `not a valid WebAssembly module (${(e as Error).message})`);
  }
  try {
    return compileModule(mod, opts);
  } finally {
    mod.dispose();
  }
}

function compileModule(mod: binaryen.Module, opts: CompileOptions): Program {
  if (!mod.validate()) throw new CompileError('<module>', 'validate', 'the module does not validate');

  // ---- module-level structure ----
  // Display names: binaryen numbers nameless functions; an exported one is better known by its export.
  const exportName = new Map<string, string>();
  for (let i = 0; i < mod.getNumExports(); i++) {
    const ex = binaryen.getExportInfo(mod.getExportByIndex(i));
    if (ex.kind === binaryen.ExternalFunction && !exportName.has(ex.value)) exportName.set(ex.value, ex.name);
  }
  const displayName = (name: string): string => (/^\d+$/.test(name) ? exportName.get(name) ?? `func${name}` : name);

  const syscallOf = new Map<string, string>(); // imported function internal name -> syscall op
  const funcIndex = new Map<string, number>();
  const funcRefs: number[] = [];
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const ref = mod.getFunctionByIndex(i);
    const fi = binaryen.getFunctionInfo(ref);
    if (fi.module) {
      const sc = fi.module === 'zkvm' ? SYSCALLS[fi.base ?? ''] : undefined;
      if (!sc) {
        throw new CompileError(fi.name, `import ${fi.module}.${fi.base}`, `unknown import "${fi.module}.${fi.base}"; a guest may import only ${Object.keys(SYSCALLS).map((k) => `zkvm.${k}`).join(', ')}`);
      }
      const ps = binaryen.expandType(fi.params);
      const rs = binaryen.expandType(fi.results);
      if (ps.length !== sc.params || ps.some((t) => t !== T_I32) || rs.length !== (sc.result ? 1 : 0) || rs.some((t) => t !== T_I32)) {
        throw new CompileError(fi.name, `import zkvm.${fi.base}`, `wrong signature ${sigString(fi.params, fi.results)} (expected ${'i32,'.repeat(sc.params).slice(0, -1)}->${sc.result ? 'i32' : ''})`);
      }
      syscallOf.set(fi.name, sc.op);
      continue;
    }
    funcIndex.set(fi.name, funcRefs.length);
    funcRefs.push(ref);
  }
  for (let i = 0; i < mod.getNumGlobals(); i++) {
    const gi = binaryen.getGlobalInfo(mod.getGlobalByIndex(i));
    if (gi.module) throw new CompileError(gi.name, `import ${gi.module}.${gi.base}`, 'imported globals are not supported');
  }
  if (mod.hasMemory()) {
    const mi = mod.getMemoryInfo();
    if (mi.module) throw new CompileError('<module>', `import ${mi.module}.${mi.base}`, 'imported memories are not supported (the VM provides the memory)');
    if (mi.is64) throw new CompileError('<module>', 'memory64', '64-bit memories are not supported');
    if (mi.shared) throw new CompileError('<module>', 'shared memory', 'threads are not supported');
  }
  for (let i = 0; i < mod.getNumTables(); i++) {
    const ti = binaryen.getTableInfo(mod.getTableByIndex(i));
    if (ti.module) throw new CompileError('<module>', `import ${ti.module}.${ti.base}`, 'imported tables are not supported');
  }
  if (mod.getNumTables() > 1) throw new CompileError('<module>', 'tables', 'more than one table is not supported');

  let entryName: string | undefined;
  for (const want of ['main', '_start']) {
    for (let i = 0; i < mod.getNumExports() && !entryName; i++) {
      const ex = binaryen.getExportInfo(mod.getExportByIndex(i));
      if (ex.kind === binaryen.ExternalFunction && ex.name === want) entryName = ex.value;
    }
    if (entryName) break;
  }
  if (!entryName) throw new CompileError('main', 'missing entry point', 'the module must export a function named "main" or "_start"');
  if (!funcIndex.has(entryName)) throw new CompileError(entryName, 'entry point', 'the entry point must be defined in the module, not imported');
  const entryInfo = binaryen.getFunctionInfo(funcRefs[funcIndex.get(entryName)!]!);
  if (binaryen.expandType(entryInfo.params).length !== 0) throw new CompileError(entryName, 'entry point', 'the entry point must take no parameters');
  const startRef = mod.getStart();
  const startName = startRef ? binaryen.getFunctionInfo(startRef).name : undefined;

  // Refuse what we cannot run, before the passes rewrite the code.
  for (const ref of funcRefs) {
    const fi = binaryen.getFunctionInfo(ref);
    for (const t of [...binaryen.expandType(fi.params), ...binaryen.expandType(fi.results), ...fi.vars]) {
      if (t !== T_I32 && t !== T_I64) throw new CompileError(displayName(fi.name), `${typeName(t)} local`, `${typeName(t)} values are not supported (integer code only)`);
    }
    if (binaryen.expandType(fi.results).length > 1) throw new CompileError(displayName(fi.name), 'multi-value result', 'functions with several results are not supported');
    prescan(fi.body, displayName(fi.name));
  }

  // Globals: absolute slots.
  const globalSlot = new Map<string, { slot: number; is64: boolean }>();
  const globalWords: number[] = [];
  for (let i = 0; i < mod.getNumGlobals(); i++) {
    const gi = binaryen.getGlobalInfo(mod.getGlobalByIndex(i));
    if (gi.type !== T_I32 && gi.type !== T_I64) throw new CompileError(gi.name, `global ${typeName(gi.type)}`, 'only i32 and i64 globals are supported');
    const init = exprInfo(gi.init);
    if (init.id !== E.Const) throw new CompileError(gi.name, 'global init', 'a global must be initialised by a constant');
    const v = (init as binaryen.ConstInfo).value;
    globalSlot.set(gi.name, { slot: globalWords.length, is64: gi.type === T_I64 });
    if (gi.type === T_I64) {
      globalWords.push(...i64Words(v));
    } else globalWords.push((v as number) | 0);
  }

  // Memory and data.
  let initialPages = 0, maxPages = 0;
  if (mod.hasMemory()) {
    const mi = mod.getMemoryInfo();
    initialPages = mi.initial;
    maxPages = Math.min(mi.max ?? MAX_PAGES, opts.maxMemoryPages ?? MAX_PAGES, MAX_PAGES);
    if (initialPages > maxPages) throw new CompileError('<module>', 'memory', `the module needs ${initialPages} pages, the limit is ${maxPages}`);
  }
  const data: DataSegment[] = [];
  // binaryen.js has these at run time; its typings lag behind.
  const dmod = mod as unknown as { getNumDataSegments(): number; getDataSegmentByIndex(i: number): number; getDataSegmentInfo(r: number): unknown };
  for (let i = 0; i < dmod.getNumDataSegments(); i++) {
    const di = dmod.getDataSegmentInfo(dmod.getDataSegmentByIndex(i)) as { offset: number; data: ArrayBuffer; passive: boolean; name: string };
    if (di.passive) throw new CompileError('<module>', `data segment ${di.name}`, 'passive data segments are not supported');
    const bytes = new Uint8Array(di.data.slice(0));
    const offset = di.offset >>> 0;
    if (offset + bytes.length > initialPages * 65536) throw new CompileError('<module>', `data segment ${di.name}`, 'the segment does not fit the initial memory');
    data.push({ offset, bytes });
  }

  // Signatures and the table.
  const types: string[] = [];
  const typeId = (sig: string): number => {
    let k = types.indexOf(sig);
    if (k < 0) { k = types.length; types.push(sig); }
    return k;
  };
  const funcTypeIds = funcRefs.map((r) => { const fi = binaryen.getFunctionInfo(r); return typeId(sigString(fi.params, fi.results)); });
  let tableSize = 0;
  if (mod.getNumTables() === 1) tableSize = binaryen.getTableInfo(mod.getTableByIndex(0)).initial;
  const table = new Int32Array(tableSize).fill(-1);
  for (let i = 0; i < mod.getNumElementSegments(); i++) {
    const si = binaryen.getElementSegmentInfo(mod.getElementSegmentByIndex(i));
    const off = exprInfo(si.offset);
    if (off.id !== E.Const) throw new CompileError('<module>', `element segment ${si.name}`, 'only active segments with a constant offset are supported');
    const base = (off as binaryen.ConstInfo).value as number;
    si.data.forEach((name, k) => {
      const fi = funcIndex.get(name);
      if (fi === undefined) throw new CompileError(name, 'table entry', 'imported functions cannot be placed in the table');
      if (base + k >= tableSize) throw new CompileError('<module>', `element segment ${si.name}`, 'the segment does not fit the table');
      table[base + k] = fi;
    });
  }

  mod.runPasses(PASSES);
  if (!mod.validate()) throw new CompileError('<module>', 'validate', 'internal: the module does not validate after the passes');

  // ---- code ----
  const code: number[] = [];
  const emit = (mn: string, a = 0, b = 0, c = 0): number => {
    const op = OP[mn];
    if (op === undefined) throw new Error(`internal: unknown mnemonic ${mn}`);
    code.push(op, a | 0, b | 0, c | 0);
    return code.length / INSTR_WORDS - 1;
  };
  const pcNow = (): number => code.length / INSTR_WORDS;

  // Entry stub.
  if (startName !== undefined) emit('call', funcIndex.get(startName)!, 0);
  emit('call', funcIndex.get(entryName)!, 0);
  emit('halt');

  const functions: FunctionInfo[] = [];
  for (const [fidx, ref] of funcRefs.entries()) {
    functions.push(compileFunction(ref, fidx));
  }

  function compileFunction(ref: number, fidx: number): FunctionInfo {
    const fi = binaryen.getFunctionInfo(ref);
    const fname = displayName(fi.name);
    const fail = (e: number, detail: string): never => {
      throw new CompileError(fname, opName(e), detail);
    };
    const params = binaryen.expandType(fi.params);
    const results = binaryen.expandType(fi.results);
    const localTypes = [...params, ...fi.vars];
    const localSlot: number[] = [];
    let next = 1;
    for (const t of localTypes) {
      localSlot.push(next);
      next += t === T_I64 ? 2 : 1;
    }
    const paramSlots = params.reduce((n, t) => n + (t === T_I64 ? 2 : 1), 0);
    const resultSlots = results.length === 0 ? 0 : results[0] === T_I64 ? 2 : 1;
    let temp = next;
    let maxSlot = Math.max(next, 1 + resultSlots);
    const alloc = (n: number): number => {
      const s = temp;
      temp += n;
      if (temp > maxSlot) maxSlot = temp;
      return s;
    };
    const patches: Array<[number, number]> = []; // [word index, slot relative to the frame size]
    const entry = pcNow();

    // WASM locals start at zero: zero the ones that some path may read before writing them.
    const needZero = readBeforeWrite(fi.body, localTypes.length, fname);
    for (let l = params.length; l < localTypes.length; l++) {
      if (!needZero[l]) continue;
      if (localTypes[l] === T_I64) emit('const64', localSlot[l]!, 0, 0);
      else emit('const', localSlot[l]!, 0);
    }

    const labels = new Map<string, Label>();
    const mov = (dst: number, src: number, is64: boolean): void => {
      if (dst !== src) emit(is64 ? 'mov64' : 'mov', dst, src);
    };
    const writesLocals = (e: number): boolean => {
      const id = binaryen.getExpressionId(e);
      if (id === E.LocalGet || id === E.Const || id === E.GlobalGet) return false;
      return ((binaryen.getSideEffects as unknown as (e: number, m: binaryen.Module) => number)(e, mod) & binaryen.SideEffects.WritesLocal) !== 0;
    };
    /** Evaluates operands in order; a local read early is copied when a later operand writes locals. */
    const operands = (es: readonly number[]): number[] => {
      const out: number[] = [];
      for (let i = 0; i < es.length; i++) {
        const e = es[i]!;
        let s = value(e);
        if (binaryen.getExpressionId(e) === E.LocalGet && es.slice(i + 1).some(writesLocals)) {
          const is64 = binaryen.getExpressionType(e) === T_I64;
          const t = alloc(is64 ? 2 : 1);
          mov(t, s, is64);
          s = t;
        }
        out.push(s);
      }
      return out;
    };
    const into = (e: number, dst: number): void => {
      const s = value(e, dst);
      if (s >= 0) mov(dst, s, binaryen.getExpressionType(e) === T_I64);
    };
    const statement = (e: number): void => {
      const mark = temp;
      value(e);
      temp = mark;
    };
    const patchTo = (wordIndex: number, rel: number): void => {
      patches.push([wordIndex, rel]);
    };
    const jumpTo = (name: string, e: number): void => {
      const l = labels.get(name) ?? fail(e, `internal: unknown label ${name}`);
      if (l.loop) emit('jmp', l.start);
      else l.fixups.push(emit('jmp', 0) * INSTR_WORDS + 1);
    };

    /** A branch condition: the slot to test and whether the test is inverted (`eqz` layers are
     *  folded into the branch instead of costing a cycle each). */
    function condition(e: number): [number, boolean] {
      let neg = false;
      for (;;) {
        if (binaryen.getExpressionId(e) !== E.Unary) break;
        const ui = exprInfo(e) as binaryen.UnaryInfo;
        if (ui.op !== O.EqZInt32) break;
        neg = !neg;
        e = ui.value;
      }
      return [value(e), neg];
    }

    /** Emits code computing `e`; returns the slot holding its value (-1 for none). `dst` is a hint. */
    function value(e: number, dst?: number): number {
      const info = exprInfo(e);
      const type = info.type;
      const id = info.id;
      if (type === T_UNREACHABLE && id !== E.Block && id !== E.If && id !== E.Loop && id !== E.Break && id !== E.Switch && id !== E.Return && id !== E.Unreachable) {
        // Dead code around an unreachable child: run the children up to it.
        for (const k of children(e, fname)) {
          statement(k);
          if (binaryen.getExpressionType(k) === T_UNREACHABLE) break;
        }
        return -1;
      }
      const is64 = type === T_I64;
      const out = (): number => dst ?? alloc(is64 ? 2 : 1);
      switch (id) {
        case E.Nop: return -1;
        case E.Unreachable: emit('trap', TRAP_KINDS.indexOf('unreachable')); return -1;
        case E.Const: {
          const v = (info as binaryen.ConstInfo).value;
          const d = out();
          if (is64) emit('const64', d, ...i64Words(v));
          else emit('const', d, v as number);
          return d;
        }
        case E.LocalGet: return localSlot[(info as binaryen.LocalGetInfo).index]!;
        case E.LocalSet: {
          const li = info as binaryen.LocalSetInfo;
          const slot = localSlot[li.index]!;
          into(li.value, slot);
          return li.isTee ? slot : -1;
        }
        case E.GlobalGet: {
          const g = globalSlot.get((info as binaryen.GlobalGetInfo).name)!;
          const d = out();
          emit(g.is64 ? 'gget64' : 'gget', d, g.slot);
          return d;
        }
        case E.GlobalSet: {
          const gi = info as binaryen.GlobalSetInfo;
          const g = globalSlot.get(gi.name)!;
          emit(g.is64 ? 'gset64' : 'gset', g.slot, value(gi.value));
          return -1;
        }
        case E.Drop: statement((info as binaryen.DropInfo).value); return -1;
        case E.Block: {
          const bi = info as binaryen.BlockInfo;
          const hasValue = type === T_I32 || type === T_I64;
          const res = hasValue ? alloc(is64 ? 2 : 1) : -1;
          const label: Label = { loop: false, start: 0, result: res, is64, fixups: [] };
          if (bi.name) labels.set(bi.name, label);
          const mark = temp;
          bi.children.forEach((k, i) => {
            if (hasValue && i === bi.children.length - 1) into(k, res);
            else value(k);
            temp = mark;
          });
          const end = pcNow();
          for (const w of label.fixups) code[w] = end;
          if (bi.name) labels.delete(bi.name);
          return res;
        }
        case E.Loop: {
          const li = info as binaryen.LoopInfo;
          const hasValue = type === T_I32 || type === T_I64;
          const res = hasValue ? alloc(is64 ? 2 : 1) : -1;
          const label: Label = { loop: true, start: pcNow(), result: -1, is64: false, fixups: [] };
          if (li.name) labels.set(li.name, label);
          if (hasValue) into(li.body, res);
          else statement(li.body);
          if (li.name) labels.delete(li.name);
          return res;
        }
        case E.If: {
          const ii = info as binaryen.IfInfo;
          const hasValue = type === T_I32 || type === T_I64;
          const res = hasValue ? alloc(is64 ? 2 : 1) : -1;
          const [c, neg] = condition(ii.condition);
          const brz = emit(neg ? 'brnz' : 'brz', c, 0);
          const mark = temp;
          if (hasValue) into(ii.ifTrue, res); else statement(ii.ifTrue);
          temp = mark;
          if (ii.ifFalse) {
            const j = emit('jmp', 0);
            code[brz * INSTR_WORDS + 2] = pcNow();
            if (hasValue) into(ii.ifFalse, res); else statement(ii.ifFalse);
            temp = mark;
            code[j * INSTR_WORDS + 1] = pcNow();
          } else code[brz * INSTR_WORDS + 2] = pcNow();
          return res;
        }
        case E.Break: {
          const bi = info as binaryen.BreakInfo;
          const l = labels.get(bi.name) ?? fail(e, `internal: unknown label ${bi.name}`);
          if (!bi.condition) {
            if (bi.value) into(bi.value, l.result);
            jumpTo(bi.name, e);
            return -1;
          }
          if (!bi.value) {
            const [c, neg] = condition(bi.condition);
            if (l.loop) emit(neg ? 'brz' : 'brnz', c, l.start);
            else l.fixups.push(emit(neg ? 'brz' : 'brnz', c, 0) * INSTR_WORDS + 2);
            return -1;
          }
          const [v, c] = operands([bi.value, bi.condition]) as [number, number];
          const skip = emit('brz', c, 0);
          mov(l.result, v, l.is64);
          jumpTo(bi.name, e);
          code[skip * INSTR_WORDS + 2] = pcNow();
          return v;
        }
        case E.Switch: {
          const si = info as binaryen.SwitchInfo;
          const names = [...si.names, si.defaultName ?? fail(e, 'internal: br_table without default')];
          let c: number;
          if (si.value) {
            const [v, cc] = operands([si.value, si.condition]) as [number, number];
            for (const n of new Set(names)) {
              const l = labels.get(n)!;
              if (l.result >= 0) mov(l.result, v, l.is64);
            }
            c = cc;
          } else c = value(si.condition);
          const bt = emit('br_table', c, pcNow() + 1, si.names.length);
          void bt;
          for (const n of names) jumpTo(n, e);
          return -1;
        }
        case E.Return: {
          const ri = info as binaryen.ReturnInfo;
          if (ri.value) into(ri.value, 1);
          emit('ret');
          return -1;
        }
        case E.Call: case E.CallIndirect: {
          const ci = info as binaryen.CallInfo & binaryen.CallIndirectInfo & { params?: number; results?: number };
          const isIndirect = id === E.CallIndirect;
          const target = isIndirect ? '' : ci.target;
          const sc = isIndirect ? undefined : syscallOf.get(target);
          if (sc) {
            const [p, n] = operands(ci.operands) as [number, number];
            if (sc === 'read' || sc === 'read_public') {
              const d = out();
              emit(sc, d, p, n);
              return d;
            }
            emit(sc, p, n);
            return -1;
          }
          const args = operands(isIndirect ? [...ci.operands, ci.target as unknown as number] : ci.operands);
          const idx = isIndirect ? args.pop()! : -1;
          const argTypes = ci.operands.map((o) => binaryen.getExpressionType(o));
          let rel = 1;
          argTypes.forEach((t, k) => {
            const w = t === T_I64;
            const at = emit(w ? 'mov64' : 'mov', 0, args[k]!);
            patchTo(at * INSTR_WORDS + 1, rel);
            rel += w ? 2 : 1;
          });
          let at: number;
          if (isIndirect) {
            const sig = sigString(ci.params!, ci.results!);
            at = emit('call_indirect', idx, 0, typeId(sig));
          } else at = emit('call', funcIndex.get(target) ?? fail(e, `internal: unknown function ${target}`), 0);
          patchTo(at * INSTR_WORDS + 2, 0);
          if (type === T_I32 || type === T_I64) {
            const d = out();
            const m = emit(is64 ? 'mov64' : 'mov', d, 0);
            patchTo(m * INSTR_WORDS + 2, 1);
            return d;
          }
          return -1;
        }
        case E.Load: {
          const li = info as binaryen.LoadInfo;
          const p = value(li.ptr);
          const d = out();
          const mn = li.bytes === 8 ? 'load64'
            : is64 ? `load${li.bytes * 8}_${li.isSigned ? 's' : 'u'}64`
              : li.bytes === 4 ? 'load' : `load${li.bytes * 8}_${li.isSigned ? 's' : 'u'}`;
          emit(mn, d, p, li.offset);
          return d;
        }
        case E.Store: {
          const si = info as binaryen.StoreInfo;
          const [p, v] = operands([si.ptr, si.value]) as [number, number];
          const w = binaryen.getExpressionType(si.value) === T_I64;
          const mn = w ? (si.bytes === 8 ? 'store64' : `store${si.bytes * 8}_64`) : si.bytes === 4 ? 'store' : `store${si.bytes * 8}`;
          emit(mn, v, p, si.offset);
          return -1;
        }
        case E.Unary: {
          const ui = info as binaryen.UnaryInfo;
          const mn = UNARY.get(ui.op) ?? fail(e, 'not supported');
          const x = value(ui.value);
          if (mn === 'wrap') return x; // the low word of the pair is the i32
          const d = out();
          emit(mn, d, x);
          return d;
        }
        case E.Binary: {
          const bi = info as binaryen.BinaryInfo;
          const m32 = BIN32.get(bi.op);
          if (m32) {
            const [mn, swapped] = m32;
            const rc = binaryen.getExpressionId(bi.right) === E.Const;
            const lc = binaryen.getExpressionId(bi.left) === E.Const;
            if (rc) {
              const x = value(bi.left);
              const d = out();
              emit(`${mn}.i`, d, x, (exprInfo(bi.right) as binaryen.ConstInfo).value as number);
              return d;
            }
            if (lc && swapped) {
              const x = value(bi.right);
              const d = out();
              emit(`${swapped}.i`, d, x, (exprInfo(bi.left) as binaryen.ConstInfo).value as number);
              return d;
            }
            const [x, y] = operands([bi.left, bi.right]) as [number, number];
            const d = out();
            emit(mn, d, x, y);
            return d;
          }
          const m64 = BIN64.get(bi.op) ?? fail(e, 'not supported');
          const [x, y] = operands([bi.left, bi.right]) as [number, number];
          const d = out();
          emit(m64, d, x, y);
          return d;
        }
        case E.Select: {
          const si = info as binaryen.SelectInfo;
          const [t, f, c] = operands([si.ifTrue, si.ifFalse, si.condition]) as [number, number, number];
          const w = is64 ? 2 : 1;
          const overlaps = (d: number, s: number, n: number): boolean => d < s + n && s < d + w;
          const d = dst !== undefined && !overlaps(dst, t, w) && !overlaps(dst, c, 1) ? dst : alloc(w);
          mov(d, f, is64);
          const j = emit('brz', c, 0);
          mov(d, t, is64);
          code[j * INSTR_WORDS + 2] = pcNow();
          return d;
        }
        case E.MemorySize: {
          const d = out();
          emit('memory.size', d);
          return d;
        }
        case E.MemoryGrow: {
          const x = value((info as binaryen.MemoryGrowInfo).delta);
          const d = out();
          emit('memory.grow', d, x);
          return d;
        }
        case E.MemoryCopy: case E.MemoryFill: {
          const [k0, k1, k2] = children(e, fname) as [number, number, number];
          const t = alloc(3);
          into(k0, t);
          into(k1, t + 1);
          into(k2, t + 2);
          emit(id === E.MemoryCopy ? 'mcopy' : 'mfill', t);
          return -1;
        }
        default:
          return fail(e, 'not supported');
      }
    }

    if (resultSlots > 0) into(fi.body, 1);
    else statement(fi.body);
    emit('ret');
    const frameSize = Math.max(maxSlot, 1 + Math.max(paramSlots, resultSlots));
    for (const [w, rel] of patches) code[w] = frameSize + rel;
    const end = fuseCompareBranches(code, entry, pcNow());
    return { name: fname, entry, end, frameSize, typeId: funcTypeIds[fidx]!, paramSlots, resultSlots };
  }

  return makeProgram({
    name: opts.name ?? 'guest',
    code: Int32Array.from(code),
    entry: 0,
    memory: { initialPages, maxPages },
    data,
    globals: Int32Array.from(globalWords),
    types,
    functions,
    table,
  });
}
