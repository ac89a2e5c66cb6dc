/**
 * The experiment workspace and the common chart module in real Chromium against a real server and
 * PostgreSQL: panels follow the table's filter and grouping (bands), hover names the run in the table's
 * colour, a click opens it, a drag zooms every panel, new points arrive live; chart text keeps contrast in
 * dark mode; step axes get integer ticks; the group chart is the common chart with a band that stays >= 0.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRun, finishRun, logMetrics, type Point, type SeedRun, startRun } from '@runboard/test-kit/seed';
import { hydrationErrors, type Stack, shot, startStack } from '@runboard/test-kit/stack';
import type { Page } from 'playwright-core';

let stack: Stack;
let page: Page;
let runs: SeedRun[];
let expId: string;
let stackStartedAt = 0;
const STEPS = 40;
/** Run i sits at level i on `score`, so a point on the plot names one run. */
const score = (i: number, step: number) => i + 0.05 * Math.sin(step / 5);
/** Diverging losses: the group's std exceeds its mean early on, so an unclipped band goes below 0. */
const loss = (i: number, step: number) => (i % 2 ? 4 : 0.05) * Math.exp(-step / 20) + 0.01;

before(async () => {
  stack = await startStack();
  stackStartedAt = Date.now();
  runs = [];
  for (let i = 0; i < 6; i++) {
    const run = await createRun(stack.gql, {
      experimentName: 'workspace',
      name: `ws-${i}`,
      config: { optimizer: i < 3 ? 'adam' : 'sgd', lr: [0.1, 0.01][i % 2] },
    });
    await startRun(stack.gql, run.id);
    const pts: Point[] = [];
    for (let s = 0; s < STEPS; s++) {
      pts.push({ key: 'score', step: s, value: Number(score(i, s).toFixed(4)) });
      pts.push({ key: 'loss', step: s, value: Number(loss(i, s).toFixed(5)) });
      pts.push({ key: 'system/cpu', step: s, value: 20 + i });
    }
    await logMetrics(stack.gql, run.id, pts);
    if (i < 5) await finishRun(stack.gql, run.id);
    runs.push(run);
  }
  const r = await stack.gql(
    `{ runs(filter: { experimentName: "workspace" }) { edges { node { experiment { id } } } } }`,
  );
  expId = r.runs.edges[0].node.experiment.id;
  page = await stack.newPage();
});

after(async () => {
  await stack?.close();
});

const attr = (sel: string, name: string) => page.locator(sel).first().getAttribute(name);
const waitAttr = (sel: string, name: string, value: string) =>
  page.waitForFunction(([s, n, v]) => document.querySelector(s!)?.getAttribute(n!) === v, [sel, name, value], {
    timeout: 30_000,
  });

async function openWorkspace(query = '') {
  await page.goto(`${stack.webUrl}/experiments/${expId}${query}`);
  if (!query.includes('panels=')) await page.click('[data-testid="workspace-open"]');
  // Until a suspended render settles, React keeps the previous workspace mounted but hidden beside the new one
  // (clean-clone CI runs saw two). One workspace at a single moment is not enough: a CI run saw one, then two as
  // the page's data arrived, and the strict locator below failed. Wait until one has stayed alone for 500 ms
  // (fail if two stay).
  await page.waitForFunction(
    () => {
      const w = window as unknown as { wsCount?: number; wsSince?: number };
      const n = document.querySelectorAll('[data-testid="workspace"]').length;
      if (n !== w.wsCount) {
        w.wsCount = n;
        w.wsSince = performance.now();
      }
      return n === 1 && performance.now() - w.wsSince! >= 500;
    },
    null,
    { timeout: 30_000, polling: 50 },
  );
  await page.locator('[data-testid="workspace"]').waitFor();
}

