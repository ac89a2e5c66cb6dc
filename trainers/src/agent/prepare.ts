// The agent's half of "fail fast": before a trainer process is started, the run's data and weights
// are resolved on this machine (folders under the agent's data roots, named data sets and ImageNet
// weights fetched into the cache). The trainer then gets absolute paths and does no lookups.
import { relative, sep } from 'node:path';
import { assertTreeInRoots } from '../data/confine-tree.ts';
import { progressPrinter } from '../data/downloads.ts';
import { resolveData } from '../data/resolve-data.ts';
import { resolveWeights } from '../model/resolve-weights.ts';

export interface PrepareContext {
  roots: string[];
  agentName: string;
  /** A line for the run's logs. */
  say: (line: string) => void;
  /** Runs `fn` once for concurrent callers with the same key (one download per agent). */
  share: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

export async function prepareRun(config: Record<string, unknown>, ctx: PrepareContext) {
  const out = { ...config };
  const progressOut = { write: (s: string) => ctx.say(s.trimEnd()), isTTY: false };
  const req = { data: str(config.data), train: str(config.train), val: str(config.val), test: str(config.test) };
  const t0 = performance.now();
  const data = await ctx.share(`data:${JSON.stringify(req)}`, () =>
    resolveData(req, {
      roots: ctx.roots,
      agentName: ctx.agentName,
      log: ctx.say,
      progress: progressPrinter(req.data ?? 'data', progressOut),
    }),
  );
  // The folders were confined by name; what lies below them (class folders, images) may still link elsewhere.
  if (data.source.startsWith('folder')) {
    for (const dir of [data.train, data.val, data.test]) {
      if (!dir) continue;
      const root = ctx.roots.find((r) => dir.startsWith(`${r}${sep}`));
      await assertTreeInRoots(dir, ctx.roots, root ? relative(root, dir) : dir);
    }
  }
  delete out.data;
  Object.assign(out, { train: data.train, val: data.val, ...(data.test ? { test: data.test } : {}) });
  const weights = str(config.weights) ?? 'imagenet';
  const w = await ctx.share(`weights:${weights}`, () =>
    resolveWeights(weights, {
      roots: ctx.roots,
      log: ctx.say,
      progress: progressPrinter('vgg16 weights', progressOut),
    }),
  );
  out.weights = w.kind === 'random' ? 'random' : w.path;
  ctx.say(
    `agent ${ctx.agentName}: data ${data.source}; weights ${w.kind === 'random' ? 'random' : w.label} (resolved in ${((performance.now() - t0) / 1000).toFixed(1)}s)`,
  );
  return out;
}
