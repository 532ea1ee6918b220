/**
 * A cheating prover's tools: after changing cells of an honest segment witness, recompute what a
 * cheater can recompute freely (the multiplicities of the lookup tables: range8, range16, bytes,
 * program fetches) from what every other table now sends, so the only inconsistency left is the
 * one the tested constraint must catch.
 */
import type { AnyTable } from '../../prover/air/builder.ts';
import { eachInteraction } from '../../prover/air/debug.ts';
import { add } from '../../prover/field/babybear.ts';
import type { Matrix } from '../../prover/matrix.ts';
import type { VmMachine } from '../../vm/machine.ts';
import type { RunWitness, SegmentWitness } from '../../vm/trace.ts';
import { Op } from '../../prover/air/expr.ts';
import { ISA } from '../../vm/isa.ts';
import { CpuCols } from '../../vm/tables/cpu.ts';
import { BoundaryCols } from '../../vm/tables/memory.ts';

const RECEIVERS = new Set(['range8', 'range16', 'bytes', 'program']);

/** Recomputes the lookup tables' multiplicity columns of segment `seg` in place. */
export function rederiveLookups(vm: VmMachine, seg: SegmentWitness): void {
  const idx = vm.index;
  const r8 = seg.traces[idx.range8!]!.values, r16 = seg.traces[idx.range16!]!.values, by = seg.traces[idx.bytes!]!.values;
  const prog = seg.traces[idx.program!]!.values;
  r8.fill(0);
  r16.fill(0);
  by.fill(0);
  prog.fill(0);
  const progFixed = vm.tables.program.preprocessed!.values();
  const pcRow = new Map<number, number>();
  for (let r = progFixed.height - 1; r >= 0; r--) pcRow.set(progFixed.values[r * progFixed.width]!, r);
  vm.machine.tables.forEach((table, t) => {
    if (RECEIVERS.has(table.name)) return;
    eachInteraction({ table, trace: seg.traces[t]!, publics: seg.publics[t], preprocessed: table.preprocessed?.values() }, (bus, tuple, m) => {
      if (bus === 'range8' && tuple[0]! < 256) r8[tuple[0]!] = add(r8[tuple[0]!]!, m);
      else if (bus === 'range16' && tuple[0]! < 65536) r16[tuple[0]!] = add(r16[tuple[0]!]!, m);
      else if (bus === 'bytes' && tuple[1]! < 256 && tuple[2]! < 256 && tuple[0]! < 4) {
        const i = ((tuple[2]! << 8) | tuple[1]!) * 4 + tuple[0]!;
        by[i] = add(by[i]!, m);
      } else if (bus === 'fetch') {
        const row = pcRow.get(tuple[0]!);
        if (row !== undefined) prog[row] = add(prog[row]!, m);
      }
    });
  });
}

/** Column index of a named column group in a table's layout. */
export function col(table: AnyTable, name: string, j = 0): number {
  const v = (table.cols as unknown as Record<string, number>)[name];
  if (typeof v !== 'number') throw new Error(`table ${table.name} has no column ${name}`);
  return v + j;
}

export function setCell(m: Matrix, row: number, c: number, v: number): void {
  m.values[row * m.width + c] = v >>> 0;
}
export function getCell(m: Matrix, row: number, c: number): number {
  return m.values[row * m.width + c]!;
}


const C = CpuCols as unknown as Record<string, number>;
const cell = (m: Matrix, r: number, name: string, j = 0): number => m.values[r * m.width + C[name]! + j]!;

/** The table a CPU row delegates to, and the row there (events are in CPU order), or undefined. */
export function partnerOf(vm: VmMachine, seg: SegmentWitness, r: number): { table: AnyTable; index: number; row: number } | undefined {
  const cpu = seg.traces[vm.index.cpu!]!;
  const name = (row: number): string | undefined => {
    if (!cell(cpu, row, 'send')) return undefined;
    if (cell(cpu, row, 'isLS')) return 'load-store';
    if (cell(cpu, row, 'isBulk')) return 'bulk';
    return ISA[cell(cpu, row, 'aluOp')]!.table;
  };
  const t = name(r);
  if (!t) return undefined;
  let k = 0;
  for (let i = 0; i < r; i++) if (name(i) === t) k++;
  const index = vm.index[t]!;
  return { table: vm.machine.tables[index]!, index, row: k };
}

/** Columns of a table's received ALU tuple element j, when it is a plain column. */
export function aluTupleCol(table: AnyTable, j: number): number | undefined {
  const it = table.system.interactions.find((i) => i.bus.name === 'alu' && i.sign < 0);
  if (!it) return undefined;
  const id = it.tuple[j]!;
  const dag = table.system.dag;
  return dag.op[id] === Op.Main && dag.b[id] === 0 ? dag.a[id]! : undefined;
}

interface PortKey { key: number; port: string }

