import type { Context } from '../../context.js';
import type { Experiment } from '../../generated/prisma/client.js';
import { listRuns, type RunListArgs } from '../run/list.js';
import type { CreateExperimentInput, UpdateExperimentInput } from './service.js';

export const experimentResolvers = {
  Query: {
    experiments: (_: unknown, a: { search?: string; first?: number }, ctx: Context) =>
      ctx.services.experiments.list(a.search, a.first),
    experiment: (_: unknown, a: { id?: string; name?: string }, ctx: Context) => ctx.services.experiments.get(a),
  },
  Mutation: {
    createExperiment: (_: unknown, a: { input: CreateExperimentInput }, ctx: Context) =>
      ctx.services.experiments.create(a.input),
    updateExperiment: (_: unknown, a: { id: string; input: UpdateExperimentInput }, ctx: Context) =>
      ctx.services.experiments.update(a.id, a.input),
    deleteExperiment: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.experiments.delete(a.id),
  },
  Experiment: {
    runCounts: async (e: Experiment, _: unknown, ctx: Context) => (await ctx.loaders.runCounts.load(e.id)).counts,
    runCount: async (e: Experiment, _: unknown, ctx: Context) =>
      (await ctx.loaders.runCounts.load(e.id)).counts.reduce((n, c) => n + c.count, 0),
    lastActivityAt: async (e: Experiment, _: unknown, ctx: Context) => (await ctx.loaders.runCounts.load(e.id)).last,
    runs: (e: Experiment, a: Omit<RunListArgs, 'experimentId' | 'experimentName'>, ctx: Context) =>
      listRuns(ctx.services.db.pool, { ...a, experimentId: e.id }),
  },
};
