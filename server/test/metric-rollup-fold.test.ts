import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createRunningRun } from '@runboard/test-kit/gql';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import fc from 'fast-check';
import type pg from 'pg';
import { telemetry } from '../src/core/telemetry.ts';
import { connectDatabase, type Database } from '../src/db/database.ts';
import { buckets, dedupe, groupByKey } from '../src/modules/metric/aggregate.ts';
import { compactRun } from '../src/modules/metric/compaction.ts';
import { rebuildSummaries } from '../src/modules/metric/history.ts';
import { metricSeries } from '../src/modules/metric/series.ts';
import { deletePointsAfter, mergeRollups, upsertPoints } from '../src/modules/metric/store.ts';
import { lockRun, nextIngestSeq } from '../src/modules/run/store.ts';

/**
 * Rollups "fold on close" (issue #24): level 4 holds every point, the levels above only the points before the
 * pair's open level-4 bucket, which is folded in when it closes and merged in by readers. A logMetrics of one
 * step writes one rollup row per key while its bucket is open, and series read from the rollups stay exactly
 * those of the history through logs in and out of order, re-logs, NaN, truncates, compactions and run ends.
 */

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

const LOG = `mutation($id: ID!, $c: MetricColumnsInput) { logMetrics(runId: $id, columns: $c) { seq } }`;
const TRUNCATE = `mutation($id: ID!, $a: Int!) { truncateMetrics(runId: $id, afterStep: $a) { deleted } }`;
const BASE_MS = 1.7e12;

const runningRun = async () => (await createRunningRun(s.gql, { experimentName: 'rollup-fold' })).id;

interface P {
  key: string;
  step: number;
  value: number;
  wall: number;
}

async function logPoints(id: string, points: P[]): Promise<number> {
  const c = {
    keys: points.map((p) => p.key),
    steps: points.map((p) => p.step),
    values: points.map((p) => (Number.isFinite(p.value) ? p.value : String(p.value))),
    wallTimes: points.map((p) => new Date(p.wall).toISOString()),
  };
  return (await s.gql(LOG, { id, c })).logMetrics.seq as number;
}

/** Rollup rows the transaction that wrote a batch wrote (inserted or updated: both leave its xid as xmin), per level. */
async function rollupRowsOf(id: string, seq: number): Promise<Record<number, number>> {
  const { rows } = await pool.query<{ level: number; n: number }>(
    `SELECT r.level, count(*)::int AS n FROM metric_rollups r
      WHERE r.run_id = $1 AND r.xmin = (SELECT b.xmin FROM metric_batches b WHERE b.run_id = $1 AND b.seq = $2)
      GROUP BY r.level ORDER BY r.level`,
    [id, seq],
  );
  return Object.fromEntries(rows.map((r) => [r.level, r.n]));
}

const KEYS = Array.from({ length: 10 }, (_, i) => `k${i}`);
const oneStep = (step: number): P[] =>
  KEYS.map((key, i) => ({ key, step, value: Math.sin(step + i), wall: BASE_MS + step * 1000 }));
