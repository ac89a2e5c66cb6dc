import { makeExecutableSchema } from '@graphql-tools/schema';
import { scalarResolvers, scalarTypeDefs } from '../core/scalars.ts';
import { artifactAccess } from '../modules/artifact/access.ts';
import { artifactResolvers } from '../modules/artifact/resolvers.ts';
import { artifactTypeDefs } from '../modules/artifact/schema.ts';
import { authResolvers } from '../modules/auth/resolvers.ts';
import { authAccess, authTypeDefs } from '../modules/auth/schema.ts';
import { experimentAccess } from '../modules/experiment/access.ts';
import { experimentResolvers } from '../modules/experiment/resolvers.ts';
import { experimentTypeDefs } from '../modules/experiment/schema.ts';
import { launchAccess } from '../modules/launch/access.ts';
import { launchResolvers } from '../modules/launch/resolvers.ts';
import { launchTypeDefs } from '../modules/launch/schema.ts';
import { metricAccess } from '../modules/metric/access.ts';
import { metricResolvers } from '../modules/metric/resolvers.ts';
import { metricTypeDefs } from '../modules/metric/schema.ts';
import { runAccess } from '../modules/run/access.ts';
import { runResolvers } from '../modules/run/resolvers.ts';
import { runTypeDefs } from '../modules/run/schema.ts';
import { sweepAccess } from '../modules/sweep/access.ts';
import { sweepResolvers } from '../modules/sweep/resolvers.ts';
import { sweepTypeDefs } from '../modules/sweep/schema.ts';
import { viewAccess } from '../modules/view/access.ts';
import { viewResolvers } from '../modules/view/resolvers.ts';
import { viewTypeDefs } from '../modules/view/schema.ts';
import { enforceAccess, mergeAccess } from './access.ts';

const rootTypeDefs = /* GraphQL */ `
  "Read experiments, runs and metrics."
  type Query
  "Create and change experiments, runs and metrics."
  type Mutation
  "Live updates over WebSocket (graphql-ws protocol) on the same path as HTTP."
  type Subscription
`;

/** Who may call each root field, declared by each module next to its SDL (see modules/auth/scopes.ts). */
export const accessTable = mergeAccess([
  authAccess,
  experimentAccess,
  runAccess,
  metricAccess,
  artifactAccess,
  launchAccess,
  sweepAccess,
  viewAccess,
]);

/** The schema without access checks (schema printing, tests of the access table). */
export function buildBareSchema() {
  return makeExecutableSchema({
    typeDefs: [
      rootTypeDefs,
      scalarTypeDefs,
      experimentTypeDefs,
      runTypeDefs,
      metricTypeDefs,
      artifactTypeDefs,
      launchTypeDefs,
      sweepTypeDefs,
      viewTypeDefs,
      authTypeDefs,
    ],
    resolvers: [
      scalarResolvers,
      experimentResolvers,
      runResolvers,
      metricResolvers,
      artifactResolvers,
      launchResolvers,
      sweepResolvers,
      viewResolvers,
      authResolvers,
    ],
  });
}

/** The served schema: every root field checks the caller's scope first (api/access.ts). */
export function buildSchema() {
  return enforceAccess(buildBareSchema(), accessTable);
}
