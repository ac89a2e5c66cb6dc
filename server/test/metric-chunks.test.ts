import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { collect, startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import fc from 'fast-check';
import type pg from 'pg';
import { connectDatabase, type Database } from '../src/db/database.ts';
import { compactRun } from '../src/modules/metric/compaction.ts';
import { readHistory } from '../src/modules/metric/history.ts';
import { float8ArrayExact } from '../src/modules/metric/pg-arrays.ts';

/**
 * Compressed metric history (issue #23): every point stays readable exactly once, with the same value, through
 * compaction, re-logs and truncates into chunks, and compactions killed half-way. Compaction is driven from
 * here with small chunks (compactRun on our own pool) except in the test of the server's own job.
 */

let s: TestServer;
let db: Database;
let pool: pg.Pool;
/** A pool like the server's (int8 parsed as numbers, a listener for lost connections), named for pg_stat_activity. */
const serverLikePool = (name: string) => {
  const url = new URL(s.database.url);
  url.searchParams.set('application_name', name);
  return connectDatabase(url.toString(), 1);
};
before(async () => {
  s = await startTestServer({ metricCompactionIntervalMs: 200 });
  db = connectDatabase(s.database.url, 4);
  pool = db.pool;
});
after(async () => {
  await db.close();
  await s.close();
});

const LOG = `mutation($id: ID!, $c: MetricColumnsInput) { logMetrics(runId: $id, columns: $c) { seq } }`;
const HISTORY = `query($id: ID!, $k: String!, $a: Int, $n: Int) { run(id: $id) { history(key: $k, afterStep: $a, first: $n) { step value } } }`;
const SUMMARY = `query($id: ID!) { run(id: $id) { metrics { key count firstStep lastStep lastValue min minStep max maxStep } } }`;
const SERIES = `query($ids: [ID!]!, $keys: [String!]!, $n: Int) { metricSeries(runIds: $ids, keys: $keys, maxPoints: $n) {
  runId key downsampled bucketSize totalPoints columns { step value min max wallTime } } }`;
const TRUNCATE = `mutation($id: ID!, $a: Int!) { truncateMetrics(runId: $id, afterStep: $a) { deleted } }`;

async function runningRun(): Promise<string> {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "chunks" }) { id } }`);
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  return createRun.id;
}

/** Logs `value(step)` for each key at each step (wall time = step seconds after a fixed epoch). */
async function log(id: string, keys: string[], steps: number[], value: (k: string, s: number) => number | string) {
  const c = {
    keys: [] as string[],
    steps: [] as number[],
    values: [] as (number | string)[],
    wallTimes: [] as string[],
  };
  for (const k of keys)
    for (const st of steps) {
      c.keys.push(k);
      c.steps.push(st);
      c.values.push(value(k, st));
      c.wallTimes.push(new Date(1.7e12 + st * 1000).toISOString());
    }
  return (await s.gql(LOG, { id, c })).logMetrics.seq as number;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A key's whole history through the API, paged 997 points at a time so pages start and end inside chunks. */
async function history(id: string, key: string): Promise<[number, number | string][]> {
  const out: [number, number | string][] = [];
  for (let after = -1; ; ) {
    const page = (await s.gql(HISTORY, { id, k: key, a: after, n: 997 })).run.history;
    for (const p of page) out.push([p.step, p.value]);
    if (page.length < 997) return out;
    after = page.at(-1).step;
  }
}

/** Rows and chunks of a run: points per key in each form, and rows lying inside a chunk's range (must be 0). */
async function layout(id: string) {
  const { rows } = await pool.query(
    `SELECT k.key,
            (SELECT count(*) FROM metrics m WHERE m.run_id = $1 AND m.key = k.key)::int AS rows,
            (SELECT coalesce(sum(count), 0) FROM metric_chunks c WHERE c.run_id = $1 AND c.key = k.key)::int AS chunked,
            (SELECT count(*) FROM metric_chunks c WHERE c.run_id = $1 AND c.key = k.key)::int AS chunks,
            (SELECT count(*) FROM metrics m JOIN metric_chunks c ON c.run_id = m.run_id AND c.key = m.key
                AND m.step BETWEEN c.first_step AND c.last_step WHERE m.run_id = $1 AND m.key = k.key)::int AS overlap
       FROM (SELECT DISTINCT key FROM metric_latest WHERE run_id = $1) k ORDER BY k.key`,
    [id],
  );
  return rows as { key: string; rows: number; chunked: number; chunks: number; overlap: number }[];
}

async function seriesOf(id: string, keys: string[], n: number) {
  return (await s.gql(SERIES, { ids: [id], keys, n })).metricSeries;
}

test('re-log into a compacted range replaces the value; history, summaries and series stay the same elsewhere', async () => {
  const id = await runningRun();
  await log(id, ['loss', 'acc'], range(0, 1000), (k, st) => (k === 'loss' ? 1 / (st + 1) : st / 1000));
  const before = { loss: await history(id, 'loss'), series: await seriesOf(id, ['loss', 'acc'], 64) };
  assert.equal(await compactRun(pool, id, { chunkPoints: 300, all: true }), 8);
  assert.deepEqual(
    (await layout(id)).map((l) => [l.rows, l.chunked, l.chunks, l.overlap]),
    [
      [0, 1000, 4, 0],
      [0, 1000, 4, 0],
    ],
  );
  assert.deepEqual(await history(id, 'loss'), before.loss);
  assert.deepEqual(await seriesOf(id, ['loss', 'acc'], 64), before.series);

  await log(id, ['loss'], [450], () => -5); // inside the second chunk [300, 599]
  const expected = before.loss.map(([st, v]) => [st, st === 450 ? -5 : v]);
  assert.deepEqual(await history(id, 'loss'), expected);
  const loss = (await s.gql(SUMMARY, { id })).run.metrics.find((m: any) => m.key === 'loss');
  assert.deepEqual([loss.count, loss.min, loss.minStep, loss.lastStep], [1000, -5, 450, 999]);
  const l = (await layout(id)).find((x) => x.key === 'loss')!;
  assert.deepEqual([l.rows, l.chunked, l.chunks, l.overlap], [300, 700, 3, 0]);
  // Re-compacting packs the exploded range again; nothing moves.
  await compactRun(pool, id, { chunkPoints: 300, all: true });
  assert.deepEqual(await history(id, 'loss'), expected);
});

test('truncate across chunks keeps exactly the points at or before the step', async () => {
  const id = await runningRun();
  await log(id, ['a', 'b'], range(0, 900), (k, st) => (k === 'a' ? Math.sin(st) : st));
  await compactRun(pool, id, { chunkPoints: 200, all: true });
  const { truncateMetrics } = await s.gql(TRUNCATE, { id, a: 450 }); // chunk [400, 599] straddles
  assert.equal(truncateMetrics.deleted, 2 * 449);
  assert.deepEqual(
    await history(id, 'a'),
    range(0, 451).map((st) => [st, Math.sin(st)]),
  );
  assert.deepEqual(
    (await layout(id)).map((l) => [l.key, l.rows + l.chunked, l.overlap]),
    [
      ['a', 451, 0],
      ['b', 451, 0],
    ],
  );
  const b = (await s.gql(SUMMARY, { id })).run.metrics.find((m: any) => m.key === 'b');
  assert.deepEqual([b.count, b.lastStep, b.lastValue, b.max], [451, 450, 450, 450]);
  // Logging on after the truncate appends past step 450 as usual.
  await log(id, ['b'], [451], () => 7);
  assert.deepEqual((await history(id, 'b')).at(-1), [451, 7]);
});

test('NaN, ±Infinity, -0 and NaN payloads round-trip bit for bit through chunks and back into rows', async () => {
  const id = await runningRun();
  const specials = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    5e-324,
    Number.MAX_VALUE,
    0.1,
  ];
  const values = new Float64Array(40);
  for (let i = 0; i < values.length; i++) values[i] = specials[i % specials.length]!;
  // Two NaNs with payloads no API can send (a quiet NaN with payload 0x5, a negative NaN): written as rows directly.
  const words = new Uint32Array(values.buffer);
  [words[2 * 32 + 1], words[2 * 32]] = [0x7ff80000, 5];
  [words[2 * 33 + 1], words[2 * 33]] = [0xfff80000, 0];
  await pool.query(
    `INSERT INTO metrics (run_id, key, step, value, wall_time, seq)
     SELECT $1, 'x', s, v, now(), 2 FROM unnest($2::int8[], $3::float8[]) AS u(s, v)`,
    [id, range(0, 40), float8ArrayExact(values)],
  );
  const bits = async () =>
    (
      await pool.query(`SELECT encode(float8send(value), 'hex') AS h FROM metrics WHERE run_id = $1 ORDER BY step`, [
        id,
      ])
    ).rows.map((r) => r.h);
  const hex = (v: Float64Array) =>
    // Buffer.from(Uint8Array) copies: reversing a view of v.buffer would scramble v itself.
    Array.from({ length: v.length }, (_, i) =>
      Buffer.from(new Uint8Array(v.buffer, v.byteOffset + i * 8, 8))
        .reverse()
        .toString('hex'),
    );
  assert.deepEqual(await bits(), hex(values));
  await compactRun(pool, id, { chunkPoints: 16, all: true });
  // Decoded from chunks: the same 64 bits per value (read as doubles, so compared via the buffer they decode into).
  const fromChunks = await readHistory(pool, id, 'x', -1, 100);
  assert.equal(fromChunks.length, 40);
  for (const [i, p] of fromChunks.entries()) {
    const v = values[i]!;
    assert.ok(Number.isNaN(v) ? Number.isNaN(p.value) : Object.is(p.value, v), `step ${i}: ${p.value} vs ${v}`);
  }
  // Exploded back into rows (truncate inside the last chunk): PostgreSQL holds the original bits again.
  await s.gql(TRUNCATE, { id, a: 39 });
  await s.gql(TRUNCATE, { id, a: 0 }); // explodes the first chunk too
  assert.deepEqual(await bits(), hex(values.slice(0, 1)));
  await s.gql(TRUNCATE, { id, a: -1 });
  await pool.query(
    `INSERT INTO metrics (run_id, key, step, value, wall_time, seq)
     SELECT $1, 'x', s, v, now(), 2 FROM unnest($2::int8[], $3::float8[]) AS u(s, v)`,
    [id, range(0, 40), float8ArrayExact(values)],
  );
  await compactRun(pool, id, { chunkPoints: 16, all: true });
  await s.gql(TRUNCATE, { id, a: 38 }); // the last chunk [32, 39] straddles: 32..38 come back as rows
  assert.deepEqual(await bits(), hex(values.slice(32, 39)));
});

/** Starts compaction of `id` on its own connection, stopped inside its first chunk transaction by our row lock. */
async function lockedCompaction(id: string, key: string) {
  const blocker = await pool.connect();
  await blocker.query('BEGIN');
  await blocker.query(`SELECT 1 FROM metrics WHERE run_id = $1 AND key = $2 AND step = 5 FOR UPDATE`, [id, key]);
  return {
    blocker,
    /** The pid of a backend waiting on our lock inside its DELETE (the chunk row already inserted). */
    waiting: (app: string) =>
      waitFor(
        async () =>
          (
            await pool.query(
              `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM metrics%'`,
              [app],
            )
          ).rows[0]?.pid as number | undefined,
        { timeout: 15_000, what: `${app} blocked in its DELETE` },
      ),
  };
}

