import type pg from 'pg';
import type { ExperimentRow, Tag } from './convert.ts';

/** All of the MLflow module's SQL: key-value tags of runs and experiments, soft-deleted experiments, dataset inputs. */

type Db = pg.Pool | pg.ClientBase;

export async function runTagsOf(db: Db, runIds: readonly string[]): Promise<Map<string, Tag[]>> {
  const { rows } = await db.query<{ runId: string; key: string; value: string }>(
    `SELECT run_id AS "runId", key, value FROM run_tags WHERE run_id = ANY($1::uuid[]) ORDER BY key`,
    [runIds],
  );
  const out = new Map<string, Tag[]>(runIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.runId)?.push({ key: r.key, value: r.value });
  return out;
}

/** Upserts tags of one run (a later value replaces an earlier one, as in MLflow). */
export async function setRunTags(db: Db, runId: string, tags: readonly Tag[]): Promise<void> {
  if (!tags.length) return;
  await db.query(
    `INSERT INTO run_tags (run_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS u(k, v)
     ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value`,
    [runId, tags.map((t) => t.key), tags.map((t) => t.value)],
  );
}

export async function deleteRunTag(db: Db, runId: string, key: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM run_tags WHERE run_id = $1 AND key = $2', [runId, key]);
  return (rowCount ?? 0) > 0;
}

/** A dataset input as MLflow's LogInputs carries it (DatasetInput: the dataset and the input's tags). */
export interface DatasetInput {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema: string | null;
  profile: string | null;
  tags: Tag[];
}

/**
 * Logs dataset inputs of a run, in the caller's transaction. Datasets are one row per (experiment, name, digest);
 * an existing one is reused unchanged. A run uses a dataset once: a repeat keeps the first input and its tags.
 * Two statements, so the second sees a dataset a concurrent request committed while the first waited on it.
 */
export async function logRunInputs(
  c: pg.ClientBase,
  run: { id: string; experimentId: string },
  inputs: readonly DatasetInput[],
): Promise<void> {
  if (!inputs.length) return;
  const col = <K extends keyof DatasetInput>(k: K) => inputs.map((i) => i[k]);
  await c.query(
    `INSERT INTO mlflow_datasets (id, experiment_id, name, digest, source_type, source, schema, profile)
     SELECT gen_random_uuid(), $1, n, d, t, s, sc, pr
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(n, d, t, s, sc, pr)
     ON CONFLICT (experiment_id, name, digest) DO NOTHING`,
    [run.experimentId, col('name'), col('digest'), col('sourceType'), col('source'), col('schema'), col('profile')],
  );
  await c.query(
    `INSERT INTO mlflow_run_inputs (run_id, dataset_id, tags)
     SELECT $1, ds.id, u.tags
       FROM unnest($3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS u(n, d, tags, ord)
       JOIN mlflow_datasets ds ON ds.experiment_id = $2 AND ds.name = u.n AND ds.digest = u.d
      ORDER BY u.ord
     ON CONFLICT (run_id, dataset_id) DO NOTHING`,
    [run.id, run.experimentId, col('name'), col('digest'), inputs.map((i) => JSON.stringify(i.tags))],
  );
}

/** The dataset inputs of each run, in the order they were logged. */
export async function runInputsOf(db: Db, runIds: readonly string[]): Promise<Map<string, DatasetInput[]>> {
  const { rows } = await db.query<DatasetInput & { runId: string }>(
    `SELECT i.run_id AS "runId", i.tags, d.name, d.digest, d.source_type AS "sourceType", d.source, d.schema, d.profile
       FROM mlflow_run_inputs i JOIN mlflow_datasets d ON d.id = i.dataset_id
      WHERE i.run_id = ANY($1::uuid[]) ORDER BY i.position`,
    [runIds],
  );
  const out = new Map<string, DatasetInput[]>(runIds.map((id) => [id, []]));
  for (const { runId, ...input } of rows) out.get(runId)?.push(input);
  return out;
}

/**
 * A run's tag `key`, locked until the caller's transaction ends ('[]' when the run had none: that row is the
 * caller's to fill or roll back). Concurrent appends to one tag (log-model) therefore queue instead of losing one.
 */
