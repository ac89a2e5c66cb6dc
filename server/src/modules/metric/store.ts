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

/** Every key's summary for these runs, in one query (the per-request loader batches runs). */
export async function latestForRuns(db: pg.Pool, runIds: readonly string[]): Promise<LatestRow[][]> {
  const { rows } = await db.query<LatestRow>(
    `SELECT run_id AS "runId", key, count, first_step AS "firstStep", last_step AS "lastStep",
            last_value AS "lastValue", last_wall_time AS "lastWallTime", min_value AS min, min_step AS "minStep",
            max_value AS max, max_step AS "maxStep"
       FROM metric_latest WHERE run_id = ANY($1::uuid[]) ORDER BY key`,
    [runIds],
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
  const { rows } = await db.query<{ key: string }>(
    `SELECT DISTINCT ml.key FROM metric_latest ml JOIN runs r ON r.id = ml.run_id
      WHERE ($1::text IS NULL OR r.experiment_id::text = $1) AND ($2::text[] IS NULL OR r.id::text = ANY($2::text[]))
      ORDER BY ml.key`,
    [experimentId, runIds?.map((id) => id.toLowerCase()) ?? null],
  );
  return rows.map((r) => r.key);
}
