/**
 * The daily-use defects of issue 21 outside the charts, in real Chromium against a real server:
 * default columns of launched runs, a live home page and experiment header, the sweep table's typed
 * sort, no sideways scroll at 390 px on any page, readable /e/ URLs, filter completion and unknown
 * metric keys, multi-line errors, notes tables and one number style per column.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { createRun, logMetrics, startRun } from '@runboard/test-kit/seed';
import { hydrationErrors, type Stack, shot, startStack } from '@runboard/test-kit/stack';
import type { Page } from 'playwright-core';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.close();
});

const LAUNCH = `mutation($e: String!, $c: JSON!, $n: String) { launchRun(input: { experimentName: $e, config: $c, name: $n }) { id } }`;

async function experimentId(name: string): Promise<string> {
  return (await stack.gql(`query($n: String) { experiment(name: $n) { id } }`, { n: name })).experiment.id;
}

const configColumns = (p: Page) =>
  p
    .locator('[data-testid="runs-table"] thead th[data-testid^="col-config."]')
    .evaluateAll((ths) => ths.map((t) => t.getAttribute('data-testid')!.slice(4)));

async function openExperiment(name: string, rows: number): Promise<Page> {
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/experiments/${await experimentId(name)}`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n, rows, {
    timeout: 30_000,
  });
  return page;
}

test('default columns of launched runs: the keys the user set that vary, not the trainer defaults', async () => {
  // One launched run: its given keys are the columns (not ~30 defaults such as backend or cacheDir).
  const single = uniqueName('cols-launched');
  await stack.gql(LAUNCH, { e: single, c: { data: 'cats_vs_dogs', lr: 0.001 } });
  let page = await openExperiment(single, 1);
  assert.deepEqual(await configColumns(page), ['config.data', 'config.lr']);
  await page.close();

  // Two launched runs and a createRun run missing the trainer keys: keys absent from some runs do not
  // count as varying, and only lr (set by the user, differing) is a column.
  const mixed = uniqueName('cols-mixed');
  await stack.gql(LAUNCH, { e: mixed, c: { data: 'cats_vs_dogs', lr: 0.01, size: 160 } });
  await stack.gql(LAUNCH, { e: mixed, c: { data: 'cats_vs_dogs', lr: 0.001, size: 160 } });
  await createRun(stack.gql, { experimentName: mixed, config: { lr: 0.1, note: 'hand-made' } });
  page = await openExperiment(mixed, 3);
  assert.deepEqual(await configColumns(page), ['config.lr']);
  await page.close();
});

test('home page: a run created elsewhere shows in its experiment count within 2 s, new experiments too', async () => {
  const name = uniqueName('home-live');
  await createRun(stack.gql, { experimentName: name });
  const page = await stack.newPage();
  await page.goto(stack.webUrl);
  const count = () =>
    page.evaluate((n) => {
      const row = Array.from(document.querySelectorAll('[data-testid="experiments-table"] tbody tr')).find(
        (tr) => tr.querySelector('a')?.textContent === n,
      );
      return row?.querySelector('td.num')?.textContent ?? null;
    }, name);
  await page.waitForFunction(() => document.querySelector('[data-testid="experiments-table"]'));
  assert.equal(await count(), '1');
  // The subscriptions are on the socket before the writes (a page without any never opens it: go on).
  await page
    .waitForFunction(
      () => document.querySelector('[data-testid="connection-state"]')?.getAttribute('data-state') === 'live',
      null,
      { timeout: 5000 },
    )
    .catch(() => {});
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  for (let i = 0; i < 3; i++) await createRun(stack.gql, { experimentName: name });
  await page.waitForFunction(
    (n) =>
      Array.from(document.querySelectorAll('[data-testid="experiments-table"] tbody tr'))
        .find((tr) => tr.querySelector('a')?.textContent === n)
        ?.querySelector('td.num')?.textContent === '4',
    name,
    { timeout: 2000 },
  );
  const ms = Date.now() - t0;
  assert.ok(ms <= 2000, `home count updated after ${ms} ms`);

  // New experiments are announced too (experimentsChanged), not found by a poll: three in a row each show
  // within 2 s (a 5 s poll lands all three that fast about one time in sixteen).
  for (let i = 0; i < 3; i++) {
    const fresh = uniqueName(`home-new-${i}`);
    const t1 = Date.now();
    if (i === 1)
      await stack.gql(`mutation($n: String!) { createExperiment(input: { name: $n }) { id } }`, { n: fresh });
    else await createRun(stack.gql, { experimentName: fresh });
    await page.waitForFunction(
      (n) =>
        Array.from(document.querySelectorAll('[data-testid="experiments-table"] a')).some((a) => a.textContent === n),
      fresh,
      { timeout: 2000 },
    );
    assert.ok(Date.now() - t1 <= 2000);
    await new Promise((r) => setTimeout(r, 700));
  }
  await page.close();
});

test('experiment page: "last activity" stays recent while a run logs', async () => {
  const name = uniqueName('activity');
  const run = await createRun(stack.gql, { experimentName: name, config: { lr: 0.1 } });
  await startRun(stack.gql, run.id);
  await logMetrics(stack.gql, run.id, [{ key: 'loss', step: 0, value: 1 }]);
  const page = await openExperiment(name, 1);
  const text = () => page.locator('[data-testid="last-activity"]').innerText();
  for (let step = 1; step <= 12; step++) {
    await logMetrics(stack.gql, run.id, [{ key: 'loss', step, value: 1 / (step + 1) }]);
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.match(await text(), /last activity (just now|[1-4]s ago)/);
  await page.close();
});

test('sweep runs table: names in natural order, numeric sort by any header, sort in the URL', async () => {
  const name = uniqueName('sweep-sort');
  const { launchSweep } = await stack.gql(
    `mutation($e: String!, $b: JSON!, $sp: JSON!) { launchSweep(input: { experimentName: $e, name: "s", baseConfig: $b,
      space: $sp, method: GRID, maxRuns: 12, parallelism: 1, metric: "val_acc", goal: MAXIMIZE }) { id } }`,
    { e: name, b: { train: 'a', val: 'b' }, sp: { units: [8, 16, 128, 1024], batch: [2, 4, 32] } },
  );
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/sweeps/${launchSweep.id}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="sweep-run-row"]').length === 12);
  const names = () =>
    page.locator('[data-testid="sweep-run-row"]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-run-name')));
  assert.deepEqual(
    await names(),
    Array.from({ length: 12 }, (_, i) => `s-${i + 1}`),
  );
  const units = () =>
    page
      .locator('[data-testid="sweep-run-row"] td[data-col="param:units"]')
      .evaluateAll((tds) => tds.map((td) => Number(td.textContent)));
  await page.click('[data-testid="sweep-col-param:units"] button');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="sweep-col-param:units"]')?.getAttribute('aria-sort') === 'ascending',
  );
  const asc = await units();
  assert.deepEqual(
    asc,
    [...asc].sort((a, b) => a - b),
    `numeric ascending: ${asc}`,
  );
  assert.equal(asc[0], 8);
  assert.equal(asc.at(-1), 1024);
  await page.click('[data-testid="sweep-col-param:units"] button');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="sweep-col-param:units"]')?.getAttribute('aria-sort') === 'descending',
  );
  assert.deepEqual(
    await units(),
    [...asc].reverse().sort((a, b) => b - a),
  );
  assert.match(page.url(), /sort=param%3Aunits&desc=1|sort=param:units&desc=1/);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="sweep-run-row"]').length === 12);
  assert.equal((await units())[0], 1024, 'the sort survives a reload');
  await page.goBack();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="sweep-col-param:units"]')?.getAttribute('aria-sort') === 'ascending',
  );
  await page.close();
});

/**
 * Elements reaching past the viewport's right edge that no narrower scrolling box contains. A string, so
 * the test runner's transform (which names functions through a helper) does not reach the page.
 */
