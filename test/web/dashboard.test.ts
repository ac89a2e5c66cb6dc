/**
 * Dashboard pages against a real server, PostgreSQL and headless Chromium: experiment table, filter
 * language (and its errors), export, selection -> compare, config diff, bad ids (launching: launch.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { createRun, logMetrics, seedExperiment, startRun } from '@runboard/test-kit/seed';
import { type Stack, shot, startStack } from '@runboard/test-kit/stack';
import { waitFor } from '@runboard/test-kit/wait';
import type { Page } from 'playwright-core';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.close();
});

/** Each test seeds its own experiment (6 finished runs, 8 epochs) and opens its own page. */
async function seeded(runCount = 6) {
  const name = uniqueName('cats-vs-dogs');
  const runs = await seedExperiment(stack.gql, name, runCount, 8);
  const d = await stack.gql(`query($n: String!) { experiment(name: $n) { id } }`, { n: name });
  return { name, runs, experimentId: d.experiment.id as string, page: await stack.newPage() };
}

const rowNames = (p: Page) =>
  p.locator('[data-testid="run-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-name')));
/** Waits for exactly `n` rows; on timeout says what the page showed instead (rows, count line, any notice). */
const rowCount = async (p: Page, n: number) => {
  try {
    await p.waitForFunction((want) => document.querySelectorAll('[data-testid="run-row"]').length === want, n, {
      timeout: 120_000, // generous: a loaded machine renders a 5,000-run experiment slowly; speed is bench:web's job
    });
  } catch (err) {
    const seen = await p.evaluate(() => ({
      rows: document.querySelectorAll('[data-testid="run-row"]').length,
      count: document.querySelector('[data-testid="run-count"]')?.textContent ?? null,
      notices: Array.from(document.querySelectorAll('[role="alert"], .notice'), (e) => e.textContent),
      url: location.href,
    }));
    throw new Error(`${(err as Error).message}; the page showed ${JSON.stringify(seen)}`);
  }
};

test('experiments list shows the experiment with its run counts', async () => {
  const { name, page } = await seeded();
  await page.goto(`${stack.webUrl}/`);
  const row = page.locator('[data-testid="experiments-table"] tr', { hasText: name });
  await row.waitFor();
  // The Runs column, exactly (a /6/ anywhere in the row would also match "16s ago").
  assert.equal(await row.locator('td').nth(1).innerText(), '6');
  assert.match(await row.locator('td').nth(2).innerText(), /^finished\s+6$/i);
  await page.close();
});

test('experiments search narrows the list', async () => {
  const { name, page } = await seeded(1);
  const other = uniqueName('fashion-mnist');
  await stack.gql(`mutation($n: String!) { createExperiment(input: { name: $n, description: "clothes" }) { id } }`, {
    n: other,
  });
  await page.goto(`${stack.webUrl}/`);
  await page.locator('[data-testid="experiments-table"] tr', { hasText: other }).waitFor();
  await page.fill('input[type="search"]', name);
  await page.waitForFunction(
    (o) => !document.querySelector('[data-testid="experiments-table"]')?.textContent?.includes(o),
    other,
  );
  assert.match(await page.locator('[data-testid="experiments-table"]').innerText(), new RegExp(name));
  await page.close();
});

test('experiment page lists the seeded runs with config and metric columns', async () => {
  const { runs, experimentId, page } = await seeded();
  await page.goto(`${stack.webUrl}/experiments/${experimentId}`);
  await page.locator('[data-testid="run-row"]').nth(5).waitFor();
  const names = await rowNames(page);
  assert.deepEqual([...names].sort(), runs.map((r) => r.name).sort());
  for (const col of ['col-config.lr', 'col-config.batch', 'col-last:acc', 'col-best:val_loss']) {
    assert.equal(await page.locator(`[data-testid="${col}"]`).count(), 1, `column ${col}`);
  }
  await shot(page, 'experiment');
  await page.close();
});

