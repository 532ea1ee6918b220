import { describe, it, expect, beforeAll } from 'vitest';
import { fibTable, fibTrace } from '../../bench/fib-air.ts';
import { rangeMachine, rangeWitness } from '../fixtures/range-machine.ts';
import { defineMachine } from '../../prover/stark/machine.ts';
import { prove, setup, type ProvingKey } from '../../prover/stark/prove.ts';
import { verify } from '../../prover/stark/verify.ts';
import { encodeProof, decodeProof } from '../../prover/proof-format.ts';
import { ProofOptions, proofOptions } from '../../prover/options.ts';
import { ConstraintError, VerifyError } from '../../prover/errors.ts';
import { checkBuses } from '../../prover/air/debug.ts';
import type { StarkProof } from '../../prover/stark/proof.ts';
import { checkOf } from './_verify-check.ts';

const fibMachine = defineMachine('fib', [fibTable]);
/** Testing-size options with enough grinding that a changed nonce fails the PoW check. */
const OPTS = proofOptions({ logBlowup: 2, numQueries: 6, foldingArity: 4, logFinalPolyLen: 2, powBits: 10 });
const LOOSE = { minSecurityBits: 0 };


describe('Fibonacci AIR', () => {
  it('proves and verifies 2^16 rows at standard options', async () => {
    const { trace, publics } = fibTrace(16);
    const proof = await prove(fibMachine, { traces: [trace], publics: [publics] }, { options: ProofOptions.standard() });
    expect(() => verify(fibMachine, proof, { publics: [publics] })).not.toThrow();
    expect(encodeProof(proof).length).toBeLessThan(150_000);
  });

  it('refuses a trace that breaks one constraint in one row: ConstraintError in debug mode, no accepted proof without', async () => {
    const { trace, publics } = fibTrace(6);
    trace.values[2 * 17 + 1] = (trace.values[2 * 17 + 1]! + 1) % 2013265921;
    const err = await prove(fibMachine, { traces: [trace], publics: [publics] }, { options: OPTS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConstraintError);
    expect((err as ConstraintError).report.failures[0]).toMatchObject({ table: 'fib', row: 16, label: "transition: b' = a + b" });
    const proof = await prove(fibMachine, { traces: [trace], publics: [publics] }, { options: OPTS, debug: false });
    expect(checkOf(() => verify(fibMachine, proof, LOOSE))).toBe('ood');
  });
});

describe('a two-table machine joined by a LogUp bus (with a preprocessed column)', () => {
  let pk: ProvingKey;
  beforeAll(async () => {
    pk = await setup(rangeMachine, OPTS);
  });

  it('proves and verifies tables of different heights', async () => {
    const w = rangeWitness(6);
    expect(w.traces[0]!.height).not.toBe(w.traces[1]!.height);
    const proof = await prove(rangeMachine, w, { options: OPTS, provingKey: pk });
    expect(() => verify(rangeMachine, proof, { ...LOOSE, vk: pk.vk })).not.toThrow();
    expect(() => verify(rangeMachine, decodeProof(encodeProof(proof)), { ...LOOSE, vk: pk.vk })).not.toThrow();
  });

  it('proves three tables of heights 2, 8 and 512 (one without buses, public values) in one proof', async () => {
    const m = defineMachine('three', [fibTable, ...rangeMachine.tables]);
    const f = fibTrace(1);
    const w = rangeWitness(9);
    const pk3 = await setup(m, OPTS);
    const proof = await prove(m, { traces: [f.trace, ...w.traces], publics: [f.publics] }, { options: OPTS, provingKey: pk3 });
    expect(proof.tables.map((t) => t.logHeight)).toEqual([1, 9, 3]);
    expect(() => verify(m, proof, { ...LOOSE, vk: pk3.vk })).not.toThrow();
    expect(checkOf(() => verify(m, proof, LOOSE))).toBe('shape'); // no verifying key
  });

  it('rejects a changed sent value: checkBuses names it, prove throws, and the verifier finds the imbalance', async () => {
    const w = rangeWitness(5);
    w.traces[0]!.values[3 * 4] = 11; // outside the range table; acc column stays consistent below
    let acc = 0;
    for (let i = 0; i < 32; i++) w.traces[0]!.values[3 * i + 2] = acc += w.traces[0]!.values[3 * i]!;
    const report = checkBuses([{ table: rangeMachine.tables[0]!, trace: w.traces[0]! }, { table: rangeMachine.tables[1]!, trace: w.traces[1]! }]);
    expect(report.busFailures).toContainEqual({ bus: 'range-test', table: 'user', row: 4, tuple: [11], multiplicity: 1 });
    await expect(prove(rangeMachine, w, { options: OPTS, provingKey: pk })).rejects.toBeInstanceOf(ConstraintError);
    const proof = await prove(rangeMachine, w, { options: OPTS, provingKey: pk, debug: false });
    expect(checkOf(() => verify(rangeMachine, proof, { ...LOOSE, vk: pk.vk }))).toBe('bus-balance');
  });

  it('rejects a proof whose bus sums were shifted between tables (the constraints pin each sum)', async () => {
    const proof = await prove(rangeMachine, rangeWitness(5), { options: OPTS, provingKey: pk });
    const p = decodeProof(encodeProof(proof));
    p.tables[0]!.busSum![0] = (p.tables[0]!.busSum![0]! + 1) % 2013265921;
    p.tables[1]!.busSum![0] = (p.tables[1]!.busSum![0]! + 2013265920) % 2013265921;
    expect(checkOf(() => verify(rangeMachine, p, { ...LOOSE, vk: pk.vk }))).toBe('ood');
  });
});

describe('verifier negatives: each corrupted part fails its named check', () => {
  let bytes: Uint8Array;
  const publics = fibTrace(7).publics;
  const fresh = (): StarkProof => decodeProof(bytes);
  const run = (p: StarkProof, opts: Parameters<typeof verify>[2] = LOOSE) => checkOf(() => verify(fibMachine, p, opts));
  const bump = (a: Uint32Array, i = 0) => void (a[i] = (a[i]! + 1) % 2013265921);
  const flip = (d: Uint8Array) => void (d[0]! ^= 1);

  beforeAll(async () => {
    const { trace } = fibTrace(7);
    bytes = encodeProof(await prove(fibMachine, { traces: [trace], publics: [publics] }, { options: OPTS }));
  });

  it('accepts the untouched proof', () => expect(run(fresh())).toBe('accepted'));

  const CORRUPTIONS: [string, (p: StarkProof) => void, string][] = [
    ['the main commitment root', (p: StarkProof) => flip(p.roots.main), 'ood'],
    ['the quotient commitment root', (p: StarkProof) => flip(p.roots.quotient), 'ood'],
    ['an OOD value of the trace', (p: StarkProof) => bump(p.opened[0]![0]![0]![0]!), 'ood'],
    ['an OOD value of the quotient', (p: StarkProof) => bump(p.opened[1]![0]![0]![2]!), 'ood'],
    ['an opened row value at a query', (p: StarkProof) => bump(p.pcs.inputOpenings[0]!.rows[0]![0]! as Uint32Array), 'merkle'],
    ['a Merkle sibling', (p: StarkProof) => flip(p.pcs.inputOpenings[0]!.siblings[0]!), 'merkle'],
    ['a FRI layer value', (p: StarkProof) => bump(p.pcs.fri.layerOpenings[0]!.rows[0]![0]! as Uint32Array), 'merkle'],
    ['a FRI layer root', (p: StarkProof) => flip(p.pcs.fri.layerRoots[0]!), 'pow'],
    ['the final polynomial', (p: StarkProof) => bump(p.pcs.fri.finalPoly), 'pow'],
    ['the grinding nonce', (p: StarkProof) => void ((p.pcs.fri as { powNonce: number }).powNonce ^= 1), 'pow'],
    ['a public value', (p: StarkProof) => bump(p.tables[0]!.publics, 2), 'ood'],
  ];
  it.each(CORRUPTIONS)('%s', (_name, corrupt, check) => {
    const p = fresh();
    corrupt(p);
    expect(run(p)).toBe(check);
  });

  it('a public value differing from the claim fails public-values', () => {
    expect(run(fresh(), { ...LOOSE, publics: [[1, 1, (publics[2]! + 1) % 2013265921]] })).toBe('public-values');
  });

  it('options below the minimum fail options; the default minimum is 100 bits', () => {
    expect(run(fresh(), {})).toBe('options');
    expect(run(fresh(), { minSecurityBits: 30 })).toBe('options');
  });

  it('a proof for another machine fails shape', () => {
    const other = defineMachine('fib', [rangeMachine.tables[0]!]);
    expect(checkOf(() => verify(other, fresh(), LOOSE))).toBe('shape');
  });
});

describe('verify only throws VerifyError', () => {
  it('on malformed proof objects', async () => {
    const { trace, publics } = fibTrace(3);
    const good = await prove(fibMachine, { traces: [trace], publics: [publics] }, { options: OPTS });
    const cases: unknown[] = [
      null,
      {},
      { ...good, roots: { ...good.roots, main: new Uint8Array(5) } },
      { ...good, tables: [{ ...good.tables[0]!, publics: [1.5, 1, 2] }] },
      { ...good, opened: 'x' },
      { ...good, pcs: { inputOpenings: [], fri: null } },
      { ...good, hasher: 'md5' },
    ];
    for (const c of cases) expect(() => verify(fibMachine, c as StarkProof, LOOSE)).toThrow(VerifyError);
  });
});
