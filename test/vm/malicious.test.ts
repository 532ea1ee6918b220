/**
 * Malicious provers, one per instruction class. Each cheat is made the strongest way we know: the
 * cheater runs a program P' that differs from the proved program P in one instruction (so the run
 * of P', its memory, its control flow and its output are all genuinely consistent), then relabels
 * the rows executing that instruction as P's instruction (every fetched CPU column taken from P's
 * decode) and recomputes every lookup multiplicity. What is left is exactly one false statement,
 * e.g. "P's `add` produced what `sub` produces", which the verifier must reject, naming the check.
 * A few cheats edit a value directly (a claimed output byte, a read-back value).
 *
 * By hand (once per class, 2026-11-25): with the CPU's ALU-bus send removed from vm/tables/cpu.ts,
 * the ALU-class cheats here verified; with the CPU's fetch send removed, the control-flow cheat
 * verified; see the closing note.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { assembleWat } from '../../guest/compiler/wat.ts';
import { compileWasm } from '../../guest/compiler/index.ts';
import { ProofOptions } from '../../prover/options.ts';
import { VerifyError } from '../../prover/errors.ts';
import { execute } from '../../vm/executor.ts';
import { INSTR_WORDS, ISA, OP } from '../../vm/isa.ts';
import { makeProgram, type Program } from '../../vm/program.ts';
import { vmMachine, type VmMachine } from '../../vm/machine.ts';
import { generateWitness, type RunWitness } from '../../vm/trace.ts';
import { proveWitness, verifyRun, type RunClaim } from '../../vm/prove.ts';
import { CpuCols } from '../../vm/tables/cpu.ts';
import { FLAGS, fetchTuple } from '../../vm/tables/program.ts';
import { CPU_COL, cpuCell, opcodeSelectors, partnerOf, rederiveLookups, setCell } from './_cheat.ts';

const options = ProofOptions.testing();

/** Exercises every instruction class the cheats below target (no I/O: the output is the final memory). */
const WAT = `(module
  (memory (export "memory") 1)
  (table 2 funcref) (elem (i32.const 0) $sq $inc)
  (type $t (func (param i32) (result i32)))
  (global $g (mut i32) (i32.const 5))
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $f (param $n i32) (result i32) (local $i i32) (local $acc i32) (local $w i64) (local $v i64)
    (local.set $acc (i32.const 0x1234567))
    (local.set $v (i64.const 0x123456789abcdef))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (local.get $i)))
      (local.set $acc (i32.xor (local.get $acc) (i32.div_s (local.get $acc) (i32.const -7))))
      (local.set $acc (i32.add (i32.clz (local.get $acc)) (i32.shr_u (local.get $acc) (i32.const 5))))
      (local.set $acc (i32.add (local.get $acc) (i32.lt_s (local.get $acc) (i32.const 99))))
      (local.set $w (i64.add (local.get $w) (i64.extend_i32_u (i32.or (local.get $acc) (i32.const 0x80000000)))))
      (local.set $v (i64.mul (local.get $v) (i64.const 0x9e3779b97f4a7c15)))
      (local.set $v (i64.add (local.get $v) (i64.div_s (local.get $v) (i64.const 1000003))))
      (local.set $w (i64.add (local.get $w) (i64.shr_u (local.get $v) (i64.const 17))))
      (local.set $acc (i32.add (local.get $acc) (i64.lt_s (local.get $v) (local.get $w))))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.or (local.get $acc) (i32.const 0x80000000)))
      (local.set $acc (i32.add (local.get $acc) (i32.load8_u (i32.const 3))))
      (local.set $acc (call_indirect (type $t) (local.get $acc) (i32.and (local.get $i) (i32.const 1))))
      (block $a (block $b (br_table $a $b $a (i32.rem_u (local.get $i) (i32.const 3))))
        (global.set $g (i32.add (global.get $g) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (drop (memory.grow (i32.const 1)))
    (i64.store (i32.const 64) (local.get $w))
    (i32.add (local.get $acc) (i32.wrap_i64 (i64.shr_u (local.get $w) (i64.const 3)))))
  (func (export "main") (i32.store (i32.const 128) (call $f (i32.const 6)))))`;

