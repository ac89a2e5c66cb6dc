// @runboard/client: the one GraphQL client of Runboard's non-browser code. The journal (./journal, Node
// only) and resumable subscriptions (./live, browser-safe) are separate entry points.
export { type BatcherOptions, SerialBatcher } from './batcher.ts';
export {
  type CallOptions,
  type ClientOptions,
  GraphQLClient,
  type GraphQLResponse,
  graphqlUrl,
  NO_GRAPHQL_ANSWER,
} from './client.ts';
export { ApiError, type GraphQLErrorBody, TransportError } from './errors.ts';
export { type Document, IDEMPOTENT_MUTATIONS, operationOf } from './idempotence.ts';
export { backoffMs, DEFAULT_RETRY, judge, NO_RETRY, type RetryPolicy, retryAfterMs } from './retry.ts';
