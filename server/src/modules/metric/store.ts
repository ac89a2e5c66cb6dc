import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { type BucketSummary, type KeySummary, type Point, ROLLUP_LEVELS } from './aggregate.ts';
import { float8Array, int2Array, int4Array, int8Array, textArray } from './pg-arrays.ts';

/**
 * All of the metric module's SQL: the append-only history (metrics), the per-batch record live streams
 * replay from (metric_batches), and the two summaries kept in the same transactions (metric_latest,
 * metric_rollups). Rows come back typed; int8 columns are parsed as numbers by the pool (db/database.ts).
 */

/** A run's summary of one metric key (metric_latest): what run tables and "best" read instead of history. */
export interface LatestRow {
  runId: string;
  key: string;
  count: number;
  firstStep: number;
  lastStep: number;
  lastValue: number;
  lastWallTime: Date;
  min: number | null;
  minStep: number | null;
  max: number | null;
  maxStep: number | null;
}

export interface HistoryPoint {
  key: string;
  step: number;
  value: number;
  wallTime: Date;
}

/**
 * The summaries of these runs, every key or only `keys` (a table showing 4 of 1,500 metrics reads 4), in one
 * query; the per-request loaders batch the runs of a page.
 */
export async function latestForRuns(
  db: pg.Pool,
  runIds: readonly string[],
  keys: readonly string[] | null = null,
): Promise<LatestRow[][]> {
  const { rows } = await db.query<LatestRow>(
    `SELECT run_id AS "runId", key, count, first_step AS "firstStep", last_step AS "lastStep",
            last_value AS "lastValue", last_wall_time AS "lastWallTime", min_value AS min, min_step AS "minStep",
            max_value AS max, max_step AS "maxStep"
       FROM metric_latest WHERE run_id = ANY($1::uuid[]) AND ($2::text[] IS NULL OR key = ANY($2::text[]))
      ORDER BY key`,
    [runIds, keys],
  );
  const byRun = new Map<string, LatestRow[]>(runIds.map((id) => [id, []]));
  for (const r of rows) byRun.get(r.runId)?.push(r);
  return runIds.map((id) => byRun.get(id) ?? []);
}

/** One key's raw history after a step, in step order (paged). */
export async function historyOf(
  db: pg.Pool,
  runId: string,
  key: string,
  afterStep: number,
  limit: number,
): Promise<HistoryPoint[]> {
  const { rows } = await db.query<HistoryPoint>(
    `SELECT key, step, value, wall_time AS "wallTime" FROM metrics
      WHERE run_id = $1 AND key = $2 AND step > $3 ORDER BY step LIMIT $4`,
    [runId, key, afterStep, limit],
  );
  return rows;
}

/** Metric keys logged by an experiment's runs or by the given runs. */
export async function metricKeys(db: pg.Pool, experimentId: string | null, runIds: string[] | null): Promise<string[]> {
  if (experimentId !== null && runIds === null) return experimentMetricKeys(db, experimentId);
  const { rows } = await db.query<{ key: string }>(
    `SELECT DISTINCT ml.key FROM metric_latest ml JOIN runs r ON r.id = ml.run_id
      WHERE ($1::text IS NULL OR r.experiment_id::text = $1) AND ($2::text[] IS NULL OR r.id::text = ANY($2::text[]))
      ORDER BY ml.key`,
    [experimentId, runIds?.map((id) => id.toLowerCase()) ?? null],
  );
  return rows.map((r) => r.key);
}

/**
 * Distinct metric keys of one experiment without reading every (run, key) summary: a loose index scan
 * walks the distinct keys of metric_latest (one index probe each), and each key is kept when some run of
 * the experiment has it. With 1,500 runs x 1,500 metrics: ~60 ms instead of ~6 s for DISTINCT over 2.25 M rows.
 */
