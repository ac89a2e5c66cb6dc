// Inputs an attacker (or a buggy client) sends: each gets a stable error code, never
// INTERNAL_SERVER_ERROR, and the database is left exactly as before (counted after each).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverPerFile, type TestServer } from '@runboard/test-kit/server';
import type pg from 'pg';

let s: TestServer;
let db: pg.Pool;
serverPerFile((server, pool) => {
  s = server;
  db = pool;
});

async function snapshot() {
  const { rows } = await db.query(`SELECT
    (SELECT count(*)::int FROM experiments) AS experiments, (SELECT count(*)::int FROM runs) AS runs,
    (SELECT count(*)::int FROM metrics) AS metrics, (SELECT count(*)::int FROM metric_batches) AS batches,
    (SELECT count(*)::int FROM run_logs) AS logs, (SELECT count(*)::int FROM artifacts) AS artifacts,
    (SELECT string_agg(id || status::text || seq, ',' ORDER BY id) FROM runs) AS states`);
  return rows[0];
}

/** The request fails with `code` and writes nothing. */
async function rejected(code: string, query: string, variables?: Record<string, unknown>) {
  const before = await snapshot();
  const res = await s.request(query, variables);
  assert.ok(res.errors?.length, `expected ${code}, got data ${JSON.stringify(res.data)?.slice(0, 200)}`);
  assert.equal(res.errors[0].extensions?.code, code, JSON.stringify(res.errors[0]).slice(0, 300));
  assert.deepEqual(await snapshot(), before, 'nothing was written');
  return res.errors[0];
}