let P: Program;
let vmP: VmMachine;

/** P with the instruction at `pc` changed by `edit` (opcode and/or operands). */
function variant(pc: number, edit: (w: Int32Array) => void): Program {
  const code = Int32Array.from(P.code);
  edit(code.subarray(pc * INSTR_WORDS, pc * INSTR_WORDS + INSTR_WORDS));
  return makeProgram({ ...P, code });
}

/**
 * The run of `prog`, relabelled as a run of P: every fetched CPU column from P's decode, and (when
 * `partnerToo` and the partner table selects its opcode by plain selector columns) the partner
 * row's selector moved to P's opcode too, so only the partner's own arithmetic constraints can
 * object.
 */
function relabelled(prog: Program, partnerToo = false): { witness: RunWitness; claim: RunClaim } {
  const run = execute(prog, {}, { record: true });
  const witness = generateWitness(vmMachine(prog), run.record!, 1 << 16);
  run.record!.release();
  const fetched = ['pc', 'op', 'aluOp', 'xOff', 'yOff', 'zOff', 'imm', 'imm+1', 'immH', 'immH+1', 'target', 'frame', 'typeId'];
  for (const seg of witness.segments) {
    const cpu = seg.traces[vmP.index.cpu!]!;
    for (let r = 0; r < cpu.height; r++) {
      if (!cpuCell(cpu, r, 'isReal')) continue;
      const d = vmP.tables.decoded[cpuCell(cpu, r, 'pc')]!;
      const t = fetchTuple(d);
      fetched.forEach((name, k) => {
        const [base, plus] = name.split('+');
        setCell(cpu, r, CPU_COL[base!]! + (plus ? 1 : 0), t[k]!);
      });
      FLAGS.forEach((f, i) => setCell(cpu, r, CPU_COL[f]!, (d.flags >>> i) & 1));
      const was = prog.code[cpuCell(cpu, r, 'pc') * INSTR_WORDS]!;
      if (partnerToo && was !== d.op) {
        const p = partnerOf(vmP, seg, r);
        const sel = p && opcodeSelectors(p.table);
        const m = p && seg.traces[p.index]!;
        if (p && sel && m && sel.has(was) && sel.has(d.op)) {
          setCell(m, p.row, sel.get(was)!, 0);
          setCell(m, p.row, sel.get(d.op)!, 1);
        }
      }
    }
    rederiveLookups(vmP, seg);
  }
  // Only the fixed tables differ between P and P' (same shapes): the traces are P-shaped.
  return { witness, claim: { publicInput: new Uint8Array(0), output: run.output, pubConsumed: 0 } };
}

async function rejectedCheck(witness: RunWitness, claim: RunClaim): Promise<string> {
  const proof = await proveWitness(vmP, witness, claim, { options, segmentCycles: 1 << 16 });
  try {
    await verifyRun(P.digest, {}, proof, { minSecurityBits: 0 });
  } catch (e) {
    expect(e).toBeInstanceOf(VerifyError);
    return (e as VerifyError).check;
  }
  return 'accepted';
}

/** Whether two programs' runs differ in any value written or branch taken. */
function resultsDiffer(a: Program, b: Program): boolean {
  const ra = execute(a, {}, { record: true }).record!, rb = execute(b, {}, { record: true }).record!;
  const ca = ra.cpu(), cb = rb.cpu();
  const differ = ra.cycles !== rb.cycles || ca.z.some((v, i) => v !== cb.z[i]) || ca.pc.some((v, i) => v !== cb.pc[i]);
  ra.release();
  rb.release();
  return differ;
}