async function experimentMetricKeys(db: pg.Pool, experimentId: string): Promise<string[]> {
  if (!isUuid(experimentId)) return [];
  const { rows } = await db.query<{ key: string }>(
    `WITH RECURSIVE k(key) AS (
       (SELECT key FROM metric_latest ORDER BY key LIMIT 1)
       UNION ALL
       SELECT (SELECT ml.key FROM metric_latest ml WHERE ml.key > k.key ORDER BY ml.key LIMIT 1) FROM k WHERE k.key IS NOT NULL
     )
     SELECT key FROM k
      WHERE key IS NOT NULL
        AND EXISTS (SELECT 1 FROM metric_latest ml JOIN runs r ON r.id = ml.run_id
                     WHERE ml.key = k.key AND r.experiment_id = $1::uuid)
      ORDER BY key`,
    [experimentId],
  );
  return rows.map((r) => r.key);
}

// Summaries (metric_latest, metric_rollups).
/**
 * Maintains metric_latest and metric_rollups. The fast path merges a batch's aggregates into the
 * existing rows; when a batch replaced earlier values (or history was truncated) the old extremes may
 * be gone, so those keys are rebuilt from history instead.
 */

const toSeconds = (ms: number) => ms / 1000;

// "first step reaching the extreme" semantics: a tie keeps the earlier step.
const pickExtreme = (col: 'min' | 'max', out: 'value' | 'step') => {
  const better = col === 'min' ? '<' : '>';
  const v = `${col}_value`;
  const target = out === 'value' ? v : `${col}_step`;
  return `CASE WHEN EXCLUDED.${v} IS NULL THEN t.${target}
               WHEN t.${v} IS NULL OR EXCLUDED.${v} ${better} t.${v}
                 OR (EXCLUDED.${v} = t.${v} AND EXCLUDED.${col}_step < t.${col}_step) THEN EXCLUDED.${target}
               ELSE t.${target} END`;
};

/** `$first::type, $first+1::type, ...`: the numbered parameters of an unnest over these array types. */
const arrays = (first: number, types: string[]) => types.map((t, i) => `$${first + i}::${t}[]`).join(', ');

/**
 * Merges per-key aggregates into metric_latest. `run` is the run id (a parameter or a CTE column); for many
 * runs, `r` adds a leading uuid[] of each row's run and `from`/`on` join it to the CTE.
 */
const latestMergeSql = (run: string, from: string, first: number, on = '', r = '') => `INSERT INTO metric_latest
         AS t (run_id, key, first_step, last_step, last_value, last_wall_time, min_value, min_step, max_value, max_step, count)
     SELECT ${run}, k, fs, ls, lv, to_timestamp(lw), mnv, mns, mxv, mxs, n
       FROM ${from}unnest(${arrays(first, [...(r ? ['uuid'] : []), 'text', 'int8', 'int8', 'float8', 'float8', 'float8', 'int8', 'float8', 'int8', 'int8'])})
            AS u(${r}k, fs, ls, lv, lw, mnv, mns, mxv, mxs, n)${on}
     ON CONFLICT (run_id, key) DO UPDATE SET
       first_step = least(t.first_step, EXCLUDED.first_step),
       last_step = greatest(t.last_step, EXCLUDED.last_step),
       last_value = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_value ELSE t.last_value END,
       last_wall_time = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_wall_time ELSE t.last_wall_time END,
       min_value = ${pickExtreme('min', 'value')}, min_step = ${pickExtreme('min', 'step')},
       max_value = ${pickExtreme('max', 'value')}, max_step = ${pickExtreme('max', 'step')},
       count = t.count + EXCLUDED.count`;

const LATEST_MERGE = latestMergeSql('$1', '', 2);

/** The 10 arrays of latestMergeSql. */
const latestParams = (rows: KeySummary[]) => [
  textArray(rows.map((r) => r.key)),
  int8Array(rows.map((r) => r.firstStep)),
  int8Array(rows.map((r) => r.lastStep)),
  float8Array(rows.map((r) => r.lastValue)),
  float8Array(rows.map((r) => toSeconds(r.lastWallTime))),
  float8Array(rows.map((r) => r.minValue)),
  int8Array(rows.map((r) => r.minStep)),
  float8Array(rows.map((r) => r.maxValue)),
  int8Array(rows.map((r) => r.maxStep)),
  int8Array(rows.map((r) => r.count)),
];

