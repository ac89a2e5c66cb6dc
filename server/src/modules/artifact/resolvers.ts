import type { Resolvers } from '../resolvers-types.generated.ts';
import { STORED_PREFIX } from './service.ts';

export const artifactResolvers: Resolvers = {
  Mutation: {
    registerArtifact: (_, a, ctx) => ctx.services.artifacts.register(a.input),
    deleteArtifact: (_, a, ctx) => ctx.services.artifacts.delete(a.id),
  },
  Artifact: {
    size: (a) => Number(a.size),
    downloadPath: (a) => (a.uri.startsWith(STORED_PREFIX) ? `/artifacts/${a.id}` : null),
  },
};
