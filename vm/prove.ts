/**
 * Proving and verifying a whole run: `proveRun(program, inputs, options)` and
 * `verifyRun(digest, publicIO, proof)`.
 *
 * A run is split into segments of at most `segmentCycles` CPU rows (continuations). Each segment
 * is one STARK proof of the VM machine (`machine.ts`), an independent proving job except for one
 * barrier: the bus challenges (beta, gamma) are drawn from a transcript over every segment's main
 * commitment and the public claim, then handed to every segment (`ProveOptions.busChallenges`).
 * The buses (memory, state, halt, I/O, ...) balance only over all segments together plus the
 * terms the verifier computes itself from the claim:
 *   - it SENDS the initial state (ts0, entry pc, first frame, initial pages, 0, 0, not at end of
 *     input) on `state`;
 *   - it RECEIVES (public-input bytes consumed, output length) on `halt`: the run halted;
 *   - it SENDS every consumed public-input byte (0, j, byte) and RECEIVES every claimed output
 *     byte (1, j, byte) on `io`.
 * So a proof is rejected for another program (digest, and the fixed columns of its tables), another
 * public input or output, or a segment dropped, swapped or taken from another run (state chain,
 * memory chain and transcript).
 *
 * Proof file: magic "TZKV", version, the Program (embedded, so `verifyRun` needs only its digest),
 * the claim (public input, output, bytes consumed), segment size, and the segment proofs.
 * @module
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ProverBackend } from '../prover/backend.ts';
import { logUpTerms, type BusChallenges, type BusTerm } from '../prover/bus.ts';
import { checkAllConstraints, checkBuses, type BusCheckInput, type ExtraBusTerm } from '../prover/air/debug.ts';
import { ConstraintError, ProofFormatError, VerifyError, type ConstraintFailure } from '../prover/errors.ts';
import { eAdd, equals, ext, type Ext4 } from '../prover/field/ext4.ts';
import { ProofOptions } from '../prover/options.ts';
import { ByteReader, ByteWriter, decodeProof, encodeProof } from '../prover/proof-format.ts';
import { defaultBackend } from '../prover/stark/pcs.ts';
import { prove as proveStark, setup, type ProvingKey, type VerifyingKey } from '../prover/stark/prove.ts';
import { createBackend } from '../prover/backend-wasm.ts';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { observeSegment, type SegmentStatement, type StarkProof } from '../prover/stark/proof.ts';
import { verify as verifyStark } from '../prover/stark/verify.ts';
import { Transcript } from '../prover/transcript.ts';
import { execute, type ExecuteIO } from './executor.ts';
import { decodeProgram, encodeProgram, type Program } from './program.ts';
import { vmMachine, type VmMachine } from './machine.ts';
import { generateWitness, TS0, type RunWitness } from './trace.ts';
import { haltBus, stateBus } from './tables/cpu.ts';
import { ioBus, IO_IN, IO_OUT } from './tables/io.ts';
import { LIMIT } from './tables/memory.ts';

export const VM_PROOF_MAGIC = Uint8Array.of(0x54, 0x5a, 0x4b, 0x56); // "TZKV"
export const VM_PROOF_VERSION = 1;
const TRANSCRIPT_LABEL = 'tensor-zkvm/vm/v1';
/** Default segment size (CPU rows per segment proof). */
export const DEFAULT_SEGMENT_CYCLES = 1 << 20;

export interface VmProof {
  readonly version: number;
  readonly program: Program;
  readonly publicInput: Uint8Array;
  readonly output: Uint8Array;
  /** Public-input bytes the guest read. */
  readonly pubConsumed: number;
  readonly segmentCycles: number;
  readonly segments: readonly StarkProof[];
}

export interface ProveRunOptions {
  readonly options?: ProofOptions;
  readonly segmentCycles?: number;
  readonly maxCycles?: number;
  readonly backend?: ProverBackend;
  /** Check every constraint and the global bus balance before proving (slow; default false). */
  readonly debug?: boolean;
  /** Called with a phase name and a fraction in [0, 1] as proving goes on. */
  readonly onProgress?: (phase: string, fraction: number) => void;
}

