import type pg from 'pg';
import type { Database } from '../../db/database.ts';
import type { PgListener } from '../../pubsub/pg-listener.ts';
import type { RunState } from '../run/run-state.ts';
import { type Comparison, compareRuns, type Goal } from './compare.ts';
import { ForwardGroups } from './forward-groups.ts';
import { type ColumnsInput, logMetrics, type PointInput, pointsOfColumns, truncateMetrics } from './ingest.ts';
import { MetricLive, type MetricsEvent } from './live.ts';
import { metricSeries, type Series } from './series.ts';
import { type HistoryPoint, historyOf, type LatestRow, latestForRuns, metricKeys } from './store.ts';

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
  ) {
    this.live = new MetricLive(db.pool, listener);
    this.forward = new ForwardGroups(db.pool, state);
  }

  /** With `c`, the batch is part of the caller's transaction (an MLflow log-batch with params and tags). */
  log(runId: string, points: readonly PointInput[], columns: ColumnsInput | null | undefined, c?: pg.ClientBase) {
    const all = [...points, ...(columns ? pointsOfColumns(columns) : [])];
    return logMetrics(this.db.pool, this.state, this.forward, runId, all, c);
  }

  truncate(runId: string, afterStep: number) {
    return truncateMetrics(this.db.pool, runId, afterStep);
  }

  series(runIds: string[], keys: string[], maxPoints: number): Promise<Series[]> {
    return metricSeries(this.db.pool, runIds, keys, maxPoints);
  }

  compare(runIds: string[], keys: string[] | null, goals: Map<string, Goal>): Promise<Comparison> {
    return compareRuns(this.db.pool, runIds, keys, goals);
  }

  keys(experimentId: string | null, runIds: string[] | null): Promise<string[]> {
    return metricKeys(this.db.pool, experimentId, runIds);
  }

  history(runId: string, key: string, afterStep: number, limit: number): Promise<HistoryPoint[]> {
    return historyOf(this.db.pool, runId, key, afterStep, limit);
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
