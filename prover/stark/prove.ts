/**
 * The multi-table STARK prover: several AIR tables of different heights, joined by LogUp buses,
 * proved with one transcript and one PCS opening.
 *
 * Phases (see `proof.ts` for the transcript schedule): commit the main traces (one Merkle tree over
 * all tables, mixed heights) -> draw the bus challenges -> build and commit the aux traces, observe
 * the bus sums -> draw alpha -> per table, evaluate the constraints on the quotient domain, combine,
 * divide by Z_H and split into chunks of degree < n -> commit the chunks -> draw zeta -> open every
 * trace at zeta and zeta w_t (w_t the generator of table t's domain) and the chunks at zeta.
 * References: the ethSTARK documentation (ePrint 2021/582) for the protocol, Plonky3 `uni-stark`
 * and `batch-stark` for the shape.
 * @module
 */
import type { Matrix } from '../matrix.ts';
import type { ProverBackend } from '../backend.ts';
import { ProofOptions } from '../options.ts';
import { ConstraintError, type ConstraintFailure, type BusFailure } from '../errors.ts';
import { mul, rootOfUnity } from '../field/babybear.ts';
import { eMul, ext, type Ext4 } from '../field/ext4.ts';
import { checkAllConstraints, checkBuses, traceInputs, assertTrace } from '../air/debug.ts';
import { assertBusChallenges, buildAuxTraceParallel, busChallenges, type BusChallenges } from '../bus.ts';
import { Transcript } from '../transcript.ts';
import { createPcs, defaultBackend, type StarkPcs, type PcsData } from './pcs.ts';
import type { Machine } from './machine.ts';
import type { Hasher } from '../hash/hasher.ts';
import type { Kernels, SharedMatrix } from '../wasm/kernels.ts';
import { defaultHasher } from '../hash/index.ts';
import { domainSelectors, logQuotientBlowup, quotientValuesParallel, splitQuotient, QUOTIENT_SHIFT, type TaskPool } from './quotient.ts';
import { wasmQuotientUsable } from './_quotient-wasm.ts';
import { FRI_SHIFT } from '../fri/index.ts';
import { reverseBits } from '../ntt.ts';
import { observeStatement, PROOF_VERSION, TRANSCRIPT_LABEL, type SegmentStatement, type StarkProof, type TableProof } from './proof.ts';

/** What the prover proves: one trace per table (machine order) and each table's public values. */
export interface Witness {
  readonly traces: readonly Matrix[];
  /** Public values per table (machine order); omit for tables without any. */
  readonly publics?: readonly (readonly number[] | undefined)[];
}

/** Preprocessed columns committed once; the verifying key is what a verifier needs of them. */
export interface VerifyingKey {
  /** Root of the preprocessed commitment, or null when no table has preprocessed columns. */
  readonly root: Uint8Array | null;
  /** logHeight of each table with preprocessed columns (its height is fixed by them), else -1. */
  readonly logHeights: readonly number[];
}

export interface ProvingKey {
  readonly vk: VerifyingKey;
  readonly options: ProofOptions;
  readonly data: PcsData | null;
  readonly matrices: readonly (Matrix | null)[];
}

