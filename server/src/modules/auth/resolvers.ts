import type { Context } from '../../context.js';
import { SCOPES } from './scopes.js';
import type { CreateApiKeyInput } from './service.js';
import type { ApiKeyRow } from './store.js';

export const authResolvers = {
  Query: {
    viewer: (_: unknown, __: unknown, ctx: Context) => ({
      authRequired: ctx.auth.authRequired,
      authenticated: !ctx.auth.authRequired || ctx.auth.scopes.size > 0,
      keyName: ctx.auth.keyName,
      scopes: SCOPES.filter((s) => ctx.auth.scopes.has(s)),
      experiments: ctx.auth.experiments,
    }),
    apiKeys: (_: unknown, a: { includeRevoked?: boolean }, ctx: Context) =>
      ctx.services.auth.list(a.includeRevoked ?? false),
  },
  Mutation: {
    createApiKey: (_: unknown, a: { input: CreateApiKeyInput }, ctx: Context) => ctx.services.auth.create(a.input),
    revokeApiKey: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.auth.revoke(a.id),
  },
  ApiKey: {
    experiments: (k: ApiKeyRow) => (k.experiments.length ? k.experiments : null),
  },
};
