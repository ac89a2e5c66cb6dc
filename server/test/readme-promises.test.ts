/**
 * Promises the docs (docs/api.md, docs/security.md) make about the API that no other test pinned down, one test
 * per promise and named after it.
 * Each test makes its own experiment (and its own server where a setting differs), so any one runs alone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRunningRun, errorCode, runStatus, uniqueName } from '@runboard/test-kit/gql';
import { collect, startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

const LOG_COLUMNS = `mutation($id: ID!, $c: MetricColumnsInput!) { logMetrics(runId: $id, columns: $c) { accepted seq } }`;
const pointCount = async (id: string) =>
  (await s.gql(`query($id: ID!) { run(id: $id) { metrics { count } } }`, { id })).run.metrics.reduce(
    (n: number, m: { count: number }) => n + m.count,
    0,
  );

test('PAYLOAD_TOO_LARGE: more than 1,000,000 points in one request is refused and nothing is written', async () => {
  const run = await createRunningRun(s.gql, { experimentName: uniqueName('payload') });
  const n = 1_000_001;
  // The columns form keeps the body small enough (~16 MB) to reach the point-count check rather than the byte limit.
  const columns = {
    keys: new Array(n).fill('l'),
    steps: Array.from({ length: n }, (_, i) => i),
    values: new Array(n).fill(0),
  };
  const body = await s.request(LOG_COLUMNS, { id: run.id, c: columns });
  assert.equal(errorCode(body), 'PAYLOAD_TOO_LARGE', JSON.stringify(body.errors));
  assert.match(body.errors![0]!.message, /1000000/);
  assert.equal(await pointCount(run.id), 0);
});

test('PAYLOAD_TOO_LARGE: a request body over 64 MB gets HTTP 413 with the code', async () => {
  const run = await createRunningRun(s.gql, { experimentName: uniqueName('payload-bytes') });
  // 64 MiB + 1 of JSON: a long run of spaces inside a valid document, so only its size is wrong.
  const prefix = `{"query":"mutation($id: ID!) { heartbeat(runId: $id) { id } }","variables":{"id":"${run.id}"}`;
  const padded = (bytes: number) => `${prefix}${' '.repeat(bytes - prefix.length - 1)}}`;
  const body = padded(64 * 1024 * 1024 + 1);
  const res = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 413);
  const json = (await res.json()) as any;
  assert.equal(json.errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
  // Exactly at the limit it is accepted: the bound is 64 MB, not something smaller.
  const atLimit = padded(64 * 1024 * 1024);
  const ok = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: atLimit });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as any).data.heartbeat.id, run.id);
});

test('config > 1 MB: createRun refuses it with BAD_USER_INPUT and creates nothing', async () => {
  const experimentName = uniqueName('big-config');
  const big = { blob: 'x'.repeat(1_000_001) };
  const body = await s.request(
    `mutation($e: String, $c: JSON) { createRun(input: { experimentName: $e, config: $c }) { id } }`,
    {
      e: experimentName,
      c: big,
    },
  );
  assert.equal(errorCode(body), 'BAD_USER_INPUT', JSON.stringify(body.errors).slice(0, 500));
  const d = await s.gql(`query($e: String!) { experiment(name: $e) { runs { totalCount } } }`, { e: experimentName });
  assert.equal(d.experiment?.runs.totalCount ?? 0, 0);
  // Just under the limit is fine.
  const fits = await s.request(
    `mutation($e: String, $c: JSON) { createRun(input: { experimentName: $e, config: $c }) { id } }`,
    {
      e: experimentName,
      c: { blob: 'x'.repeat(900_000) },
    },
  );
  assert.equal(fits.errors, undefined);
});

test('INVALID_STATE_TRANSITION carries extensions.status: starting a FINISHED run', async () => {
  const run = await createRunningRun(s.gql, { experimentName: uniqueName('transition') });
  await s.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED, exitCode: 0) { id } }`, { id: run.id });
  const body = await s.request(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: run.id });
  assert.equal(errorCode(body), 'INVALID_STATE_TRANSITION');
  assert.equal(body.errors![0]!.extensions!.status, 'FINISHED');
  assert.equal(await runStatus(s.gql, run.id), 'FINISHED');
});

test('API key over WebSocket: connectionParams { apiKey } subscribes, a wrong or missing key is refused', async (t) => {
  const locked = await startTestServer({ apiKey: 'ws-key-456' });
  t.after(() => locked.close());
  const run = await createRunningRun(locked.gql, { experimentName: uniqueName('ws-key') });
  const sub = `subscription($id: ID!) { runLogs(runId: $id) { lines { line text } } }`;
  const client = (params?: Record<string, unknown>) =>
    createClient({
      url: locked.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: params,
    });

  const good = client({ apiKey: 'ws-key-456' });
  t.after(() => good.dispose());
  const events = collect<any>(good, sub, { id: run.id });
  // Subscribed once the socket is acknowledged; then a line logged over HTTP (with the key) arrives.
  await waitFor(
    async () => {
      await locked.gql(`mutation($id: ID!) { appendRunLogs(runId: $id, lines: [{ stream: STDOUT, text: "hello" }]) }`, {
        id: run.id,
      });
      return events.events.length > 0;
    },
    { timeout: 20_000, interval: 500, what: 'a log line over the keyed socket' },
  );
  assert.equal(events.events[0].runLogs.lines[0].text, 'hello');
  assert.deepEqual(events.errors, []);

  for (const params of [{ apiKey: 'wrong' }, undefined]) {
    const bad = client(params);
    t.after(() => bad.dispose());
    const refused = collect<any>(bad, sub, { id: run.id });
    await waitFor(() => refused.errors.length > 0, { timeout: 20_000, what: 'the socket to be refused' });
    assert.equal(refused.events.length, 0);
    // graphql-ws closes with 4403 Forbidden when onConnect returns false.
    assert.equal((refused.errors[0] as { code?: number }).code, 4403);
  }
});

test('a CRASHED run revived by logging: logMetrics makes it RUNNING again and keeps the points', async (t) => {
  const quick = await startTestServer({ heartbeatTimeoutSeconds: 1, crashSweepIntervalMs: 200 });
  t.after(() => quick.close());
  const run = await createRunningRun(quick.gql, { experimentName: uniqueName('revive') });
  await waitFor(async () => (await runStatus(quick.gql, run.id)) === 'CRASHED', { what: 'CRASHED' });
  const d = await quick.gql(
    `mutation($id: ID!) { logMetrics(runId: $id, points: [{ key: "loss", step: 0, value: 0.5 }]) { accepted } }`,
    { id: run.id },
  );
  assert.equal(d.logMetrics.accepted, 1);
  const after = await quick.gql(
    `query($id: ID!) { run(id: $id) { status finishedAt metric(key: "loss") { count lastValue } } }`,
    {
      id: run.id,
    },
  );
  assert.deepEqual(after.run, { status: 'RUNNING', finishedAt: null, metric: { count: 1, lastValue: 0.5 } });
});

test('compareRuns: goals override the inferred goal and NaN is ignored by "best"', async () => {
  const experimentName = uniqueName('compare');
  const a = await createRunningRun(s.gql, { experimentName, name: 'a' });
  const b = await createRunningRun(s.gql, { experimentName, name: 'b' });
  const c = await createRunningRun(s.gql, { experimentName, name: 'c' });
  const log = (id: string, points: object[]) =>
    s.gql(`mutation($id: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $id, points: $p) { seq } }`, {
      id,
      p: points,
    });
  // loss: a 0.2, b 0.5, c NaN. A NaN compares false with everything, so a naive min/max could pick it.
  await log(a.id, [{ key: 'loss', step: 0, value: 0.2 }]);
  await log(b.id, [{ key: 'loss', step: 0, value: 0.5 }]);
  await log(c.id, [{ key: 'loss', step: 0, value: 'NaN' }]);
  const q = `query($ids: [ID!]!, $g: [MetricGoalInput!]) { compareRuns(runIds: $ids, goals: $g, keys: ["loss"]) {
    metrics { key goal bestRunId } } }`;
  const ids = [c.id, a.id, b.id];
  const inferred = (await s.gql(q, { ids })).compareRuns.metrics;
  assert.deepEqual(inferred, [{ key: 'loss', goal: 'MINIMIZE', bestRunId: a.id }]);
  const overridden = (await s.gql(q, { ids, g: [{ key: 'loss', goal: 'MAXIMIZE' }] })).compareRuns.metrics;
  assert.deepEqual(overridden, [{ key: 'loss', goal: 'MAXIMIZE', bestRunId: b.id }]);
});

test('logs(after, first) pages through the trainer output by line number', async () => {
  const run = await createRunningRun(s.gql, { experimentName: uniqueName('logs-page') });
  const lines = Array.from({ length: 25 }, (_, i) => ({ stream: i % 5 ? 'STDOUT' : 'STDERR', text: `line ${i + 1}` }));
  await s.gql(`mutation($id: ID!, $l: [LogLineInput!]!) { appendRunLogs(runId: $id, lines: $l) }`, {
    id: run.id,
    l: lines,
  });
  const page = async (after: number, first: number) =>
    (
      await s.gql(
        `query($id: ID!, $a: Int, $f: Int) { run(id: $id) { logs(after: $a, first: $f) { hasMore lines { line text } } } }`,
        {
          id: run.id,
          a: after,
          f: first,
        },
      )
    ).run.logs;
  const p1 = await page(0, 10);
  assert.deepEqual(
    p1.lines.map((l: any) => l.line),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.equal(p1.hasMore, true);
  const p3 = await page(20, 10);
  assert.deepEqual(
    p3.lines.map((l: any) => [l.line, l.text]),
    [21, 22, 23, 24, 25].map((n) => [n, `line ${n}`]),
  );
  assert.equal(p3.hasMore, false);
  assert.deepEqual((await page(25, 10)).lines, []);
});

test('runLogs(afterLine) replays only the lines after afterLine, then tails live', async (t) => {
  const run = await createRunningRun(s.gql, { experimentName: uniqueName('logs-tail') });
  const append = (texts: string[]) =>
    s.gql(`mutation($id: ID!, $l: [LogLineInput!]!) { appendRunLogs(runId: $id, lines: $l) }`, {
      id: run.id,
      l: texts.map((text) => ({ stream: 'STDOUT', text })),
    });
  await append(['one', 'two', 'three', 'four']);
  const tail = collect<any>(
    s.ws(),
    `subscription($id: ID!, $a: Int) { runLogs(runId: $id, afterLine: $a) { lines { line text } } }`,
    {
      id: run.id,
      a: 2,
    },
  );
  t.after(() => tail.dispose());
  const received = () => tail.events.flatMap((e) => e.runLogs.lines);
  await tail.until(() => received().length >= 2, 20_000);
  await append(['five']);
  await tail.until(() => received().length >= 3, 20_000);
  assert.deepEqual(
    received().map((l: any) => [l.line, l.text]),
    [
      [3, 'three'],
      [4, 'four'],
      [5, 'five'],
    ],
  );
  assert.deepEqual(tail.errors, []);
});
