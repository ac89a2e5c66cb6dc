/**
 * The compare page follows its runs' runChanged by id: a run deleted while the page is open (or while the page
 * is away from the API) leaves the comparison, with a notice, instead of staying drawn as if it still existed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { createRun, curves, logMetrics, startRun } from '@runboard/test-kit/seed';
import { type Stack, shot, startStack } from '@runboard/test-kit/stack';
import type { Page } from 'playwright-core';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.close();
});

/** Two running runs with a few points each, in their own experiment. */
async function twoRuns(prefix: string) {
  const experimentName = uniqueName(prefix);
  const one = async (name: string) => {
    const run = await createRun(stack.gql, { experimentName, name });
    await startRun(stack.gql, run.id);
    await logMetrics(stack.gql, run.id, curves(0, 3));
    return run;
  };
  return [await one('kept'), await one('doomed')] as const;
}

const legendItem = (page: Page, id: string) => page.locator(`[data-testid="legend-item"][data-run-id="${id}"]`);

async function openCompare(kept: string, doomed: string) {
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/compare?runs=${kept},${doomed}`);
  await legendItem(page, doomed).waitFor({ timeout: 30_000 });
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 30_000 });
  // Subscribed (the server has sent RESYNC on the page's runChanged): what follows is a live event, not a replay.
  await page.waitForSelector('[data-testid="compare-view"][data-runs-live="true"]', { timeout: 30_000 });
  return page;
}

async function assertDropped(page: Page, kept: string, doomed: string) {
  assert.equal(await legendItem(page, kept).count(), 1, 'the other run stays');
  assert.match((await page.locator('h1').textContent()) ?? '', /Compare 1 run\b/);
  assert.match((await page.locator('[data-testid="compare-deleted"]').textContent()) ?? '', /This run was deleted/);
  // Its lines leave the charts as well as the legend.
  assert.equal(await page.locator(`[data-testid="compare-charts"] [data-line-id="${doomed}"]`).count(), 0);
  assert.equal(await page.locator('[data-testid="chart-acc"]').getAttribute('data-lines'), '1');
  // The best/final table is read again without it (and shown once it matches the runs).
  await page.locator(`[data-testid="summary-row"][data-run-id="${kept}"]`).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator(`[data-testid="summary-row"][data-run-id="${doomed}"]`).count(), 0);
}

const deleteRun = (gql: Stack['gql'], id: string) => gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id });

test('compare: a run deleted through the API leaves the open page within 2 s', async () => {
  const [kept, doomed] = await twoRuns('cmp-del');
  const page = await openCompare(kept.id, doomed.id);
  await deleteRun(stack.gql, doomed.id);
  // Before the page followed runChanged, the deleted run stayed in the legend and charts until a reload.
  await legendItem(page, doomed.id).waitFor({ state: 'detached', timeout: 2000 });
  await assertDropped(page, kept.id, doomed.id);
  await shot(page, 'compare-run-deleted');
  await page.close();
});

test('compare: a run deleted while the API was down leaves the page after the reconnect', async () => {
  const [kept, doomed] = await twoRuns('cmp-del-down');
  const page = await openCompare(kept.id, doomed.id);
  await stack.stopApi();
  await page.waitForSelector('[data-testid="connection-state"]:not([data-state="live"])', { timeout: 30_000 });
  const extra = await stack.extraApi();
  await deleteRun(extra.gql, doomed.id);
  await stack.startApi();
  // The resubscribe passes the seqs the page holds; the server replays the missing run as DELETED.
  await legendItem(page, doomed.id).waitFor({ state: 'detached', timeout: 60_000 });
  await assertDropped(page, kept.id, doomed.id);
  await page.close();
});
