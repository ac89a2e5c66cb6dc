/**
 * `npm run bench:web`: how long the compare view takes to render 100 runs x 1,000 epochs x 4 metrics
 * in headless Chromium (charts with hover: nearest-line highlight and tooltip), how quickly hovering
 * answers, and how long the per-run panels (100 runs, 200 charts) take after their tab is chosen.
 *
 * Needs a started server (`npm start`, or RUNBOARD_API=http://host:port/graphql). Seeds a fresh
 * experiment through GraphQL (one logMetrics batch of 4,000 points per run), starts the dashboard with
 * web/start.ts (or uses RUNBOARD_WEB_URL), opens /compare?runs=<all 100> several times and prints the
 * median time from navigation start until every chart has drawn one line per run; then, on the same
 * page, the time from a mouse move over a chart until the tooltip names a run, and from clicking "per-run
 * panels" until all panels are laid out and those in view are drawn. Prints the load average too.
 * Env: BENCH_RUNS (100), BENCH_EPOCHS (1000), BENCH_LOADS (5), CHROMIUM (/usr/bin/chromium),
 * BENCH_RUN_IDS (comma-separated ids of already seeded runs: skip seeding); BENCH_RUNS=0 skips this shape.
 *
 * Then the experiment workspace: BENCH_WS_RUNS (1000) runs x BENCH_EPOCHS x 4 metrics seeded into another
 * experiment (or BENCH_WS_EXPERIMENT=<id> of one seeded before), /experiments/<id>?panels=<the 4 metrics>
 * opened BENCH_LOADS times: navigation start -> every panel has drawn every run (target <= 2 s), and
 * hover -> tooltip (target <= 100 ms). BENCH_WS_RUNS=0 skips it. Side by side with another checkout's dashboard:
 * BENCH_BASELINE_ROOT and BENCH_BASELINE_API (see bench/web-workspace.ts).
 * Then bench/web-renderers.ts: the chart module against recharts 3 on the same data (BENCH_RENDERERS= skips).
 */
import fs from 'node:fs';
import os from 'node:os';
import { launchChromium } from '@runboard/test-kit/chromium';
import { createRun, curves, finishRun, gqlClient, logMetrics, startRun } from '@runboard/test-kit/seed';
import { startWeb } from '@runboard/web/start';
import type { Page } from 'playwright-core';
import { benchRenderers } from './web-renderers.ts';
import { benchTables } from './web-table.ts';
import { benchWorkspace } from './web-workspace.ts';

const API = process.env.RUNBOARD_API ?? 'http://127.0.0.1:4000/graphql';
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 1000);
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const KEYS = ['acc', 'val_acc', 'loss', 'val_loss'];
const WS_RUNS = Number(process.env.BENCH_WS_RUNS ?? 1000);

async function seed(runs = RUNS, prefix = 'bench-web'): Promise<string[]> {
  const gql = gqlClient(API);
  const name = `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const ids: string[] = new Array(runs);
  const t0 = performance.now();
  let next = 0;
  // A few runs in flight at once; each run's 4,000 points go in one logMetrics batch.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < runs) {
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
    `seeded ${runs} runs x ${EPOCHS} epochs x ${KEYS.length} metrics into "${name}" in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return ids;
}

