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
