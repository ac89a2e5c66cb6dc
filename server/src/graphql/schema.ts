import { makeExecutableSchema } from '@graphql-tools/schema';
import { artifactResolvers } from '../modules/artifact/resolvers.js';
import { artifactTypeDefs } from '../modules/artifact/schema.js';
import { experimentResolvers } from '../modules/experiment/resolvers.js';
import { experimentTypeDefs } from '../modules/experiment/schema.js';
import { launchResolvers } from '../modules/launch/resolvers.js';
import { launchTypeDefs } from '../modules/launch/schema.js';
import { metricResolvers } from '../modules/metric/resolvers.js';
import { metricTypeDefs } from '../modules/metric/schema.js';
import { runResolvers } from '../modules/run/resolvers.js';
import { runTypeDefs } from '../modules/run/schema.js';
import { sweepResolvers } from '../modules/sweep/resolvers.js';
import { sweepTypeDefs } from '../modules/sweep/schema.js';
import { viewResolvers } from '../modules/view/resolvers.js';
import { viewTypeDefs } from '../modules/view/schema.js';
import { scalarResolvers, scalarTypeDefs } from './scalars.js';

const rootTypeDefs = /* GraphQL */ `
  "Read experiments, runs and metrics."
  type Query
  "Create and change experiments, runs and metrics."
  type Mutation
  "Live updates over WebSocket (graphql-ws protocol) on the same path as HTTP."
  type Subscription
`;

export function buildSchema() {
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
    ],
  });
}
