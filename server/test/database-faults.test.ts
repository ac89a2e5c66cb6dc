// The server rides out database faults: a backend killed mid-transaction, and a PostgreSQL restart under ten
// logging trainers. It stays up, answers DATABASE_UNAVAILABLE (HTTP 503, Retry-After) meanwhile, reports it on
// /healthz, resumes LISTEN by itself, and no acknowledged point is lost. These tests start their own
// PostgreSQL (embedded, on a free port): the shared one is never restarted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postRaw } from '@runboard/test-kit/gql';
import { type OwnPostgresStack, ownPostgresPerFile } from '@runboard/test-kit/own-postgres';
import { waitFor } from '@runboard/test-kit/wait';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import type { RunningServer } from '../src/index.ts';
import { CHANNEL, PgListener, topics } from '../src/testing.ts';

let stack: OwnPostgresStack;
let server: RunningServer;

ownPostgresPerFile('faults', { heartbeatTimeoutSeconds: 600, crashSweepIntervalMs: 1000 }, (started) => {
  stack = started;
  server = started.server;
});

const post = (query: string, variables: Record<string, unknown> = {}) => postRaw(server.url, query, variables);

async function newRunningRun(experiment: string): Promise<string> {
  const created = await post(`mutation($e: String) { createRun(input: { experimentName: $e }) { id } }`, {
    e: experiment,
  });
  const id = created.body.data.createRun.id as string;
  await post(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id });
  return id;
}

const LOG = `mutation($run: ID!, $c: MetricColumnsInput!) { logMetrics(runId: $run, columns: $c) { seq accepted } }`;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: stack.databaseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

test('a backend killed in the middle of a 400,000-point logMetrics: the request fails retryably, nothing half-written, the server stays up', async () => {
  const runId = await newRunningRun('killed-backend');
  const n = 400_000;
  const columns = {
    keys: Array.from({ length: n }, (_, i) => `k${i % 4}`),
    steps: Array.from({ length: n }, (_, i) => Math.floor(i / 4)),
    values: Array.from({ length: n }, (_, i) => i / n),
  };
  const logging = post(LOG, { run: runId, c: columns });
  // Kill the backend while it inserts metrics (poll until the INSERT is visible, then terminate it).
  const killed = await admin(async (c) => {
    for (let i = 0; i < 600; i++) {
      const { rowCount } = await c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO metrics%' AND pid <> pg_backend_pid()`,
      );
      if (rowCount) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  });
  assert.ok(killed, 'the insert was seen and its backend terminated');
  const answer = await logging;
  assert.equal(answer.status, 503);
  assert.equal(answer.retryAfter, '2');
  assert.equal(answer.body.errors[0].extensions.code, 'DATABASE_UNAVAILABLE');
  const stored = await admin((c) => c.query(`SELECT count(*)::int AS n FROM metrics WHERE run_id = $1`, [runId]));
  assert.equal(stored.rows[0].n, 0, 'the transaction rolled back whole');
  // Still serving, and the retry succeeds.
  const health = await fetch(server.url.replace('/graphql', '/healthz'));
  assert.equal(health.status, 200);
  const retried = await post(LOG, { run: runId, c: columns });
  assert.equal(retried.body.data.logMetrics.accepted, n);
});

