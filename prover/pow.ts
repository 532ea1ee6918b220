/**
 * Proof-of-work grinding: before the FRI query positions are drawn, the prover must find a nonce
 * whose hash with the transcript's state has `powBits` zero bits. A cheating prover that retries
 * query positions then pays 2^powBits hashes per retry, which adds powBits to the conjectured
 * security (ethSTARK §3.6; Plonky3 `challenger/src/grinding_challenger.rs`).
 *
 * Definition (prover and verifier):
 *   seed   = transcript.sampleBytes()                       (32 bytes, binds everything so far)
 *   digest = BLAKE3(seed || nonce as u32 little-endian)     (36-byte message)
 *   valid  iff the low `powBits` bits of digest[0..4] read as a u32 little-endian are all zero
 * then the nonce is observed (`observeU32`), so the query positions depend on it.
 *
 * The 36-byte message is exactly a 9-word "row" for the `Hasher` interface, so the prover grinds
 * with the WASM BLAKE3 kernel, thousands of nonces per call; the verifier hashes one message with
 * @noble/hashes. Both are BLAKE3 of the same bytes (the test checks it).
 * @module
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { VerifyError } from './errors.ts';
import { blake3Hasher } from './hash/blake3.ts';
import type { Transcript } from './transcript.ts';

/** Nonces hashed per kernel call while grinding. */
const BATCH = 1 << 13;
const MAX_POW_BITS = 30;

function assertPowBits(powBits: number): void {
  if (!Number.isInteger(powBits) || powBits < 0 || powBits > MAX_POW_BITS) {
    throw new RangeError(`pow: powBits must be an integer in [0, ${MAX_POW_BITS}], got ${powBits}`);
  }
}

function seedWords(seed: Uint8Array): Uint32Array {
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) w[i] = (seed[4 * i]! | (seed[4 * i + 1]! << 8) | (seed[4 * i + 2]! << 16) | (seed[4 * i + 3]! << 24)) >>> 0;
  return w;
}

/** Whether `nonce` meets the target for `seed` (reference path: @noble/hashes). */
export function powValid(seed: Uint8Array, nonce: number, powBits: number): boolean {
  assertPowBits(powBits);
  if (!Number.isInteger(nonce) || nonce < 0 || nonce > 0xffffffff) return false;
  const msg = new Uint8Array(36);
  msg.set(seed, 0);
  new DataView(msg.buffer).setUint32(32, nonce, true);
  const d = blake3(msg);
  const w = (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0;
  return powBits === 0 || w % 2 ** powBits === 0;
}

/** Smallest nonce meeting the target for `seed`, searched with the batched WASM hasher. */
export async function findNonce(seed: Uint8Array, powBits: number): Promise<number> {
  assertPowBits(powBits);
  if (powBits === 0) return 0;
  try {
    return await findNonceWasm(seed, powBits);
  } catch (e) {
    // Without the WASM kernels, grind with @noble/hashes (about 10x slower, still correct).
    if ((e as Error)?.name !== 'WasmUnavailableError') throw e;
    for (let nonce = 0; nonce <= 0xffffffff; nonce++) if (powValid(seed, nonce, powBits)) return nonce;
    throw new Error(`pow: no 32-bit nonce meets ${powBits} bits for this seed`);
  }
}

async function findNonceWasm(seed: Uint8Array, powBits: number): Promise<number> {
  const sw = seedWords(seed);
  const rows = new Uint32Array(9 * BATCH);
  for (let r = 0; r < BATCH; r++) rows.set(sw, 9 * r);
  const mask = 2 ** powBits - 1;
  for (let start = 0; start <= 0xffffffff; start += BATCH) {
    const n = Math.min(BATCH, 0x100000000 - start);
    for (let r = 0; r < n; r++) rows[9 * r + 8] = start + r;
    const digests = await blake3Hasher.hashRows({ values: n === BATCH ? rows : rows.subarray(0, 9 * n), width: 9, height: n });
    for (let r = 0; r < n; r++) {
      const o = 32 * r;
      const w = (digests[o]! | (digests[o + 1]! << 8) | (digests[o + 2]! << 16) | (digests[o + 3]! << 24)) >>> 0;
      if ((w & mask) === 0) return start + r;
    }
  }
  throw new Error(`pow: no 32-bit nonce meets ${powBits} bits for this seed`);
}

/** Prover side: draws the seed, finds a nonce, observes it, and returns it for the proof. */
export async function grind(t: Transcript, powBits: number): Promise<number> {
  assertPowBits(powBits);
  const nonce = await findNonce(t.sampleBytes(), powBits);
  t.observeU32(nonce);
  return nonce;
}

/** Verifier side: draws the same seed, checks `nonce`, observes it. Throws VerifyError('pow'). */
export function checkPow(t: Transcript, powBits: number, nonce: number): void {
  assertPowBits(powBits);
  const seed = t.sampleBytes();
  if (!powValid(seed, nonce, powBits)) {
    throw new VerifyError('pow', `nonce ${nonce} does not give ${powBits} zero bits`, { powBits });
  }
  t.observeU32(nonce);
}