export async function mergeLatest(c: pg.ClientBase, runId: string, rows: KeySummary[]): Promise<void> {
  if (rows.length === 0) return;
  await c.query(LATEST_MERGE, [runId, ...latestParams(rows)]);
}

/** Merges per-bucket aggregates into metric_rollups; `run` as in latestMergeSql. */
const rollupMergeSql = (run: string, from: string, first: number, on = '', r = '') => `INSERT INTO metric_rollups
         AS t (run_id, key, level, bucket, min_value, max_value, last_step, last_value, last_wall_time, count)
     SELECT ${run}, k, l, b, mn, mx, ls, lv, to_timestamp(lw), n
       FROM ${from}unnest(${arrays(first, [...(r ? ['uuid'] : []), 'text', 'int2', 'int8', 'float8', 'float8', 'int8', 'float8', 'float8', 'int4'])})
            AS u(${r}k, l, b, mn, mx, ls, lv, lw, n)${on}
     ON CONFLICT (run_id, key, level, bucket) DO UPDATE SET
       min_value = least(t.min_value, EXCLUDED.min_value),
       max_value = greatest(t.max_value, EXCLUDED.max_value),
       last_value = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_value ELSE t.last_value END,
       last_wall_time = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_wall_time ELSE t.last_wall_time END,
       last_step = greatest(t.last_step, EXCLUDED.last_step),
       count = t.count + EXCLUDED.count`;

const ROLLUP_MERGE = rollupMergeSql('$1', '', 2);

/** The 9 arrays of rollupMergeSql. */
const rollupParams = (rows: BucketSummary[]) => [
  textArray(rows.map((r) => r.key)),
  int2Array(rows.map((r) => r.level)),
  int8Array(rows.map((r) => r.bucket)),
  float8Array(rows.map((r) => r.minValue)),
  float8Array(rows.map((r) => r.maxValue)),
  int8Array(rows.map((r) => r.lastStep)),
  float8Array(rows.map((r) => r.lastValue)),
  float8Array(rows.map((r) => toSeconds(r.lastWallTime))),
  int4Array(rows.map((r) => r.count)),
];

export async function mergeRollups(c: pg.ClientBase, runId: string, rows: BucketSummary[]): Promise<void> {
  if (rows.length === 0) return;
  await c.query(ROLLUP_MERGE, [runId, ...rollupParams(rows)]);
}

/** Recomputes both summary tables for some keys of a run from the history (rare path). */
export async function rebuildSummaries(c: pg.ClientBase, runId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await c.query(`DELETE FROM metric_latest WHERE run_id = $1 AND key = ANY($2::text[])`, [runId, keys]);
  await c.query(`DELETE FROM metric_rollups WHERE run_id = $1 AND key = ANY($2::text[])`, [runId, keys]);
  await c.query(
    `INSERT INTO metric_latest (run_id, key, first_step, last_step, last_value, last_wall_time,
                                min_value, min_step, max_value, max_step, count)
     SELECT run_id, key, min(step), max(step),
            (array_agg(value ORDER BY step DESC))[1], (array_agg(wall_time ORDER BY step DESC))[1],
            min(value) FILTER (WHERE value <> 'NaN'),
            (array_agg(step ORDER BY value ASC, step ASC) FILTER (WHERE value <> 'NaN'))[1],
            max(value) FILTER (WHERE value <> 'NaN'),
            (array_agg(step ORDER BY value DESC, step ASC) FILTER (WHERE value <> 'NaN'))[1],
            count(*)
       FROM metrics WHERE run_id = $1 AND key = ANY($2::text[]) GROUP BY run_id, key`,
    [runId, keys],
  );
  await c.query(
    `INSERT INTO metric_rollups (run_id, key, level, bucket, min_value, max_value, last_step, last_value,
                                 last_wall_time, count)
     SELECT m.run_id, m.key, l.level, m.step >> l.level AS bucket,
            min(m.value) FILTER (WHERE m.value <> 'NaN'), max(m.value) FILTER (WHERE m.value <> 'NaN'),
            max(m.step), (array_agg(m.value ORDER BY m.step DESC))[1],
            (array_agg(m.wall_time ORDER BY m.step DESC))[1], count(*)
       FROM metrics m CROSS JOIN unnest($3::int2[]) AS l(level)
      WHERE m.run_id = $1 AND m.key = ANY($2::text[])
      GROUP BY m.run_id, m.key, l.level, bucket`,
    [runId, keys, ROLLUP_LEVELS],
  );
}

