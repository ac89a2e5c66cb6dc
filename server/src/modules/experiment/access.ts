import { type AccessTable, targets } from '../auth/scopes.ts';

/** Who may call this module's root fields (enforced by api/access.ts; see auth/scopes.ts). */
export const experimentAccess: AccessTable = {
  Query: {
    experiments: { requires: 'READ', experiments: 'filter' },
    experiment: { requires: 'READ', experiments: (a) => targets.experiment(a.id, a.name) },
  },
  Mutation: {
    createExperiment: { requires: 'LOG', experiments: (a) => targets.experiment(null, a.input?.name) },
    // A limited key may rename only to a name it is also allowed.
    updateExperiment: { requires: 'LOG', experiments: (a) => targets.experiment(a.id, a.input?.name) },
    deleteExperiment: { requires: 'ADMIN', experiments: (a) => targets.experiment(a.id) },
  },
  Subscription: {
    // A stream over every experiment: it delivers only the changes of experiments the key may read (resolvers.ts).
    experimentsChanged: { requires: 'READ', experiments: 'filter' },
  },
};