const OVERFLOWING = `(() => {
  const vw = document.documentElement.clientWidth;
  const describe = (el) =>
    el.tagName.toLowerCase() +
    (el.getAttribute('data-testid') ? '[' + el.getAttribute('data-testid') + ']' : '') +
    (el.classList.length ? '.' + Array.from(el.classList).join('.') : '');
  const contained = (el) => {
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return p.getBoundingClientRect().right <= vw + 1;
    }
    return false;
  };
  const out = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1 || contained(el)) continue;
    out.push(describe(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return { vw, scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 12) };
})()`;

/**
 * The experiment page's filter placeholder, measured with a canvas in the input's own font: it must end inside
 * the input's content box (else Chromium cuts it off mid-example).
 */
const filterPlaceholderCut = (page: Page) =>
  page.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="filter-input"]');
    if (!input) return 'no filter input';
    const cs = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const text = ctx.measureText(input.placeholder).width;
    const inner = input.clientWidth - Number.parseFloat(cs.paddingLeft) - Number.parseFloat(cs.paddingRight);
    return text > inner + 0.5 ? `placeholder "${input.placeholder}" is ${text.toFixed(0)} px in ${inner} px` : null;
  });

const overflowing = (page: Page) =>
  page.evaluate(OVERFLOWING) as Promise<{ vw: number; scrollWidth: number; out: string[] }>;