const pcOf = (mnemonic: string, nth = 0): number => {
  let seen = 0;
  for (let pc = 0; pc < P.code.length / INSTR_WORDS; pc++) if (ISA[P.code[pc * INSTR_WORDS]!]!.mnemonic === mnemonic && seen++ === nth) return pc;
  throw new Error(`P has no ${mnemonic}`);
};

beforeAll(async () => {
  P = compileWasm(assembleWat(WAT), { name: 'cheats' });
  vmP = vmMachine(P);
});

describe('the honest run', () => {
  it('is proved and verified (the cheats below start from the same machinery)', async () => {
    const run = execute(P, {}, { record: true });
    const witness = generateWitness(vmP, run.record!, 1 << 16);
    run.record!.release();
    const proof = await proveWitness(vmP, witness, { publicInput: new Uint8Array(0), output: run.output, pubConsumed: 0 }, { options, segmentCycles: 1 << 16, debug: true });
    await verifyRun(P.digest, {}, proof, { minSecurityBits: 0 });
  }, 120_000);
});

/** [class, instruction of P, the instruction P' runs instead]: same operand shape, other result. */
const SWAPS: ReadonlyArray<[string, string, string, number?]> = [
  ['alu', 'add', 'sub'],
  ['mul', 'mul', 'add'],
  ['div', 'div_s.i', 'rem_s.i'],
  ['shift', 'shr_u.i', 'shl.i'],
  ['bitwise', 'xor', 'or'],
  ['compare', 'lt_s.i', 'gt_s.i'],
  ['bitcount', 'clz', 'ctz'],
  ['alu64', 'add64', 'sub64'],
  ['mul64', 'mul64', 'add64'],
  ['div64', 'div_s64', 'rem_s64'],
  ['shift64', 'shr_u64', 'shl64'],
  ['compare64', 'lt_s64', 'gt_s64'],
  ['extend', 'extend_u', 'extend_s'],
  ['memory (load)', 'load8_u', 'load8_s'],
  ['control (branch)', 'br_ge_u', 'br_lt_u'],
];

describe('a result another instruction would produce is rejected', () => {
  for (const [cls, mine, theirs, nth] of SWAPS) {
    it(`${cls}: P's ${mine} claimed to produce what ${theirs} does`, async () => {
      const pc = pcOf(mine, nth ?? 0);
      const other = variant(pc, (w) => (w[0] = OP[theirs]!));
      // the swap must matter, or the "cheat" would be an honest run
      expect(resultsDiffer(P, other)).toBe(true);
      const { witness, claim } = relabelled(other);
      expect(await rejectedCheck(witness, claim)).toMatch(/bus-balance|ood/);
    }, 120_000);
  }
});

describe('the partner table relabelled too: its own constraints object', () => {
  for (const [cls, mine, theirs, nth] of SWAPS.filter(([c]) => !c.startsWith('control'))) {
    it(`${cls}: ${mine} <- ${theirs}`, async () => {
      const other = variant(pcOf(mine, nth ?? 0), (w) => (w[0] = OP[theirs]!));
      const { witness, claim } = relabelled(other, true);
      expect(await rejectedCheck(witness, claim)).toMatch(/bus-balance|ood/);
    }, 120_000);
  }
});