// Ingest (see ingest.ts: one transaction per request, the run row locked by RunState.beginIngest).

/** Rows per INSERT statement: bounds statement size; the whole request is still one transaction. */
const CHUNK = 5000;

const UPSERT_SQL = `WITH ins AS (
     INSERT INTO metrics (run_id, key, step, value, wall_time, seq)
     SELECT $1, k, s, v, to_timestamp(w), $6
       FROM unnest($2::text[], $3::int8[], $4::float8[], $5::float8[]) AS u(k, s, v, w)
     ON CONFLICT (run_id, key, step) DO UPDATE
       SET value = EXCLUDED.value, wall_time = EXCLUDED.wall_time, seq = EXCLUDED.seq
     RETURNING key, xmax::text <> '0' AS replaced)
   SELECT DISTINCT key FROM ins WHERE replaced`;

const APPEND_SQL = `INSERT INTO metrics (run_id, key, step, value, wall_time, seq)
   SELECT $1, k, s, v, to_timestamp(w), $6
     FROM unnest($2::text[], $3::int8[], $4::float8[], $5::float8[]) AS u(k, s, v, w)`;

const chunkParams = (runId: string, chunk: Point[], seq: number) => [
  runId,
  textArray(chunk.map((p) => p.key)),
  int8Array(chunk.map((p) => p.step)),
  float8Array(chunk.map((p) => p.value)),
  float8Array(chunk.map((p) => p.wallTime / 1000)),
  seq,
];

/** The last stored step of each of these keys of a run (keys never logged are absent). */
export async function lastSteps(c: pg.ClientBase, runId: string, keys: string[]): Promise<Map<string, number>> {
  const { rows } = await c.query<{ key: string; lastStep: number | string }>(
    `SELECT key, last_step AS "lastStep" FROM metric_latest WHERE run_id = $1 AND key = ANY($2::text[])`,
    [runId, keys],
  );
  return new Map(rows.map((r) => [r.key, Number(r.lastStep)]));
}

/**
 * Inserts points known to be past every stored step of their keys with a plain INSERT (no speculative
 * insertion, no RETURNING: ~20% of the statement on 5k-row chunks). False, with nothing written, if a point
 * existed after all: the savepoint only matters if that invariant were ever broken.
 */
export async function appendPoints(c: pg.ClientBase, runId: string, points: Point[], seq: number): Promise<boolean> {
  await c.query('SAVEPOINT append_only');
  try {
    for (let i = 0; i < points.length; i += CHUNK)
      await c.query(APPEND_SQL, chunkParams(runId, points.slice(i, i + CHUNK), seq));
    await c.query('RELEASE SAVEPOINT append_only');
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    await c.query('ROLLBACK TO SAVEPOINT append_only');
    return false;
  }
}

/** Inserts or replaces points per (run, key, step); returns the keys where some point was replaced. */
export async function upsertPoints(
  c: pg.ClientBase,
  runId: string,
  points: Point[],
  seq: number,
): Promise<Set<string>> {
  const replaced = new Set<string>();
  for (let i = 0; i < points.length; i += CHUNK) {
    const { rows } = await c.query<{ key: string }>(UPSERT_SQL, chunkParams(runId, points.slice(i, i + CHUNK), seq));
    for (const r of rows) replaced.add(r.key);
  }
  return replaced;
}

/** One forward batch of a run, aggregated (aggregate.ts), for appendBatches. */
export interface ForwardBatch {
  runId: string;
  points: Point[];
  latest: KeySummary[];
  rollups: BucketSummary[];
  /** NoticePoint[] as JSON, or null when the points do not go in the NOTIFY. */
  noticePoints: string | null;
}

