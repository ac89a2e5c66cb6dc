import type { Resolvers } from '../resolvers-types.generated.ts';

export const viewResolvers: Resolvers = {
  Query: {
    savedViews: (_, a, ctx) => ctx.services.views.list(a.experimentId),
    savedView: (_, a, ctx) => ctx.services.views.get(a.id),
  },
  Mutation: {
    saveView: (_, a, ctx) => ctx.services.views.save(a.input),
    deleteView: (_, a, ctx) => ctx.services.views.delete(a.id),
  },
};