test('sorting on a config column orders the table by it', async () => {
  const { experimentId, page } = await seeded();
  await page.goto(`${stack.webUrl}/experiments/${experimentId}`);
  await rowCount(page, 6);
  await page.locator('[data-testid="col-config.batch"]').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="col-config.batch"]')?.getAttribute('aria-sort') === 'ascending',
  );
  await page.waitForFunction(() => {
    const rows = Array.from(document.querySelectorAll('[data-testid="run-row"]')).map((r) =>
      r.getAttribute('data-run-name'),
    );
    return rows[0] === 'run-000' || rows[0] === 'run-004';
  });
  const names = await rowNames(page);
  // batch 16: run-000, run-004; 32: run-001, run-005; 64: run-002; 128: run-003
  assert.deepEqual(
    [[...names.slice(0, 2)].sort(), [...names.slice(2, 4)].sort(), names.slice(4)],
    [
      ['run-000', 'run-004'],
      ['run-001', 'run-005'],
      ['run-002', 'run-003'],
    ],
  );
  await page.close();
});

test('the filter language narrows the table; a malformed filter shows the message and position', async () => {
  const { experimentId, page } = await seeded();
  await page.goto(`${stack.webUrl}/experiments/${experimentId}?sort=config.batch:ASC`);
  await rowCount(page, 6);
  await page.fill('[data-testid="filter-input"]', 'config.lr < 0.05 AND config.optimizer = "adam"');
  await page.click('[data-testid="filter-apply"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
  assert.deepEqual((await rowNames(page)).sort(), ['run-001', 'run-005']);
  // The filter and sort live in the URL: a reload (or a shared link) shows the same view.
  await page.waitForURL(/where=/);
  assert.match(page.url(), /sort=config\.batch%3AASC|sort=config\.batch:ASC/);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
  assert.equal(await page.inputValue('[data-testid="filter-input"]'), 'config.lr < 0.05 AND config.optimizer = "adam"');

  await page.fill('[data-testid="filter-input"]', 'config.lr < AND');
  await page.click('[data-testid="filter-apply"]');
  const err = page.locator('[data-testid="filter-error"]');
  await err.waitFor();
  const text = await err.innerText();
  assert.match(text, /position \d+/);
  assert.match(text, /\^/); // the caret under the problem
  await shot(page, 'filter-error');
  await page.close();
});

test('export downloads exactly the rows matching the filter (CSV and JSON)', async () => {
  const { runs, experimentId, page } = await seeded();
  await page.goto(`${stack.webUrl}/experiments/${experimentId}`);
  await rowCount(page, 6);
  await page.fill('[data-testid="filter-input"]', 'config.lr < 0.05 AND config.optimizer = "adam"');
  await page.click('[data-testid="filter-apply"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
  const expected = runs
    .filter((r) => ['run-001', 'run-005'].includes(r.name))
    .map((r) => r.id)
    .sort();

  const [csvDl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-csv"]')]);
  const csv = fs
    .readFileSync((await csvDl.path())!, 'utf8')
    .trim()
    .split('\n');
  assert.equal(csv[0]!.split(',')[0], 'id');
  assert.ok(csv[0]!.includes('lr') && csv[0]!.includes('acc (last)'));
  assert.deepEqual(
    csv
      .slice(1)
      .map((l) => l.split(',')[0])
      .sort(),
    expected,
  );

  const [jsonDl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-json"]')]);
  const rows = JSON.parse(fs.readFileSync((await jsonDl.path())!, 'utf8')) as Record<string, unknown>[];
  assert.deepEqual(rows.map((r) => r.id).sort(), expected);
  assert.ok(rows.every((r) => r.Status === 'FINISHED'));
  await page.close();
});

test('select 3 runs, open compare: one line per run in every chart; config diff shows only differing keys', async () => {
  const { runs, experimentId, page } = await seeded();
  await page.goto(`${stack.webUrl}/experiments/${experimentId}`);
  await rowCount(page, 6);
  const chosen = ['run-000', 'run-001', 'run-002'];
  for (const name of chosen) await page.locator(`[data-run-name="${name}"] input[type=checkbox]`).check();
  await page.locator('[data-testid="compare-link"]').click();
  await page.waitForURL(/\/compare\?runs=/);
  const ids = new URL(page.url()).searchParams.get('runs')!.split(',');
  assert.deepEqual(
    ids.sort(),
    runs
      .filter((r) => chosen.includes(r.name))
      .map((r) => r.id)
      .sort(),
  );

  for (const key of ['acc', 'val_acc', 'loss', 'val_loss']) {
    const chart = page.locator(`[data-testid="chart-${key}"]`);
    await chart.locator('.run-line path').first().waitFor();
    assert.equal(await chart.locator('.run-line').count(), 3, `lines in ${key}`);
  }
  // Consistent colour per run: the same run has the same stroke in every chart.
  const strokes = await page.evaluate(
    (id) =>
      Array.from(document.querySelectorAll(`.run-line-${id} path.line-curve`)).map((p) => p.getAttribute('stroke')),
    ids[0],
  );
  assert.equal(new Set(strokes).size, 1);

  const diff = page.locator('[data-testid="config-diff"]');
  await diff.waitFor();
  const paths = await page
    .locator('[data-testid="config-row"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
  assert.deepEqual([...paths].sort(), ['batch', 'lr', 'optimizer']);
  await page.locator('[data-testid="differences-only"]').uncheck();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="config-row"]').length > 3);
  const all = await page
    .locator('[data-testid="config-row"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
  assert.ok(all.includes('model.base'));
  await page.locator('[data-testid="differences-only"]').check();

  // Smoothing (EMA) changes the drawn path.
  const before = await page.locator(`[data-testid="chart-acc"] .run-line-${ids[0]} path.line-curve`).getAttribute('d');
  await page.locator('[data-testid="smoothing"]').fill('0.9');
  await page.waitForFunction(
    ([id, d]) =>
      document.querySelector(`[data-testid="chart-acc"] .run-line-${id} path.line-curve`)?.getAttribute('d') !== d,
    [ids[0], before] as const,
  );
  await page.locator('[data-testid="smoothing"]').fill('0');

  // Best/final table: one row per run.
  await page.locator('[data-testid="summary-row"]').nth(2).waitFor();
  assert.equal(await page.locator('[data-testid="summary-row"]').count(), 3);
  // Into test-results only: the README's docs/compare.png is made by scripts/screenshot-compare.ts.
  await shot(page, 'compare');
  await page.close();
});

test('compare with many runs: one path per run, per-run panels', async () => {
  const many = await seedExperiment(stack.gql, uniqueName('many-runs'), 15, 4);
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/compare?runs=${many.map((r) => r.id).join(',')}`);
  for (const key of ['acc', 'val_acc', 'loss', 'val_loss']) {
    const chart = page.locator(`[data-testid="chart-${key}"]`);
    await chart.locator('.run-line path.line-curve').first().waitFor();
    assert.equal(await chart.locator('.run-line path.line-curve').count(), 15, key);
    assert.equal(await chart.getAttribute('data-points'), String(15 * 4));
  }
  // Each path is non-empty and inside the plot area.
  const ok = await page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="chart-acc"] .run-line path.line-curve')).every((p) => {
      const r = (p as SVGPathElement).getBoundingClientRect();
      return (p.getAttribute('d') ?? '').length > 10 && r.width > 100 && r.height > 1;
    }),
  );
  assert.ok(ok);
  await shot(page, 'compare-many');
  await page.locator('[data-testid="tab-panels"]').check();
  await page.locator('[data-testid="run-panels"] .panel').nth(14).waitFor();
  assert.equal(await page.locator('[data-testid="run-panels"] .panel').count(), 15);
  await shot(page, 'compare-panels');
  await page.close();
});

test('run page shows accuracy and loss charts, config and system info; notes and tags save', async () => {
  const { runs, page } = await seeded(2);
  const run = runs[1]!;
  await page.goto(`${stack.webUrl}/runs/${run.id}`);
  await page.locator('[data-testid="chart-accuracy"] .run-line').nth(1).waitFor();
  assert.equal(await page.locator('[data-testid="chart-loss"] .run-line').count(), 2);
  assert.match(await page.locator('[data-testid="run-config"]').innerText(), /optimizer\s+adam/);
  assert.match(await page.locator('[data-testid="run-system"]').innerText(), /test-host/);
  await page.fill('[data-testid="tags-input"]', 'good, keep');
  await page.fill('[data-testid="notes-input"]', 'Best so far.');
  await page.click('[data-testid="save-run"]');
  await page.locator('text=Saved at').waitFor();
  const d = await stack.gql(`query($id: ID!) { run(id: $id) { tags notes } }`, { id: run.id });
  assert.deepEqual(d.run, { tags: ['good', 'keep'], notes: 'Best so far.' });
  await shot(page, 'run');
  await page.close();
});

// The trainer's own wording for lr 10 (trainers/src/train/divergence.ts; divergence.test.ts checks
// every cause the guard produces matches contract/src/divergence.ts).
const DIVERGED =
  'training diverged at epoch 1: loss 7.9712 with acc 0.5000 means every misclassified image is at the ' +
  'cross-entropy clip (loss 15.94), where the gradient is zero; lr 10 is too high';

test('a run the guard stops shows "diverged" with its cause, live in the table and on its run page', async () => {
  const name = uniqueName('diverging');
  const gql = stack.gql;
  const diverging = await createRun(gql, { experimentName: name, name: 'lr-10', config: { lr: 10 } });
  const crashed = await createRun(gql, { experimentName: name, name: 'bad-path', config: { lr: 1e-4 } });
  for (const r of [diverging, crashed]) await startRun(gql, r.id);
  await logMetrics(gql, diverging.id, [{ key: 'loss', step: 1, value: 7.9712 }]);
  const finish = (id: string, error: string) =>
    gql(`mutation($id: ID!, $e: String) { finishRun(id: $id, status: FAILED, exitCode: 1, error: $e) { id } }`, {
      id,
      e: error,
    });
  // A failure that is not divergence: a plain "failed", its stack trace not on the table.
  await finish(crashed.id, "EACCES: permission denied, open '/data/train'\n    at open (node:fs:573:10)");
  const { id: experimentId } = (await gql(`query($n: String!) { experiment(name: $n) { id } }`, { n: name }))
    .experiment;
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/experiments/${experimentId}`);
  await rowCount(page, 2);
  const badge = (run: string) => page.locator(`[data-run-name="${run}"] [data-testid="status-badge"]`);
  assert.equal(await badge('lr-10').textContent(), 'running');
  // textContent: the badge's CSS upper-cases what innerText would report.
  // The guard stops the run while the page is open: the row changes over the live subscription
  // (once it is up, as in live.test.ts's status-badge test).
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 30_000 });
  await finish(diverging.id, DIVERGED);
  await page.locator('[data-run-name="lr-10"] [data-diverged="true"]').waitFor({ timeout: 30_000 });
  assert.equal(await badge('lr-10').textContent(), 'diverged');
  assert.equal(await badge('lr-10').getAttribute('title'), DIVERGED);
  assert.equal(await badge('bad-path').textContent(), 'failed');
  assert.equal(await badge('bad-path').getAttribute('data-diverged'), null);
  const summary = await gql(`query($id: ID!) { run(id: $id) { errorSummary } }`, { id: crashed.id });
  assert.equal(summary.run.errorSummary, "EACCES: permission denied, open '/data/train'", 'first line only');
  await page.reload();
  await page.locator('[data-run-name="lr-10"] [data-diverged="true"]').waitFor();
  // The run page: the badge, and the cause in full as the reported error.
  await page.goto(`${stack.webUrl}/runs/${diverging.id}`);
  const head = page.locator('.page-head [data-testid="status-badge"]');
  await head.waitFor();
  assert.equal(await head.textContent(), 'diverged');
  assert.equal(await head.getAttribute('title'), DIVERGED);
  assert.equal(await page.locator('[data-testid="notice-error"] .notice-message').innerText(), DIVERGED);
  await shot(page, 'run-diverged');
  await page.close();
});

test('unknown or malformed ids in the URL show a message, not a blank page', async () => {
  const page = await stack.newPage();
  const cases: [string, RegExp][] = [
    [`/experiments/00000000-0000-4000-8000-000000000000`, /no such experiment/i],
    [`/experiments/not-an-id`, /no such experiment/i],
    [`/runs/00000000-0000-4000-8000-000000000000`, /no such run/i],
    [`/runs/nope`, /no such run/i],
    [`/compare?runs=00000000-0000-4000-8000-000000000000`, /does not exist/i],
    [`/compare?runs=garbage`, /not valid/i],
    [`/compare`, /no runs to compare/i],
    [`/sweeps/00000000-0000-4000-8000-000000000000`, /no such sweep/i],
    [`/sweeps/nope`, /no such sweep/i],
    [`/no/such/page`, /not found/i],
  ];
  for (const [path, re] of cases) {
    await page.goto(`${stack.webUrl}${path}`);
    const notice = page.locator('.notice');
    await notice.first().waitFor({ timeout: 30_000 });
    assert.match(await notice.first().innerText(), re, path);
  }
  await shot(page, 'bad-id');
  await page.close();
});

test('a compare URL naming 1,000 runs is served (no header-size refusal) and says which ids do not exist', async () => {
  const { runs, page } = await seeded(3);
  const missing = Array.from({ length: 997 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const ids = [...runs.slice(0, 3).map((r) => r.id), ...missing];
  const res = await page.goto(`${stack.webUrl}/compare?runs=${ids.join(',')}`);
  assert.equal(res?.status(), 200);
  const notice = page.locator('.notice');
  await notice.first().waitFor({ timeout: 30_000 });
  assert.match(await notice.first().innerText(), /does not exist/i);
  await page.close();
});

test('pages of 100 rows: 5,000 runs load 100 at a time in the order the server sorts, and export takes every matching row', async () => {
  const name = uniqueName('five-thousand');
  // config.batch is a permutation of 0..4999 (7919 is coprime to 5000), unrelated to creation order: a
  // table sorting only its loaded page would show other rows first.
  const byBatch = new Map<number, { id: string; name: string }>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < 5000; i = next++) {
        const batch = (i * 7919) % 5000;
        const run = await createRun(stack.gql, { experimentName: name, name: `r-${i}`, config: { batch } });
        byBatch.set(batch, { id: run.id, name: run.name });
      }
    }),
  );
  const { experiment } = await stack.gql(`query($n: String!) { experiment(name: $n) { id } }`, { n: name });
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/experiments/${experiment.id}?sort=config.batch:ASC`);
  const expectedNames = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, k) => byBatch.get(from + k)!.name);
  // Pages arrive 100 at a time, in the server's order. The table also loads the next page by itself when
  // its end scrolls into view (in two full runs it had 300 rows by the time it was counted), so the test
  // counts whole pages rather than expecting to catch exactly the first one.
  const pages = async (atLeast: number) => {
    // Rows and the count line in one frame, once they agree.
    const seen = await waitFor(
      async () => {
        const s = await page.evaluate(() => ({
          names: Array.from(document.querySelectorAll('[data-testid="run-row"]'), (r) =>
            r.getAttribute('data-run-name'),
          ),
          count: document.querySelector('[data-testid="run-count"]')?.textContent ?? '',
        }));
        return s.names.length >= atLeast && s.count === `${s.names.length} of 5000 shown` && s;
      },
      { timeout: 120_000, what: `at least ${atLeast} rows and a count line that agrees` },
    );
    assert.equal(seen.names.length % 100, 0, `whole pages of 100 (${seen.names.length} rows)`);
    assert.deepEqual(seen.names, expectedNames(0, seen.names.length));
    return seen.names.length;
  };
  const first = await pages(100);
  await page.locator('[data-testid="load-more"]').click();
  assert.ok((await pages(first + 100)) >= first + 100);

  // Export is of every matching row, not of the 200 loaded.
  const [csvDl] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.click('[data-testid="export-csv"]'),
  ]);
  const lines = fs
    .readFileSync((await csvDl.path())!, 'utf8')
    .trim()
    .split('\n');
  assert.equal(lines.length, 5001);
  assert.deepEqual(
    new Set(lines.slice(1).map((l) => l.split(',')[0])),
    new Set([...byBatch.values()].map((r) => r.id)),
  );
  await page.close();
});

/** The x tick labels of one chart. */
const xTicks = (page: Page, chart: string) =>
  page
    .locator(`[data-testid="chart-${chart}"] .x-ticks text`)
    .evaluateAll((els) => els.map((e) => e.textContent ?? ''));

test('time x-axis: compare charts plot against seconds since the first point or wall time', async () => {
  // 10 epochs logged 2 s apart (seed curves): steps 0..9, times 0..18 s.
  const [run] = await seedExperiment(stack.gql, uniqueName('time-axis'), 1, 10);
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/compare?runs=${run!.id}`);
  await page.locator('[data-testid="chart-acc"] .run-line path').first().waitFor({ timeout: 30_000 });
  const maxOf = (ticks: string[]) => {
    assert.ok(ticks.length > 1, `x ticks: ${ticks}`);
    return Math.max(...ticks.map((t) => Number.parseFloat(t)));
  };
  // By step first: steps 0..9 on 1-2-5 ticks, so the last tick is 8 or 10 (never seconds).
  const byStep = maxOf(await xTicks(page, 'acc'));
  assert.ok(byStep >= 8 && byStep <= 10, `by step first: last tick ${byStep}`);
  await page.selectOption('[data-testid="x-axis"]', 'relative');
  await page.locator('[data-testid="chart-acc"]', { hasText: 'seconds since first point' }).waitFor();
  const relative = await xTicks(page, 'acc');
  assert.ok(
    relative.every((t) => /s$/.test(t)),
    relative.join(),
  );
  assert.ok(maxOf(relative) > 9 && maxOf(relative) <= 20, `seconds, not steps: ${relative}`);
  await page.selectOption('[data-testid="x-axis"]', 'wall');
  await page.locator('[data-testid="chart-acc"]', { hasText: 'wall time' }).waitFor();
  const wall = await xTicks(page, 'acc');
  assert.ok(wall.length > 1 && wall.every((t) => /\d+:\d\d:\d\d/.test(t)), `clock times: ${wall}`);
  await page.close();
});

