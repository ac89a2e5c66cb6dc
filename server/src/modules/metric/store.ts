import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import {
  type BucketSummary,
  FOLDED_LEVELS,
  type KeySummary,
  OPEN_LEVEL,
  type Point,
  ROLLUP_LEVELS,
} from './aggregate.ts';
import { float8Array, float8ArrayExact, int2Array, int4Array, int8Array, textArray, uuidArray } from './pg-arrays.ts';

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

/** One key's rows after a step, in step order (paged); history.ts adds the chunks. */
export async function historyRows(
  db: pg.Pool | pg.ClientBase,
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
 * be gone, so those keys are rebuilt from history instead. metric_rollups keeps level 4 of every point and the
 * levels above only for points before the pair's open level-4 bucket (aggregate.ts OPEN_LEVEL): every writer
 * below keeps that, and rolledSeries merges the open bucket back in.
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
const latestMergeSql = (
  run: string,
  from: string,
  first: number,
  on = '',
  r = '',
  returning = '',
) => `INSERT INTO metric_latest
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
       count = t.count + EXCLUDED.count${returning}`;

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

const ROLLUP_COLUMNS = 'run_id, key, level, bucket, min_value, max_value, last_step, last_value, last_wall_time, count';

/** How a bucket merges into a stored one: extremes ignore NULL (no non-NaN value), the later last point wins. */
const ROLLUP_CONFLICT = `ON CONFLICT (run_id, key, level, bucket) DO UPDATE SET
       min_value = least(t.min_value, EXCLUDED.min_value),
       max_value = greatest(t.max_value, EXCLUDED.max_value),
       last_value = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_value ELSE t.last_value END,
       last_wall_time = CASE WHEN EXCLUDED.last_step >= t.last_step THEN EXCLUDED.last_wall_time ELSE t.last_wall_time END,
       last_step = greatest(t.last_step, EXCLUDED.last_step),
       count = t.count + EXCLUDED.count`;

/** Merges per-bucket aggregates of any levels into metric_rollups (rebuilds from history). */
const ROLLUP_MERGE = `INSERT INTO metric_rollups AS t (${ROLLUP_COLUMNS})
     SELECT $1, k, l, b, mn, mx, ls, lv, to_timestamp(lw), n
       FROM unnest(${arrays(2, ['text', 'int2', 'int8', 'float8', 'float8', 'int8', 'float8', 'float8', 'int4'])})
            AS u(k, l, b, mn, mx, ls, lv, lw, n)
     ${ROLLUP_CONFLICT}`;

/** The levels above OPEN_LEVEL as an SQL array literal. */
const FOLDED = `'{${FOLDED_LEVELS.join(',')}}'::int2[]`;

/**
 * A batch's level-4 buckets (CTE `l4`: r, k, b, mn, mx, ls, lv, lw, n) merged into metric_rollups, as CTEs
 * `rollups`, `front` and `folded` (issue #24, "fold on close"). Level 4 takes every bucket. The levels above take
 * what moves before the pair's frontier: the batch's buckets before its new open bucket o_new (points logged
 * into closed ranges, and the buckets this batch closed) and, when the open bucket moved (o_old < o_new), the
 * stored level-4 bucket o_old that just closed. The stored row and metric_latest are read in the statement's
 * snapshot, so neither includes this batch: nothing is counted twice, and the frontier is the one before it.
 * One grouped upsert, one row per level and upper bucket; a batch inside the open bucket writes nothing here.
 * The caller holds the run's lock with a snapshot taken after it, or checks that it was (appendBatchesSql).
 * `front` also carries each pair's stored count and the batch's, for that check.
 */
const foldSql = (l4: string) => `l4 AS (${l4}),
  rollups AS (
    INSERT INTO metric_rollups AS t (${ROLLUP_COLUMNS})
    SELECT r, k, ${OPEN_LEVEL}, b, mn, mx, ls, lv, lw, n FROM l4
    ${ROLLUP_CONFLICT}),
  front AS (
    SELECT f.r, f.k, f.n, ml.count AS old_count, ml.last_step >> ${OPEN_LEVEL} AS o_old,
           greatest(ml.last_step, f.ls) >> ${OPEN_LEVEL} AS o_new
      FROM (SELECT r, k, max(ls) AS ls, sum(n) AS n FROM l4 GROUP BY r, k) f
      LEFT JOIN metric_latest ml ON ml.run_id = f.r AND ml.key = f.k),
  folded AS (
    INSERT INTO metric_rollups AS t (${ROLLUP_COLUMNS})
    SELECT s.r, s.k, l.level, s.b >> (l.level - ${OPEN_LEVEL}), min(s.mn), max(s.mx), max(s.ls),
           (array_agg(s.lv ORDER BY s.ls DESC))[1], (array_agg(s.lw ORDER BY s.ls DESC))[1], sum(s.n)::int4
      FROM (SELECT l4.r, l4.k, l4.b, l4.mn, l4.mx, l4.ls, l4.lv, l4.lw, l4.n
              FROM l4 JOIN front f ON f.r = l4.r AND f.k = l4.k WHERE l4.b < f.o_new
            UNION ALL
            SELECT o.run_id, o.key, o.bucket, o.min_value, o.max_value, o.last_step, o.last_value, o.last_wall_time, o.count
              FROM front f JOIN metric_rollups o
                ON o.run_id = f.r AND o.key = f.k AND o.level = ${OPEN_LEVEL} AND o.bucket = f.o_old
             WHERE f.o_old < f.o_new) s
      CROSS JOIN unnest(${FOLDED}) AS l(level)
     GROUP BY s.r, s.k, l.level, s.b >> (l.level - ${OPEN_LEVEL})
    ${ROLLUP_CONFLICT})`;

/** The level-4 bucket rows of a batch as `l4`; `run` and the rest as in latestMergeSql. */
const level4Sql = (run: string, from: string, first: number, on = '', r = '') =>
  `SELECT ${run} AS r, k, b, mn, mx, ls, lv, to_timestamp(lw) AS lw, n
     FROM ${from}unnest(${arrays(first, [...(r ? ['uuid'] : []), 'text', 'int8', 'float8', 'float8', 'int8', 'float8', 'float8', 'int4'])})
          AS u(${r}k, b, mn, mx, ls, lv, lw, n)${on}`;

const ROLLUP_FOLD = `WITH ${foldSql(level4Sql('$1::uuid', '', 2))} SELECT 1`;

/** The 9 arrays of ROLLUP_MERGE. */
const rollupParams = (rows: BucketSummary[], levels = true) => [
  textArray(rows.map((r) => r.key)),
  levels ? int2Array(rows.map((r) => r.level)) : null,
  int8Array(rows.map((r) => r.bucket)),
  float8Array(rows.map((r) => r.minValue)),
  float8Array(rows.map((r) => r.maxValue)),
  int8Array(rows.map((r) => r.lastStep)),
  float8Array(rows.map((r) => r.lastValue)),
  float8Array(rows.map((r) => toSeconds(r.lastWallTime))),
  int4Array(rows.map((r) => r.count)),
];

/** The 8 arrays of level4Sql: ROLLUP_MERGE's without the levels (all OPEN_LEVEL). */
const level4Params = (rows: BucketSummary[]) => {
  const [keys, , ...rest] = rollupParams(rows, false);
  return [keys, ...rest];
};

/** Stores rollup rows as they are (rebuilds from history: the caller computed every level, see settledBuckets). */
export async function mergeRollups(c: pg.ClientBase, runId: string, rows: BucketSummary[]): Promise<void> {
  if (rows.length === 0) return;
  await c.query(ROLLUP_MERGE, [runId, ...rollupParams(rows)]);
}

/**
 * Merges a batch's level-4 buckets (new points only: replaced ones are rebuilt) and folds what closed into the
 * levels above (foldSql). Under the run's lock and before mergeLatest: the frontier is read from metric_latest.
 */
export async function foldRollups(c: pg.ClientBase, runId: string, level4: BucketSummary[]): Promise<void> {
  if (level4.length === 0) return;
  await c.query(ROLLUP_FOLD, [runId, ...level4Params(level4)]);
}

/** Deletes both summaries of some keys of a run (before they are rebuilt). */
export async function deleteSummaries(c: pg.ClientBase, runId: string, keys: string[]): Promise<void> {
  await c.query(`DELETE FROM metric_latest WHERE run_id = $1 AND key = ANY($2::text[])`, [runId, keys]);
  await c.query(`DELETE FROM metric_rollups WHERE run_id = $1 AND key = ANY($2::text[])`, [runId, keys]);
}

/**
 * Recomputes both summary tables for some keys of a run from their rows (rare path). Only for keys without
 * chunks: history.ts's rebuildSummaries decides. The levels above 4 take the points before the frontier, read
 * from the metric_latest row just rebuilt (see OPEN_LEVEL).
 */
export async function rebuildSummaries(c: pg.ClientBase, runId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await deleteSummaries(c, runId, keys);
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
       FROM metrics m JOIN metric_latest ml ON ml.run_id = m.run_id AND ml.key = m.key
            CROSS JOIN unnest($3::int2[]) AS l(level)
      WHERE m.run_id = $1 AND m.key = ANY($2::text[])
        AND (l.level = ${OPEN_LEVEL} OR m.step < (ml.last_step >> ${OPEN_LEVEL}) << ${OPEN_LEVEL})
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
  /** level-4 buckets only: the statement folds the levels above (foldSql) */
  rollups: BucketSummary[];
  /** NoticePoint[] as JSON, or null when the points do not go in the NOTIFY. */
  noticePoints: string | null;
}

/**
 * Forward batches of distinct runs in one statement, sent alone (autocommit: its own transaction, one round
 * trip, one commit): RunState's seq statement as CTE `run`, then every batch's points (a plain INSERT: a point
 * that already exists fails the whole statement with 23505 and nothing is written), the two summaries merged
 * (the rollups' closed buckets folded, foldSql), the batch records, and the NOTIFYs (pubsub ingestNoticesSql),
 * all committed together. The fold reads each pair's frontier in the statement's snapshot, taken before `run`
 * waits for the run's lock: if another writer of the run committed in between (the run's seq moved by more than
 * this statement's step, or a pair's count by more than the batch), the statement fails with FRONTIER_MOVED. Several trainers'
 * batches share one commit (ingest.ts ForwardGroups): a NOTIFYing commit holds PostgreSQL's cluster-wide
 * notify lock through its WAL flush, so commits with NOTIFY cannot overlap (docs/performance.md).
 * Returns a row per batch whose run accepted it; a named statement, parsed and planned once per connection.
 */
export async function appendBatches(
  db: pg.Pool,
  sql: { runSeq: (runs: string) => string; notices: (pointsParam: string) => string },
  batches: ForwardBatch[],
): Promise<{ id: string; seq: number }[]> {
  const each = <T>(f: (b: ForwardBatch) => T[]) => batches.flatMap(f);
  const ids = (f: (b: ForwardBatch) => unknown[]) => uuidArray(batches.flatMap((b) => f(b).map(() => b.runId)));
  const { rows } = await db.query<{ id: string; seq: number }>({
    name: 'metric-append-batches',
    text: appendBatchesSql(sql.runSeq, sql.notices('n.points::json')),
    values: [
      uuidArray(batches.map((b) => b.runId)),
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
      ...level4Params(each((b) => b.rollups)),
    ],
  });
  return rows;
}

/**
 * In the message of the error appendBatches raises when a run's summaries changed between the statement's
 * snapshot and its lock on the run (another writer of the run committed meanwhile): the fold read a stale
 * frontier, so nothing is written and each batch takes the transactional path (ForwardGroups).
 */
export const FRONTIER_MOVED = 'metric frontier moved under a forward batch';

// Parameters: $1 the runs (in RunState's statement), $2 each run's notice points; $3-$7 points with their run,
// $8-$18 key summaries with their run, $19-$27 level-4 bucket summaries with their run.
// A batch reaching back to a compacted step (metric_chunks, issue #23) is no plain append: the INSERT would not
// see the point in the chunk and would store the step twice. Such a run is left out of `run` (nothing of its
// batch is written, no seq taken), so its request takes the transactional path, which restores the chunk first.
const appendBatchesSql = (runSeq: (runs: string) => string, notices: string) => `WITH clear AS (
    SELECT b.r FROM unnest($1::uuid[]) AS b(r)
     WHERE NOT EXISTS (
       SELECT 1 FROM (SELECT r, k, min(s) AS s FROM unnest($3::uuid[], $4::text[], $5::int8[]) AS u(r, k, s)
                        GROUP BY r, k) f
         JOIN metric_chunks c ON c.run_id = f.r AND c.key = f.k AND c.last_step >= f.s
        WHERE f.r = b.r)),
  run AS (${runSeq('ARRAY(SELECT r FROM clear)')}),
  points AS (
    INSERT INTO metrics (run_id, key, step, value, wall_time, seq)
    SELECT run.id, k, s, v, to_timestamp(w), run.seq
      FROM unnest(${arrays(3, ['uuid', 'text', 'int8', 'float8', 'float8'])}) AS u(r, k, s, v, w)
      JOIN run ON run.id = u.r),
  latest AS (${latestMergeSql('run.id', 'run JOIN ', 8, ' ON run.id = u.r', 'r, ', ' RETURNING run_id, key, count')}),
  ${foldSql(level4Sql('run.id', 'run JOIN ', 19, ' ON run.id = u.r', 'r, '))},
  batch AS (
    INSERT INTO metric_batches (run_id, seq, keys, min_step, max_step)
    SELECT run.id, run.seq, b.keys, b.min_step, b.max_step
      FROM run JOIN (SELECT r, array_agg(DISTINCT k) AS keys, min(s) AS min_step, max(s) AS max_step
                       FROM unnest($3::uuid[], $4::text[], $5::int8[]) AS u(r, k, s) GROUP BY r) b ON b.r = run.id)
  SELECT run.id, run.seq, ${notices},
         CASE WHEN run.seq <> (SELECT o.seq FROM runs o WHERE o.id = run.id) + 1
                OR EXISTS (SELECT 1 FROM latest l JOIN front f ON f.r = l.run_id AND f.k = l.key
                            WHERE l.run_id = run.id AND l.count <> coalesce(f.old_count, 0) + f.n)
              THEN ('${FRONTIER_MOVED}: ' || run.id)::int END AS moved
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

/** The rows one batch wrote (and still holds: a later batch may have replaced some); history.ts adds chunks. */
export async function pointsOfBatchRows(db: pg.Pool, runId: string, seq: number): Promise<BatchPoint[]> {
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
  /** null when not asked for (see SeriesExtras) */
  w: number[] | null;
};

/**
 * The columns a read builds besides steps and values. A reader that draws only lines (the workspace:
 * 1,000 runs x 4 keys) asks for neither: building the extremes and wall times was ~45% of PostgreSQL's
 * time for that read and ~60% of the bytes.
 */
export interface SeriesExtras {
  extremes: boolean;
  wallTime: boolean;
}
export const ALL_EXTRAS: SeriesExtras = { extremes: true, wallTime: true };

/** The aggregate list of a series read; columns not asked for are NULL, so PostgreSQL never builds them. */
function seriesAggs(x: SeriesExtras, c: { s: string; v: string; mn: string; mx: string; w: string }): string {
  return [
    `json_agg(${c.s}) AS s`,
    `json_agg(${c.v}) AS v`,
    x.extremes && c.mn !== 'NULL' ? `json_agg(${c.mn}) AS mn` : 'NULL::json AS mn',
    x.extremes && c.mx !== 'NULL' ? `json_agg(${c.mx}) AS mx` : 'NULL::json AS mx',
    x.wallTime ? `json_agg(round(date_part('epoch', ${c.w}) * 1000)) AS w` : 'NULL::json AS w',
  ].join(', ');
}

// One LATERAL read per (run, key) pair over its ordered index range; see metricSeries.
export const rawSql = (x: SeriesExtras) => `SELECT q.run_id AS "runId", q.key, a.s, a.v, NULL AS mn, NULL AS mx, a.w
     FROM unnest($1::uuid[], $2::text[]) AS q(run_id, key)
     CROSS JOIN LATERAL (
       SELECT ${seriesAggs(x, { s: 'm.step', v: 'm.value', mn: 'NULL', mx: 'NULL', w: 'm.wall_time' })}
         FROM (SELECT step, value, wall_time FROM metrics
                WHERE run_id = q.run_id AND key = q.key ORDER BY step) m
     ) a
    WHERE a.s IS NOT NULL`;

// A level above 4 lacks the points of the pair's open level-4 bucket (aggregate.ts OPEN_LEVEL): `o` is that bucket
// (last step, last value, min, max, wall time ms), two index probes per pair, merged in by withOpenBucket.
export const rollupSql = (x: SeriesExtras) => `SELECT q.run_id AS "runId", q.key, a.s, a.v, a.mn, a.mx, a.w, o.o
     FROM unnest($1::uuid[], $2::text[], $3::int2[]) AS q(run_id, key, level)
     CROSS JOIN LATERAL (
       SELECT ${seriesAggs(x, { s: 'm.last_step', v: 'm.last_value', mn: 'm.min_value', mx: 'm.max_value', w: 'm.last_wall_time' })}
         FROM (SELECT last_step, last_value, min_value, max_value, last_wall_time FROM metric_rollups
                WHERE run_id = q.run_id AND key = q.key AND level = q.level ORDER BY bucket) m
     ) a
     LEFT JOIN LATERAL (
       SELECT json_build_array(r.last_step, r.last_value, r.min_value, r.max_value,
                               round(date_part('epoch', r.last_wall_time) * 1000)) AS o
         FROM metric_latest ml JOIN metric_rollups r
           ON r.run_id = ml.run_id AND r.key = ml.key AND r.level = ${OPEN_LEVEL} AND r.bucket = ml.last_step >> ${OPEN_LEVEL}
        WHERE q.level > ${OPEN_LEVEL} AND ml.run_id = q.run_id AND ml.key = q.key
     ) o ON true
    WHERE a.s IS NOT NULL OR o.o IS NOT NULL`;
export const ROLLUP_SQL = rollupSql(ALL_EXTRAS);

// Buckets of `width` steps computed from raw history (series at most 8x maxPoints long), in the same
// shape as a rollup bucket: the last point, and min/max ignoring NaN. One LATERAL read per pair, sorted by
// (bucket, step) so the grouping needs no second sort and each bucket's rows arrive in step order: the
// last point is then the last array element (3-4x faster than a GROUP BY over the join with
// array_agg(... ORDER BY step DESC) per bucket, same result).
export const bucketSql = (x: SeriesExtras) => `SELECT q.run_id AS "runId", q.key, a.s, a.v, a.mn, a.mx, a.w
     FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::int8[]) AS q(run_id, key, first, width)
     CROSS JOIN LATERAL (
       SELECT ${seriesAggs(x, { s: 'b.last_step', v: 'b.last_value', mn: 'b.min_value', mx: 'b.max_value', w: 'b.last_wall_time' })}
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

const seriesRows = (db: pg.Pool | pg.ClientBase, sql: string, params: unknown[]) =>
  db.query<SeriesRow>(sql, params).then((r) => r.rows);

/** Raw history of each pair. */
export const rawSeries = (
  db: pg.Pool | pg.ClientBase,
  pairs: { runId: string; key: string }[],
  x: SeriesExtras = ALL_EXTRAS,
) => seriesRows(db, rawSql(x), [pairs.map((p) => p.runId), pairs.map((p) => p.key)]);

/** Each pair bucketed from raw history: buckets of `width` steps counted from `first`. */
export const bucketedSeries = (
  db: pg.Pool,
  pairs: { runId: string; key: string; first: number; width: number }[],
  x: SeriesExtras = ALL_EXTRAS,
) =>
  seriesRows(db, bucketSql(x), [
    pairs.map((p) => p.runId),
    pairs.map((p) => p.key),
    pairs.map((p) => p.first),
    pairs.map((p) => p.width),
  ]);

/** Each pair read from one rollup level, its open level-4 bucket merged in. */
export const rolledSeries = async (
  db: pg.Pool,
  pairs: { runId: string; key: string; level: number }[],
  x: SeriesExtras = ALL_EXTRAS,
) => {
  const rows = await seriesRows(db, rollupSql(x), [
    pairs.map((p) => p.runId),
    pairs.map((p) => p.key),
    pairs.map((p) => p.level),
  ]);
  const levels = new Map(pairs.map((p) => [`${p.runId}\u0000${p.key}`, p.level]));
  return rows.map((r) => withOpenBucket(r, levels.get(`${r.runId}\u0000${r.key}`)!, x));
};

type Open = [number, number | string, number | string | null, number | string | null, number];

/** The lesser (or greater) of two extremes as the JSON encodes them (numbers, "Infinity", "-Infinity"); null is none. */
const extreme = (a: number | string | null, b: number | string | null, less: boolean) =>
  a === null ? b : b === null ? a : (less ? Number(b) < Number(a) : Number(b) > Number(a)) ? b : a;

/**
 * A series read at a level above 4 with the pair's open level-4 bucket (rollupSql's `o`) merged in: into the last
 * bucket when it is the same bucket at this level, else appended. Its points are all after every folded one, so
 * its last point is the bucket's.
 */
export function withOpenBucket(row: SeriesRow & { o?: Open | null }, level: number, x: SeriesExtras): SeriesRow {
  const { o, ...rest } = row;
  if (!o) return rest;
  const [step, value, mn, mx, w] = o;
  // no folded bucket at all: every column is NULL, the open bucket is the series
  const out: SeriesRow = rest.s
    ? rest
    : { ...rest, s: [], v: [], mn: x.extremes ? [] : null, mx: x.extremes ? [] : null, w: x.wallTime ? [] : null };
  const width = 2 ** level;
  const n = out.s.length;
  if (n > 0 && Math.floor(out.s[n - 1]! / width) === Math.floor(step / width)) {
    out.s[n - 1] = step;
    out.v[n - 1] = value;
    if (out.mn) out.mn[n - 1] = extreme(out.mn[n - 1]!, mn, true);
    if (out.mx) out.mx[n - 1] = extreme(out.mx[n - 1]!, mx, false);
    if (out.w) out.w[n - 1] = w;
  } else {
    out.s.push(step);
    out.v.push(value);
    out.mn?.push(mn);
    out.mx?.push(mx);
    out.w?.push(w);
  }
  return out;
}

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

// Compressed chunks (metric_chunks, issue #23; the format is chunk-codec.ts, the reader history.ts).
// Invariant kept by every writer below, each under the run row's lock: a point is a row of `metrics` or
// part of exactly one chunk, and no row of a pair has a step inside one of that pair's chunk ranges.

/** A pair's columns exactly as stored: values as their 8 bytes (bit for bit), wall times in ms. */
export interface StoredColumns {
  steps: number[];
  values: Float64Array;
  wallTimes: number[];
  seqs: number[];
}

export interface ChunkMeta {
  key: string;
  firstStep: number;
  lastStep: number;
  count: number;
}

export interface ChunkData extends ChunkMeta {
  runId: string;
  data: Buffer;
}

const int8s = (b: Buffer | null): number[] => {
  const out: number[] = [];
  if (b) for (let o = 0; o < b.length; o += 8) out.push(Number(b.readBigInt64BE(o)));
  return out;
};

/** float8send bytes to a Float64Array by copying bytes, not numbers (NaN payloads survive). */
const float8s = (b: Buffer | null): Float64Array => {
  const out = new Float64Array(b ? b.length / 8 : 0);
  const bytes = new Uint8Array(out.buffer);
  const little = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
  if (b) for (let i = 0; i < b.length; i++) bytes[i] = b[little ? i - (i % 8) + 7 - (i % 8) : i]!;
  return out;
};

/**
 * The oldest rows of a pair that can form the next chunk: from its first row on, at most `limit` rows with
 * steps <= upTo, stopping before the next chunk of the pair (chunks never overlap). Columns travel as int8send
 * / float8send bytes, so a value's 64 bits reach the codec unchanged (NaN payloads, -0).
 */
export async function rowsForNextChunk(
  c: pg.ClientBase,
  runId: string,
  key: string,
  upTo: number,
  limit: number,
): Promise<StoredColumns> {
  const { rows } = await c.query<{ s: Buffer | null; v: Buffer | null; w: Buffer | null; q: Buffer | null }>(
    `SELECT string_agg(int8send(step), ''::bytea ORDER BY step) AS s,
            string_agg(float8send(value), ''::bytea ORDER BY step) AS v,
            string_agg(int8send(round(extract(epoch FROM wall_time) * 1000)::int8), ''::bytea ORDER BY step) AS w,
            string_agg(int8send(seq), ''::bytea ORDER BY step) AS q
       FROM (SELECT step, value, wall_time, seq FROM metrics
              WHERE run_id = $1 AND key = $2 AND step <= $3
                AND step < coalesce((SELECT min(c.first_step) FROM metric_chunks c
                                      WHERE c.run_id = $1 AND c.key = $2
                                        AND c.first_step > (SELECT min(step) FROM metrics WHERE run_id = $1 AND key = $2)),
                                    9223372036854775807)
              ORDER BY step LIMIT $4) m`,
    [runId, key, upTo, limit],
  );
  const r = rows[0]!;
  return { steps: int8s(r.s), values: float8s(r.v), wallTimes: int8s(r.w), seqs: int8s(r.q) };
}

/**
 * Stores one encoded chunk and deletes the rows it holds, in the caller's transaction. Throws (so the
 * transaction rolls back) unless exactly `count` rows went: rows and chunk never both hold a point.
 */
export async function replaceRowsWithChunk(
  c: pg.ClientBase,
  chunk: {
    runId: string;
    key: string;
    firstStep: number;
    lastStep: number;
    count: number;
    minValue: number | null;
    maxValue: number | null;
    minSeq: number;
    maxSeq: number;
    data: Buffer;
    rollup: Buffer;
  },
): Promise<void> {
  await c.query(
    `INSERT INTO metric_chunks (run_id, key, first_step, last_step, count, min_value, max_value, min_seq, max_seq, data, rollup)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      chunk.runId,
      chunk.key,
      chunk.firstStep,
      chunk.lastStep,
      chunk.count,
      chunk.minValue,
      chunk.maxValue,
      chunk.minSeq,
      chunk.maxSeq,
      chunk.data,
      chunk.rollup,
    ],
  );
  const { rowCount } = await c.query(`DELETE FROM metrics WHERE run_id = $1 AND key = $2 AND step BETWEEN $3 AND $4`, [
    chunk.runId,
    chunk.key,
    chunk.firstStep,
    chunk.lastStep,
  ]);
  if (rowCount !== chunk.count)
    throw new Error(`chunk of ${chunk.count} points replaced ${rowCount} rows (${chunk.runId} ${chunk.key})`);
}

/** Puts decoded chunk points back as rows, each with the seq of the batch that wrote it. */
export async function insertStoredRows(c: pg.ClientBase, runId: string, key: string, cols: StoredColumns) {
  if (cols.steps.length === 0) return;
  await c.query(
    `INSERT INTO metrics (run_id, key, step, value, wall_time, seq)
     SELECT $1, $2, s, v, to_timestamp(w / 1000), q
       FROM unnest($3::int8[], $4::float8[], $5::float8[], $6::int8[]) AS u(s, v, w, q)`,
    [
      runId,
      key,
      int8Array(cols.steps),
      float8ArrayExact(cols.values),
      float8Array(cols.wallTimes),
      int8Array(cols.seqs),
    ],
  );
}

/**
 * Write path (logMetrics): removes and returns the chunks of each key whose step range meets [lo, hi] of the
 * batch's points for that key; the caller puts their points back as rows before writing the batch.
 */
export async function takeChunksInRanges(
  c: pg.ClientBase,
  runId: string,
  ranges: { key: string; lo: number; hi: number }[],
): Promise<ChunkData[]> {
  if (ranges.length === 0) return [];
  const { rows } = await c.query<ChunkData>(
    `DELETE FROM metric_chunks c USING unnest($2::text[], $3::int8[], $4::int8[]) AS u(k, lo, hi)
      WHERE c.run_id = $1 AND c.key = u.k AND c.last_step >= u.lo AND c.first_step <= u.hi
     RETURNING c.run_id AS "runId", c.key, c.first_step AS "firstStep", c.last_step AS "lastStep", c.count, c.data`,
    [
      runId,
      textArray(ranges.map((r) => r.key)),
      int8Array(ranges.map((r) => r.lo)),
      int8Array(ranges.map((r) => r.hi)),
    ],
  );
  return rows;
}

/** truncateMetrics: removes and returns every chunk of the run holding a step after `afterStep`. */
export async function takeChunksAfter(c: pg.ClientBase, runId: string, afterStep: number): Promise<ChunkData[]> {
  const { rows } = await c.query<ChunkData>(
    `DELETE FROM metric_chunks WHERE run_id = $1 AND last_step > $2
     RETURNING run_id AS "runId", key, first_step AS "firstStep", last_step AS "lastStep", count, data`,
    [runId, afterStep],
  );
  return rows;
}

/** Which of these keys of a run have chunks. */
export async function chunkedKeys(c: pg.ClientBase | pg.Pool, runId: string, keys: string[]): Promise<Set<string>> {
  const { rows } = await c.query<{ key: string }>(
    `SELECT DISTINCT key FROM metric_chunks WHERE run_id = $1 AND key = ANY($2::text[])`,
    [runId, keys],
  );
  return new Set(rows.map((r) => r.key));
}

/**
 * The (run, key) pairs among these that have chunks, each with whether it also still has rows: series.ts reads
 * all-chunk pairs at the dropped rollup levels straight from the packed buckets, with no query that finds nothing.
 */
export async function chunkedPairs(db: pg.Pool, runIds: string[], keys: string[]): Promise<Map<string, boolean>> {
  const { rows } = await db.query<{ runId: string; key: string; hasRows: boolean }>(
    `SELECT c.run_id AS "runId", c.key,
            EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = c.run_id AND m.key = c.key) AS "hasRows"
       FROM (SELECT DISTINCT run_id, key FROM metric_chunks
              WHERE run_id = ANY($1::uuid[]) AND key = ANY($2::text[])) c`,
    [runIds, keys],
  );
  return new Map(rows.map((r) => [`${r.runId}\u0000${r.key}`, r.hasRows]));
}

/** The chunks of a pair holding steps after `afterStep`, in step order, without their data. */
export async function chunkMetasAfter(
  db: pg.Pool | pg.ClientBase,
  runId: string,
  key: string,
  afterStep: number,
): Promise<ChunkMeta[]> {
  const { rows } = await db.query<ChunkMeta>(
    `SELECT key, first_step AS "firstStep", last_step AS "lastStep", count FROM metric_chunks
      WHERE run_id = $1 AND key = $2 AND last_step > $3 ORDER BY first_step`,
    [runId, key, afterStep],
  );
  return rows;
}

/** The data of some chunks of a pair (by first step), in step order. */
export async function chunkDataOf(
  db: pg.Pool | pg.ClientBase,
  runId: string,
  key: string,
  firstSteps: number[],
): Promise<ChunkData[]> {
  const { rows } = await db.query<ChunkData>(
    `SELECT run_id AS "runId", key, first_step AS "firstStep", last_step AS "lastStep", count, data
       FROM metric_chunks WHERE run_id = $1 AND key = $2 AND first_step = ANY($3::int8[]) ORDER BY first_step`,
    [runId, key, int8Array(firstSteps)],
  );
  return rows;
}

/** Every chunk of these pairs, in (pair, step) order. */
export async function chunksOfPairs(
  db: pg.Pool | pg.ClientBase,
  pairs: { runId: string; key: string }[],
): Promise<ChunkData[]> {
  if (pairs.length === 0) return [];
  const { rows } = await db.query<ChunkData>(
    `SELECT c.run_id AS "runId", c.key, c.first_step AS "firstStep", c.last_step AS "lastStep", c.count, c.data
       FROM unnest($1::uuid[], $2::text[]) AS q(run_id, key)
       JOIN metric_chunks c ON c.run_id = q.run_id AND c.key = q.key
      ORDER BY c.run_id, c.key, c.first_step`,
    [pairs.map((p) => p.runId), textArray(pairs.map((p) => p.key))],
  );
  return rows;
}

/** The packed level-4 buckets of every chunk of these pairs (rollup-pack.ts), in (pair, step) order. */
export async function chunkRollupsOfPairs(
  db: pg.Pool,
  pairs: { runId: string; key: string }[],
): Promise<{ runId: string; key: string; rollup: Buffer }[]> {
  const { rows } = await db.query<{ runId: string; key: string; rollup: Buffer }>(
    `SELECT c.run_id AS "runId", c.key, c.rollup
       FROM unnest($1::uuid[], $2::text[]) AS q(run_id, key)
       JOIN metric_chunks c ON c.run_id = q.run_id AND c.key = q.key
      ORDER BY c.run_id, c.key, c.first_step`,
    [pairs.map((p) => p.runId), textArray(pairs.map((p) => p.key))],
  );
  return rows;
}

/** Chunks that may hold points of one batch (live replay): its keys and steps, seq within the chunk's bounds. */
export async function chunksOfBatch(db: pg.Pool, runId: string, seq: number): Promise<ChunkData[]> {
  const { rows } = await db.query<ChunkData>(
    `SELECT c.run_id AS "runId", c.key, c.first_step AS "firstStep", c.last_step AS "lastStep", c.count, c.data
       FROM metric_batches b JOIN metric_chunks c
         ON c.run_id = b.run_id AND c.key = ANY(b.keys) AND c.last_step >= b.min_step AND c.first_step <= b.max_step
        AND b.seq BETWEEN c.min_seq AND c.max_seq
      WHERE b.run_id = $1 AND b.seq = $2 ORDER BY c.key, c.first_step`,
    [runId, seq],
  );
  return rows;
}

// Compaction planning and observability.

/** Keys of a run that still have rows, with how many, and the newest row step. */
export async function rowKeysOf(
  c: pg.Pool | pg.ClientBase,
  runId: string,
): Promise<{ key: string; rows: number; lastStep: number }[]> {
  const { rows } = await c.query<{ key: string; rows: number; lastStep: number }>(
    `SELECT key, count(*)::int AS rows, max(step) AS "lastStep" FROM metrics WHERE run_id = $1 GROUP BY key`,
    [runId],
  );
  return rows;
}

/**
 * Drops the fine rollup levels of a pair once all its points are in chunks (issue #23: they are most of the
 * rollups' bytes); series at those levels are bucketed from the decoded chunks instead (history.ts). The open
 * level-4 bucket goes with level 4, so it is first folded into the levels kept (see OPEN_LEVEL): they then hold
 * every point, and a reader finds no open bucket to merge.
 */
export async function dropFineRollups(c: pg.ClientBase, runId: string, levels: readonly number[]) {
  const kept = FOLDED_LEVELS.filter((l) => !levels.includes(l));
  if (levels.includes(OPEN_LEVEL) && kept.length > 0)
    await c.query(
      `INSERT INTO metric_rollups AS t (${ROLLUP_COLUMNS})
       SELECT o.run_id, o.key, l.level, o.bucket >> (l.level - ${OPEN_LEVEL}), o.min_value, o.max_value, o.last_step,
              o.last_value, o.last_wall_time, o.count
         FROM metric_latest ml
         JOIN metric_rollups o
           ON o.run_id = ml.run_id AND o.key = ml.key AND o.level = ${OPEN_LEVEL} AND o.bucket = ml.last_step >> ${OPEN_LEVEL}
         CROSS JOIN unnest($2::int2[]) AS l(level)
        WHERE ml.run_id = $1 AND NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = $1 AND m.key = ml.key)
       ${ROLLUP_CONFLICT}`,
      [runId, int2Array(kept)],
    );
  await c.query(
    `DELETE FROM metric_rollups r WHERE r.run_id = $1 AND r.level = ANY($2::int2[])
        AND NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = $1 AND m.key = r.key)`,
    [runId, int2Array([...levels])],
  );
}

/** Ended runs that still hold rows (the compaction backlog), oldest first. */
export async function runsToCompact(db: pg.Pool, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT r.id FROM runs r
      WHERE r.status IN ('FINISHED', 'FAILED', 'CANCELED') AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.id)
      ORDER BY r.finished_at NULLS FIRST LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Active runs with a pair holding at least `minRows` rows (long runs: their old ranges are compacted). Pairs
 * with fewer points in all are skipped before their chunks are summed, so the sweep costs little with many
 * short series (1,500 runs x 1,500 metrics).
 */
export async function longRunsToCompact(db: pg.Pool, minRows: number, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT DISTINCT ml.run_id AS id FROM metric_latest ml JOIN runs r ON r.id = ml.run_id
      WHERE r.status IN ('RUNNING', 'CRASHED') AND ml.count >= $1
        AND ml.count - coalesce((SELECT sum(c.count) FROM metric_chunks c WHERE c.run_id = ml.run_id AND c.key = ml.key), 0) >= $1
      LIMIT $2`,
    [minRows, limit],
  );
  return rows.map((r) => r.id);
}

