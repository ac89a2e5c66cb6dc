import type { Scope, Target } from '../auth/scopes.ts';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME } from './experiments.ts';
import { type Args, optString, reqString, runIdOf, stringList } from './input.ts';

/**
 * Who may call each MLflow endpoint: the same scopes and experiment limits as the GraphQL fields that do the
 * same thing (modules' access.ts). `targets` names what the request touches; a key limited to some experiments
 * must be allowed every one of them (AuthService.assertExperiments). 'filter': the endpoint lists experiments
 * and returns only the allowed ones. MLflow's deletes are reversible (archive), so they need LOG like
 * updateRuns(archived), not ADMIN like Runboard's deleteRun.
 */
export interface EndpointAccess {
  requires: Scope;
  targets: ((a: Args) => Target[]) | 'filter';
}

const experiment = (id: string): Target =>
  id === DEFAULT_EXPERIMENT_ID ? { experimentName: DEFAULT_EXPERIMENT_NAME } : { experimentId: id };
const byExperimentId = (a: Args) => [experiment(reqString(a, 'experiment_id'))];
const byRun = (a: Args) => [{ runId: runIdOf(a) }];

export const mlflowAccess: Record<string, EndpointAccess> = {
  'experiments/create': { requires: 'LOG', targets: (a) => [{ experimentName: reqString(a, 'name') }] },
  'experiments/get': { requires: 'READ', targets: byExperimentId },
  'experiments/get-by-name': {
    requires: 'READ',
    targets: (a) => [{ experimentName: reqString(a, 'experiment_name') }],
  },
  'experiments/search': { requires: 'READ', targets: 'filter' },
  // A limited key may rename only to a name it is also allowed (as updateExperiment).
  'experiments/update': {
    requires: 'LOG',
    targets: (a) => [
      ...byExperimentId(a),
      ...(optString(a, 'new_name') ? [{ experimentName: optString(a, 'new_name')! }] : []),
    ],
  },
  'experiments/delete': { requires: 'LOG', targets: byExperimentId },
  'experiments/restore': { requires: 'LOG', targets: byExperimentId },
  'experiments/set-experiment-tag': { requires: 'LOG', targets: byExperimentId },
  'experiments/delete-experiment-tag': { requires: 'LOG', targets: byExperimentId },
  'runs/create': { requires: 'LOG', targets: byExperimentId },
  'runs/get': { requires: 'READ', targets: byRun },
  'runs/update': { requires: 'LOG', targets: byRun },
  'runs/delete': { requires: 'LOG', targets: byRun },
  'runs/restore': { requires: 'LOG', targets: byRun },
  'runs/search': { requires: 'READ', targets: (a) => stringList(a, 'experiment_ids', 1000).map(experiment) },
  'runs/log-metric': { requires: 'LOG', targets: byRun },
  'runs/log-parameter': { requires: 'LOG', targets: byRun },
  'runs/log-batch': { requires: 'LOG', targets: byRun },
  'runs/set-tag': { requires: 'LOG', targets: byRun },
  'runs/delete-tag': { requires: 'LOG', targets: byRun },
  'runs/log-inputs': { requires: 'LOG', targets: byRun },
  'runs/log-model': { requires: 'LOG', targets: byRun },
  'metrics/get-history': { requires: 'READ', targets: byRun },
  'artifacts/list': { requires: 'READ', targets: byRun },
};
