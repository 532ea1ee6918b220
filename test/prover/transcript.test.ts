import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blake3 } from '@noble/hashes/blake3.js';
import { P } from '../../prover/field/babybear.ts';
import { Transcript } from '../../prover/transcript.ts';

type Obs =
  | { k: 'bytes'; v: Uint8Array }
  | { k: 'u32'; v: number }
  | { k: 'base'; v: number }
  | { k: 'ext'; v: Uint32Array }
  | { k: 'digest'; v: Uint8Array }
  | { k: 'bases'; v: Uint32Array };

const arbObs: fc.Arbitrary<Obs> = fc.oneof(
  fc.uint8Array({ maxLength: 12 }).map((v) => ({ k: 'bytes' as const, v })),
  fc.nat({ max: 0xffffffff }).map((v) => ({ k: 'u32' as const, v })),
  fc.nat({ max: P - 1 }).map((v) => ({ k: 'base' as const, v })),
  fc.array(fc.nat({ max: P - 1 }), { minLength: 4, maxLength: 4 }).map((a) => ({ k: 'ext' as const, v: Uint32Array.from(a) })),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((v) => ({ k: 'digest' as const, v })),
  fc.array(fc.nat({ max: P - 1 }), { maxLength: 5 }).map((a) => ({ k: 'bases' as const, v: Uint32Array.from(a) })),
);

function apply(t: Transcript, o: Obs): void {
  switch (o.k) {
    case 'bytes': return t.observeBytes(o.v);
    case 'u32': return t.observeU32(o.v);
    case 'base': return t.observeBase(o.v);
    case 'ext': return t.observeExt(o.v);
    case 'digest': return t.observeDigest(o.v);
    case 'bases': return t.observeBases(o.v);
  }
}

/** Runs observations, drawing a challenge after each, and returns every challenge as hex. */
function run(label: string, obs: readonly Obs[]): string[] {
  const t = new Transcript(label);
  const out: string[] = [];
  for (const o of obs) {
    apply(t, o);
    out.push(Buffer.from(t.sampleExt().buffer).toString('hex'));
  }
  return out;
}

/** A different value of the same kind. */
function mutate(o: Obs): Obs {
  switch (o.k) {
    case 'bytes': return { k: 'bytes', v: o.v.length ? o.v.map((b, i) => (i === 0 ? b ^ 1 : b)) : Uint8Array.of(0) };
    case 'u32': return { k: 'u32', v: (o.v ^ 1) >>> 0 };
    case 'base': return { k: 'base', v: (o.v + 1) % P };
    case 'ext': return { k: 'ext', v: o.v.map((c, i) => (i === 3 ? (c + 1) % P : c)) };
    case 'digest': return { k: 'digest', v: o.v.map((b, i) => (i === 31 ? b ^ 0x80 : b)) };
    case 'bases': return { k: 'bases', v: o.v.length ? o.v.map((c, i) => (i === 0 ? (c + 1) % P : c)) : Uint32Array.of(0) };
  }
}

describe('Transcript', () => {
  it('is deterministic: the same label and observations give the same challenges', () => {
    fc.assert(fc.property(fc.array(arbObs, { maxLength: 6 }), (obs) => {
      expect(run('L', obs)).toEqual(run('L', obs));
    }));
  });

  it('changing any observed value changes that challenge and every later one', () => {
    fc.assert(fc.property(fc.array(arbObs, { minLength: 1, maxLength: 6 }), fc.nat(), (obs, pick) => {
      const i = pick % obs.length;
      const changed = obs.slice();
      changed[i] = mutate(obs[i]!);
      const a = run('L', obs);
      const b = run('L', changed);
      for (let j = 0; j < i; j++) expect(b[j]).toBe(a[j]);
      for (let j = i; j < obs.length; j++) expect(b[j]).not.toBe(a[j]);
    }));
  });

  it('separates domains by label', () => {
    expect(run('a', [{ k: 'u32', v: 1 }])).not.toEqual(run('b', [{ k: 'u32', v: 1 }]));
  });

  it('does not confuse kinds or boundaries that carry the same bytes', () => {
    const c = (f: (t: Transcript) => void) => {
      const t = new Transcript('x');
      f(t);
      return Buffer.from(t.sampleBytes()).toString('hex');
    };
    const seen = new Set([
      c((t) => t.observeU32(5)),
      c((t) => t.observeBase(5)),
      c((t) => t.observeBases([5])),
      c((t) => t.observeBytes(Uint8Array.of(5, 0, 0, 0))),
      c((t) => { t.observeBytes(Uint8Array.of(1)); t.observeBytes(Uint8Array.of(2)); }),
      c((t) => t.observeBytes(Uint8Array.of(1, 2))),
      c((t) => { t.observeBases([1]); t.observeBases([2]); }),
      c((t) => t.observeBases([1, 2])),
      c(() => undefined),
    ]);
    expect(seen.size).toBe(9);
  });

  it('every sample moves the state: successive challenges differ, and a clone follows the same path', () => {
    const t = new Transcript('x');
    t.observeU32(7);
    const u = t.clone();
    const a = [t.sampleBase(), t.sampleBase(), t.sampleBase()];
    expect(new Set(a).size).toBe(3);
    expect([u.sampleBase(), u.sampleBase(), u.sampleBase()]).toEqual(a);
  });

  it('reduces 64 bits mod p exactly (against BigInt on the same squeeze)', () => {
    for (let s = 0; s < 50; s++) {
      const t = new Transcript('reduce');
      t.observeU32(s);
      const u = t.clone();
      const bytes = u.sampleBytes();
      const e = t.sampleExt();
      for (let i = 0; i < 4; i++) {
        let v = 0n;
        for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(bytes[8 * i + j]!);
        expect(e[i]).toBe(Number(v % BigInt(P)));
      }
    }
  });

  it('samples canonical values, indices in range, roughly uniformly', () => {
    const t = new Transcript('dist');
    const counts = new Array(16).fill(0);
    for (const i of t.sampleIndices(1600, 4)) counts[i]++;
    for (const c of counts) expect(c).toBeGreaterThan(50);
    for (let k = 0; k < 100; k++) {
      const b = t.sampleBase();
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(P);
      expect(t.sampleBits(3)).toBeLessThan(8);
    }
    expect(t.sampleIndices(0, 5)).toEqual([]);
  });

  it('its first squeeze is BLAKE3 as documented (known answer from the construction)', () => {
    const t = new Transcript('ab');
    t.observeU32(1);
    const init = blake3(Uint8Array.of(0x01, 2, 0, 0, 0, 0x61, 0x62));
    const msg = new Uint8Array([...init, 0x03, 4, 0, 0, 0, 1, 0, 0, 0, 0x09, 0, 0, 0, 0]);
    expect(t.sampleBytes()).toEqual(blake3(msg, { dkLen: 64 }).slice(32));
  });

  it('refuses non-canonical field elements and bad sizes', () => {
    const t = new Transcript('x');
    expect(() => t.observeBase(P)).toThrow(RangeError);
    expect(() => t.observeExt(Uint32Array.of(0, 0, P, 0))).toThrow(RangeError);
    expect(() => t.observeDigest(new Uint8Array(31))).toThrow(RangeError);
    expect(() => t.observeU32(-1)).toThrow(RangeError);
    expect(() => t.sampleBits(33)).toThrow(RangeError);
    expect(() => new Transcript('')).toThrow(TypeError);
  });
});
