// @runboard/client's retry policy against the real server: a refused connection and a 429 are retried
// (Retry-After honoured), an unknown outcome is retried only for an idempotent call, and a GraphQL
// error never is.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError, GraphQLClient, TransportError } from '@runboard/client';
import { uniqueName } from '@runboard/test-kit/gql';
import { freePort } from '@runboard/test-kit/ports';
import { startProxy } from '@runboard/test-kit/proxy';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

const CREATE = `mutation($e: String!) { createRun(input: { experimentName: $e }) { id } }`;
const START = `mutation($id: ID!) { startRun(id: $id) { id } }`;
const LOG = `mutation($id: ID!, $c: MetricColumnsInput!) { logMetrics(runId: $id, columns: $c) { accepted } }`;
const RUNS = `query($e: String!) { runs(filter: { experimentName: $e }) { totalCount nodes { id metric(key: "loss") { count } } } }`;

test('a call made before the server listens is retried until it does, and acts once', async (t) => {
  const port = await freePort();
  const retries: string[] = [];
  const client = new GraphQLClient({ url: `http://127.0.0.1:${port}`, log: (m) => retries.push(m) });
  t.after(() => client.close());
  const experiment = uniqueName('client-refused');
  // createRun is not idempotent, but a refused connection sent nothing: it is safe to repeat.
  const pending = client.request<{ createRun: { id: string } }>(CREATE, { e: experiment });
  await waitFor(() => retries.length > 0, { what: 'the client to see the refused connection' });
  assert.match(retries[0]!, /ECONNREFUSED/);
  const late = await startTestServer({ database: s.database, port });
  t.after(() => late.stop());
  const { createRun } = await pending;
  assert.ok(createRun.id);
  const { runs } = await s.gql(RUNS, { e: experiment });
  assert.equal(runs.totalCount, 1);
});

test('with retries off, a refused connection is a TransportError at once', async () => {
  const client = new GraphQLClient({ url: `http://127.0.0.1:${await freePort()}`, retry: false });
  const t0 = Date.now();
  await assert.rejects(client.request(`{ viewer { authenticated } }`), TransportError);
  assert.ok(Date.now() - t0 < 2000);
});

test('HTTP 429 is retried after the Retry-After the server asked for', async (t) => {
  const proxy = await startProxy(s.url, (n) =>
    n === 0
      ? { status: 429, headers: { 'retry-after': '1' }, body: '{"errors":[{"message":"slow down"}]}' }
      : 'forward',
  );
  t.after(() => proxy.close());
  const client = new GraphQLClient({ url: proxy.url, retry: { baseDelayMs: 10 } });
  t.after(() => client.close());
  const experiment = uniqueName('client-429');
  const { createRun } = await client.request<{ createRun: { id: string } }>(CREATE, { e: experiment });
  assert.ok(createRun.id);
  assert.equal(proxy.hops.length, 2);
  const waited = proxy.hops[1]!.at - proxy.hops[0]!.at;
  assert.ok(waited >= 950, `waited ${waited} ms; Retry-After said 1 s (the backoff alone would be ~10 ms)`);
  assert.equal((await s.gql(RUNS, { e: experiment })).runs.totalCount, 1);
});

test('a Retry-After beyond the deadline gives up at once with the 429, instead of waiting past it', async (t) => {
  const proxy = await startProxy(s.url, () => ({ status: 429, headers: { 'retry-after': '30' }, body: '{}' }));
  t.after(() => proxy.close());
  const client = new GraphQLClient({ url: proxy.url, retry: { deadlineMs: 5000 } });
  const t0 = Date.now();
  const err = await client.request(`{ viewer { authenticated } }`).catch((e: unknown) => e);
  assert.ok(err instanceof TransportError);
  assert.equal(err.status, 429);
  assert.equal(proxy.hops.length, 1);
  assert.ok(Date.now() - t0 < 2000);
});

test('an answer lost after the server acted: logMetrics (idempotent) is repeated, createRun is not', async (t) => {
  const proxy = await startProxy(s.url, (n) => (n === 0 || n === 2 ? 'drop-answer' : 'forward'));
  t.after(() => proxy.close());
  const client = new GraphQLClient({ url: proxy.url, retry: { baseDelayMs: 10 } });
  t.after(() => client.close());
  const experiment = uniqueName('client-lost-answer');
  // Request 0: createRun acted, its answer dropped. Not repeated: a second call would make a second run.
  await assert.rejects(client.request(CREATE, { e: experiment }), TransportError);
  const { runs } = await s.gql(RUNS, { e: experiment });
  assert.equal(runs.totalCount, 1, 'createRun was sent once');
  assert.equal(proxy.hops.length, 1);
  const id = runs.nodes[0].id;
  await client.request(START, { id }); // request 1
  // Request 2: logMetrics acted, answer dropped; request 3 repeats it and rewrites the same rows.
  const c = { keys: ['loss', 'loss'], steps: [1, 2], values: [0.5, 0.25] };
  const { logMetrics } = await client.request<{ logMetrics: { accepted: number } }>(LOG, { id, c });
  assert.equal(logMetrics.accepted, 2);
  assert.equal(proxy.hops.length, 4);
  assert.equal(proxy.hops[3]!.body, proxy.hops[2]!.body);
  assert.equal((await s.gql(RUNS, { e: experiment })).runs.nodes[0].metric.count, 2, 'no point stored twice');
});

test('a GraphQL error is thrown as ApiError with its code and never retried', async (t) => {
  const proxy = await startProxy(s.url, () => 'forward');
  t.after(() => proxy.close());
  const client = new GraphQLClient({ url: proxy.url });
  t.after(() => client.close());
  const err = await client
    .request(`mutation { startRun(id: "00000000-0000-4000-8000-000000000000") { id } }`)
    .catch((e: unknown) => e);
  assert.ok(err instanceof ApiError, String(err));
  assert.equal(err.code, 'NOT_FOUND');
  assert.equal(proxy.hops.length, 1);
});
