/**
 * The compare page keeps every setting in the URL (real Chromium, real server and PostgreSQL): tab,
 * smoothing, x axis and hidden runs survive a reload and Back undoes them; grouping by a config key
 * draws one mean line with a band per group, with run counts in the legend, and is restored from the URL.
 * Each test opens its own page on the same four runs (2 lrs x 2 seeds), which no test changes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRun, curves, finishRun, logMetrics, type SeedRun, startRun } from '@runboard/test-kit/seed';
import { type Stack, shot, startStack } from '@runboard/test-kit/stack';
import pg from 'pg';
import type { Page } from 'playwright-core';

let stack: Stack;
/** lr 0.1, 0.1, 0.01, 0.01 (seeds 1, 2 for each): grouping by lr gives two groups of two. */
let runs: SeedRun[];
const EPOCHS = 30;

before(async () => {
  stack = await startStack();
  runs = [];
  for (const [i, lr] of [0.1, 0.1, 0.01, 0.01].entries()) {
    const run = await createRun(stack.gql, {
      experimentName: 'compare-state',
      name: `run-${i}`,
      config: { lr, seed: (i % 2) + 1, model: 'mobilenet' },
    });
    await startRun(stack.gql, run.id);
    await logMetrics(stack.gql, run.id, curves(i, EPOCHS, 0, ['acc', 'loss']));
    await finishRun(stack.gql, run.id);
    runs.push(run);
  }
});

after(async () => {
  await stack?.close();
});

const ids = () => runs.map((r) => r.id).join(',');

/** A page of its own, closed when the test ends, on the compare view of the four runs (+ extra params). */
async function openCompare(t: { after: (fn: () => Promise<void>) => void }, extra = ''): Promise<Page> {
  const page = await stack.newPage();
  t.after(() => page.close());
  await page.goto(`${stack.webUrl}/compare?runs=${ids()}${extra}`);
  await page.locator('[data-testid="legend-item"]').first().waitFor({ timeout: 60_000 });
  return page;
}

const search = (page: Page) => new URL(page.url()).searchParams;

/** The run lines drawn in the overlay's acc chart, by id. */
const lineIds = (page: Page) =>
  page
    .locator('[data-testid="compare-charts"] [data-testid="chart-acc"] .run-line')
    .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-line-id')!).sort());

async function waitLines(page: Page, wanted: string[]) {
  const want = [...wanted].sort().join(',');
  await page.waitForFunction(
    (w) =>
      Array.from(document.querySelectorAll('[data-testid="compare-charts"] [data-testid="chart-acc"] .run-line'))
        .map((g) => g.getAttribute('data-line-id'))
        .sort()
        .join(',') === w,
    want,
  );
}

const waitParam = (page: Page, name: string, value: string | null) =>
  page.waitForFunction(([n, v]) => new URL(location.href).searchParams.get(n!) === v, [name, value] as const);

test('tab, smoothing, x axis and a hidden run go into the URL, and a reload restores each', async (t) => {
  const page = await openCompare(t);
  await waitLines(
    page,
    runs.map((r) => r.id),
  );
  const hiddenId = runs[1]!.id;
  await page.click(`[data-testid="legend-item"][data-run-id="${hiddenId}"]`);
  await waitParam(page, 'hide', hiddenId);
  await page.locator('[data-testid="smoothing"]').fill('0.6');
  await waitParam(page, 'smooth', '0.6');
  await page.selectOption('[data-testid="x-axis"]', 'relative');
  await waitParam(page, 'x', 'relative');
  // The run list is left exactly as written (commas and all), with the settings after it.
  assert.ok(page.url().includes(`?runs=${ids()}&`), page.url());

  await page.reload();
  await waitLines(
    page,
    runs.filter((r) => r.id !== hiddenId).map((r) => r.id),
  );
  assert.equal(await page.inputValue('[data-testid="smoothing"]'), '0.6');
  assert.equal(await page.inputValue('[data-testid="x-axis"]'), 'relative');
  assert.equal(
    await page.getAttribute(`[data-testid="legend-item"][data-run-id="${hiddenId}"]`, 'data-hidden'),
    'true',
  );
  // Smoothing on: the raw series is drawn faintly behind each smoothed line.
  assert.equal(await page.locator('[data-testid="chart-acc"] .raw-curve').count(), 3);
  assert.match(await page.locator('[data-testid="chart-acc"]').innerText(), /seconds since first point/);

  await page.locator('[data-testid="tab-panels"]').check();
  await waitParam(page, 'tab', 'panels');
  await page.reload();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="run-panels"]')?.getAttribute('data-panels') === '3',
  );
  assert.equal(await page.isChecked('[data-testid="tab-panels"]'), true);
  await shot(page, 'compare-state-reload');
});

