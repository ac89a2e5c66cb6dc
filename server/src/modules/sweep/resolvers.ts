import type { Context } from '../../context.js';
import { type LaunchSweepInput, type SweepRow, valueAt } from './service.js';

export const sweepResolvers = {
  Query: {
    sweep: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.sweeps.get(a.id),
    sweeps: (_: unknown, a: { experimentId?: string }, ctx: Context) => ctx.services.sweeps.list(a.experimentId),
  },
  Mutation: {
    launchSweep: (_: unknown, a: { input: LaunchSweepInput }, ctx: Context) => ctx.services.sweeps.launch(a.input),
    cancelSweep: (_: unknown, a: { id: string }, ctx: Context) =>
      ctx.services.sweeps.cancel(a.id, (runId) => ctx.services.launch.cancelRun(runId)),
  },
  Sweep: {
    experiment: (s: SweepRow, _: unknown, ctx: Context) => ctx.loaders.experiment.load(s.experimentId),
    runs: async (s: SweepRow, _: unknown, ctx: Context) => (await ctx.services.sweeps.results(s)).map((r) => r.run),
    bestRun: async (s: SweepRow, _: unknown, ctx: Context) =>
      best(s, await ctx.services.sweeps.results(s))?.run ?? null,
    bestValue: async (s: SweepRow, _: unknown, ctx: Context) =>
      best(s, await ctx.services.sweeps.results(s))?.value ?? null,
    runCounts: async (s: SweepRow, _: unknown, ctx: Context) => {
      const counts = new Map<string, number>();
      for (const { run } of await ctx.services.sweeps.results(s))
        counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
      return [...counts].map(([status, count]) => ({ status, count }));
    },
    parameters: async (s: SweepRow, _: unknown, ctx: Context) => {
      const results = await ctx.services.sweeps.results(s);
      return Object.keys(s.space)
        .filter((k) => k !== '_seed')
        .map((name) => ({
          name,
          points: results.map((r) => ({
            runId: r.run.id,
            value: valueAt(r.run.config, name) ?? null,
            metric: r.value,
          })),
        }));
    },
  },
};

function best<T extends { value: number | null }>(s: SweepRow, results: T[]): T | null {
  let out: T | null = null;
  for (const r of results) {
    if (r.value === null || Number.isNaN(r.value)) continue;
    if (!out || (s.goal === 'MINIMIZE' ? r.value < out.value! : r.value > out.value!)) out = r;
  }
  return out;
}
