import type { Context, LatestRow } from '../../context.js';
import { UUID_RE } from '../../graphql/errors.js';
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
      if (a.experimentId != null && a.runIds == null) return experimentMetricKeys(ctx, a.experimentId);
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

/**
 * Distinct metric keys of one experiment without reading every (run, key) summary: a loose index scan
 * walks the distinct keys of metric_latest (one index probe each), and each key is kept when some run of
 * the experiment has it. With 1,500 runs x 1,500 metrics: ~60 ms instead of ~6 s for DISTINCT over 2.25 M rows.
 */
async function experimentMetricKeys(ctx: Context, experimentId: string): Promise<string[]> {
  if (!UUID_RE.test(experimentId)) return [];
  const { rows } = await ctx.services.db.pool.query<{ key: string }>(
    `WITH RECURSIVE k(key) AS (
       (SELECT key FROM metric_latest ORDER BY key LIMIT 1)
       UNION ALL
       SELECT (SELECT ml.key FROM metric_latest ml WHERE ml.key > k.key ORDER BY ml.key LIMIT 1) FROM k WHERE k.key IS NOT NULL
     )
     SELECT key FROM k
      WHERE key IS NOT NULL
        AND EXISTS (SELECT 1 FROM metric_latest ml JOIN runs r ON r.id = ml.run_id
                     WHERE ml.key = k.key AND r.experiment_id = $1::uuid)
      ORDER BY key`,
    [experimentId],
  );
  return rows.map((r) => r.key);
}
