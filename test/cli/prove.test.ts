/**
 * `zkvm prove` / `zkvm verify` in-process (`runCli`): a real proof of the fibonacci example at the
 * standard 100-bit options (no test preset on the CLI, so verify keeps refusing weaker proofs),
 * verified by program file, guest path and digest; the --json contracts of issue 5; rejection of
 * another claimed output, public input or program, and of damaged proof files, always as exit 1
 * with one line (or {ok: false, reason}); usage errors as exit 2; progress on stderr only without
 * --json; a proof below 100 bits refused. Three proofs in all (--json, text, and one at test
 * options through the library), a few seconds each.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fib from '../../examples/fibonacci/input.ts';
import { progressPrinter, runCli } from '../../cli/cli.ts';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function zkvm(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Non-zero exit, exactly one `zkvm: ...` line on stderr, no stack trace, nothing on stdout. */
function expectOneLineFailure(r: CliResult, pattern: RegExp, code = 1): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l.trim().length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^zkvm: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

/** The keys `zkvm prove --json` prints: issue 5's contract plus the documented extras. */
const PROVE_KEYS = ['cycles', 'rowsByTable', 'cells', 'proveMs', 'peakMemoryBytes', 'proofBytes', 'output', 'proof', 'program', 'digest', 'segments', 'securityBits'];
const VERIFY_KEYS = ['ok', 'verifyMs', 'digest', 'output', 'segments'];

interface ProveJson {
  cycles: number;
  rowsByTable: Record<string, number>;
  cells: number;
  proveMs: number;
  peakMemoryBytes: number;
  proofBytes: number;
  output: string;
  proof: string;
  program: string;
  digest: string;
  segments: number;
  securityBits: number;
}

// fib(12) = 144 = 0x90, as a little-endian u64.
const N = 12;
const FIB_OUT = '9000000000000000';

