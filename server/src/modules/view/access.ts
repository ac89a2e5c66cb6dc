import { type AccessTable, targets } from '../auth/scopes.ts';

/**
 * Who may call this module's root fields (enforced by api/access.ts; see auth/scopes.ts). Views are
 * dashboard state, not results: reading them needs READ, saving or deleting one LOG. A view found by id alone
 * cannot be traced to an experiment before the field runs, so keys limited to experiments list views by
 * experiment instead.
 */
export const viewAccess: AccessTable = {
  Query: {
    savedViews: { requires: 'READ', experiments: (a) => targets.experiment(a.experimentId) },
    savedView: { requires: 'READ', experiments: 'unlimited' },
  },
  Mutation: {
    saveView: { requires: 'LOG', experiments: (a) => targets.experiment(a.input?.experimentId) },
    deleteView: { requires: 'LOG', experiments: 'unlimited' },
  },
};
