import { ASSUMED_LIST_ITEMS, itemCost } from '../../core/cost-meter.ts';
import { checkPageSize } from '../../core/validate.ts';
import type { Resolvers } from '../resolvers-types.generated.ts';
import type { RunEvent } from './live.ts';

export const runResolvers: Resolvers = {
  Query: {
    runs: (_, a, ctx) =>
      ctx.cost.page(() =>
        ctx.services.runs.list({
          ...a.filter,
          orderBy: a.orderBy,
          first: a.first,
          after: a.after,
          experimentScope: ctx.auth.experiments,
        }),
      ),
    run: (_, a, ctx) => ctx.services.runs.get(a.id),
  },
  Mutation: {
    createRun: (_, a, ctx) => ctx.services.runs.create(a.input),
    startRun: (_, a, ctx) => ctx.services.runs.start(a.id, a.systemInfo),
    heartbeat: (_, a, ctx) => ctx.services.runs.heartbeat(a.runId),
    finishRun: (_, a, ctx) => ctx.services.runs.finish(a.id, a.status, a.exitCode, a.error),
    updateRun: (_, a, ctx) => ctx.services.runs.update(a.id, a.input),
    deleteRun: (_, a, ctx) => ctx.services.runs.delete(a.id),
    updateRuns: (_, a, ctx) => ctx.services.runs.updateMany(a.ids, a.input),
    deleteRuns: (_, a, ctx) => ctx.services.runs.deleteMany(a.ids),
  },
  Subscription: {
    runChanged: {
      subscribe: (_, a, ctx) =>
        ctx.services.runs.changed(a, {
          since: a.since ?? null,
          listedOnly: a.sinceListedOnly ?? false,
          startWithResync: a.startWithResync ?? false,
        }),
      resolve: (event: RunEvent) => event,
    },
  },
  Run: {
    experiment: (r, _, ctx) => ctx.loaders.experiment.load(r.experimentId),
    metrics: async (r, a, ctx, info) => {
      if (a.keys) return ctx.loaders.latestOfKeys(a.keys).load(r.id);
      // Its length is the run's key count (5 or 200,000), charged before any summary is read. Every run row carries
      // it (runs.metric_keys, in RUN_COLUMNS), so the charge is made the moment its page is listed (CostMeter.page).
      const n = r.metricKeys;
      ctx.cost.charge(Math.max(0, n - ASSUMED_LIST_ITEMS) * itemCost(info), `Run.metrics of run ${r.id} (${n} keys)`);
      return ctx.loaders.latest.load(r.id);
    },
    // One key's summary: read alone, never the run's whole list.
    metric: async (r, a, ctx) => (await ctx.loaders.latestOfKeys([a.key]).load(r.id))[0] ?? null,
    history: (r, a, ctx) =>
      ctx.services.metrics.history(r.id, a.key, a.afterStep ?? -1, checkPageSize(a.first, 10_000, 100_000)),
    artifacts: (r, _, ctx) => ctx.loaders.artifacts.load(r.id),
    errorSummary: (r) => (r.errorMessage == null ? null : r.errorMessage.split('\n', 1)[0]!.slice(0, 300)),
  },
  RunConnection: {
    totalCount: (page) => page.totalCount(),
  },
};
