/**
 * The experiment workspace shape of `npm run bench:web`: /experiments/<id>?panels=<keys> with every run of
 * the experiment in every panel (lines on canvas, see web/src/components/charts/canvas-chart.tsx). Per
 * load: navigation start -> every panel has drawn `runs` lines, then mouse over the first panel -> its
 * tooltip names a run; each load also prints when the HTML arrived, when the run list and the series were
 * in the page (marks set by the workspace) and how many bytes the page's GraphQL requests carried. The first
 * load is a warm-up; medians over the rest.
 *
 * Side by side: with BENCH_BASELINE_ROOT=<another checkout, built> and BENCH_BASELINE_API=<its server, on the
 * same database>, that checkout's dashboard is started too and loads alternate between the two, so both see
 * the same machine load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export interface WorkspaceResult {
  runs: number;
  panels: number;
  loads: number[];
  medianMs: number;
  hoverMs: number[];
  hoverMedianMs: number;
  baseline?: { root: string; loads: number[]; medianMs: number; hoverMedianMs: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function hover(page: Page, key: string): Promise<number> {
  const box = await page.locator(`[data-testid="panel-${key}-plot"]`).boundingBox();
  if (!box) throw new Error('no panel to hover');
  const t0 = await page.evaluate(() => performance.now());
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(
    (k) => document.querySelector(`[data-testid="panel-${k}"] [data-testid="chart-tooltip"]`),
    key,
    { polling: 'raf' },
  );
  const t1 = await page.evaluate(() => performance.now());
  await page.mouse.move(0, 0);
  return t1 - t0;
}

/** One load: drawn time, hover time and where the time went. */
async function load(browser: Browser, url: string, keys: string[], runs: number) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(
    ({ ks, n }) =>
      ks.every((k) => Number(document.querySelector(`[data-testid="panel-${k}"]`)?.getAttribute('data-drawn')) >= n),
    { ks: keys, n: runs },
    { timeout: 120_000, polling: 'raf' },
  );
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  const p = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const gql = performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('graphql')) as PerformanceResourceTiming[];
    return {
      ms: performance.now(),
      html: nav.responseEnd,
      runs: performance.getEntriesByName('runboard:workspace-runs')[0]?.startTime ?? Number.NaN,
      series: performance.getEntriesByName('runboard:series-loaded')[0]?.startTime ?? Number.NaN,
      gqlKb: gql.reduce((n, e) => n + e.encodedBodySize, 0) / 1024,
      htmlKb: nav.encodedBodySize / 1024,
    };
  });
  const h = await hover(page, keys[0]!);
  await page.close();
  return { ...p, hover: h };
}

/** A dashboard from another checkout (its web/start.ts, its build) against another server; stop() ends it. */
async function startBaselineWeb(root: string, api: string): Promise<{ url: string; child: ChildProcess }> {
  const start = path.join(path.resolve(root), 'web', 'start.ts');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import(${JSON.stringify(start)}).then(async (m) => { const w = await m.startWeb({ port: 0, apiUrl: ${JSON.stringify(api)} }); console.log('WEB_URL ' + w.url); })`,
    ],
    { cwd: path.resolve(root), env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /WEB_URL (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`baseline dashboard exited with ${code}`)));
  });
  return { url, child };
}

export async function benchWorkspace(
  browser: Browser,
  base: string,
  experimentId: string,
  runs: number,
  keys: string[],
  loads: number,
): Promise<WorkspaceResult> {
  const query = `/experiments/${experimentId}?panels=${encodeURIComponent(keys.join(','))}`;
  const root = process.env.BENCH_BASELINE_ROOT;
  const api = process.env.BENCH_BASELINE_API;
  const baseline = root && api ? await startBaselineWeb(root, api) : null;
  const sides = baseline
    ? ([
        ['this', base],
        ['baseline', baseline.url],
      ] as const)
    : ([['this', base]] as const);
  const times = new Map<string, number[]>();
  const hovers = new Map<string, number[]>();
  try {
    for (let i = 0; i <= loads; i++) {
      for (const [side, url] of sides) {
        const r = await load(browser, `${url}${query}`, keys, runs);
        if (i > 0) {
          times.set(side, [...(times.get(side) ?? []), r.ms]);
          hovers.set(side, [...(hovers.get(side) ?? []), r.hover]);
        }
        const f = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-');
        console.log(
          `workspace ${side} ${i === 0 ? 'warm-up' : `load ${i}`}: ${f(r.ms)} ms to ${keys.length} panels x ${runs} runs (html done ${f(r.html)}, ${f(r.htmlKb)} kB; run list ${f(r.runs)}; series ${f(r.series)}; GraphQL from the page ${f(r.gqlKb)} kB); hover -> tooltip ${f(r.hover)} ms`,
        );
      }
    }
  } finally {
    baseline?.child.kill('SIGTERM');
  }
  const mine = times.get('this')!;
  const result: WorkspaceResult = {
    runs,
    panels: keys.length,
    loads: mine.map(Math.round),
    medianMs: Math.round(median(mine)),
    hoverMs: hovers.get('this')!.map(Math.round),
    hoverMedianMs: Math.round(median(hovers.get('this')!)),
  };
  console.log(
    `workspace (navigation start -> ${keys.length} panels x ${runs} runs drawn): median ${result.medianMs} ms over ${mine.length} loads (target <= 2000 ms); hover -> tooltip median ${result.hoverMedianMs} ms (target <= 100 ms)`,
  );
  if (baseline) {
    const old = times.get('baseline')!;
    result.baseline = {
      root: root!,
      loads: old.map(Math.round),
      medianMs: Math.round(median(old)),
      hoverMedianMs: Math.round(median(hovers.get('baseline')!)),
    };
    console.log(
      `workspace side by side, loads alternating: this ${result.medianMs} ms, baseline (${root}) ${result.baseline.medianMs} ms: ${(result.baseline.medianMs / result.medianMs).toFixed(2)}x; hover ${result.hoverMedianMs} vs ${result.baseline.hoverMedianMs} ms`,
    );
  }
  return result;
}
