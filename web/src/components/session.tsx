'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { fetchSession, signOut } from '@/lib/data/session';
import { ValueStore } from '@/lib/value-store';

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

/**
 * The session lives in a store rather than in a context value. A context value that changes while the page is still
 * hydrating makes React give up hydrating every Suspense boundary still waiting for streamed markup: it renders those
 * on the client instead, and the streamed copy sits hidden in the document beside the client's until React's reveal
 * timer removes it (the compare page held its view twice for a moment after a reload). A store update re-renders only
 * the components that read it, once they have hydrated.
 */
type SessionStore = ValueStore<SessionInfo>;

const sameSession = (a: SessionInfo, b: SessionInfo) =>
  a.authRequired === b.authRequired &&
  a.signedIn === b.signedIn &&
  a.keyName === b.keyName &&
  a.scopes.join() === b.scopes.join();

const SessionContext = createContext<SessionStore | null>(null);

export const SIGN_IN_PATH = '/sign-in';

/**
 * Asks the dashboard's server who the browser is. With keys required and no session, every page but the sign-in
 * page sends the browser to sign in.
 */
export function SessionProvider({ children }: { children: React.ReactNode }) {
  const [store] = useState<SessionStore>(() => new ValueStore(UNKNOWN, sameSession));
  const pathname = usePathname();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Asked again until it answers: while the API is down the session is unknown and controls stay hidden.
    const ask = () =>
      fetchSession<SessionInfo>().then((s) => {
        if (!live) return;
        if (!s) {
          timer = setTimeout(ask, 2000);
          return;
        }
        store.set(s);
        if (s.authRequired && !s.signedIn && pathname !== SIGN_IN_PATH) {
          location.replace(`${SIGN_IN_PATH}?next=${encodeURIComponent(location.pathname + location.search)}`);
        }
      });
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [pathname, store]);
  return <SessionContext.Provider value={store}>{children}</SessionContext.Provider>;
}

const unknown = () => UNKNOWN;

export function useSession(): SessionInfo {
  const store = useContext(SessionContext);
  if (!store) throw new Error('useSession outside <SessionProvider>');
  // The server renders UNKNOWN (it never knows the session), so hydration starts from the same value.
  return useSyncExternalStore(store.subscribe, store.get, unknown);
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
  const leave = async () => {
    await signOut();
    location.assign(SIGN_IN_PATH);
  };
  return (
    <span className="session-menu" data-testid="session-menu">
      {s.keyName} ({s.scopes.join(', ').toLowerCase()}){' '}
      <button type="button" className="link-button" onClick={leave}>
        Sign out
      </button>
    </span>
  );
}
