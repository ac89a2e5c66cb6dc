// A trainer's forward logMetrics is one statement (one round trip) with its NOTIFYs in it, delivered from the
// notice itself; re-logs and NaN batches take the transactional and read paths and still arrive intact.
// Concurrent trainers' batches share a statement, and one that fails it goes alone down the transactional path
// while the rest go forward again. The server's own figures (/metrics) are for ADMIN keys only. Statement counts come from the server's
// Server-Timing header (SERVER_TIMING=on), so they are the request's own, on a real server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { collect, startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

const ADMIN = 'rb-test-admin-key-one-statement';
let s: TestServer;
let logKey: string;
before(async () => {
  s = await startTestServer({ apiKey: ADMIN, serverTiming: true });
  const { createApiKey } = await s.gql(`mutation { createApiKey(input: { name: "trainer", scopes: [LOG] }) { key } }`);
  logKey = createApiKey.key;
});
after(() => s.close());

const LOG = `mutation($id: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $id, points: $p) { seq accepted } }`;

/** POSTs with a key; returns the body and the server's statement count for the request. */
async function post(key: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const timing = res.headers.get('server-timing') ?? '';
  const stmts = Number(/stmts;desc=(\d+)/.exec(timing)?.[1] ?? Number.NaN);
  return { body: (await res.json()) as any, stmts, timing };
}

async function runningRun(): Promise<string> {
  const { createRun } = await s.gql(`mutation($e: String) { createRun(input: { experimentName: $e }) { id } }`, {
    e: uniqueName('one-statement'),
  });
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  return createRun.id;
}

/** The server's /metrics (an ADMIN key); `reset` starts a new window of its counters. */
const metrics = (reset = false) =>
  fetch(s.url.replace(/\/graphql$/, `/metrics${reset ? '?reset=1' : ''}`), {
    method: reset ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${ADMIN}` },
  }).then((r) => r.json() as Promise<any>);

/** Rows of one statement on the server's database, on a connection of its own. */
async function query<T extends pg.QueryResultRow>(text: string, values: unknown[]) {
  const c = new pg.Client({ connectionString: s.database.url });
  await c.connect();
  try {
    return await c.query<T>(text, values);
  } finally {
    await c.end();
  }
}

/** Logs an epoch to each of two runs whose rows another connection holds: both statements wait in flight. */
async function holdTwoStatements(b1: string, b2: string) {
  const blocker = new pg.Client({ connectionString: s.database.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('SELECT 1 FROM runs WHERE id = ANY($1::uuid[]) FOR UPDATE', [[b1, b2]]);
  const held = [b1, b2].map((id) => post(logKey, LOG, { id, p: epoch(0) }));
  await waitFor(async () => {
    const { rows } = await blocker.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0].n >= 2;
  });
  return {
    held,
    async release() {
      await blocker.query('COMMIT');
      await blocker.end();
    },
  };
}

const epoch = (step: number, value = (k: number) => step + k / 10) =>
  ['loss', 'acc', 'lr'].map((key, k) => ({
    key,
    step,
    value: value(k),
    wallTime: new Date(1e12 + step).toISOString(),
  }));

test('a forward epoch is one statement; a re-log replaces through the transaction and summaries stay exact', async () => {
  const id = await runningRun();
  await post(logKey, LOG, { id, p: epoch(0) }); // the key's lookup is cached from here on
  const forward = await post(logKey, LOG, { id, p: epoch(1) });
  assert.deepEqual(forward.body.data.logMetrics, { seq: 4, accepted: 3 }); // create, start, epoch 0, epoch 1
  assert.equal(forward.stmts, 1, `statements for a forward epoch (${forward.timing})`);
  const relog = await post(logKey, LOG, { id, p: epoch(1, (k) => -k) });
  assert.equal(relog.body.data.logMetrics.seq, 5);
  assert.ok(relog.stmts > 1, 'a re-log takes the transactional path');
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { seq metric(key: "acc") { count lastValue min max } metrics { key } } }`,
    { id },
  );
  assert.deepEqual(run.metric, { count: 2, lastValue: -1, min: -1, max: 0.1 }); // 1.1 was replaced
  assert.equal(run.metrics.length, 3);
  const { run: lr } = await s.gql(`query($id: ID!) { run(id: $id) { history(key: "lr") { step value } } }`, { id });
  assert.deepEqual(lr.history, [
    { step: 0, value: 0.2 },
    { step: 1, value: -2 },
  ]);
});

