import type { Context } from '../../context.js';
import type { SaveViewInput } from './service.js';

export const viewResolvers = {
  Query: {
    savedViews: (_: unknown, a: { experimentId: string }, ctx: Context) => ctx.services.views.list(a.experimentId),
    savedView: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.views.get(a.id),
  },
  Mutation: {
    saveView: (_: unknown, a: { input: SaveViewInput }, ctx: Context) => ctx.services.views.save(a.input),
    deleteView: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.views.delete(a.id),
  },
};
