/**
 * The VM's machine: every table a segment proof of a Program contains, in a fixed order.
 *
 * The program-specific tables (program, elem, memory-image) have preprocessed columns built from
 * the Program, so the machine, and its verifying key, is per program; everything else is shared.
 * Arithmetic tables are listed in `ALU_TABLES` (name, table, trace generator): adding one is one
 * line there plus its opcodes in the ISA's `table` field.
 * @module
 */
import type { AnyTable } from '../prover/air/builder.ts';
import type { Matrix } from '../prover/matrix.ts';
import { defineMachine, type Machine } from '../prover/stark/machine.ts';
import type { Program } from './program.ts';
import type { ProofTable } from './isa.ts';
import type { AluEvents, LookupCounts } from './tables/alu.ts';
import { addSubTable, addSubTrace } from './tables/add-sub.ts';
import { mulTable, mulTrace } from './tables/mul.ts';
import { divremTable, divremTrace } from './tables/divrem.ts';
import { shiftTable, shiftTrace } from './tables/shift.ts';
import { bitwiseTable, bitwiseTrace } from './tables/bitwise.ts';
import { extendTable, extendTrace } from './tables/extend.ts';
import { ltTable, ltTrace } from './tables/lt.ts';
import { bitcountTable, bitcountTrace } from './tables/bitcount.ts';
import { loadStoreTable } from './tables/load-store.ts';
import { bulkTable } from './tables/bulk.ts';
import { cpuTable } from './tables/cpu.ts';
import { programTables, type ProgramTables } from './tables/program.ts';
import { boundaryTable, defineImageTable, MemoryState, HEAP_KEY_BASE } from './tables/memory.ts';
import { range8, range16 } from './tables/range.ts';
import { bytes } from './tables/bytes.ts';
import { PAGE_SIZE } from './isa.ts';

export interface AluTableEntry {
  readonly name: ProofTable;
  readonly table: AnyTable;
  readonly trace: (events: AluEvents, counts: LookupCounts) => Matrix;
}

/** The arithmetic tables: proof-table name (the ISA's `table` field), table, trace generator. */
export const ALU_TABLES: readonly AluTableEntry[] = [
  { name: 'add-sub', table: addSubTable, trace: addSubTrace },
  { name: 'mul', table: mulTable, trace: mulTrace },
  { name: 'divrem', table: divremTable, trace: divremTrace },
  { name: 'shift', table: shiftTable, trace: shiftTrace },
  { name: 'bitwise', table: bitwiseTable, trace: bitwiseTrace },
  { name: 'extend', table: extendTable, trace: extendTrace },
  { name: 'lt', table: ltTable, trace: ltTrace },
  { name: 'bitcount', table: bitcountTable, trace: bitcountTrace },
];

export interface VmMachine {
  readonly machine: Machine;
  readonly program: Program;
  readonly tables: ProgramTables;
  /** Index of each table in the machine, by table name. */
  readonly index: Readonly<Record<string, number>>;
  /** A fresh memory replay with the program's initial image. */
  initialMemory(): MemoryState;
}

/** Slots with their initial values: the globals (frames start after them, all zero). */
function initialSlots(program: Program): Int32Array {
  return Int32Array.from(program.globals);
}

function initialHeap(program: Program): Uint8Array {
  const heap = new Uint8Array(program.memory.initialPages * PAGE_SIZE);
  for (const seg of program.data) heap.set(seg.bytes, seg.offset);
  return heap;
}

const cache = new Map<string, VmMachine>();

/** The machine of `program` (cached by digest). */
export function vmMachine(program: Program): VmMachine {
  const hit = cache.get(program.digest);
  if (hit) return hit;
  const tables = programTables(program);
  const probe = new MemoryState(initialSlots(program), initialHeap(program));
  const image = defineImageTable(probe.imageKeys, probe.imageValues);
  const list: AnyTable[] = [
    cpuTable,
    tables.program,
    tables.elem,
    image,
    boundaryTable,
    ...ALU_TABLES.map((t) => t.table),
    loadStoreTable,
    bulkTable,
    range8.table,
    range16.table,
    bytes.table,
  ];
  const index = Object.fromEntries(list.map((t, i) => [t.name, i]));
  const vm: VmMachine = {
    machine: defineMachine('tensor-zkvm', list),
    program,
    tables,
    index,
    initialMemory: () => new MemoryState(initialSlots(program), initialHeap(program)),
  };
  if (cache.size > 16) cache.clear();
  cache.set(program.digest, vm);
  return vm;
}

export { HEAP_KEY_BASE };