const total = (r: Record<number, number>) => Object.values(r).reduce((a, n) => a + n, 0);
const upper = Object.fromEntries([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map((l) => [l, 10]));

test('a one-step, 10-key logMetrics writes 10 rollup rows inside an open bucket, and the fold when one closes', async () => {
  const id = await runningRun();
  assert.deepEqual(await rollupRowsOf(id, await logPoints(id, oneStep(0))), { 4: 10 });
  for (let step = 1; step < 16; step++) {
    if (step === 3) continue; // logged late below
    assert.deepEqual(await rollupRowsOf(id, await logPoints(id, oneStep(step))), { 4: 10 }, `step ${step}`);
  }
  // Step 16 closes bucket 0: its level-4 row is folded into the 12 levels above, one row each, per key.
  const closing = await rollupRowsOf(id, await logPoints(id, oneStep(16)));
  assert.deepEqual(closing, { 4: 10, ...upper });
  assert.equal(total(closing), 130);
  assert.deepEqual(await rollupRowsOf(id, await logPoints(id, oneStep(17))), { 4: 10 });
  // A new step into the closed bucket 0 (out of order) goes to every level, as before the fold.
  assert.deepEqual(await rollupRowsOf(id, await logPoints(id, oneStep(3))), { 4: 10, ...upper });
  // A jump over several buckets: the open bucket 1 closes, the batch's own point opens bucket 6.
  assert.deepEqual(await rollupRowsOf(id, await logPoints(id, oneStep(100))), { 4: 10, ...upper });
  const { rows } = await pool.query(
    `SELECT level, bucket, count::int, last_step::int FROM metric_rollups WHERE run_id = $1 AND key = 'k0' AND level IN (4, 5, 16)
      ORDER BY level, bucket`,
    [id],
  );
  assert.deepEqual(
    rows.map((r) => [r.level, r.bucket, r.count, r.last_step]),
    [
      [4, 0, 16, 15],
      [4, 1, 2, 17],
      [4, 6, 1, 100],
      [5, 0, 18, 17],
      [16, 0, 18, 17],
    ],
  );
});

/** A model bucket, in the columns metricSeries returns. */
type Encoded = number | string;
const enc = (v: number): Encoded => (Number.isFinite(v) ? v : String(v));

/** The series metricSeries must return for these points (sorted by step) at a bucket size (1: raw). */
function expected(points: [number, number, number][], size: number) {
  const out = {
    step: [] as number[],
    value: [] as Encoded[],
    min: [] as (Encoded | null)[],
    max: [] as (Encoded | null)[],
    wallTime: [] as number[],
  };
  let bucket = Number.NaN;
  for (const [step, v, wall] of points) {
    const b = Math.floor(step / size);
    const fresh = b !== bucket;
    bucket = b;
    const n = out.step.length - (fresh ? 0 : 1);
    out.step[n] = step;
    out.value[n] = enc(v);
    out.wallTime[n] = wall;
    const cur = fresh ? [null, null] : [out.min[n], out.max[n]];
    if (Number.isNaN(v)) {
      out.min[n] = cur[0]!;
      out.max[n] = cur[1]!;
    } else {
      out.min[n] = cur[0] === null || v < Number(cur[0]) ? enc(v) : cur[0]!;
      out.max[n] = cur[1] === null || v > Number(cur[1]) ? enc(v) : cur[1]!;
    }
  }
  return out;
}

/** key -> step -> [value, wall time ms] */
type Model = Map<string, Map<number, [number, number]>>;
const PROPERTY_KEYS = ['a', 'b', 'c'];
const MAX_POINTS = [2, 3, 5, 8, 13, 21, 50];

/** Every key's series, read with no raw-bucketing budget (so every downsampled series reads the rollups), vs the model. */
async function assertSeries(id: string, model: Model, what: string) {
  for (const maxPoints of MAX_POINTS) {
    const got = await metricSeries(pool, [id], PROPERTY_KEYS, maxPoints, 0);
    const want = PROPERTY_KEYS.filter((k) => (model.get(k)?.size ?? 0) > 0);
    assert.deepEqual(
      got.map((g) => g.key),
      want,
      `keys at maxPoints ${maxPoints} ${what}`,
    );
    for (const g of got) {
      const points = [...model.get(g.key)!.entries()].sort((x, y) => x[0] - y[0]).map(([st, [v, w]]) => [st, v, w]);
      if (g.downsampled) assert.ok(g.bucketSize >= 16 && Number.isInteger(Math.log2(g.bucketSize)), 'a rollup level');
      assert.equal(g.totalPoints, points.length);
      assert.deepEqual(
        g.columns,
        expected(points as [number, number, number][], g.bucketSize),
        `${g.key} at maxPoints ${maxPoints} (bucket ${g.bucketSize}) ${what}`,
      );
    }
  }
}

/**
 * The rollup rows themselves against the model: level 4 of every point, each level above of the points before
 * the frontier (last step >> 4 << 4), bucket by bucket with its count; after the run ended and was compacted,
 * no level below 8 and the levels kept hold every point. Series answers alone would not see a level holding a
 * point twice (extremes and last points merge idempotently).
 */
async function assertRollups(id: string, model: Model, ended: boolean, what: string) {
  const { rows } = await pool.query(
    `SELECT key, level, bucket::float8 AS bucket, count, min_value AS min, max_value AS max, last_step::float8 AS ls,
            last_value AS lv FROM metric_rollups WHERE run_id = $1 ORDER BY key, level, bucket`,
    [id],
  );
  const want: unknown[] = [];
  for (const key of PROPERTY_KEYS) {
    const points = [...model.get(key)!.entries()].sort((x, y) => x[0] - y[0]);
    if (points.length === 0) continue;
    const frontier = Math.floor(points.at(-1)![0] / 16) * 16;
    for (let level = 4; level <= 16; level++) {
      if (ended && level < 8) continue;
      const inLevel = points.filter(([st]) => ended || level === 4 || st < frontier);
      const cols = expected(
        inLevel.map(([st, [v, w]]) => [st, v, w]),
        2 ** level,
      );
      const counts = new Map<number, number>();
      for (const [st] of inLevel)
        counts.set(Math.floor(st / 2 ** level), (counts.get(Math.floor(st / 2 ** level)) ?? 0) + 1);
      cols.step.forEach((st, i) => {
        want.push({
          key,
          level,
          bucket: Math.floor(st / 2 ** level),
          count: counts.get(Math.floor(st / 2 ** level)),
          min: cols.min[i] === null ? null : Number(cols.min[i]),
          max: cols.max[i] === null ? null : Number(cols.max[i]),
          ls: st,
          lv: Number(cols.value[i]),
        });
      });
    }
  }
  assert.deepEqual(rows, want, `rollup rows ${what}`);
}

test('property: series read from folded rollups equal an in-memory model through logs, re-logs, truncates, compactions and run ends', async () => {
  const logOp = fc.record({
    kind: fc.constant('log' as const),
    keys: fc.subarray(PROPERTY_KEYS, { minLength: 1 }),
    // forward: after the last step (gap >= 0); else anywhere in [0, 3000) (out of order, re-logs)
    forward: fc.boolean(),
    at: fc.integer({ min: 0, max: 3000 }),
    n: fc.integer({ min: 1, max: 400 }),
    stride: fc.integer({ min: 1, max: 7 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    nanEvery: fc.constantFrom(0, 3, 11),
  });
  const op = fc.oneof(
    { weight: 6, arbitrary: logOp },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('truncate' as const), after: fc.integer({ min: -1, max: 3200 }) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('compact' as const),
        chunk: fc.integer({ min: 5, max: 300 }),
        keep: fc.integer({ min: 0, max: 100 }),
        all: fc.boolean(),
      }),
    },
  );
  let version = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), fc.boolean(), async (ops, finish) => {
      const id = await runningRun();
      const model: Model = new Map(PROPERTY_KEYS.map((k) => [k, new Map()]));
      for (const o of ops) {
        if (o.kind === 'log') {
          version++;
          const last = Math.max(-1, ...o.keys.flatMap((k) => [...model.get(k)!.keys()]));
          const from = o.forward ? last + 1 + (o.at % 40) : o.at;
          const points: P[] = [];
          for (const key of o.keys)
            for (let i = 0; i < o.n; i++) {
              const step = from + i * o.stride;
              const value =
                o.nanEvery && (step + o.seed) % o.nanEvery === 0 ? Number.NaN : ((step * 7 + o.seed) % 101) - 50;
              const wall = BASE_MS + step * 1000 + (version % 997);
              points.push({ key, step, value, wall });
              model.get(key)!.set(step, [value, wall]);
            }
          await logPoints(id, points);
        } else if (o.kind === 'truncate') {
          await s.gql(TRUNCATE, { id, a: o.after });
          for (const m of model.values()) for (const st of [...m.keys()]) if (st > o.after) m.delete(st);
        } else {
          await compactRun(pool, id, { chunkPoints: o.chunk, keepRecentRows: o.keep, all: o.all });
        }
        await assertSeries(id, model, `after ${JSON.stringify(o)} in ${JSON.stringify(ops)}`);
        await assertRollups(id, model, false, `after ${JSON.stringify(o)} in ${JSON.stringify(ops)}`);
      }
      if (finish) {
        // The end of a run: compaction drops levels 4-7 of all-chunk keys, the open bucket folded first.
        await s.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id });
        await compactRun(pool, id, { chunkPoints: 97 });
        await assertSeries(id, model, `after the run ended, ${JSON.stringify(ops)}`);
        await assertRollups(id, model, true, `after the run ended, ${JSON.stringify(ops)}`);
      }
    }),
    { numRuns: 40, seed: 24 },
  );
});

