/**
 * `npm run bench`: runs every benchmark subject in bench/ and prints one table.
 *
 * A subject is a bench/*.ts file exporting a function named `bench*` or `run*` that returns (a
 * promise of) an object of figures. Other files (helpers, or scripts that run when imported, such
 * as bench/pcs.ts) are recognised from their text and never imported. Subjects whose
 * function needs arguments get them from ARGS below. Nested figures are flattened (`merkle.0.ms`).
 * One failing subject is reported and does not stop the others.
 *
 * Usage: `npm run bench [-- SUBJECT ...] [-- --json]` (subjects are file names without .ts).
 * Figures measured on a shared machine are noisy: BENCHMARKS.md records machine, date and command.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Figures = Record<string, unknown>;
type BenchFn = (arg?: unknown) => Figures | Promise<Figures>;

const HERE = dirname(fileURLToPath(import.meta.url));
const SUBJECT_EXPORT = /^export (?:async )?function ((?:bench|run)[A-Z]\w*)/m;

/** Arguments for subjects whose function requires them (the rest are called with none). */
const ARGS: Record<string, unknown> = {
  fib: { logRows: 16 },
};

function flatten(value: unknown, prefix: string, out: Array<[string, string]>): void {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix, typeof value === 'number' ? formatNumber(value) : String(value)]);
  }
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  return x.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const wanted = argv.filter((a) => !a.startsWith('--'));
  const files = readdirSync(HERE)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
    .sort();
  const rows: Array<[string, string, string]> = [];
  const all: Record<string, Figures | { error: string }> = {};
  for (const file of files) {
    const subject = basename(file, '.ts');
    if (wanted.length > 0 && !wanted.includes(subject)) continue;
    if (!SUBJECT_EXPORT.test(readFileSync(join(HERE, file), 'utf8'))) continue;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(join(HERE, file)).href)) as Record<string, unknown>;
    } catch (e) {
      rows.push([subject, 'error', (e as Error).message.split('\n')[0]!]);
      all[subject] = { error: (e as Error).message };
      continue;
    }
    const fnName = Object.keys(mod).find((k) => /^(bench|run)[A-Z]/.test(k) && typeof mod[k] === 'function');
    if (!fnName) continue;
    process.stderr.write(`bench: ${subject} (${fnName}) ...\n`);
    const t = performance.now();
    try {
      const fn = mod[fnName] as BenchFn;
      const figures = await (subject in ARGS ? fn(ARGS[subject]) : fn());
      all[subject] = figures;
      const flat: Array<[string, string]> = [];
      flatten(figures, '', flat);
      for (const [k, v] of flat) rows.push([subject, k, v]);
    } catch (e) {
      rows.push([subject, 'error', (e as Error).message.split('\n')[0]!]);
      all[subject] = { error: (e as Error).message };
    }
    process.stderr.write(`bench: ${subject} done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(all)}\n`);
    return;
  }
  const w0 = Math.max(7, ...rows.map((r) => r[0].length));
  const w1 = Math.max(6, ...rows.map((r) => r[1].length));
  const line = (a: string, b: string, c: string) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}\n`;
  process.stdout.write(line('subject', 'figure', 'value'));
  process.stdout.write(line('-'.repeat(w0), '-'.repeat(w1), '-----'));
  for (const [a, b, c] of rows) process.stdout.write(line(a, b, c));
}

await main(process.argv.slice(2));
