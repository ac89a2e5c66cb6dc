import type pg from 'pg';
import { isConnectionError } from '../../core/db-errors.ts';
import { currentTiming, telemetry, untimed } from '../../core/telemetry.ts';
import { ingestNoticesSql } from '../../pubsub/topics.ts';
import type { RunState } from '../run/run-state.ts';
import { appendBatches, type ForwardBatch, FRONTIER_MOVED } from './store.ts';

/** Statements in flight at once: one committing while the next runs its inserts. */
const MAX_IN_FLIGHT = 2;
/** Bounds one statement: at most this many batches, and points. */
const MAX_BATCHES = 64;
const MAX_POINTS = 5000;

interface Pending {
  batch: ForwardBatch;
  resolve: (seq: number | null) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for forward batches, keeping "acknowledged means durable": a batch is answered only after the
 * statement that holds it committed (synchronous_commit on). Nothing waits on a timer: an idle server sends a
 * batch at once; while MAX_IN_FLIGHT statements are out, arriving batches queue and the next statement takes
 * all of them (distinct runs; a run's second batch waits for the following one). Every NOTIFYing commit holds
 * PostgreSQL's cluster-wide notify lock through its WAL flush, so one commit per batch capped a server at
 * one batch per fsync; one per group lifts that cap (docs/performance.md).
 */
export class ForwardGroups {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** Runs with a batch in a statement under way: their next batch waits for it (see take). */
  private readonly busy = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly state: RunState,
  ) {}

  /** The batch's seq once committed; null when it was not written (a point already stored, or the run does
   * not accept metrics): the caller's transactional path then replaces, or says why. */
  append(batch: ForwardBatch): Promise<number | null> {
    const timing = currentTiming();
    const t0 = performance.now();
    return new Promise<number | null>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      telemetry.forwardQueued++;
      this.flush();
    }).finally(() => {
      // The request's share: from queueing to its commit (the statement itself is timed for nobody).
      if (timing) {
        timing.dbMs += performance.now() - t0;
        timing.statements++;
      }
    });
  }

  private flush(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const group = this.take();
      if (group.length === 0) return;
      const runs = group.map((p) => p.batch.runId);
      for (const r of runs) this.busy.add(r);
      this.inFlight++;
      untimed(() => this.send(group)).finally(() => {
        this.inFlight--;
        for (const r of runs) this.busy.delete(r);
        this.flush();
      });
    }
  }

  /**
   * The next group: queued batches in order, one per run, within the bounds (the first always fits). A run with
   * a batch in the other statement under way waits for it: its statement would only wait for that one's lock,
   * with a snapshot from before its commit, and fail with FRONTIER_MOVED (store.ts appendBatchesSql).
   */
  private take(): Pending[] {
    const group: Pending[] = [];
    const runs = new Set<string>();
    let points = 0;
    for (let i = 0; i < this.queue.length && group.length < MAX_BATCHES; ) {
      const p = this.queue[i]!;
      const n = p.batch.points.length;
      const run = p.batch.runId;
      if (runs.has(run) || this.busy.has(run) || (group.length > 0 && points + n > MAX_POINTS)) {
        i++;
        continue;
      }
      group.push(p);
      runs.add(p.batch.runId);
      points += n;
      this.queue.splice(i, 1);
    }
    telemetry.forwardQueued -= group.length;
    return group;
  }

  private async send(group: Pending[]): Promise<void> {
    telemetry.forwardStatements++;
    telemetry.forwardBatches += group.length;
    try {
      const rows = await appendBatches(
        this.pool,
        { runSeq: (runs) => this.state.ingestSeqSql(runs), notices: ingestNoticesSql },
        group.map((p) => p.batch),
      );
      const seqs = new Map(rows.map((r) => [r.id, r.seq]));
      for (const p of group) p.resolve(seqs.get(p.batch.runId) ?? null);
    } catch (err) {
      this.failed(group, err);
    }
  }

  /**
   * The whole statement wrote nothing. The database gone: every batch fails (not acknowledged; clients retry).
   * Otherwise one batch was at fault: 23505 (it re-logs a stored point), FRONTIER_MOVED (another writer of its
   * run committed while the statement waited for the run's lock) or a value the database refused. The batch the
   * error names takes the transactional path, which replaces and rebuilds summaries, and the rest of the group
   * goes again in the next statement, so one trainer's re-log does not send up to 63 others down the slower
   * path. When no batch is named, each takes the transactional path on its own, which fails a bad batch alone:
   * one trainer's input never fails another's request.
   */
  private failed(group: Pending[], err: unknown): void {
    const moved = movedUnder(err);
    if (moved) telemetry.forwardFrontierMoved++;
    if (isConnectionError(err)) {
      for (const p of group) p.reject(err);
      return;
    }
    if (group.length === 1 && !moved && (err as { code?: string }).code !== '23505') {
      group[0]!.reject(err);
      return;
    }
    const named = runNamedBy(err);
    const fallBack = group.some((p) => p.batch.runId === named) ? group.filter((p) => p.batch.runId === named) : group;
    telemetry.forwardFallbacks += fallBack.length;
    for (const p of fallBack) p.resolve(null);
    // Ahead of later arrivals, in their order; flush() sends them once this statement's runs are no longer busy.
    if (fallBack === group) return;
    const again = group.filter((p) => p.batch.runId !== named);
    this.queue.unshift(...again);
    telemetry.forwardQueued += again.length;
  }
}

const movedUnder = (err: unknown) => String((err as { message?: unknown }).message).includes(FRONTIER_MOVED);

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/**
 * The run a failed forward statement names: FRONTIER_MOVED's message ends with it; a unique violation's detail
 * starts with the key's first column, run_id in every table the statement inserts into ("Key (run_id, key,
 * step)=(<uuid>, ...) already exists."). Null when the error names none.
 */
function runNamedBy(err: unknown): string | null {
  const e = err as { message?: unknown; code?: unknown; detail?: unknown };
  if (movedUnder(err)) return new RegExp(`${FRONTIER_MOVED}: (${UUID})`).exec(String(e.message))?.[1] ?? null;
  if (e.code === '23505')
    return new RegExp(`^Key \\(run_id,[^)]*\\)=\\((${UUID}),`).exec(String(e.detail))?.[1] ?? null;
  return null;
}
