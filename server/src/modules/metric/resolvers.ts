import type { Resolvers } from '../resolvers-types.generated.ts';
import type { MetricsEvent } from './live.ts';
import { seriesExtrasOf } from './selection.ts';

export const metricResolvers: Resolvers = {
  Query: {
    metricSeries: (_, a, ctx, info) => ctx.services.metrics.series(a.runIds, a.keys, a.maxPoints, seriesExtrasOf(info)),
    compareRuns: (_, a, ctx) =>
      ctx.services.metrics.compare(a.runIds, a.keys ?? null, new Map((a.goals ?? []).map((g) => [g.key, g.goal]))),
    metricKeys: (_, a, ctx) => ctx.services.metrics.keys(a.experimentId ?? null, a.runIds ?? null),
  },
  Mutation: {
    logMetrics: (_, a, ctx) => ctx.services.metrics.log(a.runId, a.points ?? [], a.columns),
    truncateMetrics: (_, a, ctx) => ctx.services.metrics.truncate(a.runId, a.afterStep),
  },
  Subscription: {
    metricsLogged: {
      subscribe: (_, a, ctx) => ctx.services.metrics.logged(a.runIds, a.keys ?? null, a.since ?? null),
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
