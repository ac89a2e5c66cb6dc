/**
 * Charts and sweep analysis in real Chromium against a real server and PostgreSQL: drag-to-zoom, log
 * scales and 1-2-5 ticks, legend hide/solo, the nearest-run tooltip at 100 runs, raw-behind-smoothed,
 * per-run panels sharing y ranges, the parallel-coordinates brush filtering a sweep's runs, parameter
 * importance, and cancelling a sweep. State is read from data-* attributes the components keep current.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createRun, curves, finishRun, logMetrics, type Point, type SeedRun, startRun } from '@runboard/test-kit/seed';
import { type Stack, shot, startStack } from '@runboard/test-kit/stack';
import type { Page } from 'playwright-core';

let stack: Stack;
let page: Page;
/** 100 runs: acc/val_acc/loss/val_loss over 200 epochs plus `score`, a level of its own per run (i + wiggle). */
let many: SeedRun[];

const EPOCHS = 200;
const score = (i: number, step: number) => i + 0.1 * Math.sin(step / 7);

before(async () => {
  stack = await startStack();
  many = [];
  const queue = Array.from({ length: 100 }, (_, i) => i);
  // A few runs in flight at once keeps seeding 100 runs short.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const run = await createRun(stack.gql, {
          experimentName: 'charts',
          name: `run-${String(i).padStart(3, '0')}`,
          config: { lr: [0.1, 0.01, 0.001][i % 3], seed: i },
        });
        await startRun(stack.gql, run.id);
        const pts: Point[] = curves(i, EPOCHS);
        for (let s = 0; s < EPOCHS; s++) pts.push({ key: 'score', step: s, value: Number(score(i, s).toFixed(4)) });
        await logMetrics(stack.gql, run.id, pts);
        await finishRun(stack.gql, run.id);
        many[i] = run;
      }
    }),
  );
  page = await stack.newPage();
});

after(async () => {
  await stack?.close();
});

const attr = (sel: string, name: string) => page.locator(sel).first().getAttribute(name);
const domain = async (chart: string, axis: 'x' | 'y') =>
  ((await attr(`[data-testid="chart-${chart}"]`, `data-${axis}-domain`)) ?? '').split(',').map(Number) as [
    number,
    number,
  ];
const tickLabels = (chart: string, axis: 'x' | 'y') =>
  page.locator(`[data-testid="chart-${chart}"] .${axis}-ticks text`).allTextContents();
const lineIds = (chart: string) =>
  page
    .locator(`[data-testid="chart-${chart}"] .run-line`)
    .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-line-id')!));

async function openCompare(runs: SeedRun[]) {
  await page.goto(`${stack.webUrl}/compare?runs=${runs.map((r) => r.id).join(',')}`);
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="chart-acc"] .run-line path.line-curve').length === n,
    runs.length,
    { timeout: 60_000 },
  );
}

/** A 1-2-5 sequence: evenly spaced, and the step is 1, 2 or 5 times a power of ten. */
function assertNiceTicks(labels: string[], what: string) {
  const v = labels.map(Number);
  assert.ok(v.length >= 2 && v.every(Number.isFinite), `${what}: ${labels.join(' ')}`);
  const step = v[1]! - v[0]!;
  for (let i = 2; i < v.length; i++)
    assert.ok(Math.abs(v[i]! - v[i - 1]! - step) < step * 1e-6, `${what} evenly spaced`);
  const mantissa = step / 10 ** Math.floor(Math.log10(step));
  assert.ok(
    [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6),
    `${what}: step ${step} is 1-2-5`,
  );
}

test('100-run compare: x starts at the data, y ends on ticks (accuracy not past 1), ticks are 1-2-5', async () => {
  await openCompare(many);
  const [x0, x1] = await domain('acc', 'x');
  assert.deepEqual([x0, x1], [0, EPOCHS - 1], 'x spans the logged steps exactly');
  const [, yHi] = await domain('acc', 'y');
  assert.ok(yHi <= 1, `accuracy axis ends at ${yHi}`);
  assertNiceTicks(await tickLabels('acc', 'y'), 'acc y ticks');
  assertNiceTicks(await tickLabels('acc', 'x'), 'acc x ticks');
  assertNiceTicks(await tickLabels('loss', 'y'), 'loss y ticks');
});

