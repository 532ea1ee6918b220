/**
 * The `zkvm` command as a function: `runCli(argv, io)` returns the exit code. A thin layer over the
 * library (guest/build.ts, vm/executor.ts, bench/); cli/main.ts binds it to the process, and tests
 * call it in-process (spawning a process per case costs seconds).
 *
 * Each command parses its own flags with node:util parseArgs (strict: unknown flags are errors),
 * calls one library function and prints either a short human summary or, with --json, exactly one
 * JSON object on stdout. Every failure ends as one line `zkvm: <reason>` on stderr and a non-zero
 * exit code (2 for usage errors, 1 for everything else); a host stack trace is printed only when
 * ZKVM_DEBUG is set.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageText, commandHelp, COMMANDS, type CommandName } from './help.ts';
import { describeError, UsageError } from './errors.ts';

type Values = Record<string, string | boolean | undefined>;

/** Where the command writes; the process's streams in cli/main.ts, buffers in tests. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_IO: CliIO = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** Runs one `zkvm` command line; resolves to the exit code (0 ok, 1 failure, 2 usage). Never throws. */
export async function runCli(argv: readonly string[], io: CliIO = PROCESS_IO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    const { message, usage } = describeError(e);
    io.stderr(`zkvm: ${message}\n`);
    if (process.env.ZKVM_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return usage ? 2 : 1;
  }
}

async function dispatch(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr(usageText());
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    io.stdout(topic && isCommand(topic) ? commandHelp(topic) : usageText());
    return 0;
  }
  if (command === '--version' || command === '-v') {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    io.stdout(`${pkg.version}\n`);
    return 0;
  }
  if (!isCommand(command)) throw new UsageError(`unknown command '${command}' (try: zkvm --help)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandHelp(command));
    return 0;
  }
  switch (command) {
    case 'build':
      return cmdBuild(rest, io);
    case 'run':
      return cmdRun(rest, io);
    case 'disasm':
      return cmdDisasm(rest, io);
    case 'bench':
      return cmdBench(rest, io);
    case 'prove':
      return cmdProve(rest, io);
    case 'verify':
      return cmdVerify(rest, io);
  }
}

function isCommand(s: string): s is CommandName {
  return (COMMANDS as readonly string[]).includes(s);
}

function parse(command: CommandName, args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.split('\n')[0]}`);
  }
}

function onePositional(command: CommandName, positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`${command}: missing ${what} (try: zkvm ${command} --help)`);
  if (positionals.length > 1) throw new UsageError(`${command}: expected one ${what}, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals[0]!;
}

function positiveInt(command: CommandName, flag: string, text: string | boolean | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${command}: --${flag} expects a positive integer, got '${String(text)}'`);
  return n;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

function writeJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}

// ---------------------------------------------------------------------------------------------

async function cmdBuild(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('build', args, {
    output: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
  });
  const source = onePositional('build', positionals, 'guest (guest.ts, module.wasm or examples/NAME)');
  const { buildProgram, resolveGuest } = await import('../guest/build.ts');
  const { encodeProgram } = await import('../vm/program.ts');
  const guest = await resolveGuest(source);
  if (guest.kind === 'program') throw new UsageError(`build: ${source} is already a program`);
  const t0 = performance.now();
  const program = await buildProgram(guest, values['no-cache'] ? { cacheDir: null } : {});
  const buildMs = performance.now() - t0;
  const out = resolve(typeof values.output === 'string' ? values.output : `${guest.name}.zkvm`);
  const bytes = encodeProgram(program);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, bytes);
  const instructions = program.code.length / 4;
  if (values.json) {
    writeJson(io, { program: out, name: program.name, digest: program.digest, instructions, bytes: bytes.length, buildMs: Math.round(buildMs) });
  } else {
    io.stdout(`built ${out}\n  ${instructions} instructions, ${bytes.length} bytes, digest ${program.digest}, ${Math.round(buildMs)} ms\n`);
  }
  return 0;
}

async function cmdRun(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('run', args, {
    input: { type: 'string' },
    'public-input': { type: 'string' },
    'input-hex': { type: 'string' },
    'public-input-hex': { type: 'string' },
    'max-cycles': { type: 'string' },
    json: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
  });
  const source = onePositional('run', positionals, 'program or guest');
  const maxCycles = positiveInt('run', 'max-cycles', values['max-cycles']);
  const input = await inputBytes('input', values.input, values['input-hex']);
  const publicInput = await inputBytes('public-input', values['public-input'], values['public-input-hex']);
  const { buildProgram } = await import('../guest/build.ts');
  const { execute } = await import('../vm/executor.ts');
  const program = await buildProgram(source, values['no-cache'] ? { cacheDir: null } : {});
  const t0 = performance.now();
  const result = execute(program, { input, publicInput }, maxCycles === undefined ? {} : { maxCycles });
  const runMs = performance.now() - t0;
  if (values.json) {
    writeJson(io, {
      program: program.name,
      digest: program.digest,
      output: hex(result.output),
      cycles: result.cycles,
      cyclesByClass: result.cyclesByClass,
      memoryBytes: result.memoryBytes,
      runMs: Math.round(runMs * 1000) / 1000,
    });
  } else {
    const classes = Object.entries(result.cyclesByClass)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    io.stdout(
      `output: ${result.output.length === 0 ? '(empty)' : hex(result.output)}\n` +
        `cycles: ${result.cycles}${classes ? ` (${classes})` : ''}\n`,
    );
  }
  return 0;
}