describe('other cheats', () => {
  it('move: a mov that read another slot (the memory read-back does not match)', async () => {
    const pc = pcOf('mov');
    const other = variant(pc, (w) => (w[2] = w[2]! + 1));
    const { witness, claim } = relabelled(other);
    expect(await rejectedCheck(witness, claim)).toMatch(/bus-balance|ood/);
  }, 120_000);

  it('call: a callee frame placed elsewhere (fp does not follow the call)', async () => {
    const pc = pcOf('call', 1);
    const other = variant(pc, (w) => (w[2] = w[2]! + 2));
    expect(resultsDiffer(P, other)).toBe(true);
    const { witness, claim } = relabelled(other);
    expect(await rejectedCheck(witness, claim)).toMatch(/bus-balance|ood/);
  }, 120_000);

  it('memory: a store of another value (the stored word differs from the slot read)', async () => {
    const pc = pcOf('store');
    const other = variant(pc, (w) => (w[1] = w[1]! + 1));
    const { witness, claim } = relabelled(other);
    expect(await rejectedCheck(witness, claim)).toMatch(/bus-balance|ood/);
  }, 120_000);

  it('stack: a call whose callee frame is claimed smaller, or whose room below the stack top is misstated', async () => {
    for (const cheat of ['calleeFrame', 'stackRoom'] as const) {
      const run = execute(P, {}, { record: true });
      const witness = generateWitness(vmP, run.record!, 1 << 16);
      run.record!.release();
      const seg = witness.segments[0]!;
      const cpu = seg.traces[vmP.index.cpu!]!;
      let r = 0;
      while (!cpuCell(cpu, r, 'isCall')) r++;
      const c = CpuCols[cheat];
      setCell(cpu, r, c, cpuCell(cpu, r, cheat) + (cheat === 'calleeFrame' ? -1 : 1));
      rederiveLookups(vmP, seg);
      expect(await rejectedCheck(witness, { publicInput: new Uint8Array(0), output: run.output, pubConsumed: 0 })).toMatch(/bus-balance|ood/);
    }
  }, 120_000);

  it('syscall: a private input that goes on after a read declared its end', async () => {
    const prog = compileWasm(assembleWat(`(module
      (import "zkvm" "read" (func $read (param i32 i32) (result i32)))
      (import "zkvm" "commit" (func $commit (param i32 i32)))
      (memory (export "memory") 1)
      (func (export "main") (drop (call $read (i32.const 0) (i32.const 4))) (drop (call $read (i32.const 4) (i32.const 4))) (call $commit (i32.const 0) (i32.const 8))))`), { name: 'eof' });
    const vm = vmMachine(prog);
    const input = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const run = execute(prog, { input }, { record: true });
    const witness = generateWitness(vm, run.record!, 1 << 16);
    run.record!.release();
    const cpu = witness.segments[0]!.traces[vm.index.cpu!]!;
    const reads = [];
    for (let r = 0; r < cpu.height; r++) if (cpuCell(cpu, r, 'isReal') && cpuCell(cpu, r, 'op') === OP.read) reads.push(r);
    expect(reads.length).toBe(2);
    // The cheater declares the end of the input at the first read and re-derives the state after it.
    setCell(cpu, reads[0]!, CpuCols.short, 1);
    for (let r = reads[0]! + 1; r < cpu.height; r++) if (cpuCell(cpu, r, 'isReal')) setCell(cpu, r, CpuCols.inEof, 1);
    const proof = await proveWitness(vm, witness, { publicInput: new Uint8Array(0), output: run.output, pubConsumed: 0 }, { options, segmentCycles: 1 << 16 });
    const e = await verifyRun(prog.digest, {}, proof, { minSecurityBits: 0 }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(VerifyError);
  }, 120_000);

  it('timestamps: a read that claims its previous access was later than itself', async () => {
    const run = execute(P, {}, { record: true });
    const witness = generateWitness(vmP, run.record!, 1 << 16);
    run.record!.release();
    const seg = witness.segments[0]!;
    const cpu = seg.traces[vmP.index.cpu!]!;
    let r = 40;
    while (!cpuCell(cpu, r, 'xRead')) r++;
    // prevTs = ts: the order check needs ts - prevTs - 1 = -1 as d0 + 2^16 d1 with small limbs
    setCell(cpu, r, CpuCols.xTs, cpuCell(cpu, r, 'ts'));
    rederiveLookups(vmP, seg);
    expect(await rejectedCheck(witness, { publicInput: new Uint8Array(0), output: run.output, pubConsumed: 0 })).toMatch(/bus-balance|ood/);
  }, 120_000);
});
