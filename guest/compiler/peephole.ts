/**
 * Peephole pass over one compiled function: fuses `cmp t, a, b` + `brz/brnz t, L` into one
 * compare-and-branch (`br_<cmp> a, b, L`) when the temporary `t` is dead after the branch, and
 * `op t, ...` + `mov x, t` into `op x, ...` when `t` is dead after the move.
 *
 * binaryen's flatten gives every branch condition its own local, so the pair is very common in loop
 * tests (about one instruction in eight in the sort example); fusing saves a cpu row, a slot write
 * and a slot read each time. Deadness comes from a backward liveness analysis over the function's
 * slots, with uses and definitions read from the ISA table's operand kinds; a call conservatively
 * uses every slot from its frame offset on (its arguments), `ret` uses the result slots.
 * @module
 */
import { INSTR_WORDS, ISA, OP } from '../../vm/isa.ts';

const CMP = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'] as const;
const NEGATE: Record<string, string> = { eq: 'ne', ne: 'eq', lt_s: 'ge_s', ge_s: 'lt_s', lt_u: 'ge_u', ge_u: 'lt_u', gt_s: 'le_s', le_s: 'gt_s', gt_u: 'le_u', le_u: 'gt_u' };
/** opcode of `cmp` / `cmp.i` -> [comparison, immediate form] */
const CMP_OF = new Map<number, [string, boolean]>();
for (const c of CMP) {
  CMP_OF.set(OP[c]!, [c, false]);
  CMP_OF.set(OP[`${c}.i`]!, [c, true]);
}
const BRZ = OP.brz!, BRNZ = OP.brnz!, JMP = OP.jmp!, BR_TABLE = OP.br_table!, CALL = OP.call!, CALL_IND = OP.call_indirect!;
const RET = OP.ret!, HALT = OP.halt!, TRAP = OP.trap!, PANIC = OP.panic!;

/** Optimizes `code[entry*4 .. end*4)` in place (the array shrinks); returns the new end pc. */
export function fuseCompareBranches(code: number[], entry: number, end: number): number {
  const n = end - entry;
  const at = (i: number, k: number): number => code[(entry + i) * INSTR_WORDS + k]!;
  // Slot bit width: every operand slot the function names, plus room for pairs and triples.
  let nBits = 8;
  for (let i = 0; i < n; i++) {
    const d = ISA[at(i, 0)]!;
    for (let k = 0; k < 3; k++) if (d.operands[k] !== 'none' && d.operands[k] !== 'imm' && d.operands[k] !== 'offset') nBits = Math.max(nBits, at(i, k + 1) + 4);
  }
  const W = (nBits + 31) >>> 5;
  const use = new Uint32Array(n * W), def = new Uint32Array(n * W);
  const set = (arr: Uint32Array, i: number, slot: number): void => {
    if (slot >= 0 && slot < nBits) arr[i * W + (slot >>> 5)]! |= 1 << (slot & 31);
  };
  const succ: number[][] = [];
  const isTarget = new Uint8Array(n + 1);
  const target = (pc: number): number => pc - entry;
  for (let i = 0; i < n; i++) {
    const op = at(i, 0);
    const d = ISA[op]!;
    for (let k = 0; k < 3; k++) {
      const v = at(i, k + 1);
      switch (d.operands[k]) {
        case 'src': set(use, i, v); break;
        case 'src64': set(use, i, v); set(use, i, v + 1); break;
        case 'src3': set(use, i, v); set(use, i, v + 1); set(use, i, v + 2); break;
        case 'dst': set(def, i, v); break;
        case 'dst64': set(def, i, v); set(def, i, v + 1); break;
        default: break;
      }
    }
    if (op === CALL || op === CALL_IND) for (let sl = at(i, 2); sl < nBits; sl++) set(use, i, sl);
    if (op === RET) { set(use, i, 1); set(use, i, 2); }
    let ss: number[];
    if (op === JMP) ss = [target(at(i, 1))];
    else if (op === BRZ || op === BRNZ) ss = [i + 1, target(at(i, 2))];
    else if (op === BR_TABLE) ss = Array.from({ length: at(i, 3) + 1 }, (_, k) => target(at(i, 2)) + k);
    else if (d.mnemonic.startsWith('br_') && d.operands[2] === 'target') ss = [i + 1, target(at(i, 3))];
    else if (op === RET || op === HALT || op === TRAP || op === PANIC) ss = [];
    else ss = [i + 1];
    ss = ss.filter((x) => x >= 0 && x < n);
    succ.push(ss);
    for (const x of ss) if (x !== i + 1) isTarget[x] = 1;
  }
  // Backward liveness to a fixed point.
  const liveIn = new Uint32Array(n * W), liveOut = new Uint32Array(n * W);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      for (let w = 0; w < W; w++) {
        let o = 0;
        for (const x of succ[i]!) o |= liveIn[x * W + w]!;
        liveOut[i * W + w] = o;
        const inn = (use[i * W + w]! | (o & ~def[i * W + w]!)) >>> 0;
        if (inn !== liveIn[i * W + w]) {
          liveIn[i * W + w] = inn;
          changed = true;
        }
      }
    }
  }
  const live = (i: number, slot: number): boolean => (liveOut[i * W + (slot >>> 5)]! & (1 << (slot & 31))) !== 0;

  // Fuse, then compact with a pc map.
  const drop = new Uint8Array(n);
  for (let i = 0; i + 1 < n; i++) {
    const cmp = CMP_OF.get(at(i, 0));
    const br = at(i + 1, 0);
    if (!cmp || (br !== BRZ && br !== BRNZ) || isTarget[i + 1]) continue;
    const t = at(i, 1);
    if (at(i + 1, 1) !== t || live(i + 1, t)) continue;
    const [c, imm] = cmp;
    const name = `br_${br === BRNZ ? c : NEGATE[c]}${imm ? '.i' : ''}`;
    const base = (entry + i + 1) * INSTR_WORDS;
    const label = code[base + 2]!;
    code[base] = OP[name]!;
    code[base + 1] = at(i, 2);
    code[base + 2] = at(i, 3);
    code[base + 3] = label;
    drop[i] = 1;
  }
  // `op t, ...; mov x, t` with t dead after the move: compute straight into x.
  const MOV = OP.mov!, MOV64 = OP.mov64!;
  for (let i = 0; i + 1 < n; i++) {
    if (drop[i] || isTarget[i + 1]) continue;
    const m = at(i + 1, 0);
    if (m !== MOV && m !== MOV64) continue;
    const d = ISA[at(i, 0)]!;
    const kind = d.operands[0];
    if (kind !== (m === MOV ? 'dst' : 'dst64')) continue;
    const t = at(i, 1);
    if (at(i + 1, 2) !== t || live(i + 1, t) || (m === MOV64 && live(i + 1, t + 1))) continue;
    code[(entry + i) * INSTR_WORDS + 1] = at(i + 1, 1);
    drop[i + 1] = 1;
  }
  const map = new Int32Array(n + 1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    map[i] = k;
    if (!drop[i]) k++;
  }
  map[n] = k;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (drop[i]) continue;
    const op = at(i, 0);
    const d = ISA[op]!;
    const w = [op, at(i, 1), at(i, 2), at(i, 3)];
    for (let f = 0; f < 3; f++) if (d.operands[f] === 'target') w[f + 1] = entry + map[w[f + 1]! - entry]!;
    out.push(...w);
  }
  code.length = entry * INSTR_WORDS;
  for (const w of out) code.push(w);
  return entry + k;
}