test('Back restores the previous setting, and a slider drag is one step back', async (t) => {
  const page = await openCompare(t);
  const plain = page.url();
  await page.selectOption('[data-testid="x-axis"]', 'wall');
  await waitParam(page, 'x', 'wall');
  const hiddenId = runs[2]!.id;
  await page.click(`[data-testid="legend-item"][data-run-id="${hiddenId}"]`);
  await waitParam(page, 'hide', hiddenId);
  await waitLines(
    page,
    runs.filter((r) => r.id !== hiddenId).map((r) => r.id),
  );
  // Two values in a row from the slider replace one history entry.
  await page.locator('[data-testid="smoothing"]').fill('0.3');
  await waitParam(page, 'smooth', '0.3');
  await page.locator('[data-testid="smoothing"]').fill('0.5');
  await waitParam(page, 'smooth', '0.5');

  await page.goBack();
  await waitParam(page, 'smooth', null);
  assert.equal(await page.inputValue('[data-testid="smoothing"]'), '0');
  assert.equal(search(page).get('hide'), hiddenId);

  await page.goBack();
  await waitLines(
    page,
    runs.map((r) => r.id),
  );
  assert.equal(search(page).get('hide'), null);
  assert.equal(await page.inputValue('[data-testid="x-axis"]'), 'wall');

  await page.goBack();
  await page.waitForFunction(
    () => (document.querySelector('[data-testid="x-axis"]') as HTMLSelectElement | null)?.value === 'step',
  );
  assert.equal(page.url(), plain, 'the default settings give a plain URL');
  assert.deepEqual(await lineIds(page), runs.map((r) => r.id).sort());
});

test('grouping by lr draws a mean line with a band per group, counts in the legend, and survives a reload', async (t) => {
  const page = await openCompare(t);
  // The group-by choices come with the config rows, which load after the charts.
  await page.locator('[data-testid="group-add"] option[value="lr"]').waitFor({ state: 'attached' });
  const offered = await page
    .locator('[data-testid="group-add"] option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
  assert.deepEqual(offered, ['lr', 'seed'], 'only keys that differ (model is the same everywhere)');
  await page.selectOption('[data-testid="group-add"]', 'lr');
  await waitParam(page, 'group', 'lr');

  const assertGroups = async (counts: string) => {
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="group-charts"] [data-testid="chart-acc"] .run-line').length === 2,
    );
    const bands = await page
      .locator('[data-testid="group-charts"] [data-testid="chart-acc"] .run-line path.band')
      .evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''));
    assert.equal(bands.length, 2, 'a band per group');
    assert.ok(
      bands.every((d) => d.length > 20),
      'each band has an outline',
    );
    const legend = await page
      .locator('[data-testid="group-legend-item"]')
      .evaluateAll((es) => es.map((e) => `${e.getAttribute('data-group')} ${e.lastElementChild?.textContent}`));
    assert.deepEqual(legend, [`lr=0.01 ${counts}`, `lr=0.1 ${counts}`]);
  };
  await assertGroups('(2)');
  assert.equal(await page.locator('[data-testid="compare-charts"]').count(), 0, 'no per-run overlay while grouped');

  await page.locator('[data-testid="band-std"]').check();
  await waitParam(page, 'band', 'std');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="group-charts"]')?.getAttribute('data-band') === 'std',
  );

  await page.reload();
  await assertGroups('(2)');
  assert.equal(await page.isChecked('[data-testid="band-std"]'), true);
  assert.equal(await page.locator('[data-testid="group-chip-lr"]').count(), 1);
  await shot(page, 'compare-state-groups');

  // A hidden run leaves its group: the count follows.
  await page.click(`[data-testid="legend-item"][data-run-id="${runs[0]!.id}"]`);
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="group-legend-item"][data-group="lr=0.1"]')?.textContent?.includes('(1)'),
  );

  // Removing the key shows the runs again.
  await page.click('[data-testid="group-chip-lr"]');
  await waitParam(page, 'group', null);
  await waitLines(
    page,
    runs.slice(1).map((r) => r.id),
  );
});

test('a reload hydrates the streamed view instead of drawing it a second time', async (t) => {
  const page = await stack.newPage();
  t.after(() => page.close());
  // Every view root that ever enters the document, streamed or client-rendered.
  await page.addInitScript(() => {
    const seen = new Set<Element>();
    (window as unknown as { views: Set<Element> }).views = seen;
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of Array.from(r.addedNodes))
          if (n instanceof Element)
            for (const e of [n, ...Array.from(n.querySelectorAll('[data-testid="tab-panels"]'))])
              if (e.matches('[data-testid="tab-panels"]')) seen.add(e);
    }).observe(document, { childList: true, subtree: true });
  });
  // Hold the comparison's data back (its first query reads metric_latest) until the page shell has hydrated and
  // learnt the session: a session answer that re-rendered the tree then made React drop the streamed view and
  // draw its own, with the streamed copy hidden beside it until React's reveal timer removed it.
  const db = new pg.Client({ connectionString: stack.database.url });
  await db.connect();
  await db.query('BEGIN');
  await db.query('LOCK TABLE metric_latest IN ACCESS EXCLUSIVE MODE');
  let held = true;
  const release = async () => {
    if (!held) return;
    held = false;
    await db.query('COMMIT');
    await db.end();
  };
  t.after(release);
  await page.goto(`${stack.webUrl}/compare?runs=${ids()}&smooth=0.6`, { waitUntil: 'commit' });
  await page.locator('header nav a[href="/launch"]').waitFor({ timeout: 60_000 }); // the session is known
  const views = () =>
    page.evaluate(() => {
      const seen = [...(window as unknown as { views: Set<Element> }).views];
      return { seen: seen.length, detached: seen.filter((e) => !e.isConnected).length };
    });
  assert.deepEqual(await views(), { seen: 0, detached: 0 }, 'the data is still held back');
  await release();

  await page.waitForFunction(
    () =>
      document.querySelectorAll('[data-testid="chart-acc"] .run-line').length === 4 &&
      !document.querySelector('div[hidden][id^="S:"]'), // no streamed segment waiting to be revealed
  );
  assert.deepEqual(await views(), { seen: 1, detached: 0 }, 'one view, the streamed one, hydrated in place');
  assert.equal(await page.locator('[data-testid="tab-panels"]').count(), 1);
});
