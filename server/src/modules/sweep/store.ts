import type pg from 'pg';
import { RUN_COLUMNS, type RunRow } from '../run/store.ts';

/** All of the sweep module's SQL. */

export interface SweepRow {
  id: string;
  experimentId: string;
  name: string;
  method: 'GRID' | 'RANDOM';
  baseConfig: Record<string, unknown>;
  space: Record<string, unknown>;
  maxRuns: number;
  parallelism: number;
  metric: string;
  goal: 'MINIMIZE' | 'MAXIMIZE';
  summary: 'LAST' | 'BEST';
  createdAt: Date;
}

const SWEEP_COLUMNS = `id, experiment_id AS "experimentId", name, method::text AS method, base_config AS "baseConfig", space,
  max_runs AS "maxRuns", parallelism, metric, goal, summary, created_at AS "createdAt"`;

/** Inserts a sweep (its runs are inserted by RunState in the same transaction). */
export async function insertSweep(c: pg.ClientBase, sweep: Omit<SweepRow, 'createdAt'>): Promise<SweepRow> {
  const { rows } = await c.query<SweepRow>(
    `INSERT INTO sweeps (id, experiment_id, name, method, base_config, space, max_runs, parallelism, metric, goal, summary)
     VALUES ($1, $2, $3, $4::"SweepMethod", $5, $6, $7, $8, $9, $10, $11) RETURNING ${SWEEP_COLUMNS}`,
    [
      sweep.id,
      sweep.experimentId,
      sweep.name,
      sweep.method,
      sweep.baseConfig,
      sweep.space,
      sweep.maxRuns,
      sweep.parallelism,
      sweep.metric,
      sweep.goal,
      sweep.summary,
    ],
  );
  return rows[0]!;
}

export async function sweepsByIds(db: pg.Pool, ids: readonly string[]): Promise<SweepRow[]> {
  const { rows } = await db.query<SweepRow>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE id = ANY($1::uuid[])`, [ids]);
  return rows;
}

/** Every sweep, or one experiment's, newest first. */
export async function listSweeps(db: pg.Pool, experimentId: string | null): Promise<SweepRow[]> {
  const { rows } = await db.query<SweepRow>(
    `SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE $1::text IS NULL OR experiment_id::text = $1 ORDER BY created_at DESC`,
    [experimentId],
  );
  return rows;
}

/** The parallelism of every sweep (one queue group tier each). */
export async function parallelismTiers(db: pg.Pool): Promise<number[]> {
  const { rows } = await db.query<{ p: number }>(`SELECT DISTINCT parallelism AS p FROM sweeps`);
  return rows.map((r) => r.p);
}

/**
 * The runs of these sweeps with each run's summary of its sweep's metric (the last value, or the best with NaN
 * ignored), oldest first.
 */
export async function sweepRunsWithMetric(
  db: pg.Pool,
  sweepIds: readonly string[],
): Promise<(RunRow & { _value: number | null; _step: number | null })[]> {
  const { rows } = await db.query<RunRow & { _value: number | null; _step: number | null }>(
    `SELECT ${RUN_COLUMNS},
            CASE WHEN s.summary = 'LAST' THEN ml.last_value
                 WHEN s.goal = 'MINIMIZE' THEN ml.min_value ELSE ml.max_value END AS _value,
            CASE WHEN s.summary = 'LAST' THEN ml.last_step
                 WHEN s.goal = 'MINIMIZE' THEN ml.min_step ELSE ml.max_step END AS _step
       FROM runs r JOIN sweeps s ON s.id = r.sweep_id
       LEFT JOIN metric_latest ml ON ml.run_id = r.id AND ml.key = s.metric
      WHERE r.sweep_id = ANY($1::uuid[]) ORDER BY r.created_at, r.name`,
    [sweepIds],
  );
  return rows;
}