/**
 * Forward batches of distinct runs in one statement, sent alone (autocommit: its own transaction, one round
 * trip, one commit): RunState's seq statement as CTE `run`, then every batch's points (a plain INSERT: a point
 * that already exists fails the whole statement with 23505 and nothing is written), the two summaries merged,
 * the batch records, and the NOTIFYs (pubsub ingestNoticesSql), all committed together. Several trainers'
 * batches share one commit (ingest.ts ForwardGroups): a NOTIFYing commit holds PostgreSQL's cluster-wide
 * notify lock through its WAL flush, so commits with NOTIFY cannot overlap (docs/performance.md).
 * Returns a row per batch whose run accepted it; a named statement, parsed and planned once per connection.
 */
export async function appendBatches(
  db: pg.Pool,
  sql: { runSeq: string; notices: (pointsParam: string) => string },
  batches: ForwardBatch[],
): Promise<{ id: string; seq: number }[]> {
  const each = <T>(f: (b: ForwardBatch) => T[]) => batches.flatMap(f);
  const ids = (f: (b: ForwardBatch) => unknown[]) => batches.flatMap((b) => f(b).map(() => b.runId));
  const { rows } = await db.query<{ id: string; seq: number }>({
    name: 'metric-append-batches',
    text: appendBatchesSql(sql.runSeq, sql.notices('n.points::json')),
    values: [
      batches.map((b) => b.runId),
      batches.map((b) => b.noticePoints),
      ids((b) => b.points),
      ...chunkParams(
        '',
        each((b) => b.points),
        0,
      ).slice(1, 5),
      ids((b) => b.latest),
      ...latestParams(each((b) => b.latest)),
      ids((b) => b.rollups),
      ...rollupParams(each((b) => b.rollups)),
    ],
  });
  return rows;
}

// Parameters: $1 the runs (in RunState's statement), $2 each run's notice points; $3-$7 points with their run,
// $8-$18 key summaries with their run, $19-$28 bucket summaries with their run.
const appendBatchesSql = (runSeq: string, notices: string) => `WITH run AS (${runSeq}),
  points AS (
    INSERT INTO metrics (run_id, key, step, value, wall_time, seq)
    SELECT run.id, k, s, v, to_timestamp(w), run.seq
      FROM unnest(${arrays(3, ['uuid', 'text', 'int8', 'float8', 'float8'])}) AS u(r, k, s, v, w)
      JOIN run ON run.id = u.r),
  latest AS (${latestMergeSql('run.id', 'run JOIN ', 8, ' ON run.id = u.r', 'r, ')}),
  rollups AS (${rollupMergeSql('run.id', 'run JOIN ', 19, ' ON run.id = u.r', 'r, ')}),
  batch AS (
    INSERT INTO metric_batches (run_id, seq, keys, min_step, max_step)
    SELECT run.id, run.seq, b.keys, b.min_step, b.max_step
      FROM run JOIN (SELECT r, array_agg(DISTINCT k) AS keys, min(s) AS min_step, max(s) AS max_step
                       FROM unnest($3::uuid[], $4::text[], $5::int8[]) AS u(r, k, s) GROUP BY r) b ON b.r = run.id)
  SELECT run.id, run.seq, ${notices}
    FROM run JOIN unnest($1::uuid[], $2::text[]) AS n(r, points) ON n.r = run.id`;

/** The record of one logMetrics batch: what a live stream replays by seq. */
export async function insertBatch(
  c: pg.ClientBase,
  batch: { runId: string; seq: number; keys: string[]; minStep: number; maxStep: number },
): Promise<void> {
  await c.query(`INSERT INTO metric_batches (run_id, seq, keys, min_step, max_step) VALUES ($1, $2, $3, $4, $5)`, [
    batch.runId,
    batch.seq,
    batch.keys,
    batch.minStep,
    batch.maxStep,
  ]);
}

