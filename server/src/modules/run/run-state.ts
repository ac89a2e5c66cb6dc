import type pg from 'pg';
import { assertId, ErrorCode, notFound, userError } from '../../core/errors.ts';
import { inCallerTransaction, inTransaction } from '../../db/database.ts';
import { notifyPg, notifyRuns, type RunEventKind } from '../../pubsub/topics.ts';
import type { RunQueue } from '../launch/queue.ts';
import {
  ACTIVE_STATUSES,
  ALL_STATUSES,
  type Bind,
  claimRun,
  clearLease,
  crashSilentRuns,
  deleteRuns,
  endedRunsOf,
  expireLeasedRuns,
  extendLeases,
  FINAL_STATUSES,
  findRun,
  ingestSeqSql,
  insertRun,
  lockRun,
  lockRuns,
  markCanceled,
  nextIngestSeq,
  type RunRow,
  type RunStatus,
  setRunJob,
  statusOf,
  touchRunning,
  transitionRun,
  updateRuns,
} from './store.ts';

export interface NewRun {
  experimentId: string;
  /** null: "run-<n>", n from the experiment's run counter (never reused, see insertRun). */
  name: string | null;
  config: Record<string, unknown>;
  tags: string[];
  notes: string;
  systemInfo?: Record<string, unknown>;
  /** Flattened config paths a launch was given (the rest are trainer defaults); absent for createRun. */
  userConfigKeys?: string[] | null;
}

/** What puts a new run in the queue (launchRun, launchSweep). */
export interface NewJob {
  labels: string[];
  retries: number;
  priority: number;
  queue: string;
  /** The agent entry point that runs it. */
  entryPoint: string;
  sweep?: { id: string; parallelism: number };
}

export interface AgentRef {
  id: string;
  name: string;
  host: string;
}

/**
 * The one module that changes a run's status, seq and lease. Everything that moves a run — createRun,
 * startRun, heartbeats that revive, finishRun, edits, deletes, a logMetrics batch, the crash detector,
 * launch, claims, lease renewal and expiry, cancel, an agent's exit report — is a method here.
 *
 * Its SQL lives in ./store.ts; every statement runs on the transaction this class opens (or the caller's), so
 * the change and its NOTIFY commit together. Invariants every method keeps:
 * - a change is one statement guarded by the statuses it may start from, on the locked row, so concurrent
 *   callers (two servers' crash sweepers, a retried finishRun racing itself) cannot both apply it;
 * - it bumps `seq` (and `state_seq` for state changes), and publishes its event with `notifyPg` in the same
 *   transaction, so an event exists exactly when its change committed;
 * - a repeated request for the state a run already has is a no-op returning the run, not an error
 *   (clients retry after lost responses).
 */
export class RunState {
  private finalHooks: ((c: pg.ClientBase, runId: string) => Promise<void>)[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly queue: RunQueue | null,
    private readonly leaseSeconds: number,
  ) {}

  /**
   * Work that follows a run ending (metric compaction), started in the transaction that ends it: the hook
   * commits with the status change, or not at all. Status itself is still written only here.
   */
  whenFinal(hook: (c: pg.ClientBase, runId: string) => Promise<void>): void {
    this.finalHooks.push(hook);
  }

  private async ended(c: pg.ClientBase, run: RunRow): Promise<void> {
    if (!FINAL_STATUSES.includes(run.status)) return;
    for (const hook of this.finalHooks) await hook(c, run.id);
  }

  /** Inserts a run (QUEUED, seq 1) in the caller's transaction; with `job`, queues it in the same transaction. */
  async insert(c: pg.ClientBase, run: NewRun, job?: NewJob): Promise<RunRow> {
    let created = await insertRun(c, {
      ...run,
      systemInfo: run.systemInfo ?? {},
      userConfigKeys: run.userConfigKeys ?? null,
      labels: job?.labels ?? [],
      retries: job?.retries ?? 0,
      sweepId: job?.sweep?.id ?? null,
      entryPoint: job?.entryPoint ?? null,
    });
    if (job) {
      const queue = this.requireQueue();
      const group = job.sweep ? { id: job.sweep.id, tier: `p${job.sweep.parallelism}` } : undefined;
      const jobId = await queue.send(c, job.queue, { runId: created.id }, { ...job, group });
      created = await setRunJob(c, created.id, jobId, job.queue);
    }
    await this.publish(c, created, 'CREATED');
    return created;
  }

