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
  entryPoint: 'r.entry_point',
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

/** Binds a value as the next `$n` of a statement and returns the placeholder. */
export type Bind = (value: unknown) => string;

/** A statement's parameters, starting with `initial` as $1.., and the binder that appends the rest. */
function binder(initial: unknown[]): { params: unknown[]; p: Bind } {
  const params = [...initial];
  return {
    params,
    p: (v) => {
      params.push(v);
      return `$${params.length}`;
    },
  };
}

/** What a run is inserted with (see RunState.insert). */
export interface RunInsert {
  experimentId: string;
  name: string | null;
  config: Record<string, unknown>;
  tags: string[];
  notes: string;
  systemInfo: Record<string, unknown>;
  labels: string[];
  retries: number;
  sweepId: string | null;
  /** The agent entry point of a launched run; null for a run a trainer registered itself. */
  entryPoint: string | null;
  /** Flattened config paths a launch was given; null: the whole config was given (createRun). */
  userConfigKeys: string[] | null;
}

/** A deleted or set-changed run, as its event needs it. */
export interface RunRef {
  id: string;
  experimentId: string;
  seq: number;
}

// Writes: called by RunState only (see its invariants), each in the transaction RunState holds.

/**
 * A new run, QUEUED with seq 1. A null name becomes "run-<n>" from `experiments.run_counter`, bumped in the
 * same statement: the row lock on the experiment orders concurrent creates until commit, and the counter
 * never goes down, so a default name is not reused after deletes (a count of runs would be).
 */
export async function insertRun(c: pg.ClientBase, run: RunInsert): Promise<RunRow> {
  const { rows } = await c.query<RunRow>(
    `WITH counter AS (
       UPDATE experiments SET run_counter = run_counter + 1
        WHERE id = $1 AND $2::text IS NULL
        RETURNING run_counter
     )
     INSERT INTO runs AS r (id, experiment_id, name, config, tags, notes, system_info, labels, retries, sweep_id,
                            entry_point, user_config_keys, seq, state_seq)
     VALUES (gen_random_uuid(), $1, coalesce($2, 'run-' || (SELECT run_counter FROM counter)),
             $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, 1, 1)
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
      run.entryPoint,
      run.userConfigKeys === null ? null : JSON.stringify(run.userConfigKeys),
    ],
  );
  return rows[0]!;
}

export async function setRunJob(c: pg.ClientBase, runId: string, jobId: string, queue: string): Promise<RunRow> {
  const { rows } = await c.query<RunRow>(
    `UPDATE runs r SET job_id = $2, job_queue = $3 WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
    [runId, jobId, queue],
  );
  return rows[0]!;
}

/** The heartbeat's common case: one column of a RUNNING run; null when the run is not RUNNING. */
export async function touchRunning(db: pg.Pool | pg.ClientBase, runId: string): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>(
    `UPDATE runs r SET last_heartbeat_at = now() WHERE id = $1 AND status = 'RUNNING' RETURNING ${RUN_COLUMNS}`,
    [runId],
  );
  return rows[0] ?? null;
}

/**
 * The guarded state change: `set` applies only when the run's status is one of `from`, bumping seq and
 * state_seq. Null when the guard failed (or the run does not exist).
 */
export async function transitionRun(
  c: pg.ClientBase,
  runId: string,
  from: readonly RunStatus[],
  set: (p: Bind) => string,
): Promise<RunRow | null> {
  const { params, p } = binder([runId, from]);
  const assignments = set(p);
  const { rows } = await c.query<RunRow>(
    `UPDATE runs r SET ${assignments}, seq = seq + 1, state_seq = seq + 1, updated_at = now()
      WHERE id = $1 AND status::text = ANY($2::text[]) RETURNING ${RUN_COLUMNS}`,
    params,
  );
  return rows[0] ?? null;
}

/** `set` on every run of `runIds` (locked by the caller), bumping seq and state_seq. */
export async function updateRuns(c: pg.ClientBase, runIds: string[], set: (p: Bind) => string): Promise<RunRow[]> {
  const { params, p } = binder([runIds]);
  const assignments = set(p);
  const { rows } = await c.query<RunRow>(
    `UPDATE runs r SET ${assignments}, seq = seq + 1, state_seq = seq + 1, updated_at = now()
      WHERE id = ANY($1::uuid[]) RETURNING ${RUN_COLUMNS}`,
    params,
  );
  return rows;
}