/** Deletes a run's points after a step; returns how many went per key. */
export async function deletePointsAfter(
  c: pg.ClientBase,
  runId: string,
  afterStep: number,
): Promise<{ key: string; n: number }[]> {
  const { rows } = await c.query<{ key: string; n: number }>(
    `WITH del AS (DELETE FROM metrics WHERE run_id = $1 AND step > $2 RETURNING key)
     SELECT key, count(*)::int AS n FROM del GROUP BY key`,
    [runId, afterStep],
  );
  return rows;
}

// Live stream reads (live.ts).

export interface BatchPoint {
  key: string;
  step: number;
  value: number;
  wallTime: Date;
}

/** Every batch after each run's given seq, in (run, seq) order. */
export async function batchesAfter(
  db: pg.Pool,
  after: ReadonlyMap<string, number>,
): Promise<{ runId: string; seq: number }[]> {
  const { rows } = await db.query<{ runId: string; seq: number }>(
    `SELECT b.run_id AS "runId", b.seq FROM unnest($1::uuid[], $2::int8[]) AS q(run_id, after)
       JOIN metric_batches b ON b.run_id = q.run_id AND b.seq > q.after ORDER BY b.run_id, b.seq`,
    [[...after.keys()], [...after.values()]],
  );
  return rows;
}

/** The points one batch wrote (and still holds: a later batch may have replaced some). */
export async function pointsOfBatch(db: pg.Pool, runId: string, seq: number): Promise<BatchPoint[]> {
  const { rows } = await db.query<BatchPoint>(
    `SELECT m.key, m.step, m.value, m.wall_time AS "wallTime"
       FROM metric_batches b JOIN metrics m
         ON m.run_id = b.run_id AND m.key = ANY(b.keys) AND m.step BETWEEN b.min_step AND b.max_step AND m.seq = b.seq
      WHERE b.run_id = $1 AND b.seq = $2 ORDER BY m.key, m.step`,
    [runId, seq],
  );
  return rows;
}

// Series reads (series.ts plans which one each (run, key) pair gets).

/** One series as JSON arrays: steps, values, per-bucket min/max (null for raw points), wall times in ms. */
export type SeriesRow = {
  runId: string;
  key: string;
  s: number[];
  v: (number | string)[];
  mn: (number | string | null)[] | null;
  mx: (number | string | null)[] | null;
  w: number[];
};

// One LATERAL read per (run, key) pair over its ordered index range; see metricSeries.
export const RAW_SQL = `SELECT q.run_id AS "runId", q.key, a.s, a.v, NULL AS mn, NULL AS mx, a.w
     FROM unnest($1::uuid[], $2::text[]) AS q(run_id, key)
     CROSS JOIN LATERAL (
       SELECT json_agg(m.step) AS s, json_agg(m.value) AS v,
              json_agg(round(date_part('epoch', m.wall_time) * 1000)) AS w
         FROM (SELECT step, value, wall_time FROM metrics
                WHERE run_id = q.run_id AND key = q.key ORDER BY step) m
     ) a
    WHERE a.s IS NOT NULL`;

export const ROLLUP_SQL = `SELECT q.run_id AS "runId", q.key, a.s, a.v, a.mn, a.mx, a.w
     FROM unnest($1::uuid[], $2::text[], $3::int2[]) AS q(run_id, key, level)
     CROSS JOIN LATERAL (
       SELECT json_agg(m.last_step) AS s, json_agg(m.last_value) AS v, json_agg(m.min_value) AS mn,
              json_agg(m.max_value) AS mx, json_agg(round(date_part('epoch', m.last_wall_time) * 1000)) AS w
         FROM (SELECT last_step, last_value, min_value, max_value, last_wall_time FROM metric_rollups
                WHERE run_id = q.run_id AND key = q.key AND level = q.level ORDER BY bucket) m
     ) a
    WHERE a.s IS NOT NULL`;

