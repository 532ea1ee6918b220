import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VerifyError } from '../../prover/errors.ts';
import { checkPow, findNonce, grind, powValid } from '../../prover/pow.ts';
import { Transcript } from '../../prover/transcript.ts';

function fresh(seed: number): Transcript {
  const t = new Transcript('pow-test');
  t.observeU32(seed);
  return t;
}

describe('proof-of-work grinding', () => {
  it('finds the smallest nonce meeting the target: the WASM search agrees with the noble reference', async () => {
    for (let s = 0; s < 4; s++) {
      const seed = new Uint8Array(32).map((_, i) => (i * 13 + s * 101) & 0xff);
      const bits = 6 + s;
      const n = await findNonce(seed, bits);
      expect(powValid(seed, n, bits)).toBe(true);
      for (let m = 0; m < n; m++) expect(powValid(seed, m, bits)).toBe(false);
    }
  });

  it('the verifier accepts the found nonce and then draws the same challenges as the prover', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(), fc.integer({ min: 0, max: 10 }), async (s, bits) => {
      const p = fresh(s);
      const nonce = await grind(p, bits);
      const v = fresh(s);
      checkPow(v, bits, nonce);
      expect(v.sampleBase()).toBe(p.sampleBase());
    }), { numRuns: 20 });
  });

  it('rejects other nonces with check "pow"', async () => {
    const nonce = await grind(fresh(1), 12);
    let rejected = 0;
    for (let d = 1; d <= 64; d++) {
      try {
        checkPow(fresh(1), 12, nonce + d);
      } catch (e) {
        expect(e).toBeInstanceOf(VerifyError);
        expect((e as VerifyError).check).toBe('pow');
        rejected++;
      }
    }
    // each wrong nonce passes with probability 2^-12
    expect(rejected).toBeGreaterThanOrEqual(63);
    expect(() => checkPow(fresh(2), 12, nonce)).toThrow(VerifyError); // bound to the transcript (fails w.p. 2^-12)
    expect(() => checkPow(fresh(1), 12, -1)).toThrow(VerifyError);
    expect(() => checkPow(fresh(1), 12, 2 ** 32)).toThrow(VerifyError);
  });

  it('zero bits accepts anything, and bad parameters are refused', async () => {
    expect(await findNonce(new Uint8Array(32), 0)).toBe(0);
    expect(() => checkPow(fresh(3), 0, 12345)).not.toThrow();
    await expect(findNonce(new Uint8Array(32), 31)).rejects.toThrow(RangeError);
  });
});
