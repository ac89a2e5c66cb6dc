import { type AccessTable, targets } from '../auth/scopes.ts';

/** Who may call this module's root fields (enforced by api/access.ts; see auth/scopes.ts). */
export const sweepAccess: AccessTable = {
  Query: {
    sweep: { requires: 'READ', experiments: (a) => [{ sweepId: a.id }] },
    sweeps: { requires: 'READ', experiments: (a) => targets.experiment(a.experimentId) },
  },
  Mutation: {
    launchSweep: {
      requires: 'LAUNCH',
      experiments: (a) => targets.experiment(a.input?.experimentId, a.input?.experimentName),
    },
    cancelSweep: { requires: 'LAUNCH', experiments: (a) => [{ sweepId: a.id }] },
  },
};
