import { type AccessTable, targets } from '../auth/scopes.ts';

/** Who may call this module's root fields (enforced by api/access.ts; see auth/scopes.ts). */
export const runAccess: AccessTable = {
  Query: {
    // A limited key lists runs of one allowed experiment (filter.experimentId or experimentName).
    runs: {
      requires: 'READ',
      experiments: (a) => targets.experiment(a.filter?.experimentId, a.filter?.experimentName),
    },
    run: { requires: 'READ', experiments: (a) => targets.runs([a.id]) },
  },
  Mutation: {
    createRun: {
      requires: 'LOG',
      experiments: (a) => targets.experiment(a.input?.experimentId, a.input?.experimentName),
    },
    startRun: { requires: 'LOG', experiments: (a) => targets.runs([a.id]) },
    heartbeat: { requires: 'LOG', experiments: (a) => targets.runs([a.runId]) },
    finishRun: { requires: 'LOG', experiments: (a) => targets.runs([a.id]) },
    updateRun: { requires: 'LOG', experiments: (a) => targets.runs([a.id]) },
    deleteRun: { requires: 'ADMIN', experiments: (a) => targets.runs([a.id]) },
    updateRuns: { requires: 'LOG', experiments: (a) => targets.runs(a.ids) },
    deleteRuns: { requires: 'ADMIN', experiments: (a) => targets.runs(a.ids) },
  },
  Subscription: {
    runChanged: {
      requires: 'READ',
      experiments: (a) => [...targets.experiment(a.experimentId), ...targets.runs(a.runIds)],
    },
  },
};