test('PostgreSQL restarts under 10 logging trainers: the server stays up, answers 503 meanwhile, and every acknowledged point is stored and delivered live', async () => {
  const trainers = await Promise.all(Array.from({ length: 10 }, (_, i) => newRunningRun(`restart-${i}`)));
  const watched = trainers[0]!;
  const delivered = new Set<string>();
  let ended: string | null = null; // the subscription must outlive the outage
  const ws = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  const stopSub = ws.subscribe<any>(
    {
      query: `subscription($ids: [ID!]!, $since: [RunSeqInput!]) { metricsLogged(runIds: $ids, since: $since) { points { key step } } }`,
      // From the start: logging begins before the subscription is registered, and since replays what it missed.
      variables: { ids: [watched], since: [{ runId: watched, seq: 0 }] },
    },
    {
      next: (v) => {
        if (v.errors) ended = `errors: ${JSON.stringify(v.errors)}`;
        for (const p of v.data?.metricsLogged.points ?? []) delivered.add(`${p.key}@${p.step}`);
      },
      error: (e) => {
        ended = `error: ${JSON.stringify(e)}`;
      },
      complete: () => {
        ended ??= 'completed';
      },
    },
  );
  const acknowledged = new Map<string, Set<number>>(trainers.map((t) => [t, new Set<number>()]));
  const statuses = new Set<number>();
  let stop = false;
  const loops = trainers.map(async (runId) => {
    for (let step = 0; !stop; ) {
      const c = { keys: ['loss', 'acc'], steps: [step, step], values: [1 / (step + 1), step / 100] };
      const answer = await post(LOG, { run: runId, c }).catch(() => null);
      if (answer) statuses.add(answer.status);
      if (answer?.body.data?.logMetrics) {
        acknowledged.get(runId)!.add(step);
        step++;
      } else {
        // A trainer's client retries: same step, so a retry after a lost answer is idempotent.
        assert.ok(
          !answer || answer.body.errors?.[0]?.extensions.code === 'DATABASE_UNAVAILABLE',
          JSON.stringify(answer?.body),
        );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  const waitForSteps = async (min: number) => {
    while ([...acknowledged.values()].some((s) => s.size < min)) await new Promise((r) => setTimeout(r, 50));
  };
  await waitForSteps(5);
  await stack.stopDatabase();
  // While it is down: the server answers, and says the database is missing.
  const health = await fetch(server.url.replace('/graphql', '/healthz'));
  assert.equal(health.status, 503);
  assert.equal(((await health.json()) as any).database, false);
  await stack.startDatabase();
  const before = Math.max(...[...acknowledged.values()].map((s) => s.size));
  await waitForSteps(before + 5);
  stop = true;
  await Promise.all(loops);
  assert.ok(statuses.has(503), `the outage was seen as 503 (statuses ${[...statuses].join(', ')})`);
  // /healthz is healthy again once LISTEN has reconnected too (it retries every 500 ms).
  let healthAfter = 0;
  for (const until = Date.now() + 30_000; Date.now() < until && healthAfter !== 200; ) {
    healthAfter = (await fetch(server.url.replace('/graphql', '/healthz'))).status;
    if (healthAfter !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(healthAfter, 200);
  for (const [runId, steps] of acknowledged) {
    const { rows } = await admin((c) =>
      c.query<{ step: number }>(`SELECT DISTINCT step::int FROM metrics WHERE run_id = $1`, [runId]),
    );
    const stored = new Set(rows.map((r) => r.step));
    const missing = [...steps].filter((s) => !stored.has(s));
    assert.deepEqual(missing, [], `run ${runId}: acknowledged steps missing from the database`);
  }
  // Live delivery resumed after LISTEN reconnected and replayed what it missed.
  const expected = [...acknowledged.get(watched)!].flatMap((s) => [`loss@${s}`, `acc@${s}`]);
  const deadline = Date.now() + 30_000;
  while (expected.some((k) => !delivered.has(k)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    expected.filter((k) => !delivered.has(k)),
    [],
    `points not delivered live; the subscription ${ended ?? 'is still open'}`,
  );
  assert.equal(ended, null, 'the subscription is still open');
  stopSub();
  await ws.dispose();
});

test('after LISTEN reconnects, the resync comes before any notice the new connection brings', async (t) => {
  // A subscription replays from its last delivered seq on resync. A notice dispatched before that replay (it can
  // arrive in the same socket read as LISTEN's answer) moved the seq past batches committed during the outage,
  // which the replay then skipped: points lost to live subscribers. Ten reconnects under a NOTIFY flood, with the
  // event loop kept busy so that LISTEN's answer and the first notices are read together.
  const runId = '00000000-0000-4000-8000-000000000001';
  const events: string[] = [];
  const listener = new PgListener(stack.databaseUrl, () => events.push('lost'));
  listener.subscribe(topics.metrics(runId), () => events.push('notice'));
  listener.onResync(() => events.push('resync'));
  await listener.start();
  t.after(() => listener.stop());
  let flooding = true;
  const flood = admin(async (c) => {
    const payload = JSON.stringify({ type: 'metrics', runId, seq: 1 });
    while (flooding) await c.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
  });
  const busy = setInterval(() => {
    for (const until = Date.now() + 20; Date.now() < until; );
  }, 25);
  try {
    for (let i = 0; i < 10; i++) {
      const resyncs = events.filter((e) => e === 'resync').length;
      await admin((c) =>
        c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN ${CHANNEL}'`),
      );
      await waitFor(() => events.filter((e) => e === 'resync').length > resyncs, { what: `reconnect ${i + 1}` });
      await waitFor(() => events.at(-1) === 'notice', { what: 'a notice on the new connection' });
    }
  } finally {
    clearInterval(busy);
    flooding = false;
    await flood;
  }
  const afterLoss = events.flatMap((e, i) => (e === 'lost' ? [events[i + 1]] : []));
  assert.equal(afterLoss.length, 10);
  assert.deepEqual(
    afterLoss.filter((e) => e !== 'resync'),
    [],
    'events right after each lost connection',
  );
});