test('concurrent batches of one run through two servers crossing bucket boundaries fold every closed bucket once', async () => {
  // A server sends a run's batches one statement at a time (ForwardGroups); two servers do not know of each
  // other's, so a statement waits for the other's lock with a snapshot from before that one committed.
  const s2 = await startTestServer({ database: s.database });
  try {
    const id = await runningRun();
    const model: Model = new Map(PROPERTY_KEYS.map((k) => [k, new Map()]));
    const batches = Array.from({ length: 80 }, (_, b) =>
      PROPERTY_KEYS.flatMap((key) =>
        Array.from({ length: 7 }, (_, i) => {
          const step = b * 7 + i;
          return { key, step, value: step % 13 === 0 ? Number.NaN : Math.cos(step) * step, wall: BASE_MS + step };
        }),
      ),
    );
    const send = (points: P[], i: number) =>
      (i % 2 ? s2 : s).gql(LOG, {
        id,
        c: {
          keys: points.map((p) => p.key),
          steps: points.map((p) => p.step),
          values: points.map((p) => (Number.isFinite(p.value) ? p.value : String(p.value))),
          wallTimes: points.map((p) => new Date(p.wall).toISOString()),
        },
      });
    // Each round also re-logs the previous round's last batch (its steps in the open bucket the round closes) with
    // other values: a replacement changes no count, only the run's seq tells the forward statement it happened.
    const relogs: P[][] = [];
    for (let i = 0; i < batches.length; i += 16) {
      const round: Promise<unknown>[] = [];
      if (i > 0) {
        const again = batches[i - 1]!.map((p) => ({ ...p, value: Number.isNaN(p.value) ? 500 : p.value + 1000 }));
        relogs.push(again);
        round.push(send(again, 1));
      }
      round.push(...batches.slice(i, i + 16).map((b, j) => send(b, j)));
      await Promise.all(round);
    }
    for (const b of [...batches, ...relogs]) for (const p of b) model.get(p.key)!.set(p.step, [p.value, p.wall]);
    await assertSeries(id, model, 'after concurrent batches');
    await assertRollups(id, model, false, 'after concurrent batches');
  } finally {
    await s2.close();
  }
});