export interface ProveRunResult {
  readonly proof: VmProof;
  readonly output: Uint8Array;
  readonly cycles: number;
  /** Rows per table summed over segments (padded heights). */
  readonly rowsByTable: Readonly<Record<string, number>>;
  /** Committed base-field cells of all segments (main, preprocessed, aux and quotient). */
  readonly cells: number;
  readonly segments: number;
}

/** The public claim a proof is checked against. */
export interface PublicIO {
  readonly publicInput?: Uint8Array;
  readonly output?: Uint8Array;
}

const pkCache = new Map<string, Promise<ProvingKey>>();
const vkCache = new Map<string, VerifyingKey>();

function keyOf(vm: VmMachine, o: ProofOptions): string {
  return `${vm.program.digest}:${o.logBlowup},${o.numQueries},${o.foldingArity},${o.logFinalPolyLen},${o.powBits}`;
}

function provingKey(vm: VmMachine, options: ProofOptions, backend: ProverBackend): Promise<ProvingKey> {
  const key = keyOf(vm, options);
  let pk = pkCache.get(key);
  if (!pk) {
    if (pkCache.size > 8) pkCache.clear();
    pk = setup(vm.machine, options, backend);
    pk.then((k) => rememberVk(key, k.vk), () => pkCache.delete(key));
    pkCache.set(key, pk);
  }
  return pk;
}

/**
 * The verifying key (the root of the fixed columns) is a function of the program and the options;
 * computing it means committing the fixed tables (~60-200 ms), so it is kept in memory and on disk
 * under the package's build/vk/ (written only by this code, like the guest build cache).
 */
const VK_DIR = new URL('../build/vk/', import.meta.url);

function vkFile(key: string): URL {
  return new URL(`${bytesToHex(blake3(new TextEncoder().encode(key))).slice(0, 32)}.json`, VK_DIR);
}

function rememberVk(key: string, vk: VerifyingKey): void {
  if (vkCache.size > 32) vkCache.clear();
  vkCache.set(key, vk);
  try {
    mkdirSync(VK_DIR, { recursive: true });
    const f = vkFile(key);
    const tmp = new URL(`${f.pathname.split('/').pop()}.${process.pid}.tmp`, VK_DIR);
    writeFileSync(tmp, JSON.stringify({ key, root: vk.root ? bytesToHex(vk.root) : null, logHeights: vk.logHeights }));
    renameSync(tmp, f);
  } catch {
    // a read-only install: the key is recomputed next time
  }
}

async function verifyingKey(vm: VmMachine, options: ProofOptions, backend?: ProverBackend): Promise<VerifyingKey> {
  const key = keyOf(vm, options);
  const hit = vkCache.get(key);
  if (hit) return hit;
  try {
    const j = JSON.parse(readFileSync(vkFile(key), 'utf8')) as { key: string; root: string | null; logHeights: number[] };
    if (j.key === key && Array.isArray(j.logHeights)) {
      const vk = { root: j.root === null ? null : hexBytes(j.root), logHeights: j.logHeights };
      vkCache.set(key, vk);
      return vk;
    }
  } catch {
    // not cached yet
  }
  // One thread: worker start-up costs more than the fixed tables' commitment.
  const b = backend ?? (await createBackend({ threads: 1 }));
  try {
    const pk = await setup(vm.machine, options, b);
    rememberVk(key, pk.vk);
    return pk.vk;
  } finally {
    if (!backend) await b.dispose();
  }
}