  /**
   * A trainer begins (or, replaying its journal after an outage, repeats beginning) the run. `at` is a start time
   * the client measured (MLflow's `start_time`); a run keeps the first start time it got. With `c`, the change
   * is part of the caller's transaction.
   */
  start(id: string, systemInfo: Record<string, unknown>, at: Date | null = null, c?: pg.ClientBase): Promise<RunRow> {
    return this.transition(
      id,
      ['QUEUED', 'RUNNING', 'CRASHED'],
      'start',
      (p) => `status = 'RUNNING', started_at = coalesce(started_at, ${p(at)}::timestamptz, now()),
              last_heartbeat_at = now(), finished_at = NULL, system_info = system_info || ${p(systemInfo)}::jsonb`,
      undefined,
      c,
    );
  }

  /**
   * Keeps a RUNNING run alive. The common case touches one column and publishes nothing (heartbeats are not
   * events); a CRASHED run that heartbeats is RUNNING again; a final run is returned as it is, which tells the
   * trainer to stop.
   */
  async heartbeat(id: string): Promise<RunRow> {
    const runId = assertId('Run', id);
    const running = await touchRunning(this.pool, runId);
    if (running) return running;
    const run = await findRun(this.pool, runId);
    if (!run) throw notFound('Run', id);
    if (run.status === 'CRASHED') {
      return this.transition(
        runId,
        ['CRASHED'],
        'revive',
        () => `status = 'RUNNING', last_heartbeat_at = now(), finished_at = NULL`,
      );
    }
    if (run.status === 'QUEUED') {
      throw userError(
        ErrorCode.INVALID_STATE_TRANSITION,
        `Run ${id} is QUEUED; call startRun before sending heartbeats.`,
        {
          status: run.status,
        },
      );
    }
    return run;
  }

  /**
   * Ends a run with a final status; asking again for the status it already has is a no-op. `at` is an end time
   * the client measured (MLflow's `end_time`), else the server's clock.
   */
  finish(
    id: string,
    status: RunStatus,
    exitCode: number | null,
    message: string | null,
    at: Date | null = null,
    c?: pg.ClientBase,
  ): Promise<RunRow> {
    return this.transition(
      id,
      ACTIVE_STATUSES,
      `finish as ${status}`,
      (p) => `status = ${p(status)}::"RunStatus", finished_at = coalesce(${p(at)}::timestamptz, now()),
              exit_code = ${p(exitCode)}::int, error_message = ${p(message)}::text, lease_expires_at = NULL`,
      status,
      c,
    );
  }

  /**
   * Moves the end time of a run that has ended (MLflow's update-run with only `end_time`, which MLflow stores).
   * Only final runs have an end to move; the end it already has is a no-op without an event. Not an ending:
   * the final hooks ran when the run ended and do not run again.
   */
  setEndTime(id: string, at: Date, c?: pg.ClientBase): Promise<RunRow> {
    const runId = assertId('Run', id);
    return inCallerTransaction(this.pool, c, async (c) => {
      const run = await lockRun(c, runId);
      if (!run) throw notFound('Run', id);
      if (FINAL_STATUSES.includes(run.status) && run.finishedAt?.getTime() === at.getTime()) return run;
      const moved = await transitionRun(c, runId, FINAL_STATUSES, (p) => `finished_at = ${p(at)}::timestamptz`);
      if (!moved) {
        throw userError(
          ErrorCode.INVALID_STATE_TRANSITION,
          `Cannot set the end time of run ${id}: it is ${run.status}; allowed only once it ended (${FINAL_STATUSES.join(', ')}).`,
          { status: run.status },
        );
      }
      await this.publish(c, moved, 'UPDATED');
      return moved;
    });
  }

