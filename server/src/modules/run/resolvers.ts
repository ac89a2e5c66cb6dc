import DataLoader from 'dataloader';
import type { Context, LatestRow } from '../../context.js';
import { checkPageSize } from '../validate.js';
import { listRuns, type RunListArgs } from './list.js';
import type { BulkRunUpdateInput, CreateRunInput, UpdateRunInput } from './service.js';
import type { RunRow, RunStatus } from './store.js';

type Since = { runId: string; seq: number }[] | null;

/** Per request and per key list: one query for a page of runs, reading only the asked keys. */
const keyLoaders = new WeakMap<object, Map<string, DataLoader<string, LatestRow[]>>>();
function latestForKeys(ctx: Context, keys: string[]): DataLoader<string, LatestRow[]> {
  let byKeys = keyLoaders.get(ctx.loaders);
  if (!byKeys) keyLoaders.set(ctx.loaders, (byKeys = new Map()));
  const id = JSON.stringify(keys);
  let loader = byKeys.get(id);
  if (!loader) {
    loader = new DataLoader(async (runIds: readonly string[]) => {
      const { rows } = await ctx.services.db.pool.query<LatestRow>(
        `SELECT run_id AS "runId", key, count, first_step AS "firstStep", last_step AS "lastStep",
                last_value AS "lastValue", last_wall_time AS "lastWallTime", min_value AS min, min_step AS "minStep",
                max_value AS max, max_step AS "maxStep"
           FROM metric_latest WHERE run_id = ANY($1::uuid[]) AND key = ANY($2::text[]) ORDER BY key`,
        [runIds, keys],
      );
      const byRun = new Map<string, LatestRow[]>();
      for (const r of rows) {
        const list = byRun.get(r.runId);
        if (list) list.push(r);
        else byRun.set(r.runId, [r]);
      }
      return runIds.map((id) => byRun.get(id) ?? []);
    });
    byKeys.set(id, loader);
  }
  return loader;
}

export const runResolvers = {
  Query: {
    runs: (
      _: unknown,
      a: { filter?: Omit<RunListArgs, 'orderBy' | 'first' | 'after'> } & Pick<
        RunListArgs,
        'orderBy' | 'first' | 'after'
      >,
      ctx: Context,
    ) => listRuns(ctx.services.db.pool, { ...a.filter, orderBy: a.orderBy, first: a.first, after: a.after }),
    run: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.runs.get(a.id),
  },
  Mutation: {
    createRun: (_: unknown, a: { input: CreateRunInput }, ctx: Context) => ctx.services.runs.create(a.input),
    startRun: (_: unknown, a: { id: string; systemInfo?: unknown }, ctx: Context) =>
      ctx.services.runs.start(a.id, a.systemInfo),
    heartbeat: (_: unknown, a: { runId: string }, ctx: Context) => ctx.services.runs.heartbeat(a.runId),
    finishRun: (_: unknown, a: { id: string; status: RunStatus; exitCode?: number; error?: string }, ctx: Context) =>
      ctx.services.runs.finish(a.id, a.status, a.exitCode, a.error),
    updateRun: (_: unknown, a: { id: string; input: UpdateRunInput }, ctx: Context) =>
      ctx.services.runs.update(a.id, a.input),
    deleteRun: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.runs.delete(a.id),
    updateRuns: (_: unknown, a: { ids: string[]; input: BulkRunUpdateInput }, ctx: Context) =>
      ctx.services.runs.updateMany(a.ids, a.input),
    deleteRuns: (_: unknown, a: { ids: string[] }, ctx: Context) => ctx.services.runs.deleteMany(a.ids),
  },
  Subscription: {
    runChanged: {
      subscribe: (_: unknown, a: { experimentId?: string; runIds?: string[]; since?: Since }, ctx: Context) =>
        ctx.services.live.runChanged(a, a.since ?? null),
      resolve: (event: unknown) => event,
    },
  },
  Run: {
    experiment: (r: RunRow, _: unknown, ctx: Context) => ctx.loaders.experiment.load(r.experimentId),
    metrics: (r: RunRow, a: { keys?: string[] | null }, ctx: Context) =>
      a.keys ? latestForKeys(ctx, a.keys).load(r.id) : ctx.loaders.latest.load(r.id),
    metric: async (r: RunRow, a: { key: string }, ctx: Context) =>
      (await ctx.loaders.latest.load(r.id)).find((m) => m.key === a.key) ?? null,
    history: async (r: RunRow, a: { key: string; afterStep?: number; first?: number }, ctx: Context) => {
      const limit = checkPageSize(a.first, 10_000, 100_000);
      const { rows } = await ctx.services.db.pool.query(
        `SELECT key, step, value, wall_time AS "wallTime" FROM metrics
          WHERE run_id = $1 AND key = $2 AND step > $3 ORDER BY step LIMIT $4`,
        [r.id, a.key, a.afterStep ?? -1, limit],
      );
      return rows;
    },
    artifacts: (r: RunRow, _: unknown, ctx: Context) => ctx.loaders.artifacts.load(r.id),
  },
  RunConnection: {
    totalCount: (page: { totalCount: () => Promise<number> }) => page.totalCount(),
  },
};
