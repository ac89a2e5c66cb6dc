import type pg from 'pg';
import { type Database, inTransaction } from '../../db/database.js';
import { assertId, badInput, ErrorCode, notFound, userError } from '../../graphql/errors.js';
import type { ExperimentService } from '../experiment/service.js';
import type { RunService } from '../run/service.js';
import { findRun, RUN_COLUMNS, type RunRow } from '../run/store.js';
import { checkName, checkTags, checkText, LIMITS, sanitiseText } from '../validate.js';
import { validateTrainerConfig } from './config-contract.js';
import { DEFAULT_LEASE_SECONDS, queueName, type RunQueue } from './queue.js';

export interface LaunchRunInput {
  experimentId?: string | null;
  experimentName?: string | null;
  name?: string | null;
  config: unknown;
  tags?: string[] | null;
  notes?: string | null;
  labels?: string[] | null;
  retries?: number | null;
  priority?: number | null;
}

export interface RegisterAgentInput {
  id: string;
  name: string;
  host: string;
  labels?: string[] | null;
  gpus?: string[] | null;
  concurrency: number;
  info?: unknown;
}

export interface AgentRow {
  id: string;
  name: string;
  host: string;
  labels: string[];
  gpus: string[];
  concurrency: number;
  info: Record<string, unknown>;
  startedAt: Date;
  lastSeenAt: Date;
}

/** An agent unheard of for this long is offline (agents poll every 0.5 s and renew every lease / 4). */
export const AGENT_OFFLINE_SECONDS = DEFAULT_LEASE_SECONDS * 1.5;
const AGENT_COLUMNS = `id, name, host, coalesce(labels, '{}') AS labels, coalesce(gpus, '{}') AS gpus, concurrency, info,
  started_at AS "startedAt", last_seen_at AS "lastSeenAt"`;

/** Labels name queues (runs.<label>.<label>), so they are restricted to a safe alphabet. */
export function checkLabels(labels: string[]): string[] {
  const clean = checkTags('labels', labels);
  const bad = clean.find((l) => !/^[A-Za-z0-9_-]+$/.test(l));
  if (bad !== undefined) throw badInput('labels', `${JSON.stringify(bad)}: letters, digits, _ and - only`);
  return clean;
}

/** Inserts a QUEUED run with its queue job in the caller's transaction (used by launchRun and sweeps). */
export async function insertLaunchedRun(
  c: pg.ClientBase,
  queue: RunQueue,
  runs: RunService,
  r: {
    experimentId: string;
    name: string | null;
    config: Record<string, unknown>;
    tags: string[];
    notes: string;
    labels: string[];
    retries: number;
    priority: number;
    sweep?: { id: string; parallelism: number };
  },
): Promise<RunRow> {
  const { rows } = await c.query<RunRow>(
    `INSERT INTO runs AS r (id, experiment_id, name, config, tags, notes, labels, retries, sweep_id, seq, state_seq)
     VALUES (gen_random_uuid(), $1, coalesce($2, 'run-' || (SELECT count(*) + 1 FROM runs WHERE experiment_id = $1)),
             $3, $4, $5, $6, $7, $8, 1, 1)
     RETURNING ${RUN_COLUMNS}`,
    [r.experimentId, r.name, r.config, r.tags, r.notes, r.labels, r.retries, r.sweep?.id ?? null],
  );
  const run = rows[0]!;
  const q = queueName(r.labels);
  const group = r.sweep ? { id: r.sweep.id, tier: `p${r.sweep.parallelism}` } : undefined;
  const jobId = await queue.send(c, q, { runId: run.id }, { retries: r.retries, priority: r.priority, group });
  await c.query(`UPDATE runs SET job_id = $2, job_queue = $3 WHERE id = $1`, [run.id, jobId, q]);
  Object.assign(run, { jobId, jobQueue: q });
  await runs.notify(c, run, 'CREATED');
  return run;
}

/**
 * Launching runs through the queue, and the agent protocol: register, claim (lease), renew, report exit.
 * Lease loss is detected by pg-boss (a job nobody touched for LEASE_SECONDS is retried or failed) and
 * reflected on the run by `reconcileLeases`, which every server runs with its crash detector.
 */
