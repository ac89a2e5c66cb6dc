/**
 * Dashboard pages against a real server, PostgreSQL and headless Chromium: experiment table, filter
 * language (and its errors), export, selection -> compare, config diff, bad ids (launching: launch.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type SeedRun, seedExperiment } from './helpers/seed.js';
import { type Stack, shot, startStack } from './helpers/stack.js';

let stack: Stack;
let page: Page;
let runs: SeedRun[];
let experimentId: string;

before(async () => {
  stack = await startStack();
  runs = await seedExperiment(stack.gql, 'cats-vs-dogs', 6, 8);
  const d = await stack.gql(`{ experiment(name: "cats-vs-dogs") { id } }`);
  experimentId = d.experiment.id;
  page = await stack.newPage();
});

after(async () => {
  await stack?.close();
});

const rowNames = (p: Page) =>
  p.locator('[data-testid="run-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-name')));

test('experiments list shows the experiment with its run counts', async () => {
  await page.goto(`${stack.webUrl}/`);
  const row = page.locator('[data-testid="experiments-table"] tr', { hasText: 'cats-vs-dogs' });
  await row.waitFor();
  assert.match(await row.innerText(), /6/);
  assert.match(await row.innerText(), /finished/i);
});

test('experiments search narrows the list', async () => {
  await stack.gql(`mutation { createExperiment(input: { name: "fashion-mnist", description: "clothes" }) { id } }`);
  await page.goto(`${stack.webUrl}/`);
  await page.locator('[data-testid="experiments-table"] tr', { hasText: 'fashion-mnist' }).waitFor();
  await page.fill('input[type="search"]', 'cats');
  await page.waitForFunction(
    () => !document.querySelector('[data-testid="experiments-table"]')?.textContent?.includes('fashion-mnist'),
  );
  assert.match(await page.locator('[data-testid="experiments-table"]').innerText(), /cats-vs-dogs/);
});

test('experiment page lists the seeded runs with config and metric columns', async () => {
  await page.goto(`${stack.webUrl}/experiments/${experimentId}`);
  await page.locator('[data-testid="run-row"]').nth(5).waitFor();
  const names = await rowNames(page);
  assert.deepEqual([...names].sort(), runs.map((r) => r.name).sort());
  for (const col of ['col-config.lr', 'col-config.batch', 'col-last:acc', 'col-best:val_loss']) {
    assert.equal(await page.locator(`[data-testid="${col}"]`).count(), 1, `column ${col}`);
  }
  await shot(page, 'experiment');
});

test('sorting on a config column asks the server for that order', async () => {
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
  // batch 16: run-000, run-004; 128 (run-003) last
  assert.equal(names.at(-1), 'run-003');
});

test('the filter language narrows the table; a malformed filter shows the message and position', async () => {
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
});

test('export downloads exactly the rows matching the filter (CSV and JSON)', async () => {
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
});

test('select 3 runs, open compare: one line per run in every chart; config diff shows only differing keys', async () => {
  await page.fill('[data-testid="filter-input"]', '');
  await page.click('[data-testid="filter-apply"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 6);
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
  await shot(page, 'compare');
  // The README's screenshot: written when missing (or on request) so test runs do not churn the file.
  if (!fs.existsSync('docs/compare.png') || process.env.UPDATE_DOCS_SCREENSHOT) {
    fs.mkdirSync('docs', { recursive: true });
    await page.mouse.move(0, 0); // no tooltip in the picture
    await page.screenshot({ path: 'docs/compare.png', fullPage: false });
  }
});

test('compare with many runs: one path per run, per-run panels', async () => {
  const many = await seedExperiment(stack.gql, 'many-runs', 15, 4);
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
});

test('run page shows accuracy and loss charts, config and system info; notes and tags save', async () => {
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
});

test('unknown or malformed ids in the URL show a message, not a blank page', async () => {
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
    await notice.first().waitFor({ timeout: 10_000 });
    assert.match(await notice.first().innerText(), re, path);
  }
  await shot(page, 'bad-id');
});

test('a compare URL naming 1,000 runs is served (no header-size refusal) and says which ids do not exist', async () => {
  const missing = Array.from({ length: 997 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const ids = [...runs.slice(0, 3).map((r) => r.id), ...missing];
  const res = await page.goto(`${stack.webUrl}/compare?runs=${ids.join(',')}`);
  assert.equal(res?.status(), 200);
  const notice = page.locator('.notice');
  await notice.first().waitFor({ timeout: 20_000 });
  assert.match(await notice.first().innerText(), /does not exist/i);
});
