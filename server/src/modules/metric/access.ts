import { type AccessTable, targets } from '../auth/scopes.ts';

/** Who may call this module's root fields (enforced by api/access.ts; see auth/scopes.ts). */
export const metricAccess: AccessTable = {
  Query: {
    metricSeries: { requires: 'READ', experiments: (a) => targets.runs(a.runIds) },
    compareRuns: { requires: 'READ', experiments: (a) => targets.runs(a.runIds) },
    metricKeys: {
      requires: 'READ',
      experiments: (a) => [...targets.experiment(a.experimentId), ...targets.runs(a.runIds)],
    },
  },
  Mutation: {
    logMetrics: { requires: 'LOG', experiments: (a) => targets.runs([a.runId]) },
    truncateMetrics: { requires: 'LOG', experiments: (a) => targets.runs([a.runId]) },
  },
  Subscription: {
    metricsLogged: { requires: 'READ', experiments: (a) => targets.runs(a.runIds) },
  },
};