test('390 px: no page scrolls sideways and no element is wider than the viewport', async () => {
  const name = uniqueName('phone');
  const run = await createRun(stack.gql, {
    experimentName: name,
    name: 'a-run-with-a-rather-long-name-for-a-phone-screen',
    config: {
      lr: 5.37e-5,
      optimizer: 'adam',
      cacheDir: '/home/someone/.cache/runboard/feature-cache/vgg16-imagenet-notop-150x150-rescale',
      augmentation: { heightShiftRange: 0.2, widthShiftRange: 0.2, fillMode: 'nearest', horizontalFlip: true },
    },
  });
  await startRun(stack.gql, run.id);
  await stack.gql(`mutation($id: ID!, $s: JSON) { startRun(id: $id, systemInfo: $s) { id } }`, {
    id: run.id,
    s: {
      cpu: 'AMD EPYC 7B13 64-Core Processor @ 2.45GHz (2 cores visible to this container)',
      libraries: { 'tfjs-node': '4.22.0', 'onnxruntime-node': '1.20.1', node: 'v20.19.4-linux-x64-glibc-2.36' },
      commandLine: 'node trainers/dist/train.js --config /tmp/runboard-agent-3f9c2a/config.json --journal /tmp/j',
    },
  });
  await logMetrics(stack.gql, run.id, [
    { key: 'loss', step: 0, value: 0.7 },
    { key: 'val_acc', step: 0, value: 0.6 },
    { key: 'system/cpu_percent', step: 0, value: 50 },
  ]);
  await stack.gql(`mutation($id: ID!, $n: String) { updateRun(id: $id, input: { notes: $n }) { id } }`, {
    id: run.id,
    n: '| lr | optimizer | val_acc | note |\n|---|---|---:|---|\n| 5.37e-5 | adam | 0.91 | the long description of what happened in this run |',
  });
  await stack.gql(
    `mutation($id: ID!, $e: String) { finishRun(id: $id, status: FAILED, exitCode: 1, error: $e) { id } }`,
    {
      id: run.id,
      e: 'Traceback (most recent call last):\n  File "train.py", line 12, in <module>\nValueError: loss is NaN at step 3 (/home/someone/projects/runboard/examples/pytorch/train_with_a_long_path.py)',
    },
  );
  const other = await createRun(stack.gql, { experimentName: name, config: { lr: 0.00495 } });
  const { launchSweep } = await stack.gql(
    `mutation($e: String!, $b: JSON!, $sp: JSON!) { launchSweep(input: { experimentName: $e, baseConfig: $b, space: $sp,
      method: GRID, maxRuns: 2, parallelism: 1, metric: "val_acc", goal: MAXIMIZE }) { id } }`,
    { e: name, b: { train: 'a', val: 'b' }, sp: { units: [8, 16] } },
  );
  const expId = await experimentId(name);
  const pages = [
    '/',
    `/experiments/${expId}`,
    `/runs/${run.id}`,
    `/compare?runs=${run.id},${other.id}`,
    '/launch',
    '/launch?tab=sweep',
    `/sweeps/${launchSweep.id}`,
    '/agents',
    '/no-such-page',
  ];
  const page = await stack.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  const problems: string[] = [];
  for (const path of pages) {
    await page.goto(`${stack.webUrl}${path}`);
    await page.waitForLoadState('networkidle').catch(() => {});
    await page.waitForTimeout(800); // charts and panels measure their width after the first frame
    const o = await overflowing(page);
    if (o.scrollWidth > o.vw || o.out.length) {
      problems.push(`${path}: scrollWidth ${o.scrollWidth} > ${o.vw}? ${o.out.join('; ')}`);
      await shot(page, `phone-${path.replace(/[^a-z0-9]+/gi, '-')}`);
    }
    if (path.startsWith('/experiments/')) {
      const cut = await filterPlaceholderCut(page);
      if (cut) problems.push(`${path}: ${cut}`);
    }
  }
  assert.deepEqual(problems, []);
  // Every page above rendered the same on the server and in the browser.
  assert.deepEqual(hydrationErrors(page), []);
  await page.close();
});