/** Locks the runs in id order (so concurrent bulk calls cannot deadlock); returns the ids found. */
export async function lockRuns(c: pg.ClientBase, runIds: string[]): Promise<Set<string>> {
  const { rows } = await c.query<{ id: string }>(
    'SELECT id FROM runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [runIds],
  );
  return new Set(rows.map((r) => r.id));
}

/** The run, locked for the rest of the transaction; null when it does not exist. */
export async function lockRun(c: pg.ClientBase, runId: string): Promise<RunRow | null> {
  const { rows } = await c.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE id = $1 FOR UPDATE`, [runId]);
  return rows[0] ?? null;
}

export async function deleteRuns(c: pg.ClientBase, runIds: string[]): Promise<RunRef[]> {
  const { rows } = await c.query<RunRef>(
    `DELETE FROM runs WHERE id = ANY($1::uuid[]) RETURNING id, experiment_id AS "experimentId", seq`,
    [runIds],
  );
  return rows;
}

/** `runIds` from the clause `WHERE id IN (...)` below: either the given ids or an experiment's runs. */
type RunSet = { runIds: string[] } | { experimentId: string };

/**
 * metrics and metric_rollups carry no foreign key to runs (it cost ~40% of ingest CPU), so deleting runs
 * deletes their rows here, in the caller's transaction. Every other run table cascades.
 */
export async function purgeMetricRows(c: pg.ClientBase, of: RunSet): Promise<void> {
  const [ids, param] =
    'runIds' in of
      ? ['SELECT unnest($1::uuid[])', of.runIds]
      : ['SELECT id FROM runs WHERE experiment_id = $1', of.experimentId];
  await c.query(`DELETE FROM metrics WHERE run_id IN (${ids})`, [param]);
  await c.query(`DELETE FROM metric_rollups WHERE run_id IN (${ids})`, [param]);
}

/**
 * A logMetrics batch takes the run's next seq and counts as a heartbeat; a CRASHED run is RUNNING again
 * (`revived`). Null when the run is neither RUNNING nor CRASHED (or does not exist).
 */
export async function nextIngestSeq(
  c: pg.ClientBase,
  runId: string,
): Promise<{ seq: number; experimentId: string; revived: boolean } | null> {
  const { rows } = await c.query<{ seq: number; experimentId: string; revived: boolean }>(INGEST_SEQ_SQL, [[runId]]);
  return rows[0] ?? null;
}

/**
 * nextIngestSeq's statement for any number of runs (`runs`: an SQL uuid[] expression, $1 by default), for
 * RunState to hand to an ingest that runs it as the first part of its own single statement (metric/store.ts
 * appendBatches, which narrows the runs): a row per run that accepts metrics. Rows are locked in id order, so
 * two such statements never wait for each other in a cycle.
 */
export const ingestSeqSql = (
  runs = '$1::uuid[]',
) => `UPDATE runs r SET seq = r.seq + 1, last_heartbeat_at = now(), updated_at = now(),
            status = 'RUNNING', finished_at = NULL,
            state_seq = CASE WHEN r.status = 'CRASHED' THEN r.seq + 1 ELSE r.state_seq END
       FROM (SELECT id, status FROM runs WHERE id = ANY(${runs}) ORDER BY id FOR UPDATE) old
      WHERE r.id = old.id AND old.status IN ('RUNNING', 'CRASHED')
      RETURNING r.id, r.seq, r.experiment_id AS "experimentId", old.status = 'CRASHED' AS revived`;
export const INGEST_SEQ_SQL = ingestSeqSql();

export async function statusOf(db: pg.Pool | pg.ClientBase, runId: string): Promise<RunStatus | null> {
  const { rows } = await db.query<{ status: RunStatus }>('SELECT status::text FROM runs WHERE id = $1', [runId]);
  return rows[0]?.status ?? null;
}

/** RUNNING runs silent for longer than the timeout become CRASHED (the locked row re-checks the status). */
export async function crashSilentRuns(c: pg.ClientBase, timeoutSeconds: number): Promise<RunRef[]> {
  const { rows } = await c.query<RunRef>(
    `UPDATE runs SET status = 'CRASHED', finished_at = now(), updated_at = now(), seq = seq + 1, state_seq = seq + 1,
            error_message = 'No heartbeat for ' || $1::text || ' s (last at ' ||
              to_char(last_heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')'
      WHERE status = 'RUNNING' AND last_heartbeat_at < now() - make_interval(secs => $1::float8)
      RETURNING id, experiment_id AS "experimentId", seq`,
    [timeoutSeconds],
  );
  return rows;
}

/** A queued run handed to an agent with a lease (see RunState.claim); null when it is no longer claimable. */
export async function claimRun(
  c: pg.ClientBase,
  claim: { runId: string; jobId: string; attempt: number; leaseSeconds: number },
  agent: { id: string; name: string; host: string },
): Promise<RunRow | null> {
  const { rows } = await c.query<RunRow>(
    `UPDATE runs r SET agent_id = $2::uuid, attempt = $3, status = 'QUEUED', started_at = NULL, finished_at = NULL,
            lease_expires_at = now() + make_interval(secs => $7::float8),
            seq = seq + 1, state_seq = seq + 1, updated_at = now(), error_message = NULL,
            system_info = system_info || jsonb_build_object('agent', jsonb_build_object('id', $2::text, 'name', $4::text, 'host', $5::text))
      WHERE id = $1 AND job_id = $6 AND status IN ('QUEUED', 'RUNNING', 'CRASHED') AND cancel_requested_at IS NULL
        AND (agent_id IS NULL OR attempt < $3::int)
      RETURNING ${RUN_COLUMNS}`,
    [claim.runId, agent.id, claim.attempt, agent.name, agent.host, claim.jobId, claim.leaseSeconds],
  );
  return rows[0] ?? null;
}

/** Extends the leases this agent still holds on runs not final; returns those runs. */
export async function extendLeases(
  db: pg.Pool | pg.ClientBase,
  agentId: string,
  runIds: string[],
  leaseSeconds: number,
): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `UPDATE runs r SET lease_expires_at = now() + make_interval(secs => $3::float8)
      WHERE id = ANY($1::uuid[]) AND agent_id = $2 AND status IN ('QUEUED', 'RUNNING', 'CRASHED')
        AND lease_expires_at IS NOT NULL
      RETURNING ${RUN_COLUMNS}`,
    [runIds, agentId, leaseSeconds],
  );
  return rows;
}

/** Which of these runs this agent held until they ended (a final status). */
export async function endedRunsOf(db: pg.Pool | pg.ClientBase, agentId: string, runIds: string[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM runs WHERE id = ANY($1::uuid[]) AND agent_id = $2
        AND status IN ('FINISHED', 'FAILED', 'CANCELED')`,
    [runIds, agentId],
  );
  return rows.map((r) => r.id);
}

