// Group commit (metric/forward-groups.ts): trainers' forward batches share one statement. When that statement
// fails because of one batch (a re-log of a stored point), only that batch takes the slower transactional path;
// the others go again in the next statement, and every batch is stored exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRunningRun } from '@runboard/test-kit/gql';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import type pg from 'pg';
import { telemetry } from '../src/core/telemetry.ts';
import { connectDatabase, type Database } from '../src/db/database.ts';
import { lockRun } from '../src/modules/run/store.ts';

let s: TestServer;
let db: Database;
let pool: pg.Pool;
before(async () => {
  s = await startTestServer();
  db = connectDatabase(s.database.url, 4);
  pool = db.pool;
});
after(async () => {
  await db.close();
  await s.close();
});

const LOG = `mutation($id: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $id, points: $p) { seq accepted } }`;
const log = (id: string, value: number) =>
  s.gql(LOG, { id, p: [{ key: 'loss', step: 0, value }] }).then((d) => d.logMetrics.seq as number);

/** Waits until `n` backends of this database wait for a lock (statements queued behind a held run row). */
async function lockWaits(n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]!.n >= n) return;
    await sleep(10);
  }
  throw new Error(`${n} lock waits never seen`);
}

test('a re-log in a group sends only itself down the transactional path; the rest go forward again', async () => {
  const [a, b, c, d, e] = await Promise.all(
    Array.from({ length: 5 }, async () => (await createRunningRun(s.gql, { experimentName: 'forward-groups' })).id),
  );
  await log(c!, 1); // the point c's next batch re-logs
  const before = { ...telemetry };
  const other = await pool.connect();
  let seqs: number[];
  try {
    // Two statements in flight (the most a server sends), each held on a run row locked here.
    await other.query('BEGIN');
    await lockRun(other, a!);
    await lockRun(other, b!);
    const held = [log(a!, 1)];
    await lockWaits(1);
    held.push(log(b!, 1));
    await lockWaits(2);
    // These queue behind them and go together in the next statement, which the re-log of c fails with 23505.
    const grouped = [log(c!, 2), log(d!, 1), log(e!, 1)];
    for (let i = 0; telemetry.forwardQueued < 3; i++) {
      if (i > 500) throw new Error('the three batches never queued');
      await sleep(10);
    }
    await other.query('COMMIT');
    seqs = await Promise.all([...held, ...grouped]);
  } finally {
    other.release();
  }
  assert.deepEqual(
    {
      statements: telemetry.forwardStatements - before.forwardStatements,
      batches: telemetry.forwardBatches - before.forwardBatches,
      fallbacks: telemetry.forwardFallbacks - before.forwardFallbacks,
    },
    // a, b, then c + d + e (failed), then d + e again; c alone took the transactional path.
    { statements: 4, batches: 7, fallbacks: 1 },
  );
  // create, start, then each run's batches: every batch got the next seq once, nothing was written twice.
  assert.deepEqual(seqs, [3, 3, 4, 3, 3]);
  const { rows } = await pool.query<{ run_id: string; value: number; n: number }>(
    `SELECT run_id, max(value) AS value, count(*)::int AS n FROM metrics WHERE run_id = ANY($1::uuid[])
      GROUP BY run_id`,
    [[a, b, c, d, e]],
  );
  const stored = new Map(rows.map((r) => [r.run_id, [r.value, r.n]]));
  assert.deepEqual(
    [a, b, c, d, e].map((r) => stored.get(r!)),
    [
      [1, 1],
      [1, 1],
      [2, 1],
      [1, 1],
      [1, 1],
    ],
  );
});
