// Every forward batch updates a metric_rollups row per key and level (13 per key). The table keeps a third of each
// page free so those updates are HOT (the new version on the same page, no new primary key entry). The effect
// depends on pacing and on how many runs share a page, so it is measured by bench:load ("updates per request ...
// % HOT": 7-34% before, 89-92% after, docs/performance.md); this test guards the storage setting on a migrated
// database, and that rollups stay exact when their updates are HOT.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';

let s: TestServer;
let db: pg.Pool;
before(async () => {
  s = await startTestServer();
  db = new pg.Pool({ connectionString: s.database.url, max: 1 });
});
after(async () => {
  await db.end();
  await s.close();
});

const LOG = `mutation($id: ID!, $c: MetricColumnsInput!) { logMetrics(runId: $id, columns: $c) { seq } }`;

test('metric_rollups leaves room on each page for in-place updates', async () => {
  const { rows } = await db.query<{ options: string[] | null }>(
    `SELECT reloptions AS options FROM pg_class WHERE relname = 'metric_rollups'`,
  );
  assert.deepEqual(rows[0]?.options, ['fillfactor=70']);
});

test('rollups updated by many forward batches stay exact', async () => {
  const { createRun } = await s.gql(`mutation($e: String) { createRun(input: { experimentName: $e }) { id } }`, {
    e: uniqueName('hot-updates'),
  });
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  for (let step = 0; step < 40; step++)
    await s.gql(LOG, { id: createRun.id, c: { keys: ['a', 'b'], steps: [step, step], values: [step, -step] } });
  const { rows } = await db.query<{ key: string; count: number; min: number; max: number; last: number }>(
    `SELECT key, count::int, min_value AS min, max_value AS max, last_value AS last FROM metric_rollups
      WHERE run_id = $1 AND level = 16 ORDER BY key`,
    [createRun.id],
  );
  assert.deepEqual(rows, [
    { key: 'a', count: 40, min: 0, max: 39, last: 39 },
    { key: 'b', count: 40, min: -39, max: 0, last: -39 },
  ]);
});

// A batch is a heartbeat, but last_heartbeat_at is indexed (the crash sweep's index): moved on every batch, each
// ingest's runs update was non-HOT (bench:load: runs 0% HOT). A heartbeat recorded within HEARTBEAT_GRAIN is kept.
test('a batch moves the heartbeat only when the recorded one is older than the grain', async () => {
  const { createRun } = await s.gql(`mutation($e: String) { createRun(input: { experimentName: $e }) { id } }`, {
    e: uniqueName('heartbeat-grain'),
  });
  const id = createRun.id;
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id });
  const heartbeat = async () =>
    (await db.query<{ t: Date }>(`SELECT last_heartbeat_at AS t FROM runs WHERE id = $1`, [id])).rows[0]!.t.getTime();
  const seqs: number[] = [];
  const log = async (step: number) =>
    seqs.push((await s.gql(LOG, { id, c: { keys: ['a'], steps: [step], values: [step] } })).logMetrics.seq);
  await db.query(`UPDATE runs SET last_heartbeat_at = now() - interval '1 minute' WHERE id = $1`, [id]);
  await log(0);
  const first = await heartbeat();
  assert.ok(Date.now() - first < 30_000, 'a stale heartbeat is moved by the batch');
  await log(1);
  await log(2);
  assert.equal(await heartbeat(), first, 'batches within the grain keep the recorded heartbeat');
  await db.query(`UPDATE runs SET last_heartbeat_at = last_heartbeat_at - interval '3 seconds' WHERE id = $1`, [id]);
  await log(3);
  assert.ok((await heartbeat()) > first - 1000, 'a heartbeat older than the grain is moved again');
  // Every batch still takes its own seq (what live streams resume from).
  assert.deepEqual(seqs, [seqs[0], seqs[0]! + 1, seqs[0]! + 2, seqs[0]! + 3]);
});
