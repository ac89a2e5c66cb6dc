/**
 * `npm run bench:web`: how long the compare view takes to render 100 runs x 1,000 epochs x 4 metrics
 * in headless Chromium.
 *
 * Needs a started server (`npm start`, or RUNBOARD_API=http://host:port/graphql). Seeds a fresh
 * experiment through GraphQL (one logMetrics batch of 4,000 points per run), starts the dashboard with
 * web/start.ts (or uses RUNBOARD_WEB_URL), opens /compare?runs=<all 100> several times and prints the
 * median time from navigation start until every chart has drawn one line per run.
 * Env: BENCH_RUNS (100), BENCH_EPOCHS (1000), BENCH_LOADS (5), CHROMIUM (/usr/bin/chromium),
 * BENCH_RUN_IDS (comma-separated ids of already seeded runs: skip seeding).
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { createRun, curves, finishRun, gqlClient, logMetrics, startRun } from '../test/web/helpers/seed.js';
import { startWeb } from '../web/start.js';
import { benchTables } from './web-table.js';

const API = process.env.RUNBOARD_API ?? 'http://127.0.0.1:4000/graphql';
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 1000);
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const KEYS = ['acc', 'val_acc', 'loss', 'val_loss'];

async function seed(): Promise<string[]> {
  const gql = gqlClient(API);
  const name = `bench-web-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const ids: string[] = new Array(RUNS);
  const t0 = performance.now();
  let next = 0;
  // A few runs in flight at once; each run's 4,000 points go in one logMetrics batch.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < RUNS) {
        const i = next++;
        const run = await createRun(gql, {
          experimentName: name,
          name: `bench-${String(i).padStart(3, '0')}`,
          config: { lr: [0.1, 0.01, 0.001][i % 3], batch: [16, 32, 64, 128][i % 4], seed: i },
        });
        await startRun(gql, run.id);
        await logMetrics(gql, run.id, curves(i, EPOCHS, 0, KEYS));
        await finishRun(gql, run.id);
        ids[i] = run.id;
      }
    }),
  );
  console.log(
    `seeded ${RUNS} runs x ${EPOCHS} epochs x ${KEYS.length} metrics into "${name}" in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return ids;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main() {
  const health = await fetch(API.replace(/\/graphql$/, '/healthz')).catch(() => null);
  if (!health?.ok) throw new Error(`No Runboard server at ${API}; start one with \`npm start\` or set RUNBOARD_API.`);
  // BENCH_RUN_IDS=id1,id2,... reuses runs seeded by an earlier bench run (skips the 10 s seeding).
  const ids = process.env.BENCH_RUN_IDS ? process.env.BENCH_RUN_IDS.split(',') : await seed();
  const web = process.env.RUNBOARD_WEB_URL ? null : await startWeb({ port: 0, apiUrl: API });
  const base = process.env.RUNBOARD_WEB_URL ?? web!.url;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const times: number[] = [];
  try {
    const url = `${base}/compare?runs=${ids.join(',')}`;
    // One warm-up load: the first request compiles nothing in production, but warms caches on both servers.
    for (let i = 0; i <= LOADS; i++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForFunction(
        ({ keys, runs }) =>
          keys.every((k) => {
            const chart = document.querySelector(`[data-testid="chart-${k}"]`);
            if (!chart) return false;
            const paths = chart.querySelectorAll('.run-line path.line-curve, .run-line path.recharts-line-curve');
            return paths.length >= runs && Array.from(paths).every((p) => (p.getAttribute('d') ?? '').length > 0);
          }),
        { keys: KEYS, runs: ids.length },
        { timeout: 60_000, polling: 'raf' },
      );
      const [ms, start, loaded, htmlFirst, htmlEnd] = await page.evaluate(() => [
        performance.now(),
        performance.getEntriesByName('runboard:compare-mounted')[0]?.startTime ?? NaN,
        performance.getEntriesByName('runboard:series-loaded')[0]?.startTime ?? NaN,
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.responseStart ??
          NaN,
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.responseEnd ?? NaN,
      ]);
      if (i > 0) times.push(ms!);
      console.log(
        `${i === 0 ? 'warm-up' : `load ${i}`}: ${ms!.toFixed(0)} ms (html ${htmlFirst!.toFixed(0)}-${htmlEnd!.toFixed(0)}, hydrated ${start!.toFixed(0)}, data loaded ${loaded!.toFixed(0)}, drawn ${(ms! - loaded!).toFixed(0)} ms later)`,
      );
      if (i === LOADS) {
        fs.mkdirSync('bench-results', { recursive: true });
        await page.screenshot({ path: 'bench-results/compare-100-runs.png', fullPage: false });
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await web?.stop();
  }
  const result = {
    runs: RUNS,
    epochs: EPOCHS,
    metrics: KEYS.length,
    loads: times,
    medianMs: Math.round(median(times)),
  };
  fs.mkdirSync('bench-results', { recursive: true });
  fs.writeFileSync('bench-results/web.json', JSON.stringify(result, null, 2));
  console.log(
    `compare view render (navigation start -> all ${KEYS.length} charts drawn with ${RUNS} lines): median ${result.medianMs} ms over ${times.length} loads`,
  );
  // Experiment-table shapes (5,000 runs; Aim's 1,500 x 1,500 metrics): bench/web-table.ts. BENCH_TABLE_SHAPES= skips.
  if (process.env.BENCH_TABLE_SHAPES !== '') {
    const tables = await benchTables();
    fs.writeFileSync('bench-results/web-table.json', JSON.stringify(tables, null, 2));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