test('workspace: a panel per metric over every run; the filter changes the panels; sections by prefix', async () => {
  await openWorkspace('?panels=score,loss,system%2Fcpu');
  await waitAttr('[data-testid="panel-score"]', 'data-drawn', '6');
  await waitAttr('[data-testid="panel-loss"]', 'data-drawn', '6');
  const prefixes = await page
    .locator('[data-testid="workspace-section"]')
    .evaluateAll((s) => s.map((e) => e.getAttribute('data-prefix')));
  assert.deepEqual(prefixes, ['', 'system/']);
  // The page came with its series (prefetched on the server) and follows them live from there.
  assert.equal(await page.evaluate(() => performance.getEntriesByName('runboard:series-loaded').length), 1);
  await logMetrics(stack.gql, runs[5]!.id, [{ key: 'score', step: STEPS + 9, value: 2 }]);
  await page.waitForFunction(
    (x) => document.querySelector('[data-testid="panel-score"]')?.getAttribute('data-x-domain')?.endsWith(`,${x}`),
    STEPS + 9,
    { timeout: 10_000 },
  );
  await page.fill('[data-testid="filter-input"]', 'config.optimizer = "adam"');
  await page.press('[data-testid="filter-input"]', 'Enter');
  await waitAttr('[data-testid="panel-score"]', 'data-drawn', '3');
  await waitAttr('[data-testid="panel-system/cpu"]', 'data-drawn', '3');
  // y follows the runs left: levels 0..2 only.
  const [, yHi] = ((await attr('[data-testid="panel-score"]', 'data-y-domain')) ?? '').split(',').map(Number);
  assert.ok(yHi! < 3.5, `score axis after the filter ends at ${yHi}`);
  // A panel's remove button sits with its tools, clear of the plot, the ticks and the step label.
  const remove = (await page.locator('[data-testid="workspace-remove"]').first().boundingBox())!;
  const panel = page.locator('[data-testid="panel-score"]');
  for (const sel of ['[data-testid="panel-score-plot"]', '.x-label', '.x-ticks text >> nth=-1']) {
    const b = (await panel.locator(sel).boundingBox())!;
    const apart =
      remove.x >= b.x + b.width ||
      b.x >= remove.x + remove.width ||
      remove.y >= b.y + b.height ||
      b.y >= remove.y + remove.height;
    assert.ok(apart, `the remove button overlaps ${sel}: ${JSON.stringify([remove, b])}`);
  }
  // A panel added through the picker, kept in the URL (saved views store the same parameters).
  await page.fill('[data-testid="workspace-add"]', 'missing-key');
  assert.equal(await page.locator('[data-testid="workspace-panel"]').count(), 3);
  await page.click('[data-testid="workspace-remove"] >> nth=1');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="workspace-panel"]').length === 2);
  assert.match(page.url(), /panels=score%2Csystem%2Fcpu/);
  await page.fill('[data-testid="workspace-add"]', 'loss');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="workspace-panel"]').length === 3);
  await shot(page, 'workspace-filtered');
});

test('workspace: hover names the run in its table colour, a click opens it, a drag zooms every panel', async () => {
  await openWorkspace('?panels=score,loss');
  await waitAttr('[data-testid="panel-score"]', 'data-drawn', '6');
  const box = (await page.locator('[data-testid="panel-score-plot"]').boundingBox())!;
  const [x0, x1] = ((await attr('[data-testid="panel-score"]', 'data-x-domain')) ?? '').split(',').map(Number);
  const [y0, y1] = ((await attr('[data-testid="panel-score"]', 'data-y-domain')) ?? '').split(',').map(Number);
  const at = (step: number, v: number) =>
    [box.x + ((step - x0!) / (x1! - x0!)) * box.width, box.y + (1 - (v - y0!) / (y1! - y0!)) * box.height] as const;
  const i = 4;
  await page.mouse.move(...at(20, score(i, 20)));
  await waitAttr('[data-testid="panel-score"]', 'data-hover-id', runs[i]!.id);
  const tip = page.locator('[data-testid="panel-score"] [data-testid="chart-tooltip"]');
  assert.match(await tip.innerText(), /ws-4/);
  const tipColour = await tip.locator('.swatch').evaluate((e) => getComputedStyle(e).backgroundColor);
  const rowColour = await page
    .locator(`[data-run-id="${runs[i]!.id}"] [data-testid="run-swatch"]`)
    .evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(tipColour, rowColour, 'the run has the same colour in the table and the panel');

  // Drag across the score panel: both panels show the same zoomed x range.
  const [ax, ay] = at(10, 0.5);
  const [bx] = at(30, 0.5);
  await page.mouse.move(ax, ay);
  await page.mouse.down();
  await page.mouse.move(bx, ay, { steps: 5 });
  await page.mouse.up();
  await waitAttr('[data-testid="panel-loss"]', 'data-zoomed', 'true');
  const zs = await attr('[data-testid="panel-score"]', 'data-x-domain');
  const zl = await attr('[data-testid="panel-loss"]', 'data-x-domain');
  assert.equal(zs, zl, 'zoom is synced across panels');
  const [z0, z1] = zs!.split(',').map(Number);
  assert.ok(Math.abs(z0! - 10) < 1 && Math.abs(z1! - 30) < 1, `zoomed to ${zs}`);
  await page.click('[data-testid="panel-loss"] [data-testid="zoom-reset"]');
  await waitAttr('[data-testid="panel-score"]', 'data-zoomed', 'false');

  // A click on a hovered line opens its run.
  await page.mouse.move(...at(20, score(2, 20)));
  await waitAttr('[data-testid="panel-score"]', 'data-hover-id', runs[2]!.id);
  await page.mouse.down();
  await page.mouse.up();
  await page.waitForURL(`**/runs/${runs[2]!.id}`);
});