export interface StorageStats {
  backlogRuns: number;
  points: number;
  rowPoints: number;
  chunkPoints: number;
  bytes: Record<string, number>;
}

/** Bytes of every metric table (with indexes and TOAST) and where the points are; bounded to 2 s. */
export async function storageStats(db: pg.Pool): Promise<StorageStats> {
  const c = await db.connect();
  try {
    await c.query('BEGIN READ ONLY');
    await c.query(`SET LOCAL statement_timeout = '2s'`);
    const { rows } = await c.query<{ t: string; b: number }>(
      `SELECT t, pg_total_relation_size(t::regclass) AS b
         FROM unnest(ARRAY['metrics', 'metric_chunks', 'metric_rollups', 'metric_latest', 'metric_batches']) AS t`,
    );
    const { rows: counts } = await c.query<{ total: number; chunked: number; backlog: number }>(
      `SELECT (SELECT coalesce(sum(count), 0) FROM metric_latest)::float8 AS total,
              (SELECT coalesce(sum(count), 0) FROM metric_chunks)::float8 AS chunked,
              (SELECT count(*) FROM runs r WHERE r.status IN ('FINISHED', 'FAILED', 'CANCELED')
                  AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.id))::int AS backlog`,
    );
    await c.query('COMMIT');
    const k = counts[0]!;
    return {
      backlogRuns: k.backlog,
      points: k.total,
      rowPoints: k.total - k.chunked,
      chunkPoints: k.chunked,
      bytes: Object.fromEntries(rows.map((r) => [r.t, Number(r.b)])),
    };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}