export interface ProveOptions {
  readonly options?: ProofOptions;
  /** Default: a fresh `defaultBackend()` (WASM on all cores), disposed when the proof is done. */
  readonly backend?: ProverBackend;
  /**
   * Run the debug checks first and throw ConstraintError on a bad trace (default true).
   * 'constraints' checks the constraints but not the bus balance: for one segment of a segmented
   * proof, whose buses balance only with the other segments (check the whole witness with
   * `checkBuses(..., { extra })` instead).
   */
  readonly debug?: boolean | 'constraints';
  /** From `setup`; computed on the fly when the machine has preprocessed columns and none is given. */
  readonly provingKey?: ProvingKey;
  /** Hash of every Merkle tree (default: `defaultHasher()`, BLAKE3). */
  readonly hasher?: Hasher;
  /**
   * Shared bus challenges, for a proof that is one segment of several (continuations). When given,
   * the prover does not draw beta and gamma from its transcript: after committing the main traces it
   * calls this with its main root (and its statement: the root, table heights and public values),
   * awaits the challenges and OBSERVES them (beta then gamma, so alpha, zeta and the FRI challenges
   * depend on them), then goes on. The caller runs all segment proofs concurrently and resolves
   * every callback once all main roots are in (a barrier), with challenges derived from a
   * transcript that observed every segment's statement (`observeSegment`) and the verifier-side
   * terms (see `bus.ts`); the verifier is then given the same challenges
   * (`VerifyOptions.busChallenges`). Challenges known before a segment's main trace is committed make
   * the bus argument unsound. If one segment fails before its callback (a ConstraintError, say),
   * the caller must reject the other callbacks' promises, or those proofs wait forever. A rejected
   * callback makes `prove` reject with the same error. Without this option the proof is a
   * self-contained one, as before.
   */
  readonly busChallenges?: (mainRoot: Uint8Array, statement: SegmentStatement) => BusChallenges | Promise<BusChallenges>;
  /** Called as the proof goes on with a phase name and the fraction of the proof done (0..1). */
  readonly onPhase?: (phase: string, fraction: number) => void;
}

/** With TZKVM_STARK_TIMING=1, prints each prover phase's wall time to stderr. */
function phaseTimer(): (phase: string) => void {
  if (process.env.TZKVM_STARK_TIMING !== '1') return () => {};
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    process.stderr.write(`  stark ${phase}: ${Math.round(now - last)} ms\n`);
    last = now;
  };
}

/** Rows j, j + period, j + 2 period, ... of a domain-wide selector: its values on coset j. */
function stridedOf(a: Uint32Array, period: number, j: number, n: number): Uint32Array {
  if (period === 1) return a;
  const o = new Uint32Array(n);
  for (let r = 0; r < n; r++) o[r] = a[r * period + j]!;
  return o;
}

/** Writes coset j's quotient values (row r) at domain rows r * period + j of q (ext4 rows). */
function scatterCoset(q: Uint32Array, qj: Uint32Array, period: number, j: number, n: number): void {
  if (period === 1) {
    q.set(qj);
    return;
  }
  for (let r = 0; r < n; r++) {
    const o = 4 * (r * period + j);
    q[o] = qj[4 * r]!;
    q[o + 1] = qj[4 * r + 1]!;
    q[o + 2] = qj[4 * r + 2]!;
    q[o + 3] = qj[4 * r + 3]!;
  }
}

/** The kernel-memory address of a matrix from `evaluationsOnDomainShared`, when it has one. */
function ptrOf(m: Matrix | undefined): number | undefined {
  const p = (m as { readonly ptr?: unknown } | undefined)?.ptr;
  return typeof p === 'number' ? p : undefined;
}

/** Largest trace height: the LDE must fit the two-adic subgroup. */
export const MAX_LOG_HEIGHT = 24;

function logOf(h: number): number {
  return 31 - Math.clz32(h);
}

/** Commits the machine's preprocessed columns (the setup a verifier trusts via the key). */
export async function setup(machine: Machine, options: ProofOptions = ProofOptions.standard(), backend?: ProverBackend, hasher: Hasher = defaultHasher()): Promise<ProvingKey> {
  return withBackend(backend, (b) => setupWith(machine, options, b, hasher));
}

/**
 * Runs `f` on the given backend, or on a fresh default one (WASM over all cores when the kernels
 * are built, else the TypeScript reference) that is disposed afterwards, so a caller who passes
 * none still gets the fast prover and no threads are left behind.
 */
async function withBackend<T>(given: ProverBackend | undefined, f: (b: ProverBackend) => Promise<T>): Promise<T> {
  if (given) return f(given);
  const owned = await defaultBackend();
  try {
    return await f(owned);
  } finally {
    await owned.dispose();
  }
}

