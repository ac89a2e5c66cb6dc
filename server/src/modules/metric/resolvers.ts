import type { Resolvers } from '../../graphql/resolvers-types.generated.ts';
import type { MetricsEvent } from '../../pubsub/live.ts';
import { compareRuns } from './compare.ts';
import { logMetrics, pointsOfColumns, truncateMetrics } from './ingest.ts';
import { metricSeries } from './series.ts';
import { metricKeys } from './store.ts';

export const metricResolvers: Resolvers = {
  Query: {
    metricSeries: (_, a, ctx) => metricSeries(ctx.services.db.pool, a.runIds, a.keys, a.maxPoints),
    compareRuns: (_, a, ctx) =>
      compareRuns(ctx.services.db.pool, a.runIds, a.keys ?? null, new Map((a.goals ?? []).map((g) => [g.key, g.goal]))),
    metricKeys: (_, a, ctx) => metricKeys(ctx.services.db.pool, a.experimentId ?? null, a.runIds ?? null),
  },
  Mutation: {
    logMetrics: (_, a, ctx) =>
      logMetrics(ctx.services.db.pool, ctx.services.runState, a.runId, [
        ...(a.points ?? []),
        ...(a.columns ? pointsOfColumns(a.columns) : []),
      ]),
    truncateMetrics: (_, a, ctx) => truncateMetrics(ctx.services.db.pool, a.runId, a.afterStep),
  },
  Subscription: {
    metricsLogged: {
      subscribe: (_, a, ctx) => ctx.services.live.metricsLogged(a.runIds, a.keys ?? null, a.since ?? null),
      resolve: (event: MetricsEvent) => event,
    },
  },
  MetricSummary: {
    min: (m) => m.min,
    max: (m) => m.max,
  },
  MetricSeries: {
    columns: (s) => s.columns,
    points: (s) =>
      s.columns.step.map((step, i) => ({
        step,
        value: s.columns.value[i]!,
        wallTime: new Date(s.columns.wallTime[i]!),
        min: s.columns.min[i],
        max: s.columns.max[i],
      })),
  },
  RunComparison: {
    config: (c, a) => c.config(a.differencesOnly),
  },
};
