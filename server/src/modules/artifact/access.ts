import { type AccessTable, targets } from '../auth/scopes.ts';

/** Who may call this module's root fields (enforced by api/access.ts; see auth/scopes.ts). */
export const artifactAccess: AccessTable = {
  Mutation: {
    registerArtifact: { requires: 'LOG', experiments: (a) => targets.runs([a.input?.runId]) },
    deleteArtifact: { requires: 'ADMIN', experiments: (a) => [{ artifactId: a.id }] },
  },
};
