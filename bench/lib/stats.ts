/** Small statistics and reporting helpers shared by the benchmarks. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // nearest-rank: the smallest value with at least p% of samples at or below it
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const median = (values: number[]) => percentile(values, 50);

export function summary(values: number[]) {
  return {
    n: values.length,
    min: round(Math.min(...values)),
    p50: round(percentile(values, 50)),
    p90: round(percentile(values, 90)),
    p99: round(percentile(values, 99)),
    max: round(Math.max(...values)),
  };
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export const fmt = (v: number, digits = 1) =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(v);

/** Prints rows as an aligned text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c ?? '').padEnd(widths[i]!)).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export interface Target {
  name: string;
  target: string;
  measured: number;
  unit: string;
  pass: boolean;
}

export function printTargets(title: string, targets: Target[]): void {
  console.log(`\n=== ${title}: summary ===`);
  console.log(
    table(
      ['metric', 'target', 'measured', 'result'],
      targets.map((t) => [t.name, t.target, `${fmt(t.measured)} ${t.unit}`, t.pass ? 'PASS' : 'MISS']),
    ),
  );
}

/** Writes bench-results/<name>.json (gitignored). */
export async function writeResults(name: string, data: unknown): Promise<string> {
  const dir = path.resolve(import.meta.dirname, '../../bench-results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Machine facts worth recording next to the figures. */
export async function environment() {
  const os = await import('node:os');
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    date: new Date().toISOString(),
    nodeEnv: process.env.NODE_ENV ?? null,
    loadAvg: os.loadavg().map((x) => round(x)),
  };
}

/** Other processes on this 2-core box skew every figure; say how busy it was. */
export async function printLoad(when: string): Promise<number[]> {
  const os = await import('node:os');
  const l = os.loadavg().map((x) => round(x));
  console.log(`[${when}] load average ${l.join(' / ')} (1/5/15 min) on ${os.cpus().length} cores`);
  return l;
}
