/**
 * A table's constraint DAG compiled to a flat op list, run over blocks of rows on typed arrays.
 *
 * Why this shape: interpreting a tree per row costs a dispatch and allocations per node per row.
 * Here each node owns a register of B lanes (one lane per row of the block; ext4 nodes own four
 * registers, one per coordinate), the op list is dispatched once per block, and each op is a tight
 * loop over the lanes. Constants, public values and challenges are filled once per block. No
 * allocation happens per row. (Plonky3's `symbolic/flatten.rs` and its packed-field evaluation
 * are the model.)
 *
 * The same program serves the prover (rows of the LDE on the quotient domain, `nextStride` = the
 * blowup of that domain over the trace), the debug checker and the aux-trace generation (rows of
 * the trace itself, `nextStride` = 1). Rows wrap: the next row of the last is row 0.
 * @module
 */
import { P as P_ } from '../field/babybear.ts';
import { mulFast, addMod, subMod, negMod } from './_mul.ts';
import { W as W_ } from '../field/ext4.ts';
import { type Dag, Op, LEAF_OPS_END } from './expr.ts';

// Imported bindings are read through getters under some loaders (tsx); hot loops use local copies.
const P = P_;
const W = W_;
const mul = mulFast;
const addm = addMod;
const subm = subMod;
const negm = negMod;

/** Inputs to one run of a program over some rows. Matrices are row-major. */
export interface EvalInputs {
  readonly main: Uint32Array;
  readonly mainWidth: number;
  readonly pre?: Uint32Array;
  readonly preWidth?: number;
  /** Aux trace as base columns: ext column c is base columns 4c..4c+3. */
  readonly aux?: Uint32Array;
  readonly auxWidth?: number;
  /** Number of rows in the domain (rows wrap modulo it). */
  readonly height: number;
  /** Row distance of "next": 1 on the trace, 2^k on a domain 2^k times larger. */
  readonly nextStride: number;
  /** Selector values per row of the domain. */
  readonly isFirstRow: Uint32Array;
  readonly isLastRow: Uint32Array;
  readonly isTransition: Uint32Array;
  readonly publics: Uint32Array;
  /** Flat ext4 challenges: slot j at [4j, 4j + 4). */
  readonly challenges: Uint32Array;
  /** ext4. */
  readonly busSum: Uint32Array;
}

const enum K {
  Fill = 0, // d <- const a (base)
  FillPub = 1, // d <- publics[a]
  FillChal = 2, // d(ext) <- challenges[a]
  FillBusSum = 3, // d(ext) <- busSum
  LoadMain = 4, // d <- main[row + b*stride][a]
  LoadPre = 5,
  LoadAux = 6, // d(ext) <- aux[row + b*stride][4a..4a+4]
  SelFirst = 7,
  SelLast = 8,
  SelTrans = 9,
  AddBB = 10,
  SubBB = 11,
  MulBB = 12,
  NegB = 13,
  AddEB = 14, // d(ext) = a(ext) + b(base)
  AddEE = 15,
  SubEB = 16,
  SubBE = 17,
  SubEE = 18,
  MulEB = 19,
  MulEE = 20,
  NegE = 21,
}

export interface Program {
  /** [kind, dst, a, b] quadruples; dst, a, b are register numbers for op kinds (leaf kinds: see K). */
  readonly code: Int32Array;
  /** Number of base registers (an ext4 node uses 4 consecutive ones). */
  readonly registers: number;
  /** Register of each root; ext4 roots occupy reg..reg+3. */
  readonly rootReg: Int32Array;
  readonly rootIsExt: Uint8Array;
}