// Buckets of `width` steps computed from raw history (series at most 8x maxPoints long), in the same
// shape as a rollup bucket: the last point, and min/max ignoring NaN. One LATERAL read per pair, sorted by
// (bucket, step) so the grouping needs no second sort and each bucket's rows arrive in step order: the
// last point is then the last array element (3-4x faster than a GROUP BY over the join with
// array_agg(... ORDER BY step DESC) per bucket, same result).
export const BUCKET_SQL = `SELECT q.run_id AS "runId", q.key, a.s, a.v, a.mn, a.mx, a.w
     FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::int8[]) AS q(run_id, key, first, width)
     CROSS JOIN LATERAL (
       SELECT json_agg(b.last_step) AS s, json_agg(b.last_value) AS v, json_agg(b.min_value) AS mn,
              json_agg(b.max_value) AS mx, json_agg(round(date_part('epoch', b.last_wall_time) * 1000)) AS w
         FROM (SELECT m.bucket, max(m.step) AS last_step,
                      (array_agg(m.value))[count(*)] AS last_value,
                      (array_agg(m.wall_time))[count(*)] AS last_wall_time,
                      min(m.value) FILTER (WHERE m.value <> 'NaN') AS min_value,
                      max(m.value) FILTER (WHERE m.value <> 'NaN') AS max_value
                 FROM (SELECT (step - q.first) / q.width AS bucket, step, value, wall_time FROM metrics
                        WHERE run_id = q.run_id AND key = q.key ORDER BY 1, step) m
                GROUP BY m.bucket ORDER BY m.bucket) b
     ) a
    WHERE a.s IS NOT NULL`;

/** Each pair's count and step range (metric_latest): what series.ts plans the read with. */
export async function seriesExtents(
  db: pg.Pool,
  runIds: string[],
  keys: string[],
): Promise<{ runId: string; key: string; count: number; firstStep: number; lastStep: number }[]> {
  const { rows } = await db.query<{ runId: string; key: string; count: number; firstStep: number; lastStep: number }>(
    `SELECT run_id AS "runId", key, count, first_step AS "firstStep", last_step AS "lastStep"
       FROM metric_latest WHERE run_id = ANY($1::uuid[]) AND key = ANY($2::text[])`,
    [runIds, keys],
  );
  return rows;
}

const seriesRows = (db: pg.Pool, sql: string, params: unknown[]) =>
  db.query<SeriesRow>(sql, params).then((r) => r.rows);

/** Raw history of each pair. */
export const rawSeries = (db: pg.Pool, pairs: { runId: string; key: string }[]) =>
  seriesRows(db, RAW_SQL, [pairs.map((p) => p.runId), pairs.map((p) => p.key)]);

/** Each pair bucketed from raw history: buckets of `width` steps counted from `first`. */
export const bucketedSeries = (db: pg.Pool, pairs: { runId: string; key: string; first: number; width: number }[]) =>
  seriesRows(db, BUCKET_SQL, [
    pairs.map((p) => p.runId),
    pairs.map((p) => p.key),
    pairs.map((p) => p.first),
    pairs.map((p) => p.width),
  ]);

/** Each pair read from one rollup level. */
export const rolledSeries = (db: pg.Pool, pairs: { runId: string; key: string; level: number }[]) =>
  seriesRows(db, ROLLUP_SQL, [pairs.map((p) => p.runId), pairs.map((p) => p.key), pairs.map((p) => p.level)]);

// compareRuns (compare.ts).

export interface ComparedLatest {
  runId: string;
  key: string;
  lastStep: number;
  lastValue: number;
  minValue: number | null;
  minStep: number | null;
  maxValue: number | null;
  maxStep: number | null;
}

/** The final and extreme values of these runs' keys (all keys when `keys` is null). */
export async function comparedLatest(db: pg.Pool, runIds: string[], keys: string[] | null): Promise<ComparedLatest[]> {
  const { rows } = await db.query<ComparedLatest>(
    `SELECT run_id AS "runId", key, last_step AS "lastStep", last_value AS "lastValue", min_value AS "minValue",
            min_step AS "minStep", max_value AS "maxValue", max_step AS "maxStep"
       FROM metric_latest WHERE run_id = ANY($1::uuid[]) AND ($2::text[] IS NULL OR key = ANY($2::text[]))
      ORDER BY key`,
    [runIds, keys],
  );
  return rows;
}