/**
 * The `onProgress` callback of `zkvm prove`: prints "  phase NN% (T s)" lines on stderr once the
 * proof has run for a second (nothing for short proofs, nothing at all when `quiet`, i.e. --json),
 * skipping repeats of the same line. `now` (ms) is a parameter for tests.
 */
export function progressPrinter(io: CliIO, quiet: boolean, now: () => number = () => performance.now()): (phase: string, fraction: number) => void {
  if (quiet) return () => {};
  const t0 = now();
  let last = '';
  let lastAt = -Infinity;
  return (phase, fraction) => {
    const t = now() - t0;
    if (t < 1000) return;
    // One line per phase change or per half second: the prover reports every table's quotient.
    const name = phase.replace(/^(prove[^:]*): .*/, '$1');
    const line = `${name} ${Math.round(fraction * 100)}%`;
    if (line === last || (name === last.slice(0, name.length) && t - lastAt < 500 && fraction < 1)) return;
    last = line;
    lastAt = t;
    io.stderr(`  ${line} (${(t / 1000).toFixed(1)} s)\n`);
  };
}

async function cmdProve(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('prove', args, {
    input: { type: 'string' },
    'public-input': { type: 'string' },
    'input-hex': { type: 'string' },
    'public-input-hex': { type: 'string' },
    output: { type: 'string', short: 'o' },
    'segment-cycles': { type: 'string' },
    'max-cycles': { type: 'string' },
    security: { type: 'string' },
    json: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
  });
  const source = onePositional('prove', positionals, 'program or guest');
  if (typeof values.output !== 'string') throw new UsageError('prove: -o <proof-file> is required');
  const segmentCycles = positiveInt('prove', 'segment-cycles', values['segment-cycles']);
  if (segmentCycles !== undefined && (segmentCycles < 2 || (segmentCycles & (segmentCycles - 1)) !== 0 || segmentCycles > 1 << 22)) {
    throw new UsageError(`prove: --segment-cycles must be a power of two in [2, 2^22], got ${segmentCycles}`);
  }
  const maxCycles = positiveInt('prove', 'max-cycles', values['max-cycles']);
  const input = await inputBytes('input', values.input, values['input-hex']);
  const publicInput = await inputBytes('public-input', values['public-input'], values['public-input-hex']);
  const { ProofOptions } = await import('../prover/options.ts');
  const security = typeof values.security === 'string' ? values.security : 'standard';
  if (security !== 'standard' && security !== 'high') throw new UsageError(`prove: --security must be standard (100 bits) or high (128 bits), got '${security}'`);
  const options = security === 'high' ? ProofOptions.high() : ProofOptions.standard();
  const { buildProgram } = await import('../guest/build.ts');
  const { proveRun, encodeVmProof } = await import('../vm/prove.ts');
  const { securityBits } = await import('../prover/options.ts');
  const program = await buildProgram(source, values['no-cache'] ? { cacheDir: null } : {});
  const t0 = performance.now();
  const r = await proveRun(program, { input, publicInput }, { options, segmentCycles, maxCycles, onProgress: progressPrinter(io, values.json === true) });
  const proveMs = performance.now() - t0;
  const bytes = encodeVmProof(r.proof);
  const out = resolve(values.output);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, bytes);
  const peakMemoryBytes = process.resourceUsage().maxRSS * 1024;
  const figures = {
    proof: out,
    program: program.name,
    digest: program.digest,
    output: hex(r.output),
    cycles: r.cycles,
    segments: r.segments,
    rowsByTable: r.rowsByTable,
    cells: r.cells,
    proveMs: Math.round(proveMs),
    peakMemoryBytes,
    proofBytes: bytes.length,
    securityBits: securityBits(options),
  };
  if (values.json) writeJson(io, figures);
  else {
    io.stdout(
      `proved ${program.name}: ${r.cycles} cycles in ${r.segments} segment${r.segments === 1 ? '' : 's'}, ${(proveMs / 1000).toFixed(2)} s\n` +
        `  output ${r.output.length === 0 ? '(empty)' : hex(r.output)}\n` +
        `  proof ${out}: ${(bytes.length / 1024).toFixed(1)} KiB, ${figures.securityBits} bits; ${r.cells} committed cells; peak memory ${(peakMemoryBytes / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }
  return 0;
}

async function cmdVerify(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('verify', args, {
    'public-input': { type: 'string' },
    'public-input-hex': { type: 'string' },
    output: { type: 'string' },
    'output-hex': { type: 'string' },
    json: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
  });
  if (positionals.length !== 2) throw new UsageError(`verify: expected <program.zkvm | digest> <proof-file>, got ${positionals.length} argument(s) (try: zkvm verify --help)`);
  const [target, proofFile] = positionals as [string, string];
  const publicInput = values['public-input'] !== undefined || values['public-input-hex'] !== undefined ? await inputBytes('public-input', values['public-input'], values['public-input-hex']) : undefined;
  const output = values.output !== undefined || values['output-hex'] !== undefined ? await inputBytes('output', values.output, values['output-hex']) : undefined;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(proofFile));
  } catch (e) {
    throw new UsageError(`verify: cannot read proof file ${proofFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { verifyRun, decodeVmProof } = await import('../vm/prove.ts');
  let digest: string;
  if (/^[0-9a-fA-F]{64}$/.test(target)) digest = target.toLowerCase();
  else {
    const { buildProgram } = await import('../guest/build.ts');
    digest = (await buildProgram(target, values['no-cache'] ? { cacheDir: null } : {})).digest;
  }
  const t0 = performance.now();
  try {
    const proof = decodeVmProof(bytes);
    await verifyRun(digest, { publicInput, output }, proof);
    const verifyMs = performance.now() - t0;
    if (values.json) writeJson(io, { ok: true, verifyMs: Math.round(verifyMs * 10) / 10, digest, output: hex(proof.output), segments: proof.segments.length });
    else io.stdout(`ok: the proof is valid for program ${digest}\n  output ${proof.output.length === 0 ? '(empty)' : hex(proof.output)}; ${proof.segments.length} segment(s); verified in ${verifyMs.toFixed(0)} ms\n`);
    return 0;
  } catch (e) {
    const name = (e as Error)?.name;
    if (name !== 'VerifyError' && name !== 'ProofFormatError') throw e;
    const reason = (e as Error).message;
    if (values.json) writeJson(io, { ok: false, verifyMs: Math.round((performance.now() - t0) * 10) / 10, reason });
    else io.stderr(`zkvm: rejected: ${reason}\n`);
    return 1;
  }
}

async function inputBytes(flag: string, file: string | boolean | undefined, hexText: string | boolean | undefined): Promise<Uint8Array> {
  if (file !== undefined && hexText !== undefined) throw new UsageError(`give --${flag} or --${flag}-hex, not both`);
  if (typeof hexText === 'string') {
    const clean = hexText.replace(/^0x/, '');
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw new UsageError(`--${flag}-hex expects an even number of hex digits`);
    return new Uint8Array(Buffer.from(clean, 'hex'));
  }
  if (typeof file !== 'string') return new Uint8Array(0);
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new UsageError(`cannot read --${flag} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function cmdDisasm(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('disasm', args, { 'no-cache': { type: 'boolean' } });
  const source = onePositional('disasm', positionals, 'program or guest');
  const { buildProgram } = await import('../guest/build.ts');
  const { disassemble } = await import('../vm/disasm.ts');
  const text = disassemble(await buildProgram(source, values['no-cache'] ? { cacheDir: null } : {}));
  io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

async function cmdBench(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('bench', args, {
    'log-rows': { type: 'string' },
    json: { type: 'boolean' },
  });
  const subject = onePositional('bench', positionals, 'subject (fib)');
  if (subject !== 'fib') throw new UsageError(`bench: unknown subject '${subject}' (known: fib; npm run bench runs them all)`);
  const logRows = positiveInt('bench', 'log-rows', values['log-rows']) ?? 16;
  if (logRows > 27) throw new UsageError(`bench: --log-rows must be at most 27 (BabyBear's two-adicity), got ${logRows}`);
  // A variable specifier: bench/fib.ts belongs to the STARK work and may not exist in every build.
  const fibModule = new URL('../bench/fib.ts', import.meta.url);
  if (!existsSync(fibModule)) throw new Error('bench fib is not available in this build (bench/fib.ts is missing)');
  const mod = (await import(fibModule.href).catch((e: unknown) => {
    throw new Error(`cannot load bench/fib.ts: ${e instanceof Error ? e.message : String(e)}`);
  })) as { runFibBench?: (o: { logRows: number }) => Promise<Record<string, unknown>> | Record<string, unknown> };
  if (typeof mod.runFibBench !== 'function') throw new Error('bench/fib.ts does not export runFibBench');
  const runFibBench = mod.runFibBench;
  const figures = await runFibBench({ logRows });
  if (values.json) {
    writeJson(io, figures);
  } else {
    for (const [k, v] of Object.entries(figures)) io.stdout(`${k.padEnd(18)} ${String(v)}\n`);
  }
  return 0;
}
