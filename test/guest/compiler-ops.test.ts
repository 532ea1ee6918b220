/**
 * Every supported integer operator, compiled by the guest compiler and run in the VM, gives the same
 * bytes as the same .wasm in Node's WebAssembly engine, on edge-case operands (0, 1, -1, INT_MIN,
 * INT_MAX, shift amounts 0/31/32/63/64/65, ...) and on random ones (fast-check); the operations
 * that trap do so with the same trap. Each operator is tested in three forms: both operands from
 * slots, a constant right operand (the `.i` immediate forms) and a constant left operand.
 * The VM's results are also checked against the ISA table's reference semantics, which the
 * constraints will be tested against later.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleWat } from '../../guest/compiler/wat.ts';
import { ISA, type TrapKind } from '../../vm/isa.ts';
import { concat, differ, le32, le64, PRELUDE } from '../vm/_diff.ts';

type Ty = 'i32' | 'i64';
interface OpSpec {
  /** WASM mnemonic, e.g. 'i32.add'. */
  readonly wasm: string;
  /** ISA mnemonic with the reference semantics. */
  readonly isa: string;
  readonly arity: 1 | 2;
  readonly inT: Ty;
  readonly outT: Ty;
}

const I32_BIN = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr', 'eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
const I64_CMP = new Set(['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u']);
const SPECS: OpSpec[] = [
  ...I32_BIN.map((o): OpSpec => ({ wasm: `i32.${o}`, isa: o, arity: 2, inT: 'i32', outT: 'i32' })),
  ...['clz', 'ctz', 'popcnt', 'eqz', 'extend8_s', 'extend16_s'].map((o): OpSpec => ({ wasm: `i32.${o}`, isa: o, arity: 1, inT: 'i32', outT: 'i32' })),
  ...I32_BIN.map((o): OpSpec => ({ wasm: `i64.${o}`, isa: `${o}64`, arity: 2, inT: 'i64', outT: I64_CMP.has(o) ? 'i32' : 'i64' })),
  ...['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s'].map((o): OpSpec => ({ wasm: `i64.${o}`, isa: `${o}64`, arity: 1, inT: 'i64', outT: 'i64' })),
  { wasm: 'i64.eqz', isa: 'eqz64', arity: 1, inT: 'i64', outT: 'i32' },
  { wasm: 'i64.extend_i32_s', isa: 'extend_s', arity: 1, inT: 'i32', outT: 'i64' },
  { wasm: 'i64.extend_i32_u', isa: 'extend_u', arity: 1, inT: 'i32', outT: 'i64' },
  { wasm: 'i32.wrap_i64', isa: 'wrap', arity: 1, inT: 'i64', outT: 'i32' },
];

const INT_MIN = -0x80000000, INT_MAX = 0x7fffffff;
const I32_EDGE = [0, 1, -1, 2, -2, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, INT_MAX, INT_MIN, INT_MIN + 1, INT_MAX - 1, 0x55555555, 0xaaaaaaaa | 0];
const I64_EDGE = [0n, 1n, -1n, 2n, -2n, 31n, 32n, 33n, 63n, 64n, 65n, 127n, 0xffffffffn, 0x100000000n, -0x100000000n, 0x7fffffffn, -0x80000000n, 1n << 53n, -(1n << 53n), (1n << 63n) - 1n, -(1n << 63n), -(1n << 63n) + 1n, 0x5555555555555555n, 1n << 62n];
// Constants baked into the immediate-form variants (fewer, to keep modules small).
const I32_CONSTS = [0, 1, -1, 5, 31, 32, 33, 64, INT_MIN, INT_MAX, 0xff];
const I64_CONSTS = [0n, 1n, -1n, 5n, 32n, 63n, 64n, 65n, -(1n << 63n), (1n << 63n) - 1n, 0xffffffffn];

const bytes = (t: Ty): number => (t === 'i32' ? 4 : 8);
const lit = (v: number | bigint): string => String(v);

/** A module whose main reads [n, n operand tuples, m, m values] and commits the op's results on
 *  the tuples, then op(x, c) and op(c, x) for every constant c and every value x. */