describe('zkvm prove / verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkvm-prove-'));
  const file = (name: string, bytes?: Uint8Array | string): string => {
    const p = join(dir, name);
    if (bytes !== undefined) writeFileSync(p, bytes);
    return p;
  };
  const program = file('fib.zkvm');
  const input = file('n.bin', fib.encodeInput(N));
  const proofFile = file('fib.proof');
  let proved: CliResult;
  let info: ProveJson;

  beforeAll(async () => {
    const built = await zkvm('build', 'examples/fibonacci', '-o', program);
    expect(built.code, built.stderr).toBe(0);
    // By guest path, with --json: the object is the only thing printed, on stdout; stderr stays silent.
    proved = await zkvm('prove', 'examples/fibonacci', '--input', input, '-o', proofFile, '--json');
    expect(proved.code, proved.stderr).toBe(0);
    info = JSON.parse(proved.stdout) as ProveJson;
  }, 120_000);

  it('prove --json prints exactly one object with the contract keys, and nothing on stderr', () => {
    expect(proved.stdout.trim().split('\n')).toHaveLength(1);
    expect(proved.stderr).toBe('');
    expect(Object.keys(info).sort()).toEqual([...PROVE_KEYS].sort());
    expect(info.output).toBe(FIB_OUT);
    expect(fib.decodeOutput(Uint8Array.from(Buffer.from(info.output, 'hex')))).toBe(fib.fibReference(N));
    expect(Number.isInteger(info.cycles) && info.cycles > N).toBe(true);
    expect(info.segments).toBe(1);
    expect(info.proof).toBe(proofFile);
    expect(info.proofBytes).toBe(statSync(proofFile).size);
    expect(info.securityBits).toBeGreaterThanOrEqual(100);
    expect(info.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isInteger(info.proveMs) && info.proveMs > 0).toBe(true);
    expect(info.peakMemoryBytes).toBeGreaterThan(2 ** 20);
    // Padded heights: powers of two (or 0 for an unused table); the CPU table holds every cycle.
    const rows = Object.values(info.rowsByTable);
    expect(rows.length).toBeGreaterThan(3);
    for (const h of rows) expect(h === 0 || (Number.isInteger(h) && (h & (h - 1)) === 0), JSON.stringify(info.rowsByTable)).toBe(true);
    expect(info.rowsByTable.cpu).toBeGreaterThanOrEqual(info.cycles);
    expect(info.cells).toBeGreaterThan(rows.reduce((s, h) => s + h, 0));
  });

  it('verify accepts the proof by program file, by guest path and by digest', async () => {
    const [byFile, byGuest, byDigest, withClaim] = await Promise.all([
      zkvm('verify', program, proofFile, '--json'),
      zkvm('verify', 'examples/fibonacci', proofFile),
      zkvm('verify', info.digest, proofFile, '--json'),
      zkvm('verify', info.digest.toUpperCase(), proofFile, '--output-hex', FIB_OUT, '--public-input-hex', '', '--json'),
    ]);
    for (const r of [byFile, byDigest, withClaim]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      const v = JSON.parse(r.stdout) as { ok: boolean; verifyMs: number; digest: string; output: string; segments: number };
      expect(Object.keys(v).sort()).toEqual([...VERIFY_KEYS].sort());
      expect(v).toMatchObject({ ok: true, digest: info.digest, output: FIB_OUT, segments: 1 });
      expect(v.verifyMs).toBeGreaterThan(0);
    }
    expect(byGuest.code, byGuest.stderr).toBe(0);
    expect(byGuest.stdout).toMatch(new RegExp(`^ok: the proof is valid for program ${info.digest}\\n  output ${FIB_OUT}; 1 segment\\(s\\); verified in \\d+ ms\\n$`));
    expect(byGuest.stderr).toBe('');
  }, 60_000);

  it('verify rejects another claimed output, public input or program: exit 1 with the reason', async () => {
    const wrongOut = file('wrong-out.bin', Uint8Array.of(0x91, 0, 0, 0, 0, 0, 0, 0));
    const pub = file('pub.bin', Uint8Array.of(1, 2, 3));
    const [out, outJson, outHex, pubIn, pubJson, other] = await Promise.all([
      zkvm('verify', program, proofFile, '--output', wrongOut),
      zkvm('verify', program, proofFile, '--output', wrongOut, '--json'),
      zkvm('verify', info.digest, proofFile, '--output-hex', `${FIB_OUT}00`),
      zkvm('verify', program, proofFile, '--public-input', pub),
      zkvm('verify', info.digest, proofFile, '--public-input', pub, '--json'),
      zkvm('verify', 'ab'.repeat(32), proofFile),
    ]);
    expectOneLineFailure(out, /^zkvm: rejected: .*the proof claims another output/);
    expectOneLineFailure(outHex, /the proof claims another output/);
    expectOneLineFailure(pubIn, /^zkvm: rejected: .*the proof is for another public input/);
    expectOneLineFailure(other, new RegExp(`the proof is for program ${info.digest}, not ${'ab'.repeat(32)}`));
    for (const [r, reason] of [
      [outJson, /another output/],
      [pubJson, /another public input/],
    ] as const) {
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('');
      const v = JSON.parse(r.stdout) as { ok: boolean; reason: string; verifyMs: number };
      expect(v.ok).toBe(false);
      expect(v.reason).toMatch(reason);
      expect(typeof v.verifyMs).toBe('number');
    }
  }, 60_000);

  it('a damaged or foreign proof file is rejected with a one-line reason and no stack trace', async () => {
    const good = new Uint8Array(readFileSync(proofFile));
    const damaged = (name: string, f: (b: Uint8Array) => Uint8Array): string => file(name, f(good.slice()));
    const flip = (at: number) => (b: Uint8Array) => {
      b[at]! ^= 0x40;
      return b;
    };
    const cases: Array<[string, string]> = [
      ['bad magic', damaged('magic.proof', flip(0))],
      ['bad version', damaged('version.proof', flip(4))],
      ['truncated', damaged('short.proof', (b) => b.subarray(0, b.length >> 1))],
      ['trailing bytes', damaged('long.proof', (b) => Uint8Array.from([...b, 0]))],
      ['empty', damaged('empty.proof', () => new Uint8Array(0))],
      ['a program file', program],
      // Bytes inside the segment proof: commitments, openings, FRI data.
      ...[0.3, 0.5, 0.7, 0.9, 0.999].map((q): [string, string] => [`byte at ${q}`, damaged(`flip-${q}.proof`, flip(Math.floor(good.length * q)))]),
    ];
    const results = await Promise.all(cases.map(([, f]) => zkvm('verify', info.digest, f)));
    const json = await Promise.all(cases.map(([, f]) => zkvm('verify', info.digest, f, '--json')));
    cases.forEach(([what], i) => {
      const r = results[i]!;
      expect(r.code, `${what}: ${r.stderr}`).toBe(1);
      expectOneLineFailure(r, /^zkvm: rejected: \S/);
      const j = json[i]!;
      expect(j.code, `${what} --json: ${j.stderr}`).toBe(1);
      expect(j.stderr, what).toBe('');
      const v = JSON.parse(j.stdout) as { ok: boolean; reason: string };
      expect(v.ok, what).toBe(false);
      expect(v.reason.length, what).toBeGreaterThan(0);
      expect(v.reason, what).not.toMatch(/\n/);
    });
    expect(results[0]!.stderr).toMatch(/bad magic/);
  }, 60_000);

  it('verify refuses a proof below 100 bits (made with the library at test options): the CLI has no weaker setting', async () => {
    const { decodeProgram } = await import('../../vm/program.ts');
    const { proveRun, encodeVmProof } = await import('../../vm/prove.ts');
    const { ProofOptions } = await import('../../prover/options.ts');
    const prog = decodeProgram(new Uint8Array(readFileSync(program)));
    const weak = await proveRun(prog, { input: fib.encodeInput(N) }, { options: ProofOptions.testing() });
    const weakFile = file('weak.proof', encodeVmProof(weak.proof));
    const [text, json] = await Promise.all([zkvm('verify', program, weakFile), zkvm('verify', prog.digest, weakFile, '--json')]);
    expectOneLineFailure(text, /^zkvm: rejected: .*the proof's options give \d+ bits, this verifier requires 100/);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, reason: expect.stringMatching(/requires 100/) });
  }, 60_000);

  it('usage errors exit 2: no -o, no proof file, a missing proof file, a bad flag value', async () => {
    const rs = await Promise.all([
      zkvm('prove', program, '--input', input),
      zkvm('verify', program),
      zkvm('verify', program, file('nonexistent.proof')),
      zkvm('prove', program, '-o', file('x.proof'), '--security', 'low'),
      zkvm('prove', program, '-o', file('x.proof'), '--segment-cycles', '1000'),
      zkvm('verify', program, proofFile, '--output-hex', 'xyz'),
    ]);
    expectOneLineFailure(rs[0]!, /prove: -o <proof-file> is required/, 2);
    expectOneLineFailure(rs[1]!, /verify: expected <program.zkvm \| digest> <proof-file>/, 2);
    expectOneLineFailure(rs[2]!, /cannot read proof file .*nonexistent\.proof: ENOENT/, 2);
    expectOneLineFailure(rs[3]!, /--security must be standard .* or high/, 2);
    expectOneLineFailure(rs[4]!, /--segment-cycles must be a power of two/, 2);
    expectOneLineFailure(rs[5]!, /--output-hex expects an even number of hex digits/, 2);
  });

  it('a run that fails or exceeds --max-cycles is not proved: exit 1 with the reason, no proof file', async () => {
    const [noInput, tooLong] = await Promise.all([
      zkvm('prove', program, '-o', file('none.proof'), '--json'),
      zkvm('prove', program, '--input', input, '--max-cycles', '10', '-o', file('too-long-run.proof')),
    ]);
    expectOneLineFailure(noInput, /\S/);
    expectOneLineFailure(tooLong, /10/);
    expect(existsSync(file('none.proof'))).toBe(false);
    expect(existsSync(file('too-long-run.proof'))).toBe(false);
  });

  it('prove without --json prints a summary on stdout and progress on stderr once it runs over a second', async () => {
    const textProof = file('text.proof');
    const r = await zkvm('prove', program, '--input-hex', Buffer.from(fib.encodeInput(N)).toString('hex'), '-o', textProof);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^proved fibonacci: ${info.cycles} cycles in 1 segment, \\d+\\.\\d\\d s\\n  output ${FIB_OUT}\\n  proof .*text\\.proof: \\d+\\.\\d KiB, 1\\d\\d bits; \\d+ committed cells; peak memory \\d+ MiB\\n$`));
    const seconds = Number(/in 1 segment, (\d+\.\d+) s/.exec(r.stdout)![1]);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    // "  <phase> NN% (T s)" (phases: execute, trace, setup, then the prover's own, then done).
    for (const l of lines) expect(l).toMatch(/^ {2}[a-z][\w:, -]* \d{1,3}% \(\d+\.\d s\)$/);
    // A proof this long reports after its first second, and the last report is at 100%.
    if (seconds > 1.5) expect(lines.at(-1)).toMatch(/ 100% /);
    const v = await zkvm('verify', info.digest, textProof, '--output-hex', FIB_OUT);
    expect(v.code, v.stderr).toBe(0);
  }, 120_000);

  it('the progress printer: silent for the first second and with --json, one line per new phase and percentage', () => {
    let t = 0;
    const lines: string[] = [];
    const io = { stdout: () => expect.unreachable('progress goes to stderr'), stderr: (s: string) => lines.push(s) };
    const p = progressPrinter(io, false, () => t);
    p('execute', 0);
    t = 999;
    p('trace', 0);
    expect(lines).toEqual([]);
    t = 1500;
    p('setup', 0);
    p('setup', 0.001);
    t = 2500;
    p('commit', 0.5);
    p('prove', 1);
    expect(lines).toEqual(['  setup 0% (1.5 s)\n', '  commit 50% (2.5 s)\n', '  prove 100% (2.5 s)\n']);
    const quiet = progressPrinter(io, true, () => t);
    t = 10_000;
    quiet('prove', 1);
    expect(lines).toHaveLength(3);
  });
});
