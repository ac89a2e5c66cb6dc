import type pg from 'pg';
import type { Run } from '../../generated/prisma/client.ts';

export type RunStatus = Run['status'];
export const FINAL_STATUSES: readonly RunStatus[] = ['FINISHED', 'FAILED', 'CANCELED'];
/** Statuses a run can still leave by itself (it may still be running somewhere). */
export const ACTIVE_STATUSES: readonly RunStatus[] = ['QUEUED', 'RUNNING', 'CRASHED'];
export const ALL_STATUSES: readonly RunStatus[] = [...ACTIVE_STATUSES, ...FINAL_STATUSES];

/**
 * A run as every module sees it: the Prisma model's fields (so a column added to schema.prisma must be
 * mapped below before this compiles), with int8 counters as numbers and JSON columns as objects.
 */
export type RunRow = Omit<Run, 'seq' | 'stateSeq' | 'config' | 'systemInfo' | 'userConfigKeys'> & {
  seq: number;
  stateSeq: number;
  config: Record<string, unknown>;
  systemInfo: Record<string, unknown>;
  userConfigKeys: string[] | null;
};

/** Each RunRow field and the SQL that reads it from alias `r`. */
const RUN_FIELD_SQL: { [K in keyof RunRow]-?: string } = {
  id: 'r.id',
  experimentId: 'r.experiment_id',
  name: 'r.name',
  status: 'r.status::text',
  config: 'r.config',
  tags: `coalesce(r.tags, '{}')`,
  notes: 'r.notes',
  systemInfo: 'r.system_info',
  createdAt: 'r.created_at',
  updatedAt: 'r.updated_at',
  startedAt: 'r.started_at',
  finishedAt: 'r.finished_at',
  lastHeartbeatAt: 'r.last_heartbeat_at',
  exitCode: 'r.exit_code',
  errorMessage: 'r.error_message',
  seq: 'r.seq',
  stateSeq: 'r.state_seq',
  jobId: 'r.job_id',
  jobQueue: 'r.job_queue',
  labels: `coalesce(r.labels, '{}')`,
  retries: 'r.retries',
  attempt: 'r.attempt',
  agentId: 'r.agent_id',
  leaseExpiresAt: 'r.lease_expires_at',
  cancelRequestedAt: 'r.cancel_requested_at',
  sweepId: 'r.sweep_id',
  logLines: 'r.log_lines',
  archived: 'r.archived',
  userConfigKeys: 'r.user_config_keys',
};

/** Select list producing a RunRow from alias `r`. */
export const RUN_COLUMNS = Object.entries(RUN_FIELD_SQL)
  .map(([field, sql]) => `${sql} AS "${field}"`)
  .join(', ');

export async function findRuns(db: pg.Pool | pg.ClientBase, ids: readonly string[]): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ANY($1::uuid[])`, [ids]);
  return rows;
}

export async function findRun(db: pg.Pool | pg.ClientBase, id: string): Promise<RunRow | null> {
  return (await findRuns(db, [id]))[0] ?? null;
}

export interface RunInsert {
  experimentId: string;
  /** null: "run-<n>" with the experiment's next counter value. */
  name: string | null;
  config: Record<string, unknown>;
  tags: string[];
  notes: string;
  systemInfo: Record<string, unknown>;
  labels: string[];
  retries: number;
  sweepId: string | null;
  /** Flattened config paths a launch was given; null: the whole config was given (createRun). */
  userConfigKeys: string[] | null;
}

/**
 * Inserts a QUEUED run (seq 1). An unnamed run takes "run-<n>" from `experiments.run_counter`, bumped in
 * the same statement: the row lock on the experiment orders concurrent creates until commit, and the
 * counter never goes down, so a default name is not reused after deletes (a count of runs would be).
 */
export async function insertRunRow(c: pg.ClientBase, run: RunInsert): Promise<RunRow> {
  const { rows } = await c.query<RunRow>(
    `WITH counter AS (
       UPDATE experiments SET run_counter = run_counter + 1
        WHERE id = $1 AND $2::text IS NULL
        RETURNING run_counter
     )
     INSERT INTO runs AS r (id, experiment_id, name, config, tags, notes, system_info, labels, retries, sweep_id,
                            user_config_keys, seq, state_seq)
     VALUES (gen_random_uuid(), $1, coalesce($2, 'run-' || (SELECT run_counter FROM counter)),
             $3, $4, $5, $6, $7, $8, $9, $10::jsonb, 1, 1)
     RETURNING ${RUN_COLUMNS}`,
    [
      run.experimentId,
      run.name,
      run.config,
      run.tags,
      run.notes,
      run.systemInfo,
      run.labels,
      run.retries,
      run.sweepId,
      run.userConfigKeys === null ? null : JSON.stringify(run.userConfigKeys),
    ],
  );
  return rows[0]!;
}

/**
 * Which of `keys` some run matching `scope` (SQL conditions over alias `r`, placeholders $1.. bound to
 * `scopeValues`) has logged; null when no run matches the scope at all.
 */
export async function loggedMetricKeys(
  db: pg.Pool,
  keys: string[],
  scope: string[],
  scopeValues: unknown[],
): Promise<Set<string> | null> {
  const where = scope.length ? `AND ${scope.join(' AND ')}` : '';
  const keysParam = `$${scopeValues.length + 1}`;
  const { rows } = await db.query<{ any_run: boolean; logged: string[] }>(
    `SELECT EXISTS (SELECT 1 FROM runs r WHERE true ${where}) AS any_run,
            coalesce((SELECT array_agg(k) FROM unnest(${keysParam}::text[]) k
                       WHERE EXISTS (SELECT 1 FROM metric_latest ml JOIN runs r ON r.id = ml.run_id
                                      WHERE ml.key = k ${where})), '{}') AS logged`,
    [...scopeValues, keys],
  );
  const row = rows[0]!;
  return row.any_run ? new Set(row.logged) : null;
}