/**
 * Runs whose lease ran out: back to QUEUED with the attempt recorded when retries remain, CANCELED when a
 * cancel was asked for, else CRASHED. Rows another transaction holds are left for the next sweep.
 */
export async function expireLeasedRuns(c: pg.ClientBase): Promise<(RunRow & { outcome: 'requeued' | 'crashed' })[]> {
  const { rows } = await c.query<RunRow & { outcome: 'requeued' | 'crashed' }>(
    `WITH lost AS (
       SELECT id, CASE WHEN cancel_requested_at IS NOT NULL THEN 'CANCELED'
                       WHEN attempt < retries THEN 'QUEUED' ELSE 'CRASHED' END::"RunStatus" AS next
         FROM runs
        WHERE lease_expires_at < now() AND agent_id IS NOT NULL AND status IN ('QUEUED', 'RUNNING', 'CRASHED')
        FOR UPDATE SKIP LOCKED)
     UPDATE runs r SET
       status = lost.next,
       agent_id = CASE WHEN lost.next = 'QUEUED' THEN NULL ELSE r.agent_id END,
       finished_at = CASE WHEN lost.next = 'QUEUED' THEN NULL ELSE now() END,
       started_at = CASE WHEN lost.next = 'QUEUED' THEN NULL ELSE r.started_at END,
       lease_expires_at = NULL,
       error_message = CASE lost.next
         WHEN 'QUEUED' THEN 'Requeued: its agent stopped renewing the lease (attempt ' || (r.attempt + 1) || ' lost).'
         WHEN 'CRASHED' THEN 'Its agent stopped renewing the lease (agent died or lost the network); no retries left.'
         ELSE r.error_message END,
       seq = r.seq + 1, state_seq = r.seq + 1, updated_at = now()
      FROM lost WHERE r.id = lost.id
      RETURNING ${RUN_COLUMNS}, CASE WHEN lost.next = 'QUEUED' THEN 'requeued' ELSE 'crashed' END AS outcome`,
  );
  return rows;
}