test('subscribers get the points the notice carried, NaN batches by reading them, and a revival event', async (t) => {
  const id = await runningRun();
  // A second server on the database whose crash sweep (1 s timeout) marks the silent run CRASHED.
  const sweeper = await startTestServer({
    database: s.database,
    apiKey: ADMIN,
    heartbeatTimeoutSeconds: 1,
    crashSweepIntervalMs: 200,
  });
  t.after(() => sweeper.close());
  const ws = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { apiKey: ADMIN } });
  const sub = collect<any>(
    ws,
    `subscription($ids: [ID!]!) { metricsLogged(runIds: $ids) { seq points { key step value wallTime } } }`,
    { ids: [id] },
  );
  const runs = collect<any>(ws, `subscription($ids: [ID!]) { runChanged(runIds: $ids) { run { status } } }`, {
    ids: [id],
  });
  await new Promise((r) => setTimeout(r, 500)); // both subscriptions registered
  // The next batch revives the CRASHED run in the same statement.
  await waitFor(
    async () => (await s.gql(`query($id: ID!) { run(id: $id) { status } }`, { id })).run.status === 'CRASHED',
  );
  // The key's lookup is cached for 5 s, and waiting for the sweeper can take longer on a loaded machine: refresh
  // it, so the count below is the batch's own.
  await post(logKey, '{ __typename }');
  const revived = await post(logKey, LOG, { id, p: epoch(0) });
  assert.equal(revived.stmts, 1);
  await post(logKey, LOG, { id, p: [{ key: 'loss', step: 1, value: 'NaN' }] });
  const events = await sub.until((e) => e.length >= 2);
  assert.deepEqual(events[0].metricsLogged.points, [
    { key: 'acc', step: 0, value: 0.1, wallTime: new Date(1e12).toISOString() },
    { key: 'loss', step: 0, value: 0, wallTime: new Date(1e12).toISOString() },
    { key: 'lr', step: 0, value: 0.2, wallTime: new Date(1e12).toISOString() },
  ]);
  assert.equal(events[1].metricsLogged.points.length, 1);
  assert.ok(Number.isNaN(Number(events[1].metricsLogged.points[0].value)));
  const changes = await runs.until((e) => e.some((x) => x.runChanged.run.status === 'RUNNING'));
  assert.ok(
    changes.some((x) => x.runChanged.run.status === 'RUNNING'),
    'the revival was published',
  );
  sub.dispose();
  runs.dispose();
  await ws.dispose();
});

test('/metrics: the server figures need an ADMIN key', async () => {
  const url = s.url.replace(/\/graphql$/, '/metrics');
  assert.equal((await fetch(url)).status, 401);
  const asTrainer = await fetch(url, { headers: { authorization: `Bearer ${logKey}` } });
  assert.equal(asTrainer.status, 403);
  const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(res.status, 200);
  const m = (await res.json()) as any;
  assert.ok(m.statements > 0 && m.transactions > 0);
  assert.ok(m.eventLoopDelay.count > 0, 'the event-loop monitor runs');
  assert.ok(m.commit.count > 0 && m.poolWait.count > 0);
});

test('a batch followed by three dashboards is executed once for them; a key filter gets its own', async () => {
  const id = await runningRun();
  const ws = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { apiKey: ADMIN } });
  const doc = `subscription($ids: [ID!]!, $keys: [String!]) { metricsLogged(runIds: $ids, keys: $keys) { seq points { key value } } }`;
  const subs = [0, 1, 2].map(() => collect<any>(ws, doc, { ids: [id] }));
  const filtered = collect<any>(ws, doc, { ids: [id], keys: ['lr'] });
  await new Promise((r) => setTimeout(r, 500)); // subscriptions registered
  await metrics(true);
  await post(logKey, LOG, { id, p: epoch(0) });
  for (const sub of subs) {
    const [e] = await sub.until((x) => x.length >= 1);
    assert.equal(e.metricsLogged.points.length, 3);
  }
  const [f] = await filtered.until((x) => x.length >= 1);
  assert.deepEqual(f.metricsLogged.points, [{ key: 'lr', value: 0.2 }]);
  assert.equal((await metrics()).subscriptionExecutions, 2, 'one execution shared by three, one for the filter');
  for (const sub of [...subs, filtered]) sub.dispose();
  await ws.dispose();
});

