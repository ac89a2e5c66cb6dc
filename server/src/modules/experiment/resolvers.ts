import type { Resolvers } from '../resolvers-types.generated.ts';

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
  Experiment: {
    runCounts: async (e, _, ctx) => (await ctx.loaders.runCounts.load(e.id)).counts,
    runCount: async (e, _, ctx) => (await ctx.loaders.runCounts.load(e.id)).counts.reduce((n, c) => n + c.count, 0),
    lastActivityAt: async (e, _, ctx) => (await ctx.loaders.runCounts.load(e.id)).last,
    configKeys: (e, _, ctx) => ctx.services.experiments.configKeys(e.id),
    runs: (e, a, ctx) => ctx.services.runs.list({ ...a, experimentId: e.id, experimentScope: ctx.auth.experiments }),
  },
};