export async function lockRunTag(c: pg.ClientBase, runId: string, key: string): Promise<string> {
  await c.query(`INSERT INTO run_tags (run_id, key, value) VALUES ($1, $2, '[]') ON CONFLICT DO NOTHING`, [runId, key]);
  const { rows } = await c.query<{ value: string }>(
    'SELECT value FROM run_tags WHERE run_id = $1 AND key = $2 FOR UPDATE',
    [runId, key],
  );
  return rows[0]!.value;
}

export async function experimentTagsOf(db: Db, ids: readonly string[]): Promise<Map<string, Tag[]>> {
  const { rows } = await db.query<{ id: string; key: string; value: string }>(
    `SELECT experiment_id AS id, key, value FROM experiment_tags WHERE experiment_id = ANY($1::uuid[]) ORDER BY key`,
    [ids],
  );
  const out = new Map<string, Tag[]>(ids.map((id) => [id, []]));
  for (const r of rows) out.get(r.id)?.push({ key: r.key, value: r.value });
  return out;
}

export async function setExperimentTag(db: Db, experimentId: string, tag: Tag): Promise<void> {
  await db.query(
    `INSERT INTO experiment_tags (experiment_id, key, value) VALUES ($1, $2, $3)
     ON CONFLICT (experiment_id, key) DO UPDATE SET value = EXCLUDED.value`,
    [experimentId, tag.key, tag.value],
  );
}

export async function deleteExperimentTag(db: Db, experimentId: string, key: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM experiment_tags WHERE experiment_id = $1 AND key = $2', [
    experimentId,
    key,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function deletedExperiments(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT experiment_id AS id FROM experiment_deletions WHERE experiment_id = ANY($1::uuid[])',
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

export async function setExperimentDeleted(db: Db, experimentId: string, deleted: boolean): Promise<void> {
  await db.query(
    deleted
      ? 'INSERT INTO experiment_deletions (experiment_id) VALUES ($1) ON CONFLICT DO NOTHING'
      : 'DELETE FROM experiment_deletions WHERE experiment_id = $1',
    [experimentId],
  );
}

export interface ExperimentQuery {
  /** null: active and deleted. */
  deleted: boolean | null;
  /** SQL LIKE patterns the name must match (case-insensitive when `ilike`). */
  names: { pattern: string; ilike: boolean; equals: boolean }[];
  tags: Tag[];
  /** Experiment ids or names a key is limited to; null: all. */
  allowed: readonly string[] | null;
  order: { column: 'name' | 'created_at' | 'updated_at' | 'id'; desc: boolean }[];
  offset: number;
  limit: number;
}

const ORDER_SQL = { name: 'e.name', created_at: 'e.created_at', updated_at: 'e.updated_at', id: 'e.id' } as const;

/** One page of experiments; one row more than `limit` tells the caller there is a next page. */
export async function searchExperiments(db: Db, q: ExperimentQuery): Promise<ExperimentRow[]> {
  const values: unknown[] = [];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (q.deleted !== null)
    where.push(`${q.deleted ? '' : 'NOT '}EXISTS (SELECT 1 FROM experiment_deletions d WHERE d.experiment_id = e.id)`);
  for (const n of q.names) {
    if (n.equals) where.push(`e.name = ${p(n.pattern)}`);
    else where.push(`e.name ${n.ilike ? 'ILIKE' : 'LIKE'} ${p(n.pattern)}`);
  }
  for (const t of q.tags)
    where.push(
      `EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.id AND t.key = ${p(t.key)} AND t.value = ${p(t.value)})`,
    );
  if (q.allowed) where.push(`(e.id::text = ANY(${p(q.allowed)}::text[]) OR e.name = ANY(${p(q.allowed)}::text[]))`);
  const order = [...q.order.map((o) => `${ORDER_SQL[o.column]} ${o.desc ? 'DESC' : 'ASC'}`), 'e.id ASC'].join(', ');
  const { rows } = await db.query<ExperimentRow>(
    `SELECT e.id, e.name, e.description, e.created_at AS "createdAt", e.updated_at AS "updatedAt"
       FROM experiments e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${order} OFFSET ${p(q.offset)} LIMIT ${p(q.limit + 1)}`,
    values,
  );
  return rows;
}
