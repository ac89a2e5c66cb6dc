'use client';

import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { Provider } from 'urql';
import { createDataClient, type DataClient, type SocketState } from './client';

const DataContext = createContext<DataClient | null>(null);

/** Gives every component below it the one urql client (see client.ts). */
export function DataProvider({
  apiUrl,
  wsUrl,
  children,
}: {
  apiUrl: string;
  wsUrl: string;
  children: React.ReactNode;
}) {
  const [data] = useState(() => createDataClient(apiUrl, wsUrl));
  useEffect(() => () => data.dispose(), [data]);
  return (
    <DataContext.Provider value={data}>
      <Provider value={data.urql}>{children}</Provider>
    </DataContext.Provider>
  );
}

export function useDataClient(): DataClient {
  const data = useContext(DataContext);
  if (!data) throw new Error('useDataClient outside <DataProvider>');
  return data;
}

/** The API's URL as the browser sees it (for error messages and download links). */
export function useApiUrl(): string {
  return useDataClient().apiUrl;
}

export function useSocketState(): SocketState {
  const { socket } = useDataClient();
  return useSyncExternalStore(socket.subscribe, socket.get, () => 'idle' as SocketState);
}