test('the tooltip names the nearest run at 100 runs, and that line is highlighted', async () => {
  await openCompare(many);
  const plot = page.locator('[data-testid="chart-score-plot"]');
  const box = (await plot.boundingBox())!;
  const [x0, x1] = await domain('score', 'x');
  const [y0, y1] = await domain('score', 'y');
  for (const i of [37, 81, 5]) {
    const step = 50;
    const px = box.x + ((step - x0) / (x1 - x0)) * box.width;
    const py = box.y + (1 - (score(i, step) - y0) / (y1 - y0)) * box.height;
    await page.mouse.move(px, py);
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid="chart-score"]')?.getAttribute('data-hover-id') === id,
      many[i]!.id,
      { timeout: 10_000 },
    );
    const tip = page.locator('[data-testid="chart-score"] [data-testid="chart-tooltip"]');
    assert.equal(await tip.getAttribute('data-run-id'), many[i]!.id);
    assert.match(await tip.innerText(), new RegExp(`run-${String(i).padStart(3, '0')}`));
    assert.equal(await page.locator('[data-testid="chart-score"] .hover-line path').count(), 1);
  }
  await shot(page, 'charts-tooltip-100');
  await page.mouse.move(0, 0);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-score"]')?.getAttribute('data-hover-id') === '',
  );
});

test('dragging across a chart zooms the x axis of every chart, kept in the URL; reset restores it', async () => {
  const runs = many.slice(0, 5);
  await openCompare(runs);
  const full = await domain('acc', 'x');
  const box = (await page.locator('[data-testid="chart-acc-plot"]').boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.25, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, y, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-zoomed') === 'true',
  );
  const [a, b] = await domain('acc', 'x');
  const span = full[1] - full[0];
  assert.ok(Math.abs(a - (full[0] + span * 0.25)) < span * 0.02, `zoom starts near 25%: ${a}`);
  assert.ok(Math.abs(b - (full[0] + span * 0.5)) < span * 0.02, `zoom ends near 50%: ${b}`);
  // Every chart shows the same range (synced zoom), and the URL keeps it across a reload.
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-zoomed') === 'true',
  );
  assert.deepEqual(await domain('loss', 'x'), [a, b]);
  assert.match(page.url(), /[?&]zoom=[\d.]+,[\d.]+/);
  await page.reload();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-val_loss"]')?.getAttribute('data-zoomed') === 'true',
    undefined,
    { timeout: 60_000 },
  );
  const [ra, rb] = await domain('val_loss', 'x');
  assert.ok(Math.abs(ra - a) < span * 1e-4 && Math.abs(rb - b) < span * 1e-4, `reloaded zoom ${ra},${rb}`);
  // Every line is still drawn (clipped to the zoomed range), and the ticks follow the new range.
  assert.equal((await lineIds('acc')).length, runs.length);
  const xt = (await tickLabels('acc', 'x')).map(Number);
  assert.ok(
    xt.every((t) => t >= a && t <= b),
    `ticks inside the zoom: ${xt.join(' ')}`,
  );
  await page.click('[data-testid="chart-acc"] [data-testid="zoom-reset"]');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-zoomed') === 'false',
  );
  assert.deepEqual(await domain('acc', 'x'), full);
});