export class LaunchService {
  constructor(
    private readonly db: Database,
    private readonly queue: RunQueue,
    private readonly experiments: ExperimentService,
    private readonly runs: RunService,
  ) {}

  async launchRun(input: LaunchRunInput): Promise<RunRow> {
    const retries = input.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0 || retries > 100)
      throw badInput('retries', 'must be between 0 and 100');
    const labels = checkLabels(input.labels ?? []);
    const tags = checkTags('tags', input.tags ?? []);
    const notes = checkText('notes', input.notes ?? '', LIMITS.notes);
    const name = input.name != null ? checkName('name', input.name) : null;
    const experiment = await this.experiments.resolve(input);
    const config = validateTrainerConfig(experiment.name, input.config);
    return inTransaction(this.db.pool, (c) =>
      insertLaunchedRun(c, this.queue, this.runs, {
        experimentId: experiment.id,
        name,
        config,
        tags,
        notes,
        labels,
        retries,
        priority: input.priority ?? 0,
      }),
    );
  }

  /** QUEUED and unclaimed: leaves the queue at once. Claimed or RUNNING: the agent is told to stop it. */
  async cancelRun(id: string): Promise<RunRow> {
    const runId = assertId('Run', id);
    return inTransaction(this.db.pool, async (c) => {
      const { rows } = await c.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r WHERE id = $1 FOR UPDATE`, [runId]);
      const run = rows[0];
      if (!run) throw notFound('Run', id);
      if (['FINISHED', 'FAILED', 'CANCELED'].includes(run.status)) {
        throw userError(
          ErrorCode.INVALID_STATE_TRANSITION,
          `Run ${id} already ended (${run.status}); nothing to cancel.`,
          { status: run.status },
        );
      }
      const unclaimed = run.status === 'QUEUED' && run.agentId === null;
      if (unclaimed && run.jobId) await this.queue.cancel(run.jobQueue!, run.jobId, c);
      const set =
        unclaimed || run.status === 'CRASHED'
          ? `status = 'CANCELED', finished_at = now(), cancel_requested_at = now()`
          : `cancel_requested_at = coalesce(cancel_requested_at, now())`;
      const { rows: updated } = await c.query<RunRow>(
        `UPDATE runs r SET ${set}, seq = seq + 1, state_seq = seq + 1, updated_at = now() WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
        [runId],
      );
      await this.runs.notify(c, updated[0]!, 'UPDATED');
      return updated[0]!;
    });
  }

  async registerAgent(input: RegisterAgentInput): Promise<AgentRow> {
    const id = assertId('Agent', input.id);
    if (!Number.isInteger(input.concurrency) || input.concurrency < 1 || input.concurrency > 256)
      throw badInput('concurrency', 'must be between 1 and 256');
    const { rows } = await this.db.pool.query<AgentRow>(
      `INSERT INTO agents (id, name, host, labels, gpus, concurrency, info) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, host = EXCLUDED.host, labels = EXCLUDED.labels, gpus = EXCLUDED.gpus,
         concurrency = EXCLUDED.concurrency, info = EXCLUDED.info, last_seen_at = now()
       RETURNING ${AGENT_COLUMNS}`,
      [
        id,
        checkName('name', input.name),
        checkName('host', input.host),
        checkTags('labels', input.labels ?? []),
        checkTags('gpus', input.gpus ?? []),
        input.concurrency,
        input.info ?? {},
      ],
    );
    return rows[0]!;
  }

  listAgents(): Promise<AgentRow[]> {
    return this.db.pool
      .query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY last_seen_at DESC`)
      .then((r) => r.rows);
  }

  private async seen(agentId: string): Promise<AgentRow> {
    const { rows } = await this.db.pool.query<AgentRow>(
      `UPDATE agents SET last_seen_at = now() WHERE id = $1 RETURNING ${AGENT_COLUMNS}`,
      [assertId('Agent', agentId)],
    );
    if (!rows[0]) throw notFound('Agent', agentId);
    return rows[0];
  }

  /** Hands up to `max` queued runs to the agent; each comes with a lease the agent must renew. */
  async claimRuns(agentId: string, max: number) {
    if (!Number.isInteger(max) || max < 1 || max > 256) throw badInput('max', 'must be between 1 and 256');
    const agent = await this.seen(agentId);
    const { rows: tiers } = await this.db.pool.query<{ p: number }>(`SELECT DISTINCT parallelism AS p FROM sweeps`);
    const limits = Object.fromEntries(tiers.map((t) => [`p${t.p}`, t.p]));
    const out: { run: RunRow; attempt: number; leaseSeconds: number }[] = [];
    for (const q of await this.queue.queuesFor(agent.labels)) {
      if (out.length >= max) break;
      for (const job of await this.queue.fetch(this.db.pool, q, max - out.length, limits)) {
        const run = await inTransaction(this.db.pool, async (c) => {
          const { rows } = await c.query<RunRow>(
            // A retried job may reach a new agent before reconcileLeases has requeued the run: the higher
            // attempt number is what tells a legitimate re-claim from a duplicate.
            `UPDATE runs r SET agent_id = $2::uuid, attempt = $3, status = 'QUEUED', started_at = NULL, finished_at = NULL,
                    seq = seq + 1, state_seq = seq + 1, updated_at = now(), error_message = NULL,
                    system_info = system_info || jsonb_build_object('agent', jsonb_build_object('id', $2::text, 'name', $4::text, 'host', $5::text))
              WHERE id = $1 AND job_id = $6 AND status IN ('QUEUED', 'RUNNING', 'CRASHED')
                AND (agent_id IS NULL OR attempt < $3::int)
              RETURNING ${RUN_COLUMNS}`,
            [job.data.runId, agent.id, job.retryCount, agent.name, agent.host, job.id],
          );
          if (rows[0]) await this.runs.notify(c, rows[0], 'UPDATED');
          return rows[0] ?? null;
        });
        if (run) out.push({ run, attempt: job.retryCount, leaseSeconds: this.queue.leaseSeconds });
        else await this.queue.complete(q, job.id, { skipped: 'run no longer queued' }); // canceled or deleted meanwhile
      }
    }
    return out;
  }

  /** Renews the leases of the agent's runs; says which to stop (cancel requested) and which it no longer holds. */
  async renewLeases(agentId: string, runIds: string[]) {
    await this.seen(agentId);
    const ids = runIds.map((id) => assertId('Run', id));
    const { rows } = await this.db.pool.query<{
      id: string;
      jobId: string;
      jobQueue: string;
      cancel: boolean;
      attempt: number;
    }>(
      `SELECT id, job_id AS "jobId", job_queue AS "jobQueue", cancel_requested_at IS NOT NULL AS cancel, attempt
         FROM runs WHERE id = ANY($1::uuid[]) AND agent_id = $2 AND job_id IS NOT NULL`,
      [ids, agentId],
    );
    const held = new Set<string>();
    const byQueue = new Map<string, typeof rows>();
    for (const r of rows) byQueue.set(r.jobQueue, [...(byQueue.get(r.jobQueue) ?? []), r]);
    for (const [q, list] of byQueue) {
      const touched = await this.queue.touch(
        q,
        list.map((r) => ({ id: r.jobId, retryCount: r.attempt })),
      );
      for (const r of list) if (touched.has(r.jobId)) held.add(r.id);
    }
    return { cancel: rows.filter((r) => r.cancel).map((r) => r.id), lost: ids.filter((id) => !held.has(id)) };
  }

  /** The trainer process ended. Settles the job; ends the run if the trainer did not (killed, crashed). */
  async reportRunExit(
    agentId: string,
    runIdRaw: string,
    exitCode: number | null,
    signal: string | null,
    error: string | null,
  ) {
    const runId = assertId('Run', runIdRaw);
    const run = await findRun(this.db.pool, runId);
    if (!run) throw notFound('Run', runIdRaw);
    if (run.agentId !== agentId) return run; // a stale agent whose lease was lost: the run is someone else's now
    if (run.jobId)
      await this.queue.complete(run.jobQueue!, { id: run.jobId, retryCount: run.attempt }, { exitCode, signal });
    if (['FINISHED', 'FAILED', 'CANCELED'].includes(run.status)) return run;
    const how = signal ? `signal ${signal}` : `exit code ${exitCode}`;
    const status = run.cancelRequestedAt ? 'CANCELED' : exitCode === 0 ? 'FINISHED' : 'FAILED';
    // The agent's copy of the trainer's stderr: stored whatever it holds (NUL would fail the write).
    const message =
      status === 'FAILED'
        ? error
          ? `${sanitiseText(error.slice(0, LIMITS.error))} (${how})`
          : `Trainer process ended with ${how} without finishing the run.`
        : null;
    return this.runs.transition(
      runId,
      ['QUEUED', 'RUNNING', 'CRASHED'],
      `end as ${status}`,
      (p) =>
        `status = ${p(status)}::"RunStatus", finished_at = now(), exit_code = ${p(exitCode)}::int,
       error_message = coalesce(${p(message)}::text, error_message)`,
    );
  }

  /**
   * Mirrors pg-boss's lease decisions onto runs: a job pg-boss put back in the queue (its agent stopped
   * renewing and retries remain) makes the run QUEUED again; a job it failed makes the run CRASHED.
   */
  async reconcileLeases(): Promise<{ requeued: string[]; crashed: string[] }> {
    const { rows } = await this.db.pool.query<{
      id: string;
      experimentId: string;
      seq: number;
      outcome: 'requeued' | 'crashed';
    }>(
      `WITH lost AS (
         SELECT r.id, j.state::text AS state, j.retry_count FROM runs r
           JOIN pgboss.job j ON j.id = r.job_id AND j.name = r.job_queue
          WHERE r.agent_id IS NOT NULL AND r.status IN ('QUEUED', 'RUNNING', 'CRASHED')
            AND j.state::text IN ('created', 'retry', 'failed')
          FOR UPDATE OF r SKIP LOCKED),
       changed AS (
         UPDATE runs r SET
           status = CASE WHEN lost.state = 'failed' THEN 'CRASHED'::"RunStatus" ELSE 'QUEUED'::"RunStatus" END,
           agent_id = CASE WHEN lost.state = 'failed' THEN r.agent_id END,
           finished_at = CASE WHEN lost.state = 'failed' THEN now() END,
           started_at = CASE WHEN lost.state = 'failed' THEN r.started_at END,
           error_message = CASE WHEN lost.state = 'failed'
             THEN 'Its agent stopped renewing the lease (agent died or lost the network); no retries left.'
             ELSE 'Requeued: its agent stopped renewing the lease (attempt ' || (r.attempt + 1) || ' lost).' END,
           seq = r.seq + 1, state_seq = r.seq + 1, updated_at = now()
         FROM lost WHERE r.id = lost.id
         RETURNING r.id, r.experiment_id AS "experimentId", r.seq, CASE WHEN lost.state = 'failed' THEN 'crashed' ELSE 'requeued' END AS outcome)
       SELECT *, pg_notify('runboard_events', json_build_object('type', 'run', 'runId', id, 'experimentId', "experimentId", 'seq', seq, 'kind', 'UPDATED')::text)
         FROM changed`,
    );
    return {
      requeued: rows.filter((r) => r.outcome === 'requeued').map((r) => r.id),
      crashed: rows.filter((r) => r.outcome === 'crashed').map((r) => r.id),
    };
  }

  /** Whether a queued run can be picked up by any agent online now (for "waiting for an agent" in the API). */
  async agentAvailable(labels: string[]): Promise<boolean> {
    const { rowCount } = await this.db.pool.query(
      `SELECT 1 FROM agents WHERE last_seen_at > now() - make_interval(secs => $1) AND coalesce(labels, '{}') @> $2::text[] LIMIT 1`,
      [AGENT_OFFLINE_SECONDS, labels],
    );
    return (rowCount ?? 0) > 0;
  }
}
