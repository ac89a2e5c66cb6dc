// Sweep parallelism at the queue: a claim reads the sweeps' limits, then fetches in another statement, so a sweep
// launched between the two is fetched with no limit known for it. Found under load in test/server/launch.test.ts
// ("parallelism 2 never runs more than 2 at once" saw 3 runs start from one fetch); here the race is made certain by
// fetching with the limits read before the sweep existed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@runboard/test-kit/db';
import pg from 'pg';
import { RunQueue } from '../src/modules/launch/queue.ts';

let database: TestDatabase;
let pool: pg.Pool;
let queue: RunQueue;

before(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  queue = await RunQueue.start(database.url, 10, 60, () => {});
});

after(async () => {
  await queue.stop();
  await pool.end();
  await database.drop();
});

async function sweepJobs(name: string, parallelism: number, n: number): Promise<void> {
  const sweep = randomUUID();
  const c = await pool.connect();
  try {
    for (let i = 0; i < n; i++) {
      await queue.send(
        c,
        name,
        { runId: randomUUID() },
        { retries: 0, priority: 0, group: { id: sweep, tier: `p${parallelism}` } },
      );
    }
  } finally {
    c.release();
  }
}

test('a sweep whose limit the claim has not read yet gets one run, never more than its parallelism', async () => {
  const name = 'runs.race';
  await sweepJobs(name, 2, 4);
  // Limits read before the sweep existed: no tier for it.
  const first = await queue.fetch(pool, name, 3, {});
  assert.equal(first.length, 1, 'an unknown tier is claimed one at a time');
  // The next claim knows the limit: one more, then none while two are active.
  assert.equal((await queue.fetch(pool, name, 3, { p2: 2 })).length, 1);
  assert.equal((await queue.fetch(pool, name, 3, { p2: 2 })).length, 0);
});

test('jobs outside any sweep are not limited by the default', async () => {
  const name = 'runs.plain';
  const c = await pool.connect();
  try {
    for (let i = 0; i < 3; i++) await queue.send(c, name, { runId: randomUUID() }, { retries: 0, priority: 0 });
  } finally {
    c.release();
  }
  assert.equal((await queue.fetch(pool, name, 3, {})).length, 3);
});