test('log scale per axis changes the tick labels to decades', async () => {
  await openCompare(many.slice(0, 5));
  const linear = await tickLabels('loss', 'y');
  await page.click('[data-testid="chart-loss"] [data-testid="log-y"]');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-y-scale') === 'log',
  );
  const log = await tickLabels('loss', 'y');
  assert.notDeepEqual(log, linear);
  for (const t of log.map(Number)) {
    const m = t / 10 ** Math.floor(Math.log10(t));
    assert.ok(
      [1, 2, 5].some((k) => Math.abs(m - k) < 1e-9),
      `log tick ${t}`,
    );
  }
  assert.equal(await attr('[data-testid="chart-loss"]', 'data-x-scale'), 'linear', 'x stays linear');
  assert.equal(await attr('[data-testid="chart-acc"]', 'data-y-scale'), 'linear', 'other charts keep theirs');
  assert.match(page.url(), /[?&]logy=loss(&|$)/, 'log y is in the URL');
  // log x drops step 0 (not drawable on a log axis) and starts at step 1
  await page.click('[data-testid="chart-loss"] [data-testid="log-x"]');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-x-scale') === 'log',
  );
  assert.equal((await domain('loss', 'x'))[0], 1);
  await shot(page, 'charts-log');
});

test('a legend click hides exactly one run in every chart; "only" solos a run; show all brings them back', async () => {
  const runs = many.slice(0, 6);
  await openCompare(runs);
  const all = runs.map((r) => r.id).sort();
  assert.deepEqual((await lineIds('acc')).sort(), all);
  await page.click(`[data-testid="legend-item"][data-run-id="${runs[2]!.id}"]`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-lines') === '5',
  );
  for (const key of ['acc', 'val_acc', 'loss', 'val_loss', 'score'])
    assert.deepEqual(
      (await lineIds(key)).sort(),
      all.filter((id) => id !== runs[2]!.id),
      key,
    );
  assert.equal(await attr(`[data-testid="legend-item"][data-run-id="${runs[2]!.id}"]`, 'data-hidden'), 'true');
  assert.match(page.url(), /\/compare\?/, 'the legend did not navigate');
  // Clicking it again shows it.
  await page.click(`[data-testid="legend-item"][data-run-id="${runs[2]!.id}"]`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-lines') === '6',
  );
  // Solo one run.
  await page.locator('.legend-entry').nth(4).hover();
  await page.locator('.legend-entry').nth(4).locator('[data-testid="legend-solo"]').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-lines') === '1',
  );
  assert.deepEqual(await lineIds('loss'), [runs[4]!.id]);
  await page.click('[data-testid="legend-show-all"]');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-lines') === '6',
  );
});

test('smoothing draws the raw series faintly behind the smoothed one, also in per-run panels with shared y ranges', async () => {
  await openCompare(many);
  assert.equal(await page.locator('[data-testid="chart-acc"] path.raw-curve').count(), 0);
  await page.locator('[data-testid="smoothing"]').fill('0.8');
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="chart-acc"] .run-line path.raw-curve').length === 100,
  );
  const raw = page.locator(`[data-testid="chart-acc"] .run-line-${many[0]!.id} path.raw-curve`);
  assert.equal(await raw.getAttribute('stroke-opacity'), '0.25');
  // Per-run panels: every run, the page's smoothing, one y range per metric group.
  await page.locator('[data-testid="tab-panels"]').check();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-panels"] .run-panel').length === 100);
  const ranges = await page
    .locator('[data-testid="run-panels"] [data-testid="chart-accuracy"]')
    .evaluateAll((fs) => [...new Set(fs.map((f) => f.getAttribute('data-y-domain')))]);
  assert.equal(ranges.length, 1, `one accuracy range across panels: ${ranges.join(' | ')}`);
  const loss = await page
    .locator('[data-testid="run-panels"] [data-testid="chart-loss"]')
    .evaluateAll((fs) => [...new Set(fs.map((f) => f.getAttribute('data-y-domain')))]);
  assert.equal(loss.length, 1);
  assert.ok(
    (await page.locator('[data-testid="run-panels"] .run-panel').first().locator('path.raw-curve').count()) > 0,
    'smoothing applies in the panels',
  );
  await shot(page, 'charts-panels-100');
});

