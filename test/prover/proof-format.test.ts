import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { fibTable, fibTrace } from '../../bench/fib-air.ts';
import { rangeMachine, rangeWitness } from '../fixtures/range-machine.ts';
import { defineMachine } from '../../prover/stark/machine.ts';
import { prove } from '../../prover/stark/prove.ts';
import { verify } from '../../prover/stark/verify.ts';
import { encodeProof, decodeProof, MAGIC } from '../../prover/proof-format.ts';
import { ProofOptions } from '../../prover/options.ts';
import { ProofFormatError, VerifyError } from '../../prover/errors.ts';

const fibMachine = defineMachine('fib', [fibTable]);

/** Decoding never crashes: it returns a proof or throws ProofFormatError. */
function decodeOutcome(b: Uint8Array): 'ok' | 'format' {
  try {
    decodeProof(b);
    return 'ok';
  } catch (e) {
    if (e instanceof ProofFormatError) return 'format';
    throw e;
  }
}

describe('proof format', () => {
  let bytes: Uint8Array;
  let busBytes: Uint8Array;
  beforeAll(async () => {
    const { trace, publics } = fibTrace(6);
    bytes = encodeProof(await prove(fibMachine, { traces: [trace], publics: [publics] }, { options: ProofOptions.testing() }));
    busBytes = encodeProof(await prove(rangeMachine, rangeWitness(4), { options: ProofOptions.testing() }));
  });

  it('round-trips: decode(encode(p)) re-encodes to the same bytes and verifies', () => {
    expect(Array.from(bytes.subarray(0, 4))).toEqual(Array.from(MAGIC));
    expect(encodeProof(decodeProof(bytes))).toEqual(bytes);
    expect(encodeProof(decodeProof(busBytes))).toEqual(busBytes);
    expect(() => verify(fibMachine, decodeProof(bytes), { minSecurityBits: 0 })).not.toThrow();
  });

  it('refuses a foreign file, another version, an empty file', () => {
    expect(() => decodeProof(new TextEncoder().encode('%PDF-1.7 not a proof at all'))).toThrow(/magic/);
    const v2 = bytes.slice();
    v2[4] = 2;
    expect(() => decodeProof(v2)).toThrow(/version 2/);
    expect(() => decodeProof(new Uint8Array(0))).toThrow(ProofFormatError);
  });

  it('refuses every truncation with ProofFormatError', () => {
    for (let len = 0; len < bytes.length; len += Math.max(1, Math.floor(bytes.length / 300))) {
      expect(decodeOutcome(bytes.subarray(0, len)), `length ${len}`).toBe('format');
    }
    expect(decodeOutcome(bytes.subarray(0, bytes.length - 1))).toBe('format');
  });

  it('refuses trailing bytes', () => {
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(decodeOutcome(longer)).toBe('format');
  });

  it('refuses any bit flip (never crashes), reporting an offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) => {
        const b = bytes.slice();
        b[bit >> 3]! ^= 1 << (bit & 7);
        try {
          decodeProof(b);
          return false;
        } catch (e) {
          return e instanceof ProofFormatError && typeof e.offset === 'number';
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a field element >= p', () => {
    const p = decodeProof(bytes);
    const body = encodeProof(p);
    // The first public value sits after magic(4) version(2) hasher(1) options(5) count(1) name(1+3) logHeight(1) count(2).
    const at = 4 + 2 + 1 + 5 + 1 + 1 + 3 + 1 + 2;
    const b = body.slice();
    new DataView(b.buffer).setUint32(at, 0x78000001, true);
    expect(() => decodeProof(b)).toThrow(/not a field element/);
  });

  it('a decoded proof with damaged contents but valid encoding is refused by the verifier', () => {
    const p = decodeProof(bytes);
    p.pcs.inputOpenings[0]!.siblings[1]![5]! ^= 0xff;
    expect(() => verify(fibMachine, decodeProof(encodeProof(p)), { minSecurityBits: 0 })).toThrow(VerifyError);
  });
});

describe('the committed v1 fixture', () => {
  it('test/fixtures/proof-v1.bin (Fibonacci, 2^6 rows, testing options) still decodes and verifies', async () => {
    const { readFileSync } = await import('node:fs');
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/proof-v1.bin', import.meta.url)));
    const { publics } = fibTrace(6);
    expect(() => verify(fibMachine, decodeProof(bytes), { minSecurityBits: 0, publics: [publics] })).not.toThrow();
  });
});

describe('hasher choice', () => {
  it('a Poseidon2 proof names its hasher in the file and verifies after a round trip', async () => {
    const { poseidon2Hasher } = await import('../../prover/hash/index.ts');
    const { trace, publics } = fibTrace(4);
    const p = await prove(fibMachine, { traces: [trace], publics: [publics] }, { options: ProofOptions.testing(), hasher: poseidon2Hasher });
    const back = decodeProof(encodeProof(p));
    expect(back.hasher).toBe('poseidon2');
    expect(() => verify(fibMachine, back, { minSecurityBits: 0 })).not.toThrow();
    expect(() => verify(fibMachine, { ...back, hasher: 'blake3' }, { minSecurityBits: 0 })).toThrow(VerifyError);
  });
});
