import type { Resolvers } from '../resolvers-types.generated.ts';
import { SCOPES } from './scopes.ts';

export const authResolvers: Resolvers = {
  Query: {
    viewer: (_, __, ctx) => ({
      authRequired: ctx.auth.authRequired,
      authenticated: !ctx.auth.authRequired || ctx.auth.scopes.size > 0,
      keyName: ctx.auth.keyName,
      scopes: SCOPES.filter((s) => ctx.auth.scopes.has(s)),
      experiments: ctx.auth.experiments ? [...ctx.auth.experiments] : null,
    }),
    apiKeys: (_, a, ctx) => ctx.services.auth.list(a.includeRevoked ?? false),
  },
  Mutation: {
    createApiKey: (_, a, ctx) => ctx.services.auth.create(a.input),
    revokeApiKey: (_, a, ctx) => ctx.services.auth.revoke(a.id),
  },
  ApiKey: {
    experiments: (k) => (k.experiments.length ? k.experiments : null),
  },
};
