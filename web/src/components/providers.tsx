'use client';

import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Client, cacheExchange, fetchExchange, Provider } from 'urql';
import { ValueStore } from '@/lib/value-store';
import { SessionProvider } from './session';

export type SocketState = 'idle' | 'connecting' | 'live' | 'down';

interface Api {
  apiUrl: string;
  wsUrl: string;
  ws: WsClient;
  /** The WebSocket's state, readable by any component without re-rendering the tree. */
  socket: ValueStore<SocketState>;
}

const ApiContext = createContext<Api | null>(null);

export function Providers({ apiUrl, wsUrl, children }: { apiUrl: string; wsUrl: string; children: React.ReactNode }) {
  const [api] = useState<Api>(() => {
    const socket = new ValueStore<SocketState>('idle');
    // retryAttempts 0: reconnection is done by useLiveSubscription, which re-subscribes with a fresh
    // `since` per run. graphql-ws's own retry would replay the stale variables of the first subscribe.
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
    return { apiUrl, wsUrl, ws, socket };
  });
  const client = useMemo(
    () =>
      new Client({
        url: apiUrl,
        exchanges: [cacheExchange, fetchExchange],
        // POST with JSON: Apollo's CSRF protection rejects urql's default GET queries without a preflight header.
        preferGetMethod: false,
        // Data here is live; the document cache would serve stale pages after navigation.
        requestPolicy: 'cache-and-network',
      }),
    [apiUrl],
  );
  useEffect(() => () => void api.ws.dispose(), [api]);
  return (
    <ApiContext.Provider value={api}>
      <Provider value={client}>
        <SessionProvider>{children}</SessionProvider>
      </Provider>
    </ApiContext.Provider>
  );
}

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <Providers>');
  return api;
}

export function useSocketState(): SocketState {
  const { socket } = useApi();
  return useSyncExternalStore(socket.subscribe, socket.get, () => 'idle' as SocketState);
}