test('a run with a single logged epoch is drawn (as a dot) next to a long one', async () => {
  const one = await createRun(stack.gql, { experimentName: 'charts', name: 'one-epoch' });
  await startRun(stack.gql, one.id);
  await logMetrics(stack.gql, one.id, curves(0, 1));
  await page.goto(`${stack.webUrl}/compare?runs=${one.id},${many[1]!.id}`);
  const path = page.locator(`[data-testid="chart-acc"] .run-line-${one.id} path.line-curve`);
  await path.waitFor({ state: 'attached' });
  assert.match((await path.getAttribute('d')) ?? '', /^M[\d.]+,[\d.]+h0$/);
  assert.equal(await path.getAttribute('stroke-linecap'), 'round');
});

test('sweep: parallel coordinates (lr on a log axis), brushing filters the runs, importance ranks lr first, cancel sweep', async () => {
  await stack.gql(`mutation { createExperiment(input: { name: "sweep-charts" }) { id } }`);
  const { launchSweep } = await stack.gql(
    `mutation($b: JSON!, $sp: JSON!) { launchSweep(input: { experimentName: "sweep-charts", name: "pc", baseConfig: $b,
      space: $sp, method: RANDOM, maxRuns: 14, parallelism: 10, metric: "val_acc", goal: MAXIMIZE, seed: 7 }) {
      id runs { id config } } }`,
    {
      b: { train: 'data/train', val: 'data/validation', size: 32, batch: 4 },
      sp: {
        lr: { min: 1e-5, max: 1e-2, distribution: 'log_uniform' },
        dropout: { min: 0, max: 0.5 },
        augment: [true, false],
      },
    },
  );
  const agent = randomUUID();
  await stack.gql(
    `mutation($id: ID!) { registerAgent(input: { id: $id, name: "pc", host: "h", concurrency: 10 }) { id } }`,
    {
      id: agent,
    },
  );
  const { claimRuns } = await stack.gql(`mutation($a: ID!) { claimRuns(agentId: $a, max: 10) { run { id } } }`, {
    a: agent,
  });
  const claimed: string[] = claimRuns.map((c: { run: { id: string } }) => c.run.id);
  assert.equal(claimed.length, 10);
  const config = new Map<string, { lr: number }>(
    launchSweep.runs.map((r: { id: string; config: { lr: number } }) => [r.id, r.config]),
  );
  // val_acc is driven by lr (log-linear); 6 runs finish, 4 keep running, 4 stay queued.
  const metric = new Map<string, number>();
  for (const [k, id] of claimed.entries()) {
    await startRun(stack.gql, id);
    const v = Number((0.5 + 0.1 * Math.log10(config.get(id)!.lr / 1e-5)).toFixed(4));
    metric.set(id, v);
    await logMetrics(stack.gql, id, [{ key: 'val_acc', step: 0, value: v }]);
    if (k < 6) await finishRun(stack.gql, id);
  }
  await page.goto(`${stack.webUrl}/sweeps/${launchSweep.id}`);
  const pc = page.locator('[data-testid="parallel-coordinates"]');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="parallel-coordinates"]')?.getAttribute('data-total') === '10',
    null,
    { timeout: 20_000 },
  );
  assert.equal(await pc.locator('[data-testid="pc-axis-lr"]').getAttribute('data-scale'), 'log');
  assert.equal(await pc.locator('[data-testid="pc-axis-dropout"]').getAttribute('data-scale'), 'linear');
  assert.equal(await pc.locator('[data-testid="pc-axis-augment"]').getAttribute('data-scale'), 'category');
  assert.equal(await page.locator('[data-testid="scatter-lr"]').getAttribute('data-x-scale'), 'log');
  const importance = await page
    .locator('[data-testid="importance-row"]')
    .evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-param'), Number(r.getAttribute('data-correlation'))]));
  assert.equal(importance[0]![0], 'lr', `lr explains val_acc: ${JSON.stringify(importance)}`);
  assert.ok((importance[0]![1] as number) > 0.99, 'lr correlates with val_acc on its log scale');

  // The lr column writes every value alike (log-uniform from 1e-5: some need an exponent, so all have one).
  const lrCells = await page.locator('[data-testid="sweep-run-row"] td[data-col="param:lr"]').allTextContents();
  assert.equal(lrCells.length, 14);
  assert.ok(
    lrCells.every((t) => /^\d\.\d{3}e-\d+$/.test(t)),
    `one style in the lr column: ${lrCells.join(' ')}`,
  );

  // Brush the top half of the metric axis.
  const hit = (await pc.locator('[data-testid="pc-hit-val_acc"]').boundingBox())!;
  const cx = hit.x + hit.width / 2;
  await page.mouse.move(cx, hit.y + 2);
  await page.mouse.down();
  await page.mouse.move(cx, hit.y + hit.height * 0.3, { steps: 3 });
  await page.mouse.move(cx, hit.y + hit.height * 0.5, { steps: 3 });
  await page.mouse.up();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="parallel-coordinates"]')?.getAttribute('data-brushed') === 'val_acc',
  );
  const selected = await pc
    .locator('path[data-selected="true"]')
    .evaluateAll((ps) => ps.map((p) => p.getAttribute('data-run-id')!));
  const faded = await pc
    .locator('path[data-selected="false"]')
    .evaluateAll((ps) => ps.map((p) => p.getAttribute('data-run-id')!));
  assert.ok(selected.length > 0 && faded.length > 0, `${selected.length} selected, ${faded.length} not`);
  const minSelected = Math.min(...selected.map((id) => metric.get(id)!));
  const maxFaded = Math.max(...faded.map((id) => metric.get(id)!));
  assert.ok(minSelected > maxFaded, 'the brush on the metric axis keeps exactly the better runs');
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="sweep-run-row"]').length === n,
    selected.length,
  );
  const rows = await page
    .locator('[data-testid="sweep-run-row"]')
    .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-run-id')!));
  assert.deepEqual(rows.sort(), selected.sort(), 'the runs table shows the brushed runs');
  // The brush is in the URL in data units: Back removes it, Forward and a reload bring the same selection back.
  assert.match(new URL(page.url()).searchParams.get('brush') ?? '', /^val_acc:[\d.]+:[\d.]+$/);
  const brushedAs = (axes: string) =>
    page.waitForFunction(
      (b) => {
        const el = document.querySelector('[data-testid="parallel-coordinates"]');
        return el?.getAttribute('data-brushed') === b && el.getAttribute('data-total') === '10';
      },
      axes,
      { timeout: 20_000 },
    );
  const selectedNow = () =>
    pc.locator('path[data-selected="true"]').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-run-id')!).sort());
  await page.goBack();
  await brushedAs('');
  await page.goForward();
  await brushedAs('val_acc');
  assert.deepEqual(await selectedNow(), selected);
  await page.reload();
  await brushedAs('val_acc');
  assert.deepEqual(await selectedNow(), selected);
  await shot(page, 'sweep-parallel-coordinates');
  await page.click('[data-testid="pc-clear"]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="sweep-run-row"]').length === n, 14);

  // Cancel: the 4 queued runs end CANCELED at once, the 4 running ones get a cancel request for the agent.
  await page.click('[data-testid="sweep-cancel"]');
  await page.click('[data-testid="sweep-cancel-confirm"]');
  await page
    .locator('[data-testid="sweep-cancel-done"]', { hasText: '4 runs canceled; 4 running runs asked' })
    .waitFor();
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="sweep-runs"] [data-status="CANCELED"]').length === 4,
    null,
    { timeout: 20_000 },
  );
  const { sweep } = await stack.gql(
    `query($id: ID!) { sweep(id: $id) { runs { id status launch { cancelRequestedAt } } } }`,
    { id: launchSweep.id },
  );
  const running = claimed.slice(6);
  for (const r of sweep.runs) {
    if (running.includes(r.id)) {
      assert.equal(r.status, 'RUNNING');
      assert.ok(r.launch.cancelRequestedAt, 'its agent is asked to stop it');
    } else if (claimed.includes(r.id)) assert.equal(r.status, 'FINISHED');
    else assert.equal(r.status, 'CANCELED');
  }
});