test('workspace: grouping draws each group mean with its band; new points appear live', async () => {
  await openWorkspace('?panels=score,loss&group=optimizer');
  await waitAttr('[data-testid="panel-loss"]', 'data-bands', '2');
  assert.equal(await attr('[data-testid="panel-loss"]', 'data-drawn'), '2');
  await page.goto(`${stack.webUrl}/experiments/${expId}?panels=score`);
  await waitAttr('[data-testid="panel-score"]', 'data-drawn', '6');
  const before = await attr('[data-testid="panel-score"]', 'data-x-domain');
  // Run 5 is still running: its next steps arrive through the subscription.
  await logMetrics(stack.gql, runs[5]!.id, [{ key: 'score', step: STEPS + 20, value: 5 }]);
  await page.waitForFunction(
    (b) => {
      const d = document.querySelector('[data-testid="panel-score"]')?.getAttribute('data-x-domain');
      return d && d !== b;
    },
    before,
    { timeout: 30_000 },
  );
  assert.equal(
    Number((await attr('[data-testid="panel-score"]', 'data-x-domain'))!.split(',')[1]),
    STEPS + 20,
    'the new point widened the x axis',
  );
  // A new run joins the panels without a reload.
  const late = await createRun(stack.gql, {
    experimentName: 'workspace',
    name: 'ws-late',
    config: { optimizer: 'adam' },
  });
  await startRun(stack.gql, late.id);
  await logMetrics(stack.gql, late.id, [{ key: 'score', step: 1, value: 2.5 }]);
  await waitAttr('[data-testid="panel-score"]', 'data-drawn', '7');
  await finishRun(stack.gql, late.id);
});

/** WCAG contrast of two computed `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

test('dark mode: chart text (ticks, titles, axis label, tools) has contrast >= 4.5:1 against the chart background', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  try {
    for (const url of [`/compare?runs=${runs[0]!.id},${runs[1]!.id}`, `/runs/${runs[0]!.id}`]) {
      await page.goto(`${stack.webUrl}${url}`);
      await page.locator('.chart .y-ticks text').first().waitFor();
      const pairs = await page.evaluate(() => {
        const out: { what: string; fg: string; bg: string }[] = [];
        for (const chart of Array.from(document.querySelectorAll('.chart')).slice(0, 3)) {
          const bg = getComputedStyle(chart).backgroundColor;
          const texts = [
            ...Array.from(chart.querySelectorAll('.y-ticks text, .x-ticks text, .x-label')).slice(0, 4),
            ...Array.from(chart.querySelectorAll('.chart-title, button.chip:not([aria-pressed="true"])')),
          ];
          for (const t of texts) {
            const cs = getComputedStyle(t);
            out.push({
              what: t.getAttribute('class') || t.tagName,
              fg: t instanceof SVGElement ? cs.fill : cs.color,
              bg,
            });
          }
        }
        return out;
      });
      assert.ok(pairs.length > 4, `chart text found on ${url}`);
      for (const p of pairs)
        assert.ok(
          contrast(p.fg, p.bg) >= 4.5,
          `${url} ${p.what}: ${p.fg} on ${p.bg} = ${contrast(p.fg, p.bg).toFixed(2)}`,
        );
    }
    await shot(page, 'charts-dark');
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
});

test('a 3-step run gets integer step ticks, and the step label sits below the tick labels', async () => {
  const short = await createRun(stack.gql, { experimentName: 'workspace-short', name: 'three-steps' });
  await startRun(stack.gql, short.id);
  await logMetrics(
    stack.gql,
    short.id,
    [0, 1, 2].map((s) => ({ key: 'acc', step: s, value: 0.5 + s / 10 })),
  );
  await finishRun(stack.gql, short.id);
  await page.goto(`${stack.webUrl}/compare?runs=${short.id}`);
  await page.locator('[data-testid="chart-acc"] .x-ticks text').first().waitFor();
  const labels = await page.locator('[data-testid="chart-acc"] .x-ticks text').allTextContents();
  assert.deepEqual(labels, ['0', '1', '2']);
  const label = await page.locator('[data-testid="chart-acc"] .x-label').boundingBox();
  const tick = await page.locator('[data-testid="chart-acc"] .x-ticks text').last().boundingBox();
  const plot = await page.locator('[data-testid="chart-acc-plot"]').boundingBox();
  assert.ok(label && tick && plot && label.y >= tick.y + tick.height - 1, 'the step label is under the ticks');
  assert.ok(label!.y >= plot!.y + plot!.height, 'the step label is outside the plot (no overlap with lines)');
});

test('the grouped experiment chart is the common chart: nice ticks, a tooltip, and a ±std loss band that stays >= 0', async () => {
  await page.goto(`${stack.webUrl}/experiments/${expId}?group=optimizer&chart=loss&band=std`);
  const chart = '[data-testid="group-metric-chart"]';
  await page.locator(`${chart} .run-line path.band`).nth(1).waitFor({ state: 'attached', timeout: 30_000 });
  const [y0] = ((await attr(chart, 'data-y-domain')) ?? '').split(',').map(Number);
  assert.ok(y0! >= 0, `loss axis starts at ${y0}: the band does not go below 0`);
  const yt = (await page.locator(`${chart} .y-ticks text`).allTextContents()).map(Number);
  const step = yt[1]! - yt[0]!;
  const mant = step / 10 ** Math.floor(Math.log10(step));
  assert.ok(
    [1, 2, 5].some((m) => Math.abs(mant - m) < 1e-6),
    `1-2-5 ticks: ${yt.join(' ')}`,
  );
  const xt = (await page.locator(`${chart} .x-ticks text`).allTextContents()).map(Number);
  assert.ok(xt.length >= 3 && xt.every(Number.isInteger), `step ticks: ${xt.join(' ')}`);
  const box = (await page.locator('[data-testid="group-metric-chart-plot"]').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.locator(`${chart} [data-testid="chart-tooltip"]`).waitFor();
  assert.match(await page.locator(`${chart} [data-testid="chart-tooltip"]`).innerText(), /optimizer=/);
});

/**
 * Where the "add a panel" picker's placeholder ends, measured with the input's own font: it must end inside the
 * input's content box (not cut off), and the input inside the workspace panel. Empty list: it fits.
 */
