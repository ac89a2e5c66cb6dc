/**
 * The dashboard's own server's session endpoint (web/session-proxy.ts): not GraphQL, but data access all the
 * same, so it lives here with the rest.
 */

const PATH = '/api/session';

/** Who the browser is; null when the dashboard's server did not answer (ask again later). */
export async function fetchSession<T>(): Promise<T | null> {
  try {
    const r = await fetch(PATH, { cache: 'no-store' });
    return r.ok ? ((await r.json()) as T) : null;
  } catch {
    return null;
  }
}

/** Hands the key to the dashboard's server; null when signed in, else the reason. */
export async function signIn(key: string): Promise<string | null> {
  const res = await fetch(PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  if (res.ok) return null;
  return ((await res.json().catch(() => ({}))) as { error?: string }).error ?? `Sign-in failed (${res.status})`;
}

export async function signOut(): Promise<void> {
  await fetch(PATH, { method: 'DELETE' });
}
