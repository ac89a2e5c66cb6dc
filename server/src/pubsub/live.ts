import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { isConnectionError } from '../db/errors.ts';
import { badInput } from '../graphql/errors.ts';
import { findRun, RUN_COLUMNS, type RunRow } from '../modules/run/store.ts';
import { AsyncQueue } from './async-queue.ts';
import type { PgListener } from './pg-listener.ts';
import { type MetricsNotice, type RunEventKind, type RunNotice, topics } from './topics.ts';

export interface MetricsEvent {
  runId: string;
  seq: number;
  points: { key: string; step: number; value: number; wallTime: Date }[];
}

export interface RunEvent {
  seq: number;
  runId: string;
  experimentId: string;
  kind: RunEventKind;
  run: RunRow | null;
}

/** How often a subscription retries its replay while the database is unreachable. */
const RECOVERY_RETRY_MS = 500;

/**
 * One subscription's work, strictly in order (a promise chain). A task that fails because the database is
 * unreachable (a restart, a killed connection) does not end the subscription: it turns to recovering, live
 * notices are set aside meanwhile (their batches are committed, so the recovery's replay from the last
 * delivered seq reads them), and `recover` is retried every RECOVERY_RETRY_MS until it succeeds or the
 * subscriber leaves. Other errors end the subscription. Before this, a notice whose rows could not be read
 * during a PostgreSQL restart ended the stream for good, and its subscriber saw nothing more.
 */
class OrderedWork {
  private chain: Promise<void> = Promise.resolve();
  private recovering = false;
  /** One recovery attempt pending at a time, however many tasks fail while the database is away. */
  private retryPending = false;

  constructor(
    private readonly queue: Pick<AsyncQueue<unknown>, 'fail' | 'closed'>,
    private readonly recover: () => Promise<void>,
  ) {}

  /** A live notice: skipped while recovering, as the recovery's replay covers it. */
  notice(task: () => Promise<void>): void {
    this.run(async () => {
      if (!this.recovering) await task();
    });
  }

  /** Work that must happen (the start, a replay after LISTEN reconnected). */
  run(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err) => {
      if (!isConnectionError(err)) return this.queue.fail(err);
      this.recovering = true;
      if (this.retryPending) return;
      this.retryPending = true;
      setTimeout(() => {
        this.retryPending = false;
        if (this.queue.closed) return;
        this.run(async () => {
          await this.recover();
          this.recovering = false;
        });
      }, RECOVERY_RETRY_MS).unref();
    });
  }
}

/**
 * Turns NOTIFY notices into GraphQL subscription streams with resume-by-seq.
 * Per subscription, work runs strictly in order (a promise chain): the replay of missed events is
 * queued before any live notice, and every delivery advances a per-run "last seq", so a live event
 * the replay already covered is dropped. Rows are read once per server per event (short-lived cache),
 * not once per subscriber. A database outage pauses a stream and it resumes by replay (OrderedWork).
 */
