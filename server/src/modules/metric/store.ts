import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';

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
