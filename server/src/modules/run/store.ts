import type pg from 'pg';

/** A run as every module sees it (camelCase; int8 columns already numbers). */
export interface RunRow {
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  config: Record<string, unknown>;
  tags: string[];
  notes: string;
  systemInfo: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lastHeartbeatAt: Date | null;
  exitCode: number | null;
  errorMessage: string | null;
  seq: number;
  stateSeq: number;
  // launch (see modules/launch): null/0 for runs a trainer registered itself
  jobId: string | null;
  jobQueue: string | null;
  labels: string[];
  retries: number;
  attempt: number;
  agentId: string | null;
  cancelRequestedAt: Date | null;
  sweepId: string | null;
  logLines: number;
  archived: boolean;
}

export type RunStatus = 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CRASHED' | 'CANCELED';
export const FINAL_STATUSES: readonly RunStatus[] = ['FINISHED', 'FAILED', 'CANCELED'];

/** Select list producing a RunRow from alias `r`. */
export const RUN_COLUMNS = `r.id, r.experiment_id AS "experimentId", r.name, r.status::text AS status, r.config,
  coalesce(r.tags, '{}') AS tags, r.notes, r.system_info AS "systemInfo", r.created_at AS "createdAt",
  r.updated_at AS "updatedAt", r.started_at AS "startedAt", r.finished_at AS "finishedAt",
  r.last_heartbeat_at AS "lastHeartbeatAt", r.exit_code AS "exitCode", r.error_message AS "errorMessage",
  r.seq, r.state_seq AS "stateSeq", r.job_id AS "jobId", r.job_queue AS "jobQueue", coalesce(r.labels, '{}') AS labels,
  r.retries, r.attempt, r.agent_id AS "agentId", r.cancel_requested_at AS "cancelRequestedAt", r.sweep_id AS "sweepId",
  r.log_lines AS "logLines", r.archived`;

export async function findRuns(db: pg.Pool | pg.ClientBase, ids: readonly string[]): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ANY($1::uuid[])`, [ids]);
  return rows;
}

export async function findRun(db: pg.Pool | pg.ClientBase, id: string): Promise<RunRow | null> {
  return (await findRuns(db, [id]))[0] ?? null;
}
