// Every forward batch updates a metric_rollups row per key at level 4, and the 12 levels above when a level-4
// bucket closes ("fold on close", issue #24), most of them HOT (the new version on the same page, no new primary
// key entry, docs/performance.md).
// A fillfactor of 70 made that 97% but cost every reader and bulk writer the extra pages for no measured gain in
// live ingest, so the table is back to the default; this test guards that setting on a migrated database, and
// that rollups stay exact when their updates are HOT.
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

test('metric_rollups has the default fillfactor (dense pages; see the reset migration)', async () => {
  const { rows } = await db.query<{ options: string[] | null }>(
    `SELECT reloptions AS options FROM pg_class WHERE relname = 'metric_rollups'`,
  );
  assert.equal(rows[0]?.options ?? null, null);
});

test('rollups updated by many forward batches stay exact', async () => {
  const { createRun } = await s.gql(`mutation($e: String) { createRun(input: { experimentName: $e }) { id } }`, {
    e: uniqueName('hot-updates'),
  });
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  for (let step = 0; step < 40; step++)
    await s.gql(LOG, { id: createRun.id, c: { keys: ['a', 'b'], steps: [step, step], values: [step, -step] } });
  const { rows } = await db.query<{
    key: string;
    level: number;
    count: number;
    min: number;
    max: number;
    last: number;
  }>(
    `SELECT key, level, count::int, min_value AS min, max_value AS max, last_value AS last FROM metric_rollups
      WHERE run_id = $1 AND (level = 16 OR (level = 4 AND bucket = 2)) ORDER BY key, level`,
    [createRun.id],
  );
  // Level 16 holds the closed level-4 buckets (steps 0-31); the open one (32-39) is only at level 4.
  assert.deepEqual(rows, [
    { key: 'a', level: 4, count: 8, min: 32, max: 39, last: 39 },
    { key: 'a', level: 16, count: 32, min: 0, max: 31, last: 31 },
    { key: 'b', level: 4, count: 8, min: -39, max: -32, last: -39 },
    { key: 'b', level: 16, count: 32, min: -31, max: 0, last: -31 },
  ]);
});
