/**
 * The multi-table STARK verifier. It replays the prover's transcript (`proof.ts`), checks the
 * statement's shape, the options against its minimum, the LogUp bus balance (or, for one segment of
 * several, returns the proof's bus sum for the caller to balance), each table's
 * constraints at the out-of-domain point against its quotient chunks, and finally the PCS opening
 * (Merkle paths, DEEP quotients, FRI folds, final polynomial, grinding).
 *
 * It only ever throws `VerifyError` (its `check` names the failing check, its `detail` the table);
 * parsing errors of untrusted bytes are `proof-format.ts`'s job and surface as `ProofFormatError`.
 * @module
 */
import { P, mul, rootOfUnity } from '../field/babybear.ts';
import { eAdd, eMul, equals, ext, isCanonicalExt, type Ext4 } from '../field/ext4.ts';
import { VerifyError } from '../errors.ts';
import { securityBits, proofOptions, type ProofOptions } from '../options.ts';
import { evaluateConstraintsAt, selectorsAt, combine, quotientAt } from '../air/ood.ts';
import { assertBusChallenges, busChallenges, type BusChallenges } from '../bus.ts';
import { Transcript } from '../transcript.ts';
import { verifyPcs } from './pcs.ts';
import { hasherByName } from '../hash/index.ts';
import type { Hasher } from '../hash/hasher.ts';
import type { Machine } from './machine.ts';
import type { VerifyingKey } from './prove.ts';
import { MAX_LOG_HEIGHT } from './prove.ts';
import { observeStatement, PROOF_VERSION, TRANSCRIPT_LABEL, type StarkProof } from './proof.ts';

export interface VerifyOptions {
  /** Refuse proofs whose options give fewer conjectured bits (default 100). */
  readonly minSecurityBits?: number;
  /** The verifying key from `setup`; required when the machine has preprocessed columns. */
  readonly vk?: VerifyingKey;
  /** Expected public values per table (machine order); checked when given. */
  readonly publics?: readonly (readonly number[] | undefined)[];
  /**
   * The shared bus challenges of a segmented proof (see `ProveOptions.busChallenges`): observed in
   * place of drawing beta and gamma, exactly as the prover did. A proof made with other challenges,
   * or with its own, fails ('ood').
   */
  readonly busChallenges?: BusChallenges;
  /**
   * 'zero' (default): this proof's bus sums must add up to zero ('bus-balance'). 'external': the
   * check is the caller's: add the returned `busSum` of every segment and the verifier-side terms
   * (`logUpTerms`) and require zero. Never use 'external' without doing that check.
   */
  readonly busBalance?: 'zero' | 'external';
}

/** What an accepted proof yields. */
export interface VerifyResult {
  /** Sum of the bus sums of this proof's tables (zero for a self-contained proof). */
  readonly busSum: Ext4;
}

export const DEFAULT_MIN_SECURITY_BITS = 100;

function shape(msg: string, detail: Record<string, string | number> = {}): VerifyError {
  return new VerifyError('shape', msg, detail);
}

function checkShape(machine: Machine, proof: StarkProof, vk: VerifyingKey | undefined): void {
  if (proof.version !== PROOF_VERSION) throw new VerifyError('format', `proof version ${proof.version}, this verifier reads ${PROOF_VERSION}`);
  if (proof.tables.length !== machine.tables.length) throw shape(`the machine has ${machine.tables.length} tables, the proof ${proof.tables.length}`);
  const hasPre = machine.tables.some((t) => t.preprocessed);
  if (hasPre && !vk) throw shape('the machine has preprocessed columns: a verifying key is required');
  machine.tables.forEach((table, i) => {
    const tp = proof.tables[i]!;
    const sys = table.system;
    if (tp.name !== table.name) throw shape(`table ${i} is ${table.name}, the proof says ${tp.name}`, { table: table.name });
    if (!Number.isInteger(tp.logHeight) || tp.logHeight < 1 || tp.logHeight > MAX_LOG_HEIGHT) throw shape(`bad height 2^${tp.logHeight}`, { table: table.name });
    if (table.preprocessed && vk!.logHeights[i] !== tp.logHeight) throw shape('height differs from the preprocessed height', { table: table.name });
    if (tp.publics.length !== sys.numPublicValues) throw shape(`expected ${sys.numPublicValues} public values, got ${tp.publics.length}`, { table: table.name });
    for (const v of tp.publics) if (!(v < P)) throw shape('a public value is not a field element', { table: table.name });
    const wantsSum = sys.interactions.length > 0;
    if (wantsSum !== (tp.busSum !== null)) throw shape(wantsSum ? 'bus sum missing' : 'unexpected bus sum', { table: table.name });
    if (tp.busSum && !isCanonicalExt(tp.busSum)) throw shape('bus sum is not an ext4 element', { table: table.name });
  });
  const anyAux = machine.tables.some((t) => t.system.interactions.length > 0);
  if (anyAux !== (proof.roots.aux !== null)) throw shape(anyAux ? 'aux commitment missing' : 'unexpected aux commitment');
}