/** Cancels the (locked) run now, or only records that its agent must stop it. */
export async function markCanceled(c: pg.ClientBase, runId: string, now: boolean): Promise<RunRow> {
  const set = now
    ? `status = 'CANCELED', finished_at = now(), cancel_requested_at = coalesce(cancel_requested_at, now()), lease_expires_at = NULL`
    : `cancel_requested_at = coalesce(cancel_requested_at, now())`;
  const { rows } = await c.query<RunRow>(
    `UPDATE runs r SET ${set}, seq = seq + 1, state_seq = seq + 1, updated_at = now() WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
    [runId],
  );
  return rows[0]!;
}

/** A final run keeps no lease (an exit report after the trainer finished the run itself). */
export async function clearLease(db: pg.Pool | pg.ClientBase, runId: string): Promise<void> {
  await db.query(`UPDATE runs SET lease_expires_at = NULL WHERE id = $1`, [runId]);
}

// Reads for the live run stream.

/** Each run's current seq (where a metric stream starts "now"). */
export async function seqsOf(db: pg.Pool, runIds: string[]): Promise<{ id: string; seq: number }[]> {
  const { rows } = await db.query<{ id: string; seq: number }>('SELECT id, seq FROM runs WHERE id = ANY($1::uuid[])', [
    runIds,
  ]);
  return rows;
}

/** The runs of one experiment, or the given runs, oldest first. */
export async function runsIn(db: pg.Pool, scope: { experimentId: string } | { runIds: string[] }): Promise<RunRow[]> {
  const [where, param] =
    'experimentId' in scope
      ? ['r.experiment_id = $1::uuid', scope.experimentId]
      : ['r.id = ANY($1::uuid[])', scope.runIds];
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE ${where} ORDER BY r.created_at`, [
    param,
  ]);
  return rows;
}

/** Each agent's claimed or running runs, oldest first. */
export async function activeRunsOfAgents(
  db: pg.Pool,
  agentIds: readonly string[],
  experiments: ExperimentScope,
): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.agent_id = ANY($1::uuid[]) AND r.status IN ('QUEUED', 'RUNNING')
      AND ${experimentInScope('$2')} ORDER BY r.created_at`,
    [agentIds, experiments],
  );
  return rows;
}

/** How many claimed or running runs each agent holds, over every experiment (absent: none). */
export async function activeRunCountsOfAgents(
  db: pg.Pool,
  agentIds: readonly string[],
): Promise<{ agentId: string; count: number }[]> {
  const { rows } = await db.query<{ agentId: string; count: number }>(
    `SELECT agent_id AS "agentId", count(*)::int AS count FROM runs
      WHERE agent_id = ANY($1::uuid[]) AND status IN ('QUEUED', 'RUNNING') GROUP BY agent_id`,
    [agentIds],
  );
  return rows;
}

/** The unfinished runs of a sweep, queued ones first. */
export async function unfinishedRunsOfSweep(db: pg.Pool, sweepId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM runs WHERE sweep_id = $1 AND status NOT IN ('FINISHED', 'FAILED', 'CANCELED')
      ORDER BY (status = 'QUEUED') DESC, created_at`,
    [sweepId],
  );
  return rows.map((r) => r.id);
}

/** Run counts per status of each experiment, with the newest run change. */
export async function runCountsOf(
  db: pg.Pool,
  experimentIds: readonly string[],
): Promise<{ experimentId: string; status: RunStatus; count: number; last: Date | null }[]> {
  const { rows } = await db.query<{ experimentId: string; status: RunStatus; count: number; last: Date | null }>(
    `SELECT experiment_id AS "experimentId", status::text AS status, count(*)::int AS count, max(updated_at) AS last
       FROM runs WHERE experiment_id = ANY($1::uuid[]) GROUP BY experiment_id, status ORDER BY status`,
    [experimentIds],
  );
  return rows;
}

