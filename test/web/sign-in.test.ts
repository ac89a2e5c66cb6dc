/**
 * Dashboard sign-in with keys required: the sign-in page turns a key into an httpOnly, SameSite=Strict session
 * cookie on the dashboard's own server, which relays GraphQL over HTTP and WebSocket with the key; a READ-only
 * session is not offered launch, cancel or edits. Real API server, PostgreSQL, dashboard and headless Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningServer, startServer } from '@runboard/server';
import { launchChromium } from '@runboard/test-kit/chromium';
import { createTestDatabase, type TestDatabase } from '@runboard/test-kit/db';
import { type RunningWeb, startWeb } from '@runboard/web/start';
import type { Browser } from 'playwright-core';

const ADMIN = 'admin-key-for-sign-in-tests-42';
let database: TestDatabase;
let api: RunningServer;
let web: RunningWeb;
let browser: Browser;
let runId: string;

async function gql(query: string, variables?: Record<string, unknown>, key = ADMIN) {
  const res = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: any[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const newKey = async (scopes: string[]) =>
  (
    await gql(`mutation($s: [ApiKeyScope!]!) { createApiKey(input: { name: "web", scopes: $s }) { key } }`, {
      s: scopes,
    })
  ).createApiKey.key as string;

before(async () => {
  database = await createTestDatabase();
  api = await startServer({
    databaseUrl: database.url,
    HOST: '127.0.0.1',
    PORT: 0,
    DATA_DIR: `.data/test-${database.name}`,
    ARTIFACT_DIR: undefined,
    HEARTBEAT_TIMEOUT_SECONDS: 600,
    CRASH_SWEEP_INTERVAL_MS: 60_000,
    RUNBOARD_API_KEY: undefined,
    RUNBOARD_ADMIN_KEY: ADMIN,
    MAX_QUERY_DEPTH: 12,
    MAX_QUERY_COST: 50_000,
    DB_POOL_SIZE: 5,
  });
  web = await startWeb({ port: 0, apiUrl: api.url });
  browser = await launchChromium();
  const run = await gql(`mutation { createRun(input: { experimentName: "guarded", name: "r1" }) { id } }`);
  runId = run.createRun.id;
  await gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: runId });
});

after(async () => {
  await browser?.close().catch(() => {});
  await web?.stop().catch(() => {});
  await api?.stop().catch(() => {});
  await database?.drop().catch(() => {});
});

/** Signs in with `key` from a run's page (the shared run unless one is named) and lands back on it. */
async function signIn(key: string, run = runId) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${web.url}/runs/${run}`);
  await page.waitForURL(/\/sign-in/);
  await page.fill('input[name="key"]', key);
  await page.click('button[type="submit"]');
  await page.waitForURL(new RegExp(`/runs/${run}$`));
  return { context, page };
}

test('without a session the dashboard sends the browser to sign in, and its /graphql relay adds no key', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${web.url}/`);
  await page.waitForURL(/\/sign-in\?next=%2F$/);
  const res = await fetch(`${web.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ experiments { id } }' }),
  });
  assert.equal(res.status, 401);
  await page.fill('input[name="key"]', 'rb_000000000000_not-a-real-key-at-all-000000000000000');
  await page.click('button[type="submit"]');
  const alert = page.locator('.sign-in [role="alert"]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /not valid/);
  assert.deepEqual(await context.cookies(), []);
  await context.close();
});

test('signing in sets an httpOnly SameSite=Strict cookie; HTTP and live WebSocket data flow through it', async () => {
  const key = await newKey(['READ', 'LOG', 'LAUNCH']);
  const { context, page } = await signIn(key);
  const [cookie] = await context.cookies();
  assert.equal(cookie?.name, 'runboard_session');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.ok(!cookie.value.includes(key) && !key.includes(cookie.value), 'the cookie is not the key');
  assert.equal(await page.evaluate(() => document.cookie), '', 'no script can read the session');
  const html = await page.content();
  assert.ok(!html.includes(key), 'the key is nowhere in the page');
  // HTTP through the relay: the run page loaded; a full session is offered cancel and launch.
  await page.locator('[data-testid="run-name"]').waitFor();
  await page.locator('[data-testid="cancel-run"]').waitFor();
  assert.equal(await page.locator('header nav a', { hasText: 'Launch' }).count(), 1);
  // WebSocket through the relay: a change made elsewhere arrives live.
  await gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id: runId });
  await page.locator('[data-testid="status-badge"][data-status="FINISHED"]').first().waitFor({ timeout: 30_000 });
  await context.close();
});

test('with keys required, pages are rendered with the session: a missing run or experiment answers 404', async () => {
  const { context } = await signIn(await newKey(['READ']));
  const missing = '0d3c1a52-0000-4000-8000-000000000000';
  // context.request carries the browser's session cookie, as a reload would.
  assert.equal((await context.request.get(`${web.url}/runs/${missing}`)).status(), 404);
  assert.equal((await context.request.get(`${web.url}/experiments/${missing}`)).status(), 404);
  assert.equal((await context.request.get(`${web.url}/runs/${runId}`)).status(), 200);
  await context.close();
});

test('a READ-only session sees data but no launch, cancel or edit controls', async () => {
  const running = await gql(`mutation { createRun(input: { experimentName: "guarded", name: "r2" }) { id } }`);
  await gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: running.createRun.id });
  // A RUNNING run, whose page offers Cancel to a session that may launch: here it must not.
  const { context, page } = await signIn(await newKey(['READ']), running.createRun.id);
  await page.locator('[data-testid="run-name"]').waitFor();
  await page.locator('[data-testid="session-menu"]').waitFor();
  assert.equal(await page.locator('[data-testid="cancel-run"]').count(), 0);
  assert.equal(await page.locator('header nav a', { hasText: 'Launch' }).count(), 0);
  assert.equal(await page.locator('textarea').count(), 0, 'no notes editor');
  await page.goto(`${web.url}/launch`);
  await page.getByText('needs the LAUNCH scope').waitFor();
  // Signing out ends the session on the server.
  await page.goto(`${web.url}/`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
  const session = await (await context.request.get(`${web.url}/api/session`)).json();
  assert.equal(session.signedIn, false);
  await context.close();
});

/** What the experiments list and an experiment page offer a session signed in with `scopes`. */
async function offered(scopes: string[]) {
  const { context, page } = await signIn(await newKey(scopes));
  await page.locator('[data-testid="session-menu"]').waitFor();
  await page.goto(`${web.url}/`);
  await page.getByRole('heading', { name: 'Experiments' }).waitFor();
  await page.getByRole('link', { name: 'guarded' }).first().waitFor();
  const newExperiment = await page.locator('[data-testid="new-experiment"]').count();
  const { experiment } = await gql(`{ experiment(name: "guarded") { id } }`);
  await page.goto(`${web.url}/experiments/${experiment.id}`);
  await page.locator('[data-testid="experiment-name"]').waitFor();
  await page.locator('[data-testid="saved-view-select"]').waitFor();
  await page.getByRole('checkbox', { name: 'Select r1' }).check();
  const count = (id: string) => page.locator(`[data-testid="${id}"]`).count();
  const seen = {
    newExperiment,
    rename: await count('rename-experiment'),
    deleteExperiment: await count('delete-experiment'),
    saveView: await count('save-view'),
    bulkTag: await count('bulk-tag'),
    bulkArchive: await count('bulk-archive'),
    bulkDelete: await count('bulk-delete'),
  };
  await context.close();
  return seen;
}

test('a session is offered only the actions its scopes allow: READ none, LOG edits, ADMIN deletes', async () => {
  // The scopes come from the server (viewer, through /api/session): one source of truth for the controls.
  const none = {
    newExperiment: 0,
    rename: 0,
    deleteExperiment: 0,
    saveView: 0,
    bulkTag: 0,
    bulkArchive: 0,
    bulkDelete: 0,
  };
  assert.deepEqual(await offered(['READ']), none);
  assert.deepEqual(await offered(['READ', 'LOG']), {
    ...none,
    newExperiment: 1,
    rename: 1,
    saveView: 1,
    bulkTag: 1,
    bulkArchive: 1,
  });
  assert.deepEqual(await offered(['ADMIN']), {
    newExperiment: 1,
    rename: 1,
    deleteExperiment: 1,
    saveView: 1,
    bulkTag: 1,
    bulkArchive: 1,
    bulkDelete: 1,
  });
});

test('revoking the key of a signed-in dashboard ends its session within 1 s and sends the browser to sign in', async () => {
  const created = await gql(
    `mutation { createApiKey(input: { name: "doomed", scopes: [READ] }) { key apiKey { id } } }`,
  );
  const { context, page } = await signIn(created.createApiKey.key);
  await page.locator('[data-testid="run-name"]').waitFor();
  // The run page holds a live WebSocket through the dashboard's relay.
  await page.locator('[data-testid="connection-state"][data-state="live"]').waitFor({ timeout: 30_000 });
  const [cookie] = await context.cookies();
  const proxies = (globalThis as Record<symbol, Set<{ keyForSession(sid: string): string | null }>>)[
    Symbol.for('runboard.session-proxies')
  ]!;
  const sessionAlive = () => [...proxies].some((p) => p.keyForSession(cookie!.value) !== null);
  assert.ok(sessionAlive());
  const t0 = performance.now();
  await gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.createApiKey.apiKey.id });
  while (sessionAlive() && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
  const endedMs = performance.now() - t0;
  console.log(`revoked -> dashboard session ended in ${endedMs.toFixed(0)} ms`);
  assert.ok(!sessionAlive() && endedMs <= 1000, `session ended after ${endedMs} ms`);
  await page.waitForURL(/\/sign-in/, { timeout: 10_000 });
  await context.close();
});

test('the dashboard refuses foreign Origins and rebound Host names', async () => {
  const port = new URL(web.url).port;
  const foreign = await fetch(`${web.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
    body: JSON.stringify({ key: ADMIN }),
  });
  assert.equal(foreign.status, 403);
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 421);
});
