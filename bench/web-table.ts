/**
 * Experiment-table shapes for `npm run bench:web` (kept in their own file; bench/web.ts calls
 * benchTables() after the compare figures, or run it alone: `npx tsx bench/web-table.ts`).
 *
 *  - "5k runs": one experiment of 5,000 runs (5 config keys, 4 metrics x 20 steps).
 *    Target: experiment table first paint <= 1.5 s.
 *  - "aim": the shape FastTrackML's maintainers use for Aim's UI: one experiment of 1,500 runs with
 *    150 params and 1,500 metrics each (~20 steps per metric). Targets: table first paint <= 2 s, and
 *    choosing a metric is a search (the picker lists at most 40 matches), measured as typing a key into
 *    the column picker's search until its checkbox shows.
 *
 * Each shape gets its own database (bench/lib/db.ts) and server (bench/lib/server.ts); rows are written
 * with SQL (generate_series) because seeding 2.25 M metric summaries through the API would take longer
 * than the benchmark. metric_latest (what the table reads) is complete; raw history (`metrics`) is
 * written for BENCH_AIM_HISTORY_KEYS keys of the aim shape (default 10; `all` writes all 45 M rows).
 * "First paint" = navigation start until the first run row is in the DOM, median of BENCH_LOADS (5)
 * after one warm-up load. Env: BENCH_TABLE_SHAPES (5k,aim), BENCH_AIM_RUNS, BENCH_AIM_METRICS,
 * BENCH_AIM_PARAMS, BENCH_AIM_STEPS, BENCH_BIG_RUNS, CHROMIUM.
 */
import os from 'node:os';
import { launchChromium } from '@runboard/test-kit/chromium';
import { startWeb } from '@runboard/web/start';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { createBenchDatabase } from './lib/db.ts';
import { startBenchServer } from './lib/server.ts';
import { median, round } from './lib/stats.ts';

const LOADS = Number(process.env.BENCH_LOADS ?? 5);

export interface Shape {
  name: string;
  runs: number;
  params: number;
  metrics: number;
  steps: number;
  historyKeys: number;
  paintTargetMs: number;
}

export function shapes(): Shape[] {
  const want = (process.env.BENCH_TABLE_SHAPES ?? '5k,aim').split(',');
  const metrics = Number(process.env.BENCH_AIM_METRICS ?? 1500);
  const history = process.env.BENCH_AIM_HISTORY_KEYS ?? '10';
  const all: Shape[] = [
    {
      name: '5k',
      runs: Number(process.env.BENCH_BIG_RUNS ?? 5000),
      params: 5,
      metrics: 4,
      steps: 20,
      historyKeys: 4,
      paintTargetMs: 1500,
    },
    {
      name: 'aim',
      runs: Number(process.env.BENCH_AIM_RUNS ?? 1500),
      params: Number(process.env.BENCH_AIM_PARAMS ?? 150),
      metrics,
      steps: Number(process.env.BENCH_AIM_STEPS ?? 20),
      historyKeys: history === 'all' ? metrics : Number(history),
      paintTargetMs: 2000,
    },
  ];
  return all.filter((s) => want.includes(s.name));
}

/** Metric key i: the 4 usual ones first, then m_0004, m_0005, ... */
const metricKey = (i: number) => ['val_acc', 'val_loss', 'acc', 'loss'][i] ?? `m_${String(i).padStart(4, '0')}`;

export async function seedShape(url: string, s: Shape): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t0 = performance.now();
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO experiments (id, name) VALUES (gen_random_uuid(), $1) RETURNING id`,
      [`bench-table-${s.name}`],
    );
    const exp = rows[0]!.id;
    // Config: lr/batch/optimizer vary, seed is unique, the rest (p004..) vary for every 3rd key only.
    await c.query(
      `INSERT INTO runs (id, experiment_id, name, status, config, created_at, started_at, finished_at, seq, state_seq)
       SELECT gen_random_uuid(), $1, 'run-' || lpad(i::text, 5, '0'), 'FINISHED',
              jsonb_build_object('lr', (ARRAY[0.1, 0.01, 0.001])[1 + i % 3], 'batch', (ARRAY[16, 32, 64, 128])[1 + i % 4],
                                 'optimizer', CASE WHEN i % 2 = 0 THEN 'sgd' ELSE 'adam' END, 'seed', i)
              || coalesce((SELECT jsonb_object_agg('p' || lpad(k::text, 3, '0'), CASE WHEN k % 3 = 0 THEN (i % 5)::numeric ELSE k END)
                            FROM generate_series(4, $3::int - 1) k), '{}'::jsonb),
              now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval, now(), 2, 2
         FROM generate_series(0, $2::int - 1) i`,
      [exp, s.runs, s.params],
    );
    // Summaries per (run, key): a plausible curve end value per key.
    await c.query(
      `INSERT INTO metric_latest (run_id, key, first_step, last_step, last_value, last_wall_time, min_value, min_step,
                                  max_value, max_step, count)
       SELECT r.id, CASE k WHEN 0 THEN 'val_acc' WHEN 1 THEN 'val_loss' WHEN 2 THEN 'acc' WHEN 3 THEN 'loss'
                           ELSE 'm_' || lpad(k::text, 4, '0') END,
              0, $3::int - 1, v, now(), v * 0.5, 0, v, $3::int - 1, $3::int
         FROM runs r, generate_series(0, $2::int - 1) k, LATERAL (SELECT 0.5 + 0.4 * sin(k + length(r.name) * 0.1) AS v) x
        WHERE r.experiment_id = $1`,
      [exp, s.metrics, s.steps],
    );
    const keys = Array.from({ length: Math.min(s.historyKeys, s.metrics) }, (_, i) => metricKey(i));
    await c.query(
      `INSERT INTO metrics (run_id, key, step, value, wall_time, seq)
       SELECT r.id, k, st, 0.5 + 0.4 * sin(st * 0.3 + length(k)), now() - ((20 - st) || ' seconds')::interval, 1
         FROM runs r, unnest($2::text[]) k, generate_series(0, $3::int - 1) st WHERE r.experiment_id = $1`,
      [exp, keys, s.steps],
    );
    await c.query('ANALYZE');
    console.log(
      `[${s.name}] seeded ${s.runs} runs x ${s.params} params x ${s.metrics} metrics (history: ${keys.length} keys x ${s.steps} steps) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    return exp;
  } finally {
    await c.end();
  }
}