// The run list (list.ts builds the conditions and sort keys; these run them).

/**
 * The experiments a caller may see: ids or names (an API key's experiment limits), or null for every experiment.
 * Every query that selects runs for a caller takes one, so nesting (agent -> runs -> experiment -> runs) cannot
 * reach rows a root field's check would have refused.
 */
export type ExperimentScope = readonly string[] | null;

/** The condition "the run's experiment is in the scope on parameter `param`" (a null scope allows all). */
export const experimentInScope = (param: string) =>
  `(${param}::text[] IS NULL OR r.experiment_id::text = ANY(${param}::text[])
    OR r.experiment_id IN (SELECT id FROM experiments WHERE name = ANY(${param}::text[])))`;

/** The condition "the run's experiment has this name", on parameter `param`. */
export const experimentNamed = (param: string) =>
  `r.experiment_id = (SELECT id FROM experiments WHERE name = ${param})`;

/** One row of named booleans computed over the runs matching `conditions` (filter type checks). */
export async function selectOverRuns(
  db: pg.Pool,
  select: string,
  conditions: string[],
  params: unknown[],
): Promise<Record<string, boolean>> {
  const { rows } = await db.query<Record<string, boolean>>(
    `SELECT ${select} FROM runs r ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}`,
    params,
  );
  return rows[0]!;
}

/** One sort key of the run list: an SQL expression over `r`, the type its cursor value casts to, its direction. */
export interface SortKey {
  sql: string;
  type: string;
  desc: boolean;
}

/**
 * A page of runs matching `conditions`, in keyset order: each row carries its sort keys as text (`_k0`, `_k1`,
 * ...) for the next cursor, and with `after` (the previous page's last key values) the page starts strictly
 * after that tuple. Values are bound through `params` after the conditions' own.
 */
export async function selectRunPage(
  db: pg.Pool,
  page: { conditions: string[]; keys: SortKey[]; after: (string | null)[] | null; limit: number },
  params: { add(value: unknown): string; readonly values: unknown[] },
): Promise<(RunRow & Record<string, unknown>)[]> {
  const { keys, after } = page;
  const conditions = [...page.conditions];
  if (after) {
    // (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... ; "=" is IS NOT DISTINCT FROM so null groups compare equal.
    const disjuncts = keys.map((k, i) => {
      const eqs = keys.slice(0, i).map((e, j) => `${e.sql} IS NOT DISTINCT FROM ${params.add(after[j])}::${e.type}`);
      const cmp = `${k.sql} ${k.desc ? '<' : '>'} ${params.add(after[i])}::${k.type}`;
      return `(${[...eqs, cmp].join(' AND ')})`;
    });
    conditions.push(`(${disjuncts.join(' OR ')})`);
  }
  const order = keys.map((k) => `${k.sql} ${k.desc ? 'DESC' : 'ASC'}`).join(', ');
  const keyCols = keys.map((k, i) => `(${k.sql})::text AS "_k${i}"`).join(', ');
  const sql = `SELECT ${RUN_COLUMNS}, ${keyCols} FROM runs r
    ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
    ORDER BY ${order} LIMIT ${page.limit}`;
  const { rows } = await db.query<RunRow & Record<string, unknown>>(sql, params.values);
  return rows;
}

/** The tags and archive flag of a bulk edit (see RunService.updateMany): tag order kept, new tags appended once. */
export const tagsAndArchived = (add: string[], remove: string[], archived: boolean | null) => (p: Bind) =>
  `tags = (SELECT coalesce(array_agg(t ORDER BY o), '{}') FROM
       (SELECT t, min(o) AS o FROM unnest(coalesce(r.tags, '{}') || ${p(add)}::text[]) WITH ORDINALITY u(t, o)
         WHERE NOT t = ANY(${p(remove)}::text[]) GROUP BY t) x),
     archived = coalesce(${p(archived)}::boolean, r.archived)`;

export async function countRuns(db: pg.Pool, conditions: string[], params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM runs r ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}`,
    params,
  );
  return rows[0]!.n;
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
