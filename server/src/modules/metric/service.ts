import type pg from 'pg';
import type { Database } from '../../db/database.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import type { RunQueue } from '../launch/queue.ts';
import type { RunState } from '../run/run-state.ts';
import { COMPACTION_QUEUE, compactionCandidates, compactRun, queueCompaction } from './compaction.ts';
import { type Comparison, compareRuns, type Goal } from './compare.ts';
import { ForwardGroups } from './forward-groups.ts';
import { readHistory } from './history.ts';
import { type ColumnsInput, logMetrics, type PointInput, pointsOfColumns, truncateMetrics } from './ingest.ts';
import { MetricLive, type MetricsEvent } from './live.ts';
import { metricSeries, RAW_BUCKET_BUDGET, type Series, type SeriesExtras } from './series.ts';
import {
  type HistoryPoint,
  type LatestRow,
  latestForRuns,
  metricKeys,
  type StorageStats,
  storageStats,
} from './store.ts';

/**
 * The metric API: ingest (through RunState, which owns the run's seq), reads of history, series and
 * summaries, comparisons, and the live metricsLogged stream. Resolvers and loaders call only this.
 */
export class MetricService {
  private readonly live: MetricLive;
  private readonly forward: ForwardGroups;

  constructor(
    private readonly db: Database,
    private readonly state: RunState,
    listener: PgListener,
    private readonly queue: RunQueue | null = null,
  ) {
    this.live = new MetricLive(db.pool, listener);
    this.forward = new ForwardGroups(db.pool, state);
    // A run that ends queues its compaction in the same transaction (see compaction.ts).
    if (queue) state.whenFinal((c, runId) => queueCompaction(queue, c, runId));
  }

  /** Compacts one run now (the queue's worker, tests, the benchmark); returns chunks written. */
  compact(runId: string): Promise<number> {
    return compactRun(this.db.pool, runId);
  }

  /** Takes compaction jobs from the queue, one at a time per server. */
  async workCompactions(log: (m: string) => void): Promise<void> {
    if (!this.queue) return;
    await this.queue.workBackground<{ runId: string }>(COMPACTION_QUEUE, async ({ runId }) => {
      const chunks = await this.compact(runId);
      if (chunks) log(`compacted run ${runId}: ${chunks} chunk(s)`);
    });
  }

  /** Queues runs left uncompacted (ended before this server, a lost job, long active runs): the backlog sweep. */
  async queueBacklog(limit = 100): Promise<number> {
    if (!this.queue) return 0;
    const ids = await compactionCandidates(this.db.pool, limit);
    for (const id of ids) await queueCompaction(this.queue, null, id);
    return ids.length;
  }

  /** Bytes per point of the metric tables, and the compaction backlog (/healthz/storage). */
  storage(): Promise<StorageStats> {
    return storageStats(this.db.pool);
  }

  /** With `c`, the batch is part of the caller's transaction (an MLflow log-batch with params and tags). */
  log(runId: string, points: readonly PointInput[], columns: ColumnsInput | null | undefined, c?: pg.ClientBase) {
    const all = [...points, ...(columns ? pointsOfColumns(columns) : [])];
    return logMetrics(this.db.pool, this.state, this.forward, runId, all, c);
  }

  truncate(runId: string, afterStep: number) {
    return truncateMetrics(this.db.pool, runId, afterStep);
  }

  series(runIds: string[], keys: string[], maxPoints: number, extras?: SeriesExtras): Promise<Series[]> {
    return metricSeries(this.db.pool, runIds, keys, maxPoints, RAW_BUCKET_BUDGET, extras);
  }

  compare(runIds: string[], keys: string[] | null, goals: Map<string, Goal>): Promise<Comparison> {
    return compareRuns(this.db.pool, runIds, keys, goals);
  }

  keys(experimentId: string | null, runIds: string[] | null): Promise<string[]> {
    return metricKeys(this.db.pool, experimentId, runIds);
  }

  history(runId: string, key: string, afterStep: number, limit: number): Promise<HistoryPoint[]> {
    return readHistory(this.db.pool, runId, key, afterStep, limit);
  }

  /** Summaries of each run, all keys or only `keys`, in run order (for the per-request loaders). */
  latest(runIds: readonly string[], keys: readonly string[] | null = null): Promise<LatestRow[][]> {
    return latestForRuns(this.db.pool, runIds, keys);
  }

  logged(
    runIds: string[],
    keys: string[] | null,
    since: { runId: string; seq: number }[] | null,
  ): AsyncIterableIterator<MetricsEvent> {
    return this.live.metricsLogged(runIds, keys, since);
  }
}