/**
 * Checks a proof of `machine`; throws VerifyError naming the failed check, returns the proof's
 * total bus sum on success (zero unless `busBalance: 'external'`).
 */
export function verify(machine: Machine, proof: StarkProof, opts: VerifyOptions = {}): VerifyResult {
  try {
    return verifyInner(machine, proof, opts);
  } catch (e) {
    if (e instanceof VerifyError) throw e;
    // A malformed proof object (not from decodeProof) can trip a helper's own argument checks.
    throw new VerifyError('shape', `malformed proof: ${(e as Error)?.message ?? String(e)}`);
  }
}

function verifyInner(machine: Machine, proof: StarkProof, opts: VerifyOptions): VerifyResult {
  const balance = opts.busBalance ?? 'zero';
  if (balance !== 'zero' && balance !== 'external') throw new VerifyError('options', `busBalance must be 'zero' or 'external', got ${String(balance)}`);
  if (opts.busChallenges !== undefined) {
    try {
      assertBusChallenges(opts.busChallenges, 'verify: busChallenges');
    } catch (e) {
      throw new VerifyError('options', (e as Error).message);
    }
  }
  if (typeof proof !== 'object' || proof === null || !Array.isArray(proof.tables) || typeof proof.roots !== 'object' || proof.roots === null) {
    throw shape('the proof is not a StarkProof object');
  }
  for (const [k, r] of Object.entries(proof.roots)) {
    if (r !== null && (!(r instanceof Uint8Array) || r.length !== 32)) throw shape(`root ${k} is not 32 bytes`);
  }
  let options: ProofOptions;
  try {
    options = proofOptions(proof.options);
  } catch (e) {
    throw new VerifyError('options', `invalid options: ${(e as Error).message}`);
  }
  const min = opts.minSecurityBits ?? DEFAULT_MIN_SECURITY_BITS;
  const bits = securityBits(options);
  if (bits < min) throw new VerifyError('options', `the proof's options give ${bits} bits, this verifier requires ${min}`, { bits, min });
  let hasher: Hasher;
  try {
    hasher = hasherByName(proof.hasher);
  } catch (e) {
    throw new VerifyError('options', (e as Error).message);
  }
  checkShape(machine, proof, opts.vk);
  if (opts.publics) {
    machine.tables.forEach((table, i) => {
      const want = opts.publics![i] ?? [];
      const got = proof.tables[i]!.publics;
      if (want.length !== got.length || want.some((v, j) => v !== got[j])) throw new VerifyError('public-values', `table ${table.name}: public values differ from the claim`, { table: table.name });
    });
  }

  const t = new Transcript(TRANSCRIPT_LABEL);
  const preRoot = opts.vk?.root ?? null;
  observeStatement(t, machine, options, hasher.name, proof.tables, preRoot);
  t.observeDigest(proof.roots.main);
  let beta: Ext4;
  let gamma: Ext4;
  if (opts.busChallenges) {
    beta = opts.busChallenges.beta;
    gamma = opts.busChallenges.gamma;
    t.observeExt(beta);
    t.observeExt(gamma);
  } else {
    beta = t.sampleExt();
    gamma = t.sampleExt();
  }
  const challenges = busChallenges(beta, gamma, machine.maxArity);
  if (proof.roots.aux) {
    t.observeDigest(proof.roots.aux);
    for (const tp of proof.tables) if (tp.busSum) t.observeExt(tp.busSum);
  }
  const alpha = t.sampleExt();
  t.observeDigest(proof.roots.quotient);
  const zeta = t.sampleExt();

  // Bus balance: the LogUp sums of all tables cancel.
  let total: Ext4 = ext(0);
  for (const tp of proof.tables) if (tp.busSum) total = eAdd(total, tp.busSum);
  if (balance === 'zero' && !equals(total, ext(0))) throw new VerifyError('bus-balance', 'the LogUp sums of the tables do not add up to zero', { sum: Array.from(total).join(',') });

  // Opened values: shape, then the OOD identity per table.
  const preTables = machine.tables.map((tb) => tb.preprocessed !== undefined);
  const auxTables = machine.tables.map((tb) => tb.system.interactions.length > 0);
  const hasPre = preTables.some(Boolean);
  const hasAux = auxTables.some(Boolean);
  const nRounds = (hasPre ? 1 : 0) + 1 + (hasAux ? 1 : 0) + 1;
  const opened = proof.opened;
  if (!Array.isArray(opened) || opened.length !== nRounds) throw shape(`expected ${nRounds} opening rounds, got ${opened?.length}`);
  let r = 0;
  const preRound = hasPre ? opened[r++]! : [];
  const mainRound = opened[r++]!;
  const auxRound = hasAux ? opened[r++]! : [];
  const quotRound = opened[r++]!;
  const countOf = (flags: boolean[]): number => flags.filter(Boolean).length;
  const expectRound = (round: Ext4[][][], matrices: number, widths: number[], points: number, what: string): void => {
    if (!Array.isArray(round) || round.length !== matrices) throw shape(`${what}: expected ${matrices} matrices, got ${round?.length}`);
    round.forEach((m, i) => {
      if (!Array.isArray(m) || m.length !== points) throw shape(`${what}: matrix ${i} must be opened at ${points} points`);
      for (const pt of m) {
        if (!Array.isArray(pt) || pt.length !== widths[i]) throw shape(`${what}: matrix ${i} has ${widths[i]} columns, got ${pt?.length}`);
        for (const v of pt) if (!(v instanceof Uint32Array) || !isCanonicalExt(v)) throw shape(`${what}: an opened value is not an ext4 element`);
      }
    });
  };
  const tables = machine.tables;
  expectRound(preRound, countOf(preTables), tables.filter((_, i) => preTables[i]).map((tb) => tb.system.preWidth), 2, 'preprocessed');
  expectRound(mainRound, tables.length, tables.map((tb) => tb.system.mainWidth), 2, 'main');
  expectRound(auxRound, countOf(auxTables), tables.filter((_, i) => auxTables[i]).map((tb) => 4 * tb.system.auxWidth), 2, 'aux');
  expectRound(quotRound, tables.length, tables.map((tb) => 4 * tb.info.quotientChunks), 1, 'quotient');

  let preI = 0;
  let auxI = 0;
  tables.forEach((table, i) => {
    const sys = table.system;
    const tp = proof.tables[i]!;
    const pre = preTables[i] ? preRound[preI++]! : [[], []];
    const aux = auxTables[i] ? auxRound[auxI++]! : [[], []];
    const sel = selectorsAt(zeta, tp.logHeight);
    if (equals(sel.vanishing, ext(0))) throw new VerifyError('ood', 'zeta fell in the trace domain', { table: table.name });
    const values = evaluateConstraintsAt(
      sys,
      {
        main: mainRound[i]![0]!,
        mainNext: mainRound[i]![1]!,
        pre: pre[0]!,
        preNext: pre[1]!,
        aux: aux[0]!,
        auxNext: aux[1]!,
        publics: tp.publics,
        challenges,
        busSum: tp.busSum ?? ext(0),
      },
      sel,
    );
    const lhs = combine(values, alpha);
    const rhs = eMul(sel.vanishing, quotientAt(quotRound[i]![0]!, table.info.quotientChunks, zeta, tp.logHeight));
    if (!equals(lhs, rhs)) throw new VerifyError('ood', `table ${table.name}: constraints at zeta do not match the quotient`, { table: table.name });
  });

  // The PCS: the opened values are evaluations of the committed polynomials.
  const tracePoints = (lh: number): Ext4[] => {
    const w = rootOfUnity(lh);
    return [zeta, Uint32Array.of(mul(zeta[0]!, w), mul(zeta[1]!, w), mul(zeta[2]!, w), mul(zeta[3]!, w))];
  };
  const dims = (idx: number[], width: (i: number) => number) => idx.map((i) => ({ width: width(i), height: 2 ** proof.tables[i]!.logHeight }));
  const all = tables.map((_, i) => i);
  const preIdx = all.filter((i) => preTables[i]);
  const auxIdx = all.filter((i) => auxTables[i]);
  const rounds = [];
  if (hasPre) rounds.push({ root: preRoot!, dims: dims(preIdx, (i) => tables[i]!.system.preWidth), points: preIdx.map((i) => tracePoints(proof.tables[i]!.logHeight)), values: preRound });
  rounds.push({ root: proof.roots.main, dims: dims(all, (i) => tables[i]!.system.mainWidth), points: all.map((i) => tracePoints(proof.tables[i]!.logHeight)), values: mainRound });
  if (hasAux) rounds.push({ root: proof.roots.aux!, dims: dims(auxIdx, (i) => 4 * tables[i]!.system.auxWidth), points: auxIdx.map((i) => tracePoints(proof.tables[i]!.logHeight)), values: auxRound });
  rounds.push({ root: proof.roots.quotient, dims: dims(all, (i) => 4 * tables[i]!.info.quotientChunks), points: all.map(() => [zeta]), values: quotRound });
  verifyPcs(options, hasher, rounds, proof.pcs, t);
  return { busSum: total };
}
