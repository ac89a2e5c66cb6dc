import { type AccessTable, targets } from '../auth/scopes.ts';

/**
 * Who may call this module's root fields (enforced by api/access.ts; see auth/scopes.ts). The agent protocol
 * claims runs of any experiment, so it is open only to keys not limited to experiments.
 */
export const launchAccess: AccessTable = {
  Query: {
    agents: { requires: 'READ', experiments: 'unlimited' },
    queueStatus: { requires: 'READ', experiments: 'unlimited' },
    trainerConfigSchema: { requires: 'READ', experiments: 'none' },
  },
  Mutation: {
    launchRun: {
      requires: 'LAUNCH',
      experiments: (a) => targets.experiment(a.input?.experimentId, a.input?.experimentName),
    },
    cancelRun: { requires: 'LAUNCH', experiments: (a) => targets.runs([a.id]) },
    registerAgent: { requires: 'AGENT', experiments: 'unlimited' },
    claimRuns: { requires: 'AGENT', experiments: 'unlimited' },
    renewLeases: { requires: 'AGENT', experiments: 'unlimited' },
    reportRunExit: { requires: 'AGENT', experiments: 'unlimited' },
    appendRunLogs: { requires: 'AGENT', experiments: (a) => targets.runs([a.runId]) },
  },
  Subscription: {
    runLogs: { requires: 'READ', experiments: (a) => targets.runs([a.runId]) },
  },
};