function moduleFor(s: OpSpec, consts: readonly (number | bigint)[]): string {
  const sz = bytes(s.inT), osz = bytes(s.outT);
  const params = s.arity === 2 ? `(param $x ${s.inT}) (param $y ${s.inT})` : `(param $x ${s.inT})`;
  const body = s.arity === 2 ? `(${s.wasm} (local.get $x) (local.get $y))` : `(${s.wasm} (local.get $x))`;
  const args = s.arity === 2 ? `(${s.inT}.load (local.get $p)) (${s.inT}.load offset=${sz} (local.get $p))` : `(${s.inT}.load (local.get $p))`;
  const constOps: string[] = [];
  if (s.arity === 2) {
    consts.forEach((c, k) => {
      constOps.push(`(${s.outT}.store offset=${2 * k * osz} (local.get $o) (${s.wasm} (local.get $x) (${s.inT}.const ${lit(c)})))`);
      constOps.push(`(${s.outT}.store offset=${(2 * k + 1) * osz} (local.get $o) (${s.wasm} (${s.inT}.const ${lit(c)}) (local.get $x)))`);
    });
  }
  const perX = s.arity === 2 ? 2 * consts.length * osz : 0;
  return `(module ${PRELUDE}
    (func $rr ${params} (result ${s.outT}) ${body})
    (func (export "main") (local $n i32) (local $p i32) (local $o i32) (local $x ${s.inT})
      (drop (call $readAll))
      (local.set $o (i32.const 131072))
      (local.set $n (i32.load (i32.const 0)))
      (local.set $p (i32.const 4))
      (block $d (loop $l (br_if $d (i32.eqz (local.get $n)))
        (${s.outT}.store (local.get $o) (call $rr ${args}))
        (local.set $o (i32.add (local.get $o) (i32.const ${osz})))
        (local.set $p (i32.add (local.get $p) (i32.const ${s.arity * sz})))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
      (local.set $n (i32.load (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (block $d2 (loop $l2 (br_if $d2 (i32.eqz (local.get $n)))
        (local.set $x (${s.inT}.load (local.get $p)))
        ${constOps.join('\n        ')}
        (local.set $o (i32.add (local.get $o) (i32.const ${perX})))
        (local.set $p (i32.add (local.get $p) (i32.const ${sz})))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l2)))
      (call $commit (i32.const 131072) (i32.sub (local.get $o) (i32.const 131072)))))`;
}

type V = number | bigint;
/** The ISA's trap rule for an operand tuple (undefined: no trap). */
function trapOf(s: OpSpec, x: V, y: V): TrapKind | undefined {
  const d = ISA.find((i) => i.mnemonic === s.isa);
  if (!d) return undefined;
  const sem = d.semantics;
  if (sem.kind === 'bin32' && sem.trap) return sem.trap(x as number, y as number);
  if (sem.kind === 'bin64' && sem.trap) return sem.trap(x as bigint, y as bigint);
  return undefined;
}

/** The ISA's reference result as little-endian bytes, or undefined when the op has no reference. */
function reference(s: OpSpec, x: V, y: V): Uint8Array | undefined {
  const d = ISA.find((i) => i.mnemonic === s.isa);
  if (!d) return undefined;
  const sem = d.semantics;
  switch (sem.kind) {
    case 'bin32': return le32([sem.fn(x as number, y as number)]);
    case 'un32': return le32([sem.fn(x as number)]);
    case 'bin64': return le64([sem.fn(x as bigint, y as bigint)]);
    case 'cmp64': return le32([sem.fn(x as bigint, y as bigint)]);
    case 'un64': return le64([sem.fn(x as bigint)]);
    case 'test64': return le32([sem.fn(x as bigint)]);
    case 'widen': return le64([sem.fn(x as number)]);
    default: return undefined;
  }
}

function encodeInput(s: OpSpec, tuples: ReadonlyArray<readonly V[]>, xs: readonly V[]): Uint8Array {
  const enc = (vs: readonly V[]): Uint8Array => (s.inT === 'i32' ? le32(vs as number[]) : le64(vs as bigint[]));
  return concat(le32([tuples.length]), enc(tuples.flat()), le32([xs.length]), enc(xs));
}