async function assertExactlyOnce(id: string, keys: string[], n: number) {
  for (const l of await layout(id)) {
    assert.equal(l.rows + l.chunked, n, `${l.key}: ${l.rows} rows + ${l.chunked} in chunks`);
    assert.equal(l.overlap, 0, `${l.key}: rows inside a chunk`);
  }
  for (const k of keys) {
    const h = await history(id, k);
    assert.deepEqual(
      h.map(([st]) => st),
      range(0, n),
    );
    assert.ok(h.every(([st, v]) => v === st + 0.5));
  }
}

test('compaction whose connection is terminated mid-chunk leaves every point readable exactly once', async () => {
  const id = await runningRun();
  await log(id, ['k0', 'k1'], range(0, 500), (_, st) => st + 0.5);
  const victim = serverLikePool('compaction-victim');
  const { blocker, waiting } = await lockedCompaction(id, 'k0');
  // Settled at once, so its failure is never an unhandled rejection while we terminate its backend.
  const outcome = compactRun(victim.pool, id, { chunkPoints: 100, all: true }).then(
    () => null,
    (err: Error) => err,
  );
  const pid = await waiting('compaction-victim');
  await pool.query('SELECT pg_terminate_backend($1)', [pid]);
  assert.match(String((await outcome)?.message), /terminating connection/);
  await blocker.query('ROLLBACK');
  blocker.release();
  await victim.close();
  await assertExactlyOnce(id, ['k0', 'k1'], 500);
  // The next compaction finishes the job.
  await compactRun(pool, id, { chunkPoints: 100, all: true });
  assert.deepEqual(
    (await layout(id)).map((l) => [l.rows, l.chunks]),
    [
      [0, 5],
      [0, 5],
    ],
  );
  await assertExactlyOnce(id, ['k0', 'k1'], 500);
});