async function runningRun(): Promise<string> {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "hostile" }) { id } }`);
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  return createRun.id;
}

const CREATE = `mutation($i: CreateRunInput!) { createRun(input: $i) { id } }`;

test('NUL characters in config, notes, systemInfo and finishRun errors are BAD_USER_INPUT', async () => {
  await s.gql(`mutation { createExperiment(input: { name: "hostile" }) { id } }`);
  await rejected('BAD_USER_INPUT', CREATE, { i: { experimentName: 'hostile', config: { a: 'x\u0000y' } } });
  await rejected('BAD_USER_INPUT', CREATE, { i: { experimentName: 'hostile', config: { 'k\u0000': 1 } } });
  await rejected('BAD_USER_INPUT', CREATE, { i: { experimentName: 'new-one', config: { a: '\ud800' } } });
  await rejected('BAD_USER_INPUT', CREATE, { i: { experimentName: 'new-one', notes: 'a\u0000b' } });
  await rejected('BAD_USER_INPUT', CREATE, { i: { experimentName: 'hostile', systemInfo: { gpu: ['\u0000'] } } });
  await rejected(
    'BAD_USER_INPUT',
    `mutation { createRun(input: { experimentName: "hostile", config: { a: "x\\u0000" } }) { id } }`,
  );
  const id = await runningRun();
  await rejected(
    'BAD_USER_INPUT',
    `mutation($id: ID!, $n: String) { updateRun(id: $id, input: { notes: $n }) { id } }`,
    {
      id,
      n: '\u0000',
    },
  );
  await rejected(
    'BAD_USER_INPUT',
    `mutation($id: ID!) { finishRun(id: $id, status: FAILED, error: "boom\\u0000") { id } }`,
    {
      id,
    },
  );
  const { createRun: queued } = await s.gql(`mutation { createRun(input: { experimentName: "hostile" }) { id } }`);
  await rejected('BAD_USER_INPUT', `mutation($id: ID!, $i: JSON) { startRun(id: $id, systemInfo: $i) { id } }`, {
    id: queued.id,
    i: { host: 'a\u0000' },
  });
  // Lone UTF-16 halves would be stored as U+FFFD: names, notes and descriptions are refused instead.
  await rejected('BAD_USER_INPUT', CREATE, { i: { experimentName: 'hostile', name: 'run-\ud800' } });
  await rejected('BAD_USER_INPUT', CREATE, { i: { experimentName: 'hostile', notes: 'a\udc00b' } });
  await rejected('BAD_USER_INPUT', CREATE, { i: { experimentName: 'exp-\ud83d' } });
  await rejected('BAD_USER_INPUT', `mutation($n: String!) { createExperiment(input: { name: $n }) { id } }`, {
    n: 'e\udfff',
  });
  await rejected(
    'BAD_USER_INPUT',
    `mutation($id: ID!, $n: String) { updateRun(id: $id, input: { name: $n }) { id } }`,
    { id, n: '\ud800x' },
  );
  await rejected(
    'BAD_USER_INPUT',
    `mutation($id: ID!, $n: String) { updateRun(id: $id, input: { notes: $n }) { id } }`,
    { id, n: 'ok \udbff' },
  );
  // A well-formed pair (an emoji) is text like any other.
  await s.gql(`mutation($id: ID!, $n: String) { updateRun(id: $id, input: { notes: $n }) { id } }`, {
    id,
    n: 'ok \ud83d\ude00',
  });
  // The rejected finish left the run RUNNING and a clean retry still ends it.
  const done = await s.gql(`mutation($id: ID!) { finishRun(id: $id, status: FAILED, error: "boom") { status } }`, {
    id,
  });
  assert.equal(done.finishRun.status, 'FAILED');
});

test('config nested 5,000 deep is BAD_USER_INPUT, as a variable or a literal', async () => {
  // Sent as text: building the request with JSON.stringify would itself recurse 5,000 deep.
  const deepJson = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  const literal = `${'{a: '.repeat(5000)}1${'}'.repeat(5000)}`;
  for (const [code, body] of [
    [
      'BAD_USER_INPUT',
      `{"query": ${JSON.stringify(CREATE)}, "variables": {"i": {"experimentName": "hostile", "config": ${deepJson}}}}`,
    ],
    [
      'QUERY_TOO_DEEP',
      JSON.stringify({
        query: `mutation { createRun(input: { experimentName: "hostile", config: ${literal} }) { id } }`,
      }),
    ],
    [
      'BAD_USER_INPUT',
      JSON.stringify({
        query: `mutation { createRun(input: { experimentName: "hostile", config: ${'{a: '.repeat(100)}1${'}'.repeat(100)} }) { id } }`,
      }),
    ],
  ]) {
    const before = await snapshot();
    const res = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await res.json()) as { errors?: any[] };
    assert.equal(json.errors?.[0].extensions.code, code, JSON.stringify(json).slice(0, 300));
    assert.deepEqual(await snapshot(), before);
  }
});

test('filters, sort keys and cursors an attacker writes get INVALID_FILTER or BAD_USER_INPUT', async () => {
  await runningRun();
  const RUNS = `query($w: String, $o: [RunOrder!], $a: String) { runs(filter: { where: $w }, orderBy: $o, after: $a) { nodes { id } pageInfo { endCursor } } }`;
  for (const w of [
    'createdAt > "0000-01-01"',
    'createdAt < "99999-12-31"',
    'startedAt = "2026-13-45"',
    'config.lr > 1e400',
  ])
    await rejected('INVALID_FILTER', RUNS, { w });
  await rejected('BAD_USER_INPUT', RUNS, { o: Array.from({ length: 1000 }, () => ({ field: 'createdAt' })) });
  // Forged values inside a real cursor (which names the order it was made under), so they reach the casts.
  const real = (await s.gql(RUNS, {})).runs.pageInfo.endCursor as string;
  const signature = JSON.parse(Buffer.from(real, 'base64url').toString('utf8'))[0];
  const cursor = (v: unknown[]) => Buffer.from(JSON.stringify([signature, ...v])).toString('base64url');
  const ordered = async (o: unknown) => (await s.gql(RUNS, { o })).runs.pageInfo.endCursor as string;
  // A cursor from one orderBy under another with as many keys would start the page at a meaningless place.
  const byName = await ordered([{ field: 'name', direction: 'ASC' }]);
  await rejected('BAD_USER_INPUT', RUNS, { o: [{ field: 'status', direction: 'ASC' }], a: byName });
  await rejected('BAD_USER_INPUT', RUNS, { o: [{ field: 'name', direction: 'DESC' }], a: byName });
  await rejected('BAD_USER_INPUT', RUNS, { a: byName });
  assert.ok((await s.gql(RUNS, { o: [{ field: 'name', direction: 'ASC' }], a: byName })).runs, 'same order works');
  for (const a of [
    'not a cursor',
    cursor(['x', 'y', 'z']),
    cursor(['false', 'not-a-date', '00000000-0000-0000-0000-000000000000']),
    cursor(['false', '0000-01-01', '00000000-0000-0000-0000-000000000000']),
    cursor(['maybe', '2026-01-01', 'zz']),
    cursor(['false', '2026-01-01\u0000', '00000000-0000-0000-0000-000000000000']),
  ])
    await rejected('BAD_USER_INPUT', RUNS, { a });
  const lrSignature = JSON.parse(Buffer.from(await ordered([{ field: 'config.lr' }]), 'base64url').toString('utf8'))[0];
  await rejected('BAD_USER_INPUT', RUNS, {
    o: [{ field: 'config.lr' }],
    a: Buffer.from(JSON.stringify([lrSignature, 'false', '{', '00000000-0000-0000-0000-000000000000'])).toString(
      'base64url',
    ),
  });
});

const LOG = `mutation($id: ID!, $c: MetricColumnsInput) { logMetrics(runId: $id, columns: $c) { accepted } }`;

test('metric batches: lone surrogate keys are BAD_USER_INPUT; over 10,000 distinct keys is refused whole', async () => {
  const id = await runningRun();
  await rejected('BAD_USER_INPUT', LOG, { id, c: { keys: ['\ud800', '\udc00'], steps: [0, 0], values: [1, 2] } });
  await rejected('BAD_USER_INPUT', LOG, { id, c: { keys: ['a\ud800b'], steps: [0], values: [1] } });
  const batch = (n: number) => {
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    return { id, c: { keys, steps: keys.map(() => 0), values: keys.map((_, i) => i) } };
  };
  // 130,000 new keys in one transaction ran ~30 s and held other requests up (issue 20): refused before any work.
  await rejected('PAYLOAD_TOO_LARGE', LOG, batch(130_000));
  const count = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM metrics WHERE run_id = $1`, [id])).rows[0].n as number;
  assert.equal(await count(), 0);
  const res = await s.gql(LOG, batch(10_000));
  assert.equal(res.logMetrics.accepted, 10_000);
  assert.equal(await count(), 10_000);
});

