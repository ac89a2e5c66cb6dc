'use client';

import { DataProvider } from '@/lib/data';
import { SessionProvider } from './session';

export function Providers({ apiUrl, wsUrl, children }: { apiUrl: string; wsUrl: string; children: React.ReactNode }) {
  return (
    <DataProvider apiUrl={apiUrl} wsUrl={wsUrl}>
      <SessionProvider>{children}</SessionProvider>
    </DataProvider>
  );
}
