/**
 * The constraint-test harness of STYLE §5: attacks on honest traces, which check catches each, and
 * "every constraint is needed" (drop one label at a time; some attack must then pass).
 *
 * An attack names a real cheat, mutates an honest witness, and says which constraint label or bus
 * name must catch it. Both debug checks run (constraints and buses), so a label can be either.
 * Tables of the VM and the precompiles reuse this unchanged.
 * @module
 */
import type { Matrix } from '../matrix.ts';
import type { AnyTable } from './builder.ts';
import { checkAllConstraints, checkBuses, labelText, type BusCheckInput } from './debug.ts';

/** An honest witness for the table under test, with the other tables its buses talk to. */
export interface Scenario {
  readonly table: AnyTable;
  honest(): { trace: Matrix; publics?: number[]; others?: readonly BusCheckInput[] };
}

export interface Attack {
  /** The cheat, in words ("claims 0xffff + 1 = 0 with carry 0"). */
  readonly attack: string;
  /** Changes the honest trace (and public values) in place. */
  mutate(trace: Matrix, publics: number[]): void;
  /** The constraint label or bus name expected to reject it. */
  readonly caughtBy: string;
}

/** Every distinct constraint label the table states (bus constraints excluded). */
export function eachLabel(table: AnyTable): string[] {
  return [...new Set(table.system.constraints.filter((c) => c.phase === 'main').map((c) => labelText(c.label)))];
}

/** Names of everything that rejected the attacked witness: constraint labels and bus names. */
export function rejectionsOf(s: Scenario, attack: Attack, skip: ReadonlySet<string> = new Set()): string[] {
  const w = s.honest();
  const publics = [...(w.publics ?? [])];
  attack.mutate(w.trace, publics);
  const c = checkAllConstraints(s.table, w.trace, { publics, skipLabels: skip, maxFailures: 1000 });
  const b = checkBuses([{ table: s.table, trace: w.trace, publics }, ...(w.others ?? [])], { skipBuses: skip });
  return [...new Set([...c.failures.map((f) => f.label), ...b.busFailures.map((f) => f.bus)])];
}

/** The attacks that are no longer rejected at all when `label` (a constraint label or bus name) is dropped. */
export function attacksPassingWithout(s: Scenario, label: string, attacks: readonly Attack[]): Attack[] {
  return attacks.filter((a) => rejectionsOf(s, a, new Set([label])).length === 0);
}
