/**
 * The two-column Fibonacci AIR used by the benchmark and the STARK tests: columns (a, b), rows
 * (F_i, F_{i+1}) mod p, public values (a0, b0, out) with out = b on the last row.
 * @module
 */
import { defineTable } from '../prover/air/builder.ts';
import { layout } from '../prover/air/layout.ts';
import { add } from '../prover/field/babybear.ts';
import type { Matrix } from '../prover/matrix.ts';

export const FibCols = layout({
  a: 1, // F_i: pinned by the first row (public a0) and the transition a' = b
  b: 1, // F_{i+1}: pinned by the first row (public b0), the transition b' = a + b, the last row (public out)
});

export const fibTable = defineTable({
  name: 'fib',
  cols: FibCols,
  publicValues: 3,
  eval(b) {
    const r = b.local(FibCols);
    const n = b.next(FibCols);
    b.whenFirstRow().assertEq('first row: a = a0', r.a, b.publicValue(0));
    b.whenFirstRow().assertEq('first row: b = b0', r.b, b.publicValue(1));
    const t = b.whenTransition();
    t.assertEq("transition: a' = b", n.a, r.b);
    t.assertEq("transition: b' = a + b", n.b, b.add(r.a, r.b));
    b.whenLastRow().assertEq('last row: b = out', r.b, b.publicValue(2));
  },
});

/** The honest trace of 2^logRows rows and its public values [a0, b0, out]. */
export function fibTrace(logRows: number, a0 = 1, b0 = 1): { trace: Matrix; publics: number[] } {
  const n = 2 ** logRows;
  const values = new Uint32Array(2 * n);
  let a = a0;
  let b = b0;
  for (let i = 0; i < n; i++) {
    values[2 * i] = a;
    values[2 * i + 1] = b;
    const c = add(a, b);
    a = b;
    b = c;
  }
  return { trace: { values, width: 2, height: n }, publics: [a0, b0, values[2 * n - 1]!] };
}
