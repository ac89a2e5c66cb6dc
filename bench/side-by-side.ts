/**
 * npm run bench:side-by-side -- <old checkout> [bench ...] [--reps N]
 *
 * Runs benchmarks against two servers in one sitting: the server of <old checkout> (through BENCH_SERVER_ROOT,
 * see lib/server.ts) and this checkout's, alternating old/new/old/new... so a change in machine load hits both
 * sides alike. Each repetition is the whole benchmark on its own fresh database. Then it prints every timing and
 * rate figure the benchmark wrote to bench-results/<bench>.json: the median of each side, new/old, and with more
 * than one repetition each side's min/median/max, the noise a ratio has to beat to mean anything.
 *
 * Default benches: ingest, live, query (#19's "no figure worse beyond noise"). Extra env (shapes) passes through,
 * e.g. BENCH_ONLY=mlflow,python for part of bench:ingest, BENCH_RUNS=10 BENCH_STEPS=1000 BENCH_CHART_RUNS=10 for a
 * quicker bench:query.
 */
import { spawn } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fmt, median, printLoad, table } from './lib/stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(ROOT, 'bench-results');
/**
 * Leaves worth comparing: latencies, rates and CPU costs, in the benches' camelCase (p50Ms, pointsPerSec, cpuMs...)
 * and in the Python client's snake_case (points_per_s, log_us_per_call, with_s, overhead_pct); not counts, configs
 * or settings.
 */
const FIGURE = /(p50|p99|median|ms|perSec|pointsPerS|pps|rate|cpu|_s$|_us|_pct$)/i;
/**
 * Not figures: settings (environment, config, the Python client's flush interval), and per-trial arrays
 * (`trialPointsPerSec[3]`, `trials_with_s[0]`), noise that the medians beside them already sum up.
 */
const SKIP = /(environment|config|flush_s|targets|\.n$|\.min$|\.max$|\.p90$|load|\[\d+\]$)/i;

interface Args {
  old: string;
  benches: string[];
  reps: number;
}

function parseArgs(argv: string[]): Args {
  const rest: string[] = [];
  let reps = 2;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--reps') reps = Number(argv[++i]);
    else rest.push(argv[i]!);
  }
  const [old, ...benches] = rest;
  if (!old || !Number.isInteger(reps) || reps < 1) {
    console.error('usage: npm run bench:side-by-side -- <old checkout> [ingest live query ...] [--reps N]');
    process.exit(2);
  }
  return { old: path.resolve(old), benches: benches.length ? benches : ['ingest', 'live', 'query'], reps };
}

function runBench(bench: string, serverRoot: string | null): Promise<void> {
  const env = { ...process.env };
  if (serverRoot) env.BENCH_SERVER_ROOT = serverRoot;
  else delete env.BENCH_SERVER_ROOT;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `bench/${bench}.ts`], {
      cwd: ROOT,
      env,
      stdio: 'inherit',
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench:${bench} exited with ${code}`))));
  });
}

/**
 * An array element's name in a figure's key: its `case` (and clients) or `shape` where it has one, so that the
 * same case lines up on both sides even when one side ran fewer cases (BENCH_ONLY); else its index.
 */
function elementName(v: unknown, i: number): string {
  if (!v || typeof v !== 'object') return String(i);
  const o = v as Record<string, unknown>;
  if (typeof o.case === 'string') return typeof o.concurrency === 'number' ? `${o.case} c=${o.concurrency}` : o.case;
  if (typeof o.shape === 'string') return o.shape;
  return String(i);
}

/** Every numeric leaf of a results file, keyed by its JSON path. */
export function leaves(value: unknown, prefix = '', out = new Map<string, number>()): Map<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out.set(prefix, value);
  else if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${prefix}[${elementName(v, i)}]`, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

async function repetition(bench: string, side: 'old' | 'new', rep: number, args: Args) {
  console.log(`\n##### bench:${bench} — ${side} server, repetition ${rep + 1}/${args.reps}`);
  await runBench(bench, side === 'old' ? args.old : null);
  const file = path.join(RESULTS, `${bench}.json`);
  await copyFile(file, path.join(RESULTS, `${bench}.${side}.${rep + 1}.json`));
  return leaves(JSON.parse(await readFile(file, 'utf8')));
}

/** `min / median / max` of one side's repetitions. */
const spreadOf = (xs: number[]) => `${fmt(Math.min(...xs), 2)} / ${fmt(median(xs), 2)} / ${fmt(Math.max(...xs), 2)}`;

/** The figures both sides wrote, in the order the old side wrote them: [key, old values, new values]. */
export function figures(old: Map<string, number>[], neu: Map<string, number>[]): [string, number[], number[]][] {
  const keys = [...new Set([...old, ...neu].flatMap((m) => [...m.keys()]))];
  return keys
    .filter((key) => FIGURE.test(key) && !SKIP.test(key))
    .map((key): [string, number[], number[]] => [
      key,
      old.map((m) => m.get(key)).filter((v): v is number => v !== undefined),
      neu.map((m) => m.get(key)).filter((v): v is number => v !== undefined),
    ])
    .filter(([, a, b]) => a.length > 0 && b.length > 0);
}

export function compare(bench: string, old: Map<string, number>[], neu: Map<string, number>[]): string {
  const reps = Math.max(old.length, neu.length);
  const rows = figures(old, neu).map(([key, a, b]) => {
    const ratio = median(a) === 0 ? '-' : fmt(median(b) / median(a), 2);
    return reps > 1 ? [key, spreadOf(a), spreadOf(b), ratio] : [key, fmt(median(a), 2), fmt(median(b), 2), ratio];
  });
  const headers =
    reps > 1
      ? ['figure', 'old min / median / max', 'new min / median / max', 'new/old']
      : ['figure', 'old', 'new', 'new/old'];
  const title = reps > 1 ? `medians of ${reps} repetitions, new/old of the medians` : 'one repetition each';
  if (rows.length === 0) return `\n=== bench:${bench}: no figure in common (did both sides write results?) ===`;
  return `\n=== bench:${bench}: old vs new (${title}) ===\n${table(headers, rows)}`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  console.log(`CPU: ${os.cpus()[0]?.model} x ${os.cpus().length}; old server: ${args.old}; new: ${ROOT}`);
  await printLoad('start');
  const reports: string[] = [];
  for (const bench of args.benches) {
    const old: Map<string, number>[] = [];
    const neu: Map<string, number>[] = [];
    for (let rep = 0; rep < args.reps; rep++) {
      // Alternate which side goes first, so a trend in load does not always favour the same side.
      const order: ('old' | 'new')[] = rep % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
      for (const side of order) (side === 'old' ? old : neu).push(await repetition(bench, side, rep, args));
    }
    reports.push(compare(bench, old, neu));
  }
  await printLoad('end');
  console.log(reports.join('\n'));
  console.log(
    "\nnew/old < 1 is faster for times and CPU, slower for rates (points/s). A ratio inside both sides' min..max is noise.",
  );
}

// Run only as a program: test/bench-side-by-side.test.ts imports the table functions.
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