  /** Name, tags or notes: an event for subscribers, allowed in any status. */
  edit(id: string, set: (p: Bind) => string, c?: pg.ClientBase): Promise<RunRow> {
    return this.transition(id, ALL_STATUSES, 'update', set, undefined, c);
  }

  /**
   * An edit of many runs (tags, archive flag), all or none: the rows are locked in id order (concurrent bulk
   * calls cannot deadlock) and a missing id is NOT_FOUND before anything is written. `check` may refuse the
   * result, which rolls it back. One event per run.
   */
  editMany(runIds: string[], set: (p: Bind) => string, check: (rows: RunRow[]) => void = () => {}): Promise<RunRow[]> {
    return inTransaction(this.pool, async (c) => {
      await this.lockAll(c, runIds);
      const rows = await updateRuns(c, runIds, set);
      check(rows);
      for (const run of rows) await this.publish(c, run, 'UPDATED');
      const byId = new Map(rows.map((r) => [r.id, r]));
      return runIds.map((id) => byId.get(id)!);
    });
  }

  /** Deletes many runs in the caller's transaction, all or none, one DELETED event each. */
  async deleteMany(c: pg.ClientBase, runIds: string[]): Promise<void> {
    await this.lockAll(c, runIds);
    const rows = await deleteRuns(c, runIds);
    await notifyRuns(
      c,
      rows.map((r) => ({ ...r, seq: r.seq + 1 })),
      'DELETED',
    );
  }

  /** Locks the runs in id order; NOT_FOUND names a missing one. */
  private async lockAll(c: pg.ClientBase, runIds: string[]): Promise<void> {
    const found = await lockRuns(c, runIds);
    if (found.size === runIds.length) return;
    throw notFound('Run', runIds.find((id) => !found.has(id))!);
  }

  /** Deletes the run row in the caller's transaction (the caller purges its metric rows first). */
  async delete(c: pg.ClientBase, id: string): Promise<void> {
    const rows = await deleteRuns(c, [id]);
    if (!rows[0]) throw notFound('Run', id);
    await notifyPg(c, {
      type: 'run',
      runId: id,
      experimentId: rows[0].experimentId,
      seq: rows[0].seq + 1,
      kind: 'DELETED',
    });
  }

  /**
   * A logMetrics batch takes the run's next seq, in the caller's transaction, and counts as a heartbeat; a
   * CRASHED run that logs again is RUNNING again (an event). Only RUNNING and CRASHED runs accept metrics.
   */
  async beginIngest(c: pg.ClientBase, runId: string): Promise<{ seq: number; experimentId: string; revived: boolean }> {
    const locked = await nextIngestSeq(c, runId);
    if (locked) {
      if (locked.revived) {
        await notifyPg(c, { type: 'run', runId, experimentId: locked.experimentId, seq: locked.seq, kind: 'UPDATED' });
      }
      return locked;
    }
    const status = await statusOf(c, runId);
    if (!status) throw notFound('Run', runId);
    const hint = status === 'QUEUED' ? 'call startRun first' : 'its metrics are closed';
    throw userError(ErrorCode.RUN_NOT_ACTIVE, `Run ${runId} is ${status}; cannot log metrics (${hint}).`, {
      status,
    });
  }

  /**
   * beginIngest as SQL, for an ingest done in one statement: the statement runs this first (as CTE `run`) and
   * publishes the revived run's event in the same statement (pubsub ingestNoticesSql), so the status write stays this class's and the event
   * commits with it. No row from it means "not accepted": the caller then takes beginIngest's path, which says why.
   */
  ingestSeqSql(runs?: string): string {
    return ingestSeqSql(runs);
  }

