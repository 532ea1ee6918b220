import { VerifyError } from '../../prover/errors.ts';

/** Runs a verification and names its outcome: the failing VerifyError check, or 'accepted'. */
export function checkOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof VerifyError) return e.check;
    throw e;
  }
  return 'accepted';
}
