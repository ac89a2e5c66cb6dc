import DataLoader from 'dataloader';
import type { Env } from './config/env.js';
import type { Database } from './db/database.js';
import { ArtifactService } from './modules/artifact/service.js';
import { ExperimentService } from './modules/experiment/service.js';
import { LogService } from './modules/launch/logs.js';
import type { RunQueue } from './modules/launch/queue.js';
import { LaunchService } from './modules/launch/service.js';
import { RunService } from './modules/run/service.js';
import { SweepService } from './modules/sweep/service.js';
import { LiveService } from './pubsub/live.js';
import type { PgListener } from './pubsub/pg-listener.js';

/** Long-lived services, one set per server process. */
export interface Services {
  db: Database;
  experiments: ExperimentService;
  runs: RunService;
  artifacts: ArtifactService;
  live: LiveService;
  launch: LaunchService;
  logs: LogService;
  sweeps: SweepService;
}

export function createServices(
  db: Database,
  listener: PgListener,
  queue: RunQueue,
  env: Pick<Env, 'ARTIFACT_DIR' | 'DATA_DIR'> & { ARTIFACT_MAX_BYTES?: number },
): Services {
  const experiments = new ExperimentService(db);
  const runs = new RunService(db, experiments);
  return {
    db,
    experiments,
    runs,
    artifacts: new ArtifactService(db, env.ARTIFACT_DIR ?? `${env.DATA_DIR}/artifacts`, env.ARTIFACT_MAX_BYTES),
    live: new LiveService(db.pool, listener),
    launch: new LaunchService(db, queue, experiments, runs),
    logs: new LogService(db.pool, listener),
    sweeps: new SweepService(db, queue, experiments, runs),
  };
}

export interface LatestRow {
  runId: string;
  key: string;
  count: number;
  firstStep: number;
  lastStep: number;
  lastValue: number;
  lastWallTime: Date;
  min: number | null;
  minStep: number | null;
  max: number | null;
  maxStep: number | null;
}

/** Per-request batching, so a page of runs costs one query per relation rather than one per run. */
function createLoaders(s: Services) {
  return {
    experiment: new DataLoader(async (ids: readonly string[]) => {
      const found = await s.db.prisma.experiment.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(found.map((e) => [e.id, e]));
      return ids.map((id) => byId.get(id) ?? new Error(`Experiment ${id} not found`));
    }),
    runCounts: new DataLoader((ids: readonly string[]) => s.experiments.runCounts(ids)),
    latest: new DataLoader(async (runIds: readonly string[]) => {
      const { rows } = await s.db.pool.query<LatestRow>(
        `SELECT run_id AS "runId", key, count, first_step AS "firstStep", last_step AS "lastStep",
                last_value AS "lastValue", last_wall_time AS "lastWallTime", min_value AS min, min_step AS "minStep",
                max_value AS max, max_step AS "maxStep"
           FROM metric_latest WHERE run_id = ANY($1::uuid[]) ORDER BY key`,
        [runIds],
      );
      return runIds.map((id) => rows.filter((r) => r.runId === id));
    }),
    artifacts: new DataLoader(async (runIds: readonly string[]) => {
      const all = await s.artifacts.listForRuns(runIds);
      return runIds.map((id) => all.filter((a) => a.runId === id));
    }),
  };
}

export interface Context {
  services: Services;
  loaders: ReturnType<typeof createLoaders>;
}

export function createContext(services: Services): Context {
  return { services, loaders: createLoaders(services) };
}