/** The shared bus challenges: a transcript over the claim and every segment's main root. */
function sharedChallenges(program: Program, claim: RunClaim, segmentCycles: number, statements: readonly SegmentStatement[]): BusChallenges {
  const t = new Transcript(TRANSCRIPT_LABEL);
  t.observeBytes(hexBytes(program.digest));
  t.observeBytes(claim.publicInput);
  t.observeBytes(claim.output);
  t.observeU32(claim.pubConsumed);
  t.observeU32(segmentCycles);
  t.observeU32(statements.length);
  statements.forEach((s, i) => {
    t.observeU32(i);
    observeSegment(t, s);
  });
  const beta = t.sampleExt();
  const gamma = t.sampleExt();
  return { beta, gamma };
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** The verifier's own bus terms for a claim (see the module doc). */
export function publicTerms(program: Program, claim: RunClaim): BusTerm[] {
  const terms: BusTerm[] = [
    { bus: stateBus, tuple: [TS0, program.entry, program.globals.length, program.memory.initialPages, 0, 0, 0], multiplicity: 1 },
    { bus: haltBus, tuple: [claim.pubConsumed, claim.output.length], multiplicity: -1 },
  ];
  for (let j = 0; j < claim.pubConsumed; j++) terms.push({ bus: ioBus, tuple: [IO_IN, j, claim.publicInput[j]!], multiplicity: 1 });
  for (let j = 0; j < claim.output.length; j++) terms.push({ bus: ioBus, tuple: [IO_OUT, j, claim.output[j]!], multiplicity: -1 });
  return terms;
}

/** Public values each table of segment k of n expects (image: first segment; boundary: last; bulk: public input length). */
function expectedPublics(vm: VmMachine, k: number, n: number, publicInputLength: number): (number[] | undefined)[] {
  const p: (number[] | undefined)[] = vm.machine.tables.map(() => undefined);
  p[vm.index['memory-image']!] = [k === 0 ? 1 : 0];
  p[vm.index['memory-boundary']!] = [k === n - 1 ? 1 : 0];
  p[vm.index.bulk!] = [publicInputLength];
  return p;
}

/** Executes `program` and proves the run. */
export async function proveRun(program: Program, io: ExecuteIO = {}, opts: ProveRunOptions = {}): Promise<ProveRunResult> {
  const segmentCycles = opts.segmentCycles ?? DEFAULT_SEGMENT_CYCLES;
  const progress = opts.onProgress ?? (() => {});
  progress('execute', 0);
  const run = execute(program, io, { record: true, maxCycles: opts.maxCycles });
  const rec = run.record!;
  const vm = vmMachine(program);
  let witness: RunWitness;
  try {
    progress('trace', 0);
    witness = generateWitness(vm, rec, segmentCycles);
  } finally {
    rec.release();
  }
  const publicInput = io.publicInput ?? new Uint8Array(0);
  const claim = { publicInput, output: run.output, pubConsumed: witness.pubConsumed };
  const proof = await proveWitness(vm, witness, claim, { ...opts, segmentCycles });
  const rowsByTable: Record<string, number> = {};
  let cells = 0;
  for (const seg of witness.segments) {
    vm.machine.tables.forEach((t, i) => {
      const h = seg.traces[i]!.height;
      rowsByTable[t.name] = (rowsByTable[t.name] ?? 0) + h;
      cells += h * t.info.cellsPerRow;
    });
  }
  return { proof, output: run.output, cycles: run.cycles, rowsByTable, cells, segments: witness.segments.length };
}

/** What a run proof claims: the public input, the output and how much public input was read. */
export interface RunClaim {
  readonly publicInput: Uint8Array;
  readonly output: Uint8Array;
  readonly pubConsumed: number;
}

/**
 * Proves a run's witness (from `generateWitness`) for `claim`. `proveRun` calls it; tests call it on
 * a tampered witness to check that the verifier rejects what a cheating prover can produce.
 */
export async function proveWitness(vm: VmMachine, witness: RunWitness, claim: RunClaim, opts: ProveRunOptions & { segmentCycles: number }): Promise<VmProof> {
  const { program } = vm;
  const options = opts.options ?? ProofOptions.standard();
  const segmentCycles = opts.segmentCycles;
  const progress = opts.onProgress ?? (() => {});
  const terms = publicTerms(program, claim);
  if (opts.debug) debugCheck(vm, witness, terms);

  const owned = opts.backend ? undefined : await defaultBackend();
  const backend = opts.backend ?? owned!;
  try {
    progress('setup', 0);
    const pk = await provingKey(vm, options, backend);
    const n = witness.segments.length;
    const statements: (SegmentStatement | undefined)[] = new Array(n);
    let release!: (ch: BusChallenges) => void;
    let fail!: (e: unknown) => void;
    const shared = new Promise<BusChallenges>((res, rej) => {
      release = res;
      fail = rej;
    });
    let arrived = 0;
    let done = 0;
    const fractions = new Float64Array(n);
    const report = (phase: string): void => progress(phase, fractions.reduce((a, b) => a + b, 0) / n);
    const jobs = witness.segments.map((seg, k) =>
      proveStark(
        vm.machine,
        { traces: seg.traces, publics: seg.publics },
        {
          options,
          backend,
          provingKey: pk,
          debug: false,
          onPhase: (phase, f) => {
            fractions[k] = f;
            report(n > 1 ? `prove ${n} segments: ${phase}` : `prove: ${phase}`);
          },
          busChallenges: (_root, statement) => {
            statements[k] = statement;
            if (++arrived === n) release(sharedChallenges(program, claim, segmentCycles, statements as SegmentStatement[]));
            return shared;
          },
        },
      ).then(
        (p) => {
          if (++done === n) progress('done', 1);
          return p;
        },
        (e: unknown) => {
          fail(e);
          throw e;
        },
      ),
    );
    const segments = await Promise.all(jobs);
    return { version: VM_PROOF_VERSION, program, publicInput: claim.publicInput, output: claim.output, pubConsumed: claim.pubConsumed, segmentCycles, segments };
  } finally {
    await owned?.dispose();
  }
}

/** Every constraint of every segment and the global bus balance with the verifier's terms. */
function debugCheck(vm: VmMachine, w: RunWitness, terms: readonly BusTerm[]): void {
  const failures: ConstraintFailure[] = [];
  const inputs: BusCheckInput[] = [];
  for (const seg of w.segments) {
    vm.machine.tables.forEach((table, i) => {
      const pre = table.preprocessed?.values();
      const r = checkAllConstraints(table, seg.traces[i]!, { publics: seg.publics[i], preprocessed: pre, maxFailures: 10 });
      failures.push(...r.failures.map((f) => ({ ...f, table: `${f.table} (segment ${seg.index})` })));
      inputs.push({ table, trace: seg.traces[i]!, publics: seg.publics[i], preprocessed: pre });
    });
  }
  const extra: ExtraBusTerm[] = terms.map((t) => ({ bus: t.bus, tuple: t.tuple, multiplicity: t.multiplicity }));
  const bus = checkBuses(inputs, { extra, maxFailures: 20 });
  if (failures.length > 0 || !bus.ok) throw new ConstraintError({ ok: false, failures, busFailures: [...bus.busFailures] });
}

export interface VerifyRunOptions {
  readonly minSecurityBits?: number;
  readonly backend?: ProverBackend;
}

/**
 * Checks `proof` against the program digest (hex) or Program, and the public claim: throws
 * VerifyError naming the failed check; resolves on success. When `io.publicInput` / `io.output`
 * are given they must equal the proof's claim; otherwise the proof's own claim is checked.
 */
export async function verifyRun(digestOrProgram: string | Program, io: PublicIO, proof: VmProof, opts: VerifyRunOptions = {}): Promise<void> {
  const program = proof.program;
  const want = typeof digestOrProgram === 'string' ? digestOrProgram.toLowerCase() : digestOrProgram.digest;
  if (program.digest !== want) throw new VerifyError('public-values', `the proof is for program ${program.digest}, not ${want}`);
  const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
  if (io.publicInput && !same(io.publicInput, proof.publicInput)) throw new VerifyError('public-values', 'the proof is for another public input');
  if (io.output && !same(io.output, proof.output)) throw new VerifyError('public-values', 'the proof claims another output');
  const n = proof.segments.length;
  if (n < 1) throw new VerifyError('shape', 'no segment proofs');
  if (!(proof.pubConsumed >= 0 && proof.pubConsumed <= proof.publicInput.length)) throw new VerifyError('shape', 'consumed public input exceeds the public input');
  const vm = vmMachine(program);
  const options = proof.segments[0]!.options;
  for (const s of proof.segments) if (JSON.stringify(s.options) !== JSON.stringify(options)) throw new VerifyError('options', 'segments use different proof options');
  // Timestamps must stay below 2^29 for the memory order checks (tables/memory.ts).
  let tsBound = TS0;
  const cpuI = vm.index.cpu!, bulkI = vm.index.bulk!;
  for (const s of proof.segments) tsBound += 4 * 2 ** (s.tables[cpuI]?.logHeight ?? 30) + 2 * 2 ** (s.tables[bulkI]?.logHeight ?? 30);
  if (tsBound >= LIMIT) throw new VerifyError('shape', `the segments' rows allow timestamps up to ${tsBound}, above 2^29`);

  let vk: VerifyingKey;
  try {
    vk = await verifyingKey(vm, options, opts.backend);
  } catch (e) {
    throw new VerifyError('options', `cannot set up the program's tables with these options: ${(e as Error).message}`);
  }
  {
    const claim = { publicInput: proof.publicInput, output: proof.output, pubConsumed: proof.pubConsumed };
    const ch = sharedChallenges(program, claim, proof.segmentCycles, proof.segments.map((s) => ({ mainRoot: s.roots.main, tables: s.tables })));
    let total: Ext4 = ext(0);
    proof.segments.forEach((seg, k) => {
      try {
        const r = verifyStark(vm.machine, seg, { vk, busChallenges: ch, busBalance: 'external', publics: expectedPublics(vm, k, n, proof.publicInput.length), minSecurityBits: opts.minSecurityBits });
        total = eAdd(total, r.busSum);
      } catch (e) {
        if (e instanceof VerifyError) throw new VerifyError(e.check, `segment ${k}: ${e.message.replace(/^verification failed \([^)]*\): /, '')}`, { ...e.detail, segment: k });
        throw e;
      }
    });
    total = eAdd(total, logUpTerms(publicTerms(program, claim), ch));
    if (!equals(total, ext(0))) throw new VerifyError('bus-balance', 'the segments and the public claim do not balance (wrong output, input, program or a missing segment)');
  }
}

/** The hex digest of a proof file's bytes (for naming). */
export function proofId(bytes: Uint8Array): string {
  return bytesToHex(blake3(bytes)).slice(0, 16);
}

/** Serializes a run proof. */
export function encodeVmProof(p: VmProof): Uint8Array {
  const w = new ByteWriter();
  w.bytes(VM_PROOF_MAGIC).u32(p.version);
  const prog = encodeProgram(p.program);
  w.u32(prog.length).bytes(prog);
  w.u32(p.publicInput.length).bytes(p.publicInput);
  w.u32(p.output.length).bytes(p.output);
  w.u32(p.pubConsumed).u32(p.segmentCycles).u32(p.segments.length);
  for (const s of p.segments) {
    const b = encodeProof(s);
    w.u32(b.length).bytes(b);
  }
  return w.finish();
}

/** Parses a run proof; throws ProofFormatError on anything malformed (never a crash). */
export function decodeVmProof(bytes: Uint8Array): VmProof {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeVmProof: bytes must be a Uint8Array');
  const r = new ByteReader(bytes);
  const magic = r.bytes(4, 'magic');
  if (!magic.every((v, i) => v === VM_PROOF_MAGIC[i])) r.fail('not a tensor-zkvm run proof (bad magic number)', 0);
  const version = r.u32('version');
  if (version !== VM_PROOF_VERSION) r.fail(`unsupported version ${version} (this build reads ${VM_PROOF_VERSION})`, 4);
  const blob = (what: string): Uint8Array => r.bytes(r.count(32, what, 1), what);
  const progBytes = blob('program');
  let program: Program;
  try {
    program = decodeProgram(progBytes);
  } catch (e) {
    throw new ProofFormatError(`embedded program: ${(e as Error).message}`);
  }
  const publicInput = blob('public input');
  const output = blob('output');
  const pubConsumed = r.u32('public input consumed');
  const segmentCycles = r.u32('segment size');
  const n = r.count(32, 'segment count', 4, 1 << 16);
  const segments: StarkProof[] = [];
  for (let k = 0; k < n; k++) {
    const at = r.offset;
    const b = blob(`segment ${k}`);
    try {
      segments.push(decodeProof(b));
    } catch (e) {
      if (e instanceof ProofFormatError) throw new ProofFormatError(`segment ${k}: ${e.message}`, at);
      throw e;
    }
  }
  if (r.remaining !== 0) r.fail(`${r.remaining} trailing bytes`);
  return { version, program, publicInput, output, pubConsumed, segmentCycles, segments };
}
