/**
 * How the CLI turns any failure into the one line a user reads. Library errors already carry
 * messages written for users (they name the guest function, the file, the limit); this only
 * flattens them to one line and marks usage errors, which exit with code 2 instead of 1.
 */

/** The command line itself is wrong: unknown command or flag, missing argument, bad number. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Error classes whose messages are complete sentences for a user, printed as they are. */
const USER_FACING = new Set([
  'UsageError',
  'GuestSourceError',
  'GuestBuildError',
  'CompileError',
  'ProgramFormatError',
  'ExecutionError',
  'GuestPanic',
  'GuestTrap',
  'CycleLimitError',
  'MemoryLimitError',
  'NotProvableError',
  'VerifyError',
  'ProofFormatError',
]);

export function describeError(e: unknown): { message: string; usage: boolean } {
  if (!(e instanceof Error)) {
    // Something below threw a non-Error (binaryen's C++ aborts surface as plain objects).
    const kind = e !== null && typeof e === 'object' ? (e.constructor?.name ?? 'object') : typeof e;
    const text = typeof e === 'object' ? safeJson(e) : String(e);
    return { message: `internal error: a ${kind} was thrown (${oneLine(text)})`, usage: false };
  }
  const text = oneLine(e.message || e.name);
  if (USER_FACING.has(e.name)) return { message: text, usage: e instanceof UsageError };
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') return { message: text, usage: false };
  return { message: `${e.name}: ${text}`, usage: false };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