const edge = (s: OpSpec): readonly V[] => (s.inT === 'i32' ? I32_EDGE : I64_EDGE);
const i32Arb = fc.oneof(fc.integer({ min: INT_MIN, max: INT_MAX }), fc.constantFrom(...I32_EDGE), fc.integer({ min: -70, max: 70 }));
const i64Arb = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.constantFrom(...I64_EDGE), fc.bigInt({ min: -70n, max: 70n }), fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }));

describe.each(SPECS)('$wasm', (s) => {
  const consts = s.inT === 'i32' ? I32_CONSTS : I64_CONSTS;
  const mayTrap = s.arity === 2 && trapOf(s, s.inT === 'i32' ? 1 : 1n, s.inT === 'i32' ? 0 : 0n) !== undefined;
  // Division-like ops: constants and values that could trap in the constant forms are left out here
  // (the traps have their own test below).
  const safeConsts = mayTrap ? consts.filter((c) => c != 0 && c != -1) : consts;
  const wasm = assembleWat(moduleFor(s, safeConsts));
  const d = differ(wasm);
  const safeXs = (xs: readonly V[]): V[] => (mayTrap ? xs.filter((x) => x != 0 && x != -1) : [...xs]);
  const tuples = (vs: readonly V[]): V[][] => (s.arity === 2 ? vs.flatMap((x) => vs.map((y) => [x, y])) : vs.map((x) => [x]));

  const check = (ts: ReadonlyArray<readonly V[]>, xs: readonly V[]): void => {
    const ok = ts.filter((t) => trapOf(s, t[0]!, t[1] ?? 0) === undefined);
    const input = encodeInput(s, ok, safeXs(xs));
    const { vm, node } = d.both(input);
    expect(node.kind).toBe('ok');
    expect(vm).toEqual(node);
    // The slot-slot results also equal the ISA table's reference semantics.
    if (s.isa !== 'wrap' && vm.kind === 'ok') {
      const out = Buffer.from(vm.output, 'hex');
      const osz = bytes(s.outT);
      ok.forEach((t, k) => {
        const ref = reference(s, t[0]!, t[1] ?? (s.inT === 'i32' ? 0 : 0n));
        expect(Buffer.from(out.subarray(k * osz, (k + 1) * osz)).toString('hex'), `${s.isa}(${t.join(', ')})`).toBe(Buffer.from(ref!).toString('hex'));
      });
    }
  };

  it('matches Node and the ISA reference on every pair of edge-case operands', () => {
    check(tuples(edge(s)), edge(s));
  });

  it('matches Node on random operands', () => {
    const arb: fc.Arbitrary<V> = s.inT === 'i32' ? i32Arb : i64Arb;
    fc.assert(
      fc.property(fc.array(fc.array(arb, { minLength: s.arity, maxLength: s.arity }), { minLength: 1, maxLength: 48 }), fc.array(arb, { maxLength: 6 }), (ts, xs) => {
        check(ts, xs);
      }),
      { numRuns: 4 },
    );
  });

  if (mayTrap) {
    it('traps like Node on a zero divisor and on INT_MIN / -1', () => {
      const min: V = s.inT === 'i32' ? INT_MIN : -(1n << 63n);
      const one: V = s.inT === 'i32' ? 1 : 1n, zero: V = s.inT === 'i32' ? 0 : 0n, m1: V = s.inT === 'i32' ? -1 : -1n;
      const cases: V[][] = [[one, zero], [zero, zero], [min, zero], [min, m1], [m1, m1], [min, one]];
      for (const t of cases) {
        const input = encodeInput(s, [t], []);
        const { vm, node } = d.both(input);
        const expected = trapOf(s, t[0]!, t[1]!);
        expect(vm, `${s.wasm}(${t.join(', ')})`).toEqual(node);
        if (expected) expect(vm).toEqual({ kind: 'trap', trap: expected });
        else expect(vm.kind).toBe('ok');
      }
    });
  }
});
