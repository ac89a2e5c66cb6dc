// Server-side only (imported by server components).

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { stringifyDocument } from '@urql/core';
import { cookies } from 'next/headers';
import { resolveApiUrls } from './api-url';

/** Set on globalThis by web/session-proxy.ts (same process, other module graph): session id -> API key. */
const REGISTRY = Symbol.for('runboard.session-proxies');
const COOKIE = 'runboard_session';

/** The signed-in browser's API key, so server rendering sees what the browser may see; null when none. */
async function sessionKey(): Promise<string | null> {
  const proxies = (globalThis as { [REGISTRY]?: Set<{ keyForSession(sid: string): string | null }> })[REGISTRY];
  if (!proxies?.size) return null;
  let sid: string | undefined;
  try {
    sid = (await cookies()).get(COOKIE)?.value;
  } catch {
    return null; // outside a request (e.g. at build time)
  }
  if (!sid) return null;
  for (const p of proxies) {
    const key = p.keyForSession(sid);
    if (key) return key;
  }
  return null;
}

/**
 * GraphQL from the Next server to the API, for prefetching during server rendering. Returns null on
 * any problem: the client then loads the data itself and shows errors properly.
 */
export async function serverQuery<T, V>(
  doc: TypedDocumentNode<T, V>,
  variables: V,
  timeoutMs = 5000,
): Promise<T | null> {
  const { http } = resolveApiUrls(process.env.RUNBOARD_API_URL ?? process.env.NEXT_PUBLIC_RUNBOARD_API);
  const key = await sessionKey();
  try {
    const res = await fetch(http, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query: stringifyDocument(doc), variables }),
      signal: AbortSignal.timeout(timeoutMs),
      cache: 'no-store',
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    return body.errors?.length || !body.data ? null : body.data;
  } catch {
    return null;
  }
}
