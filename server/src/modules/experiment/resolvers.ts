import { type Context, freshLoaders } from '../context.ts';
import type { Resolvers } from '../resolvers-types.generated.ts';
import type { ExperimentChange } from './live.ts';

export const experimentResolvers: Resolvers = {
  Query: {
    experiments: (_, a, ctx) => ctx.services.experiments.list(a.search, a.first),
    experiment: (_, a, ctx) => ctx.services.experiments.get(a),
  },
  Mutation: {
    createExperiment: (_, a, ctx) => ctx.services.experiments.create(a.input),
    updateExperiment: (_, a, ctx) => ctx.services.experiments.update(a.id, a.input),
    deleteExperiment: (_, a, ctx) => ctx.services.experiments.delete(a.id),
  },
  Subscription: {
    experimentsChanged: {
      // The caller's experiments decide which changes it hears of (a limited READ key: only its own).
      subscribe: (_, a, ctx) =>
        ctx.services.experiments.changed(
          ctx.auth.experiments ? (e) => ctx.services.auth.allows(ctx.auth, e) : null,
          a.startWithResync ?? false,
        ),
      resolve: (event: ExperimentChange, _: unknown, ctx: Context) => {
        freshLoaders(ctx); // the experiment's counts as of this change, not as of the first one
        return event;
      },
    },
  },
  ExperimentChange: {
    experiment: (c, _, ctx) =>
      c.experimentId && c.kind !== 'DELETED' ? ctx.loaders.experiment.load(c.experimentId) : null,
  },
  Experiment: {
    runCounts: async (e, _, ctx) => (await ctx.loaders.runCounts.load(e.id)).counts,
    runCount: async (e, _, ctx) => (await ctx.loaders.runCounts.load(e.id)).counts.reduce((n, c) => n + c.count, 0),
    lastActivityAt: async (e, _, ctx) => (await ctx.loaders.runCounts.load(e.id)).last,
    configKeys: (e, _, ctx) => ctx.services.experiments.configKeys(e.id),
    runs: (e, a, ctx) =>
      ctx.cost.page(() => ctx.services.runs.list({ ...a, experimentId: e.id, experimentScope: ctx.auth.experiments })),
  },
};
