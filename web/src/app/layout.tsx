import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { ConnectionIndicator } from '@/components/connection-indicator';
import { Providers } from '@/components/providers';
import { resolveApiUrls } from '@/lib/api-url';
import './globals.css';

export const metadata: Metadata = {
  title: 'Runboard',
  description: 'Experiment tracker dashboard',
};

/**
 * The API URL is read per request (not inlined at build time) so one production build can be pointed
 * at any server. The browser uses RUNBOARD_PUBLIC_API_URL when set (e.g. the dashboard is opened from
 * another machine), else RUNBOARD_API_URL (set by `startWeb({ apiUrl })`), else NEXT_PUBLIC_RUNBOARD_API.
 */
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  await connection();
  const api = resolveApiUrls(
    process.env.RUNBOARD_PUBLIC_API_URL ?? process.env.RUNBOARD_API_URL ?? process.env.NEXT_PUBLIC_RUNBOARD_API,
  );
  return (
    <html lang="en">
      <body>
        <Providers apiUrl={api.http} wsUrl={api.ws}>
          <header className="topbar">
            <Link href="/" className="brand">
              Runboard
            </Link>
            <nav>
              <Link href="/">Experiments</Link>
              <Link href="/launch">Launch</Link>
              <Link href="/agents">Agents</Link>
            </nav>
            <ConnectionIndicator />
          </header>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
