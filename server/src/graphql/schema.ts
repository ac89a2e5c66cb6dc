import { makeExecutableSchema } from '@graphql-tools/schema';
import { artifactAccess } from '../modules/artifact/access.js';
import { artifactResolvers } from '../modules/artifact/resolvers.js';
import { artifactTypeDefs } from '../modules/artifact/schema.js';
import { authResolvers } from '../modules/auth/resolvers.js';
import { authAccess, authTypeDefs } from '../modules/auth/schema.js';
import { experimentAccess } from '../modules/experiment/access.js';
import { experimentResolvers } from '../modules/experiment/resolvers.js';
import { experimentTypeDefs } from '../modules/experiment/schema.js';
import { launchAccess } from '../modules/launch/access.js';
import { launchResolvers } from '../modules/launch/resolvers.js';
import { launchTypeDefs } from '../modules/launch/schema.js';
import { metricAccess } from '../modules/metric/access.js';
import { metricResolvers } from '../modules/metric/resolvers.js';
import { metricTypeDefs } from '../modules/metric/schema.js';
import { runAccess } from '../modules/run/access.js';
import { runResolvers } from '../modules/run/resolvers.js';
import { runTypeDefs } from '../modules/run/schema.js';
import { sweepAccess } from '../modules/sweep/access.js';
import { sweepResolvers } from '../modules/sweep/resolvers.js';
import { sweepTypeDefs } from '../modules/sweep/schema.js';
import { viewAccess } from '../modules/view/access.ts';
import { viewResolvers } from '../modules/view/resolvers.js';
import { viewTypeDefs } from '../modules/view/schema.js';
import { enforceAccess, mergeAccess } from './access.js';
import { scalarResolvers, scalarTypeDefs } from './scalars.js';

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

/** The served schema: every root field checks the caller's scope first (graphql/access.ts). */
export function buildSchema() {
  return enforceAccess(buildBareSchema(), accessTable);
}
