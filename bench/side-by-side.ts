/**
 * npm run bench:side-by-side -- <old checkout> [bench ...] [--reps N]
 *
 * Runs benchmarks against two servers in one sitting: the server of <old checkout> (through BENCH_SERVER_ROOT,
 * see lib/server.ts) and this checkout's, alternating old/new/old/new... so a change in machine load hits both
 * sides alike. Each repetition is the whole benchmark on its own fresh database. Then it prints every timing and
 * rate figure the benchmark wrote to bench-results/<bench>.json: the median of each side, new/old, and the spread
 * of each side's repetitions (max/min), which is the noise a ratio has to beat to mean anything.
 *
 * Default benches: ingest, live, query (#19's "no figure worse beyond noise"). Extra env (shapes) passes through,
 * e.g. BENCH_RUNS=50 BENCH_STEPS=2000 for a quicker bench:query.
 */
import { spawn } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fmt, median, printLoad, table } from './lib/stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(ROOT, 'bench-results');
/** Leaves worth comparing: latencies, rates and CPU costs; not counts, configs or settings. */
const FIGURE = /(p50|p99|median|ms|perSecond|pointsPerS|pps|rate|cpu)/i;
const SKIP = /(environment|config|postgres|targets|\.n$|\.min$|\.max$|\.p90$|load)/i;

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

/** Every numeric leaf of a results file, keyed by its JSON path. */
function leaves(value: unknown, prefix = '', out = new Map<string, number>()): Map<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out.set(prefix, value);
  else if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${prefix}[${i}]`, out));
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

function compare(bench: string, old: Map<string, number>[], neu: Map<string, number>[]): string {
  const rows: (string | number)[][] = [];
  for (const key of old[0]!.keys()) {
    if (!FIGURE.test(key) || SKIP.test(key)) continue;
    const a = old.map((m) => m.get(key)).filter((v): v is number => v !== undefined);
    const b = neu.map((m) => m.get(key)).filter((v): v is number => v !== undefined);
    if (a.length === 0 || b.length === 0) continue;
    const spread = (xs: number[]) => (Math.min(...xs) > 0 ? `${fmt(Math.max(...xs) / Math.min(...xs), 2)}x` : '-');
    const ratio = median(a) === 0 ? '-' : fmt(median(b) / median(a), 2);
    rows.push([key, fmt(median(a), 2), fmt(median(b), 2), ratio, spread(a), spread(b)]);
  }
  return `\n=== bench:${bench}: old vs new (medians of repetitions) ===\n${table(
    ['figure', 'old', 'new', 'new/old', 'old spread', 'new spread'],
    rows,
  )}`;
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
    '\nnew/old < 1 is faster for times and CPU, slower for rates (points/s). Spread = max/min of repetitions.',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
