import type pg from 'pg';

/** The most config paths Experiment.configKeys returns (a filter box's completion list, not an export). */
export const MAX_CONFIG_KEYS = 2000;

/**
 * The distinct flattened config paths (`augmentation.flip`) of an experiment's runs, alphabetical: the
 * leaves of each run's config, where arrays and empty objects are leaves (as the dashboard flattens).
 */
export async function experimentConfigKeys(db: pg.Pool, experimentId: string): Promise<string[]> {
  const { rows } = await db.query<{ path: string }>(
    `WITH RECURSIVE walk(path, value) AS (
       SELECT ARRAY[e.key], e.value FROM runs r, jsonb_each(r.config) e WHERE r.experiment_id = $1::uuid
       UNION ALL
       SELECT w.path || e.key, e.value FROM walk w, jsonb_each(w.value) e
        WHERE jsonb_typeof(w.value) = 'object' AND array_length(w.path, 1) < 64
     )
     SELECT DISTINCT array_to_string(path, '.') AS path FROM walk
      WHERE jsonb_typeof(value) <> 'object' OR value = '{}'::jsonb
      ORDER BY 1 LIMIT ${MAX_CONFIG_KEYS}`,
    [experimentId],
  );
  return rows.map((r) => r.path);
}
