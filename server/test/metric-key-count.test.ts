// Issue 20, 3(b): Run.metrics is charged by the run's key count, which the run row carries (runs.metric_keys, kept
// by triggers on metric_latest in the writing transaction). Ten aliases of a page over a run with many keys are
// refused after listing one page, not ten; a page under the limit answers; the count stays equal to the run's rows
// in metric_latest through every writer (ingest, concurrent forward batches, chunk compaction and re-logs into it,
// MLflow log-batch, truncate, delete).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countStatements } from '@runboard/test-kit/db';
import { mlflowClient } from '@runboard/test-kit/mlflow';
import { serverPerFile, type TestServer } from '@runboard/test-kit/server';
import type pg from 'pg';
import { compactRun } from '../src/modules/metric/compaction.ts';

const COST = 5_000;
let s: TestServer;
let db: pg.Pool;
serverPerFile(
  (server, pool) => {
    s = server;
    db = pool;
  },
  { maxQueryCost: COST },
);

async function newRun(experiment: string, name?: string): Promise<string> {
  const { createRun } = await s.gql(
    `mutation($e: String!, $n: String) { createRun(input: { experimentName: $e, name: $n }) { id } }`,
    { e: experiment, n: name ?? null },
  );
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  return createRun.id;
}

async function logKeys(runId: string, keys: string[], step = 0) {
  await s.gql(`mutation($id: ID!, $c: MetricColumnsInput) { logMetrics(runId: $id, columns: $c) { accepted } }`, {
    id: runId,
    c: { keys, steps: keys.map(() => step), values: keys.map((_, i) => i) },
  });
}

const keysNamed = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Every run whose metric_keys differs from its rows in metric_latest (none, when the triggers hold). */
async function wrongCounts() {
  const { rows } = await db.query(
    `SELECT r.id, r.metric_keys AS kept, (SELECT count(*)::int FROM metric_latest ml WHERE ml.run_id = r.id) AS rows
       FROM runs r WHERE r.metric_keys <> (SELECT count(*) FROM metric_latest ml WHERE ml.run_id = r.id)`,
  );
  return rows;
}

async function keptCount(runId: string): Promise<number> {
  return (await db.query('SELECT metric_keys AS n FROM runs WHERE id = $1', [runId])).rows[0].n;
}

/** Statements that list a page of runs (run/store.ts selectRunPage: its sort keys come back as "_k0", ...). */
const pagesListed = (fn: () => Promise<unknown>) => countStatements((sql) => sql.includes('AS "_k0"'), fn);

/** A page of (at most) 2 runs with all their metrics: static cost 1 + 1 + 2 x (1 + 1 + 10 x 6) = 126. */
const metricsPage = (alias: string, experiment: string) =>
  `${alias}: runs(filter: { experimentName: "${experiment}" }, first: 2) { nodes { id metrics { key lastValue min max count } } }`;

test('ten aliases of a page over a 1,000-key run are refused after listing one page, HTTP 400', async () => {
  await logKeys(await newRun('wide'), keysNamed(3));
  await logKeys(await newRun('wide'), keysNamed(1_000));
  const query = `{ ${Array.from({ length: 10 }, (_, i) => metricsPage(`a${i}`, 'wide')).join(' ')} }`;
  let res: Response | undefined;
  const listed = await pagesListed(async () => {
    res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
  });
  const json = (await res!.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] };
  assert.equal(res!.status, 400);
  assert.equal(json.data, undefined);
  assert.equal(json.errors?.length, 1, JSON.stringify(json.errors));
  assert.equal(json.errors![0]!.extensions.code, 'QUERY_TOO_COMPLEX');
  assert.match(json.errors![0]!.message, /1000 keys/);
  // Before runs carried their key count, all ten pages were listed before the first charge.
  assert.equal(listed, 1, 'pages listed before the refusal');
});

test('pages over runs whose keys fit the limit answer in full, each page listed', async () => {
  const a = await newRun('fits');
  const b = await newRun('fits');
  await logKeys(a, keysNamed(300));
  await logKeys(b, keysNamed(5));
  const page = (alias: string) => metricsPage(alias, 'fits');
  // Static 2 x 126 = 252; charges 2 x (300 - 10) x 6 = 3,480 (the 5-key run: none); 3,732 <= 5,000.
  let data: any;
  const listed = await pagesListed(async () => {
    data = await s.gql(`{ ${page('p')} ${page('q')} }`);
  });
  assert.equal(listed, 2);
  for (const p of [data.p, data.q]) {
    const counts = Object.fromEntries(p.nodes.map((n: any) => [n.id, n.metrics.length]));
    assert.deepEqual(counts, { [a]: 300, [b]: 5 });
  }
  // A third page: 378 + 5,220 = 5,598, refused as before.
  const over = await s.request(`{ ${page('p')} ${page('q')} ${page('r')} }`);
  assert.equal(over.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(over.errors));
});

