import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { ConnectionIndicator } from '@/components/connection-indicator';
import { Providers } from '@/components/providers';
import { LaunchLink, SessionMenu } from '@/components/session';
import { resolveApiUrls } from '@/lib/api-url';
// Styles per area, in cascade order (later files override earlier ones: narrow screens, then dark mode last).
import './styles/base.css';
import './styles/status.css';
import './styles/panels.css';
import './styles/launch.css';
import './styles/logs.css';
import './styles/sweeps-agents.css';
import './styles/runs-table.css';
import './styles/narrow.css';
import './styles/dark.css';

export const metadata: Metadata = {
  title: 'Runboard',
  description: 'Experiment tracker dashboard',
};

/**
 * The browser talks to GraphQL at /graphql on the dashboard's own origin: the dashboard's server relays it
 * (HTTP and WebSocket) to the API with the signed-in session's key (web/session-proxy.ts), so no key and no
 * cross-origin call is ever needed in the browser. RUNBOARD_PUBLIC_API_URL, read per request, points the browser
 * at an API directly instead (only for servers without keys, the API allowing this origin in RUNBOARD_CORS_ORIGINS).
 */
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  await connection();
  const direct = process.env.RUNBOARD_PUBLIC_API_URL;
  const api = direct ? resolveApiUrls(direct) : { http: '/graphql', ws: '/graphql' };
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
              <LaunchLink />
              <Link href="/agents">Agents</Link>
            </nav>
            <ConnectionIndicator />
            <SessionMenu />
          </header>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