async function setupWith(machine: Machine, options: ProofOptions, backend: ProverBackend, hasher: Hasher): Promise<ProvingKey> {
  const matrices = machine.tables.map((t) => (t.preprocessed ? t.preprocessed.values() : null));
  const logHeights = matrices.map((m, i) => {
    if (!m) return -1;
    const t = machine.tables[i]!;
    if (m.width !== t.system.preWidth) throw new RangeError(`table ${t.name}: preprocessed values are ${m.width} wide, the layout ${t.system.preWidth}`);
    if (m.height < 2 || (m.height & (m.height - 1)) !== 0) throw new RangeError(`table ${t.name}: preprocessed height must be a power of two >= 2`);
    return logOf(m.height);
  });
  const present = matrices.filter((m): m is Matrix => m !== null);
  if (present.length === 0) return { vk: { root: null, logHeights }, options, data: null, matrices };
  const pcs = createPcs(options, backend, hasher);
  const { root, data } = await pcs.commit(present);
  return { vk: { root, logHeights }, options, data, matrices };
}

function validateWitness(machine: Machine, w: Witness, pk: ProvingKey | null): { logHeights: number[]; publics: Uint32Array[] } {
  if (!w || !Array.isArray(w.traces)) throw new TypeError('prove: witness.traces must be an array of matrices');
  if (w.traces.length !== machine.tables.length) throw new RangeError(`prove: machine ${machine.name} has ${machine.tables.length} tables, got ${w.traces.length} traces`);
  const logHeights: number[] = [];
  const publics: Uint32Array[] = [];
  machine.tables.forEach((t, i) => {
    const trace = w.traces[i]!;
    assertTrace(t, trace);
    const lh = logOf(trace.height);
    if (lh > MAX_LOG_HEIGHT) throw new RangeError(`table ${t.name}: height 2^${lh} exceeds 2^${MAX_LOG_HEIGHT}`);
    const fixed = pk?.vk.logHeights[i] ?? -1;
    if (fixed >= 0 && fixed !== lh) throw new RangeError(`table ${t.name}: trace height 2^${lh} differs from its preprocessed height 2^${fixed}`);
    logHeights.push(lh);
    const pv = Uint32Array.from(w.publics?.[i] ?? []);
    if (pv.length !== t.system.numPublicValues) throw new RangeError(`table ${t.name}: expected ${t.system.numPublicValues} public values, got ${pv.length}`);
    for (const v of pv) if (!(v < 2013265921)) throw new RangeError(`table ${t.name}: public value ${v} is not a field element`);
    publics.push(pv);
  });
  return { logHeights, publics };
}

/** Proves that the traces satisfy the machine's tables and that its buses balance. */
export async function prove(machine: Machine, witness: Witness, opts: ProveOptions = {}): Promise<StarkProof> {
  return withBackend(opts.backend, (backend) => proveWith(machine, witness, opts, backend));
}