test('min/max band: a downsampled series shows each bucket min/max band; the toggle hides it', async () => {
  const experimentName = uniqueName('band');
  const run = await createRun(stack.gql, { experimentName, name: 'long' });
  await startRun(stack.gql, run.id);
  // 6,000 steps with a spike every 100: far more than a chart draws, so the server downsamples.
  await logMetrics(
    stack.gql,
    run.id,
    Array.from({ length: 6000 }, (_, step) => ({ key: 'acc', step, value: step % 100 === 0 ? 0.9 : 0.5 })),
  );
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/compare?runs=${run.id}`);
  const band = page.locator('[data-testid="chart-acc"] path.band');
  await band.first().waitFor({ timeout: 30_000 });
  assert.ok(((await band.first().getAttribute('d')) ?? '').length > 20, 'the band is drawn');
  // The band reaches the spikes the line (bucket values) smooths over: it spans more height than the line.
  const heights = await page.evaluate(() => {
    const chart = document.querySelector('[data-testid="chart-acc"]')!;
    const band = chart.querySelector('path.band') as SVGGraphicsElement | null;
    const line = chart.querySelector('.run-line path.line-curve') as SVGGraphicsElement | null;
    return { band: band?.getBBox().height ?? 0, line: line?.getBBox().height ?? Number.POSITIVE_INFINITY };
  });
  assert.ok(heights.band > heights.line, JSON.stringify(heights));
  await page.locator('label', { hasText: 'min/max band' }).locator('input').uncheck();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart-acc"] .band').length === 0);
  await page.close();
});

test('artifacts on the run page: an uploaded file is listed with kind and size and downloads intact', async () => {
  const run = await createRun(stack.gql, { experimentName: uniqueName('artifacts'), name: 'with-model' });
  await startRun(stack.gql, run.id);
  const body = Buffer.from(
    JSON.stringify({ format: 'layers-model', weights: Array.from({ length: 300 }, (_, i) => i) }),
  );
  const origin = new URL(stack.apiUrl).origin;
  const put = await fetch(`${origin}/artifacts/${run.id}/model/model.json?kind=model`, { method: 'PUT', body });
  assert.equal(put.status, 201, await put.clone().text());
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/runs/${run.id}`);
  const row = page.locator('[data-testid="artifacts"] tbody tr');
  await row.first().waitFor({ timeout: 30_000 });
  assert.equal(await row.count(), 1);
  const cells = await row.first().locator('td').allInnerTexts();
  assert.equal(cells[0], 'model/model.json');
  assert.equal(cells[1], 'model');
  assert.equal(body.length, 1127);
  assert.equal(cells[2], '1.1 KB');
  const href = await row.first().locator('a').getAttribute('href');
  // The link is the dashboard's own /artifacts relay (it adds the session's key when keys are on).
  const got = Buffer.from(await (await fetch(new URL(href!, stack.webUrl))).arrayBuffer());
  assert.ok(got.equals(body), 'the download is the uploaded file');
  await page.close();
});

test('a filter applied before the page has hydrated loads the filtered page and keeps the sort', async () => {
  const { experimentId } = await seeded();
  // Without JavaScript the page is what the server rendered, as it is until hydration on a slow machine.
  const page = await stack.browser.newPage({ javaScriptEnabled: false });
  try {
    await page.goto(`${stack.webUrl}/experiments/${experimentId}?sort=config.batch:ASC`);
    assert.equal(await page.locator('[data-testid="run-row"]').count(), 6);
    await page.fill('[data-testid="filter-input"]', 'config.lr < 0.05 AND config.optimizer = "adam"');
    await Promise.all([page.waitForURL(/where=/), page.click('[data-testid="filter-apply"]')]);
    const params = new URL(page.url()).searchParams;
    assert.equal(params.get('where'), 'config.lr < 0.05 AND config.optimizer = "adam"');
    assert.equal(params.get('sort'), 'config.batch:ASC');
    assert.deepEqual((await rowNames(page)).sort(), ['run-001', 'run-005']);
  } finally {
    await page.close();
  }
});
