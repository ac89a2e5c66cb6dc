import DataLoader from 'dataloader';
import type { Env } from './config/env.ts';
import type { Database } from './db/database.ts';
import { ArtifactService } from './modules/artifact/service.ts';
import type { Principal } from './modules/auth/scopes.ts';
import type { AuthService } from './modules/auth/service.ts';
import { ExperimentService } from './modules/experiment/service.ts';
import { LogService } from './modules/launch/logs.ts';
import type { RunQueue } from './modules/launch/queue.ts';
import { LaunchService } from './modules/launch/service.ts';
import { latestForRuns } from './modules/metric/store.ts';
import { RunState } from './modules/run/run-state.ts';
import { RunService } from './modules/run/service.ts';
import { SweepService } from './modules/sweep/service.ts';
import { ViewService } from './modules/view/service.ts';
import { LiveService } from './pubsub/live.ts';
import type { PgListener } from './pubsub/pg-listener.ts';

/** Long-lived services, one set per server process. */
export interface Services {
  db: Database;
  experiments: ExperimentService;
  /** The owner of run status, seq and lease: every run change goes through it. */
  runState: RunState;
  runs: RunService;
  artifacts: ArtifactService;
  live: LiveService;
  launch: LaunchService;
  logs: LogService;
  sweeps: SweepService;
  views: ViewService;
  auth: AuthService;
}

export function createServices(
  db: Database,
  listener: PgListener,
  queue: RunQueue,
  env: Pick<Env, 'ARTIFACT_DIR' | 'DATA_DIR'> & { ARTIFACT_MAX_BYTES?: number },
  auth: AuthService,
): Services {
  const experiments = new ExperimentService(db);
  const runState = new RunState(db.pool, queue, queue.leaseSeconds);
  return {
    db,
    experiments,
    runState,
    runs: new RunService(db, experiments, runState),
    artifacts: new ArtifactService(db, env.ARTIFACT_DIR ?? `${env.DATA_DIR}/artifacts`, env.ARTIFACT_MAX_BYTES),
    live: new LiveService(db.pool, listener),
    launch: new LaunchService(db, queue, experiments, runState),
    logs: new LogService(db.pool, listener),
    sweeps: new SweepService(db, experiments, runState),
    views: new ViewService(db),
    auth,
  };
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
function createLoaders(s: Services) {
  return {
    experiment: batched(async (ids: readonly string[]) =>
      (await s.experiments.byIds(ids)).map((e, i) => e ?? new Error(`Experiment ${ids[i]} not found`)),
    ),
    runCounts: batched((ids: readonly string[]) => s.experiments.runCounts(ids)),
    latest: batched((runIds: readonly string[]) => latestForRuns(s.db.pool, runIds)),
    /** The summaries of only these keys, one loader per key list (a table asks for the same list on every row). */
    latestOfKeys: memoByKeys((keys: readonly string[]) =>
      batched((runIds: readonly string[]) => latestForRuns(s.db.pool, runIds, keys)),
    ),
    artifacts: batched(async (runIds: readonly string[]) => {
      const all = await s.artifacts.listForRuns(runIds);
      return runIds.map((id) => all.filter((a) => a.runId === id));
    }),
    agent: batched((ids: readonly string[]) => s.launch.agentsByIds(ids)),
    activeRunsOfAgent: batched((agentIds: readonly string[]) => s.launch.activeRunsOfAgents(agentIds)),
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
  /** The caller (API key and scopes), checked by graphql/access.ts before any root field runs. */
  auth: Principal;
}

export function createContext(services: Services, auth: Principal): Context {
  return { services, loaders: createLoaders(services), auth };
}
