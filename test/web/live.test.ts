/**
 * Live updates in the browser: points logged through GraphQL show up in open charts without reload, status
 * badges change without reload, and after the WebSocket drops (API server stopped and restarted on the
 * same port) the page resumes from the last seq per run with no gap and no duplicate.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { createRun, curves, finishRun, logMetrics, startRun } from '@runboard/test-kit/seed';
import { type Stack, shot, startStack } from '@runboard/test-kit/stack';
import type { Page } from 'playwright-core';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.close();
});

/** A RUNNING run in its own experiment (every test makes its own, so any test runs alone). */
async function runningRun(name: string, epochs = 0) {
  const run = await createRun(stack.gql, { experimentName: uniqueName('live'), name, config: { lr: 0.01 } });
  await startRun(stack.gql, run.id);
  if (epochs) await logMetrics(stack.gql, run.id, curves(0, epochs));
  return run;
}

const points = (page: Page, chart: string) =>
  page.locator(`[data-testid="chart-${chart}"]`).evaluate((el) => Number(el.getAttribute('data-points')));

const chartHas = (page: Page, chart: string, n: number, timeout = 30_000) =>
  page.waitForFunction(
    ([c, want]) => document.querySelector(`[data-testid="chart-${c}"]`)?.getAttribute('data-points') === String(want),
    [chart, n] as const,
    { timeout },
  );

/** What the page's live series did with each event of a run (see SeqTracker): applied or dropped as seen. */
const liveCounts = (page: Page, runId: string) =>
  page.evaluate(
    (id) =>
      (window as { __runboardLive?: Record<string, Record<string, { applied: number; dropped: number }>> })
        .__runboardLive?.series?.[id] ?? { applied: 0, dropped: 0 },
    runId,
  );

async function waitLive(page: Page) {
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 30_000 });
}

test('a point logged via GraphQL appears in the open run charts without reload', async () => {
  // How fast is for bench/live.ts; here: that it arrives at all, exactly once, with no reload.
  const run = await runningRun('run-page', 5);
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/runs/${run.id}`);
  await chartHas(page, 'accuracy', 10);
  // No waiting for the subscription to settle: the page resumes from the seq it loaded, so a batch
  // logged before the server registered the subscription is replayed, not lost.
  await logMetrics(stack.gql, run.id, curves(0, 6, 5));
  await chartHas(page, 'accuracy', 12);
  assert.equal(await points(page, 'loss'), 12);
  assert.deepEqual(await liveCounts(page, run.id), { applied: 1, dropped: 0 });
  await shot(page, 'run-live');
  await page.close();
});

test('status badges on the experiment page change live', async () => {
  const runB = await runningRun('run-b');
  await logMetrics(stack.gql, runB.id, [{ key: 'acc', step: 0, value: 0.5 }]); // so the table has an acc column
  const { run } = await stack.gql(`query($id: ID!) { run(id: $id) { experiment { id } } }`, { id: runB.id });
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/experiments/${run.experiment.id}`);
  const badge = page.locator(`[data-run-id="${runB.id}"] [data-testid="status-badge"]`);
  await badge.waitFor();
  assert.equal(await badge.getAttribute('data-status'), 'RUNNING');
  await waitLive(page);
  // Metric cells of a running run follow metricsLogged.
  await logMetrics(stack.gql, runB.id, [{ key: 'acc', step: 1, value: 0.625 }]);
  await page.waitForFunction(
    (id) => document.querySelector(`[data-run-id="${id}"] [data-col="last:acc"]`)?.textContent === '0.625',
    runB.id,
    { timeout: 30_000 },
  );
  await finishRun(stack.gql, runB.id, 'FAILED');
  await page.waitForSelector(`[data-run-id="${runB.id}"] [data-testid="status-badge"][data-status="FAILED"]`, {
    timeout: 30_000,
  });
  await page.close();
});

test('WebSocket drop: the compare view resumes from the last seq with no gap and no duplicate; server down shows a message', async () => {
  const runA = await runningRun('run-a', 6);
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/compare?runs=${runA.id}`);
  await chartHas(page, 'acc', 6);
  await waitLive(page);
  assert.deepEqual(await liveCounts(page, runA.id), { applied: 0, dropped: 0 });

  await stack.stopApi();
  await page.waitForSelector('[data-testid="connection-state"]:not([data-state="live"])', { timeout: 30_000 });

  // Meanwhile another page cannot reach the API: it says so instead of spinning.
  const other = await stack.newPage();
  await other.goto(`${stack.webUrl}/`);
  await other
    .locator('[data-testid="notice-error"]', { hasText: /cannot reach the runboard api/i })
    .waitFor({ timeout: 30_000 });
  await shot(other, 'server-down');

  // While the dashboard is disconnected, a trainer keeps logging through another instance.
  const extra = await stack.extraApi();
  for (let step = 6; step < 9; step++) await logMetrics(extra.gql, runA.id, curves(0, step + 1, step));

  await stack.startApi();
  await chartHas(page, 'acc', 9, 60_000);
  // The page received exactly the 3 batches it missed: resumed from its last seq (a resubscribe from
  // seq 0 would have the server replay all 4 batches, which the page would have to drop).
  assert.deepEqual(await liveCounts(page, runA.id), { applied: 3, dropped: 0 });
  await waitLive(page);
  await logMetrics(stack.gql, runA.id, curves(0, 10, 9));
  await chartHas(page, 'acc', 10);
  assert.deepEqual(await liveCounts(page, runA.id), { applied: 4, dropped: 0 });
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
  await page.locator('[data-testid="summary-row"]', { hasText: '@ 9' }).waitFor({ timeout: 30_000 });
  await shot(page, 'compare-after-reconnect');

  // The other page recovers by itself: the home page re-reads its list every EXPERIMENTS_POLL_MS while visible
  // (the API has been back for longer than that by now), and the error goes with it.
  await other.locator('[data-testid="experiments-table"]').waitFor({ timeout: 30_000 });
  assert.equal(await other.locator('[data-testid="notice-error"]').count(), 0);
  await page.close();
  await other.close();
});

test('cancel on a run its trainer registered: cancelRun sets cancelRequested, the trainer ends it CANCELED and the badge follows', async () => {
  const runA = await runningRun('run-cancel', 2);
  const page = await stack.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${stack.webUrl}/runs/${runA.id}`);
  await page.locator('[data-testid="cancel-run"]').click();
  // Not launched through the queue: no agent to stop it, so the server only flags it for the trainer.
  await page.locator('[data-testid="cancel-requested"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-testid="cancel-run"]').count(), 0);
  const d = await stack.gql(`query($id: ID!) { run(id: $id) { status cancelRequested } }`, { id: runA.id });
  assert.deepEqual(d.run, { status: 'RUNNING', cancelRequested: true });
  // The trainer sees cancelRequested (heartbeat answer) and stops.
  await finishRun(stack.gql, runA.id, 'CANCELED');
  await page.waitForSelector('[data-testid="status-badge"][data-status="CANCELED"]', { timeout: 30_000 });
  await page.close();
});