/**
 * A forward statement takes its snapshot, then waits for the run's lock while another writer of the run commits:
 * the frontier and open bucket it read are stale. A re-log (the run's seq moved, no count did) and a truncate
 * (a count moved, not the seq) each make it fail on purpose, and the batch is written by the transactional path.
 */
for (const writer of ['re-log', 'truncate'] as const) {
  test(`a forward batch that waited for a ${writer} committed under it folds what is stored now`, async () => {
    const id = await runningRun();
    const model: Model = new Map(PROPERTY_KEYS.map((k) => [k, new Map()]));
    const first = Array.from({ length: 11 }, (_, st) => ({ key: 'a', step: st, value: st, wall: BASE_MS + st }));
    await logPoints(id, first);
    for (const p of first) model.get('a')!.set(p.step, [p.value, p.wall]);
    const moved = telemetry.forwardFrontierMoved;
    const other = await pool.connect();
    try {
      await other.query('BEGIN');
      if (writer === 're-log') await nextIngestSeq(other, id);
      else await lockRun(other, id);
      // Closes bucket 0 (steps 0-15): folds it from the stored level-4 row.
      const closing = logPoints(id, [{ key: 'a', step: 20, value: 20, wall: BASE_MS + 20 }]);
      await waitForLockWait();
      if (writer === 're-log') {
        const again = { key: 'a', step: 5, value: -1000, wallTime: BASE_MS + 5 };
        await upsertPoints(other, id, [again], 99);
        model.get('a')!.set(5, [-1000, BASE_MS + 5]);
      } else {
        await deletePointsAfter(other, id, 7);
        for (const st of [8, 9, 10]) model.get('a')!.delete(st);
      }
      await rebuildSummaries(other, id, ['a']);
      await other.query('COMMIT');
      await closing;
      model.get('a')!.set(20, [20, BASE_MS + 20]);
    } finally {
      other.release();
    }
    assert.equal(telemetry.forwardFrontierMoved, moved + 1, 'the forward statement failed on purpose');
    await assertSeries(id, model, `after a forward batch waited for a ${writer}`);
    await assertRollups(id, model, false, `after a forward batch waited for a ${writer}`);
  });
}