export class LiveService {
  private readonly batchCache = new Map<string, Promise<MetricsEvent['points']>>();
  private readonly runCache = new Map<string, Promise<RunRow | null>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
  ) {}

  metricsLogged(
    runIds: string[],
    keys: string[] | null,
    since: { runId: string; seq: number }[] | null,
  ): AsyncIterableIterator<MetricsEvent> {
    if (runIds.length === 0) throw badInput('runIds', 'must name at least one run');
    const ids = runIds.map((id) => id.toLowerCase()).filter((id) => isUuid(id));
    const keySet = keys?.length ? new Set(keys) : null;
    const last = new Map<string, number>();
    const unsubscribers: (() => void)[] = [];
    const queue = new AsyncQueue<MetricsEvent>(() => unsubscribers.forEach((u) => u()));
    let started = false;
    const work = new OrderedWork(queue, () => (started ? replay() : start()));
    const deliver = (runId: string, seq: number, points: MetricsEvent['points']) => {
      last.set(runId, seq);
      const mine = keySet ? points.filter((p) => keySet.has(p.key)) : points;
      if (mine.length > 0) queue.push({ runId, seq, points: mine });
    };
    const replay = async () => {
      const { rows } = await this.pool.query<{ runId: string; seq: number }>(
        `SELECT b.run_id AS "runId", b.seq FROM unnest($1::uuid[], $2::int8[]) AS q(run_id, after)
           JOIN metric_batches b ON b.run_id = q.run_id AND b.seq > q.after ORDER BY b.run_id, b.seq`,
        [[...last.keys()], [...last.values()]],
      );
      for (const r of rows)
        if (r.seq > (last.get(r.runId) ?? 0)) deliver(r.runId, r.seq, await this.loadBatch(r.runId, r.seq));
    };
    const start = async () => {
      // Where each run's stream starts: the seq the client gave, else "now".
      const given = new Map((since ?? []).map((s) => [s.runId.toLowerCase(), s.seq]));
      const { rows } = await this.pool.query<{ id: string; seq: number }>(
        'SELECT id, seq FROM runs WHERE id = ANY($1::uuid[])',
        [ids],
      );
      for (const r of rows) last.set(r.id, given.get(r.id) ?? (since ? 0 : r.seq));
      started = true;
      if (since) await replay();
    };
    for (const runId of ids) {
      unsubscribers.push(
        this.listener.subscribe(topics.metrics(runId), (n: MetricsNotice) =>
          work.notice(async () => {
            if (!started || n.seq <= (last.get(n.runId) ?? -1)) return;
            deliver(n.runId, n.seq, await this.loadBatch(n.runId, n.seq));
          }),
        ),
      );
    }
    unsubscribers.push(this.listener.onResync(() => work.run(replay)));
    work.run(start);
    return queue;
  }

  runChanged(
    args: { experimentId?: string | null; runIds?: string[] | null },
    since: { runId: string; seq: number }[] | null,
  ): AsyncIterableIterator<RunEvent> {
    const runIds = args.runIds?.map((id) => id.toLowerCase()) ?? null;
    if ((args.experimentId == null) === (runIds == null))
      throw badInput('runChanged', 'give exactly one of experimentId and runIds');
    const experimentId = args.experimentId?.toLowerCase() ?? null;
    const last = new Map<string, number>();
    const unsubscribers: (() => void)[] = [];
    const queue = new AsyncQueue<RunEvent>(() => unsubscribers.forEach((u) => u()));
    const given = new Map((since ?? []).map((s) => [s.runId.toLowerCase(), s.seq]));
    // Recovery replays as a LISTEN resync does: every run whose state is newer than what was delivered.
    const work = new OrderedWork(queue, () => replay(given, 0));
    const onNotice = (n: RunNotice) =>
      work.notice(async () => {
        if (n.seq <= (last.get(n.runId) ?? -1)) return;
        const run = n.kind === 'DELETED' ? null : await this.loadRun(n.runId, n.seq);
        // The row may already be newer than the notice; report it at its own seq so the next notice is skipped.
        const seq = run ? Math.max(n.seq, run.stateSeq) : n.seq;
        last.set(n.runId, seq);
        queue.push({
          seq,
          runId: n.runId,
          experimentId: n.experimentId,
          kind: run || n.kind === 'DELETED' ? n.kind : 'DELETED',
          run,
        });
      });
    const replay = async (given: Map<string, number>, fallback: number) => {
      const scope = experimentId ? `r.experiment_id = $1::uuid` : `r.id = ANY($1::uuid[])`;
      const scopeParam = experimentId ?? runIds!.filter((id) => isUuid(id));
      if (experimentId && !isUuid(experimentId)) return;
      const { rows } = await this.pool.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs r WHERE ${scope} ORDER BY r.created_at`,
        [scopeParam],
      );
      for (const run of rows) {
        const after = last.get(run.id) ?? given.get(run.id) ?? fallback;
        if (run.stateSeq <= after) continue;
        last.set(run.id, run.stateSeq);
        queue.push({ seq: run.stateSeq, runId: run.id, experimentId: run.experimentId, kind: 'UPDATED', run });
      }
    };
    if (experimentId) unsubscribers.push(this.listener.subscribe(topics.experiment(experimentId), onNotice));
    for (const id of runIds ?? []) unsubscribers.push(this.listener.subscribe(topics.run(id), onNotice));
    unsubscribers.push(this.listener.onResync(() => work.run(() => replay(new Map(), 0))));
    if (since) work.run(() => replay(given, 0));
    return queue;
  }

  private loadBatch(runId: string, seq: number): Promise<MetricsEvent['points']> {
    return this.cached(this.batchCache, `${runId}:${seq}`, async () => {
      const { rows } = await this.pool.query<{ key: string; step: number; value: number; wallTime: Date }>(
        `SELECT m.key, m.step, m.value, m.wall_time AS "wallTime"
           FROM metric_batches b JOIN metrics m
             ON m.run_id = b.run_id AND m.key = ANY(b.keys) AND m.step BETWEEN b.min_step AND b.max_step AND m.seq = b.seq
          WHERE b.run_id = $1 AND b.seq = $2 ORDER BY m.key, m.step`,
        [runId, seq],
      );
      return rows;
    });
  }

  private loadRun(runId: string, seq: number): Promise<RunRow | null> {
    return this.cached(this.runCache, `${runId}:${seq}`, () => findRun(this.pool, runId));
  }

  /** Many subscribers on this server share one read per event; entries expire after a few seconds. */
  private cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let hit = cache.get(key);
    if (!hit) {
      hit = load();
      cache.set(key, hit);
      setTimeout(() => cache.delete(key), 5000).unref();
      hit.catch(() => cache.delete(key));
    }
    return hit;
  }
}
