/**
 * The cheater's re-derivation for ALU table attacks (STYLE §5): after a forged change to a table's
 * trace, make everything downstream agree as well as a cheater could. Generic over the table: it
 * evaluates the table's own interactions on the forged trace (the program `checkBuses` runs), then
 *  - rebuilds the range8 / range16 / bytes multiplicities from the lookups the table now makes,
 *    counting only tuples that exist in the lookup table (a value out of range cannot be matched);
 *  - with `cpuFollows`, makes the CPU stub send exactly the ALU tuples the table now receives
 *    (a CPU that wrote the forged result).
 */
import type { AnyTable } from '../../../prover/air/builder.ts';
import { traceInputs } from '../../../prover/air/debug.ts';
import { compile, registerFile, run } from '../../../prover/air/program.ts';
import { add } from '../../../prover/field/babybear.ts';
import type { Matrix } from '../../../prover/matrix.ts';
import { aluBus } from '../../../vm/tables/alu.ts';
import { byteOp, bytes, type ByteKind } from '../../../vm/tables/bytes.ts';
import { range16, range8 } from '../../../vm/tables/range.ts';
import { StubCols, type AluWitness } from './_alu-harness.ts';

const LANES = 256;

export function rederive(table: AnyTable, trace: Matrix, w: AluWitness, cpuFollows: boolean): void {
  const c8 = range8.counts(), c16 = range16.counts(), cb = bytes.counts();
  const sys = table.system;
  const inp = traceInputs(table, trace);
  const roots: number[] = [];
  for (const it of sys.interactions) roots.push(...it.tuple, it.multiplicity);
  const prog = compile(sys.dag, roots);
  const regs = registerFile(prog, LANES);
  const stub = w.stub.values;
  const sw = StubCols.width;
  for (let start = 0; start < trace.height; start += LANES) {
    const len = Math.min(LANES, trace.height - start);
    run(prog, inp, start, len, regs, LANES);
    for (let i = 0; i < len; i++) {
      const row = start + i;
      let k = 0;
      for (const it of sys.interactions) {
        const t: number[] = [];
        for (let j = 0; j < it.tuple.length; j++) t.push(regs[prog.rootReg[k++]! * LANES + i]!);
        const m = regs[prog.rootReg[k++]! * LANES + i]!;
        const name = it.bus.name;
        if (name === aluBus.name) {
          if (cpuFollows && row * sw < stub.length) {
            stub.set(t, row * sw);
            stub[row * sw + StubCols.isReal] = m;
          }
          continue;
        }
        if (m === 0) continue;
        if (name === range16.bus.name) {
          if (t[0]! < 0x10000) c16[t[0]!] = add(c16[t[0]!]!, m);
        } else if (name === range8.bus.name) {
          if (t[0]! < 0x100) c8[t[0]!] = add(c8[t[0]!]!, m);
        } else if (name === bytes.bus.name) {
          const [kind, x, y, z] = t as [ByteKind, number, number, number];
          if (kind < 4 && x < 256 && y < 256 && z === byteOp(kind, x, y)) {
            const idx = (kind << 16) | (y << 8) | x;
            cb[idx] = add(cb[idx]!, m);
          }
        }
      }
    }
  }
  w.lookups[0]!.values.set(range8.trace(c8).values);
  w.lookups[1]!.values.set(range16.trace(c16).values);
  w.lookups[2]!.values.set(bytes.trace(cb).values);
}
