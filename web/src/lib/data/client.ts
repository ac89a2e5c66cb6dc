import type { SubscribeTransport } from '@runboard/client/live';
import { createClient as createWsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { onEnd, pipe, subscribe } from 'wonka';
import { ValueStore } from '../value-store';

export type SocketState = 'idle' | 'connecting' | 'live' | 'down';

/** Everything the browser uses to reach the API: one urql client (queries, mutations, subscriptions). */
export interface DataClient {
  apiUrl: string;
  wsUrl: string;
  urql: Client;
  /** The WebSocket's state, readable by any component without re-rendering the tree. */
  socket: ValueStore<SocketState>;
  /** urql's subscriptions in the shape @runboard/client's resumable streams expect. */
  streams: SubscribeTransport;
  dispose(): void;
}

/**
 * Queries and mutations go over HTTP (fetchExchange), subscriptions over graphql-ws (subscriptionExchange):
 * both through the same urql client, so a component never sees a transport.
 */
export function createDataClient(apiUrl: string, wsUrl: string): DataClient {
  const socket = new ValueStore<SocketState>('idle');
  // retryAttempts 0: reconnection is done by useLiveSubscription, which re-subscribes with a fresh `since` per
  // run. graphql-ws's own retry would replay the stale variables of the first subscribe.
  const ws = createWsClient({
    // A path (the default: the dashboard's own server relays it) becomes ws(s)://<this host>/graphql.
    url: () =>
      wsUrl.startsWith('/') ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${wsUrl}` : wsUrl,
    lazy: true,
    retryAttempts: 0,
    keepAlive: 10_000,
    on: {
      connecting: () => socket.set('connecting'),
      connected: () => socket.set('live'),
      closed: (e) => {
        socket.set('down');
        // 4401: the session's key was revoked (the dashboard's server has ended the session): sign in again.
        if ((e as { code?: number } | undefined)?.code === 4401)
          location.assign(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
      },
    },
  });
  const urql = new Client({
    url: apiUrl,
    exchanges: [
      cacheExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
      fetchExchange,
    ],
    // POST with JSON: Apollo's CSRF protection rejects urql's default GET queries without a preflight header.
    preferGetMethod: false,
    // Data here is live; the document cache would serve stale pages after navigation.
    requestPolicy: 'cache-and-network',
  });
  return { apiUrl, wsUrl, urql, socket, streams: urqlStreams(urql, socket), dispose: () => void ws.dispose() };
}

/**
 * urql reports a subscription's GraphQL errors and transport errors both as `result.error`; the resumable stream
 * needs them apart (the first ends the stream, the second is retried). A failed operation is torn down here, so
 * the retry's subscribe is a new operation rather than urql's deduplicated dead one.
 */
function urqlStreams(urql: Client, socket: ValueStore<SocketState>): SubscribeTransport {
  return {
    subscribe(payload, sink) {
      let ended = false;
      const end = (report: () => void) => {
        if (ended) return;
        ended = true;
        report();
        queueMicrotask(() => sub.unsubscribe());
      };
      const sub = pipe(
        urql.subscription(payload.query, payload.variables),
        // urql ends the source when the server completes the stream (it is going away).
        onEnd(() => end(() => sink.complete())),
        subscribe((result) => {
          if (ended) return;
          if (result.error?.graphQLErrors.length) end(() => sink.error(result.error!.graphQLErrors));
          else if (result.error) end(() => sink.error(result.error!.networkError ?? result.error));
          else sink.next({ data: result.data });
        }),
      );
      return () => {
        ended = true;
        sub.unsubscribe();
      };
    },
    on: (_event, listener) => socket.subscribe(() => socket.get() === 'live' && listener()),
  };
}
