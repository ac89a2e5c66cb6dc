/**
 * The dashboard's data access, for client components. One way to query: urql (`useQuery` for a view's data,
 * `useMutation`, `useLoad` for reads that accumulate). One way to stream: `useLiveSubscription`, a urql
 * subscription over graphql-ws that resumes by seq. Server components use `./server` (serverQuery); the session
 * endpoint is `./session`. Nothing outside this folder imports urql, graphql-ws or @runboard/client, or calls
 * fetch for data (web/test/data-access.test.ts checks it).
 */
export type { AnyVariables, CombinedError } from 'urql';
export { useMutation, useQuery } from 'urql';
export { type RunSeq, SeqTracker } from '../seq-tracker';
export type { SocketState } from './client';
export { type Load, type Loaded, useLoad } from './load';
export { DataProvider, useApiUrl, useSocketState } from './provider';
export { type LiveState, useLiveSubscription } from './stream';
