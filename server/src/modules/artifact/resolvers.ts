import type { Context } from '../../context.js';
import type { Artifact } from '../../generated/prisma/client.js';
import { type RegisterArtifactInput, STORED_PREFIX } from './service.js';

export const artifactResolvers = {
  Mutation: {
    registerArtifact: (_: unknown, a: { input: RegisterArtifactInput }, ctx: Context) =>
      ctx.services.artifacts.register(a.input),
    deleteArtifact: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.artifacts.delete(a.id),
  },
  Artifact: {
    size: (a: Artifact) => Number(a.size),
    downloadPath: (a: Artifact) => (a.uri.startsWith(STORED_PREFIX) ? `/artifacts/${a.id}` : null),
  },
};
