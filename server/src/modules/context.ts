import DataLoader from 'dataloader';
import { CostMeter } from '../core/cost-meter.ts';
import type { Database } from '../db/database.ts';
import type { ArtifactService } from './artifact/service.ts';
import type { Principal } from './auth/scopes.ts';
import type { AuthService } from './auth/service.ts';
import type { ExperimentService } from './experiment/service.ts';
import type { LogService } from './launch/logs.ts';
import type { LaunchService } from './launch/service.ts';
import type { MetricService } from './metric/service.ts';
import type { RunState } from './run/run-state.ts';
import type { RunService } from './run/service.ts';
import type { SweepService } from './sweep/service.ts';
import type { ViewService } from './view/service.ts';

/**
 * What every resolver receives: the modules' services, per-request loaders and the caller. Declared here,
 * beside the modules, so resolvers (and their generated types) never import the api layer that builds it
 * (api/context.ts).
 */

/** Long-lived services, one set per server process. */
export interface Services {
  /** For health checks and the composition root; resolvers never touch the pool (services and stores do). */
  db: Database;
  experiments: ExperimentService;
  /** The owner of run status, seq and lease: every run change goes through it. */
  runState: RunState;
  runs: RunService;
  metrics: MetricService;
  artifacts: ArtifactService;
  launch: LaunchService;
  logs: LogService;
  sweeps: SweepService;
  views: ViewService;
  auth: AuthService;
}

/** Resolves each key from one batched lookup that returns values in key order. */
function batched<K, V>(load: (keys: readonly K[]) => Promise<(V | Error)[]>) {
  return new DataLoader<K, V>(async (keys) => load(keys));
}

/** One value per distinct key list, made on first use. */
function memoByKeys<T>(make: (keys: readonly string[]) => T): (keys: readonly string[]) => T {
  const made = new Map<string, T>();
  return (keys) => {
    const id = JSON.stringify(keys);
    let value = made.get(id);
    if (value === undefined) made.set(id, (value = make(keys)));
    return value;
  };
}

/**
 * Per-request batching: a page of runs costs one query per relation rather than one per run. Every loader
 * calls a service or store; no SQL lives here.
 */
function createLoaders(s: Services, auth: Principal, cost: CostMeter) {
  return {
    experiment: batched(async (ids: readonly string[]) =>
      (await s.experiments.byIds(ids)).map((e, i) => e ?? new Error(`Experiment ${ids[i]} not found`)),
    ),
    runCounts: batched((ids: readonly string[]) => s.experiments.runCounts(ids)),
    // Nothing more is read once the request was refused (core/cost-meter.ts).
    latest: batched((runIds: readonly string[]) =>
      cost.refused ? Promise.resolve(runIds.map(() => cost.refused!)) : s.metrics.latest(runIds),
    ),
    /** The summaries of only these keys, one loader per key list (a table asks for the same list on every row). */
    latestOfKeys: memoByKeys((keys: readonly string[]) =>
      batched((runIds: readonly string[]) => s.metrics.latest(runIds, keys)),
    ),
    artifacts: batched(async (runIds: readonly string[]) => {
      const all = await s.artifacts.listForRuns(runIds);
      return runIds.map((id) => all.filter((a) => a.runId === id));
    }),
    agent: batched((ids: readonly string[]) => s.launch.agentsByIds(ids)),
    activeRunsOfAgent: batched((agentIds: readonly string[]) =>
      s.launch.activeRunsOfAgents(agentIds, auth.experiments),
    ),
    activeRunCount: batched((agentIds: readonly string[]) => s.launch.activeRunCounts(agentIds)),
    /** Agents online now; one read per request however many queued runs ask "is anyone there for me?". */
    onlineAgents: batched((keys: readonly 'online'[]) => s.launch.onlineAgents().then((a) => keys.map(() => a))),
    sweep: batched((ids: readonly string[]) => s.sweeps.byIds(ids)),
    sweepResults: batched((ids: readonly string[]) => s.sweeps.resultsOf(ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface Context {
  services: Services;
  loaders: Loaders;
  /** The caller (API key and scopes), checked by api/access.ts before any root field runs. */
  auth: Principal;
  /** What list fields sized by the data (Run.metrics) are charged to; see core/cost-meter.ts. */
  cost: CostMeter;
}

export function createContext(
  services: Services,
  auth: Principal,
  cost = new CostMeter(Number.POSITIVE_INFINITY),
): Context {
  return { services, loaders: createLoaders(services, auth, cost), auth, cost };
}

/**
 * A subscription's context lives as long as the subscription (graphql-ws builds one per operation), so its
 * loaders would answer every event with what they cached for the first. A stream whose events are re-read
 * state (counts, names) starts each event with fresh loaders.
 */
export function freshLoaders(ctx: Context): void {
  ctx.loaders = createLoaders(ctx.services, ctx.auth, ctx.cost);
}