async function experimentOf(runId: string): Promise<string> {
  const data = await gqlClient(API)<{ run: { experiment: { id: string } } }>(
    `{ run(id: "${runId}") { experiment { id } } }`,
  );
  return data.run.experiment.id;
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
  const ids = process.env.BENCH_RUN_IDS ? process.env.BENCH_RUN_IDS.split(',') : RUNS > 0 ? await seed() : [];
  const web = process.env.RUNBOARD_WEB_URL ? null : await startWeb({ port: 0, apiUrl: API });
  const base = process.env.RUNBOARD_WEB_URL ?? web!.url;
  const browser = await launchChromium();
  const times: number[] = [];
  const hovers: number[] = [];
  const panels: number[] = [];
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
  const loadStart = load();
  console.log(`load average at start: ${loadStart} (${os.cpus().length} cores)`);
  try {
    const url = `${base}/compare?runs=${ids.join(',')}`;
    // One warm-up load: the first request compiles nothing in production, but warms caches on both servers.
    for (let i = 0; i <= (ids.length ? LOADS : -1); i++) {
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
      const hover = await hoverMs(page);
      const panel = await panelsMs(page, ids.length);
      if (i > 0) {
        times.push(ms!);
        hovers.push(hover);
        panels.push(panel);
      }
      console.log(
        `${i === 0 ? 'warm-up' : `load ${i}`}: ${ms!.toFixed(0)} ms (html ${htmlFirst!.toFixed(0)}-${htmlEnd!.toFixed(0)}, hydrated ${start!.toFixed(0)}, data loaded ${loaded!.toFixed(0)}, drawn ${(ms! - loaded!).toFixed(0)} ms later); hover -> tooltip ${hover.toFixed(0)} ms; per-run panels ${panel.toFixed(0)} ms`,
      );
      if (i === LOADS) {
        fs.mkdirSync('bench-results', { recursive: true });
        await page.screenshot({ path: 'bench-results/compare-100-runs.png', fullPage: false });
      }
      await page.close();
    }
    if (WS_RUNS > 0) {
      const experiment =
        process.env.BENCH_WS_EXPERIMENT ?? (await experimentOf((await seed(WS_RUNS, 'bench-workspace'))[0]!));
      const ws = await benchWorkspace(browser, base, experiment, WS_RUNS, KEYS, LOADS);
      fs.mkdirSync('bench-results', { recursive: true });
      fs.writeFileSync('bench-results/web-workspace.json', JSON.stringify({ ...ws, loadAverage: load() }, null, 2));
    }
    if (process.env.BENCH_RENDERERS !== '') {
      const renderers = await benchRenderers(browser);
      fs.writeFileSync('bench-results/web-renderers.json', JSON.stringify(renderers, null, 2));
    }
  } finally {
    await browser.close();
    await web?.stop();
  }
  console.log(`CPU ${os.cpus()[0]?.model}, ${os.cpus().length} cores; load average now ${load()}`);
  if (!ids.length) return;
  const result = {
    runs: RUNS,
    epochs: EPOCHS,
    metrics: KEYS.length,
    loads: times,
    medianMs: Math.round(median(times)),
    hoverMs: hovers.map(Math.round),
    hoverMedianMs: Math.round(median(hovers)),
    panelsMs: panels.map(Math.round),
    panelsMedianMs: Math.round(median(panels)),
    loadAverage: { start: loadStart, end: load() },
  };
  fs.mkdirSync('bench-results', { recursive: true });
  fs.writeFileSync('bench-results/web.json', JSON.stringify(result, null, 2));
  console.log(
    `compare view render with hover (navigation start -> all ${KEYS.length} charts drawn with ${RUNS} lines): median ${result.medianMs} ms over ${times.length} loads (target <= 1500 ms)`,
  );
  console.log(`hover -> tooltip naming the nearest of ${RUNS} runs: median ${result.hoverMedianMs} ms`);
  console.log(
    `per-run panels (${RUNS} runs: click -> all laid out, those in view drawn): median ${result.panelsMedianMs} ms (target <= 2000 ms)`,
  );
  console.log(
    `load average: start ${result.loadAverage.start}, end ${result.loadAverage.end}; CPU ${os.cpus()[0]?.model}`,
  );
  // Experiment-table shapes (5,000 runs; Aim's 1,500 x 1,500 metrics): bench/web-table.ts. BENCH_TABLE_SHAPES= skips.
  if (process.env.BENCH_TABLE_SHAPES !== '') {
    const tables = await benchTables();
    fs.writeFileSync('bench-results/web-table.json', JSON.stringify(tables, null, 2));
  }
}

/** Mouse over the middle of the first chart until its tooltip names a run. */
async function hoverMs(page: Page): Promise<number> {
  const box = await page.locator(`[data-testid="chart-${KEYS[0]}-plot"]`).boundingBox();
  if (!box) throw new Error('no plot to hover');
  const t0 = await page.evaluate(() => performance.now());
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(
    (key) => document.querySelector(`[data-testid="chart-${key}"] [data-testid="chart-tooltip"]`),
    KEYS[0],
    {
      polling: 'raf',
    },
  );
  const t1 = await page.evaluate(() => performance.now());
  await page.mouse.move(0, 0);
  return t1 - t0;
}

/** Click "per-run panels" until every panel exists and the panels in view have drawn their lines. */
async function panelsMs(page: Page, runs: number): Promise<number> {
  const t0 = await page.evaluate(() => performance.now());
  await page.locator('[data-testid="tab-panels"]').check();
  await page.waitForFunction(
    (n) => {
      const all = document.querySelectorAll('[data-testid="run-panels"] .run-panel');
      if (all.length < n) return false;
      const inView = Array.from(all).filter((p) => p.getBoundingClientRect().top < window.innerHeight);
      return inView.every((p) => p.querySelectorAll('.run-line path.line-curve').length >= 4);
    },
    runs,
    { timeout: 60_000, polling: 'raf' },
  );
  const t1 = await page.evaluate(() => performance.now());
  return t1 - t0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