test('a log line with a NUL is stored sanitised; the rest of its batch is kept', async () => {
  const id = await runningRun();
  const res = await s.gql(`mutation($id: ID!, $l: [LogLineInput!]!) { appendRunLogs(runId: $id, lines: $l) }`, {
    id,
    l: [
      { stream: 'STDOUT', text: 'before' },
      { stream: 'STDERR', text: 'bad\u0000line\ud800' },
      { stream: 'STDOUT', text: 'after' },
    ],
  });
  assert.equal(res.appendRunLogs, 3);
  const { run } = await s.gql(`query($id: ID!) { run(id: $id) { logs { lines { text } } } }`, { id });
  assert.deepEqual(
    run.logs.lines.map((l: any) => l.text),
    ['before', 'bad\ufffdline\ufffd', 'after'],
  );
});

test('NUL and lone surrogates in lookups and searches are BAD_USER_INPUT or simply match nothing', async () => {
  const id = await runningRun();
  for (const [query, variables] of [
    [`query($n: String) { experiment(name: $n) { id } }`, { n: 'a\u0000' }],
    [`query($s: String) { experiments(search: $s) { id } }`, { s: '\u0000' }],
    [`query($id: ID!) { run(id: $id) { id } }`, { id: '\u0000' }],
    [`query($id: ID!, $k: String!) { run(id: $id) { metric(key: $k) { count } } }`, { id, k: 'a\u0000' }],
    [
      `query($ids: [ID!]!, $k: [String!]!) { metricSeries(runIds: $ids, keys: $k) { key } }`,
      { ids: [id], k: ['\u0000'] },
    ],
    [`query($w: String) { runs(filter: { where: $w }) { nodes { id } } }`, { w: 'name = "\u0000"' }],
    [`query($t: [String!]) { runs(filter: { tags: $t }) { nodes { id } } }`, { t: ['\u0000'] }],
    [`query($e: String) { runs(filter: { experimentName: $e }) { nodes { id } } }`, { e: '\ud800\u0000' }],
  ] as const) {
    const res = await s.request(query, variables);
    if (res.errors)
      assert.ok(
        ['BAD_USER_INPUT', 'INVALID_FILTER'].includes(res.errors[0].extensions.code),
        `${query}: ${JSON.stringify(res.errors)}`,
      );
  }
});
