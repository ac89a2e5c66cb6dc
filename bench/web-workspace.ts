/**
 * The experiment workspace shape of `npm run bench:web`: /experiments/<id>?panels=<keys> with every run of
 * the experiment in every panel (lines on canvas, see web/src/components/charts/canvas-chart.tsx). Per
 * load: navigation start -> every panel has drawn `runs` lines, then mouse over the first panel -> its
 * tooltip names a run. The first load is a warm-up; medians over the rest.
 */
import type { Browser, Page } from 'playwright-core';

export interface WorkspaceResult {
  runs: number;
  panels: number;
  loads: number[];
  medianMs: number;
  hoverMs: number[];
  hoverMedianMs: number;
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

export async function benchWorkspace(
  browser: Browser,
  base: string,
  experimentId: string,
  runs: number,
  keys: string[],
  loads: number,
): Promise<WorkspaceResult> {
  const url = `${base}/experiments/${experimentId}?panels=${encodeURIComponent(keys.join(','))}`;
  const times: number[] = [];
  const hovers: number[] = [];
  for (let i = 0; i <= loads; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(
      ({ ks, n }) =>
        ks.every((k) => Number(document.querySelector(`[data-testid="panel-${k}"]`)?.getAttribute('data-drawn')) >= n),
      { ks: keys, n: runs },
      { timeout: 120_000, polling: 'raf' },
    );
    const ms = await page.evaluate(() => performance.now());
    const h = await hover(page, keys[0]!);
    if (i > 0) {
      times.push(ms);
      hovers.push(h);
    }
    console.log(
      `workspace ${i === 0 ? 'warm-up' : `load ${i}`}: ${ms.toFixed(0)} ms to ${keys.length} panels x ${runs} runs; hover -> tooltip ${h.toFixed(0)} ms`,
    );
    await page.close();
  }
  const result = {
    runs,
    panels: keys.length,
    loads: times.map(Math.round),
    medianMs: Math.round(median(times)),
    hoverMs: hovers.map(Math.round),
    hoverMedianMs: Math.round(median(hovers)),
  };
  console.log(
    `workspace (navigation start -> ${keys.length} panels x ${runs} runs drawn): median ${result.medianMs} ms over ${times.length} loads (target <= 2000 ms); hover -> tooltip median ${result.hoverMedianMs} ms (target <= 100 ms)`,
  );
  return result;
}
