import type { Context } from '../../context.ts';
import { compareRuns, type Goal } from './compare.js';
import { type ColumnsInput, logMetrics, type PointInput, pointsOfColumns, truncateMetrics } from './ingest.js';
import { metricSeries, type Series } from './series.js';
import { type LatestRow, metricKeys } from './store.ts';

type Since = { runId: string; seq: number }[] | null;

export const metricResolvers = {
  Query: {
    metricSeries: (_: unknown, a: { runIds: string[]; keys: string[]; maxPoints: number }, ctx: Context) =>
      metricSeries(ctx.services.db.pool, a.runIds, a.keys, a.maxPoints),
    compareRuns: (
      _: unknown,
      a: { runIds: string[]; keys?: string[]; goals?: { key: string; goal: Goal }[] },
      ctx: Context,
    ) =>
      compareRuns(ctx.services.db.pool, a.runIds, a.keys ?? null, new Map((a.goals ?? []).map((g) => [g.key, g.goal]))),
    metricKeys: (_: unknown, a: { experimentId?: string; runIds?: string[] }, ctx: Context) =>
      metricKeys(ctx.services.db.pool, a.experimentId ?? null, a.runIds ?? null),
  },
  Mutation: {
    logMetrics: (
      _: unknown,
      a: { runId: string; points?: PointInput[] | null; columns?: ColumnsInput | null },
      ctx: Context,
    ) =>
      logMetrics(ctx.services.db.pool, ctx.services.runState, a.runId, [
        ...(a.points ?? []),
        ...(a.columns ? pointsOfColumns(a.columns) : []),
      ]),
    truncateMetrics: (_: unknown, a: { runId: string; afterStep: number }, ctx: Context) =>
      truncateMetrics(ctx.services.db.pool, a.runId, a.afterStep),
  },
  Subscription: {
    metricsLogged: {
      subscribe: (_: unknown, a: { runIds: string[]; keys?: string[]; since?: Since }, ctx: Context) =>
        ctx.services.live.metricsLogged(a.runIds, a.keys ?? null, a.since ?? null),
      resolve: (event: unknown) => event,
    },
  },
  MetricSummary: {
    min: (m: LatestRow) => m.min,
    max: (m: LatestRow) => m.max,
  },
  MetricSeries: {
    columns: (s: Series) => s.columns,
    points: (s: Series) =>
      s.columns.step.map((step, i) => ({
        step,
        value: s.columns.value[i],
        wallTime: new Date(s.columns.wallTime[i]!),
        min: s.columns.min[i],
        max: s.columns.max[i],
      })),
  },
  RunComparison: {
    config: (c: { config: (d: boolean) => unknown }, a: { differencesOnly: boolean }) => c.config(a.differencesOnly),
  },
};
