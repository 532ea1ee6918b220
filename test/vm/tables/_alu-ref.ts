/**
 * ALU events with the reference result (`ISA[op].semantics` of vm/isa.ts applied to the operand
 * words, split into the low and high words of the ALU tuple), and a proof of a forged witness with
 * the debug checks off, so that what rejects is the verifier. Shared by the ALU table suites.
 */
import type { AnyTable } from '../../../prover/air/builder.ts';
import { VerifyError } from '../../../prover/errors.ts';
import { ProofOptions } from '../../../prover/options.ts';
import { defineMachine } from '../../../prover/stark/machine.ts';
import { prove, setup } from '../../../prover/stark/prove.ts';
import { verify } from '../../../prover/stark/verify.ts';
import { ISA } from '../../../vm/isa.ts';
import { cpuStub, LOOKUP_TABLES, type AluEvent, type AluWitness } from './_alu-harness.ts';

const word = (v: bigint): number => Number(BigInt.asIntN(32, v));
const wide = (lo: number, hi: number): bigint => (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);

/** The event of `op` on x (xh) and y (yh), its z / zh computed by the ISA's reference semantics. */
export function refEvent(op: number, x: number, y = 0, xh = 0, yh = 0): AluEvent {
  const sem = ISA[op]?.semantics;
  if (!sem) throw new RangeError(`refEvent: no opcode ${op}`);
  const out = (r: bigint): AluEvent => ({ op, x: x | 0, xh: xh | 0, y: y | 0, yh: yh | 0, z: word(r), zh: word(r >> 32n) });
  switch (sem.kind) {
    case 'bin32':
      if (sem.trap?.(x | 0, y | 0)) throw new RangeError(`refEvent: ${ISA[op]!.mnemonic} traps on (${x}, ${y})`);
      return { op, x: x | 0, xh: 0, y: y | 0, yh: 0, z: sem.fn(x | 0, y | 0) | 0, zh: 0 };
    case 'un32':
      return { op, x: x | 0, xh: 0, y: 0, yh: 0, z: sem.fn(x | 0) | 0, zh: 0 };
    case 'bin64':
      return out(sem.fn(BigInt.asIntN(64, wide(x, xh)), BigInt.asIntN(64, wide(y, yh))));
    case 'un64':
      return { ...out(sem.fn(BigInt.asIntN(64, wide(x, xh)))), y: 0, yh: 0 };
    case 'widen':
      return { ...out(sem.fn(x | 0)), xh: 0, y: 0, yh: 0 };
    default:
      throw new RangeError(`refEvent: ${ISA[op]!.mnemonic} has no ALU semantics (${sem.kind})`);
  }
}

/**
 * Proves [stub, table, lookups] from a (forged) witness with the debug checks off and returns the
 * `check` of the VerifyError the verifier throws, or 'accepted'.
 */
export async function forgedProofCheck(table: AnyTable, w: AluWitness): Promise<string> {
  const machine = defineMachine(`alu-forged-${table.name}`, [cpuStub, table, ...LOOKUP_TABLES]);
  const options = ProofOptions.testing();
  const pk = await setup(machine, options);
  const proof = await prove(machine, { traces: [w.stub, w.trace, ...w.lookups] }, { options, provingKey: pk, debug: false });
  try {
    verify(machine, proof, { vk: pk.vk, minSecurityBits: 0 });
    return 'accepted';
  } catch (e) {
    if (e instanceof VerifyError) return e.check;
    throw e;
  }
}