test('concurrent trainers share commits: fewer statements than batches, every point stored once', async () => {
  const [b1, b2, ...ids] = await Promise.all(Array.from({ length: 22 }, () => runningRun()));
  await metrics(true);
  // Two statements held in flight on row locks (the most a server sends), so the twenty batches sent meanwhile
  // queue; without the hold an idle server may send each at once, and whether they share is down to timing.
  const blocker = await holdTwoStatements(b1!, b2!);
  const answers = ids.map((id) => post(logKey, LOG, { id, p: epoch(0) }));
  await waitFor(async () => (await metrics()).forwardQueued >= 20);
  await blocker.release();
  for (const a of [...(await Promise.all(blocker.held)), ...(await Promise.all(answers))])
    assert.equal(a.body.data.logMetrics.seq, 3);
  const m = await metrics();
  assert.equal(m.forwardBatches, 22);
  assert.equal(m.forwardStatements, 3, `22 batches went in ${m.forwardStatements} statements`);
  for (const id of ids) {
    const { run } = await s.gql(`query($id: ID!) { run(id: $id) { metrics { count } } }`, { id });
    assert.deepEqual(run.metrics, [{ count: 1 }, { count: 1 }, { count: 1 }]);
  }
});

test("one trainer's refused batch does not fail the others it shared a statement with", async () => {
  const [b1, b2, ...ids] = await Promise.all(Array.from({ length: 12 }, () => runningRun()));
  // Two statements held in flight on row locks, so the next ten batches queue and go in one statement together.
  const blocker = await holdTwoStatements(b1!, b2!);
  // A date JavaScript accepts and PostgreSQL refuses (timestamp out of range): the statement fails as a whole.
  const bad = [{ key: 'loss', step: 0, value: 1, wallTime: '-100000-01-01T00:00:00.000Z' }];
  const answers = ids.map((id, i) => post(logKey, LOG, { id, p: i === 5 ? bad : epoch(0) }));
  await waitFor(async () => (await metrics()).forwardQueued >= 10);
  await blocker.release();
  for (const a of await Promise.all(blocker.held)) assert.equal(a.body.data?.logMetrics.accepted, 3);
  (await Promise.all(answers)).forEach((a, i) => {
    if (i === 5) assert.ok(a.body.errors?.length, 'the refused batch is refused');
    else assert.deepEqual(a.body.data?.logMetrics, { seq: 3, accepted: 3 }, `batch ${i}: ${JSON.stringify(a.body)}`);
  });
});

test('a re-log in a group sends only itself down the transactional path; the rest go forward again', async () => {
  const [a, b, c, d, e] = await Promise.all(Array.from({ length: 5 }, () => runningRun()));
  const loss = (id: string, value: number) => post(logKey, LOG, { id, p: [{ key: 'loss', step: 0, value }] });
  await loss(c!, 1); // the point c's next batch re-logs
  await metrics(true);
  const blocker = await holdTwoStatements(a!, b!);
  // These queue behind the two held statements and go together in the next one, which the re-log of c fails with
  // 23505.
  const grouped = [loss(c!, 2), loss(d!, 1), loss(e!, 1)];
  await waitFor(async () => (await metrics()).forwardQueued >= 3);
  await blocker.release();
  const answers = await Promise.all([...blocker.held, ...grouped]);
  const m = await metrics();
  assert.deepEqual(
    { statements: m.forwardStatements, batches: m.forwardBatches, fallbacks: m.forwardFallbacks },
    // a, b, then c + d + e (failed), then d + e again; c alone took the transactional path.
    { statements: 4, batches: 7, fallbacks: 1 },
  );
  // create, start, then each run's batches: every batch got the next seq once, nothing was written twice.
  assert.deepEqual(
    answers.map((x) => x.body.data.logMetrics.seq),
    [3, 3, 4, 3, 3],
  );
  const { rows } = await query<{ run_id: string; value: number; n: number }>(
    `SELECT run_id, max(value) AS value, count(*)::int AS n FROM metrics WHERE run_id = ANY($1::uuid[]) AND key = 'loss'
      GROUP BY run_id`,
    [[a, b, c, d, e]],
  );
  const stored = new Map(rows.map((r) => [r.run_id, [r.value, r.n]]));
  // a and b logged epoch(0), whose loss is 0; c's re-log replaced 1 with 2.
  assert.deepEqual(
    [a, b, c, d, e].map((r) => stored.get(r!)),
    [
      [0, 1],
      [0, 1],
      [2, 1],
      [1, 1],
      [1, 1],
    ],
  );
});

test("Server-Timing gives the handler's wall-clock start and end, inside the client's send and receive", async () => {
  const id = await runningRun();
  const sent = Date.now();
  const { timing } = await post(logKey, LOG, { id, p: epoch(0) });
  const received = Date.now();
  const at = (name: string) => Number(new RegExp(`${name};desc=([0-9.]+)`).exec(timing)?.[1] ?? Number.NaN);
  // bench:load splits the time outside the handler with these (Date.now and the server's clock agree to ~1 ms).
  assert.ok(sent - 2 <= at('start') && at('start') <= at('end') && at('end') <= received + 2, timing);
});