test('runs.metric_keys equals the run rows of metric_latest through ingest, compaction, truncate, MLflow, deletion', async () => {
  const run = await newRun('counted');
  assert.equal(await keptCount(run), 0);
  await logKeys(run, keysNamed(250));
  assert.equal(await keptCount(run), 250);
  // Old keys again (an upsert that only updates), then some new ones beside old ones.
  await logKeys(run, keysNamed(250), 1);
  await logKeys(run, [...keysNamed(10), ...keysNamed(40, 'n')], 2);
  assert.equal(await keptCount(run), 290);
  // A step logged again replaces a point: those keys' summaries are rebuilt (deleted, inserted).
  await logKeys(run, keysNamed(5), 1);
  assert.equal(await keptCount(run), 290);
  // Truncate after step 0: the 40 keys logged only at step 2 lose every point and their summaries.
  const { truncateMetrics } = await s.gql(
    `mutation($id: ID!) { truncateMetrics(runId: $id, afterStep: 0) { deleted } }`,
    { id: run },
  );
  assert.ok(truncateMetrics.deleted > 0);
  assert.equal(await keptCount(run), 250);
  assert.deepEqual(await wrongCounts(), []);

  // Chunk compaction, a re-log into a compacted range (the chunk restored as rows, the summaries rebuilt), and a
  // truncate reaching into chunks: keys k5..k7 exist only from step 20 on.
  const packed = await newRun('counted');
  const points = Array.from({ length: 30 }, (_, step) => keysNamed(step < 20 ? 5 : 8).map((key) => ({ key, step })));
  await s.gql(`mutation($id: ID!, $c: MetricColumnsInput) { logMetrics(runId: $id, columns: $c) { accepted } }`, {
    id: packed,
    c: {
      keys: points.flat().map((p) => p.key),
      steps: points.flat().map((p) => p.step),
      values: points.flat().map((p) => p.step),
    },
  });
  assert.ok((await compactRun(db, packed, { chunkPoints: 10, all: true })) > 0);
  assert.equal(await keptCount(packed), 8);
  await logKeys(packed, keysNamed(5), 3);
  assert.equal(await keptCount(packed), 8);
  await s.gql(`mutation($id: ID!) { truncateMetrics(runId: $id, afterStep: 10) { deleted } }`, { id: packed });
  assert.equal(await keptCount(packed), 5);
  assert.deepEqual(await wrongCounts(), []);

  // Forward batches of several runs at once (the group commit writes them in one statement).
  const runs = await Promise.all([1, 2, 3, 4].map(() => newRun('counted')));
  await Promise.all(runs.flatMap((r, i) => [logKeys(r, keysNamed(20 + i), 1), logKeys(r, keysNamed(30 + i, 'g'), 2)]));
  for (const [i, r] of runs.entries()) assert.equal(await keptCount(r), 50 + 2 * i);

  // MLflow: runs/create, then log-batch with new keys and an old one.
  const ml = mlflowClient(s.url);
  const exp = (await ml.post('experiments/create', { name: 'counted-mlflow' })).body.experiment_id;
  const mlRun = (await ml.post('runs/create', { experiment_id: exp, run_name: 'ml' })).body.run.info.run_id;
  const metric = (key: string, step: number) => ({ key, value: step, timestamp: 1_700_000_000_000, step });
  const batch = (keys: string[], step: number) =>
    ml.post('runs/log-batch', { run_id: mlRun, metrics: keys.map((k) => metric(k, step)) });
  assert.equal((await batch(keysNamed(30, 'm'), 0)).status, 200);
  assert.equal((await batch([...keysNamed(10, 'm'), ...keysNamed(5, 'x')], 1)).status, 200);
  const mlId = (await db.query(`SELECT id FROM runs WHERE name = 'ml'`)).rows[0].id;
  assert.equal(await keptCount(mlId), 35);
  assert.deepEqual(await wrongCounts(), []);

  // Deleting runs (one, several, an experiment's) removes their summaries without tripping the triggers.
  await s.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: run });
  await s.gql(`mutation($ids: [ID!]!) { deleteRuns(ids: $ids) }`, { ids: runs.slice(0, 2) });
  assert.equal((await db.query('SELECT count(*)::int AS n FROM metric_latest WHERE run_id = $1', [run])).rows[0].n, 0);
  assert.deepEqual(await wrongCounts(), []);
});