function portsOf(cpu: Matrix, r: number): PortKey[] {
  if (!cell(cpu, r, 'isReal')) return [];
  const fp = cell(cpu, r, 'fp');
  const xKey = cell(cpu, r, 'xOff') + (cell(cpu, r, 'xAbs') ? 0 : fp);
  const yKey = cell(cpu, r, 'yOff') + fp;
  const zKey = cell(cpu, r, 'zOff') + (cell(cpu, r, 'zAbs') ? 0 : fp);
  const out: PortKey[] = [];
  if (cell(cpu, r, 'xRead')) out.push({ key: xKey, port: 'x' });
  if (cell(cpu, r, 'xWide')) out.push({ key: xKey + 1, port: 'xh' });
  if (cell(cpu, r, 'yRead')) out.push({ key: yKey, port: 'y' });
  if (cell(cpu, r, 'yWide')) out.push({ key: yKey + 1, port: 'yh' });
  if (cell(cpu, r, 'zRead')) out.push({ key: zKey, port: 'zread' });
  if (cell(cpu, r, 'zWrite')) out.push({ key: zKey, port: 'z' });
  if (cell(cpu, r, 'zWide')) out.push({ key: zKey + 1, port: 'zh' });
  return out;
}

/**
 * After changing the value CPU row `r` of segment `s` writes through port `port` ('z' or 'zh'),
 * carries the forged value to the next access of that slot, as a cheater must: a later write's
 * "previous value", or the memory boundary's final value. Returns false when the next access is
 * a read (the forged value would flow into further rows).
 */
export function followWrite(vm: VmMachine, w: RunWitness, s: number, r: number, port: 'z' | 'zh', value: number): boolean {
  const cpu0 = w.segments[s]!.traces[vm.index.cpu!]!;
  const key = portsOf(cpu0, r).find((p) => p.port === port)!.key;
  for (let k = s; k < w.segments.length; k++) {
    const cpu = w.segments[k]!.traces[vm.index.cpu!]!;
    for (let i = k === s ? r + 1 : 0; i < cpu.height; i++) {
      const hit = portsOf(cpu, i).find((p) => p.key === key);
      if (!hit) continue;
      if (hit.port !== 'z' && hit.port !== 'zh') return false;
      const prev = hit.port === 'z' ? 'zPrev' : 'zhPrev';
      setCell(cpu, i, C[prev]!, value & 0xffff);
      setCell(cpu, i, C[prev]! + 1, value >>> 16);
      return true;
    }
  }
  const last = w.segments[w.segments.length - 1]!;
  const b = last.traces[vm.index['memory-boundary']!]!;
  for (let i = 0; i < b.height; i++) {
    if (getCell(b, i, BoundaryCols.key) === key && getCell(b, i, BoundaryCols.isReal) === 1) {
      setCell(b, i, BoundaryCols.v, value & 0xffff);
      setCell(b, i, BoundaryCols.v + 1, value >>> 16);
      return true;
    }
  }
  throw new Error(`followWrite: key ${key} has no final state`);
}

/** Rows of a segment's CPU trace whose opcode satisfies `pred`. */
export function rowsWhere(vm: VmMachine, seg: SegmentWitness, pred: (mnemonic: string) => boolean): number[] {
  const cpu = seg.traces[vm.index.cpu!]!;
  const out: number[] = [];
  for (let r = 0; r < cpu.height; r++) if (cell(cpu, r, 'isReal') && pred(ISA[cell(cpu, r, 'op')]!.mnemonic)) out.push(r);
  return out;
}

export { C as CPU_COL, cell as cpuCell };

/**
 * A table's opcode expression (element 0 of the ALU tuple it receives) as a linear combination of
 * its columns: opcode -> the column whose bit selects it. Undefined when the expression is not
 * `sum of constant * column` (some tables build it another way).
 */
export function opcodeSelectors(table: AnyTable): Map<number, number> | undefined {
  const it = table.system.interactions.find((i) => i.bus.name === 'alu' && i.sign < 0);
  if (!it) return undefined;
  const dag = table.system.dag;
  const linear = (id: number, scale: number, out: Map<number, number>): boolean => {
    const op = dag.op[id]!;
    if (op === Op.Main && dag.b[id] === 0) {
      out.set(dag.a[id]!, (out.get(dag.a[id]!) ?? 0) + scale);
      return true;
    }
    if (op === Op.Const) return dag.a[id] === 0;
    if (op === Op.Add) return linear(dag.a[id]!, scale, out) && linear(dag.b[id]!, scale, out);
    if (op === Op.Mul) {
      const [l, r] = [dag.a[id]!, dag.b[id]!];
      if (dag.op[l] === Op.Const) return linear(r, scale * dag.a[l]!, out);
      if (dag.op[r] === Op.Const) return linear(l, scale * dag.a[r]!, out);
    }
    return false;
  };
  const coefs = new Map<number, number>();
  if (!linear(it.tuple[0]!, 1, coefs)) return undefined;
  const sel = new Map<number, number>();
  for (const [c, opcode] of coefs) sel.set(opcode, c);
  return sel;
}
