import type pg from 'pg';

/**
 * The experiment module's SQL. Reads go through Prisma in service.ts (its generated types are worth having
 * there); writes live here, so each runs on the transaction that also carries its NOTIFY.
 */

/** Creates the experiment unless it exists (safe under concurrent callers): its id if this call created it. */
export async function insertExperimentIfMissing(c: pg.ClientBase, name: string): Promise<string | null> {
  const { rows } = await c.query<{ id: string }>(
    `INSERT INTO experiments (id, name) VALUES (gen_random_uuid(), $1) ON CONFLICT (name) DO NOTHING RETURNING id`,
    [name],
  );
  return rows[0]?.id ?? null;
}

/** Creates an experiment and returns its id; a taken name fails with unique_violation (23505). */
export async function insertExperiment(
  c: pg.ClientBase,
  e: { name: string; description: string; tags: string[] },
): Promise<string> {
  const { rows } = await c.query<{ id: string }>(
    `INSERT INTO experiments (id, name, description, tags) VALUES (gen_random_uuid(), $1, $2, $3) RETURNING id`,
    [e.name, e.description, e.tags],
  );
  return rows[0]!.id;
}

/** Sets the given fields (null: unchanged) and updated_at; the name it has now, or null when it does not exist. */
export async function updateExperimentRow(
  c: pg.ClientBase,
  id: string,
  e: { name: string | null; description: string | null; tags: string[] | null },
): Promise<string | null> {
  const { rows } = await c.query<{ name: string }>(
    `UPDATE experiments SET name = coalesce($2, name), description = coalesce($3, description),
            tags = coalesce($4::text[], tags), updated_at = now()
      WHERE id = $1 RETURNING name`,
    [id, e.name, e.description, e.tags],
  );
  return rows[0]?.name ?? null;
}

/** The experiment's name, or null when it does not exist. */
export async function experimentName(db: pg.Pool, id: string): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM experiments WHERE id = $1', [id]);
  return rows[0]?.name ?? null;
}

/** Deletes the experiment (its runs cascade); its name, or null when it did not exist. */
export async function deleteExperiment(c: pg.ClientBase, id: string): Promise<string | null> {
  const { rows } = await c.query<{ name: string }>('DELETE FROM experiments WHERE id = $1 RETURNING name', [id]);
  return rows[0]?.name ?? null;
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