  /**
   * Marks RUNNING runs whose heartbeat is older than the timeout as CRASHED. Every server instance runs this;
   * it is still once per run because the update re-checks `status = 'RUNNING'` on the locked row.
   */
  async crashSilent(timeoutSeconds: number): Promise<string[]> {
    return inTransaction(this.pool, async (c) => {
      const rows = await crashSilentRuns(c, timeoutSeconds);
      await notifyRuns(c, rows, 'UPDATED');
      return rows.map((r) => r.id);
    });
  }

  /**
   * Hands a queued run to an agent with a lease, in the caller's transaction. A retried job may reach a new
   * agent before the old lease was expired here: the higher attempt number tells a legitimate re-claim from
   * a duplicate. Null when the run is no longer claimable (canceled or deleted meanwhile).
   */
  async claim(
    c: pg.ClientBase,
    runId: string,
    jobId: string,
    attempt: number,
    agent: AgentRef,
  ): Promise<RunRow | null> {
    const claimed = await claimRun(c, { runId, jobId, attempt, leaseSeconds: this.leaseSeconds }, agent);
    if (claimed) await this.publish(c, claimed, 'UPDATED');
    return claimed;
  }

  /**
   * Extends the leases the agent still holds (same agent, run not final); says which of them should stop
   * (cancel requested), which runs it no longer holds, and which have ended while it held them. Not an event:
   * nothing a subscriber sees changes.
   */
  async renewLeases(agentId: string, runIds: string[]): Promise<{ held: RunRow[]; lost: string[]; ended: string[] }> {
    const rows = await extendLeases(this.pool, agentId, runIds, this.leaseSeconds);
    // The queue's own heartbeat on each job is kept alive too (fenced by attempt): it is the backstop that
    // would otherwise retry a healthy job. A job the queue no longer has for that attempt is not held.
    const queue = this.requireQueue();
    const byQueue = new Map<string, RunRow[]>();
    for (const r of rows) if (r.jobQueue) byQueue.set(r.jobQueue, [...(byQueue.get(r.jobQueue) ?? []), r]);
    const touched = new Set<string>();
    for (const [name, list] of byQueue) {
      const ok = await queue.touch(
        name,
        list.map((r) => ({ id: r.jobId!, retryCount: r.attempt })),
      );
      for (const r of list) if (ok.has(r.jobId!)) touched.add(r.id);
    }
    const held = rows.filter((r) => touched.has(r.id));
    const heldIds = new Set(held.map((r) => r.id));
    const notHeld = runIds.filter((id) => !heldIds.has(id));
    // A run its own trainer just finished is not held either, but its trainer must be left to exit: a renewal
    // landing between finishRun and the process's exit SIGKILLed trainers that had done nothing wrong.
    const ended = new Set(notHeld.length ? await endedRunsOf(this.pool, agentId, notHeld) : []);
    return { held, lost: notHeld.filter((id) => !ended.has(id)), ended: [...ended] };
  }

  /**
   * Runs whose lease ran out (their agent died or lost the network): back to QUEUED with the attempt
   * recorded when retries remain, else CRASHED. The queue job is settled in the same transaction (pg-boss
   * retries it, fenced by attempt, or fails it), so an agent can claim the retry as soon as this commits.
   */
  async expireLeases(): Promise<{ requeued: string[]; crashed: string[] }> {
    const queue = this.requireQueue();
    return inTransaction(this.pool, async (c) => {
      const rows = await expireLeasedRuns(c);
      for (const run of rows) {
        if (run.jobId && run.jobQueue) await queue.fail(run.jobQueue, { id: run.jobId, retryCount: run.attempt }, c);
      }
      await notifyRuns(c, rows, 'UPDATED');
      return {
        requeued: rows.filter((r) => r.outcome === 'requeued').map((r) => r.id),
        crashed: rows.filter((r) => r.outcome === 'crashed').map((r) => r.id),
      };
    });
  }

