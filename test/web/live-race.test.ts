/**
 * The gap between a page's first read and its subscription: a change committed after the page read its data
 * but before the server registered the page's subscription must still reach the page. The window is made
 * deterministic by holding the page's subscribe message in the browser (Playwright's WebSocket routing, the
 * real server behind it): the page has rendered its read, the change commits, then the subscribe goes through.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { createRun, startRun } from '@runboard/test-kit/seed';
import { type Stack, startStack } from '@runboard/test-kit/stack';
import type { Page } from 'playwright-core';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.close();
});

/**
 * Holds the page's graphql-ws `subscribe` for the operation named `operation` until `release()`; every other
 * message passes both ways. `held` resolves when the page has sent it (so it has rendered what it read first).
 */
async function holdSubscribe(page: Page, operation: string) {
  let onHeld!: () => void;
  let release!: () => void;
  const held = new Promise<void>((r) => (onHeld = r));
  const released = new Promise<void>((r) => (release = r));
  await page.routeWebSocket(/\/graphql/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { type?: string; payload?: { query?: string } };
      if (msg.type === 'subscribe' && msg.payload?.query?.includes(`subscription ${operation}`)) {
        onHeld();
        void released.then(() => server.send(m));
      } else server.send(m);
    });
    server.onMessage((m) => ws.send(m));
  });
  return { held, release };
}

const gql = (q: string, v: Record<string, unknown>) => stack.gql(q, v);

test('experiment page: a status change and a delete between the first read and the subscribe still show', async () => {
  const experimentName = uniqueName('race');
  const changed = await createRun(stack.gql, { experimentName, name: 'changed' });
  const deleted = await createRun(stack.gql, { experimentName, name: 'deleted' });
  const other = await createRun(stack.gql, { experimentName, name: 'other' });
  for (const r of [changed, deleted, other]) await startRun(stack.gql, r.id);
  const { run } = await gql(`query($id: ID!) { run(id: $id) { experimentId } }`, { id: changed.id });
  const page = await stack.newPage();
  const { held, release } = await holdSubscribe(page, 'ExperimentRunChanged');
  await page.goto(`${stack.webUrl}/experiments/${run.experimentId}`);
  const badge = page.locator(`[data-run-id="${changed.id}"] [data-testid="status-badge"]`);
  await badge.waitFor();
  await held;
  assert.equal(await badge.getAttribute('data-status'), 'RUNNING');
  await gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id: changed.id });
  await gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: deleted.id });
  release();
  // Without a replay from the read's seqs the badge says RUNNING forever and the deleted row stays.
  await page.waitForFunction(
    (id) =>
      document.querySelector(`[data-run-id="${id}"] [data-testid="status-badge"]`)?.getAttribute('data-status') ===
      'FINISHED',
    changed.id,
    { timeout: 15_000 },
  );
  await page.locator(`[data-run-id="${deleted.id}"]`).waitFor({ state: 'detached', timeout: 15_000 });
  // Changes after the subscribe still arrive (the stream is live, not just replayed once).
  await gql(`mutation($id: ID!) { finishRun(id: $id, status: FAILED) { id } }`, { id: other.id });
  await page.waitForFunction(
    (id) =>
      document.querySelector(`[data-run-id="${id}"] [data-testid="status-badge"]`)?.getAttribute('data-status') ===
      'FAILED',
    other.id,
    { timeout: 15_000 },
  );
  await page.close();
});

test('experiment page: a run created between the first read and the subscribe shows in the count', async () => {
  const experimentName = uniqueName('race-created');
  const first = await createRun(stack.gql, { experimentName, name: 'first' });
  const { run } = await gql(`query($id: ID!) { run(id: $id) { experimentId } }`, { id: first.id });
  const page = await stack.newPage();
  const { held, release } = await holdSubscribe(page, 'ExperimentRunChanged');
  await page.goto(`${stack.webUrl}/experiments/${run.experimentId}`);
  const countIs = (text: string, timeout: number) =>
    page.waitForFunction((t) => document.querySelector('[data-testid="run-count"]')?.textContent === t, text, {
      timeout,
    });
  await countIs('1 of 1 shown', 30_000);
  await held;
  // Longer than any timed recount after the socket came up: only the server's RESYNC can reveal this run.
  await new Promise((r) => setTimeout(r, 1000));
  await createRun(stack.gql, { experimentName, name: 'created-in-the-window' });
  release();
  // The replay names only the runs read (sinceListedOnly); without a re-count once the server listens the page
  // says "1 of 1 shown" forever (nothing else touches this experiment).
  await countIs('1 of 2 shown', 15_000);
  // And the stream is live after it: a later run is counted too.
  await createRun(stack.gql, { experimentName, name: 'after' });
  await countIs('1 of 3 shown', 15_000);
  await page.close();
});

