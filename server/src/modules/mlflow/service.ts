import type { Principal } from '../auth/scopes.ts';
import type { Services } from '../context.ts';
import { listArtifacts, MlflowArtifacts } from './artifacts.ts';
import { MlflowExperiments } from './experiments.ts';
import type { Args } from './input.ts';
import { runIdOf } from './input.ts';
import { MlflowRuns } from './runs.ts';

type Handler = (a: Args, p: Principal) => Promise<unknown>;

/**
 * The one interface the MLflow routes call: an endpoint name ("runs/log-batch") and its arguments in, MLflow's
 * response object out. Everything underneath is Runboard's own services.
 */
export class MlflowService {
  readonly experiments: MlflowExperiments;
  readonly runs: MlflowRuns;
  readonly artifacts: MlflowArtifacts;
  private readonly handlers: Record<string, Handler>;

  constructor(s: Services) {
    const e = (this.experiments = new MlflowExperiments(s));
    const r = (this.runs = new MlflowRuns(s, e));
    this.artifacts = new MlflowArtifacts(s);
    this.handlers = {
      'experiments/create': (a) => e.create(a),
      'experiments/get': (a) => e.get(a),
      'experiments/get-by-name': (a) => e.getByName(a),
      'experiments/search': (a, p) => e.search(a, p),
      'experiments/update': (a) => e.update(a),
      'experiments/delete': (a) => e.setDeleted(a, true),
      'experiments/restore': (a) => e.setDeleted(a, false),
      'experiments/set-experiment-tag': (a) => e.setTag(a),
      'experiments/delete-experiment-tag': (a) => e.deleteTag(a),
      'runs/create': (a) => r.create(a),
      'runs/get': (a) => r.get(a),
      'runs/update': (a) => r.update(a),
      'runs/delete': (a) => r.setDeleted(a, true),
      'runs/restore': (a) => r.setDeleted(a, false),
      'runs/search': (a, p) => r.search(a, p),
      'runs/log-metric': (a) => r.logMetric(a),
      'runs/log-parameter': (a) => r.logParam(a),
      'runs/log-batch': (a) => r.logBatch(a),
      'runs/set-tag': (a) => r.setTag(a),
      'runs/delete-tag': (a) => r.deleteTag(a),
      'runs/log-inputs': (a) => r.logInputs(a),
      'runs/log-model': (a) => r.logModel(a),
      'metrics/get-history': (a) => r.metricHistory(a),
      'artifacts/list': async (a) => listArtifacts(s, await r.row(runIdOf(a)), a),
    };
  }

  has(endpoint: string): boolean {
    return Object.hasOwn(this.handlers, endpoint);
  }

  call(endpoint: string, args: Args, p: Principal): Promise<unknown> {
    return this.handlers[endpoint]!(args, p);
  }
}
