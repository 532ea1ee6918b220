/**
 * The errors a guest run ends with. `execute` throws only these (and `ProgramFormatError` /
 * `TypeError` / `RangeError` for bad arguments); each names the guest function and the pc, never
 * the host's stack.
 * @module
 */
import type { TrapKind } from './isa.ts';

/** Base class: the run stopped at `pc` inside guest function `func`, after `cycles` cycles. */
export class ExecutionError extends Error {
  override readonly name: string = 'ExecutionError';
  /** Guest functions on the call stack when the run stopped, innermost first (set by the executor). */
  guestStack: readonly string[] = [];
  constructor(
    message: string,
    /** Guest function executing when the run stopped ('<entry>' for the entry stub). */
    readonly func: string,
    /** Instruction index of the instruction that stopped the run. */
    readonly pc: number,
    /** Cycles executed before the stop. */
    readonly cycles: number,
  ) {
    super(message);
  }
}

/** The guest called `panic`. `guestMessage` is its text; `location` is `file:line:col` when the
 *  guest appended one as ` at file:line:col` (the SDK's abort does). */
export class GuestPanic extends ExecutionError {
  override readonly name = 'GuestPanic';
  readonly location: string | undefined;
  constructor(readonly guestMessage: string, func: string, pc: number, cycles: number) {
    const m = /^([\s\S]*?)\s+at\s+(\S+:\d+:\d+)\s*$/.exec(guestMessage);
    super(`guest panicked in ${func}: ${guestMessage}`, func, pc, cycles);
    this.location = m ? m[2] : undefined;
  }
}

const TRAP_TEXT: Record<TrapKind, string> = {
  'unreachable': 'unreachable executed',
  'div-by-zero': 'integer divide by zero',
  'int-overflow': 'integer overflow (INT_MIN / -1)',
  'out-of-bounds': 'memory access out of bounds',
  'indirect-call-type': 'indirect call signature mismatch',
  'indirect-call-null': 'indirect call to a null table entry',
  'table-out-of-bounds': 'indirect call index out of the table',
  'stack-overflow': 'call stack exhausted',
};

/** A WebAssembly trap. `detail` adds the operands (address, index) when useful. */
export class GuestTrap extends ExecutionError {
  override readonly name = 'GuestTrap';
  constructor(readonly kind: TrapKind, func: string, pc: number, cycles: number, detail?: string) {
    super(`guest trapped in ${func} at pc ${pc}: ${TRAP_TEXT[kind]}${detail ? ` (${detail})` : ''}`, func, pc, cycles);
  }
}

/** The run reached `maxCycles` before halting. */
export class CycleLimitError extends ExecutionError {
  override readonly name = 'CycleLimitError';
  constructor(readonly maxCycles: number, func: string, pc: number) {
    super(`cycle limit of ${maxCycles} reached in ${func} at pc ${pc}`, func, pc, maxCycles);
  }
}

/** The guest's heap would exceed `maxMemoryBytes` (at start or on memory.grow). */
export class MemoryLimitError extends ExecutionError {
  override readonly name = 'MemoryLimitError';
  constructor(readonly requestedBytes: number, readonly maxMemoryBytes: number, func: string, pc: number, cycles: number) {
    super(`memory limit: ${func} needs ${requestedBytes} bytes of heap, the limit is ${maxMemoryBytes}`, func, pc, cycles);
  }
}
