/**
 * Poseidon2 over BabyBear: the TypeScript reference permutation, sponge and compression.
 *
 * This is the plain, obviously-correct version that the verifier runs and that the WASM kernel
 * (`prover/wasm/assembly/poseidon2.ts`) is tested against. It follows the HorizenLabs reference
 * instance (Grassi, Khovratovich, Schofnegger, "Poseidon2", ePrint 2023/323, section 5):
 * an initial external linear layer, R_F / 2 full rounds, R_P partial rounds, R_F / 2 full rounds.
 * - external layer: the 4x4 matrix M4 = [[5,7,1,3],[4,6,1,1],[1,3,5,7],[1,1,4,6]] on each group of
 *   four, then circ(2 M4, M4, ..., M4), i.e. each element also gets the sum of its column position
 *   over all groups;
 * - internal layer: M_I = 1 + diag(d): x_i <- d_i x_i + sum(x);
 * - S-box x^7 (the smallest alpha with gcd(alpha, p - 1) = 1).
 *
 * Hashing modes, as Plonky3's MMCS uses them with width 16:
 * - leaf: a padding-free sponge, rate 8, capacity 8, overwrite mode (absorb 8 elements by
 *   overwriting state[0..8), permute; a short last chunk overwrites only its positions), digest
 *   state[0..8). The tree shape fixes every leaf's length, so no length padding is needed.
 * - node: truncated permutation: state = left || right (8 + 8 elements), permute, digest state[0..8).
 * @module
 */
import { P, add, mul } from '../field/babybear.ts';
import { type Poseidon2Params, poseidon2Params16 } from './poseidon2-params.ts';

/** Digest length in field elements (8 x 31 bits, about 124 bits of collision resistance). */
export const POSEIDON2_DIGEST_ELEMS = 8;
/** Sponge rate in field elements. */
export const POSEIDON2_RATE = 8;

function sbox(x: number): number {
  const x2 = mul(x, x);
  const x3 = mul(x2, x);
  const x6 = mul(x3, x3);
  return mul(x6, x);
}

/** M4 on state[o..o+4), written as the HorizenLabs addition chain. */
function m4(s: Uint32Array, o: number): void {
  const a = s[o]!, b = s[o + 1]!, c = s[o + 2]!, d = s[o + 3]!;
  const t0 = add(a, b);
  const t1 = add(c, d);
  const t2 = add(add(b, b), t1);
  const t3 = add(add(d, d), t0);
  const t4 = add(add(add(t1, t1), add(t1, t1)), t3);
  const t5 = add(add(add(t0, t0), add(t0, t0)), t2);
  s[o] = add(t3, t5);
  s[o + 1] = t5;
  s[o + 2] = add(t2, t4);
  s[o + 3] = t4;
}

export function externalLayer(s: Uint32Array): void {
  const t = s.length;
  for (let o = 0; o < t; o += 4) m4(s, o);
  for (let l = 0; l < 4; l++) {
    let sum = 0;
    for (let o = l; o < t; o += 4) sum = add(sum, s[o]!);
    for (let o = l; o < t; o += 4) s[o] = add(s[o]!, sum);
  }
}

export function internalLayer(s: Uint32Array, diagM1: Uint32Array): void {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum = add(sum, s[i]!);
  for (let i = 0; i < s.length; i++) s[i] = add(mul(s[i]!, diagM1[i]!), sum);
}

/** Applies the permutation in place. `state` holds `params.width` canonical elements. */
export function poseidon2Permute(state: Uint32Array, params: Poseidon2Params = poseidon2Params16()): void {
  if (state.length !== params.width) throw new RangeError(`poseidon2: state has ${state.length} elements, expected ${params.width}`);
  const t = params.width;
  externalLayer(state);
  const full = (rc: Uint32Array) => {
    for (let i = 0; i < t; i++) state[i] = sbox(add(state[i]!, rc[i]!));
    externalLayer(state);
  };
  for (const rc of params.externalInitial) full(rc);
  for (let r = 0; r < params.roundsP; r++) {
    state[0] = sbox(add(state[0]!, params.internal[r]!));
    internalLayer(state, params.internalDiagM1);
  }
  for (const rc of params.externalFinal) full(rc);
}

function assertCanonical(values: Uint32Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i]! >= P) throw new RangeError(`poseidon2: ${what}[${i}] = ${values[i]} is not a canonical BabyBear element`);
  }
}

/** Sponge hash of canonical field elements to 8 elements (see the module doc). */
export function poseidon2HashElements(values: Uint32Array): Uint32Array {
  assertCanonical(values, 'values');
  const state = new Uint32Array(16);
  const n = values.length;
  for (let off = 0; off < n; off += POSEIDON2_RATE) {
    const end = Math.min(off + POSEIDON2_RATE, n);
    for (let i = off; i < end; i++) state[i - off] = values[i]!;
    poseidon2Permute(state);
  }
  return state.slice(0, POSEIDON2_DIGEST_ELEMS);
}

/** Two-to-one compression of 8 + 8 elements to 8 (truncated permutation). */
export function poseidon2CompressElements(left: Uint32Array, right: Uint32Array): Uint32Array {
  if (left.length !== 8 || right.length !== 8) throw new RangeError('poseidon2: compress takes two digests of 8 elements');
  assertCanonical(left, 'left');
  assertCanonical(right, 'right');
  const state = new Uint32Array(16);
  state.set(left, 0);
  state.set(right, 8);
  poseidon2Permute(state);
  return state.slice(0, 8);
}