test('compaction process killed with -9 mid-chunk leaves every point readable exactly once', async () => {
  const id = await runningRun();
  await log(id, ['k0', 'k1'], range(0, 500), (_, st) => st + 0.5);
  // k0's first chunk commits; the child then blocks inside k0's second chunk, which we hold a row of.
  const blocker = await pool.connect();
  await blocker.query('BEGIN');
  await blocker.query(`SELECT 1 FROM metrics WHERE run_id = $1 AND key = 'k0' AND step = 150 FOR UPDATE`, [id]);
  const script = `import { compactRun } from './server/src/modules/metric/compaction.ts';
    import { connectDatabase } from './server/src/db/database.ts';
    const db = connectDatabase(process.env.URL + '?application_name=compaction-child', 1);
    await compactRun(db.pool, process.env.RUN, { chunkPoints: 100, all: true });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, URL: s.database.url, RUN: id },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitFor(
    async () =>
      (
        await pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'compaction-child' AND wait_event_type = 'Lock'`,
        )
      ).rowCount,
    { timeout: 30_000, what: 'the child blocked inside a chunk' },
  );
  child.kill('SIGKILL');
  await exited;
  await blocker.query('ROLLBACK'); // the orphaned backend now finds its client gone and rolls back
  blocker.release();
  await waitFor(
    async () =>
      (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'compaction-child'`)).rowCount === 0,
    { timeout: 15_000, what: 'the killed compaction backend gone' },
  );
  const k0 = (await layout(id)).find((l) => l.key === 'k0')!;
  assert.deepEqual([k0.chunks, k0.chunked], [1, 100]); // the first chunk committed, the second did not
  await assertExactlyOnce(id, ['k0', 'k1'], 500);
});

test('a live subscriber resuming with since across a compaction misses nothing', async () => {
  const id = await runningRun();
  const seqs: number[] = [];
  for (let b = 0; b < 12; b++) seqs.push(await log(id, ['loss', 'acc'], range(b * 100, b * 100 + 100), (_, st) => st));
  // A long active run: old rows go into full chunks, the newest stay rows (the threshold path).
  const written = await compactRun(pool, id, { chunkPoints: 250, keepRecentRows: 300 });
  assert.equal(written, 2 * 3);
  // Chunks [0..749] hold batches 0-7 whole or in part (batch 7 straddles rows and a chunk).
  const sub = collect<any>(
    s.ws(),
    `subscription($ids: [ID!]!, $since: [RunSeqInput!]) {
    metricsLogged(runIds: $ids, since: $since) { seq points { key step value } } }`,
    {
      ids: [id],
      since: [{ runId: id, seq: seqs[2] }],
    },
  );
  const events = await sub.until((e) => e.some((x) => x.metricsLogged.seq === seqs[11]), 15_000);
  sub.dispose();
  assert.deepEqual(
    events.map((e) => e.metricsLogged.seq),
    seqs.slice(3),
  );
  for (const [i, e] of events.entries()) {
    const b = i + 3;
    const expected = ['acc', 'loss'].flatMap((k) => range(b * 100, b * 100 + 100).map((st) => `${k}@${st}=${st}`));
    assert.deepEqual(
      e.metricsLogged.points.map((p: any) => `${p.key}@${p.step}=${p.value}`),
      expected,
    );
  }
});

test('a run that ends is compacted by the server job; fine rollups go; reads and /healthz/storage agree', async () => {
  const id = await runningRun();
  await log(id, ['loss', 'acc'], range(0, 2500), (k, st) =>
    k === 'loss' ? Math.exp(-st / 500) : 1 - Math.exp(-st / 700),
  );
  const reads = async () => ({
    series: await Promise.all([2, 100, 200, 500, 4000].map((n) => seriesOf(id, ['loss', 'acc'], n))),
    history: await history(id, 'acc'),
    summary: (await s.gql(SUMMARY, { id })).run.metrics,
  });
  const before = await reads();
  await s.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id });
  await waitFor(async () => (await layout(id)).every((l) => l.rows === 0 && l.chunks === 1), {
    timeout: 20_000,
    what: 'the compaction job',
  });
  await waitFor(
    async () => (await pool.query(`SELECT 1 FROM metric_rollups WHERE run_id = $1 AND level < 8`, [id])).rowCount === 0,
    { timeout: 10_000, what: 'fine rollups dropped' },
  );
  assert.deepEqual(await reads(), before);
  const res = await fetch(s.url.replace('/graphql', '/healthz/storage'));
  const body = await res.json();
  assert.equal(res.status, 200);
  assert.ok(body.chunkPoints >= 5000 && body.bytesPerPoint > 0, JSON.stringify(body));
  assert.equal(body.backlogRuns, 0);
});

test('series at dropped rollup levels merge packed buckets split across chunk boundaries exactly', async () => {
  const id = await runningRun();
  await log(id, ['m'], range(3, 1003), (_, st) => (st % 97 === 0 ? 'NaN' : Math.cos(st / 40) + st / 1000));
  const series = () => Promise.all([2, 20, 40, 70, 100].map((n) => seriesOf(id, ['m'], n)));
  const before = await series();
  await compactRun(pool, id, { chunkPoints: 37, all: true }); // 37 is no multiple of 16: buckets straddle chunks
  await s.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id });
  await waitFor(
    async () => (await pool.query(`SELECT 1 FROM metric_rollups WHERE run_id = $1 AND level < 8`, [id])).rowCount === 0,
    { timeout: 15_000, what: 'fine rollups dropped by the server job' },
  );
  assert.deepEqual(await series(), before);
});

/**
 * Series from rows and from chunks agree for an uneven shape: 66 keys (more pairs than one read takes before it
 * splits in two) with their own first step, stride and length, re-logged steps, NaN gaps, and chunks of 37
 * points, so bucket edges fall inside chunks and across their boundaries. Compared at every plan: raw, bucketed
 * from history, the rollup levels compaction drops (packed buckets) and those it keeps, with and without extras.
 */
test('series from rows and from chunks are identical for uneven shapes, re-logs and buckets across chunks', async () => {
  const id = await runningRun();
  const keys = range(0, 66).map((i) => `k${String(i).padStart(2, '0')}`);
  const shape = (i: number) => ({ first: (i * 37) % 101, stride: 1 + (i % 3), length: 150 + ((i * 53) % 900) });
  const value = (i: number, st: number, pass: number) =>
    (st + i) % 29 === 0 ? 'NaN' : Math.sin(st / (7 + i)) * (1 + pass) + (st % 13 === 0 ? -0.5 : 0);
  for (const [i, key] of keys.entries()) {
    const { first, stride, length } = shape(i);
    const steps = range(0, length).map((j) => first + j * stride);
    await log(id, [key], steps, (_, st) => value(i, st, 0));
    // re-log a stretch in the middle with other values: replaced before compaction reads them
    await log(id, [key], steps.slice(length / 3, length / 3 + 40), (_, st) => value(i, st, 1));
  }
  const LINES = `query($ids: [ID!]!, $keys: [String!]!, $n: Int) { metricSeries(runIds: $ids, keys: $keys, maxPoints: $n) {
    runId key downsampled bucketSize totalPoints columns { step value } } }`;
  const all = async () => {
    const out = [];
    for (const n of [2, 5, 9, 20, 40, 70, 110, 400, 2000]) {
      out.push((await s.gql(SERIES, { ids: [id], keys, n })).metricSeries);
      out.push((await s.gql(LINES, { ids: [id], keys, n })).metricSeries);
    }
    return out;
  };
  const fromRows = await all();
  const sizes = new Set(fromRows.flatMap((r) => r.map((x: { bucketSize: number }) => x.bucketSize)));
  for (const size of [1, 16, 32, 64, 128, 256]) assert.ok(sizes.has(size), `plan with bucket size ${size} exercised`);
  await compactRun(pool, id, { chunkPoints: 37, all: true });
  assert.deepEqual(await all(), fromRows, 'all chunks, run still running (fine rollups kept)');
  await s.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id });
  await waitFor(
    async () => (await pool.query(`SELECT 1 FROM metric_rollups WHERE run_id = $1 AND level < 8`, [id])).rowCount === 0,
    { timeout: 15_000, what: 'fine rollups dropped by the server job' },
  );
  assert.deepEqual(await all(), fromRows, 'chunks read through the packed buckets');
});

/** A plain model of one run's history: key -> step -> value. */
type Model = Map<string, Map<number, number>>;

test('property: random logs, re-logs, truncates and compactions read back as an in-memory model', async () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('log' as const),
      key: fc.constantFrom('a', 'b'),
      from: fc.integer({ min: 0, max: 120 }),
      n: fc.integer({ min: 1, max: 40 }),
      v: fc.integer({ min: -50, max: 50 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), after: fc.integer({ min: -1, max: 140 }) }),
    fc.record({
      kind: fc.constant('compact' as const),
      chunk: fc.integer({ min: 1, max: 30 }),
      keep: fc.integer({ min: 0, max: 20 }),
      all: fc.boolean(),
    }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
      const id = await runningRun();
      const model: Model = new Map();
      for (const o of ops) {
        if (o.kind === 'log') {
          const steps = range(o.from, o.from + o.n);
          await log(id, [o.key], steps, (_, st) => o.v + st / 8);
          const m = model.get(o.key) ?? new Map<number, number>();
          for (const st of steps) m.set(st, o.v + st / 8);
          model.set(o.key, m);
        } else if (o.kind === 'truncate') {
          await s.gql(TRUNCATE, { id, a: o.after });
          for (const m of model.values()) for (const st of m.keys()) if (st > o.after) m.delete(st);
        } else {
          await compactRun(pool, id, { chunkPoints: o.chunk, keepRecentRows: o.keep, all: o.all });
        }
      }
      for (const key of ['a', 'b']) {
        const want = [...(model.get(key) ?? new Map()).entries()].sort((x, y) => x[0] - y[0]);
        assert.deepEqual(await history(id, key), want, `history of ${key} after ${JSON.stringify(ops)}`);
        const summary = (await s.gql(SUMMARY, { id })).run.metrics.find((m: any) => m.key === key);
        if (want.length === 0) continue;
        assert.deepEqual(
          [summary.count, summary.firstStep, summary.lastStep, summary.lastValue],
          [want.length, want[0]![0], want.at(-1)![0], want.at(-1)![1]],
          `summary of ${key} after ${JSON.stringify(ops)}`,
        );
      }
      for (const l of await layout(id)) assert.equal(l.overlap, 0);
    }),
    { numRuns: 25, seed: 23 },
  );
});