/** Compiles the sub-DAG that `roots` depend on. */
export function compile(dag: Dag, roots: readonly number[]): Program {
  const needed = dag.reachable(roots);
  const reg = new Int32Array(dag.size).fill(-1);
  const code: number[] = [];
  // Registers are reused once their node's last reader has run (roots are kept to the end): the
  // register file of a wide table then stays small enough for the cache (the VM's CPU table: ~2100
  // registers without reuse). A destination never aliases one of its own operands.
  const lastUse = new Int32Array(dag.size).fill(-1);
  for (let id = 0; id < dag.size; id++) {
    if (!needed[id] || isLeaf(dag.op[id]!)) continue;
    lastUse[dag.a[id]!] = id;
    if (dag.op[id] !== Op.Neg) lastUse[dag.b[id]!] = id;
  }
  for (const r of roots) lastUse[r] = dag.size;
  const free1: number[] = [];
  const free4: number[] = [];
  const release = (x: number, at: number): void => {
    if (lastUse[x] !== at) return;
    lastUse[x] = -2; // released once even when both operands are x
    (dag.isExt[x] ? free4 : free1).push(reg[x]!);
  };
  let next = 0;
  for (let id = 0; id < dag.size; id++) {
    if (!needed[id]) continue;
    const ext = dag.isExt[id]!;
    const pooled = ext ? free4.pop() : free1.pop();
    const d = pooled ?? next;
    if (pooled === undefined) next += ext ? 4 : 1;
    reg[id] = d;
    const op = dag.op[id]!;
    const a = dag.a[id]!;
    const b = dag.b[id]!;
    if (!isLeaf(op)) {
      release(a, id);
      if (op !== Op.Neg) release(b, id);
    }
    switch (op) {
      case Op.Const: code.push(K.Fill, d, a, 0); break;
      case Op.Public: code.push(K.FillPub, d, a, 0); break;
      case Op.Challenge: code.push(K.FillChal, d, a, 0); break;
      case Op.BusSum: code.push(K.FillBusSum, d, 0, 0); break;
      case Op.Main: code.push(K.LoadMain, d, a, b); break;
      case Op.Pre: code.push(K.LoadPre, d, a, b); break;
      case Op.Aux: code.push(K.LoadAux, d, a, b); break;
      case Op.IsFirstRow: code.push(K.SelFirst, d, 0, 0); break;
      case Op.IsLastRow: code.push(K.SelLast, d, 0, 0); break;
      case Op.IsTransition: code.push(K.SelTrans, d, 0, 0); break;
      case Op.Neg: code.push(ext ? K.NegE : K.NegB, d, reg[a]!, 0); break;
      default: {
        const ea = dag.isExt[a]!;
        const eb = dag.isExt[b]!;
        const ra = reg[a]!;
        const rb = reg[b]!;
        if (op === Op.Add) {
          if (!ea && !eb) code.push(K.AddBB, d, ra, rb);
          else if (ea && eb) code.push(K.AddEE, d, ra, rb);
          else code.push(K.AddEB, d, ea ? ra : rb, ea ? rb : ra);
        } else if (op === Op.Sub) {
          if (!ea && !eb) code.push(K.SubBB, d, ra, rb);
          else if (ea && eb) code.push(K.SubEE, d, ra, rb);
          else code.push(ea ? K.SubEB : K.SubBE, d, ra, rb);
        } else {
          if (!ea && !eb) code.push(K.MulBB, d, ra, rb);
          else if (ea && eb) code.push(K.MulEE, d, ra, rb);
          else code.push(K.MulEB, d, ea ? ra : rb, ea ? rb : ra);
        }
      }
    }
  }
  return {
    code: Int32Array.from(code),
    registers: next,
    rootReg: Int32Array.from(roots, (r) => reg[r]!),
    rootIsExt: Uint8Array.from(roots, (r) => (dag.isExt[r] ? 1 : 0)),
  };
}

function isLeaf(op: Op): boolean {
  return op < LEAF_OPS_END;
}

/** A register file for blocks of `lanes` rows. */
export function registerFile(p: Program, lanes: number): Uint32Array {
  return new Uint32Array(Math.max(p.registers, 1) * lanes);
}

/**
 * Runs the program on rows [start, start + len) of the inputs (len <= lanes of `regs`). Afterwards
 * root r's value on row start + i is `regs[rootReg[r] * lanes + i]` (coordinate c of an ext4 root
 * at `(rootReg[r] + c) * lanes + i`).
 */