  /** QUEUED and unclaimed (or CRASHED): CANCELED at once, leaving the queue. Claimed or RUNNING: its agent is told to stop it. */
  async cancel(id: string): Promise<RunRow> {
    const runId = assertId('Run', id);
    return inTransaction(this.pool, async (c) => {
      const run = await lockRun(c, runId);
      if (!run) throw notFound('Run', id);
      if (run.status === 'CANCELED') return run; // a retried cancel
      if (FINAL_STATUSES.includes(run.status)) {
        throw userError(
          ErrorCode.INVALID_STATE_TRANSITION,
          `Run ${id} already ended (${run.status}); nothing to cancel.`,
          {
            status: run.status,
          },
        );
      }
      const unclaimed = run.status === 'QUEUED' && run.agentId === null;
      if (unclaimed && run.jobId) await this.requireQueue().cancel(run.jobQueue!, run.jobId, c);
      const updated = await markCanceled(c, runId, unclaimed || run.status === 'CRASHED');
      await this.publish(c, updated, 'UPDATED');
      await this.ended(c, updated);
      return updated;
    });
  }

  /**
   * The trainer process of a launched run ended. Settles the queue job; ends the run if the trainer did not
   * (killed, crashed). A report from an agent that no longer holds the run (its lease was lost and the run
   * requeued) changes nothing.
   */
  async reportExit(
    agentId: string,
    runIdRaw: string,
    exitCode: number | null,
    signal: string | null,
    error: string | null,
  ): Promise<RunRow> {
    const runId = assertId('Run', runIdRaw);
    const run = await findRun(this.pool, runId);
    if (!run) throw notFound('Run', runIdRaw);
    if (run.agentId !== agentId) return run;
    if (run.jobId)
      await this.requireQueue().complete(
        run.jobQueue!,
        { id: run.jobId, retryCount: run.attempt },
        { exitCode, signal },
      );
    if (FINAL_STATUSES.includes(run.status)) {
      if (run.leaseExpiresAt) await clearLease(this.pool, runId);
      return run;
    }
    const how = signal ? `signal ${signal}` : `exit code ${exitCode}`;
    const status: RunStatus = run.cancelRequestedAt ? 'CANCELED' : exitCode === 0 ? 'FINISHED' : 'FAILED';
    const message =
      status === 'FAILED'
        ? error
          ? `${error} (${how})`
          : `Trainer process ended with ${how} without finishing the run.`
        : null;
    return this.transition(
      runId,
      ACTIVE_STATUSES,
      `end as ${status}`,
      (p) => `status = ${p(status)}::"RunStatus", finished_at = now(), exit_code = ${p(exitCode)}::int,
              error_message = coalesce(${p(message)}::text, error_message), lease_expires_at = NULL`,
      status,
    );
  }

  /**
   * The guarded state change behind most methods: an update guarded by `status IN (from)` + seq bump + NOTIFY, in one
   * transaction. When the guard fails because the run already has `sameAs`, the call was a repeat: the run is
   * returned unchanged. With `client`, in the caller's transaction (its NOTIFY is delivered when that commits).
   */
  private async transition(
    id: string,
    from: readonly RunStatus[],
    action: string,
    set: (p: Bind) => string,
    sameAs?: RunStatus,
    client?: pg.ClientBase,
  ): Promise<RunRow> {
    const runId = assertId('Run', id);
    return inCallerTransaction(this.pool, client, async (c) => {
      const run = await transitionRun(c, runId, from, set);
      if (run) {
        await this.publish(c, run, 'UPDATED');
        await this.ended(c, run);
        return run;
      }
      const existing = await findRun(c, runId);
      if (!existing) throw notFound('Run', id);
      if (sameAs !== undefined && existing.status === sameAs) return existing;
      throw userError(
        ErrorCode.INVALID_STATE_TRANSITION,
        `Cannot ${action} run ${id}: it is ${existing.status}; allowed only from ${from.join(', ')}.`,
        { status: existing.status },
      );
    });
  }

  private publish(c: pg.ClientBase, run: RunRow, kind: RunEventKind): Promise<void> {
    return notifyPg(c, { type: 'run', runId: run.id, experimentId: run.experimentId, seq: run.seq, kind });
  }

  private requireQueue(): RunQueue {
    if (!this.queue) throw new Error('RunState was created without a queue');
    return this.queue;
  }
}