test('run page: a multi-line error keeps its lines, notes tables render, the lr column has one style', async () => {
  const name = uniqueName('details');
  const run = await createRun(stack.gql, { experimentName: name, config: { lr: 5.37e-5 } });
  await createRun(stack.gql, { experimentName: name, config: { lr: 0.00495 } });
  await startRun(stack.gql, run.id);
  await stack.gql(`mutation($id: ID!, $n: String) { updateRun(id: $id, input: { notes: $n }) { id } }`, {
    id: run.id,
    n: 'Results:\n\n| lr | val_acc |\n|:--|--:|\n| 5.37e-5 | 0.91 |',
  });
  await stack.gql(`mutation($id: ID!) { finishRun(id: $id, status: FAILED, error: "line one\\nline two") { id } }`, {
    id: run.id,
  });
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/runs/${run.id}`);
  const notice = page.locator('.notice-message', { hasText: 'line one' });
  await notice.waitFor();
  assert.equal(await notice.innerText(), 'line one\nline two');
  const table = page.locator('[data-testid="markdown"] table');
  assert.deepEqual(await table.locator('th').allInnerTexts(), ['lr', 'val_acc']);
  assert.equal(
    await table
      .locator('td')
      .nth(1)
      .evaluate((td) => getComputedStyle(td).textAlign),
    'right',
  );

  await page.goto(`${stack.webUrl}/experiments/${await experimentId(name)}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
  const lr = await page.locator('td[data-col="config.lr"]').allInnerTexts();
  assert.deepEqual([...lr].sort(), ['4.950e-3', '5.370e-5']);
  await page.close();
});

test('readable URLs: /e/<experiment> and /e/<experiment>/<run> redirect to the id pages, unknown names are 404', async () => {
  const name = uniqueName('readable exp ü');
  const run = await createRun(stack.gql, { experimentName: name, name: 'best "run" #1' });
  const id = await experimentId(name);
  const page = await stack.newPage();
  let res = await page.goto(`${stack.webUrl}/e/${encodeURIComponent(name)}`);
  assert.equal(res?.status(), 200);
  assert.equal(new URL(page.url()).pathname, `/experiments/${id}`);
  res = await page.goto(`${stack.webUrl}/e/${encodeURIComponent(name)}/${encodeURIComponent('best "run" #1')}`);
  assert.equal(new URL(page.url()).pathname, `/runs/${run.id}`);
  res = await page.goto(`${stack.webUrl}/e/no-such-experiment`);
  assert.equal(res?.status(), 404);
  res = await page.goto(`${stack.webUrl}/e/${encodeURIComponent(name)}/no-such-run`);
  assert.equal(res?.status(), 404);
  await page.close();
});

test('filter box: completes config paths and metric keys; an unknown metric key is reported', async () => {
  const name = uniqueName('complete');
  const run = await createRun(stack.gql, {
    experimentName: name,
    config: { lr: 0.1, augmentation: { flip: true } },
  });
  await startRun(stack.gql, run.id);
  await logMetrics(stack.gql, run.id, [{ key: 'val_acc', step: 0, value: 0.5 }]);
  const page = await openExperiment(name, 1);
  const input = page.locator('[data-testid="filter-input"]');
  const options = () =>
    page
      .locator('[data-testid="filter-suggestions"] option')
      .evaluateAll((os) => os.map((o) => o.getAttribute('value')));
  await input.click();
  await input.fill('config.au');
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll('[data-testid="filter-suggestions"] option')).some(
      (o) => o.getAttribute('value') === 'config.augmentation.flip',
    ),
  );
  await input.fill('config.lr < 1 AND metrics.val');
  assert.deepEqual(await options(), ['config.lr < 1 AND metrics.val_acc']);

  await input.fill('metrics.nonexistent > 1');
  await page.click('[data-testid="filter-apply"]');
  const error = page.locator('[data-testid="filter-error"]');
  await error.waitFor();
  assert.match(await error.innerText(), /Unknown metric key "nonexistent"/);
  await page.close();
});