/** Navigation start -> first run row in the DOM; with when the HTML started and finished arriving. */
async function firstPaint(browser: Browser, url: string): Promise<{ ms: number; htmlStart: number; htmlEnd: number }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForSelector('[data-testid="run-row"]', { timeout: 60_000 });
    return await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return {
        ms: performance.now(),
        htmlStart: nav?.responseStart ?? Number.NaN,
        htmlEnd: nav?.responseEnd ?? Number.NaN,
      };
    });
  } finally {
    await page.close();
  }
}

/** Open the column picker, type a metric key, time until its checkbox is listed; also count the listed items. */
async function metricSearch(browser: Browser, url: string, key: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(url);
    await page.waitForSelector('[data-testid="run-row"]', { timeout: 60_000 });
    await page.click('[data-testid="columns-button"]');
    // Counted once the list has rendered (counting right after the click raced React and could say 0).
    await page.locator('[data-testid="columns-metrics"] label').first().waitFor({ timeout: 30_000 });
    const listed = await page.locator('[data-testid="columns-metrics"] label').count();
    const t0 = await page.evaluate(() => performance.now());
    await page.fill('[data-testid="columns-search"]', key);
    await page.locator('[data-testid="columns-metrics"] label', { hasText: key }).waitFor({ timeout: 30_000 });
    const ms = (await page.evaluate(() => performance.now())) - t0;
    return { ms, listedBeforeSearch: listed };
  } finally {
    await page.close();
  }
}

export async function benchTables(): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  for (const shape of shapes()) {
    const db = await createBenchDatabase(`web_table_${shape.name}`);
    const server = await startBenchServer(db.url, `web-table-${shape.name}`);
    let web: Awaited<ReturnType<typeof startWeb>> | null = null;
    let browser: Browser | null = null;
    try {
      const exp = await seedShape(db.url, shape);
      web = await startWeb({ port: 0, apiUrl: server.url });
      browser = await launchChromium();
      const url = `${web.url}/experiments/${exp}`;
      const load = os.loadavg();
      const times: number[] = [];
      for (let i = 0; i <= LOADS; i++) {
        const { ms, htmlStart, htmlEnd } = await firstPaint(browser, url);
        if (i > 0) times.push(ms);
        console.log(
          `[${shape.name}] ${i === 0 ? 'warm-up' : `load ${i}`}: first row after ${ms.toFixed(0)} ms (html ${htmlStart.toFixed(0)}-${htmlEnd.toFixed(0)} ms)`,
        );
      }
      const result: Record<string, unknown> = {
        shape: shape.name,
        runs: shape.runs,
        params: shape.params,
        metrics: shape.metrics,
        loads: times.map((t) => round(t, 0)),
        firstPaintMedianMs: round(median(times), 0),
        targetMs: shape.paintTargetMs,
        loadAverageAtStart: load.map((l) => round(l, 2)),
      };
      if (shape.metrics > 100) {
        const searches = [];
        for (let i = 0; i < LOADS; i++)
          searches.push(await metricSearch(browser, url, metricKey(shape.metrics - 1 - i)));
        result.metricSearchMedianMs = round(median(searches.map((s) => s.ms)), 0);
        result.pickerListedBeforeSearch = searches[0]!.listedBeforeSearch;
      }
      console.log(
        `[${shape.name}] table first paint: median ${result.firstPaintMedianMs} ms over ${times.length} loads (target <= ${shape.paintTargetMs} ms)` +
          (result.metricSearchMedianMs !== undefined
            ? `; metric search ${result.metricSearchMedianMs} ms, picker lists ${result.pickerListedBeforeSearch} of ${shape.metrics} metrics before typing`
            : '') +
          `; load average at start ${load.map((l) => l.toFixed(2)).join(' ')}`,
      );
      results.push(result);
    } finally {
      await browser?.close();
      await web?.stop();
      await server.stop();
      await db.drop();
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchTables()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
