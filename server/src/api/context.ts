import type { Env } from '../config/env.ts';
import type { Database } from '../db/database.ts';
import { ArtifactService } from '../modules/artifact/service.ts';
import type { AuthService } from '../modules/auth/service.ts';
import type { Services } from '../modules/context.ts';
import { ExperimentService } from '../modules/experiment/service.ts';
import { LogService } from '../modules/launch/logs.ts';
import type { RunQueue } from '../modules/launch/queue.ts';
import { LaunchService } from '../modules/launch/service.ts';
import { MetricService } from '../modules/metric/service.ts';
import { RunState } from '../modules/run/run-state.ts';
import { RunService } from '../modules/run/service.ts';
import { SweepService } from '../modules/sweep/service.ts';
import { ViewService } from '../modules/view/service.ts';
import type { PgListener } from '../pubsub/pg-listener.ts';

export { type Context, createContext, type Services } from '../modules/context.ts';

/** Wires the modules' services, one set per server process (the request context is built from them). */
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
    runs: new RunService(db, experiments, runState, listener),
    metrics: new MetricService(db, runState, listener, queue),
    artifacts: new ArtifactService(db, env.ARTIFACT_DIR ?? `${env.DATA_DIR}/artifacts`, env.ARTIFACT_MAX_BYTES),
    launch: new LaunchService(db, queue, experiments, runState),
    logs: new LogService(db.pool, listener),
    sweeps: new SweepService(db, experiments, runState),
    views: new ViewService(db),
    auth,
  };
}