test('run page: a run deleted while its page was away from the stream is shown as deleted', async () => {
  const doomed = await createRun(stack.gql, { experimentName: uniqueName('race-deleted'), name: 'doomed' });
  await startRun(stack.gql, doomed.id);
  const page = await stack.newPage();
  const { held, release } = await holdSubscribe(page, 'RunChangedById');
  await page.goto(`${stack.webUrl}/runs/${doomed.id}`);
  await page.locator('[data-testid="run-name"]').waitFor();
  await held;
  await gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: doomed.id });
  release();
  // The replay by run id finds no row for the run the page holds: without its DELETED the page shows it as running.
  await page.getByText('This run was deleted.').waitFor({ timeout: 15_000 });
  await page.close();
});

test('home page: a run created between the list read and the subscribe shows in the count', async () => {
  const name = uniqueName('race-home');
  await createRun(stack.gql, { experimentName: name });
  const page = await stack.newPage();
  const { held, release } = await holdSubscribe(page, 'ExperimentsChanged');
  await page.goto(stack.webUrl);
  const countIs = (n: string, timeout: number) =>
    page.waitForFunction(
      ([exp, want]) =>
        Array.from(document.querySelectorAll('[data-testid="experiments-table"] tbody tr'))
          .find((tr) => tr.querySelector('a')?.textContent === exp)
          ?.querySelector('td.num')?.textContent === want,
      [name, n] as const,
      { timeout },
    );
  await countIs('1', 30_000);
  await held;
  await createRun(stack.gql, { experimentName: name });
  release();
  // Without a re-read once the server listens, the list stays at 1 (nothing else touches this experiment).
  await countIs('2', 15_000);
  await page.close();
});

test('experiment page: a run that changes while its page is being fetched shows the change, not the older read', async () => {
  const experimentName = uniqueName('race-page');
  // Newest first, 100 a page: the first run created is on page 2.
  const old = await createRun(stack.gql, { experimentName, name: 'on-page-two' });
  await startRun(stack.gql, old.id);
  for (let i = 0; i < 100; i++) await createRun(stack.gql, { experimentName, name: `filler-${i}` });
  const { run } = await gql(`query($id: ID!) { run(id: $id) { experimentId } }`, { id: old.id });
  const page = await stack.newPage();
  // Watches the socket for the live FINISHED event of that run (it reaches the page while page 2 is held).
  let onEvent!: () => void;
  const eventSeen = new Promise<void>((r) => (onEvent = r));
  await page.routeWebSocket(/\/graphql/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      ws.send(m);
      if (String(m).includes(old.id) && String(m).includes('FINISHED')) onEvent();
    });
  });
  // Page 2 is read now (the run still RUNNING) and answered only after the run has finished.
  let onRead!: () => void;
  let answer!: () => void;
  const read = new Promise<void>((r) => (onRead = r));
  const answered = new Promise<void>((r) => (answer = r));
  await page.route('**/*', async (route) => {
    const body = route.request().postData() ?? '';
    if (!body.includes('RunsPage') || !/"after":"/.test(body)) return route.continue();
    const response = await route.fetch();
    onRead();
    await answered;
    await route.fulfill({ response });
  });
  await page.goto(`${stack.webUrl}/experiments/${run.experimentId}`);
  await page.locator('[data-testid="load-more"]').waitFor();
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 30_000 });
  await page.click('[data-testid="load-more"]');
  await read;
  await gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id: old.id });
  await eventSeen;
  await new Promise((r) => setTimeout(r, 300)); // the page handles the event before the held page lands
  answer();
  const badge = page.locator(`[data-run-id="${old.id}"] [data-testid="status-badge"]`);
  await badge.waitFor({ timeout: 15_000 });
  assert.equal(await badge.getAttribute('data-status'), 'FINISHED');
  await page.close();
});
