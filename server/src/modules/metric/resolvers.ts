import type { Context, LatestRow } from '../../context.js';
import { compareRuns, type Goal } from './compare.js';
import { type ColumnsInput, logMetrics, type PointInput, pointsOfColumns, truncateMetrics } from './ingest.js';
import { metricSeries, type Series } from './series.js';

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
    metricKeys: async (_: unknown, a: { experimentId?: string; runIds?: string[] }, ctx: Context) => {
      const { rows } = await ctx.services.db.pool.query<{ key: string }>(
        `SELECT DISTINCT ml.key FROM metric_latest ml JOIN runs r ON r.id = ml.run_id
          WHERE ($1::text IS NULL OR r.experiment_id::text = $1) AND ($2::text[] IS NULL OR r.id::text = ANY($2::text[]))
          ORDER BY ml.key`,
        [a.experimentId ?? null, a.runIds?.map((id) => id.toLowerCase()) ?? null],
      );
      return rows.map((r) => r.key);
    },
  },
  Mutation: {
    logMetrics: (
      _: unknown,
      a: { runId: string; points?: PointInput[] | null; columns?: ColumnsInput | null },
      ctx: Context,
    ) =>
      logMetrics(ctx.services.db.pool, a.runId, [
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
