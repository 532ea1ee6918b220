/**
 * A machine: the set of tables proved together in one proof, joined by buses.
 *
 * The machine fixes table order (the order of matrices in every commitment and of every list in
 * the proof) and checks what can only be checked across tables: unique table names, and one
 * identity per bus name (two different buses with the same fingerprint constant would mix).
 * @module
 */
import type { AnyTable } from '../air/builder.ts';
import type { Bus } from '../bus.ts';

export interface Machine {
  readonly name: string;
  readonly tables: readonly AnyTable[];
  /** Every bus used by some table, by name. */
  readonly buses: ReadonlyMap<string, Bus>;
  /** Largest tuple length on any bus (number of gamma powers the prover draws). */
  readonly maxArity: number;
}

export function defineMachine(name: string, tables: readonly AnyTable[]): Machine {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) throw new TypeError('defineMachine: name must be a non-empty string of at most 64 characters');
  if (!Array.isArray(tables) || tables.length === 0) throw new RangeError(`machine ${name}: at least one table is needed`);
  if (tables.length > 255) throw new RangeError(`machine ${name}: at most 255 tables`);
  const names = new Set<string>();
  const buses = new Map<string, Bus>();
  const ids = new Map<number, string>();
  // One tuple length per bus: [x] and [x, 0] have the same fingerprint.
  const arities = new Map<string, number>();
  let maxArity = 0;
  for (const t of tables) {
    if (names.has(t.name)) throw new RangeError(`machine ${name}: two tables are named ${t.name}`);
    names.add(t.name);
    const sys = t.system;
    maxArity = Math.max(maxArity, sys.maxArity);
    for (const it of sys.interactions) {
      const seen = buses.get(it.bus.name);
      if (seen && (seen.id !== it.bus.id || seen.arity !== it.bus.arity)) {
        throw new RangeError(`machine ${name}: bus ${it.bus.name} is defined twice with different ids or arities`);
      }
      const other = ids.get(it.bus.id);
      if (other !== undefined && other !== it.bus.name) throw new RangeError(`machine ${name}: buses ${other} and ${it.bus.name} share the id ${it.bus.id}`);
      const arity = arities.get(it.bus.name);
      if (arity !== undefined && arity !== it.tuple.length) {
        throw new RangeError(`machine ${name}: bus ${it.bus.name} carries ${arity}-tuples, table ${t.name} sends ${it.tuple.length}`);
      }
      arities.set(it.bus.name, it.tuple.length);
      buses.set(it.bus.name, it.bus);
      ids.set(it.bus.id, it.bus.name);
    }
  }
  return Object.freeze({ name, tables: Object.freeze([...tables]), buses, maxArity });
}