async function waitForLockWait() {
  for (let i = 0; i < 500; i++) {
    const { rowCount } = await pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rowCount) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the forward statement never waited for the run lock');
}

/** Every rollup row of a run, as stored. */
const rollupRows = async (id: string) =>
  (
    await pool.query(
      `SELECT key, level, bucket::float8 AS bucket, count, min_value, max_value, last_step::float8 AS ls, last_value
         FROM metric_rollups WHERE run_id = $1 ORDER BY key, level, bucket`,
      [id],
    )
  ).rows;

test('the migration rebuilds upper buckets written before the fold, and leaves compacted ended runs alone', async () => {
  const MIGRATION = readFileSync(
    path.join(import.meta.dirname, '../../prisma/migrations/20261206190000_rollups_fold_open_buckets/migration.sql'),
    'utf8',
  );
  // A live run whose rollups were written as before the fold: every level of every point, open bucket included.
  const id = await runningRun();
  const model: Model = new Map(PROPERTY_KEYS.map((k) => [k, new Map()]));
  const points: P[] = [];
  for (const [key, last] of [
    ['a', 70],
    ['b', 40],
    ['c', 1023],
  ] as const)
    for (let step = 0; step <= last; step += key === 'c' ? 3 : 1) {
      const value = step % 13 === 0 ? Number.NaN : ((step * 7) % 101) - 50;
      points.push({ key, step, value, wall: BASE_MS + step * 1000 });
      model.get(key)!.set(step, [value, BASE_MS + step * 1000]);
    }
  await logPoints(id, points);
  await pool.query('DELETE FROM metric_rollups WHERE run_id = $1', [id]);
  const asBefore = groupByKey(dedupe(points.map((p) => ({ ...p, wallTime: p.wall }))));
  const c = await pool.connect();
  try {
    await mergeRollups(
      c,
      id,
      asBefore.flatMap((g) => buckets(g)),
    );
  } finally {
    c.release();
  }
  await assert.rejects(assertRollups(id, model, false, 'as written before the fold'), /rollup rows/);
  // An ended, compacted run: levels 4-7 dropped, the levels kept hold every point, as the new code expects.
  const ended = await runningRun();
  await logPoints(
    ended,
    points.filter((p) => p.key === 'a'),
  );
  await s.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id: ended });
  await compactRun(pool, ended, { chunkPoints: 20 });
  const endedRows = await rollupRows(ended);

  await pool.query(MIGRATION);
  await assertRollups(id, model, false, 'after the migration');
  await assertSeries(id, model, 'after the migration');
  assert.deepEqual(await rollupRows(ended), endedRows, 'the compacted ended run is unchanged');
  // The next fold of those open buckets counts their points once.
  const later = PROPERTY_KEYS.map((key) => ({ key, step: 2000, value: 1, wall: BASE_MS + 2e6 }));
  await logPoints(id, later);
  for (const p of later) model.get(p.key)!.set(p.step, [p.value, p.wall]);
  await assertRollups(id, model, false, 'after the open buckets closed');
});