function pickerOverflow(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="workspace-add"]');
    const panel = input?.closest('[data-testid="workspace"]');
    if (!input || !panel) return ['no picker'];
    const cs = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const text = ctx.measureText(input.placeholder).width;
    const inner = input.clientWidth - Number.parseFloat(cs.paddingLeft) - Number.parseFloat(cs.paddingRight);
    const box = input.getBoundingClientRect();
    const cell = panel.getBoundingClientRect();
    const out: string[] = [];
    if (text > inner + 0.5) out.push(`placeholder "${input.placeholder}" is ${text.toFixed(0)} px in ${inner} px`);
    if (box.left < cell.left - 0.5 || box.right > cell.right + 0.5)
      out.push(`input ${box.left}..${box.right} outside its panel ${cell.left}..${cell.right}`);
    return out;
  });
}

test('the "add a panel" placeholder is not cut off: desktop and 390 px', async () => {
  await openWorkspace('?panels=score');
  await page.locator('[data-testid="workspace-add"]').waitFor();
  try {
    assert.deepEqual(await pickerOverflow(page), [], 'at 1400 px');
    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await pickerOverflow(page), [], 'at 390 px');
    await shot(page, 'workspace-picker-390');
  } finally {
    await page.setViewportSize({ width: 1400, height: 900 });
  }
});

test('the experiment page and its workspace hydrate without a mismatch (React #418/#423/#425)', async () => {
  // The web server must have been up for longer than the workspace's prefetch "freshness" (15 s of its own
  // performance.now()), as any server in use has: the server then rendered the workspace without its prefetch.
  await new Promise((r) => setTimeout(r, Math.max(0, stackStartedAt + 16_000 - Date.now())));
  const fresh = await stack.newPage();
  for (const query of ['', '?panels=score,loss']) {
    await fresh.goto(`${stack.webUrl}/experiments/${expId}${query}`);
    await fresh.locator('[data-testid="runs-table"]').waitFor();
    if (query) await fresh.locator('[data-testid="panel-score"]').waitFor();
    await fresh.waitForLoadState('networkidle').catch(() => {});
  }
  // Before, the server rendered the workspace as "0 runs" (no prefetch) and the browser as "6 runs" (with it):
  // React logged #418 and rendered the page again on the client.
  assert.deepEqual(hydrationErrors(fresh), []);
  assert.deepEqual(hydrationErrors(page), [], 'the pages the tests above opened');
  await fresh.close();
});
