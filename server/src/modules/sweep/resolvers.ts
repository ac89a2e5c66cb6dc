import type { Resolvers } from '../resolvers-types.generated.ts';
import type { RunStatus } from '../run/store.ts';
import { valueAt } from './service.ts';
import type { SweepRow } from './store.ts';

export const sweepResolvers: Resolvers = {
  Query: {
    sweep: (_, a, ctx) => ctx.services.sweeps.get(a.id),
    sweeps: (_, a, ctx) => ctx.services.sweeps.list(a.experimentId),
  },
  Mutation: {
    launchSweep: (_, a, ctx) => ctx.services.sweeps.launch(a.input),
    cancelSweep: (_, a, ctx) => ctx.services.sweeps.cancel(a.id),
  },
  Sweep: {
    experiment: (s, _, ctx) => ctx.loaders.experiment.load(s.experimentId),
    runs: async (s, _, ctx) => (await ctx.loaders.sweepResults.load(s.id)).map((r) => r.run),
    bestRun: async (s, _, ctx) => best(s, await ctx.loaders.sweepResults.load(s.id))?.run ?? null,
    bestValue: async (s, _, ctx) => best(s, await ctx.loaders.sweepResults.load(s.id))?.value ?? null,
    runCounts: async (s, _, ctx) => {
      const counts = new Map<RunStatus, number>();
      for (const { run } of await ctx.loaders.sweepResults.load(s.id))
        counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
      return [...counts].map(([status, count]) => ({ status, count }));
    },
    parameters: async (s, _, ctx) => {
      const results = await ctx.loaders.sweepResults.load(s.id);
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
