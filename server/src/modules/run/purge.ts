import type pg from 'pg';

/**
 * metrics and metric_rollups carry no foreign key to runs (it cost ~40% of ingest CPU), so deleting runs
 * deletes their rows here, in the caller's transaction. Every other run table cascades.
 */
export async function purgeMetricRows(c: pg.ClientBase, runIdsSql: string, params: unknown[]): Promise<void> {
  await c.query(`DELETE FROM metrics WHERE run_id IN (${runIdsSql})`, params);
  await c.query(`DELETE FROM metric_rollups WHERE run_id IN (${runIdsSql})`, params);
}