export function run(p: Program, inp: EvalInputs, start: number, len: number, regs: Uint32Array, lanes: number): void {
  const code = p.code;
  const n = inp.height;
  const mask = n - 1; // heights are powers of two
  const stride = inp.nextStride;
  for (let pc = 0; pc < code.length; pc += 4) {
    const kind = code[pc]!;
    const d = code[pc + 1]! * lanes;
    const A = code[pc + 2]!;
    const B = code[pc + 3]!;
    switch (kind) {
      case K.Fill:
        regs.fill(A, d, d + len);
        break;
      case K.FillPub:
        regs.fill(inp.publics[A]!, d, d + len);
        break;
      case K.FillChal:
        for (let c = 0; c < 4; c++) regs.fill(inp.challenges[4 * A + c]!, d + c * lanes, d + c * lanes + len);
        break;
      case K.FillBusSum:
        for (let c = 0; c < 4; c++) regs.fill(inp.busSum[c]!, d + c * lanes, d + c * lanes + len);
        break;
      case K.LoadMain: {
        const m = inp.main;
        const w = inp.mainWidth;
        const off = B * stride;
        for (let i = 0; i < len; i++) regs[d + i] = m[((start + i + off) & mask) * w + A]!;
        break;
      }
      case K.LoadPre: {
        const m = inp.pre!;
        const w = inp.preWidth!;
        const off = B * stride;
        for (let i = 0; i < len; i++) regs[d + i] = m[((start + i + off) & mask) * w + A]!;
        break;
      }
      case K.LoadAux: {
        const m = inp.aux!;
        const w = inp.auxWidth!;
        const off = B * stride;
        for (let c = 0; c < 4; c++) {
          const dc = d + c * lanes;
          const col = 4 * A + c;
          for (let i = 0; i < len; i++) regs[dc + i] = m[((start + i + off) & mask) * w + col]!;
        }
        break;
      }
      case K.SelFirst:
        regs.set(inp.isFirstRow.subarray(start, start + len), d);
        break;
      case K.SelLast:
        regs.set(inp.isLastRow.subarray(start, start + len), d);
        break;
      case K.SelTrans:
        regs.set(inp.isTransition.subarray(start, start + len), d);
        break;
      case K.AddBB: {
        const a = A * lanes, b = B * lanes;
        for (let i = 0; i < len; i++) {
          regs[d + i] = addm(regs[a + i]!, regs[b + i]!);
        }
        break;
      }
      case K.SubBB: {
        const a = A * lanes, b = B * lanes;
        for (let i = 0; i < len; i++) {
          regs[d + i] = subm(regs[a + i]!, regs[b + i]!);
        }
        break;
      }
      case K.MulBB: {
        const a = A * lanes, b = B * lanes;
        for (let i = 0; i < len; i++) regs[d + i] = mul(regs[a + i]!, regs[b + i]!);
        break;
      }
      case K.NegB: {
        const a = A * lanes;
        for (let i = 0; i < len; i++) {
          regs[d + i] = negm(regs[a + i]!);
        }
        break;
      }
      case K.AddEB: {
        const a = A * lanes, b = B * lanes;
        for (let i = 0; i < len; i++) {
          regs[d + i] = addm(regs[a + i]!, regs[b + i]!);
        }
        regs.copyWithin(d + lanes, a + lanes, a + lanes + len);
        regs.copyWithin(d + 2 * lanes, a + 2 * lanes, a + 2 * lanes + len);
        regs.copyWithin(d + 3 * lanes, a + 3 * lanes, a + 3 * lanes + len);
        break;
      }
      case K.AddEE: {
        const a = A * lanes, b = B * lanes;
        for (let j = 0; j < 4 * lanes; j += lanes) {
          for (let i = 0; i < len; i++) {
            regs[d + j + i] = addm(regs[a + j + i]!, regs[b + j + i]!);
          }
        }
        break;
      }
      case K.SubEB: {
        const a = A * lanes, b = B * lanes;
        for (let i = 0; i < len; i++) {
          regs[d + i] = subm(regs[a + i]!, regs[b + i]!);
        }
        regs.copyWithin(d + lanes, a + lanes, a + lanes + len);
        regs.copyWithin(d + 2 * lanes, a + 2 * lanes, a + 2 * lanes + len);
        regs.copyWithin(d + 3 * lanes, a + 3 * lanes, a + 3 * lanes + len);
        break;
      }
      case K.SubBE: {
        const a = A * lanes, b = B * lanes;
        for (let i = 0; i < len; i++) {
          regs[d + i] = subm(regs[a + i]!, regs[b + i]!);
        }
        for (let j = lanes; j < 4 * lanes; j += lanes) {
          for (let i = 0; i < len; i++) {
            regs[d + j + i] = negm(regs[b + j + i]!);
          }
        }
        break;
      }
      case K.SubEE: {
        const a = A * lanes, b = B * lanes;
        for (let j = 0; j < 4 * lanes; j += lanes) {
          for (let i = 0; i < len; i++) {
            regs[d + j + i] = subm(regs[a + j + i]!, regs[b + j + i]!);
          }
        }
        break;
      }
      case K.MulEB: {
        const a = A * lanes, b = B * lanes;
        for (let j = 0; j < 4 * lanes; j += lanes) {
          for (let i = 0; i < len; i++) regs[d + j + i] = mul(regs[a + j + i]!, regs[b + i]!);
        }
        break;
      }
      case K.MulEE: {
        const a = A * lanes, b = B * lanes;
        const L = lanes;
        for (let i = 0; i < len; i++) {
          const a0 = regs[a + i]!, a1 = regs[a + L + i]!, a2 = regs[a + 2 * L + i]!, a3 = regs[a + 3 * L + i]!;
          const b0 = regs[b + i]!, b1 = regs[b + L + i]!, b2 = regs[b + 2 * L + i]!, b3 = regs[b + 3 * L + i]!;
          // Branchless int32 sums (`_mul.ts`): a floating-point % or a mispredicted branch costs more.
          const c0 = addm(mul(a0, b0), mul(W, addm(addm(mul(a1, b3), mul(a2, b2)), mul(a3, b1))));
          const c1 = addm(addm(mul(a0, b1), mul(a1, b0)), mul(W, addm(mul(a2, b3), mul(a3, b2))));
          const c2 = addm(addm(mul(a0, b2), mul(a1, b1)), addm(mul(a2, b0), mul(W, mul(a3, b3))));
          const c3 = addm(addm(mul(a0, b3), mul(a1, b2)), addm(mul(a2, b1), mul(a3, b0)));
          regs[d + i] = c0;
          regs[d + L + i] = c1;
          regs[d + 2 * L + i] = c2;
          regs[d + 3 * L + i] = c3;
        }
        break;
      }
      case K.NegE: {
        const a = A * lanes;
        for (let j = 0; j < 4 * lanes; j += lanes) {
          for (let i = 0; i < len; i++) {
            regs[d + j + i] = negm(regs[a + j + i]!);
          }
        }
        break;
      }
      default:
        throw new Error(`program: unknown op kind ${kind}`);
    }
  }
}
