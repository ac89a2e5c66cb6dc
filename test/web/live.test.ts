/**
 * Live updates in the browser: points logged through GraphQL show up in open charts within 1 s, status
 * badges change without reload, and after the WebSocket drops (API server stopped and restarted on the
 * same port) the page resumes from the last seq per run with no gap and no duplicate.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createRun, curves, finishRun, logMetrics, type SeedRun, startRun } from './helpers/seed.js';
import { type Stack, shot, startStack } from './helpers/stack.js';

let stack: Stack;
let runA: SeedRun;
let runB: SeedRun;
let experimentId: string;

before(async () => {
  stack = await startStack();
  runA = await createRun(stack.gql, { experimentName: 'live', name: 'run-a', config: { lr: 0.01 } });
  runB = await createRun(stack.gql, { experimentName: 'live', name: 'run-b', config: { lr: 0.1 } });
  await startRun(stack.gql, runA.id);
  await startRun(stack.gql, runB.id);
  await logMetrics(stack.gql, runA.id, curves(0, 5));
  experimentId = (await stack.gql(`{ experiment(name: "live") { id } }`)).experiment.id;
});

after(async () => {
  await stack?.close();
});

const points = (page: Page, chart: string) =>
  page.locator(`[data-testid="chart-${chart}"]`).evaluate((el) => Number(el.getAttribute('data-points')));

async function waitLive(page: Page) {
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 15_000 });
}

test('a point logged via GraphQL appears in the open run charts within 1 s, without reload', async () => {
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/runs/${runA.id}`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-accuracy"]')?.getAttribute('data-points') === '10',
  );
  await waitLive(page);
  await page.waitForTimeout(300); // let the subscription settle on the server
  const t0 = Date.now();
  await logMetrics(stack.gql, runA.id, curves(0, 6, 5));
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-accuracy"]')?.getAttribute('data-points') === '12',
    null,
    { timeout: 1000 },
  );
  const ms = Date.now() - t0;
  console.log(`# logged point visible in the run page after ${ms} ms`);
  assert.ok(ms < 1000);
  assert.equal(await points(page, 'loss'), 12);
  await shot(page, 'run-live');
  await page.close();
});

test('status badges on the experiment page change live', async () => {
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/experiments/${experimentId}`);
  const badge = page.locator(`[data-run-id="${runB.id}"] [data-testid="status-badge"]`);
  await badge.waitFor();
  assert.equal(await badge.getAttribute('data-status'), 'RUNNING');
  await waitLive(page);
  await page.waitForTimeout(300);
  // Metric cells of a running run follow metricsLogged.
  await logMetrics(stack.gql, runB.id, [
    { key: 'acc', step: 0, value: 0.5 },
    { key: 'acc', step: 1, value: 0.625 },
  ]);
  await page.waitForFunction(
    (id) => document.querySelector(`[data-run-id="${id}"] [data-col="last:acc"]`)?.textContent === '0.625',
    runB.id,
    { timeout: 2000 },
  );
  await finishRun(stack.gql, runB.id, 'FAILED');
  await page.waitForSelector(`[data-run-id="${runB.id}"] [data-testid="status-badge"][data-status="FAILED"]`, {
    timeout: 2000,
  });
  await page.close();
});

test('WebSocket drop: the compare view resumes from the last seq with no gap and no duplicate; server down shows a message', async () => {
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/compare?runs=${runA.id}`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-points') === '6',
  );
  await waitLive(page);

  await stack.stopApi();
  await page.waitForSelector('[data-testid="connection-state"]:not([data-state="live"])', { timeout: 5000 });

  // Meanwhile another page cannot reach the API: it says so instead of spinning.
  const other = await stack.newPage();
  await other.goto(`${stack.webUrl}/`);
  await other
    .locator('[data-testid="notice-error"]', { hasText: /cannot reach the runboard api/i })
    .waitFor({ timeout: 10_000 });
  await shot(other, 'server-down');

  // While the dashboard is disconnected, a trainer keeps logging through another instance.
  const extra = await stack.extraApi();
  for (let step = 6; step < 9; step++) await logMetrics(extra.gql, runA.id, curves(0, step + 1, step));

  await stack.startApi();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-points') === '9',
    null,
    { timeout: 15_000 },
  );
  await waitLive(page);
  await page.waitForTimeout(300);
  await logMetrics(stack.gql, runA.id, curves(0, 10, 9));
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-acc"]')?.getAttribute('data-points') === '10',
    null,
    { timeout: 2000 },
  );
  // Exactly steps 0..9, each once, with the server's values.
  const history = await stack.gql(`query($id: ID!) { run(id: $id) { history(key: "acc") { step value } } }`, {
    id: runA.id,
  });
  assert.deepEqual(
    history.run.history.map((p: { step: number }) => p.step),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  for (const key of ['acc', 'val_acc', 'loss', 'val_loss']) assert.equal(await points(page, key), 10, key);
  // The best/final table catches up too (final value at the last step).
  await page.locator('[data-testid="summary-row"]', { hasText: '@ 9' }).waitFor({ timeout: 5000 });
  await shot(page, 'compare-after-reconnect');

  // The other page recovers on retry.
  await other.locator('[data-testid="notice-error"] button', { hasText: 'Retry' }).click();
  await other.locator('[data-testid="experiments-table"]').waitFor({ timeout: 10_000 });
  await page.close();
  await other.close();
});

test('cancel on a run its trainer registered: cancelRun sets cancelRequested, the trainer ends it CANCELED and the badge follows', async () => {
  const page = await stack.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${stack.webUrl}/runs/${runA.id}`);
  await page.locator('[data-testid="cancel-run"]').click();
  // Not launched through the queue: no agent to stop it, so the server only flags it for the trainer.
  await page.locator('[data-testid="cancel-requested"]').waitFor({ timeout: 3000 });
  assert.equal(await page.locator('[data-testid="cancel-run"]').count(), 0);
  const d = await stack.gql(`query($id: ID!) { run(id: $id) { status cancelRequested } }`, { id: runA.id });
  assert.deepEqual(d.run, { status: 'RUNNING', cancelRequested: true });
  // The trainer sees cancelRequested (heartbeat answer) and stops.
  await finishRun(stack.gql, runA.id, 'CANCELED');
  await page.waitForSelector('[data-testid="status-badge"][data-status="CANCELED"]', { timeout: 3000 });
  await page.close();
});