async function proveWith(machine: Machine, witness: Witness, opts: ProveOptions, backend: ProverBackend): Promise<StarkProof> {
  const options = opts.options ?? opts.provingKey?.options ?? ProofOptions.standard();
  const debug = opts.debug ?? true;
  if (debug !== true && debug !== false && debug !== 'constraints') throw new TypeError("prove: debug must be a boolean or 'constraints'");
  if (opts.busChallenges !== undefined && typeof opts.busChallenges !== 'function') throw new TypeError('prove: busChallenges must be a function (mainRoot) => { beta, gamma }');
  const hasPre = machine.tables.some((t) => t.preprocessed);
  const hasher = opts.hasher ?? defaultHasher();
  const pk = opts.provingKey ?? (hasPre ? await setup(machine, options, backend, hasher) : null);
  if (pk && pk.options !== options && JSON.stringify(pk.options) !== JSON.stringify(options)) {
    throw new RangeError('prove: the proving key was made with other options');
  }
  const { logHeights, publics } = validateWitness(machine, witness, pk);
  const preOf = (i: number): Matrix | undefined => pk?.matrices[i] ?? undefined;

  if (debug) {
    const failures: ConstraintFailure[] = [];
    for (let i = 0; i < machine.tables.length; i++) {
      const r = checkAllConstraints(machine.tables[i]!, witness.traces[i]!, { publics: publics[i], preprocessed: preOf(i), maxFailures: 20 });
      failures.push(...r.failures);
    }
    const busFailures: BusFailure[] = [];
    if (debug === true) {
      const bus = checkBuses(machine.tables.map((table, i) => ({ table, trace: witness.traces[i]!, publics: publics[i], preprocessed: preOf(i) })));
      busFailures.push(...bus.busFailures);
    }
    if (failures.length > 0 || busFailures.length > 0) throw new ConstraintError({ ok: false, failures, busFailures });
  }

  const timer = phaseTimer();
  const pcs: StarkPcs = createPcs(options, backend, hasher);
  const t = new Transcript(TRANSCRIPT_LABEL);
  const shapes: TableProof[] = machine.tables.map((table, i) => ({ name: table.name, logHeight: logHeights[i]!, publics: publics[i]!, busSum: null }));
  observeStatement(t, machine, options, hasher.name, shapes, pk?.vk.root ?? null);

  // Phase 1: main traces.
  const main = await pcs.commit([...witness.traces]);
  t.observeDigest(main.root);
  timer('main commitment');
  opts.onPhase?.('main commitment', 0.2);

  // Phase 2: bus challenges (drawn here, or shared across segments and observed), aux traces, bus sums.
  let beta: Ext4;
  let gamma: Ext4;
  if (opts.busChallenges) {
    let shared: BusChallenges;
    try {
      const statement = { mainRoot: main.root.slice(), tables: shapes.map(({ name, logHeight, publics }) => ({ name, logHeight, publics: publics.slice() })) };
      shared = await opts.busChallenges(main.root.slice(), statement);
      assertBusChallenges(shared, 'prove: the busChallenges callback result');
    } catch (e) {
      pcs.release(main.data);
      throw e;
    }
    beta = shared.beta.slice();
    gamma = shared.gamma.slice();
    t.observeExt(beta);
    t.observeExt(gamma);
    timer('shared bus challenges');
  } else {
    beta = t.sampleExt();
    gamma = t.sampleExt();
  }
  const challenges = busChallenges(beta, gamma, machine.maxArity);
  const auxIndex: number[] = [];
  const auxMatrices: Matrix[] = [];
  const busSums: (Ext4 | null)[] = machine.tables.map(() => null);
  const pool = (backend as { readonly pool?: TaskPool }).pool;
  const allocShared = (backend as { allocShared?: (w: number, h: number) => SharedMatrix }).allocShared?.bind(backend);
  for (let i = 0; i < machine.tables.length; i++) {
    const table = machine.tables[i]!;
    const sys = table.system;
    if (sys.interactions.length === 0) {
      auxIndex.push(-1);
      continue;
    }
    const inputs = { ...traceInputs(table, witness.traces[i]!, { publics: publics[i], preprocessed: preOf(i) }), challenges };
    let built: Awaited<ReturnType<typeof buildAuxTraceParallel>>;
    try {
      built = await buildAuxTraceParallel(sys, inputs, pool, false, allocShared);
    } catch (e) {
      for (const m of auxMatrices) (m as { free?: () => void }).free?.();
      pcs.release(main.data);
      throw e;
    }
    const { aux, busSum } = built;
    auxIndex.push(auxMatrices.length);
    auxMatrices.push(aux);
    busSums[i] = busSum;
  }
  timer('aux traces');
  let aux: Awaited<ReturnType<StarkPcs['commit']>> | null;
  try {
    aux = auxMatrices.length > 0 ? await pcs.commit(auxMatrices) : null;
  } finally {
    // Aux traces built in kernel memory: committed (their coefficients and LDEs are kept), freed.
    for (const m of auxMatrices) (m as { free?: () => void }).free?.();
  }
  timer('aux commitment');
  opts.onPhase?.('aux commitment', 0.4);
  if (aux) {
    t.observeDigest(aux.root);
    for (const s of busSums) if (s) t.observeExt(s);
  }

  // Phase 3: quotients.
  const alpha = t.sampleExt();
  const preIndex = machine.tables.map((_, i) => (pk?.matrices[i] ? pk.matrices.slice(0, i).filter((m) => m !== null).length : -1));
  const chunkMatrices: Matrix[] = [];
  for (let i = 0; i < machine.tables.length; i++) {
    const table = machine.tables[i]!;
    const sys = table.system;
    const logN = logHeights[i]!;
    const chunks = table.info.quotientChunks;
    const logQ = logQuotientBlowup(chunks);
    const logD = logN + logQ;
    const sel = domainSelectors(logN, logQ);
    const K = sys.constraints.length;
    const alphaPowers = new Uint32Array(4 * K);
    let ak: Ext4 = ext(1);
    for (let k = 0; k < K; k++) {
      alphaPowers.set(ak, 4 * k);
      ak = eMul(ak, alpha);
    }
    // The quotient domain s K (|K| = n 2^logQ, point i = s w^i) is the union of 2^logQ cosets
    // (s w^j) H_n, j < 2^logQ, point i = 2^logQ r + j being row r of coset j; "next" (i + 2^logQ)
    // is row r + 1 of the same coset, and 1/Z_H is one constant per coset. So the constraints are
    // evaluated coset by coset on LDEs of height n: the same values, a quarter of the memory for
    // a degree-4 table (fresh memory is slow to touch on this kind of machine) and smaller NTTs.
    const n = 1 << logN;
    const period = 1 << logQ;
    const q = new Uint32Array(4 * (n << logQ));
    const omega = rootOfUnity(logD);
    let shift = QUOTIENT_SHIFT;
    // When the quotient domain lies inside the committed LDE domain (same shift, 2^logQ <= blowup)
    // and the WASM kernels read it, coset j is a block of n rows of every bit-reversed LDE: no
    // transform at all, the rows are read in place through a row map.
    const kernels = (backend as { readonly kernels?: Kernels }).kernels;
    const ldeMain = ptrOf(main.data.ldes[i]);
    const ldePre = preIndex[i]! >= 0 ? ptrOf(pk!.data!.ldes[preIndex[i]!]) : 0;
    const ldeAux = auxIndex[i]! >= 0 ? ptrOf(aux!.data.ldes[auxIndex[i]!]) : 0;
    const inPlace = QUOTIENT_SHIFT === FRI_SHIFT && logQ <= options.logBlowup && wasmQuotientUsable(kernels, n) && process.env.TZKVM_QUOTIENT_TS !== '1'
      && ldeMain !== undefined && ldePre !== undefined && ldeAux !== undefined;
    // The constraints of table i on coset j of the quotient domain, from its matrices there.
    const cosetQuotient = (j: number, mainM: Matrix, preM: Matrix | undefined, auxM: Matrix | undefined, inKernel: Parameters<typeof quotientValuesParallel>[7]) =>
      quotientValuesParallel(
        sys,
        {
          main: mainM.values,
          mainWidth: mainM.width,
          pre: preM?.values,
          preWidth: preM?.width,
          aux: auxM?.values,
          auxWidth: auxM?.width,
          height: n,
          nextStride: 1,
          isFirstRow: stridedOf(sel.isFirstRow, period, j, n),
          isLastRow: stridedOf(sel.isLastRow, period, j, n),
          isTransition: stridedOf(sel.isTransition, period, j, n),
          publics: publics[i]!,
          challenges,
          busSum: busSums[i] ?? new Uint32Array(4),
        },
        Uint32Array.of(sel.invZ[j]!),
        alphaPowers,
        pool,
        false,
        kernels,
        inKernel,
      );
    for (let j = 0; inPlace && j < period; j++) {
      const lb = options.logBlowup;
      const block = reverseBits(j << (lb - logQ), lb) * n;
      const rowMap = new Uint32Array(n);
      for (let r = 0; r < n; r++) rowMap[r] = block + reverseBits(r, logN);
      const lde = (d: PcsData, k: number): Matrix => d.ldes[k]!;
      const mainL = lde(main.data, i);
      const preL = preIndex[i]! >= 0 ? lde(pk!.data!, preIndex[i]!) : undefined;
      const auxL = auxIndex[i]! >= 0 ? lde(aux!.data, auxIndex[i]!) : undefined;
      timer('quotient: trace on the quotient domain');
      const qj = await cosetQuotient(j, mainL, preL, auxL, { main: ldeMain, pre: preL ? ldePre : undefined, aux: auxL ? ldeAux : undefined, rowMap });
      scatterCoset(q, qj, period, j, n);
      timer('quotient: constraint evaluation');
    }
    for (let j = 0; !inPlace && j < period; j++, shift = mul(shift, omega)) {
      // In the backend's shared memory when it has one: the pool's workers read them in place.
      const mainDom = await pcs.evaluationsOnDomainShared(main.data, i, logN, shift);
      const preDom = preIndex[i]! >= 0 ? await pcs.evaluationsOnDomainShared(pk!.data!, preIndex[i]!, logN, shift) : undefined;
      const auxDom = auxIndex[i]! >= 0 ? await pcs.evaluationsOnDomainShared(aux!.data, auxIndex[i]!, logN, shift) : undefined;
      timer('quotient: trace on the quotient domain');
      const qj = await cosetQuotient(j, mainDom, preDom, auxDom, { main: ptrOf(mainDom), pre: ptrOf(preDom), aux: ptrOf(auxDom) }).finally(() => {
        mainDom.free();
        preDom?.free();
        auxDom?.free();
      });
      scatterCoset(q, qj, period, j, n);
      timer('quotient: constraint evaluation');
    }
    chunkMatrices.push(await splitQuotient(backend, q, logN, logQ, chunks, debug !== false));
    timer('quotient: split into chunks');
    opts.onPhase?.('quotients', 0.4 + (0.45 * (i + 1)) / machine.tables.length);
  }
  const quotient = await pcs.commit(chunkMatrices);
  t.observeDigest(quotient.root);
  timer('quotient commitment');

  // Phase 4: out-of-domain point and opening.
  const zeta = t.sampleExt();
  const tracePoints = (lh: number): Ext4[] => {
    const w = rootOfUnity(lh);
    return [zeta, Uint32Array.of(mul(zeta[0]!, w), mul(zeta[1]!, w), mul(zeta[2]!, w), mul(zeta[3]!, w))];
  };
  const rounds: { data: PcsData; points: Ext4[][] }[] = [];
  if (pk?.data) rounds.push({ data: pk.data, points: machine.tables.flatMap((_, i) => (preIndex[i]! >= 0 ? [tracePoints(logHeights[i]!)] : [])) });
  rounds.push({ data: main.data, points: logHeights.map(tracePoints) });
  if (aux) rounds.push({ data: aux.data, points: machine.tables.flatMap((_, i) => (auxIndex[i]! >= 0 ? [tracePoints(logHeights[i]!)] : [])) });
  rounds.push({ data: quotient.data, points: logHeights.map(() => [zeta]) });
  const { values, proof } = await pcs.open(rounds, t);
  timer('PCS opening');
  opts.onPhase?.('opening', 1);
  for (const c of [main, aux, quotient]) if (c) pcs.release(c.data);

  return {
    version: PROOF_VERSION,
    options,
    hasher: hasher.name,
    tables: shapes.map((s, i) => ({ ...s, busSum: busSums[i] ?? null })),
    roots: { main: main.root, aux: aux?.root ?? null, quotient: quotient.root },
    opened: values,
    pcs: proof,
  };
}
