'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { createContext, useContext, useEffect, useState } from 'react';

export type Scope = 'READ' | 'LOG' | 'LAUNCH' | 'AGENT' | 'ADMIN';

/** What /api/session (the dashboard's own server) says about the browser's session. */
export interface SessionInfo {
  authRequired: boolean;
  signedIn: boolean;
  keyName: string | null;
  scopes: Scope[];
}

/** Until the session is known, nothing that changes data is offered. */
const UNKNOWN: SessionInfo = { authRequired: true, signedIn: false, keyName: null, scopes: [] };
const SessionContext = createContext<SessionInfo>(UNKNOWN);

export const SIGN_IN_PATH = '/sign-in';

/**
 * Asks the dashboard's server who the browser is. With keys required and no session, every page but the sign-in
 * page sends the browser to sign in.
 */
export function SessionProvider({ children }: { children: React.ReactNode }) {
  const [session, setSession] = useState<SessionInfo>(UNKNOWN);
  const pathname = usePathname();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Asked again until it answers: while the API is down the session is unknown and controls stay hidden.
    const ask = () =>
      fetch('/api/session', { cache: 'no-store' })
        .then((r) => (r.ok ? (r.json() as Promise<SessionInfo>) : null))
        .catch(() => null)
        .then((s) => {
          if (!live) return;
          if (!s) {
            timer = setTimeout(ask, 2000);
            return;
          }
          setSession(s);
          if (s.authRequired && !s.signedIn && pathname !== SIGN_IN_PATH) {
            location.replace(`${SIGN_IN_PATH}?next=${encodeURIComponent(location.pathname + location.search)}`);
          }
        });
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [pathname]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionInfo {
  return useContext(SessionContext);
}

/** Whether the session may do what needs `scope` (ADMIN includes everything; the server checks again anyway). */
export function useCan(scope: Scope): boolean {
  const s = useSession();
  if (!s.authRequired) return true;
  return s.scopes.includes(scope) || s.scopes.includes('ADMIN');
}

export function LaunchLink() {
  return useCan('LAUNCH') ? <Link href="/launch">Launch</Link> : null;
}

export function SessionMenu() {
  const s = useSession();
  if (!s.authRequired || !s.signedIn) return null;
  const signOut = async () => {
    await fetch('/api/session', { method: 'DELETE' });
    location.assign(SIGN_IN_PATH);
  };
  return (
    <span className="session-menu" data-testid="session-menu">
      {s.keyName} ({s.scopes.join(', ').toLowerCase()}){' '}
      <button type="button" className="link-button" onClick={signOut}>
        Sign out
      </button>
    </span>
  );
}
