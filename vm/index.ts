/**
 * The VM's public surface: the ISA table, the Program image and `.zkvm` format, the executor and
 * its record, the errors, the disassembler. Re-exports only.
 * @module
 */
export { ISA, OP, instr, INSTR_WORDS, PAGE_SIZE, TRAP_KINDS, INSTR_CLASSES, PROOF_TABLES, PRECOMPILE_OPCODE_BASE } from './isa.ts';
export type { InstrDef, InstrClass, OperandKind, ProofTable, Semantics, TrapKind } from './isa.ts';
export { decodeProgram, encodeProgram, makeProgram, programDigest, validateProgram, ProgramFormatError, PROGRAM_MAGIC, PROGRAM_VERSION } from './program.ts';
export type { Program, ProgramFields, FunctionInfo, DataSegment } from './program.ts';
export { execute } from './executor.ts';
export type { ExecuteIO, ExecuteOptions, ExecutionResult } from './executor.ts';
export { CHUNK_ROWS, CPU_STRIDE } from './record.ts';
export type { ExecutionRecord } from './record.ts';
export { ExecutionError, GuestPanic, GuestTrap, CycleLimitError, MemoryLimitError } from './errors.ts';
export { disassemble, disassembleInstr } from './disasm.ts';
