import type pg from 'pg';

/**
 * The experiment module's SQL. Plain CRUD goes through Prisma in service.ts (its generated types are worth
 * having there); what must be one statement or is a search lives here.
 */

/** Creates the experiment unless it exists: safe under concurrent callers. */
export async function insertExperimentIfMissing(db: pg.Pool, name: string): Promise<void> {
  await db.query(`INSERT INTO experiments (id, name) VALUES (gen_random_uuid(), $1) ON CONFLICT (name) DO NOTHING`, [
    name,
  ]);
}

/** Deletes the experiment (its runs cascade); false when it did not exist. */
export async function deleteExperiment(c: pg.ClientBase, id: string): Promise<boolean> {
  const { rowCount } = await c.query('DELETE FROM experiments WHERE id = $1', [id]);
  return Boolean(rowCount);
}

/**
 * Ids of experiments whose name, description or a tag matches the ILIKE `pattern` (all when null), most
 * recently active first: the newest run change, else the experiment's own update time.
 */
export async function searchExperimentIds(db: pg.Pool, pattern: string | null, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT e.id FROM experiments e
       LEFT JOIN LATERAL (SELECT max(r.updated_at) AS last FROM runs r WHERE r.experiment_id = e.id) a ON true
      WHERE $1::text IS NULL OR e.name ILIKE $1 OR e.description ILIKE $1
            OR EXISTS (SELECT 1 FROM unnest(e.tags) t WHERE t ILIKE $1)
      ORDER BY greatest(a.last, e.updated_at) DESC, e.id
      LIMIT $2`,
    [pattern, limit],
  );
  return rows.map((r) => r.id);
}

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
